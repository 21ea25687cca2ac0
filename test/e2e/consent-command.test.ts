// `oidc consent <page URL> --accept|--deny` answers a better-auth consent page with the session and
// prints where the provider redirects (a code and the state sent, or access_denied), on both
// better-auth versions; and whether registering without a session is open (1.6) or refused (1.7).
import { createHash, randomBytes } from "node:crypto";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { type BetterAuthProvider, registeredClient, startBetterAuth16, startBetterAuth17 } from "../helpers/providers.js";
import { readProfile } from "../helpers/store.js";

const SCOPE = "openid email profile offline_access";

/** Start an authorization with the session as Bearer; returns the consent page URL and the state sent. */
async function consentPageUrl(dir: string, session: string) {
  const p = readProfile(dir);
  const state = randomBytes(12).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(p.metadata.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: p.client.client_id,
    redirect_uri: p.client.redirect_uris[0],
    scope: SCOPE,
    state,
    nonce: "n-123",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }))
    url.searchParams.set(k, v);
  const res = await request(url, { headers: { authorization: `Bearer ${session}` } });
  await res.body.dump();
  expect(res.statusCode).toBe(302);
  return { page: new URL(res.headers.location as string, url).toString(), state };
}

describe.each([
  { version: "1.6", start: () => startBetterAuth16({ requirePKCE: true }) },
  { version: "1.7", start: () => startBetterAuth17() },
])("oidc consent against better-auth $version", ({ version, start }) => {
  let op: BetterAuthProvider;
  let session: string;
  beforeAll(async () => {
    op = await start();
    session = await op.signIn();
  });
  afterAll(() => op?.stop());

  /** A fresh store with a client of the session's user; its commands carry the session too. */
  async function registered() {
    const { oidc } = await registeredClient(op.origin, { session, keepSession: true, name: "consent-app", port: 8799 });
    return oidc;
  }

  test("--accept answers the consent page and prints the redirect with a code and the state sent", async () => {
    const oidc = await registered();
    const { page, state } = await consentPageUrl(oidc.configDir, session);
    const res = await oidc(["consent", page, "--accept", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const redirect = new URL(JSON.parse(res.stdout).redirect_uri);
    expect(redirect.origin + redirect.pathname).toBe("http://127.0.0.1:8799/callback");
    expect(redirect.searchParams.get("code")).toBeTruthy();
    expect(redirect.searchParams.get("state")).toBe(state);
  });

  test("--deny prints the redirect carrying access_denied", async () => {
    const oidc = await registered();
    const { page } = await consentPageUrl(oidc.configDir, session);
    const res = await oidc(["consent", page, "--deny"]);
    expect(res.code, res.stderr).toBe(0);
    expect(new URL(res.stdout.trim()).searchParams.get("error")).toBe("access_denied");
  });

  test("registration without a session: open on 1.6, refused on 1.7 with a hint naming --session-token", async () => {
    const res = await cli()(["register", "--issuer", op.origin, "--name", "anon", "--port", "8797"]);
    if (version === "1.6") expect(res.code, res.stderr).toBe(0);
    else {
      expect(res.code).toBe(4);
      expect(res.stderr).toMatch(/^hint: .*--session-token/m);
    }
  });

  test("neither --accept nor --deny is a usage error (exit 2)", async () => {
    const oidc = await registered();
    const res = await oidc(["consent", `${op.origin}/consent?consent_code=x`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--accept or --deny");
  });
});
