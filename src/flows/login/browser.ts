/**
 * The browser half of a login: loopback server on the redirect URI, authorization URL, one
 * preflight of the authorization request (a provider that refuses the client or its redirect URI
 * ends the login here, before any browser), browser launch, and the wait — for the callback, or
 * on a TTY for a pasted redirect URL (SSH sessions), whichever first, until --callback-timeout.
 */
import { callbackTimeout, LoopbackServer } from "../../adapters/loopback.js";
import type { StoredClient } from "../../adapters/store.js";
import type { Spinner } from "../../adapters/terminal.js";
import type { Deps } from "../../cli/deps.js";
import { ExitCode, OidcError, usageError } from "../../errors.js";
import { type AuthorizationRequest, buildAuthorizationRequest, processAuthorizationPreflight } from "../../oidc/authorize.js";
import type { Dialect } from "../../oidc/dialects/index.js";
import { DEFAULT_PORT, loopbackRedirectUri } from "../../oidc/registration.js";
import { profileFlag } from "../profile-hints.js";
import type { Context } from "../provider.js";
import type { LoginOptions } from "./index.js";

type BrowserLoginOptions = Pick<LoginOptions, "port" | "redirectUri" | "prompt" | "browser" | "callbackTimeout">;

/** Where the callback is served, and why there. */
export interface CallbackTarget {
  /** The redirect URI sent to the provider, exactly. */
  uri: string;
  port: number;
  path: string;
  hostname: string;
  /** --redirect-uri, --port, the client's registered URI, or the default port. */
  source: "redirect-uri" | "port" | "registered" | "default";
  /** The registered loopback URI names no port: the provider matches it on any port. */
  anyPort?: boolean;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost"]);

function loopbackUrl(uri: string): URL | undefined {
  try {
    const u = new URL(uri);
    return u.protocol === "http:" && LOOPBACK_HOSTS.has(u.hostname) && !u.hash ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The redirect URI of this login: --redirect-uri exactly, else --port (with /callback), else the
 * client's registered loopback URI exactly (port and path), else the default port 8765.
 */
export function chooseRedirect(client: StoredClient, o: { port?: number; redirectUri?: string }): CallbackTarget {
  if (o.redirectUri) {
    if (o.port) throw usageError("--redirect-uri and --port both name the callback", "pass one of them");
    const u = loopbackUrl(o.redirectUri);
    if (!u)
      throw usageError(
        `--redirect-uri ${JSON.stringify(o.redirectUri)} is not a loopback redirect URI`,
        "use http://127.0.0.1:<port>/<path> or http://localhost:<port>/<path> (the callback is served on this machine)",
      );
    if (u.port === "0") throw usageError("--redirect-uri needs a port of its own, not 0", "the provider must be told the exact URI");
    return { uri: o.redirectUri, port: Number(u.port || 80), path: u.pathname, hostname: u.hostname, source: "redirect-uri" };
  }
  if (o.port) return { uri: loopbackRedirectUri(o.port), port: o.port, path: "/callback", hostname: "127.0.0.1", source: "port" };
  for (const uri of client.redirect_uris ?? []) {
    const u = loopbackUrl(uri);
    if (!u) continue;
    if (!u.port) {
      // A port-free registration (RFC 8252 §7.3): the provider takes any port; start at the default.
      const url = new URL(uri);
      url.port = String(DEFAULT_PORT);
      return { uri: url.toString(), port: DEFAULT_PORT, path: u.pathname, hostname: u.hostname, source: "registered", anyPort: true };
    }
    return { uri, port: Number(u.port), path: u.pathname, hostname: u.hostname, source: "registered" };
  }
  return { uri: loopbackRedirectUri(DEFAULT_PORT), port: DEFAULT_PORT, path: "/callback", hostname: "127.0.0.1", source: "default" };
}

/**
 * May a busy port be traded for a free one? Only where the provider said it matches loopback
 * redirects on any port: the client was registered as native (or with a port-free URI), the user
 * did not name the port, and the dialect does not match ports exactly.
 */
export function mayUseAnyPort(client: StoredClient, target: CallbackTarget, dialect: Dialect): boolean {
  if (target.source === "redirect-uri" || target.source === "port") return false;
  if (dialect.registration.exactLoopbackPort) return false;
  return client.application_type === "native" || !!target.anyPort;
}

const isInUse = (e: unknown) =>
  e instanceof OidcError && e.exitCode === ExitCode.usage && (e.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE";

async function someFreePort(): Promise<number | undefined> {
  try {
    const probe = await LoopbackServer.start(0);
    probe.close();
    return probe.port;
  } catch {
    return undefined;
  }
}

/** The callback server on the chosen redirect URI; a busy port falls back to a free one only where `mayUseAnyPort`. */
async function startCallbackServer(
  deps: Deps,
  ctx: Context,
  client: StoredClient,
  target: CallbackTarget,
): Promise<{ server: LoopbackServer; redirectUri: string }> {
  const at = { path: target.path, hostname: target.hostname };
  try {
    return { server: await LoopbackServer.start(target.port, at), redirectUri: target.uri };
  } catch (e) {
    if (!isInUse(e)) throw e;
    if (mayUseAnyPort(client, target, ctx.dialect)) {
      const server = await LoopbackServer.start(0, at);
      deps.term.info(
        `Port ${target.port} is in use; listening on ${server.port} instead (the client is registered as native, so the provider accepts any loopback port).`,
      );
      return { server, redirectUri: server.redirectUri };
    }
    const other = (await someFreePort()) ?? target.port + 1;
    const profile = profileFlag(ctx.profile.name);
    const name = client.client_name && /^[A-Za-z0-9._-]+$/.test(client.client_name) ? client.client_name : "<name>";
    throw new OidcError(
      ExitCode.usage,
      `oidc cannot bind 127.0.0.1:${target.port} for the redirect URI ${target.uri}: the port is in use by another program`,
      {
        hint: `stop that program, or register a client for another port: oidc${profile} register --name ${name} --port ${other}`,
        cause: e,
      },
    );
  }
}

/** 75 → "1m15s", 9 → "9s". */
const duration = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`);

export async function browserLogin(
  deps: Deps,
  ctx: Context,
  o: BrowserLoginOptions,
  client: StoredClient,
  scope: string,
): Promise<{ req: AuthorizationRequest; redirect: string }> {
  const { term } = deps;
  if (o.browser && term.ci && !deps.browser.configured())
    throw usageError(
      "logging in needs a browser, and CI is set",
      "use --session-token (better-auth), set OIDC_BROWSER to a browser command, or pass --no-browser",
    );
  const target = chooseRedirect(client, o);
  const { server, redirectUri } = await startCallbackServer(deps, ctx, client, target);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let lines: { close(): void } | undefined;
  try {
    const req = buildAuthorizationRequest(
      ctx.metadata,
      { clientId: client.client_id, redirectUri, scope, prompt: o.prompt, dialect: ctx.dialect },
      ctx.io,
    );
    // The request once, redirects not followed: a provider that refuses the client or the
    // redirect URI answers with its own error page and would never come back to the callback.
    // TODO(PAR): where the provider advertises pushed_authorization_request_endpoint (RFC 9126),
    // push the request and check that answer instead (another issue); today the query is sent.
    const preflight = processAuthorizationPreflight(
      await ctx.io.http.request(req.url, { what: "authorization request", headers: { accept: "text/html,application/json" } }),
      redirectUri,
    );
    if (preflight.autoApproved) term.trace("the provider approved at once (a redirect to the callback); that code is not used");
    if (preflight.note) term.warn(preflight.note);

    timer = setTimeout(() => controller.abort(callbackTimeout(o.callbackTimeout, o.browser)), o.callbackTimeout * 1000);
    // Listen before anything can reach the callback: a request with no handler yet would hang.
    const callback = server
      .waitForCallback(req.state, controller.signal, {
        acceptStatelessError: ctx.dialect.errorRedirectMayLackState,
        onIgnored: (why) => term.warn(why),
      })
      .then((u) => u.toString());
    callback.catch(() => {}); // handled by the race below; not "unhandled" while the browser launches
    const waits: Promise<string>[] = [callback];
    term.info(`Open this URL to log in:\n  ${term.style.cyan(req.url)}`);

    const waitingText = o.browser ? "Waiting for the browser to finish the login" : `Waiting for the redirect to ${redirectUri}`;
    const started = deps.clock.now();
    let spinner: Spinner | undefined;
    let done = false;
    const liveText = () => {
      const elapsed = Math.max(0, Math.floor((deps.clock.now() - started) / 1000));
      return `${waitingText}… ${duration(elapsed)} elapsed, ${duration(Math.max(0, o.callbackTimeout - elapsed))} left`;
    };
    if (o.browser) {
      // A launcher that fails is said at once, with the URL again; the wait goes on (the URL can
      // be opened by hand, the redirect pasted), until the callback timeout.
      const onFailure = (e: OidcError) => {
        const live = spinner?.live ? spinner : undefined;
        live?.stop();
        term.warn(`${e.message}${e.hint ? `; ${e.hint}` : ""}`);
        term.info(`\nOpen this URL in a browser to log in:\n\n  ${term.style.bold(term.style.cyan(req.url))}\n`);
        if (live)
          void term.spin(liveText()).then((s) => {
            spinner = s;
            if (done) s.stop();
          });
      };
      if (await deps.browser.open(req.url, onFailure)) term.info("Opened your browser.");
    }
    // The redirect URL also completes the login when a person pastes it (SSH: the browser is on
    // another machine) or, with --no-browser, when a script pipes it in.
    const tty = term.interactive();
    if (tty || (!o.browser && !term.stdinIsTTY)) {
      if (tty) term.info(term.style.dim("Or paste the URL the browser was redirected to, then Enter."));
      waits.push(
        new Promise((resolve) => {
          lines = term.lines((line) => {
            const text = line.trim();
            try {
              const u = new URL(text);
              if (u.searchParams.has("code") || u.searchParams.has("error")) resolve(text);
              else term.info("That URL has neither code nor error; paste the whole redirect URL.");
            } catch {
              if (text) term.info("That is not a URL; paste the whole redirect URL.");
            }
          });
        }),
      );
    }
    // On a TTY the spinner shows the time elapsed and left, each second; elsewhere one plain line.
    spinner = await term.spin(`${waitingText}… (up to ${duration(o.callbackTimeout)})`);
    if (spinner.live) {
      spinner.update(liveText());
      ticker = setInterval(() => spinner?.update(liveText()), 1000);
    }
    try {
      return { req, redirect: await Promise.race(waits) };
    } finally {
      done = true;
      spinner?.stop();
    }
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    lines?.close();
    server.close();
  }
}
