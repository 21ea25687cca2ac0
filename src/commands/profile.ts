/** `oidc profile list|show|use|remove`: the local store. Secrets are masked unless asked for. */
import { epochSeconds } from "../adapters/clock.js";
import { checkProfileName, type Profile } from "../adapters/store.js";
import type { Deps } from "../cli/deps.js";
import { ExitCode, OidcError, usageError } from "../errors.js";
import type { GlobalOptions } from "../flows/provider.js";

export interface ProfileOptions extends GlobalOptions {
  /** show, use, remove: the profile named (show: default the current one). */
  name?: string;
  showSecrets: boolean;
}

const mask = (s: string | undefined) => (s === undefined ? undefined : s.length <= 8 ? "****" : `${s.slice(0, 4)}…${s.slice(-2)}`);

export function presentProfile(p: Profile, showSecrets: boolean, nowSeconds: number) {
  const m = showSecrets ? (s: string | undefined) => s : mask;
  const t = p.tokens;
  return {
    name: p.name,
    issuer: p.issuer ?? null,
    discovery_url: p.discovery_url ?? null,
    dialect: p.dialect ?? null,
    scope: p.scope ?? null,
    client: p.client
      ? {
          ...p.client,
          client_secret: m(p.client.client_secret),
          registration_access_token: m(p.client.registration_access_token),
        }
      : null,
    tokens: t
      ? {
          token_type: t.token_type,
          access_token: m(t.access_token),
          refresh_token: m(t.refresh_token),
          id_token: m(t.id_token),
          scope: t.scope ?? null,
          sub: t.sub ?? null,
          expires_at: t.expires_at ?? null,
          expires_in: t.expires_at === undefined ? null : t.expires_at - nowSeconds,
        }
      : null,
  };
}

function tokenState(expiresAt: number | null, refreshable: boolean, nowSeconds: number): string {
  if (expiresAt === null) return "logged in";
  const left = expiresAt - nowSeconds;
  if (left > 0) return `logged in, token valid ${left >= 120 ? `${Math.floor(left / 60)}m` : `${left}s`}`;
  return refreshable ? "token expired (refreshable)" : "token expired (log in again)";
}

export async function list(o: ProfileOptions, deps: Deps): Promise<void> {
  const { store, term } = deps;
  const now = epochSeconds(deps.clock);
  const current = store.currentProfileName(o.profile);
  const rows = store.listProfiles().map((r) => ({
    name: r.name,
    current: r.name === current,
    issuer: r.profile?.issuer ?? null,
    client_id: r.profile?.client?.client_id ?? null,
    logged_in: !!r.profile?.tokens,
    expires_at: r.profile?.tokens?.expires_at ?? null,
    refreshable: !!r.profile?.tokens?.refresh_token && r.profile.tokens.refresh_rejected_at === undefined,
    ...(r.error ? { error: r.error } : {}),
  }));
  if (o.json) return term.outJson(rows);
  if (!rows.length) return term.info("No profiles yet: run `oidc discover <url>` or `oidc register`.");
  for (const r of rows) {
    const state = r.error
      ? `unreadable: ${r.error}`
      : `${r.issuer ?? "(no provider)"}${r.client_id ? ` client ${r.client_id}` : ""}${r.logged_in ? ` ${tokenState(r.expires_at, r.refreshable, now)}` : ""}`;
    term.outText(`${r.current ? "*" : " "} ${r.name}\t${state}`);
  }
}

export async function show(o: ProfileOptions, deps: Deps): Promise<void> {
  const n = o.name ?? deps.store.currentProfileName(o.profile);
  const p = deps.store.readProfile(n);
  if (!p) throw new OidcError(ExitCode.usage, `no profile named ${n}`, { hint: "`oidc profile list` shows them" });
  deps.term.outJson(presentProfile(p, o.showSecrets, epochSeconds(deps.clock)));
}

export async function use(o: ProfileOptions, deps: Deps): Promise<void> {
  const n = checkProfileName(o.name as string);
  if (!deps.store.readProfile(n)) {
    const names = deps.store.listProfiles().map((r) => r.name);
    throw usageError(
      `no profile named ${n}`,
      names.length
        ? `profiles: ${names.join(", ")}; a new one is made by \`oidc -p ${n} discover <issuer-url>\``
        : `make it first: oidc -p ${n} discover <issuer-url>`,
    );
  }
  deps.store.setCurrentProfile(n);
  deps.term.info(`Current profile: ${n}`);
  if (o.json) deps.term.outJson({ current: n });
}

export async function remove(o: ProfileOptions, deps: Deps): Promise<void> {
  const n = checkProfileName(o.name as string);
  if (!(await deps.store.removeProfile(n))) throw usageError(`no profile named ${n} (${deps.store.profilePath(n)})`);
  deps.term.info(`Removed profile ${n}.`);
  if (deps.store.storedCurrentProfile() === n) {
    deps.store.clearCurrentProfile();
    deps.term.info("It was the current profile; the current profile is now default.");
  }
  if (o.json) deps.term.outJson({ removed: n });
}
