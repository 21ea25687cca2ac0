/**
 * `oidc status`: like `gh auth status` — every profile, its provider, who is logged in, the
 * scopes, until when, whether it can refresh, and where its secrets are. Exit 5 when the profile
 * a command would use is not logged in. Reads the store only; loads no HTTP client or jose.
 */
import type { Deps } from "../cli/deps.js";
import { ExitCode, loginRequired } from "../errors.js";
import { describeAccount } from "../flows/account.js";
import { loginHint, missingProfile } from "../flows/profile-hints.js";
import type { GlobalOptions } from "../flows/provider.js";
import { type ProfileStatus, profileStatuses } from "../flows/status.js";

export type StatusOptions = GlobalOptions;

const duration = (s: number) =>
  s >= 7200 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 120 ? `${Math.floor(s / 60)}m` : `${s}s`;

function expiry(r: ProfileStatus): string {
  if (r.expires_at === null || r.expires_in === null) return "no expiry given";
  const at = new Date(r.expires_at * 1000).toISOString().replace(/\.000Z$/, "Z");
  return r.expires_in > 0 ? `${at} (valid for ${duration(r.expires_in)})` : `${at} (expired ${duration(-r.expires_in)} ago)`;
}

function lines(r: ProfileStatus): string[] {
  const head = `${r.current ? "*" : " "} ${r.name}${r.current ? " (current)" : ""}`;
  if (r.error) return [head, `    unreadable: ${r.error}`];
  const field = (label: string, value: string) => `    ${label.padEnd(8)} ${value}`;
  const out = [head, field("issuer", r.issuer ?? "(no provider)")];
  if (r.client_id) out.push(field("client", r.client_id));
  // Tokens held: the account, then whether they still serve.
  if (r.logged_in || r.expires_at !== null || r.account !== null) {
    const who = describeAccount({ account: r.account ?? undefined, sub: r.sub ?? undefined }) ?? "(unknown)";
    out.push(field("account", r.logged_in ? who : `${who}, not logged in: the token expired and cannot be refreshed`));
    out.push(field("scopes", r.scope ?? "(not given)"));
    out.push(field("expires", expiry(r)));
    out.push(field("refresh", r.refreshable ? "refreshable" : "not refreshable"));
  } else out.push(field("account", "not logged in"));
  out.push(field("storage", r.storage));
  return out;
}

export async function run(o: StatusOptions, deps: Deps): Promise<void> {
  const { store, term } = deps;
  const chosen = store.currentProfileName(o.profile);
  const rows = profileStatuses(deps, chosen);
  if (o.json) term.outJson(rows);
  else if (!rows.length) term.info("No profiles yet.");
  else for (const r of rows) for (const line of lines(r)) term.outText(line);

  const mine = rows.find((r) => r.name === chosen);
  // For a corrupt profile, reading it again throws the store's own error (its path, and that it
  // was left untouched): exit 1.
  const profile = mine ? store.readProfile(chosen) : undefined;
  if (!mine)
    throw missingProfile(store, chosen, ExitCode.loginRequired) ?? loginRequired(`profile ${chosen} is not logged in`, loginHint(chosen));
  if (!mine.logged_in)
    throw loginRequired(
      profile?.tokens
        ? `the access token of profile ${chosen} has expired and ${profile.tokens.refresh_token ? "the provider refused its refresh token" : "there is no refresh token"}`
        : `profile ${chosen} is not logged in`,
      loginHint(chosen, profile),
    );
}
