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
import { join } from "node:path";
import { ExitCode, OidcError, usageError } from "../errors.js";
import type { Client } from "../oidc/client.js";
import type { ProviderMetadata } from "../oidc/discovery.js";
import type { Env } from "./env.js";

export type StoredClient = Client;

export interface StoredTokens {
  access_token: string;
  token_type: string;
  /** Epoch seconds; absent when the provider gave no `expires_in`. */
  expires_at?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  /** The ID token's `sub`, to check userinfo's against. */
  sub?: string;
  obtained_at: number;
  /** When the provider refused `refresh_token` (invalid_grant): kept, but no longer refreshable. */
  refresh_rejected_at?: number;
}

export interface Profile {
  name: string;
  /** The issuer as the provider's discovery document states it. */
  issuer?: string;
  /** The URL the user gave for the provider (an issuer, a document URL or an app's base URL). */
  source?: string;
  /** Where the discovery document was found (better-auth serves it away from its issuer). */
  discovery_url?: string;
  dialect?: string;
  metadata?: ProviderMetadata;
  client?: StoredClient;
  tokens?: StoredTokens;
  /** Default scopes for login, from `--scope` the last time. */
  scope?: string;
}

/** Where the store lives: OIDC_CONFIG_DIR, else the platform's configuration directory. */
export function configDir(env: Env, platform: string, home: string): string {
  if (env.OIDC_CONFIG_DIR) return env.OIDC_CONFIG_DIR;
  if (platform === "darwin") return join(home, "Library", "Preferences", "oidc");
  if (platform === "win32") return join(env.APPDATA ?? join(home, "AppData", "Roaming"), "oidc", "Config");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), "oidc");
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function checkProfileName(name: string): string {
  if (!NAME.test(name))
    throw usageError(`invalid profile name ${JSON.stringify(name)}`, "use letters, digits, '.', '_' or '-' (at most 64)");
  return name;
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

export interface ProfileListing {
  name: string;
  profile?: Profile;
  error?: string;
}

export interface ProfileStoreOptions {
  /** The store's directory, fixed for the store's life. */
  dir: string;
  /** OIDC_PROFILE as the process received it: set but empty is a mistake, not "the current one". */
  profileFromEnv?: string;
  /** Told of every secret a profile holds when it is read, so no path prints one. */
  onSecret?: (value: string | undefined) => void;
  /** A unique suffix for temp files (the process id). */
  tempTag?: string;
}

export class ProfileStore {
  readonly dir: string;
  /** Locks this store holds, and whether proper-lockfile has seen one taken over (a frozen process). */
  private readonly heldLocks = new Map<string, { compromised: boolean }>();

  constructor(private readonly o: ProfileStoreOptions) {
    this.dir = o.dir;
  }

  private get profilesDir() {
    return join(this.dir, "profiles");
  }
  profilePath(name: string): string {
    return join(this.profilesDir, `${checkProfileName(name)}.json`);
  }
  private get configPath() {
    return join(this.dir, "config.json");
  }

  private ensureDirs(): void {
    for (const dir of [this.dir, this.profilesDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
  }

  /** Write `path` atomically: a 0600 temp file beside it, fsync, rename over. */
  private writeJsonAtomic(path: string, value: unknown): void {
    this.ensureDirs();
    const tmp = `${path}.${this.o.tempTag ?? "w"}.${Math.random().toString(36).slice(2)}.tmp`;
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

  /** The profile a command uses: the one named, else OIDC_PROFILE, else the current one, else `default`. */
  currentProfileName(explicit?: string): string {
    if (explicit !== undefined) return checkProfileName(explicit);
    // Set but empty (OIDC_PROFILE="$UNSET") is a mistake to report, not a reason to use another profile.
    if (this.o.profileFromEnv !== undefined) return checkProfileName(this.o.profileFromEnv);
    const cfg = readJson(this.configPath);
    return typeof cfg?.current === "string" && NAME.test(cfg.current) ? cfg.current : "default";
  }

  setCurrentProfile(name: string): void {
    const cfg = readJson(this.configPath) ?? {};
    this.writeJsonAtomic(this.configPath, { ...cfg, current: checkProfileName(name) });
  }

  /** The profile `oidc profile use` chose (config.json), whatever -p or OIDC_PROFILE say. */
  storedCurrentProfile(): string | undefined {
    const cfg = readJson(this.configPath);
    return typeof cfg?.current === "string" ? cfg.current : undefined;
  }

  /** Forget the chosen profile: commands then use `default`. */
  clearCurrentProfile(): void {
    const cfg = readJson(this.configPath);
    if (!cfg || !("current" in cfg)) return;
    const { current: _gone, ...rest } = cfg;
    this.writeJsonAtomic(this.configPath, rest);
  }

  readProfile(name: string): Profile | undefined {
    const raw = readJson(this.profilePath(name));
    if (!raw) return undefined;
    const p = { ...raw, name } as Profile;
    // Whatever path reads a profile (refresh under the lock, logout, ...), its secrets are redacted.
    const onSecret = this.o.onSecret;
    if (onSecret)
      for (const v of [
        p.client?.client_secret,
        p.client?.registration_access_token,
        p.tokens?.access_token,
        p.tokens?.refresh_token,
        p.tokens?.id_token,
      ])
        onSecret(v);
    return p;
  }

  writeProfile(profile: Profile): void {
    const { name, ...rest } = profile;
    if (this.heldLocks.get(name)?.compromised)
      throw new OidcError(
        ExitCode.unexpected,
        `the lock on profile ${name} was taken over while this process was paused; nothing was saved`,
        {
          hint: "run the command again",
        },
      );
    this.writeJsonAtomic(this.profilePath(name), rest);
  }

  /** Remove a profile under its lock, so that no refresh in flight writes it back; a corrupt one too (it is not read). */
  async removeProfile(name: string): Promise<boolean> {
    const path = this.profilePath(name);
    return this.locked(name, async () => {
      try {
        statSync(path);
      } catch {
        return false;
      }
      rmSync(path);
      return true;
    });
  }

  /** Every profile; a corrupt one is listed with its error and does not hide the others. */
  listProfiles(): ProfileListing[] {
    let files: string[];
    try {
      files = readdirSync(this.profilesDir);
    } catch {
      return [];
    }
    return files
      .filter((f) => f.endsWith(".json") && NAME.test(f.slice(0, -5)))
      .sort()
      .map((f) => {
        const name = f.slice(0, -5);
        try {
          return { name, profile: this.readProfile(name) };
        } catch (e) {
          return { name, error: (e as Error).message };
        }
      });
  }

  /** Read-modify-write a profile under its lock: `fn` gets the profile as stored once locked. */
  updateProfile(name: string, fn: (current: Profile | undefined) => Profile): Promise<Profile> {
    return this.withProfileLock(name, async (current) => {
      const next = fn(current);
      this.writeProfile(next);
      return next;
    });
  }

  /**
   * Read-modify-write a profile under a cross-process lock (proper-lockfile: a lock directory beside
   * the file, refreshed while held, taken over when stale). `fn` sees the profile as stored *after*
   * the lock was taken, so a refresh that another process already did is visible.
   */
  withProfileLock<T>(name: string, fn: (current: Profile | undefined) => Promise<T>): Promise<T> {
    return this.locked(name, () => fn(this.readProfile(name)));
  }

  private async locked<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.ensureDirs();
    const { default: lockfile } = await import("proper-lockfile");
    const path = this.profilePath(name);
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
    this.heldLocks.set(name, state);
    try {
      return await fn();
    } finally {
      this.heldLocks.delete(name);
      await release().catch(() => {});
    }
  }
}
