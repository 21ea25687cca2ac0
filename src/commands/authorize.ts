/**
 * `oidc authorize` / `oidc login`: authorization code + PKCE, state and nonce, through the browser
 * and the loopback callback, or headless with a better-auth session. Then the exchange, the ID
 * token checks, and the profile.
 */
import { type Context, type GlobalOptions, loadContext, requireClient } from "../context.js";
import { refusedError, usageError } from "../errors.js";
import { browserCommand, openBrowser } from "../browser.js";
import { info, interactive, isCiEnv, outJson, settings, spin, style, warn } from "../io.js";
import { type AuthorizationRequest, buildAuthorizationRequest, isRedirectTo, parseAuthorizationResponse } from "../oidc/authorize.js";
import { answerConsent, authorizeWithSession } from "../oidc/headless.js";
import { DEFAULT_PORT, loopbackRedirectUri } from "../oidc/registration.js";
import { exchangeAuthorizationCode } from "../oidc/token.js";
import type { StoredClient, StoredTokens } from "../profile.js";
import { registerSecret } from "../redact.js";
import { acceptTokenResponse, describeExpiry, saveTokens } from "../tokens.js";

export interface AuthorizeOptions extends GlobalOptions {
  scope?: string;
  port?: number;
  prompt?: string;
  browser: boolean;
  sessionToken?: string;
  consent?: "accept" | "deny";
  exchange: boolean;
  callbackTimeout: number;
  device?: boolean;
  sessionTokenFromEnv?: boolean;
}

export const DEFAULT_SCOPE = "openid profile email offline_access";

export function chooseScope(ctx: Context, o: { scope?: string }): string {
  if (o.scope) return o.scope;
  if (ctx.profile.scope) return ctx.profile.scope;
  const supported = ctx.metadata.scopes_supported;
  return DEFAULT_SCOPE.split(" ")
    .filter((s) => !Array.isArray(supported) || supported.includes(s))
    .join(" ");
}

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

async function decideConsent(o: AuthorizeOptions, clientName: string, scope: string | undefined): Promise<boolean> {
  if (o.consent) return o.consent === "accept";
  if (!interactive())
    throw usageError("the provider asks for consent", "pass --consent accept or --consent deny (no prompt without a TTY or under CI)");
  const { confirm } = await import("@inquirer/prompts");
  return confirm({ message: `Allow ${clientName} access to ${scope ?? "the requested scopes"}?`, default: true });
}

/** Headless: the session drives authorize and consent; returns the redirect to the callback. */
async function headlessRedirect(ctx: Context, o: AuthorizeOptions, client: StoredClient, req: AuthorizationRequest): Promise<string> {
  const session = o.sessionToken as string;
  if (!ctx.dialect.sessionEndpoints)
    throw usageError(
      `--session-token drives better-auth providers; ${ctx.metadata.issuer} is ${ctx.dialect.label}`,
      "log in through the browser instead",
    );
  const step = await authorizeWithSession(req.url, req.redirectUri, session, ctx.dialect);
  if (step.kind === "redirect") {
    info("Consent was already given; no consent step.");
    return step.url;
  }
  const accept = await decideConsent(o, client.client_name ?? client.client_id, step.consent.scope);
  const next = await answerConsent(ctx.metadata, ctx.dialect, step.consent, accept, session);
  info(`Consent ${accept ? "accepted" : "denied"} for ${step.consent.scope ?? "the requested scopes"}.`);
  if (!isRedirectTo(next, req.redirectUri))
    throw refusedError(
      `consent failed: the provider sends the answer to ${new URL(next).origin}${new URL(next).pathname}, not to ${req.redirectUri}`,
    );
  return next;
}

