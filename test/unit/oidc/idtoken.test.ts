// src/oidc/idtoken.ts: ID token validation (OpenID Connect Core §3.1.3.7), each check named (exit 6
// with the check's name): signature (HS* with the client secret, others by the JWKS fetched through
// ctx.io), alg, iss, aud, azp, exp and iat against ctx.now, sub, nonce, at_hash. better-auth 1.6's
// HS256 tokens without iss are accepted as a deviation handed to ctx.io, and nothing is printed.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, test, vi } from "vitest";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import { accessTokenHash, type IdTokenContext, verifyIdToken } from "../../../src/oidc/idtoken.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcErrorAsync } from "../../helpers/errors.js";

const metadata = {
  issuer: "https://op.example",
  authorization_endpoint: "https://op.example/authorize",
  token_endpoint: "https://op.example/token",
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("ID token checks", () => {
  const secret = "a-client-secret-of-some-length";
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, key = secret) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key));
  const base = { iss: metadata.issuer, aud: "c1", sub: "u1", iat: now, exp: now + 600, nonce: "n1" };
  const hsMetadata = { ...metadata, id_token_signing_alg_values_supported: ["HS256"] };
  /** HS256 needs no JWKS: an io that is asked for anything fails the test. */
  const ctx = (): IdTokenContext => ({
    io: fakeIo(),
    metadata: hsMetadata,
    dialect: DIALECTS.standard,
    clientId: "c1",
    clientSecret: secret,
    nonce: "n1",
    now,
  });

  test("a good HS256 token verifies with the client secret", async () => {
    expect((await verifyIdToken(await sign(base), ctx())).sub).toBe("u1");
  });
  test.each([
    ["id_token.signature", { ...base }, "another-secret-entirely"],
    ["id_token.iss", { ...base, iss: "https://evil.example" }, secret],
    ["id_token.aud", { ...base, aud: "someone-else" }, secret],
    ["id_token.azp", { ...base, aud: ["c1", "c2"] }, secret],
    ["id_token.exp", { ...base, exp: now - 3600 }, secret],
    ["id_token.iat", { ...base, iat: undefined }, secret],
    ["id_token.sub", { ...base, sub: undefined }, secret],
    ["id_token.nonce", { ...base, nonce: "other" }, secret],
  ])("refuses a token that breaks %s", async (check, claims, key) => {
    const e = await oidcErrorAsync(verifyIdToken(await sign(claims as Record<string, unknown>, key), ctx()));
    expect(e.exitCode).toBe(6);
    expect(e.check).toBe(check);
  });
  test("a token without iss is refused for a standard provider, accepted with a warning for better-auth 1.6", async () => {
    const { iss: _i, ...noIss } = base;
    const token = await sign(noIss);
    expect((await oidcErrorAsync(verifyIdToken(token, ctx()))).check).toBe("id_token.iss");
    const c = { ...ctx(), dialect: DIALECTS["better-auth-1.6"] };
    expect((await verifyIdToken(token, c)).sub).toBe("u1");
    // the warning: a named deviation handed to the io's observer
    expect((c.io as ReturnType<typeof fakeIo>).deviations.map((d) => d.id)).toEqual(["id-token-without-iss"]);
  });
  test("the iss deviation goes to the observer, and nothing is printed", async () => {
    const stderr = vi.spyOn(process.stderr, "write");
    const { iss: _i, ...noIss } = base;
    const io = fakeIo();
    await verifyIdToken(await sign(noIss), { ...ctx(), io, dialect: DIALECTS["better-auth-1.6"] });
    expect(io.deviations).toEqual([
      { dialect: "better-auth-1.6", id: "id-token-without-iss", text: expect.stringContaining("no `iss` claim") },
    ]);
    expect(stderr).not.toHaveBeenCalled();
  });
  test("an HS256 token is refused when the provider signs only with RS256 (the client secret cannot mint ID tokens)", async () => {
    const token = await sign(base);
    const e = await oidcErrorAsync(
      verifyIdToken(token, { ...ctx(), metadata: { ...metadata, id_token_signing_alg_values_supported: ["RS256"] } }),
    );
    expect(e.check).toBe("id_token.alg");
    expect((await oidcErrorAsync(verifyIdToken(token, { ...ctx(), metadata }))).check).toBe("id_token.alg");
  });
  test("alg none is refused", async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = `${enc({ alg: "none" })}.${enc(base)}.`;
    expect((await oidcErrorAsync(verifyIdToken(token, ctx()))).check).toBe("id_token.alg");
  });
  test("at_hash is checked against the access token", async () => {
    const good = await sign({ ...base, at_hash: accessTokenHash("the-access-token", "HS256") });
    expect((await verifyIdToken(good, { ...ctx(), accessToken: "the-access-token" })).sub).toBe("u1");
    expect((await oidcErrorAsync(verifyIdToken(good, { ...ctx(), accessToken: "another-token" }))).check).toBe("id_token.at_hash");
  });
  test("exp and iat are judged against ctx.now (with 60 s of skew), not the machine's clock", async () => {
    const token = await sign({ ...base, iat: 1_000_000, exp: 1_000_600 });
    expect((await verifyIdToken(token, { ...ctx(), now: 1_000_100 })).sub).toBe("u1");
    expect((await oidcErrorAsync(verifyIdToken(token, { ...ctx(), now: 1_000_660 }))).check).toBe("id_token.exp");
    expect((await oidcErrorAsync(verifyIdToken(token, { ...ctx(), now: 1_000_000 - 61 }))).check).toBe("id_token.iat");
  });
});

describe("ID tokens signed with the provider's key (JWKS through ctx.io)", () => {
  test("an RS256 token verifies with the key the JWKS at jwks_uri serves", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" };
    const now = 1_700_000_000;
    const token = await new SignJWT({ iss: metadata.issuer, aud: "c1", sub: "u1", iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(privateKey);
    const io = fakeIo(json(200, { keys: [jwk] }));
    const md = { ...metadata, jwks_uri: "https://op.example/jwks" };
    expect((await verifyIdToken(token, { io, metadata: md, dialect: DIALECTS.standard, clientId: "c1", now })).sub).toBe("u1");
    expect(io.requests.map((r) => r.url)).toEqual(["https://op.example/jwks"]);
    // A JWKS that does not answer leaves the signature unverifiable: refused, naming the status.
    const e = await oidcErrorAsync(
      verifyIdToken(token, { io: fakeIo(json(404, {})), metadata: md, dialect: DIALECTS.standard, clientId: "c1", now }),
    );
    expect([e.check, e.message.includes("answered 404")]).toEqual(["id_token.signature", true]);
  });
});
