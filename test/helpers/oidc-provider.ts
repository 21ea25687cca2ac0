// Helpers around the panva oidc-provider fixture (test/providers/oidc-provider.mjs).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CookieJar } from "./cookie-jar.mjs";
import { decodeEntities, htmlText as pageText } from "./html-text.mjs";
import { spawnFixture } from "./spawn-fixture.js";

export const OIDC_PROVIDER_SCRIPT = fileURLToPath(new URL("../providers/oidc-provider.mjs", import.meta.url));

/** test/browser/fake-browser.mjs (absolute); the CLI runs it as `OIDC_BROWSER="node <this> %s"`. */
export const FAKE_BROWSER_SCRIPT = fileURLToPath(new URL("../browser/fake-browser.mjs", import.meta.url));

/** The OIDC_BROWSER value that makes the CLI spawn the fake browser. */
export const FAKE_BROWSER_COMMAND = `${process.execPath} ${FAKE_BROWSER_SCRIPT} %s`;

/**
 * Waits until the fake browser's log ($FAKE_BROWSER_LOG) ends with its `exit <code>` line.
 * It is detached from the CLI and outlives it by ~0.1-0.5 s while Chromium closes.
 */
export async function waitForFakeBrowser(logFile: string, timeoutMs = 30_000): Promise<{ code: number; log: string }> {
  const until = Date.now() + timeoutMs;
  let log = "";
  while (Date.now() < until) {
    log = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    const m = /ms exit (\d+)\n$/.exec(log);
    if (m) return { code: Number(m[1]), log };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fake browser did not exit within ${timeoutMs} ms; log so far:\n${log}`);
}

/** Pre-registered clients of the fixture (all redirect to http://127.0.0.1/callback). */
export const OP_CLIENTS = {
  /** native, auth none, grants authorization_code refresh_token device_code; any loopback port */
  public: { clientId: "cli-public" },
  /** same but application_type web: redirect_uri must match exactly (no port) */
  publicWeb: { clientId: "cli-public-web" },
  /** client_secret_basic (+ client_credentials) */
  confidential: { clientId: "cli-confidential", clientSecret: "cli-confidential-secret" },
  /** client_secret_post (+ client_credentials) */
  confidentialPost: { clientId: "cli-confidential-post", clientSecret: "cli-confidential-post-secret" },
} as const;

/** What the login tests ask cli-public for; offline_access (with prompt=consent) brings a refresh token. */
export const PANVA_LOGIN_SCOPE = "openid email offline_access";

/**
 * `oidc login` arguments for the fixture's public native client cli-public, with consent asked
 * for every time (so the refresh token is issued), then `extra`.
 */
export function panvaLoginArgs(op: { issuer: string }, ...extra: string[]): string[] {
  const { clientId } = OP_CLIENTS.public;
  return ["login", "--issuer", op.issuer, "--client-id", clientId, "--scope", PANVA_LOGIN_SCOPE, "--prompt", "consent", ...extra];
}

export interface StartOidcProviderOptions {
  /** access token TTL, seconds (default 3600) */
  atTtl?: number;
  /** refresh token TTL, seconds (default 14 days) */
  rtTtl?: number;
  /** provider clockTolerance, seconds (default 15; use 0 for expiry tests) */
  clockTolerance?: number;
  /** issuer path prefix, e.g. '/oidc' */
  issuerPath?: string;
  /** refresh token rotation policy (default: library default, public clients rotate every time) */
  rotate?: "default" | "always" | "never";
  /** fixed port (default random) */
  port?: number;
  /** extra environment for the fixture process */
  env?: Record<string, string>;
}

export interface OidcProviderHandle {
  /** e.g. http://127.0.0.1:PORT or http://127.0.0.1:PORT/oidc (no trailing slash) */
  issuer: string;
  port: number;
  pid: number;
  /** issuer + '/.well-known/openid-configuration' */
  discovery: string;
  /** kid of the single RS256 signing key */
  kid: string;
  /** what the fixture wrote to stderr so far (every *.error event with its error_detail) */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startOidcProvider(opts: StartOidcProviderOptions = {}): Promise<OidcProviderHandle> {
  const env: Record<string, string> = { PORT: String(opts.port ?? 0), ...opts.env };
  if (opts.atTtl !== undefined) env.OP_AT_TTL = String(opts.atTtl);
  if (opts.rtTtl !== undefined) env.OP_RT_TTL = String(opts.rtTtl);
  if (opts.clockTolerance !== undefined) env.OP_CLOCK_TOLERANCE = String(opts.clockTolerance);
  if (opts.issuerPath !== undefined) env.OP_ISSUER_PATH = opts.issuerPath;
  if (opts.rotate !== undefined) env.OP_ROTATE = opts.rotate;
  const fx = await spawnFixture(OIDC_PROVIDER_SCRIPT, env);
  const info = fx.info as { issuer: string; port: number; pid: number; discovery: string; kid: string };
  return {
    issuer: info.issuer,
    port: info.port,
    pid: fx.pid,
    discovery: info.discovery,
    kid: info.kid,
    stderr: () => fx.stderr(),
    stop: () => fx.stop(),
  };
}

export interface BrowserlessLoginOptions {
  /** login name; becomes `sub` (default 'alice') */
  login?: string;
  /** ignored by devInteractions (default 'password') */
  password?: string;
  /** what to do on the consent page (default 'accept'); 'deny' follows the "[ Cancel ]" link */
  consent?: "accept" | "deny";
  /** overall timeout, ms (default 10000) */
  timeoutMs?: number;
}

function isCallback(target: URL, redirectUri: URL | undefined): boolean {
  // the OP redirects to exactly the redirect_uri of the request (port included)
  if (redirectUri) return target.origin === redirectUri.origin && target.pathname === redirectUri.pathname;
  return target.hostname === "127.0.0.1" && target.pathname.endsWith("/callback");
}

const htmlText = (html: string) => pageText(html, 400);

/**
 * Drive the oidc-provider devInteractions pages without a browser (fetch, redirect:'manual',
 * a cookie jar). Resolves with the final redirect URL to the client's redirect_uri (e.g.
 * `http://127.0.0.1:PORT/callback?code=…&state=…&iss=…`, or `?error=access_denied…` for deny);
 * that URL is NOT requested. Rejects if the OP renders an error page or the flow does not end
 * at the redirect_uri.
 */
export async function browserlessLogin(authorizeUrl: string, opts: BrowserlessLoginOptions = {}): Promise<string> {
  const login = opts.login ?? "alice";
  const password = opts.password ?? "password";
  const consent = opts.consent ?? "accept";
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
  const start = new URL(authorizeUrl);
  const ru = start.searchParams.get("redirect_uri");
  const redirectUri = ru ? new URL(ru) : undefined;
  const jar = new CookieJar();

  let url = start;
  let method: "GET" | "POST" = "GET";
  let body: URLSearchParams | undefined;
  const trail: string[] = [];

  for (let step = 0; step < 25; step++) {
    if (isCallback(url, redirectUri)) return url.href;
    trail.push(`${method} ${url.pathname}`);
    const headers: Record<string, string> = { accept: "text/html,application/json" };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url, { method, headers, body, redirect: "manual", signal });
    jar.store(res);
    method = "GET";
    body = undefined;

    if (res.status >= 300 && res.status < 400) {
      const loc = res.headers.get("location");
      await res.body?.cancel();
      if (!loc) throw new Error(`browserlessLogin: ${res.status} without Location at ${url.href}`);
      url = new URL(loc, url);
      continue;
    }

    const html = await res.text();
    if (res.status !== 200) {
      throw new Error(`browserlessLogin: OP answered ${res.status} at ${url.pathname}: ${htmlText(html)}`);
    }

    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (/name="prompt" value="login"/.test(html) && action) {
      url = new URL(decodeEntities(action), url);
      method = "POST";
      body = new URLSearchParams({ prompt: "login", login, password });
      continue;
    }
    if (/name="prompt" value="consent"/.test(html) && action) {
      if (consent === "deny") {
        const abort = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html)?.[1];
        if (!abort) throw new Error("browserlessLogin: consent page without a [ Cancel ] link");
        url = new URL(decodeEntities(abort), url);
      } else {
        url = new URL(decodeEntities(action), url);
        method = "POST";
        body = new URLSearchParams({ prompt: "consent" });
      }
      continue;
    }
    throw new Error(`browserlessLogin: unexpected page at ${url.pathname}: ${htmlText(html)}`);
  }
  throw new Error(`browserlessLogin: too many steps: ${trail.join(" -> ")}`);
}