/** RFC 8628: show the code, open the verification page where a browser is configured, poll. */
async function deviceLogin(ctx: Context, o: AuthorizeOptions, client: StoredClient, scope: string): Promise<void> {
  const { startDeviceAuthorization, pollDeviceToken } = await import("../oidc/device.js");
  const device = await startDeviceAuthorization(ctx.metadata, client, scope, !!o.allowInsecureHttp);
  info(`To sign in, visit ${style.cyan(device.verification_uri)} and enter the code ${style.bold(device.user_code)}`);
  if (device.verification_uri_complete) info(`  or open ${device.verification_uri_complete}`);
  if (o.browser && (browserCommand() || !isCiEnv())) {
    await openBrowser(device.verification_uri_complete ?? device.verification_uri, (e) => warn(e.message));
  }
  const spinner = await spin(`Waiting for the sign-in to finish (code ${device.user_code}, expires in ${device.expires_in}s)…`);
  try {
    const response = await pollDeviceToken(ctx.metadata, client, device, o.callbackTimeout);
    spinner.stop();
    const tokens = await acceptTokenResponse(ctx.profile, client, response, {
      dialect: ctx.dialect,
      requireIdToken: scope.split(/\s+/).includes("openid"),
    });
    await saveLogin(ctx, o, client, tokens, scope);
  } catch (e) {
    spinner.stop();
    throw e;
  }
}

async function saveLogin(ctx: Context, o: AuthorizeOptions, client: StoredClient, tokens: StoredTokens, scope: string): Promise<void> {
  const profile = await saveTokens(ctx.profile, client, tokens, scope);
  info(`Logged in${tokens.sub ? ` as ${tokens.sub}` : ""}; tokens saved to profile ${profile.name} (${describeExpiry(tokens)}).`);
  if (o.json || settings.json)
    outJson({
      profile: profile.name,
      issuer: ctx.metadata.issuer,
      client_id: client.client_id,
      sub: tokens.sub ?? null,
      scope: tokens.scope ?? null,
      expires_at: tokens.expires_at ?? null,
      has_refresh_token: !!tokens.refresh_token,
    });
}

export async function run(_args: unknown[], o: AuthorizeOptions): Promise<void> {
  registerSecret(o.sessionToken);
  const ctx = await loadContext(o, { save: true });
  const client = requireClient(ctx);
  const scope = chooseScope(ctx, o);
  if (o.device) return deviceLogin(ctx, o, client, scope);
  const issuer = ctx.metadata.issuer;
  const check = { issuer, issRequired: ctx.metadata.authorization_response_iss_parameter_supported === true };

  let req: AuthorizationRequest;
  let redirect: string;
  // An OIDC_SESSION_TOKEN exported for a better-auth provider does not stop a browser login elsewhere.
  if (o.sessionToken && o.sessionTokenFromEnv && !ctx.dialect.sessionEndpoints) {
    info(`OIDC_SESSION_TOKEN is ignored: ${ctx.dialect.label} has no session login; using the browser.`);
    o.sessionToken = undefined;
  }
  if (o.sessionToken) {
    const redirectUri = o.port ? loopbackRedirectUri(o.port) : (client.redirect_uris?.[0] ?? loopbackRedirectUri(DEFAULT_PORT));
    req = buildAuthorizationRequest(ctx.metadata, { clientId: client.client_id, redirectUri, scope, prompt: o.prompt });
    redirect = await headlessRedirect(ctx, o, client, req);
  } else {
    const { browserLogin } = await import("../login-browser.js");
    ({ req, redirect } = await browserLogin(ctx, o, client, scope));
  }
  const { code } = parseAuthorizationResponse(redirect, { state: req.state, ...check, dialect: ctx.dialect });

  if (!o.exchange) {
    outJson({ code, code_verifier: req.codeVerifier, redirect_uri: req.redirectUri, state: req.state, nonce: req.nonce });
    return;
  }
  const response = await exchangeAuthorizationCode(ctx.metadata.token_endpoint, client, {
    code,
    codeVerifier: req.codeVerifier,
    redirectUri: req.redirectUri,
  });
  const tokens = await acceptTokenResponse(ctx.profile, client, response, {
    nonce: req.nonce,
    dialect: ctx.dialect,
    requireIdToken: scope.split(/\s+/).includes("openid"),
  });
  await saveLogin(ctx, o, client, tokens, scope);
}
