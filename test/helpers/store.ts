// The profile store as the tests seed and read it: <configDir>/profiles/<name>.json, the
// directories 0700 and the files 0600, as the CLI keeps them itself.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DISCOVERY_PATH, goodDiscovery } from "../providers/hostile.js";

/** Now in seconds since the epoch, the unit of a stored token's expires_at and obtained_at. */
export const now = (): number => Math.floor(Date.now() / 1000);

export const profilesDir = (configDir: string): string => join(configDir, "profiles");

export const profilePath = (configDir: string, name = "default"): string => join(profilesDir(configDir), `${name}.json`);

/**
 * Writes profile `name` into the store at `configDir` (creating profiles/ 0700, the store 0700, the
 * file 0600). An object is written as JSON and a newline, a string as it is (a corrupt file, say).
 * Returns the file's path.
 */
export function seedProfile(configDir: string, name: string, profile: object | string): string {
  mkdirSync(profilesDir(configDir), { recursive: true, mode: 0o700 });
  chmodSync(configDir, 0o700);
  const file = profilePath(configDir, name);
  writeFileSync(file, typeof profile === "string" ? profile : `${JSON.stringify(profile)}\n`, { mode: 0o600 });
  return file;
}

/** The parsed profile `name` of the store at `configDir`. */
export function readProfile(configDir: string, name = "default"): any {
  return JSON.parse(readFileSync(profilePath(configDir, name), "utf8"));
}

/**
 * A profile bound to a standard provider at `url` that serves the good discovery document of
 * test/providers/hostile.ts, as `oidc discover`, `register` and `login` would leave it.
 */
export function standardProfile(url: string, client: Record<string, unknown>, tokens: Record<string, unknown>) {
  return {
    issuer: url,
    source: url,
    discovery_url: `${url}${DISCOVERY_PATH}`,
    dialect: "standard",
    metadata: goodDiscovery(url),
    client,
    tokens,
  };
}
