// The profile store (src/adapters/store.ts) on temp dirs: modes, atomic writes, corrupt files
// reported with their path and left byte-identical, which profile is current, name checks, the
// cross-instance lock, secrets told on read, and where the store lives on each platform.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { configDir, type Profile, ProfileStore, type ProfileStoreOptions } from "../../src/adapters/store.js";
import { ExitCode } from "../../src/errors.js";
import { oidcError, oidcErrorAsync } from "../helpers/errors.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "oidc-store-"));
  dirs.push(d);
  return d;
}

/** A store in a fresh temp dir (the store dir itself does not exist yet). */
function store(o: Partial<ProfileStoreOptions> = {}): ProfileStore {
  return new ProfileStore({ dir: join(tempDir(), "oidc"), ...o });
}

const mode = (path: string) => statSync(path).mode & 0o777;

const PROFILE: Profile = { name: "work", issuer: "https://op.test", client: { client_id: "cli" } as Profile["client"] };

describe("files and modes", () => {
  it("creates the store dir and profiles/ as 0700 and writes profiles and config.json as 0600", () => {
    const s = store();
    s.writeProfile(PROFILE);
    s.setCurrentProfile("work");
    expect(mode(s.dir)).toBe(0o700);
    expect(mode(join(s.dir, "profiles"))).toBe(0o700);
    expect(mode(s.profilePath("work"))).toBe(0o600);
    expect(mode(join(s.dir, "config.json"))).toBe(0o600);
  });

  it("tightens an existing store dir that is too open to 0700", () => {
    const dir = join(tempDir(), "open");
    mkdirSync(join(dir, "profiles"), { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "profiles"), 0o777);
    const s = new ProfileStore({ dir });
    s.writeProfile(PROFILE);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "profiles"))).toBe(0o700);
  });

  it("stores a profile without its name and reads it back named by its file", () => {
    const s = store();
    s.writeProfile(PROFILE);
    const onDisk = JSON.parse(readFileSync(s.profilePath("work"), "utf8"));
    expect(onDisk).toEqual({ issuer: "https://op.test", client: { client_id: "cli" } });
    expect(s.readProfile("work")).toEqual(PROFILE);
    expect(s.readProfile("absent")).toBeUndefined();
  });

  it("leaves no temp files or locks behind after writes and locked updates", async () => {
    const s = store({ tempTag: "4242" });
    s.writeProfile(PROFILE);
    s.writeProfile({ ...PROFILE, scope: "openid" });
    s.setCurrentProfile("work");
    s.setCurrentProfile("work");
    await s.updateProfile("work", (p) => ({ ...(p as Profile), scope: "openid email" }));
    expect(readdirSync(s.dir).sort()).toEqual(["config.json", "profiles"]);
    expect(readdirSync(join(s.dir, "profiles"))).toEqual(["work.json"]);
    expect(s.readProfile("work")?.scope).toBe("openid email");
  });

  it("removes its temp file when the rename over the target fails", () => {
    const s = store();
    // A directory where the profile file should be: the rename fails.
    mkdirSync(join(s.profilePath("work"), "inside"), { recursive: true });
    expect(() => s.writeProfile(PROFILE)).toThrow();
    expect(readdirSync(join(s.dir, "profiles"))).toEqual(["work.json"]);
  });
});

