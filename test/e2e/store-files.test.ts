// The profile store as the built CLI leaves it: private permissions, atomic writes, corrupt files
// reported and left alone, and concurrent writers that lose nothing.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { profilePath, profilesDir, seedProfile } from "../helpers/store.js";
import { type HostileProvider, startHostile } from "../providers/hostile.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterAll(async () => {
  await hp?.stop();
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the profile store", () => {
  it("after `oidc discover` saves, the profile file is 0600 and the directories are 0700", async () => {
    const c = cli();
    const r = await c(["discover", hp.url]);
    expect(r.code, r.stderr).toBe(0);
    const file = profilePath(c.configDir);
    expect(mode(file).toString(8)).toBe("600");
    expect(mode(profilesDir(c.configDir)).toString(8)).toBe("700");
    expect(mode(c.configDir).toString(8)).toBe("700");
    expect(JSON.parse(readFileSync(file, "utf8")).issuer).toBe(hp.url);
  });

  it("config.json written by `oidc profile use` is 0600 too", async () => {
    const c = cli();
    expect((await c(["-p", "work", "discover", hp.url])).code).toBe(0);
    const r = await c(["profile", "use", "work"]);
    expect(r.code, r.stderr).toBe(0);
    expect(mode(join(c.configDir, "config.json")).toString(8)).toBe("600");
  });

  it("writes are atomic: readers never see a half-written profile and no temp file is left behind", async () => {
    const c = cli();
    expect((await c(["discover", hp.url])).code).toBe(0);
    const file = profilePath(c.configDir);
    // 8 writers rewrite the same profile while this process keeps parsing it.
    const writers = Promise.all(Array.from({ length: 8 }, () => c(["discover", hp.url])));
    let done = false;
    let reads = 0;
    writers.finally(() => (done = true));
    while (!done) {
      const text = readFileSync(file, "utf8");
      expect(() => JSON.parse(text), `read #${reads}: ${text.slice(0, 200)}`).not.toThrow();
      reads++;
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await writers;
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(profilesDir(c.configDir))).toEqual(["default.json"]);
    expect(readdirSync(c.configDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  describe("a corrupt profile file", () => {
    const BAD = '{"issuer": "https://half.example", "metadata": {"token_endpoint": ';
    let c: ReturnType<typeof cli>;
    let badPath: string;
    beforeAll(async () => {
      c = cli();
      expect((await c(["-p", "good", "discover", hp.url])).code).toBe(0);
      badPath = seedProfile(c.configDir, "bad", BAD);
    });

    it("is reported with its path and exit 1 when used, as one `oidc:` line and a hint", async () => {
      const r = await c(["-p", "bad", "profile", "show"]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      expect(lines[0]).toMatch(/^oidc: store file .*bad\.json is unreadable: not valid JSON$/);
      expect(lines[0]).toContain(badPath);
      expect(lines.slice(1).every((l) => l.startsWith("hint: "))).toBe(true);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).toBe("");
    });

    it("is left byte-for-byte untouched, even by a command that would save to it", async () => {
      const r = await c(["-p", "bad", "discover", hp.url]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(badPath);
      expect(readFileSync(badPath, "utf8")).toBe(BAD);
      expect(mode(badPath).toString(8)).toBe("600");
    });

    it("does not hide the other profiles: `profile list` shows the good one and marks the bad one", async () => {
      const r = await c(["profile", "list"]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trim().split("\n");
      const bad = lines.find((l) => /\bbad\b/.test(l));
      const good = lines.find((l) => /\bgood\b/.test(l));
      expect(bad).toMatch(/unreadable/);
      expect(good).toContain(hp.url);
      const json = await c(["profile", "list", "--json"]);
      expect(json.code, json.stderr).toBe(0);
      const rows = JSON.parse(json.stdout) as { name: string; issuer: string | null; error?: string }[];
      expect(rows.find((x) => x.name === "good")?.issuer).toBe(hp.url);
      expect(rows.find((x) => x.name === "bad")?.error).toMatch(/bad\.json/);
      expect(readFileSync(badPath, "utf8")).toBe(BAD);
    });

    it("does not stop `oidc -p good profile show`", async () => {
      const r = await c(["-p", "good", "profile", "show"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).issuer).toBe(hp.url);
    });
  });

  it("10 concurrent writers to different profiles lose nothing: all 10 profiles exist and parse", async () => {
    const c = cli();
    const names = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const results = await Promise.all(names.map((n) => c(["-p", n, "discover", hp.url])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(profilesDir(c.configDir)).sort();
    expect(files).toEqual(names.map((n) => `${n}.json`).sort());
    for (const n of names) {
      const path = profilePath(c.configDir, n);
      expect(JSON.parse(readFileSync(path, "utf8")).issuer).toBe(hp.url);
      expect(mode(path).toString(8)).toBe("600");
    }
  });
});
