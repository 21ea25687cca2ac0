// `oidc profile list|show|use|remove` in-process: the JSON shapes, secrets masked unless asked
// for, the current profile, names that do not exist (exit 2), and a corrupt store file (exit 1,
// reported with its path and left untouched). Profiles are seeded through the store; no provider.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Profile } from "../../src/adapters/store.js";
import { session } from "../helpers/deps.js";
import { expectFailure, expectOk, literal, nowSeconds, storeOf, writeRawProfile } from "./support.js";

const ISSUER = "https://op.example";
const SECRETS = {
  client_secret: "client-secret-0123456789",
  registration_access_token: "rat-0123456789abcdef",
  access_token: "access-token-0123456789",
  refresh_token: "refresh-token-0123456789",
  id_token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXZhbHVl",
};

function profile(name: string, o: { expiresIn?: number; refresh?: boolean; tokens?: boolean } = {}): Profile {
  const now = nowSeconds();
  return {
    name,
    issuer: ISSUER,
    source: ISSUER,
    discovery_url: `${ISSUER}/.well-known/openid-configuration`,
    dialect: "standard",
    metadata: { issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token` },
    scope: "openid email",
    client: {
      client_id: `client-of-${name}`,
      client_secret: SECRETS.client_secret,
      registration_access_token: SECRETS.registration_access_token,
    },
    ...(o.tokens === false
      ? {}
      : {
          tokens: {
            access_token: SECRETS.access_token,
            token_type: "Bearer",
            expires_at: now + (o.expiresIn ?? 3600),
            ...(o.refresh === false ? {} : { refresh_token: SECRETS.refresh_token }),
            id_token: SECRETS.id_token,
            scope: "openid email",
            sub: "alice",
            obtained_at: now,
          },
        }),
  };
}

function seeded(...profiles: Profile[]) {
  const run = session();
  const store = storeOf(run.configDir);
  for (const p of profiles) store.writeProfile(p);
  return { run, store };
}

describe("oidc profile list", () => {
  it("--json prints [{name, current, issuer, client_id, logged_in, expires_at, refreshable}] in name order", async () => {
    const a = profile("alpha");
    const { run } = seeded(a, profile("beta", { tokens: false }));
    const r = await run(["profile", "list", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        name: "alpha",
        current: false,
        issuer: ISSUER,
        client_id: "client-of-alpha",
        logged_in: true,
        expires_at: a.tokens?.expires_at,
        refreshable: true,
      },
      { name: "beta", current: false, issuer: ISSUER, client_id: "client-of-beta", logged_in: false, expires_at: null, refreshable: false },
    ]);
  });

  it("marks the current profile with * and tells a valid token from an expired one", async () => {
    const { run, store } = seeded(
      profile("fresh"),
      profile("stale", { expiresIn: -10, refresh: false }),
      profile("renew", { expiresIn: -10 }),
    );
    store.setCurrentProfile("fresh");
    const r = await run(["profile", "list"]);
    expectOk(r);
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.includes("fresh"))).toMatch(
      new RegExp(`^\\* fresh\\t${literal(ISSUER)} client client-of-fresh logged in, token valid \\d+m$`),
    );
    expect(lines.find((l) => l.includes("stale"))).toMatch(/^ {2}stale\t.*token expired \(log in again\)$/);
    expect(lines.find((l) => l.includes("renew"))).toMatch(/^ {2}renew\t.*token expired \(refreshable\)$/);
  });

  it("never prints a secret", async () => {
    const { run } = seeded(profile("alpha"));
    for (const args of [
      ["profile", "list"],
      ["profile", "list", "--json"],
    ]) {
      const r = await run(args);
      for (const secret of Object.values(SECRETS)) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it("with no profiles prints nothing on stdout and says how to make one on stderr", async () => {
    const r = await session()(["profile", "list"]);
    expectOk(r);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("No profiles yet");
    expect(JSON.parse((await session()(["profile", "list", "--json"])).stdout)).toEqual([]);
  });

  it("lists a corrupt profile as unreadable without hiding the others, and leaves it untouched", async () => {
    const { run } = seeded(profile("good"));
    const bad = writeRawProfile(run.configDir, "bad", "{ not json");
    const r = await run(["profile", "list"]);
    expectOk(r);
    expect(r.stdout).toMatch(/^ {2}bad\tunreadable: store file .*bad\.json is unreadable: not valid JSON$/m);
    expect(r.stdout).toMatch(/^ {2}good\thttps:\/\/op\.example/m);
    const rows = JSON.parse((await run(["profile", "list", "--json"])).stdout) as { name: string; error?: string }[];
    expect(rows.find((x) => x.name === "bad")?.error).toContain(bad);
    expect(rows.find((x) => x.name === "good")?.error).toBeUndefined();
    expect(readFileSync(bad, "utf8")).toBe("{ not json");
  });
});

describe("oidc profile show", () => {
  it("prints {name, issuer, discovery_url, dialect, scope, client, tokens} with the secrets masked", async () => {
    const p = profile("default");
    const { run } = seeded(p);
    const r = await run(["profile", "show"]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["name", "issuer", "discovery_url", "dialect", "scope", "client", "tokens"]);
    expect(out).toEqual({
      name: "default",
      issuer: ISSUER,
      discovery_url: `${ISSUER}/.well-known/openid-configuration`,
      dialect: "standard",
      scope: "openid email",
      client: { client_id: "client-of-default", client_secret: "clie…89", registration_access_token: "rat-…ef" },
      tokens: {
        token_type: "Bearer",
        access_token: "acce…89",
        refresh_token: "refr…89",
        id_token: "eyJh…Vl",
        scope: "openid email",
        sub: "alice",
        expires_at: p.tokens?.expires_at,
        expires_in: expect.any(Number),
      },
    });
    for (const secret of Object.values(SECRETS)) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("masks a short secret entirely", async () => {
    const p = profile("default");
    const { run } = seeded({ ...p, client: { client_id: "c", client_secret: "short" } });
    expect(JSON.parse((await run(["profile", "show"])).stdout).client.client_secret).toBe("****");
  });

  it("--show-secrets prints them unmasked", async () => {
    const { run } = seeded(profile("default"));
    const out = JSON.parse((await run(["profile", "show", "--show-secrets"])).stdout);
    expect(out.client.client_secret).toBe(SECRETS.client_secret);
    expect(out.tokens).toMatchObject({
      access_token: SECRETS.access_token,
      refresh_token: SECRETS.refresh_token,
      id_token: SECRETS.id_token,
    });
  });

  it("shows the profile named, else -p's, else the current one", async () => {
    const { run, store } = seeded(profile("one"), profile("two"), profile("three"));
    store.setCurrentProfile("two");
    expect(JSON.parse((await run(["profile", "show"])).stdout).name).toBe("two");
    expect(JSON.parse((await run(["-p", "three", "profile", "show"])).stdout).name).toBe("three");
    expect(JSON.parse((await run(["profile", "show", "one"])).stdout).name).toBe("one");
  });

  it("prints nulls for a profile with neither client nor tokens", async () => {
    const { run } = seeded({ name: "bare", issuer: ISSUER });
    expect(JSON.parse((await run(["profile", "show", "bare"])).stdout)).toEqual({
      name: "bare",
      issuer: ISSUER,
      discovery_url: null,
      dialect: null,
      scope: null,
      client: null,
      tokens: null,
    });
  });

  it("an unknown name exits 2 pointing at profile list", async () => {
    const r = await seeded(profile("work")).run(["profile", "show", "wrok"]);
    expectFailure(r, 2, /^oidc: no profile named wrok$/, { hint: /oidc profile list/ });
  });

  it("an invalid name exits 2 saying what a name may hold", async () => {
    const r = await session()(["profile", "show", "../etc"]);
    expectFailure(r, 2, /^oidc: invalid profile name "\.\.\/etc"$/, { hint: /letters, digits/ });
  });

  it("a corrupt profile file exits 1 naming its path, and is left byte for byte as it was", async () => {
    const { run } = seeded(profile("good"));
    const bad = writeRawProfile(run.configDir, "bad", '{"issuer": "https://half.example", "metadata": {');
    const r = await run(["-p", "bad", "profile", "show"]);
    expectFailure(r, 1, new RegExp(`^oidc: store file ${literal(bad)} is unreadable: not valid JSON$`), { hint: /left untouched/ });
    expect(readFileSync(bad, "utf8")).toBe('{"issuer": "https://half.example", "metadata": {');
    expect(statSync(bad).mode & 0o777).toBe(0o600);
    expectOk(await run(["-p", "good", "profile", "show"]));
  });

  it("a profile file holding JSON that is not an object exits 1 saying so", async () => {
    const { run } = seeded();
    writeRawProfile(run.configDir, "default", "[1, 2]");
    expectFailure(await run(["profile", "show"]), 1, /is unreadable: not a JSON object$/);
  });
});

describe("oidc profile use", () => {
  it("makes the profile the current one: --json prints {current}, and later commands use it", async () => {
    const { run, store } = seeded(profile("default"), profile("work"));
    const r = await run(["profile", "use", "work", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ current: "work" });
    expect(r.stderr).toBe("Current profile: work\n");
    expect(store.currentProfileName()).toBe("work");
    expect(JSON.parse((await run(["profile", "list", "--json"])).stdout).find((x: { current: boolean }) => x.current).name).toBe("work");
  });

  it("without --json prints nothing on stdout", async () => {
    const r = await seeded(profile("work")).run(["profile", "use", "work"]);
    expectOk(r);
    expect(r.stdout).toBe("");
  });

  it("a name that does not exist exits 2, listing the ones that do, and changes nothing", async () => {
    const { run, store } = seeded(profile("work"), profile("home"));
    const r = await run(["profile", "use", "wrok"]);
    expectFailure(r, 2, /^oidc: no profile named wrok$/, {
      hint: /profiles: home, work; a new one is made by `oidc -p wrok discover <issuer-url>`/,
    });
    expect(store.currentProfileName()).toBe("default");
  });

  it("in an empty store, says how to make the profile first", async () => {
    const r = await session()(["profile", "use", "work"]);
    expectFailure(r, 2, /^oidc: no profile named work$/, { hint: /make it first: oidc -p work discover <issuer-url>/ });
  });
});

describe("oidc profile remove", () => {
  it("deletes the profile's file: --json prints {removed}", async () => {
    const { run, store } = seeded(profile("default"), profile("old"));
    const r = await run(["profile", "remove", "old", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ removed: "old" });
    expect(r.stderr).toBe("Removed profile old.\n");
    expect(store.readProfile("old")).toBeUndefined();
    expect(store.readProfile("default")).toBeDefined();
  });

  it("a name that does not exist exits 2 naming the file it looked for", async () => {
    const { run, store } = seeded(profile("default"));
    const r = await run(["profile", "remove", "nope"]);
    expectFailure(r, 2, new RegExp(`^oidc: no profile named nope \\(${literal(store.profilePath("nope"))}\\)$`));
  });

  // The corrupt-file error tells the user to remove the file: `profile remove` does so without
  // reading (parsing) it first.
  it("a corrupt profile can be removed with profile remove (its hint says to remove the file)", async () => {
    const { run, store } = seeded();
    writeRawProfile(run.configDir, "bad", "{ not json");
    expectOk(await run(["profile", "remove", "bad"]));
    expect(() => statSync(store.profilePath("bad"))).toThrow();
  });

  it("removing the current profile falls back to default: config.json's current is cleared, and it says so", async () => {
    const { run, store } = seeded(profile("default"), profile("work"));
    store.setCurrentProfile("work");
    const r = await run(["profile", "remove", "work"]);
    expectOk(r);
    expect(r.stderr).toBe("Removed profile work.\nIt was the current profile; the current profile is now default.\n");
    expect(store.storedCurrentProfile()).toBeUndefined();
    expect(JSON.parse(readFileSync(join(run.configDir, "config.json"), "utf8"))).toEqual({});
    expect(store.currentProfileName()).toBe("default");
    const list = JSON.parse((await run(["profile", "list", "--json"])).stdout);
    expect(list.map((x: { name: string; current: boolean }) => [x.name, x.current])).toEqual([["default", true]]);
  });

  it("removing another profile leaves the current one as it is", async () => {
    const { run, store } = seeded(profile("default"), profile("work"), profile("old"));
    store.setCurrentProfile("work");
    const r = await run(["profile", "remove", "old"]);
    expectOk(r);
    expect(r.stderr).toBe("Removed profile old.\n");
    expect(store.storedCurrentProfile()).toBe("work");
  });
});
