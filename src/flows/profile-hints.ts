/**
 * What a command says about a profile it cannot use: the command that sets it up or logs it in
 * (naming `-p NAME` for any profile but `default`), and a profile named that does not exist.
 * No imports beyond the store's types: `oidc status` loads it.
 */
import type { Profile, ProfileStore } from "../adapters/store.js";
import { type ExitCode, OidcError } from "../errors.js";

/** ` -p NAME` for a profile other than `default`, to put after `oidc` in a hint. */
export const profileFlag = (name: string) => (name === "default" ? "" : ` -p ${name}`);

/** The command that logs a profile in again, naming it when it is not the default one. */
export function loginHint(name: string, profile?: Profile): string {
  const p = profileFlag(name);
  if (!profile?.metadata)
    return `set up the profile first: oidc${p} discover <issuer-url>, oidc${p} register --name <app>, then oidc${p} login`;
  if (!profile.client) return `register a client or name one: oidc${p} register --name <app> (or --client-id), then oidc${p} login`;
  return `log in: oidc${p} login`;
}

/**
 * A profile that was named (or is the current one) but has no file: a typo, most often. Not for
 * `default` in an empty store — that is a first run, and the setup steps are the answer.
 */
export function missingProfile(store: ProfileStore, name: string, code: ExitCode): OidcError | undefined {
  if (store.readProfile(name)) return undefined;
  const names = store.listProfiles().map((r) => r.name);
  if (name === "default" && !names.length) return undefined;
  const make = `a new one is made by \`oidc -p ${name} discover <issuer-url>\``;
  return new OidcError(code, `no profile named ${name}`, {
    hint: names.length ? `profiles: ${names.join(", ")}; ${make}` : `make it first: oidc -p ${name} discover <issuer-url>`,
  });
}
