/**
 * The browser half of a login: loopback server, authorization URL, browser launch, and the wait —
 * for the callback, or on a TTY for a pasted redirect URL (SSH sessions), whichever first.
 */
import { callbackTimeout, LoopbackServer } from "../../adapters/loopback.js";
import type { StoredClient } from "../../adapters/store.js";
import type { Deps } from "../../cli/deps.js";
import { ExitCode, type OidcError, usageError } from "../../errors.js";
import { type AuthorizationRequest, buildAuthorizationRequest } from "../../oidc/authorize.js";
import type { Context } from "../provider.js";
import type { LoginOptions } from "./index.js";

type BrowserLoginOptions = Pick<LoginOptions, "port" | "prompt" | "browser" | "callbackTimeout">;

/** The loopback port: --port, else the registered redirect URI's, else any free one (0). */
export function choosePort(client: StoredClient, o: { port?: number }): number {
  if (o.port) return o.port;
  for (const uri of client.redirect_uris ?? []) {
    try {
      const u = new URL(uri);
      if (u.hostname === "127.0.0.1" && u.port) return Number(u.port);
    } catch {
      /* not ours */
    }
  }
  return 0;
}

/**
 * The callback server on the registered port. Where the provider lets native clients use any
 * loopback port (RFC 8252 §7.3) and the user did not ask for one, a busy port falls back to a free one.
 */
async function startCallbackServer(deps: Deps, ctx: Context, client: StoredClient, o: BrowserLoginOptions): Promise<LoopbackServer> {
  const port = choosePort(client, o);
  try {
    return await LoopbackServer.start(port);
  } catch (e) {
    if (o.port || port === 0 || ctx.dialect.registration.exactLoopbackPort || (e as OidcError).exitCode !== ExitCode.usage) throw e;
    const server = await LoopbackServer.start(0);
    deps.term.info(`Port ${port} is in use; listening on ${server.port} instead (the provider accepts any loopback port).`);
    return server;
  }
}

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
  const server = await startCallbackServer(deps, ctx, client, o);
  const req = buildAuthorizationRequest(
    ctx.metadata,
    { clientId: client.client_id, redirectUri: server.redirectUri, scope, prompt: o.prompt, dialect: ctx.dialect },
    ctx.io,
  );
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(callbackTimeout(o.callbackTimeout)), o.callbackTimeout * 1000);
  let lines: { close(): void } | undefined;
  try {
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
    if (o.browser) await deps.browser.open(req.url, (e) => controller.abort(e));
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
    const spinner = await term.spin(
      o.browser ? "Waiting for the browser to finish the login…" : `Waiting for the redirect to ${server.redirectUri}…`,
    );
    try {
      return { req, redirect: await Promise.race(waits) };
    } finally {
      spinner.stop();
    }
  } finally {
    clearTimeout(timer);
    lines?.close();
    server.close();
  }
}
