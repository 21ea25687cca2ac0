// The profile store under separate processes of the built CLI: atomic writes (a reader in another
// process never sees a half-written profile, and no temp file is left behind) and concurrent
// writers to different profiles that lose nothing. The rest of the store's contract (permissions,
// corrupt files) is pinned in-process in test/flows/store-files.test.ts.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { profilePath, profilesDir } from "../helpers/store.js";
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
