/**
 * Logging in: authorization code + PKCE, state and nonce, through the browser and the loopback
 * callback (./browser.ts), or headless with a better-auth session (./headless.ts); or the device
 * grant (./device.ts). Then the response checks, the exchange, the ID token checks, the profile.
 */
import { epochSeconds } from "../../adapters/clock.js";
import type { Profile, StoredClient, StoredTokens } from "../../adapters/store.js";
import type { Deps } from "../../cli/deps.js";
import { usageError } from "../../errors.js";
import { type AuthorizationRequest, buildAuthorizationRequest, parseAuthorizationResponse } from "../../oidc/authorize.js";
import { DEFAULT_PORT, loopbackRedirectUri } from "../../oidc/registration.js";
import { exchangeAuthorizationCode } from "../../oidc/token.js";
import { accountOf, type Claims, describeAccount } from "../account.js";
import { acceptTokens, saveTokens } from "../fresh-tokens.js";
import { type Context, type GlobalOptions, loadContext, requireClient } from "../provider.js";
import { stripSlash } from "../../oidc/discovery.js";
import { registerForLogin } from "../register.js";

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
  /** For registering a client where the profile has none (RFC 7591 initial access token). */
  initialAccessToken?: string;
  /** The initial access token came from OIDC_INITIAL_ACCESS_TOKEN, not the flag. */
  initialAccessTokenFromEnv: boolean;
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

/**
 * What a one-step login may register with. A credential given by flag goes where the command goes;
 * an exported one (OIDC_SESSION_TOKEN, OIDC_INITIAL_ACCESS_TOKEN) only to the provider the same
 * environment names (OIDC_ISSUER), and a session only to the origin of the provider's own
 * authorization endpoint. What is set aside is said, with the flag that passes it.
 */
function registrationCredentials(
  deps: Deps,
  ctx: Context,
  o: LoginOptions,
  session: string | undefined,
): { port?: number; redirectUri?: string; sessionToken?: string; initialAccessToken?: string } {
  const named = o.issuerFromEnv && o.issuer !== undefined && [ctx.profile.source, ctx.profile.issuer].includes(stripSlash(o.issuer));
  const sameOrigin = (a: string | undefined, b: string) => {
    try {
      return !!a && new URL(a).origin === new URL(b).origin;
    } catch {
      return false;
    }
  };
  const aside = (variable: string, flag: string) =>
    deps.term.info(
      `${variable} is not sent to register a client at ${ctx.metadata.issuer}: OIDC_ISSUER does not name it; pass ${flag} to use it here.`,
    );
  let sessionToken = session;
  if (sessionToken && o.sessionTokenFromEnv && !named) {
    aside("OIDC_SESSION_TOKEN", "--session-token");
    sessionToken = undefined;
  }
  if (sessionToken && !sameOrigin(ctx.metadata.registration_endpoint, ctx.metadata.authorization_endpoint)) sessionToken = undefined;
  let initialAccessToken = o.initialAccessToken;
  if (initialAccessToken && o.initialAccessTokenFromEnv && !named) {
    aside("OIDC_INITIAL_ACCESS_TOKEN", "--initial-access-token");
    initialAccessToken = undefined;
  }
  return { port: o.port, redirectUri: o.redirectUri, sessionToken, initialAccessToken };
}

/** --prompt values the provider advertises it does not support are a mistake to report before any browser opens. */
function checkPrompt(ctx: Context, prompt: string | undefined): void {
  const supported = ctx.metadata.prompt_values_supported;
  if (prompt === undefined || !Array.isArray(supported)) return;
  const unknown = prompt.split(/\s+/).filter((v) => v && !supported.includes(v));
  if (unknown.length)
    throw usageError(
      `--prompt ${unknown.join(" ")} is not among the provider's prompt_values_supported`,
      `use one of: ${supported.filter((v): v is string => typeof v === "string").join(", ")}`,
    );
}

export type LoginResult =
  /** `claims`: the verified ID token's (who logged in); the profile stores only the tokens. */
  | { kind: "logged-in"; profile: Profile; client: StoredClient; tokens: StoredTokens; issuer: string; claims?: Claims }
  | { kind: "code"; code: string; request: AuthorizationRequest };

export async function login(deps: Deps, o: LoginOptions): Promise<LoginResult> {
  deps.term.secret(o.sessionToken);
  deps.term.secret(o.initialAccessToken);
  const loaded = await loadContext(deps, o, { save: true });
  // An OIDC_SESSION_TOKEN exported for a better-auth provider does not stop a browser login elsewhere.
  let session = o.device ? undefined : o.sessionToken;
  if (session && o.sessionTokenFromEnv && !loaded.dialect.sessionEndpoints) {
    deps.term.info(`OIDC_SESSION_TOKEN is ignored: ${loaded.dialect.label} has no session login; using the browser.`);
    session = undefined;
  }
  checkPrompt(loaded, o.prompt);
  if (o.redirectUri && !o.device && !session) {
    // A bad --redirect-uri is said before anything is registered with it.
    const { chooseRedirect } = await import("./browser.js");
    chooseRedirect(loaded.client ?? { client_id: "" }, o);
  }
  // One step: a profile without a client registers one first (asking for the device grant too with --device).
  const ctx = loaded.client
    ? loaded
    : await registerForLogin(deps, loaded, {
        ...registrationCredentials(deps, loaded, o, o.device ? o.sessionToken : session),
        device: o.device,
      });
  const client = requireClient(ctx);
  const scope = chooseScope(ctx, o);
  const before = describeAccount(accountOf(ctx.profile.tokens));
  if (ctx.profile.tokens && o.exchange)
    deps.term.info(`Profile ${ctx.profile.name} is logged in${before ? ` as ${before}` : ""}; logging in again.`);
  if (o.device) {
    const { deviceLogin } = await import("./device.js");
    const response = await deviceLogin(deps, ctx, o, client, scope);
    const accepted = await acceptTokens(deps, ctx.io, ctx.profile, client, response, { dialect: ctx.dialect, requestedScope: scope });
    return saved(deps, ctx, client, accepted, scope);
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
  const exchanged = await exchangeAuthorizationCode(ctx.io, ctx, client, {
    code,
    codeVerifier: req.codeVerifier,
    redirectUri: req.redirectUri,
  });
  const accepted = await acceptTokens(deps, ctx.io, ctx.profile, exchanged.client, exchanged.tokens, {
    nonce: req.nonce,
    dialect: ctx.dialect,
    requestedScope: scope,
  });
  return saved(deps, ctx, exchanged.client, accepted, scope);
}

async function saved(
  deps: Deps,
  ctx: Context,
  client: StoredClient,
  { tokens, claims }: { tokens: StoredTokens; claims?: Claims },
  scope: string,
): Promise<LoginResult> {
  const profile = await saveTokens(deps, ctx.profile, client, tokens, scope);
  return { kind: "logged-in", profile, client, tokens, issuer: ctx.metadata.issuer, claims };
}

export const nowSeconds = (deps: Deps) => epochSeconds(deps.clock);
