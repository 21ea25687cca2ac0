/**
 * Tokens in a profile: save a token response (after the ID token checks), and keep the access
 * token valid with a refresh that is safe across processes: lock, re-read, refresh only if still
 * needed, write atomically, release.
 */
import { loginRequired, refusedError, validationError } from "./errors.js";
import { info } from "./io.js";
import { type Dialect, storedDialect } from "./oidc/dialects.js";
import { verifyIdToken } from "./oidc/idtoken.js";
import { type TokenResponse, TokenEndpointError, refreshTokenGrant } from "./oidc/token.js";
import { nowSeconds, type Profile, type StoredClient, type StoredTokens, tokenFresh } from "./profile.js";
import { readProfile, updateProfile, withProfileLock, writeProfile } from "./store.js";

/** The command that logs a profile in again, naming it when it is not the default one. */
export function loginHint(name: string, profile?: Profile): string {
  const p = name === "default" ? "" : ` -p ${name}`;
  if (!profile?.metadata)
    return `set up the profile first: oidc${p} discover <issuer-url>, oidc${p} register --name <app>, then oidc${p} login`;
  if (!profile.client) return `register a client or name one: oidc${p} register --name <app> (or --client-id), then oidc${p} login`;
  return `log in: oidc${p} login`;
}

/** Check a token response's ID token and turn it into what the profile stores. */
export async function acceptTokenResponse(
  profile: Profile,
  client: StoredClient,
  tokens: TokenResponse,
  p: { nonce?: string; previous?: StoredTokens; dialect?: Dialect; requireIdToken?: boolean },
): Promise<StoredTokens> {
  const metadata = profile.metadata;
  if (!metadata) throw refusedError("no provider metadata in the profile");
  const dialect = p.dialect ?? storedDialect(profile.dialect);
  // A login that asked for `openid` must get an ID token (OIDC Core §3.1.3.3): without one, none of
  // the ID token checks (nonce, iss, aud, signature) would run.
  if (p.requireIdToken && !tokens.id_token)
    throw validationError("id_token.present", "the token response has no id_token although the login asked for the openid scope");
  let sub = p.previous?.sub;
  if (tokens.id_token) {
    const claims = await verifyIdToken(tokens.id_token, {
      metadata,
      dialect,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      nonce: p.nonce,
      accessToken: tokens.access_token,
      expectedSub: p.previous?.sub,
    });
    sub = claims.sub as string;
  }
  const now = nowSeconds();
  return {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    ...(tokens.expires_in !== undefined ? { expires_at: now + tokens.expires_in } : {}),
    // A refresh response without a refresh token keeps the old one (RFC 6749 §6).
    ...((tokens.refresh_token ?? p.previous?.refresh_token) ? { refresh_token: tokens.refresh_token ?? p.previous?.refresh_token } : {}),
    ...((tokens.id_token ?? p.previous?.id_token) ? { id_token: tokens.id_token ?? p.previous?.id_token } : {}),
    ...((tokens.scope ?? p.previous?.scope) ? { scope: tokens.scope ?? p.previous?.scope } : {}),
    ...(sub ? { sub } : {}),
    obtained_at: now,
  };
}

/** A profile that holds tokens. */
export type LoggedIn = Profile & { tokens: StoredTokens };

async function refreshOnce(profile: Profile, refreshToken: string): Promise<LoggedIn> {
  const client = profile.client;
  if (!client || !profile.metadata)
    throw loginRequired(`profile ${profile.name} has no client to refresh with`, loginHint(profile.name, profile));
  const response = await refreshTokenGrant(profile.metadata.token_endpoint, client, refreshToken);
  const tokens = await acceptTokenResponse(profile, client, response, { previous: profile.tokens });
  const next = { ...profile, tokens };
  writeProfile(next);
  return next;
}

/**
 * A profile whose access token is valid for `minValid` more seconds, refreshing under the lock if
 * needed (or always, with `force`). N processes with an expired token cause one refresh.
 */
export async function ensureFreshTokens(name: string, minValid: number, force = false, clientId?: string): Promise<LoggedIn> {
  return withProfileLock(name, async (profile) => {
    if (!profile?.tokens) throw loginRequired(`profile ${name} has no tokens`, loginHint(name, profile));
    // --client-id / OIDC_CLIENT_ID asks for that client's tokens: never hand out another client's.
    if (clientId && profile.client?.client_id !== clientId)
      throw loginRequired(
        `profile ${name} holds tokens of client ${profile.client?.client_id ?? "(none)"}, not ${clientId}`,
        `log in with that client: oidc login --client-id ${clientId}`,
      );
    if (!force && tokenFresh(profile.tokens, minValid)) return { ...profile, tokens: profile.tokens };
    const rt = profile.tokens.refresh_token;
    if (!rt) throw loginRequired(`the access token of profile ${name} has expired and there is no refresh token`, loginHint(name, profile));
    try {
      return await refreshOnce(profile, rt);
    } catch (e) {
      if (!(e instanceof TokenEndpointError) || e.oauthError !== "invalid_grant") throw e;
      // Another process (one that does not take our lock) may have rotated the token: re-read once.
      const again = readProfile(name);
      const rt2 = again?.tokens?.refresh_token;
      if (again?.tokens && rt2 && rt2 !== rt) {
        if (!force && tokenFresh(again.tokens, minValid)) return { ...again, tokens: again.tokens };
        try {
          return await refreshOnce(again, rt2);
        } catch (e2) {
          if (!(e2 instanceof TokenEndpointError) || e2.oauthError !== "invalid_grant") throw e2;
        }
      }
      throw loginRequired(
        `refresh is no longer possible for profile ${name}: ${e.message.replace(/^token refresh failed: /, "")}`,
        loginHint(name, profile),
      );
    }
  });
}

/**
 * Save tokens (and the client that got them) under the profile lock. The profile as stored is the
 * base, unless it was bound to another provider meanwhile: then the command's own view wins.
 */
export function saveTokens(base: Profile, client: StoredClient, tokens: StoredTokens, scope?: string): Promise<Profile> {
  return updateProfile(base.name, (current) => {
    const from = current && current.issuer === base.issuer ? current : base;
    if (client.client_secret && client.client_secret !== from.client?.client_secret)
      info(`The client secret is now stored in profile ${base.name} (a 0600 file), for refreshes.`);
    return { ...from, client, tokens, ...(scope ? { scope } : {}) };
  });
}

export function describeExpiry(tokens: StoredTokens): string {
  if (tokens.expires_at === undefined) return "no expiry given";
  const left = tokens.expires_at - nowSeconds();
  return left > 0 ? `expires in ${left}s` : `expired ${-left}s ago`;
}

export function noteSaved(profile: Profile): void {
  info(`Saved tokens to profile ${profile.name}${profile.tokens ? ` (${describeExpiry(profile.tokens)})` : ""}.`);
}
