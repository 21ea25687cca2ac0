/**
 * The browser half of `oidc login`: loopback server, authorization URL, browser launch, and the
 * wait — for the callback, or on a TTY for a pasted redirect URL (SSH sessions), whichever first.
 */
import { createInterface } from "node:readline";
import { browserCommand, openBrowser } from "./browser.js";
import type { AuthorizeOptions } from "./commands/authorize.js";
import { choosePort } from "./commands/authorize.js";
import type { Context } from "./context.js";
import { ExitCode, type OidcError, usageError } from "./errors.js";
import { info, interactive, isCiEnv, spin, style } from "./io.js";
import { callbackTimeout, LoopbackServer } from "./loopback.js";
import { type AuthorizationRequest, buildAuthorizationRequest } from "./oidc/authorize.js";
import type { StoredClient } from "./profile.js";

/**
 * The callback server on the registered port. Where the provider lets native clients use any
 * loopback port (RFC 8252 §7.3) and the user did not ask for one, a busy port falls back to a free one.
 */
async function startCallbackServer(ctx: Context, client: StoredClient, o: AuthorizeOptions): Promise<LoopbackServer> {
  const port = choosePort(client, o);
  try {
    return await LoopbackServer.start(port);
  } catch (e) {
    if (o.port || port === 0 || ctx.dialect.registration.exactLoopbackPort || (e as OidcError).exitCode !== ExitCode.usage) throw e;
    const server = await LoopbackServer.start(0);
    info(`Port ${port} is in use; listening on ${server.port} instead (the provider accepts any loopback port).`);
    return server;
  }
}

export async function browserLogin(
  ctx: Context,
  o: AuthorizeOptions,
  client: StoredClient,
  scope: string,
): Promise<{ req: AuthorizationRequest; redirect: string }> {
  if (o.browser && isCiEnv() && !browserCommand())
    throw usageError(
      "logging in needs a browser, and CI is set",
      "use --session-token (better-auth), set OIDC_BROWSER to a browser command, or pass --no-browser",
    );
  const server = await startCallbackServer(ctx, client, o);
  const req = buildAuthorizationRequest(ctx.metadata, {
    clientId: client.client_id,
    redirectUri: server.redirectUri,
    scope,
    prompt:
      o.prompt ?? (ctx.dialect.offlineAccessNeedsConsentPrompt && scope.split(" ").includes("offline_access") ? "consent" : undefined),
  });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(callbackTimeout(o.callbackTimeout)), o.callbackTimeout * 1000);
  let rl: ReturnType<typeof createInterface> | undefined;
  try {
    // Listen before anything can reach the callback: a request with no handler yet would hang.
    const callback = server
      .waitForCallback(req.state, controller.signal, { acceptStatelessError: ctx.dialect.errorRedirectMayLackState })
      .then((u) => u.toString());
    callback.catch(() => {}); // handled by the race below; not "unhandled" while the browser launches
    const waits: Promise<string>[] = [callback];
    info(`Open this URL to log in:\n  ${style.cyan(req.url)}`);
    if (o.browser) await openBrowser(req.url, (e) => controller.abort(e));
    // The redirect URL also completes the login when a person pastes it (SSH: the browser is on
    // another machine) or, with --no-browser, when a script pipes it in.
    const tty = interactive();
    if (tty || (!o.browser && !process.stdin.isTTY)) {
      if (tty) info(style.dim("Or paste the URL the browser was redirected to, then Enter."));
      rl = createInterface({ input: process.stdin, terminal: false });
      const input = rl;
      waits.push(
        new Promise((resolve) => {
          input.on("line", (line) => {
            const text = line.trim();
            try {
              const u = new URL(text);
              if (u.searchParams.has("code") || u.searchParams.has("error")) resolve(text);
              else info("That URL has neither code nor error; paste the whole redirect URL.");
            } catch {
              if (text) info("That is not a URL; paste the whole redirect URL.");
            }
          });
        }),
      );
    }
    const spinner = await spin(
      o.browser ? "Waiting for the browser to finish the login…" : `Waiting for the redirect to ${server.redirectUri}…`,
    );
    try {
      const redirect = await Promise.race(waits);
      spinner.stop();
      return { req, redirect };
    } catch (e) {
      spinner.stop();
      throw e;
    }
  } finally {
    clearTimeout(timer);
    rl?.close();
    server.close();
  }
}
