/**
 * Tokens in a profile: accept a token response (after the ID token checks) into what the profile
 * stores, and keep the access token valid with a refresh that is safe across processes: lock,
 * re-read, refresh only if still needed, write atomically, release (kubelogin's GetToken order).
 */
import { epochSeconds } from "../adapters/clock.js";
import type { Profile, StoredClient, StoredTokens } from "../adapters/store.js";
import type { Deps } from "../cli/deps.js";
import { loginRequired, refusedError, validationError } from "../errors.js";
import { type Dialect, storedDialect } from "../oidc/dialects/index.js";
import { verifyIdToken } from "../oidc/idtoken.js";
import type { ProviderIo } from "../oidc/ports.js";
import { grantNotAdvertised, isInvalidGrant, refreshTokenGrant, scopesNotGranted, type TokenResponse } from "../oidc/token.js";
import type { Claims } from "./account.js";
import { heldByOtherClient, tokenFresh } from "./cached-token.js";
import { loginHint, profileFlag } from "./profile-hints.js";

export { loginHint };

/** A login that asked for `openid` must get an ID token (OIDC Core §3.1.3.3): without one, none of the ID token checks would run. */
export const scopeHasOpenid = (scope: string | undefined) => !!scope && scope.split(/\s+/).includes("openid");

type AcceptOptions = { nonce?: string; previous?: StoredTokens; dialect?: Dialect; requestedScope?: string };

/**
 * Check a token response's ID token and turn it into what the profile stores; with the ID token's
 * verified claims (who logged in), which are not stored.
 */
export async function acceptTokens(
  deps: Deps,
  io: ProviderIo,
  profile: Profile,
  client: StoredClient,
  tokens: TokenResponse,
  opts: AcceptOptions,
): Promise<{ tokens: StoredTokens; claims?: Claims }> {
  const metadata = profile.metadata;
  if (!metadata) throw refusedError("no provider metadata in the profile");
  const dialect = opts.dialect ?? storedDialect(profile.dialect);
  if (scopeHasOpenid(opts.requestedScope) && !tokens.id_token)
    throw validationError("id_token.present", "the token response has no id_token although the login asked for the openid scope");
  // A narrower grant than asked for (a refresh asks for the scope granted before, RFC 6749 §6) is said, not refused.
  const asked = opts.requestedScope ?? opts.previous?.scope;
  const missing = scopesNotGranted(asked, tokens.scope);
  if (missing.length)
    deps.term.warn(
      `the provider did not grant ${missing.join(" ")} (asked for "${asked}", granted "${tokens.scope}")`,
      "scope-not-granted",
    );
  const now = epochSeconds(deps.clock);
  let sub = opts.previous?.sub;
  let claims: Claims | undefined;
  if (tokens.id_token) {
    claims = await verifyIdToken(tokens.id_token, {
      io,
      metadata,
      dialect,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      nonce: opts.nonce,
      accessToken: tokens.access_token,
      expectedSub: opts.previous?.sub,
      now,
    });
    sub = claims.sub as string;
  }
  const previous = opts.previous;
  const stored: StoredTokens = {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    ...(tokens.expires_in !== undefined ? { expires_at: now + tokens.expires_in } : {}),
    // A refresh response without a refresh token keeps the old one (RFC 6749 §6).
    ...((tokens.refresh_token ?? previous?.refresh_token) ? { refresh_token: tokens.refresh_token ?? previous?.refresh_token } : {}),
    ...((tokens.id_token ?? previous?.id_token) ? { id_token: tokens.id_token ?? previous?.id_token } : {}),
    ...((tokens.scope ?? previous?.scope) ? { scope: tokens.scope ?? previous?.scope } : {}),
    ...(sub ? { sub } : {}),
    obtained_at: now,
  };
  return { tokens: stored, claims };
}

/** A profile that holds tokens. */
export type LoggedIn = Profile & { tokens: StoredTokens };

