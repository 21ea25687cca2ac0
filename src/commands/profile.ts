/** `oidc profile list|show|use|remove`: the local store. Secrets are masked unless asked for. */
import type { GlobalOptions } from "../context.js";
import { ExitCode, OidcError, usageError } from "../errors.js";
import { info, out, outJson, settings } from "../io.js";
import { nowSeconds, type Profile } from "../profile.js";
import {
  checkProfileName,
  currentProfileName,
  listProfiles,
  profilePath,
  readProfile,
  removeProfile,
  setCurrentProfile,
} from "../store.js";

const mask = (s: string | undefined) => (s === undefined ? undefined : s.length <= 8 ? "****" : `${s.slice(0, 4)}…${s.slice(-2)}`);

export function presentProfile(p: Profile, showSecrets: boolean) {
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
          expires_in: t.expires_at === undefined ? null : t.expires_at - nowSeconds(),
        }
      : null,
  };
}

function tokenState(expiresAt: number | null, refreshable: boolean): string {
  if (expiresAt === null) return "logged in";
  const left = expiresAt - nowSeconds();
  if (left > 0) return `logged in, token valid ${left >= 120 ? `${Math.floor(left / 60)}m` : `${left}s`}`;
  return refreshable ? "token expired (refreshable)" : "token expired (log in again)";
}

export async function list(_args: unknown[], g: GlobalOptions): Promise<void> {
  const current = currentProfileName(g.profile);
  const rows = listProfiles().map((r) => ({
    name: r.name,
    current: r.name === current,
    issuer: r.profile?.issuer ?? null,
    client_id: r.profile?.client?.client_id ?? null,
    logged_in: !!r.profile?.tokens,
    expires_at: r.profile?.tokens?.expires_at ?? null,
    refreshable: !!r.profile?.tokens?.refresh_token,
    ...(r.error ? { error: r.error } : {}),
  }));
  if (settings.json) return outJson(rows);
  if (!rows.length) return info("No profiles yet: run `oidc discover <url>` or `oidc register`.");
  for (const r of rows) {
    const state = r.error
      ? `unreadable: ${r.error}`
      : `${r.issuer ?? "(no provider)"}${r.client_id ? ` client ${r.client_id}` : ""}${r.logged_in ? ` ${tokenState(r.expires_at, r.refreshable)}` : ""}`;
    out(`${r.current ? "*" : " "} ${r.name}\t${state}`);
  }
}

export async function show([name]: unknown[], g: GlobalOptions & { showSecrets?: boolean }): Promise<void> {
  const n = (name as string | undefined) ?? currentProfileName(g.profile);
  const p = readProfile(n);
  if (!p) throw new OidcError(ExitCode.usage, `no profile named ${n}`, { hint: "`oidc profile list` shows them" });
  outJson(presentProfile(p, !!g.showSecrets));
}

export async function use([name]: unknown[]): Promise<void> {
  const n = checkProfileName(name as string);
  if (!readProfile(n)) {
    const names = listProfiles().map((r) => r.name);
    throw usageError(
      `no profile named ${n}`,
      names.length
        ? `profiles: ${names.join(", ")}; a new one is made by \`oidc -p ${n} discover <issuer-url>\``
        : `make it first: oidc -p ${n} discover <issuer-url>`,
    );
  }
  setCurrentProfile(n);
  info(`Current profile: ${n}`);
  if (settings.json) outJson({ current: n });
}

export async function remove([name]: unknown[]): Promise<void> {
  const n = checkProfileName(name as string);
  if (!(await removeProfile(n))) throw usageError(`no profile named ${n} (${profilePath(n)})`);
  info(`Removed profile ${n}.`);
  if (settings.json) outJson({ removed: n });
}
