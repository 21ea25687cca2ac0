/**
 * The one-shot loopback callback server (RFC 8252 §7.3): 127.0.0.1 only, path /callback (or the
 * path and host name of the redirect URI it is started for). A request
 * with another login's state gets an error page and the wait goes on; the right one ends it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ExitCode, OidcError } from "../errors.js";

const page = (title: string, body: string, ok: boolean) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem;color:${ok ? "#1a7f37" : "#c62828"}}</style></head>
<body><h1>${title}</h1><p>${body}</p></body></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class LoopbackServer {
  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** The callback's path (default /callback). */
    readonly path: string,
    /** The host name of the redirect URI: 127.0.0.1 or localhost (served on 127.0.0.1 either way). */
    readonly hostname: string,
  ) {}

  get redirectUri(): string {
    return `http://${this.hostname}:${this.port}${this.path}`;
  }

  /**
   * Listen on 127.0.0.1:`port` (0: any free port). A port in use or not allowed is a usage error
   * whose `cause` carries the system's code (EADDRINUSE, EACCES).
   */
  static start(
    port: number,
    opts: { path?: string; hostname?: string; handler?: (req: IncomingMessage, res: ServerResponse) => void } = {},
  ): Promise<LoopbackServer> {
    const server = createServer(opts.handler);
    return new Promise((resolve, reject) => {
      server.once("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EADDRINUSE")
          reject(
            new OidcError(ExitCode.usage, `port ${port} on 127.0.0.1 is in use`, {
              hint: "pick another with --port (and register its redirect URI)",
              cause: e,
            }),
          );
        else if (e.code === "EACCES")
          reject(new OidcError(ExitCode.usage, `port ${port} on 127.0.0.1 is not allowed`, { hint: "pick another with --port", cause: e }));
        else reject(e);
      });
      server.listen(port, "127.0.0.1", () => {
        const addr = server.address();
        resolve(
          new LoopbackServer(
            server,
            typeof addr === "object" && addr ? addr.port : port,
            opts.path ?? "/callback",
            opts.hostname ?? "127.0.0.1",
          ),
        );
      });
    });
  }

  /**
   * Wait for the callback that carries `state` (or an error without state). Other paths get 404;
   * a wrong state gets an error page and a warning, and the wait goes on.
   */
  waitForCallback(
    state: string,
    signal: AbortSignal,
    opts: { acceptStatelessError?: boolean; onIgnored?: (why: string) => void } = {},
  ): Promise<URL> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener("abort", onAbort, { once: true });
      this.server.on("request", (req, res) => {
        const url = new URL(req.url ?? "/", this.redirectUri);
        res.setHeader("content-type", "text/html; charset=utf-8");
        res.setHeader("cache-control", "no-store");
        res.setHeader("connection", "close");
        if (url.pathname !== this.path || req.method !== "GET") {
          res.writeHead(404).end(page("Not found", "This is the oidc CLI's one-shot login callback.", false));
          return;
        }
        const q = url.searchParams;
        const error = q.get("error");
        // An error without state ends the wait only for a provider known to send those (RFC 6749
        // §4.1.2.1 requires state): otherwise any page could abort the login with words of its own.
        if (q.get("state") !== state && !(opts.acceptStatelessError && error && !q.has("state"))) {
          opts.onIgnored?.("the callback received a request with another login's state; ignored it and still waiting");
          res
            .writeHead(400)
            .end(
              page(
                "Not this login",
                "This sign-in response does not belong to the login in progress. Start again from the terminal.",
                false,
              ),
            );
          return;
        }
        if (error) {
          const desc = q.get("error_description");
          res.writeHead(200).end(page("Sign-in failed", escapeHtml(`${error}${desc ? `: ${desc}` : ""}. You can close this tab.`), false));
        } else {
          res.writeHead(200).end(page("Signed in", "You can close this tab and return to the terminal.", true));
        }
        signal.removeEventListener("abort", onAbort);
        resolve(url);
      });
    });
  }

  close(): void {
    this.server.closeAllConnections?.();
    this.server.close();
  }
}

export function callbackTimeout(seconds: number, browser = true): OidcError {
  return new OidcError(ExitCode.loginRequired, `login failed: no callback arrived within ${seconds}s`, {
    hint: browser
      ? "if the browser cannot reach this machine, use --no-browser and paste the redirect URL; or wait longer with --callback-timeout <s>"
      : "paste the URL the browser was redirected to here (or pipe it on stdin); or wait longer with --callback-timeout <s>",
  });
}
