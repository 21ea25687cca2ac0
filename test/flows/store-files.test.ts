// In-process: the profile store as the CLI leaves it. Pins: private permissions (profile files and
// config.json 0600, the directories 0700); a corrupt profile file is reported with its path (exit
// 1, one `oidc:` line and a hint), left byte-for-byte untouched even by a command that would save
// to it, and hides neither the other profiles from `profile list` nor stops commands on them.
// What needs separate processes (a reader racing writers, concurrent writers) stays spawned in
// test/e2e/store-files.test.ts.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { profilePath, profilesDir, seedProfile } from "../helpers/store.js";
import { type HostileProvider, startHostile } from "../providers/hostile.js";
import { diag, expectFailure, expectOk } from "../commands/support.js";

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
    const run = session();
    const r = await run(["discover", hp.url]);
    expectOk(r);
    const file = profilePath(run.configDir);
    expect(mode(file).toString(8)).toBe("600");
    expect(mode(profilesDir(run.configDir)).toString(8)).toBe("700");
    expect(mode(run.configDir).toString(8)).toBe("700");
    expect(JSON.parse(readFileSync(file, "utf8")).issuer).toBe(hp.url);
  });

  it("config.json written by `oidc profile use` is 0600 too", async () => {
    const run = session();
    expectOk(await run(["-p", "work", "discover", hp.url]));
    const r = await run(["profile", "use", "work"]);
    expectOk(r);
    expect(mode(join(run.configDir, "config.json")).toString(8)).toBe("600");
  });

  describe("a corrupt profile file", () => {
    const BAD = '{"issuer": "https://half.example", "metadata": {"token_endpoint": ';
    let run: ReturnType<typeof session>;
    let badPath: string;
    beforeAll(async () => {
      run = session();
      expectOk(await run(["-p", "good", "discover", hp.url]));
      badPath = seedProfile(run.configDir, "bad", BAD);
    });

    it("is reported with its path and exit 1 when used, as one `oidc:` line and a hint", async () => {
      const r = await run(["-p", "bad", "profile", "show"]);
      expectFailure(r, 1, /^oidc: store file .*bad\.json is unreadable: not valid JSON$/);
      const lines = r.stderr.trim().split("\n");
      expect(lines[0], diag(r)).toMatch(/^oidc: store file .*bad\.json is unreadable: not valid JSON$/);
      expect(lines[0]).toContain(badPath);
      expect(
        lines.slice(1).every((l) => l.startsWith("hint: ")),
        diag(r),
      ).toBe(true);
    });

    it("is left byte-for-byte untouched, even by a command that would save to it", async () => {
      const r = await run(["-p", "bad", "discover", hp.url]);
      expectFailure(r, 1);
      expect(r.stderr).toContain(badPath);
      expect(readFileSync(badPath, "utf8")).toBe(BAD);
      expect(mode(badPath).toString(8)).toBe("600");
    });

    it("does not hide the other profiles: `profile list` shows the good one and marks the bad one", async () => {
      const r = await run(["profile", "list"]);
      expect(r.code, diag(r)).toBe(0);
      const lines = r.stdout.trim().split("\n");
      const bad = lines.find((l) => /\bbad\b/.test(l));
      const good = lines.find((l) => /\bgood\b/.test(l));
      expect(bad).toMatch(/unreadable/);
      expect(good).toContain(hp.url);
      const json = await run(["profile", "list", "--json"]);
      expect(json.code, diag(json)).toBe(0);
      const rows = JSON.parse(json.stdout) as { name: string; issuer: string | null; error?: string }[];
      expect(rows.find((x) => x.name === "good")?.issuer).toBe(hp.url);
      expect(rows.find((x) => x.name === "bad")?.error).toMatch(/bad\.json/);
      expect(readFileSync(badPath, "utf8")).toBe(BAD);
    });

    it("does not stop `oidc -p good profile show`", async () => {
      const r = await run(["-p", "good", "profile", "show"]);
      expectOk(r);
      expect(JSON.parse(r.stdout).issuer).toBe(hp.url);
    });
  });
});
