// `oidc doctor [url]` in-process: a clean provider (the conformance OP) passes with exit 0; a
// provider that breaks a rule (a conformance case, or the hostile provider's bad documents) gets
// fail lines and exit 4. One `status  check: detail` line per check on stdout, a summary on
// stderr, or `[{check, status, detail}]` with --json. It never changes a profile.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, startConformanceOp } from "../providers/conformance-op.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, html, json, startHostile } from "../providers/hostile.js";
import { expectOk, readProfile, storeOf } from "./support.js";

let op: ConformanceOp;
let hp: HostileProvider;
beforeAll(async () => {
  [op, hp] = await Promise.all([startConformanceOp(), startHostile()]);
});
afterEach(() => {
  op.setCase("default");
  hp.reset();
});
afterAll(() => Promise.all([op.stop(), hp.stop()]));

interface Line {
  check: string;
  status: "pass" | "warn" | "fail";
  detail: string;
}
const byCheck = (stdout: string) => new Map((JSON.parse(stdout) as Line[]).map((l) => [l.check, l]));

/** The exit-4 outcome of a failed check: the lines on stdout, the summary and one `oidc:` line naming the failed checks. */
function expectDoctorFailure(r: { code: number; stdout: string; stderr: string }, failed: RegExp): void {
  expect(r.code, r.stderr).toBe(4);
  expect(r.stdout).not.toBe("");
  const errors = r.stderr.split("\n").filter((l) => l.startsWith("oidc: "));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^oidc: doctor: \d+ check\(s\) failed: /);
  expect(errors[0]).toMatch(failed);
  expect(r.stderr).toMatch(/^hint: each failed line above says which rule the provider breaks$/m);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe("oidc doctor against the conformance OP", () => {
  it("exits 0 with one `status  check: detail` line per check, pass lines for the rules it keeps", async () => {
    const r = await session()(["doctor", op.issuer]);
    expectOk(r);
    const lines = r.stdout.trim().split("\n");
    for (const l of lines) expect(l).toMatch(/^(pass|warn|fail) {2}\S+: /);
    for (const check of [
      "discovery",
      "issuer",
      "pkce",
      "authorization_response.iss",
      "jwks",
      "id_token.signing",
      "grant_types.refresh_token",
    ])
      expect(lines, check).toContainEqual(expect.stringMatching(new RegExp(`^pass {2}${check.replace(".", "\\.")}: `)));
    expect(lines.filter((l) => l.startsWith("fail"))).toEqual([]);
    expect(r.stderr).toMatch(/^\d+ pass, \d+ warn, 0 fail \(standard OpenID Connect\)$/m);
  });

  it("--json prints [{check, status, detail}] and only the summary on stderr", async () => {
    const r = await session()(["doctor", op.issuer, "--json"]);
    expectOk(r);
    const lines = JSON.parse(r.stdout) as Line[];
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(["check", "detail", "status"]);
    const checks = byCheck(r.stdout);
    expect(checks.get("jwks")).toMatchObject({ status: "pass", detail: expect.stringContaining("4 usable key(s)") });
    expect(checks.get("https")).toMatchObject({ status: "warn" });
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("changes no profile: nothing is saved, and an existing profile is left as it was", async () => {
    const run = session();
    expectOk(await run(["doctor", op.issuer]));
    expect(storeOf(run.configDir).listProfiles()).toEqual([]);
    expectOk(await run(["discover", op.issuer]));
    const before = readProfile(run.configDir);
    expectOk(await run(["doctor", op.issuer]));
    expect(readProfile(run.configDir)).toEqual(before);
  });

  it("checks the profile's provider when no URL is given", async () => {
    const run = session();
    expectOk(await run(["discover", op.issuer]));
    const r = await run(["doctor", "--json"]);
    expectOk(r);
    expect(byCheck(r.stdout).get("discovery")?.detail).toContain(`${op.issuer}${DISCOVERY_PATH}`);
  });

  it("a jwks_uri answering 404 fails the jwks check: exit 4", async () => {
    op.setCase("jwks-404");
    const r = await session()(["doctor", op.issuer, "--json"]);
    expectDoctorFailure(r, /jwks/);
    expect(byCheck(r.stdout).get("jwks")).toMatchObject({ status: "fail", detail: expect.stringContaining("answers 404") });
  });

  it("a document naming another issuer than its location fails the issuer check: exit 4", async () => {
    op.setCase("discovery-issuer-mismatch");
    const r = await session()(["doctor", op.issuer, "--json"]);
    expectDoctorFailure(r, /issuer/);
    expect(byCheck(r.stdout).get("issuer")).toMatchObject({ status: "fail", detail: expect.stringContaining("oidc refuses it") });
  });

  it("no provider anywhere is a usage error (exit 2) naming --issuer", async () => {
    const r = await session()(["doctor"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^oidc: no provider given$/m);
    expect(r.stderr).toMatch(/^hint: .*--issuer/m);
  });
});

describe("oidc doctor against the hostile provider", () => {
  it("an HTML page where the document should be: the discovery check fails, exit 4", async () => {
    hp.on(DISCOVERY_PATH, html(200));
    const r = await session()(["doctor", hp.url, "--json"]);
    expectDoctorFailure(r, /discovery/);
    expect(byCheck(r.stdout).get("discovery")).toMatchObject({ status: "fail", detail: expect.stringMatching(/HTML page/) });
  });

  it("a document without PKCE S256: the pkce check fails, exit 4", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) =>
      json(200, { ...goodDiscovery(ctx.url), code_challenge_methods_supported: ["plain"] })(req, res, ctx),
    );
    const r = await session()(["doctor", hp.url]);
    expectDoctorFailure(r, /pkce/);
    expect(r.stdout).toMatch(/^fail {2}pkce: /m);
  });

  it("an empty JWKS: the jwks check fails, exit 4", async () => {
    const r = await session()(["doctor", hp.url, "--json"]);
    expectDoctorFailure(r, /jwks/);
    expect(byCheck(r.stdout).get("jwks")?.status).toBe("fail");
  });
});