describe("corrupt files", () => {
  it.each([
    ["not JSON", "{ this is not json", "not valid JSON"],
    ["a JSON array", "[1, 2]", "not a JSON object"],
    ["JSON null", "null", "not a JSON object"],
  ])("reports a profile that is %s as exit 1 naming the path, and leaves it byte-identical", (_what, text, why) => {
    const s = store();
    s.writeProfile(PROFILE);
    const path = s.profilePath("work");
    writeFileSync(path, text);
    const before = readFileSync(path);
    const err = oidcError(() => s.readProfile("work"));
    expect(err.exitCode).toBe(ExitCode.unexpected);
    expect(err.message).toBe(`store file ${path} is unreadable: ${why}`);
    expect(err.hint).toMatch(/left untouched/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("reports a profile path that cannot be read (a directory) as exit 1 naming the path", () => {
    const s = store();
    s.writeProfile({ name: "other" });
    const path = s.profilePath("work");
    mkdirSync(path);
    const err = oidcError(() => s.readProfile("work"));
    expect(err.exitCode).toBe(ExitCode.unexpected);
    expect(err.message).toContain(`store file ${path} is unreadable`);
  });

  it("does not overwrite a corrupt profile in updateProfile: the update fails and the bytes stay", async () => {
    const s = store();
    s.writeProfile(PROFILE);
    const path = s.profilePath("work");
    writeFileSync(path, "{ broken");
    let called = false;
    const err = await oidcErrorAsync(
      s.updateProfile("work", (p) => {
        called = true;
        return p as Profile;
      }),
    );
    expect(err.exitCode).toBe(ExitCode.unexpected);
    expect(err.message).toContain(path);
    expect(called).toBe(false);
    expect(readFileSync(path, "utf8")).toBe("{ broken");
    expect(readdirSync(join(s.dir, "profiles"))).toEqual(["work.json"]);
  });

  it("does not overwrite a corrupt config.json when setting the current profile", () => {
    const s = store();
    s.writeProfile(PROFILE);
    const path = join(s.dir, "config.json");
    writeFileSync(path, "current=work");
    const err = oidcError(() => s.setCurrentProfile("work"));
    expect(err.exitCode).toBe(ExitCode.unexpected);
    expect(err.message).toContain(path);
    expect(readFileSync(path, "utf8")).toBe("current=work");
  });

  it("lists a corrupt profile with its error without hiding the others", () => {
    const s = store();
    s.writeProfile({ name: "a", issuer: "https://a.test" });
    s.writeProfile({ name: "b" });
    s.writeProfile({ name: "c", issuer: "https://c.test" });
    const bad = s.profilePath("b");
    writeFileSync(bad, "nope");
    const list = s.listProfiles();
    expect(list.map((l) => l.name)).toEqual(["a", "b", "c"]);
    expect(list[0]).toEqual({ name: "a", profile: { name: "a", issuer: "https://a.test" } });
    expect(list[1]?.profile).toBeUndefined();
    expect(list[1]?.error).toBe(`store file ${bad} is unreadable: not valid JSON`);
    expect(list[2]).toEqual({ name: "c", profile: { name: "c", issuer: "https://c.test" } });
    expect(readFileSync(bad, "utf8")).toBe("nope");
  });

  it("lists nothing for a store that does not exist yet, and skips files that are not profiles", () => {
    const s = store();
    expect(s.listProfiles()).toEqual([]);
    s.writeProfile({ name: "a" });
    writeFileSync(join(s.dir, "profiles", "notes.txt"), "x");
    writeFileSync(join(s.dir, "profiles", ".hidden.json"), "{}");
    expect(s.listProfiles().map((l) => l.name)).toEqual(["a"]);
  });
});

describe("the current profile", () => {
  it("prefers the explicit name, then OIDC_PROFILE, then config.json, then 'default'", () => {
    const dir = join(tempDir(), "oidc");
    const plain = new ProfileStore({ dir });
    expect(plain.currentProfileName()).toBe("default");
    plain.setCurrentProfile("fromconfig");
    expect(plain.currentProfileName()).toBe("fromconfig");
    const withEnv = new ProfileStore({ dir, profileFromEnv: "fromenv" });
    expect(withEnv.currentProfileName()).toBe("fromenv");
    expect(withEnv.currentProfileName("explicit")).toBe("explicit");
    expect(plain.currentProfileName("explicit")).toBe("explicit");
  });

  it("treats OIDC_PROFILE set but empty as a usage error (exit 2), not as unset", () => {
    const s = store({ profileFromEnv: "" });
    s.setCurrentProfile("fromconfig");
    const err = oidcError(() => s.currentProfileName());
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toBe('invalid profile name ""');
    // An explicit name still wins over the bad variable.
    expect(s.currentProfileName("explicit")).toBe("explicit");
  });

  it("falls back to 'default' when config.json names an invalid profile", () => {
    const s = store();
    s.setCurrentProfile("ok");
    writeFileSync(join(s.dir, "config.json"), JSON.stringify({ current: "../escape" }));
    expect(s.currentProfileName()).toBe("default");
  });

  it("keeps other settings in config.json when setting the current profile", () => {
    const s = store();
    s.setCurrentProfile("a");
    const path = join(s.dir, "config.json");
    writeFileSync(path, JSON.stringify({ current: "a", other: 1 }));
    s.setCurrentProfile("b");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ current: "b", other: 1 });
  });
});

describe("profile names", () => {
  const BAD = ["", "../etc", "a/b", "a\\b", ".hidden", "-dash", "with space", "x".repeat(65), "nul\0"];

  it.each(BAD.map((n) => [JSON.stringify(n), n]))("refuses the name %s everywhere with exit 2", async (_label, name) => {
    const s = store();
    for (const fn of [
      () => s.profilePath(name),
      () => s.readProfile(name),
      () => s.writeProfile({ name }),
      () => s.setCurrentProfile(name),
      () => s.currentProfileName(name),
    ]) {
      const err = oidcError(fn);
      expect(err.exitCode).toBe(ExitCode.usage);
      expect(err.message).toBe(`invalid profile name ${JSON.stringify(name)}`);
    }
    expect((await oidcErrorAsync(s.updateProfile(name, () => ({ name })))).exitCode).toBe(ExitCode.usage);
    // removeProfile checks the name before it has a promise: count a synchronous throw as a refusal too.
    expect((await oidcErrorAsync((async () => s.removeProfile(name))())).exitCode).toBe(ExitCode.usage);
    expect(s.listProfiles()).toEqual([]);
  });

  it("accepts letters, digits, '.', '_' and '-' up to 64 characters", () => {
    const s = store();
    for (const name of ["a", "A.b_c-9", "0", "x".repeat(64)]) {
      s.writeProfile({ name });
      expect(s.readProfile(name)?.name).toBe(name);
    }
  });
});

describe("updates under the lock", () => {
  it("serialises concurrent updates from two stores on one dir: 20 increments give 20", async () => {
    const dir = join(tempDir(), "oidc");
    const a = new ProfileStore({ dir, tempTag: "a" });
    const b = new ProfileStore({ dir, tempTag: "b" });
    const increment = (p: Profile | undefined): Profile => ({ name: "shared", scope: String(Number(p?.scope ?? "0") + 1) });
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).updateProfile("shared", increment)));
    expect(a.readProfile("shared")?.scope).toBe("20");
    expect(readdirSync(join(dir, "profiles"))).toEqual(["shared.json"]);
  });

  it("makes an update wait for a lock another store holds, then gives it what that store wrote", async () => {
    const dir = join(tempDir(), "oidc");
    const a = new ProfileStore({ dir });
    const b = new ProfileStore({ dir });
    a.writeProfile({ name: "p", scope: "0" });
    const order: string[] = [];
    let entered!: () => void;
    const holding = new Promise<void>((r) => (entered = r));
    const holder = a.withProfileLock("p", async (cur) => {
      entered();
      await new Promise((r) => setTimeout(r, 150));
      a.writeProfile({ name: "p", scope: `${cur?.scope}+a` });
      order.push("a wrote");
    });
    await holding;
    const seen: (string | undefined)[] = [];
    const update = b.updateProfile("p", (cur) => {
      order.push("b read");
      seen.push(cur?.scope);
      return { name: "p", scope: `${cur?.scope}+b` };
    });
    await Promise.all([holder, update]);
    expect(order).toEqual(["a wrote", "b read"]);
    expect(seen).toEqual(["0+a"]);
    expect(a.readProfile("p")?.scope).toBe("0+a+b");
  });

  it("gives the update what another writer stored after this store last read", async () => {
    const dir = join(tempDir(), "oidc");
    const a = new ProfileStore({ dir });
    const b = new ProfileStore({ dir });
    a.writeProfile({ name: "p", scope: "old" });
    expect(a.readProfile("p")?.scope).toBe("old");
    b.writeProfile({ name: "p", scope: "new" });
    const seen: (string | undefined)[] = [];
    const result = await a.updateProfile("p", (cur) => {
      seen.push(cur?.scope);
      return { name: "p", scope: `${cur?.scope}+a` };
    });
    expect(seen).toEqual(["new"]);
    expect(result.scope).toBe("new+a");
    expect(b.readProfile("p")?.scope).toBe("new+a");
  });

  it("gives undefined to the update of a profile that does not exist yet", async () => {
    const s = store();
    const seen: unknown[] = [];
    await s.updateProfile("fresh", (cur) => {
      seen.push(cur);
      return { name: "fresh", issuer: "https://op.test" };
    });
    expect(seen).toEqual([undefined]);
    expect(s.readProfile("fresh")).toEqual({ name: "fresh", issuer: "https://op.test" });
  });
});

