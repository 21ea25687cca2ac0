// `oidc consent <url> --accept|--deny` in-process against a real better-auth 1.7.5
// (@better-auth/oauth-provider, spawned; consent with the signed `oauth_query`), and the headless
// login's consent step: `--consent accept|deny`, and under CI no prompt (exit 2 naming --consent).
import { createHash, randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type BetterAuthProvider, startBetterAuth17 } from "../helpers/providers.js";
import { expectFailure, expectOk, FULL_SCOPE, readProfile } from "./support.js";

let ba: BetterAuthProvider;
let baSession: string;
beforeAll(async () => {
  ba = await startBetterAuth17();
  baSession = await ba.signIn();
});
afterAll(() => ba.stop());

let nextPort = 8780;
/** A session with a client registered at better-auth on its own loopback port, the session token exported. */
async function registered() {
  const run = session({ env: { OIDC_SESSION_TOKEN: baSession } });
  const port = nextPort++;
  expectOk(await run(["--issuer", ba.origin, "register", "--name", "consent-app", "--port", String(port)]));
  return { run, redirectUri: `http://127.0.0.1:${port}/callback` };
}

/** Start an authorization with the session as Bearer, as a browser would; returns the consent page URL and the state sent. */
async function consentPage(configDir: string) {
  const p = readProfile(configDir);
  const state = randomBytes(12).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(p?.metadata?.authorization_endpoint as string);
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: p?.client?.client_id as string,
    redirect_uri: p?.client?.redirect_uris?.[0] as string,
    scope: FULL_SCOPE,
    state,
    nonce: "n-123",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    prompt: "consent",
  }))
    url.searchParams.set(k, v);
  // undici's request, not fetch: fetch's Sec-Fetch-Mode makes better-auth answer JSON instead of the redirect.
  const res = await request(url, { headers: { authorization: `Bearer ${baSession}` } });
  await res.body.dump();
  expect(res.statusCode).toBe(302);
  return { page: new URL(res.headers.location as string, url).toString(), state };
}

describe("oidc consent", () => {
  it("--accept answers the consent page: --json prints {redirect_uri} with a code and the state sent", async () => {
    const { run, redirectUri } = await registered();
    const { page, state } = await consentPage(run.configDir);
    const r = await run(["consent", page, "--accept", "--json"]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(["redirect_uri"]);
    const next = new URL(out.redirect_uri);
    expect(`${next.origin}${next.pathname}`).toBe(redirectUri);
    expect(next.searchParams.get("code")).toBeTruthy();
    expect(next.searchParams.get("state")).toBe(state);
    expect(r.stderr).not.toContain(baSession);
  });

  it("--deny prints the redirect URI, carrying access_denied, as one line on stdout", async () => {
    const { run } = await registered();
    const { page, state } = await consentPage(run.configDir);
    const r = await run(["consent", page, "--deny"]);
    expectOk(r);
    expect(r.stdout.endsWith("\n")).toBe(true);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const next = new URL(r.stdout.trim());
    expect(next.searchParams.get("error")).toBe("access_denied");
    expect(next.searchParams.get("state")).toBe(state);
  });

  it("a consent request whose signed query was altered is refused by the provider (exit 4)", async () => {
    const { run } = await registered();
    const { page } = await consentPage(run.configDir);
    const altered = new URL(page);
    altered.searchParams.set("scope", "openid email profile offline_access admin");
    const r = await run(["consent", altered.toString(), "--accept"]);
    expectFailure(r, 4, /^oidc: consent failed: /);
  });

  it.each([
    ["neither --accept nor --deny", [] as string[]],
    ["both --accept and --deny", ["--accept", "--deny"]],
  ])("%s is a usage error (exit 2)", async (_what, flags) => {
    const { run } = await registered();
    const { page } = await consentPage(run.configDir);
    expectFailure(await run(["consent", page, ...flags]), 2, /^oidc: say --accept or --deny \(one of them\)$/);
  });

  it("without a session is a usage error (exit 2) naming --session-token and OIDC_SESSION_TOKEN", async () => {
    const { run } = await registered();
    const { page } = await consentPage(run.configDir);
    const r = await run(["consent", page, "--accept"], { env: { OIDC_SESSION_TOKEN: undefined } });
    expectFailure(r, 2, /^oidc: answering consent needs a session$/, { hint: /--session-token or set OIDC_SESSION_TOKEN/ });
  });

  it("something that is not a URL is a usage error (exit 2), said before anything else", async () => {
    const r = await session()(["consent", "not a url", "--accept"]);
    expectFailure(r, 2, /^oidc: "not a url" is not a URL$/);
  });

  it("a URL that is not a consent page is a usage error (exit 2)", async () => {
    const r = await session()(["consent", `${ba.origin}/consent?foo=bar`, "--accept"], { env: { OIDC_SESSION_TOKEN: baSession } });
    expectFailure(r, 2, /^oidc: the URL is not a consent page URL/);
  });
});

describe("oidc login --session-token: the consent step", () => {
  it("under CI, a consent prompt that would be needed fails at once (exit 2) naming --consent, and saves no tokens", async () => {
    const { run } = await registered();
    const t0 = performance.now();
    const r = await run(["login", "--scope", FULL_SCOPE, "--prompt", "consent"]);
    expectFailure(r, 2, /^oidc: the provider asks for consent$/, { hint: /--consent accept or --consent deny/ });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("--consent accept logs in headless and saves the tokens", async () => {
    const { run } = await registered();
    const r = await run(["login", "--scope", FULL_SCOPE, "--consent", "accept", "--json"]);
    expectOk(r);
    expect(r.stderr).toContain("Consent accepted");
    expect(JSON.parse(r.stdout)).toMatchObject({ profile: "default", issuer: ba.issuer, has_refresh_token: true });
    expect(readProfile(run.configDir)?.tokens?.sub).toBeTruthy();
  });

  it("--consent deny exits 4 quoting access_denied, and saves no tokens", async () => {
    const { run } = await registered();
    const r = await run(["login", "--scope", FULL_SCOPE, "--consent", "deny"]);
    expectFailure(r, 4, /access_denied/, { only: false });
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });
});
