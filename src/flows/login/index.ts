/**
 * Logging in: authorization code + PKCE, state and nonce, through the browser and the loopback
 * callback (./browser.ts), or headless with a better-auth session (./headless.ts); or the device
 * grant (./device.ts). Then the response checks, the exchange, the ID token checks, the profile.
 */
import { epochSeconds } from "../../adapters/clock.js";
import type { Profile, StoredClient, StoredTokens } from "../../adapters/store.js";
import type { Deps } from "../../cli/deps.js";
import { type AuthorizationRequest, buildAuthorizationRequest, parseAuthorizationResponse } from "../../oidc/authorize.js";
import { DEFAULT_PORT, loopbackRedirectUri } from "../../oidc/registration.js";
import { exchangeAuthorizationCode } from "../../oidc/token.js";
import { acceptTokenResponse, saveTokens } from "../fresh-tokens.js";
import { type Context, type GlobalOptions, loadContext, requireClient } from "../provider.js";

export interface LoginOptions extends GlobalOptions {
  scope?: string;
  port?: number;
  /** --redirect-uri: this exact loopback redirect URI. */
  redirectUri?: string;
  prompt?: string;
  /** false for --no-browser. */
  browser: boolean;
  sessionToken?: string;
  /** The session token came from OIDC_SESSION_TOKEN, not the flag. */
  sessionTokenFromEnv: boolean;
  consent?: "accept" | "deny";
  /** false for --no-exchange. */
  exchange: boolean;
  callbackTimeout: number;
  device: boolean;
}

export const DEFAULT_SCOPE = "openid profile email offline_access";

/** --scope, else the profile's, else the default scopes the provider supports. */
export function chooseScope(ctx: Context, o: { scope?: string }): string {
  if (o.scope) return o.scope;
  if (ctx.profile.scope) return ctx.profile.scope;
  const supported = ctx.metadata.scopes_supported;
  return DEFAULT_SCOPE.split(" ")
    .filter((s) => !Array.isArray(supported) || supported.includes(s))
    .join(" ");
}

export type LoginResult =
  | { kind: "logged-in"; profile: Profile; client: StoredClient; tokens: StoredTokens; issuer: string }
  | { kind: "code"; code: string; request: AuthorizationRequest };

export async function login(deps: Deps, o: LoginOptions): Promise<LoginResult> {
  deps.term.secret(o.sessionToken);
  const ctx = await loadContext(deps, o, { save: true });
  const client = requireClient(ctx);
  const scope = chooseScope(ctx, o);
  if (o.device) {
    const { deviceLogin } = await import("./device.js");
    const response = await deviceLogin(deps, ctx, o, client, scope);
    const tokens = await acceptTokenResponse(deps, ctx.io, ctx.profile, client, response, { dialect: ctx.dialect, requestedScope: scope });
    return saved(deps, ctx, client, tokens, scope);
  }

  let session = o.sessionToken;
  // An OIDC_SESSION_TOKEN exported for a better-auth provider does not stop a browser login elsewhere.
  if (session && o.sessionTokenFromEnv && !ctx.dialect.sessionEndpoints) {
    deps.term.info(`OIDC_SESSION_TOKEN is ignored: ${ctx.dialect.label} has no session login; using the browser.`);
    session = undefined;
  }
  let req: AuthorizationRequest;
  let redirect: string;
  if (session) {
    const redirectUri =
      o.redirectUri ?? (o.port ? loopbackRedirectUri(o.port) : (client.redirect_uris?.[0] ?? loopbackRedirectUri(DEFAULT_PORT)));
    req = buildAuthorizationRequest(
      ctx.metadata,
      { clientId: client.client_id, redirectUri, scope, prompt: o.prompt, dialect: ctx.dialect },
      ctx.io,
    );
    const { headlessRedirect } = await import("./headless.js");
    redirect = await headlessRedirect(deps, ctx, o, session, client, req);
  } else {
    const { browserLogin } = await import("./browser.js");
    ({ req, redirect } = await browserLogin(deps, ctx, o, client, scope));
  }
  const check = {
    state: req.state,
    issuer: ctx.metadata.issuer,
    issRequired: ctx.metadata.authorization_response_iss_parameter_supported === true,
    dialect: ctx.dialect,
  };
  const { code } = parseAuthorizationResponse(redirect, check, ctx.io);
  if (!o.exchange) return { kind: "code", code, request: req };
  const response = await exchangeAuthorizationCode(ctx.io, ctx.metadata.token_endpoint, client, {
    code,
    codeVerifier: req.codeVerifier,
    redirectUri: req.redirectUri,
  });
  const tokens = await acceptTokenResponse(deps, ctx.io, ctx.profile, client, response, {
    nonce: req.nonce,
    dialect: ctx.dialect,
    requestedScope: scope,
  });
  return saved(deps, ctx, client, tokens, scope);
}

async function saved(deps: Deps, ctx: Context, client: StoredClient, tokens: StoredTokens, scope: string): Promise<LoginResult> {
  const profile = await saveTokens(deps, ctx.profile, client, tokens, scope);
  return { kind: "logged-in", profile, client, tokens, issuer: ctx.metadata.issuer };
}

export const nowSeconds = (deps: Deps) => epochSeconds(deps.clock);