async function refreshOnce(deps: Deps, io: () => Promise<ProviderIo>, profile: Profile, refreshToken: string): Promise<LoggedIn> {
  const client = profile.client;
  if (!client || !profile.metadata)
    throw loginRequired(`profile ${profile.name} has no client to refresh with`, loginHint(profile.name, profile));
  const pio = await io();
  const unadvertised = grantNotAdvertised(profile.metadata, "refresh_token");
  if (unadvertised) deps.term.warn(unadvertised);
  const provider = { metadata: profile.metadata, dialect: storedDialect(profile.dialect) };
  const refreshed = await refreshTokenGrant(pio, provider, client, refreshToken);
  const { tokens } = await acceptTokens(deps, pio, profile, refreshed.client, refreshed.tokens, { previous: profile.tokens });
  // The client as it authenticated: a Basic fallback is remembered.
  const next = { ...profile, client: refreshed.client, tokens };
  deps.store.writeProfile(next);
  return next;
}

/**
 * A profile whose access token is valid for `minValid` more seconds, refreshing under the lock if
 * needed (or always, with `force`). N processes with an expired token cause one refresh.
 */
export async function ensureFreshTokens(
  deps: Deps,
  io: () => Promise<ProviderIo>,
  name: string,
  want: { minValid: number; force?: boolean; clientId?: string },
): Promise<LoggedIn> {
  const { store } = deps;
  return store.withProfileLock(name, async (profile) => {
    if (!profile?.tokens) throw loginRequired(`profile ${name} has no tokens`, loginHint(name, profile));
    if (heldByOtherClient(profile, want.clientId))
      throw loginRequired(
        `profile ${name} holds tokens of client ${profile.client?.client_id ?? "(none)"}, not ${want.clientId}`,
        `log in with that client: oidc${profileFlag(name)} login --client-id ${want.clientId}`,
      );
    const now = epochSeconds(deps.clock);
    if (!want.force && tokenFresh(profile.tokens, want.minValid, now)) return { ...profile, tokens: profile.tokens };
    const rt = profile.tokens.refresh_token;
    if (!rt) throw loginRequired(`the access token of profile ${name} has expired and there is no refresh token`, loginHint(name, profile));
    if (profile.tokens.refresh_rejected_at !== undefined)
      throw loginRequired(
        `the access token of profile ${name} has expired and the provider refused its refresh token at ${new Date(profile.tokens.refresh_rejected_at * 1000).toISOString()}`,
        loginHint(name, profile),
      );
    try {
      return await refreshOnce(deps, io, profile, rt);
    } catch (e) {
      if (!isInvalidGrant(e)) throw e;
      // Another process (one that does not take our lock) may have rotated the token: re-read once.
      const again = store.readProfile(name);
      const rt2 = again?.tokens?.refresh_token;
      let refused = rt;
      if (again?.tokens && rt2 && rt2 !== rt) {
        if (!want.force && tokenFresh(again.tokens, want.minValid, epochSeconds(deps.clock))) return { ...again, tokens: again.tokens };
        try {
          return await refreshOnce(deps, io, again, rt2);
        } catch (e2) {
          if (!isInvalidGrant(e2)) throw e2;
          refused = rt2;
        }
      }
      // Remember the refusal (`oidc status` shows the profile as not refreshable), keeping the
      // tokens: nothing stored is lost, and a login replaces them.
      const latest = store.readProfile(name);
      if (latest?.tokens?.refresh_token === refused)
        store.writeProfile({ ...latest, tokens: { ...latest.tokens, refresh_rejected_at: epochSeconds(deps.clock) } });
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
export function saveTokens(deps: Deps, base: Profile, client: StoredClient, tokens: StoredTokens, scope?: string): Promise<Profile> {
  return deps.store.updateProfile(base.name, (current) => {
    const from = current && current.issuer === base.issuer ? current : base;
    if (client.client_secret && client.client_secret !== from.client?.client_secret)
      deps.term.info(`The client secret is now stored in profile ${base.name} (a 0600 file), for refreshes.`);
    return { ...from, client, tokens, ...(scope ? { scope } : {}) };
  });
}

export function describeExpiry(tokens: StoredTokens, nowSeconds: number): string {
  if (tokens.expires_at === undefined) return "no expiry given";
  const left = tokens.expires_at - nowSeconds;
  return left > 0 ? `expires in ${left}s` : `expired ${-left}s ago`;
}