describe("removeProfile", () => {
  it("removes the profile's file and reports whether there was one, leaving the others", async () => {
    const s = store();
    s.writeProfile({ name: "gone" });
    s.writeProfile({ name: "kept" });
    expect(await s.removeProfile("gone")).toBe(true);
    expect(s.readProfile("gone")).toBeUndefined();
    expect(await s.removeProfile("gone")).toBe(false);
    expect(s.listProfiles().map((l) => l.name)).toEqual(["kept"]);
    expect(readdirSync(join(s.dir, "profiles"))).toEqual(["kept.json"]);
  });

  it("removes a corrupt profile without reading it (the corrupt-file hint says to remove it)", async () => {
    const s = store();
    s.writeProfile({ name: "bad" });
    s.writeProfile({ name: "kept" });
    writeFileSync(s.profilePath("bad"), "garbage");
    expect(await s.removeProfile("bad")).toBe(true);
    expect(readdirSync(join(s.dir, "profiles"))).toEqual(["kept.json"]);
  });
});

describe("secrets on read", () => {
  const SECRETS = {
    client_secret: "cs-secret-1",
    registration_access_token: "rat-secret-2",
    access_token: "at-secret-3",
    refresh_token: "rt-secret-4",
    id_token: "idt-secret-5",
  };
  const withSecrets: Profile = {
    name: "s",
    client: {
      client_id: "cli",
      client_secret: SECRETS.client_secret,
      registration_access_token: SECRETS.registration_access_token,
    } as Profile["client"],
    tokens: {
      access_token: SECRETS.access_token,
      refresh_token: SECRETS.refresh_token,
      id_token: SECRETS.id_token,
      token_type: "Bearer",
      obtained_at: 1,
    },
  };

  it("tells onSecret every stored secret whenever a profile is read (read, list, update)", async () => {
    const told: (string | undefined)[] = [];
    const s = store({ onSecret: (v) => told.push(v) });
    s.writeProfile(withSecrets);
    expect(told).toEqual([]);
    s.readProfile("s");
    expect(told.filter(Boolean).sort()).toEqual(Object.values(SECRETS).sort());

    for (const via of [() => s.listProfiles(), () => s.updateProfile("s", (p) => p as Profile)]) {
      told.length = 0;
      await via();
      expect(told.filter(Boolean).sort()).toEqual(Object.values(SECRETS).sort());
    }
  });

  it("tells a second store's onSecret of secrets the first one wrote", () => {
    const dir = join(tempDir(), "oidc");
    new ProfileStore({ dir }).writeProfile(withSecrets);
    const told: (string | undefined)[] = [];
    new ProfileStore({ dir, onSecret: (v) => told.push(v) }).readProfile("s");
    expect(told).toEqual(expect.arrayContaining(Object.values(SECRETS)));
  });
});

