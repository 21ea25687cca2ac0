/**
 * The profile store: one JSON file per profile under `<dir>/profiles/`, plus `<dir>/config.json`
 * for the current profile. Files are 0600 in a 0700 directory; every write is atomic (temp file +
 * rename); a corrupt or unreadable file is reported with its path and never overwritten. Updates
 * that depend on what is stored (refresh) run under a cross-process per-profile lock.
 *
 * Reading needs only node:fs, so `oidc token` with a valid cached token stays cheap.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { OidcError, ExitCode, usageError } from "./errors.js";
import type { Profile } from "./profile.js";
import { registerSecret } from "./redact.js";

export function configDir(): string {
  const env = process.env;
  if (env.OIDC_CONFIG_DIR) return env.OIDC_CONFIG_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Preferences", "oidc");
  if (process.platform === "win32") return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "oidc", "Config");
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "oidc");
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function checkProfileName(name: string): string {
  if (!NAME.test(name))
    throw usageError(`invalid profile name ${JSON.stringify(name)}`, "use letters, digits, '.', '_' or '-' (at most 64)");
  return name;
}

const profilesDir = () => join(configDir(), "profiles");
export const profilePath = (name: string) => join(profilesDir(), `${checkProfileName(name)}.json`);
const configPath = () => join(configDir(), "config.json");

function ensureDirs(): void {
  for (const dir of [configDir(), profilesDir()]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

function corrupt(path: string, why: string): OidcError {
  return new OidcError(ExitCode.unexpected, `store file ${path} is unreadable: ${why}`, {
    hint: "it was left untouched; fix or remove that file (other profiles are unaffected)",
  });
}

function readJson(path: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw corrupt(path, (e as Error).message);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(path, "not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw corrupt(path, "not a JSON object");
  return value as Record<string, unknown>;
}

/** Write `path` atomically: a 0600 temp file beside it, fsync, rename over. */
function writeJsonAtomic(path: string, value: unknown): void {
  ensureDirs();
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function currentProfileName(explicit?: string): string {
  if (explicit !== undefined) return checkProfileName(explicit);
  // Set but empty (OIDC_PROFILE="$UNSET") is a mistake to report, not a reason to use another profile.
  if (process.env.OIDC_PROFILE !== undefined) return checkProfileName(process.env.OIDC_PROFILE);
  const cfg = readJson(configPath());
  return typeof cfg?.current === "string" && NAME.test(cfg.current) ? cfg.current : "default";
}

export function setCurrentProfile(name: string): void {
  const cfg = readJson(configPath()) ?? {};
  writeJsonAtomic(configPath(), { ...cfg, current: checkProfileName(name) });
}

export function readProfile(name: string): Profile | undefined {
  const raw = readJson(profilePath(name));
  if (!raw) return undefined;
  const p = { ...raw, name } as Profile;
  // Whatever path reads a profile (refresh under the lock, logout, ...), its secrets are redacted.
  for (const v of [
    p.client?.client_secret,
    p.client?.registration_access_token,
    p.tokens?.access_token,
    p.tokens?.refresh_token,
    p.tokens?.id_token,
  ])
    registerSecret(v);
  return p;
}

/** Locks this process holds, and whether proper-lockfile has seen one taken over (a frozen process). */
const heldLocks = new Map<string, { compromised: boolean }>();

export function writeProfile(profile: Profile): void {
  const { name, ...rest } = profile;
  if (heldLocks.get(name)?.compromised)
    throw new OidcError(
      ExitCode.unexpected,
      `the lock on profile ${name} was taken over while this process was paused; nothing was saved`,
      {
        hint: "run the command again",
      },
    );
  writeJsonAtomic(profilePath(name), rest);
}

/** Remove a profile under its lock, so that no refresh in flight writes it back. */
export function removeProfile(name: string): Promise<boolean> {
  const path = profilePath(name);
  return withProfileLock(name, async () => {
    try {
      statSync(path);
    } catch {
      return false;
    }
    rmSync(path);
    return true;
  });
}

export interface ProfileListing {
  name: string;
  profile?: Profile;
  error?: string;
}

/** Every profile; a corrupt one is listed with its error and does not hide the others. */
export function listProfiles(): ProfileListing[] {
  let files: string[];
  try {
    files = readdirSync(profilesDir());
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith(".json") && NAME.test(f.slice(0, -5)))
    .sort()
    .map((f) => {
      const name = f.slice(0, -5);
      try {
        return { name, profile: readProfile(name) };
      } catch (e) {
        return { name, error: (e as Error).message };
      }
    });
}

/** Read-modify-write a profile under its lock: `fn` gets the profile as stored once locked. */
export function updateProfile(name: string, fn: (current: Profile | undefined) => Profile): Promise<Profile> {
  return withProfileLock(name, async (current) => {
    const next = fn(current);
    writeProfile(next);
    return next;
  });
}

/**
 * Read-modify-write a profile under a cross-process lock (proper-lockfile: a lock directory beside
 * the file, refreshed while held, taken over when stale). `fn` sees the profile as stored *after*
 * the lock was taken, so a refresh that another process already did is visible.
 */
export async function withProfileLock<T>(name: string, fn: (current: Profile | undefined) => Promise<T>): Promise<T> {
  ensureDirs();
  const { default: lockfile } = await import("proper-lockfile");
  const path = profilePath(name);
  let release: () => Promise<void>;
  const state = { compromised: false };
  try {
    release = await lockfile.lock(path, {
      realpath: false,
      stale: 15_000,
      update: 3_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 25, maxTimeout: 250 },
      // Taken over after `stale` (this process was frozen): refuse to write instead of crashing.
      onCompromised: () => {
        state.compromised = true;
      },
    });
  } catch (e) {
    throw new OidcError(ExitCode.unexpected, `could not lock profile ${name}: ${(e as Error).message}`);
  }
  heldLocks.set(name, state);
  try {
    return await fn(readProfile(name));
  } finally {
    heldLocks.delete(name);
    await release().catch(() => {});
  }
}
