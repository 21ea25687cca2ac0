/**
 * May a cached access token be served as it is? One rule for the fast path (src/main.ts) and the
 * full CLI (src/flows/fresh-tokens.ts). Plain data in, no imports: the fast path loads it.
 */
import type { Profile, StoredTokens } from "../adapters/store.js";

/** True when the access token is valid for at least `minValid` more seconds. */
export function tokenFresh(tokens: StoredTokens | undefined, minValid: number, nowSeconds: number): boolean {
  if (!tokens?.access_token) return false;
  if (tokens.expires_at === undefined) return true;
  return tokens.expires_at - nowSeconds > minValid;
}

/** --client-id / OIDC_CLIENT_ID asks for that client's tokens: never another client's. */
export const heldByOtherClient = (profile: Profile, clientId: string | undefined) => !!clientId && profile.client?.client_id !== clientId;

/**
 * The cached tokens, when they may be served without a refresh: fresh for `minValid` seconds,
 * holding an ID token when one is asked for, and the client's asked for.
 */
export function servableCachedToken(
  profile: Profile | undefined,
  want: { minValid: number; idToken: boolean; clientId?: string; nowSeconds: number },
): StoredTokens | undefined {
  const tokens = profile?.tokens;
  if (!profile || !tokens || !tokenFresh(tokens, want.minValid, want.nowSeconds)) return undefined;
  if (want.idToken && !tokens.id_token) return undefined;
  if (heldByOtherClient(profile, want.clientId)) return undefined;
  return tokens;
}
