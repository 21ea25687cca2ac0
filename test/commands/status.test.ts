// `oidc status` in-process: every profile from the store alone (who, scopes, expiry, refreshable,
// where the secrets are), the current one marked, a corrupt one listed with its error, and exit 5
// when the profile a command would use is not logged in. Against the conformance OP for a real
// login, and seeded profiles for the edges.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Profile } from "../../src/adapters/store.js";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, PREFERRED_USERNAME, PUBLIC_CLIENT, SUB, startConformanceOp } from "../providers/conformance-op.js";
import { expectFailure, expectOk, loggedInSession, nowSeconds, readProfile, storeOf, writeRawProfile } from "./support.js";

let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.stop());

const ISSUER = "https://op.example";
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"RS256"}').toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;

function seededProfile(name: string, o: { expiresIn?: number; refresh?: boolean; tokens?: boolean; claims?: object } = {}): Profile {
  const now = nowSeconds();
  return {
    name,
    issuer: ISSUER,
    metadata: { issuer: ISSUER, authorization_endpoint: `${ISSUER}/authorize`, token_endpoint: `${ISSUER}/token` },
    client: { client_id: `client-of-${name}` },
    ...(o.tokens === false
      ? {}
      : {
          tokens: {
            access_token: "access-token-0123456789",
            token_type: "Bearer",
            expires_at: now + (o.expiresIn ?? 3600),
            ...(o.refresh === false ? {} : { refresh_token: "refresh-token-0123456789" }),
            id_token: jwt({ sub: "u1", ...o.claims }),
            scope: "openid email",
            sub: "u1",
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

describe("oidc status", () => {
  it("--json after a login: [{name, current, issuer, client_id, account, sub, scope, expires_at, expires_in, logged_in, refreshable, storage}]", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["status", "--json"]);
    expectOk(r);
    const stored = readProfile(run.configDir)?.tokens;
    const [row] = JSON.parse(r.stdout);
    expect(row).toEqual({
      name: "default",
      current: true,
      issuer: op.issuer,
      client_id: PUBLIC_CLIENT,
      account: PREFERRED_USERNAME,
      sub: SUB,
      scope: "openid profile email offline_access",
      expires_at: stored?.expires_at,
      expires_in: expect.any(Number),
      logged_in: true,
      refreshable: true,
      storage: `file ${storeOf(run.configDir).profilePath("default")}`,
    });
    expect(Math.abs(row.expires_in - ((stored?.expires_at as number) - nowSeconds()))).toBeLessThanOrEqual(2);
    expect(r.stderr).toBe("");
  });

  it("asks the provider nothing", async () => {
    const run = await loggedInSession(op.issuer);
    const before = op.requests.length;
    expectOk(await run(["status"]));
    expect(op.requests.length).toBe(before);
  });

  it("the account is preferred_username, else email, else name of the stored ID token, else the sub", async () => {
    const { run } = seeded(
      seededProfile("a", { claims: { preferred_username: "alice", email: "a@x.example", name: "A" } }),
      seededProfile("b", { claims: { email: "b@x.example", name: "B" } }),
      seededProfile("c", { claims: { name: "Carol" } }),
      seededProfile("d"),
    );
    const rows = JSON.parse((await run(["-p", "a", "status", "--json"])).stdout) as { name: string; account: string; sub: string }[];
    expect(rows.map((x) => [x.name, x.account, x.sub])).toEqual([
      ["a", "alice", "u1"],
      ["b", "b@x.example", "u1"],
      ["c", "Carol", "u1"],
      ["d", "u1", "u1"],
    ]);
  });

  it("shows a provider's control characters escaped in the text listing: no screen clear, no forged line, no clipboard write", async () => {
    const evil = "alice\x1b[2J\r\n* admin (current)\x1b]52;c;ZXZpbA==\x07\u202e";
    const { run } = seeded(seededProfile("a", { claims: { preferred_username: evil } }));
    const r = await run(["-p", "a", "status"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that there is none
    expect(r.stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]/);
    expect(r.stdout).toContain("alice\\x1b[2J\\x0d\\x0a* admin (current)");
    expect(r.stdout.split("\n").filter((l) => l.startsWith("* admin"))).toEqual([]);
  });

  it("lists every profile, the current one marked, in text: issuer, account (sub), scopes, expiry, refresh, storage", async () => {
    const { run, store } = seeded(
      seededProfile("home", { claims: { email: "me@home.example" } }),
      seededProfile("work", { tokens: false }),
    );
    store.setCurrentProfile("home");
    const r = await run(["status"]);
    expectOk(r);
    expect(r.stdout).toContain("* home (current)\n");
    expect(r.stdout).toContain(`    issuer   ${ISSUER}\n`);
    expect(r.stdout).toContain("    account  me@home.example (u1)\n");
    expect(r.stdout).toContain("    scopes   openid email\n");
    expect(r.stdout).toMatch(/ {4}expires {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(valid for (59|60)m\)\n/);
    expect(r.stdout).toContain("    refresh  refreshable\n");
    expect(r.stdout).toContain(`    storage  file ${store.profilePath("home")}\n`);
    expect(r.stdout).toMatch(
      /^ {2}work\n {4}issuer {3}https:\/\/op\.example\n {4}client {3}client-of-work\n {4}account {2}not logged in\n/m,
    );
  });

  it("-p chooses the profile: current follows it, and the exit code is that profile's", async () => {
    const { run } = seeded(seededProfile("default"), seededProfile("work", { tokens: false }));
    const r = await run(["-p", "work", "status", "--json"]);
    expectFailure({ ...r, stdout: "" }, 5, /^oidc: profile work is not logged in$/, { hint: /oidc -p work login/ });
    expect(JSON.parse(r.stdout).map((x: { name: string; current: boolean }) => [x.name, x.current])).toEqual([
      ["default", false],
      ["work", true],
    ]);
    expectOk(await run(["status"]));
  });

  it("exits 5 when the chosen profile is not logged in, still printing the list on stdout", async () => {
    const { run } = seeded(seededProfile("default", { tokens: false }), seededProfile("other"));
    const r = await run(["status"]);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain("other");
    expect(r.stderr).toMatch(/^oidc: profile default is not logged in$/m);
  });

  it("an expired token without a refresh token is not logged in (exit 5, log in again); with one it is (exit 0)", async () => {
    const stale = seeded(seededProfile("default", { expiresIn: -60, refresh: false }));
    const r = await stale.run(["status", "--json"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^oidc: the access token of profile default has expired and there is no refresh token$/m);
    expect(JSON.parse(r.stdout)[0]).toMatchObject({ logged_in: false, refreshable: false, expires_in: expect.any(Number) });
    expect(JSON.parse(r.stdout)[0].expires_in).toBeLessThan(0);
    const text = await stale.run(["status"]);
    expect(text.stdout).toMatch(/expires {2}\S+ \(expired 60s ago\)/);
    expect(text.stdout).toContain("    refresh  not refreshable\n");

    const refreshable = seeded(seededProfile("default", { expiresIn: -60 }));
    const ok = await refreshable.run(["status", "--json"]);
    expectOk(ok);
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ logged_in: true, refreshable: true });
  });

  it("in an empty store: [] and exit 5 with the setup steps", async () => {
    const r = await session()(["status", "--json"]);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.stderr).toMatch(/^oidc: profile default is not logged in\nhint: set up the profile first: oidc discover/m);
  });

  it("-p naming a profile that does not exist says so, listing the profiles (exit 5)", async () => {
    const { run } = seeded(seededProfile("default"));
    const r = await run(["-p", "typo", "status"]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^oidc: no profile named typo\nhint: profiles: default;/m);
  });

  it("a corrupt profile is listed with its error and hides no other; the chosen one fine: exit 0", async () => {
    const { run } = seeded(seededProfile("default"));
    const path = writeRawProfile(run.configDir, "broken", "{ not json");
    const r = await run(["status", "--json"]);
    expectOk(r);
    const rows = JSON.parse(r.stdout);
    expect(rows.map((x: { name: string }) => x.name)).toEqual(["broken", "default"]);
    expect(rows[0]).toMatchObject({ name: "broken", logged_in: false, account: null, error: expect.stringContaining(path) });
    expect(rows[1]).toMatchObject({ name: "default", logged_in: true });
    expect((await run(["status"])).stdout).toMatch(/^ {2}broken\n {4}unreadable: store file .* is unreadable: not valid JSON$/m);
    expect(readFileSync(path, "utf8")).toBe("{ not json");
  });

  it("a corrupt chosen profile: the list, then the store's error (exit 1)", async () => {
    const { run } = seeded(seededProfile("default"));
    writeRawProfile(run.configDir, "broken", "[]");
    const r = await run(["-p", "broken", "status"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("default");
    expect(r.stderr).toMatch(/^oidc: store file .*broken\.json is unreadable: not a JSON object$/m);
  });

  it("prints no secret", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["status", "--json"]);
    const t = readProfile(run.configDir)?.tokens;
    for (const s of [t?.access_token, t?.refresh_token, t?.id_token]) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it("loads no HTTP client, jose, prompts, spinner or browser opener: its static imports reach only node: modules", () => {
    const src = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
    const seen = new Set<string>();
    const packages = new Set<string>();
    const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']/g;
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
        const [, typeOnly, spec] = m as unknown as [string, string | undefined, string];
        if (typeOnly) continue;
        if (spec.startsWith(".")) walk(join(dirname(file), spec.replace(/\.js$/, ".ts")));
        else packages.add(spec);
      }
    };
    walk(join(src, "commands/status.ts"));
    expect([...packages].filter((p) => !p.startsWith("node:"))).toEqual([]);
    expect([...seen].some((f) => f.includes("/oidc/"))).toBe(false);
  });
});
