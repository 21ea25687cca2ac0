// Types of cookie-jar.mjs.

export declare class CookieJar {
  /** Takes the Set-Cookie headers of a response. */
  store(res: Response): void;
  /** The Cookie header for a request to `url`, or undefined when no cookie applies. */
  header(url: URL): string | undefined;
}
