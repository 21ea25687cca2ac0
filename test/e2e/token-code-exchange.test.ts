// A login split in two: `oidc login --no-exchange` stops at the code and prints it with its PKCE
// verifier, redirect URI and nonce; `oidc token --code` exchanges them later and saves the tokens,
// refusing an ID token whose nonce is not the one given (and warning when none is given).
// Against better-auth 1.6 with requirePKCE.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type BetterAuthProvider, registeredClient, startBetterAuth16 } from "../helpers/providers.js";
import { readProfile } from "../helpers/store.js";

const SCOPE = "openid email profile offline_access";

describe("better-auth 1.6: --no-exchange, then oidc token --code", () => {
  let op: BetterAuthProvider;
  beforeAll(async () => {
    op = await startBetterAuth16({ requirePKCE: true });
  });
  afterAll(() => op?.stop());

  test("login --no-exchange prints code, verifier and redirect URI; token --code exchanges and saves them", async () => {
    const session = await op.signIn();
    const { oidc } = await registeredClient(op.origin, { session, keepSession: true, name: "manual", port: 8798 });
    const login = await oidc(["login", "--consent", "accept", "--scope", SCOPE, "--no-exchange"]);
    expect(login.code, login.stderr).toBe(0);
    const out = JSON.parse(login.stdout);
    expect(out).toMatchObject({ redirect_uri: "http://127.0.0.1:8798/callback" });
    expect(out.code_verifier.length).toBeGreaterThanOrEqual(43);
    expect(readProfile(oidc.configDir).tokens).toBeUndefined();

    const token = await oidc([
      "token",
      "--code",
      out.code,
      "--code-verifier",
      out.code_verifier,
      "--redirect-uri",
      out.redirect_uri,
      "--nonce",
      out.nonce,
    ]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stderr).not.toContain("nonce was not checked");
    expect(token.stdout.trim()).toBe(readProfile(oidc.configDir).tokens.access_token);
    expect((await oidc(["userinfo", "--claim", "email"])).stdout).toBe(`${op.email}\n`);
  });

  test("token --code with the wrong --nonce is refused (exit 6, id_token.nonce); without --nonce it warns", async () => {
    const session = await op.signIn();
    const { oidc } = await registeredClient(op.origin, { session, keepSession: true, name: "manual-2", port: 8796 });
    const first = JSON.parse((await oidc(["login", "--consent", "accept", "--scope", SCOPE, "--no-exchange"])).stdout);
    const bad = await oidc(["token", "--code", first.code, "--code-verifier", first.code_verifier, "--nonce", "not-the-nonce"]);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain("id_token.nonce");
    const second = JSON.parse((await oidc(["login", "--scope", SCOPE, "--no-exchange"])).stdout);
    const unchecked = await oidc(["token", "--code", second.code, "--code-verifier", second.code_verifier]);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr).toContain("nonce was not checked");
  });
});
