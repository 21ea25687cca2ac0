// `oidc logout` in-process: against the conformance OP, which has no revocation endpoint, the
// tokens are forgotten (the provider and client stay); against the hostile provider, which
// advertises one, they are revoked first. The JSON says what was done.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, PUBLIC_CLIENT, startConformanceOp } from "../providers/conformance-op.js";
import { type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { editProfile, expectFailure, expectOk, loggedInSession, nowSeconds, readProfile, storeOf } from "./support.js";

let op: ConformanceOp;
let hp: HostileProvider;
beforeAll(async () => {
  [op, hp] = await Promise.all([startConformanceOp(), startHostile()]);
});
afterAll(() => Promise.all([op.stop(), hp.stop()]));

describe("oidc logout", () => {
  it("without a revocation endpoint forgets the tokens, keeps provider and client: --json {profile, revoked: [], forgotten: true}", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ profile: "default", revoked: [], forgotten: true });
    expect(r.stderr).toBe(
      "The provider has no revocation endpoint; the tokens stay valid there until they expire.\nForgot the tokens of profile default.\n",
    );
    const p = readProfile(run.configDir);
    expect(p?.tokens).toBeUndefined();
    expect(p).toMatchObject({ issuer: op.issuer, client: { client_id: PUBLIC_CLIENT } });
  });

  it("without --json prints nothing on stdout", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["logout"]);
    expectOk(r);
    expect(r.stdout).toBe("");
  });

  it("afterwards `oidc token` exits 5: logged out means login required", async () => {
    const run = await loggedInSession(op.issuer);
    expectOk(await run(["logout"]));
    expectFailure(await run(["token"]), 5, /^oidc: profile default has no tokens$/, { hint: /oidc login/ });
  });

  it("a second logout has nothing to do: {forgotten: false}", async () => {
    const run = await loggedInSession(op.issuer);
    expectOk(await run(["logout"]));
    const r = await run(["logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ profile: "default", revoked: [], forgotten: false });
    expect(r.stderr).toBe("Profile default has no tokens; nothing to do.\n");
  });

  it("logs out only the profile -p names", async () => {
    const run = await loggedInSession(op.issuer);
    const store = storeOf(run.configDir);
    const other = readProfile(run.configDir);
    store.writeProfile({ ...(other as NonNullable<typeof other>), name: "other" });
    const r = await run(["-p", "other", "logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout).profile).toBe("other");
    expect(store.readProfile("other")?.tokens).toBeUndefined();
    expect(store.readProfile("default")?.tokens).toBeDefined();
  });

  it("a revocation endpoint that does not revoke gets a warning per token, and the tokens are forgotten anyway", async () => {
    const run = await loggedInSession(op.issuer);
    editProfile(run.configDir, (p) => ({ ...p, metadata: p.metadata && { ...p.metadata, revocation_endpoint: `${op.issuer}/revoke` } }));
    const r = await run(["logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ profile: "default", revoked: [], forgotten: true });
    expect(r.stderr).toMatch(/^warning: .*access token.*forgetting it anyway$/m);
    expect(r.stderr).toMatch(/^warning: .*refresh token.*forgetting it anyway$/m);
    expect(op.requests.filter((q) => q === "POST /revoke")).toHaveLength(2);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("a profile without a provider is a usage error (exit 2) naming --issuer", async () => {
    const r = await session()(["logout"]);
    expectFailure(r, 2, /^oidc: profile default has no provider$/, { hint: /--issuer <url>/ });
  });
});

describe("oidc logout with a revocation endpoint", () => {
  async function seeded() {
    const run = session();
    expectOk(await run(["discover", hp.url]));
    const now = nowSeconds();
    editProfile(run.configDir, (p) => ({
      ...p,
      client: { client_id: "rev-client", client_secret: "rev-secret-0123456789" },
      tokens: {
        access_token: "at-to-revoke-0123",
        token_type: "Bearer",
        expires_at: now + 3600,
        refresh_token: "rt-to-revoke-0123",
        obtained_at: now,
      },
    }));
    hp.reset();
    return run;
  }

  it("revokes the access token first, then the refresh token: {revoked: [access_token, refresh_token], forgotten: true}", async () => {
    const run = await seeded();
    hp.on("/revoke", json(200, {}));
    const r = await run(["logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ profile: "default", revoked: ["access_token", "refresh_token"], forgotten: true });
    const forms = hp.requests.filter((q) => q.path === "/revoke").map((q) => Object.fromEntries(new URLSearchParams(q.body)));
    expect(forms).toEqual([
      { token: "at-to-revoke-0123", token_type_hint: "access_token" },
      { token: "rt-to-revoke-0123", token_type_hint: "refresh_token" },
    ]);
    expect(r.stderr).toContain(`Revoked the access token at ${hp.url}/revoke.`);
    expect(r.stderr).not.toContain("at-to-revoke-0123");
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("a refusal to revoke is a warning, not a failure: the tokens are forgotten and revoked lists only what was revoked", async () => {
    const run = await seeded();
    hp.on("/revoke", (req, res, ctx) => json(ctx.hit === 1 ? 200 : 503, {})(req, res, ctx));
    const r = await run(["logout", "--json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ profile: "default", revoked: ["access_token"], forgotten: true });
    expect(r.stderr).toMatch(/^warning: the provider did not revoke the refresh token \(status 503\); forgetting it anyway$/m);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("-p naming a profile that does not exist says so, listing the profiles (exit 2), not 'has no provider'", async () => {
    const run = await loggedInSession(op.issuer);
    expectFailure(await run(["-p", "typo", "logout"]), 2, /^oidc: no profile named typo$/, { hint: /profiles: default/ });
    expect(
      storeOf(run.configDir)
        .listProfiles()
        .map((p) => p.name),
    ).toEqual(["default"]);
  });
});