describe("configDir", () => {
  const home = "/home/u";

  it("uses OIDC_CONFIG_DIR above everything else, on every platform", () => {
    for (const platform of ["linux", "darwin", "win32"])
      expect(configDir({ OIDC_CONFIG_DIR: "/custom", XDG_CONFIG_HOME: "/xdg", APPDATA: "/appdata" }, platform, home)).toBe("/custom");
  });

  it("uses XDG_CONFIG_HOME on Linux, else ~/.config", () => {
    expect(configDir({ XDG_CONFIG_HOME: "/xdg" }, "linux", home)).toBe(join("/xdg", "oidc"));
    expect(configDir({}, "linux", home)).toBe(join(home, ".config", "oidc"));
    expect(configDir({ XDG_CONFIG_HOME: "" }, "linux", home)).toBe(join(home, ".config", "oidc"));
    expect(configDir({ OIDC_CONFIG_DIR: "" }, "freebsd", home)).toBe(join(home, ".config", "oidc"));
  });

  it("uses ~/Library/Preferences/oidc on macOS", () => {
    expect(configDir({}, "darwin", home)).toBe(join(home, "Library", "Preferences", "oidc"));
    expect(configDir({ XDG_CONFIG_HOME: "/xdg" }, "darwin", home)).toBe(join(home, "Library", "Preferences", "oidc"));
  });

  it("uses %APPDATA%\\oidc\\Config on Windows, else ~/AppData/Roaming", () => {
    expect(configDir({ APPDATA: "/appdata" }, "win32", home)).toBe(join("/appdata", "oidc", "Config"));
    expect(configDir({}, "win32", home)).toBe(join(home, "AppData", "Roaming", "oidc", "Config"));
  });
});
