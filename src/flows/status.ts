/**
 * `oidc status`: every profile, who is logged in to it and until when, read from the store alone
 * (no provider is asked). Cheap to load: the store, the clock and the ID token's payload decoded
 * without verifying (it was verified when it was saved) — no HTTP client, no jose.
 */
import { epochSeconds } from "../adapters/clock.js";
import type { Profile } from "../adapters/store.js";
import type { Deps } from "../cli/deps.js";
import { accountOf } from "./account.js";
import { tokenFresh } from "./cached-token.js";

export interface ProfileStatus {
  name: string;
  current: boolean;
  issuer: string | null;
  client_id: string | null;
  /** preferred_username, else email, else name from the ID token; else the sub. */
  account: string | null;
  sub: string | null;
  scope: string | null;
  expires_at: number | null;
  expires_in: number | null;
  /** Holds tokens that still give an access token: a valid one, or a refresh token. */
  logged_in: boolean;
  refreshable: boolean;
  /** Where the profile's secrets are kept: `file <path>` (a keyring would be named here). */
  storage: string;
  /** The profile's file could not be read (it is listed, and hides no other). */
  error?: string;
}

export function statusOf(deps: Deps, name: string, profile: Profile | undefined, current: string): ProfileStatus {
  const now = epochSeconds(deps.clock);
  const t = profile?.tokens;
  const { account, sub } = accountOf(t);
  const refreshable = !!t?.refresh_token && t.refresh_rejected_at === undefined;
  return {
    name,
    current: name === current,
    issuer: profile?.issuer ?? null,
    client_id: profile?.client?.client_id ?? null,
    account: account ?? null,
    sub: sub ?? null,
    scope: t?.scope ?? null,
    expires_at: t?.expires_at ?? null,
    expires_in: t?.expires_at === undefined ? null : t.expires_at - now,
    logged_in: !!t && (refreshable || tokenFresh(t, 0, now)),
    refreshable,
    storage: `file ${deps.store.profilePath(name)}`,
  };
}

/** Every profile in name order, the current one (the one a command would use) marked. */
export function profileStatuses(deps: Deps, current: string): ProfileStatus[] {
  return deps.store.listProfiles().map((r) => ({
    ...statusOf(deps, r.name, r.profile, current),
    ...(r.error ? { error: r.error } : {}),
  }));
}
