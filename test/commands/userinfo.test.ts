// `oidc userinfo` in-process against the conformance OP: the claims as JSON, one claim raw, the
// `sub` check against the ID token's, and the refresh-and-retry after a 401.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, PUBLIC_CLIENT, SUB, startConformanceOp } from "../providers/conformance-op.js";
import { editProfile, expectFailure, expectOk, loggedInSession, readProfile, storeOf } from "./support.js";

let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterEach(() => op.setCase("default"));
afterAll(() => op.stop());

const userinfoCalls = () => op.requests.filter((r) => r === "GET /userinfo").length;

describe("oidc userinfo", () => {
  it("prints the provider's claims as JSON on stdout, and nothing on stderr", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["userinfo"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ sub: SUB, email: `${SUB}@example.test`, name: "Alice" });
    expect(r.stderr).toBe("");
  });

  it("--claim prints one claim's raw value and a newline", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["userinfo", "--claim", "email"]);
    expectOk(r);
    expect(r.stdout).toBe(`${SUB}@example.test\n`);
  });

  it("--claim of a claim the response does not have exits 1, listing the claims it has", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["userinfo", "--claim", "phone_number"]);
    expectFailure(r, 1, /^oidc: userinfo has no claim "phone_number"$/, { hint: /^hint: it has: sub, email, name$/ });
  });

  it("--claim of an inherited property name (constructor) is 'no claim', not a crash", async () => {
    const run = await loggedInSession(op.issuer);
    expectFailure(await run(["userinfo", "--claim", "constructor"]), 1, /^oidc: userinfo has no claim "constructor"$/);
  });

  it("a userinfo sub that is not the ID token's exits 6 naming userinfo.sub, and prints no claims", async () => {
    const run = await loggedInSession(op.issuer);
    op.setCase("userinfo-sub-mismatch");
    const r = await run(["userinfo", "--claim", "email"]);
    expectFailure(r, 6, /^oidc: userinfo\.sub check failed: the userinfo sub differs from the ID token's/);
  });

  it("after a 401 it refreshes once and retries with the new token", async () => {
    const run = await loggedInSession(op.issuer);
    editProfile(run.configDir, (p) => ({ ...p, tokens: p.tokens && { ...p.tokens, access_token: "revoked-at-0123456789" } }));
    const calls = userinfoCalls();
    const r = await run(["userinfo", "--claim", "sub"]);
    expectOk(r);
    expect(r.stdout).toBe(`${SUB}\n`);
    expect(userinfoCalls() - calls).toBe(2);
    expect(readProfile(run.configDir)?.tokens?.access_token).not.toBe("revoked-at-0123456789");
  });

  it("a 401 with no refresh token to retry with exits 4 quoting invalid_token", async () => {
    const run = await loggedInSession(op.issuer, { scope: "openid profile" });
    editProfile(run.configDir, (p) => ({ ...p, tokens: p.tokens && { ...p.tokens, access_token: "revoked-at-0123456789" } }));
    const r = await run(["userinfo"]);
    expectFailure(r, 4, /^oidc: userinfo failed: the provider answered 401.*invalid_token/);
  });

  it("without tokens exits 5 and calls nothing", async () => {
    const calls = userinfoCalls();
    const r = await session()(["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "userinfo"]);
    expectFailure(r, 5, /^oidc: profile default has no tokens$/, { hint: /oidc login/ });
    expect(userinfoCalls()).toBe(calls);
  });

  it("with another client's id exits 5 and calls nothing", async () => {
    const run = await loggedInSession(op.issuer);
    const calls = userinfoCalls();
    const r = await run(["userinfo", "--client-id", "client-b"]);
    expectFailure(r, 5, new RegExp(`holds tokens of client ${PUBLIC_CLIENT}, not client-b`));
    expect(userinfoCalls()).toBe(calls);
  });

  it("a provider that advertises no userinfo endpoint exits 4 saying so", async () => {
    const run = await loggedInSession(op.issuer);
    editProfile(run.configDir, (p) => {
      const { userinfo_endpoint: _gone, ...metadata } = p.metadata ?? ({} as NonNullable<typeof p.metadata>);
      return { ...p, metadata };
    });
    expectFailure(await run(["userinfo"]), 4, /^oidc: the provider advertises no userinfo_endpoint$/);
  });

  it("--claim with --json prints the claim's JSON value (a string quoted)", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["userinfo", "--claim", "email", "--json"]);
    expectOk(r);
    expect(r.stdout).toBe(`"${SUB}@example.test"\n`);
    expect(JSON.parse(r.stdout)).toBe(`${SUB}@example.test`);
  });

  it("-p naming a profile that does not exist says so, listing the profiles (exit 5), and calls nothing", async () => {
    const run = await loggedInSession(op.issuer);
    const calls = userinfoCalls();
    const r = await run(["-p", "typo", "userinfo"]);
    expectFailure(r, 5, /^oidc: no profile named typo$/, { hint: /^hint: profiles: default; a new one is made by `oidc -p typo discover/ });
    expect(userinfoCalls()).toBe(calls);
  });

  it("a hint for a profile with no provider keeps the profile (oidc -p NAME discover)", async () => {
    const run = await loggedInSession(op.issuer);
    const store = storeOf(run.configDir);
    store.writeProfile({ name: "empty" });
    const r = await run(["-p", "empty", "userinfo"]);
    expectFailure(r, 2, /^oidc: profile empty has no provider$/, { hint: /`oidc -p empty discover <url>`/ });
  });
});
