// Unit tests of the protocol pieces: no network, no files.
import { SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { ExitCode, OidcError } from "../../src/errors.js";
import { buildAuthorizationRequest, isRedirectTo, parseAuthorizationResponse, pkceChallenge } from "../../src/oidc/authorize.js";
import { DIALECTS, detectDialect } from "../../src/oidc/dialects.js";
import { checkTransport, discoveryCandidates, validateDiscovery } from "../../src/oidc/discovery.js";
import { accessTokenHash, verifyIdToken } from "../../src/oidc/idtoken.js";
import { authMethodOf, clientAuthentication, parseTokenResponse } from "../../src/oidc/token.js";
import { formatToken } from "../../src/output.js";
import { tokenFresh } from "../../src/profile.js";
import { redact, registerSecret } from "../../src/redact.js";
import { splitCommand } from "../../src/browser.js";

const failure = (fn: () => unknown): OidcError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError");
};
const asyncFailure = async (p: Promise<unknown>): Promise<OidcError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError");
};

const metadata = {
  issuer: "https://op.example",
  authorization_endpoint: "https://op.example/authorize",
  token_endpoint: "https://op.example/token",
};

describe("PKCE and the authorization request", () => {
  test("the S256 challenge is the RFC 7636 appendix B value", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  test("the authorization URL carries S256 PKCE, state and nonce, and a fresh verifier each time", () => {
    const a = buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: "http://127.0.0.1:8765/callback", scope: "openid" });
    const b = buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: "http://127.0.0.1:8765/callback", scope: "openid" });
    const q = new URL(a.url).searchParams;
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toBe(pkceChallenge(a.codeVerifier));
    expect(q.get("state")).toBe(a.state);
    expect(q.get("nonce")).toBe(a.nonce);
    expect(q.get("response_type")).toBe("code");
    expect(a.codeVerifier.length).toBeGreaterThanOrEqual(43);
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(a.state).not.toBe(b.state);
  });
});

describe("the redirect target", () => {
  test("isRedirectTo matches scheme, host, port and path exactly", () => {
    const r = "http://127.0.0.1:8765/callback";
    expect(isRedirectTo("http://127.0.0.1:8765/callback?code=x&state=y", r)).toBe(true);
    expect(isRedirectTo("http://127.0.0.1:8765/callback.evil?code=x", r)).toBe(false);
    expect(isRedirectTo("http://127.0.0.1:9999/callback?code=x", r)).toBe(false);
    expect(isRedirectTo("http://evil.example/callback?code=x", r)).toBe(false);
    expect(isRedirectTo("not a url", r)).toBe(false);
  });
});

describe("the authorization response", () => {
  const expected = { state: "s1", issuer: "https://op.example", issRequired: false };
  test("returns the code when state matches", () => {
    expect(parseAuthorizationResponse("http://127.0.0.1/callback?code=abc&state=s1", expected).code).toBe("abc");
  });
  test("refuses a response whose state differs (exit 6, check state)", () => {
    const e = failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?code=abc&state=evil", expected));
    expect(e.exitCode).toBe(ExitCode.validation);
    expect(e.check).toBe("state");
  });
  test("refuses a response without state", () => {
    expect(failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?code=abc", expected)).check).toBe("state");
  });
  test("an error response quotes the provider's error and exits 4", () => {
    const e = failure(() =>
      parseAuthorizationResponse("http://127.0.0.1/callback?error=access_denied&error_description=User%20denied&state=s1", expected),
    );
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toContain('access_denied ("User denied")');
  });
  test("an error without state is refused, except from better-auth 1.6, which never sends state on errors", () => {
    expect(failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?error=invalid_request", expected)).check).toBe("state");
    const ba16 = { ...expected, dialect: DIALECTS["better-auth-1.6"] };
    expect(failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?error=invalid_request", ba16)).exitCode).toBe(4);
  });
  test("RFC 9207: a wrong iss is refused, a missing one is refused when advertised", () => {
    expect(failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?code=a&state=s1&iss=https://evil", expected)).check).toBe(
      "iss",
    );
    expect(
      failure(() => parseAuthorizationResponse("http://127.0.0.1/callback?code=a&state=s1", { ...expected, issRequired: true })).check,
    ).toBe("iss");
    expect(
      parseAuthorizationResponse("http://127.0.0.1/callback?code=a&state=s1&iss=https%3A%2F%2Fop.example", {
        ...expected,
        issRequired: true,
      }).code,
    ).toBe("a");
  });
});

describe("discovery", () => {
  test("an app's base URL is tried at the issuer and then under better-auth's /api/auth", () => {
    expect(discoveryCandidates("http://localhost:3000").urls).toEqual([
      "http://localhost:3000/.well-known/openid-configuration",
      "http://localhost:3000/api/auth/.well-known/openid-configuration",
    ]);
    expect(discoveryCandidates("https://op.example/tenant/.well-known/openid-configuration")).toEqual({
      expectedIssuer: "https://op.example/tenant",
      urls: ["https://op.example/tenant/.well-known/openid-configuration"],
    });
  });
  const ba16 = {
    issuer: "http://localhost:3000",
    authorization_endpoint: "http://localhost:3000/api/auth/oauth2/authorize",
    token_endpoint: "http://localhost:3000/api/auth/oauth2/token",
    userinfo_endpoint: "http://localhost:3000/api/auth/oauth2/userinfo",
    end_session_endpoint: "http://localhost:3000/api/auth/oauth2/endsession",
  };
  test("better-auth 1.6 is recognised, and its bare-origin issuer is accepted as a named deviation", () => {
    expect(detectDialect(ba16).id).toBe("better-auth-1.6");
    const d = validateDiscovery(ba16, {
      expectedIssuer: "http://localhost:3000/api/auth",
      discoveryUrl: "http://localhost:3000/api/auth/.well-known/openid-configuration",
      allowInsecureHttp: false,
    });
    expect(d.metadata.issuer).toBe("http://localhost:3000");
  });
  test("a standard provider whose document names another issuer is refused (exit 6, discovery.issuer)", () => {
    const e = failure(() =>
      validateDiscovery(
        { ...metadata, issuer: "https://evil.example" },
        {
          expectedIssuer: "https://op.example",
          discoveryUrl: "https://op.example/.well-known/openid-configuration",
          allowInsecureHttp: false,
        },
      ),
    );
    expect(e.exitCode).toBe(6);
    expect(e.check).toBe("discovery.issuer");
  });
  test("a document without token_endpoint is a provider failure (exit 4)", () => {
    const { token_endpoint: _t, ...doc } = metadata;
    expect(
      failure(() =>
        validateDiscovery(doc, {
          expectedIssuer: "https://op.example",
          discoveryUrl: "https://op.example/.well-known/openid-configuration",
          allowInsecureHttp: false,
        }),
      ).exitCode,
    ).toBe(4);
  });
  test("plain http is accepted on loopback only, unless allowed", () => {
    expect(checkTransport("http://127.0.0.1:3000", "issuer", false).port).toBe("3000");
    expect(checkTransport("http://localhost:3000", "issuer", false).hostname).toBe("localhost");
    expect(failure(() => checkTransport("http://op.example", "issuer", false)).exitCode).toBe(2);
    expect(checkTransport("http://op.example", "issuer", true).hostname).toBe("op.example");
  });
});

describe("ID token checks", () => {
  const secret = "a-client-secret-of-some-length";
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>, key = secret) =>
    new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(key));
  const base = { iss: metadata.issuer, aud: "c1", sub: "u1", iat: now, exp: now + 600, nonce: "n1" };
  const hsMetadata = { ...metadata, id_token_signing_alg_values_supported: ["HS256"] };
  const ctx = { metadata: hsMetadata, dialect: DIALECTS.standard, clientId: "c1", clientSecret: secret, nonce: "n1" };

  test("a good HS256 token verifies with the client secret", async () => {
    expect((await verifyIdToken(await sign(base), ctx)).sub).toBe("u1");
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
    const e = await asyncFailure(verifyIdToken(await sign(claims as Record<string, unknown>, key), ctx));
    expect(e.exitCode).toBe(6);
    expect(e.check).toBe(check);
  });
  test("a token without iss is refused for a standard provider, accepted with a warning for better-auth 1.6", async () => {
    const { iss: _i, ...noIss } = base;
    const token = await sign(noIss);
    expect((await asyncFailure(verifyIdToken(token, ctx))).check).toBe("id_token.iss");
    expect((await verifyIdToken(token, { ...ctx, dialect: DIALECTS["better-auth-1.6"] })).sub).toBe("u1");
  });
  test("an HS256 token is refused when the provider signs only with RS256 (the client secret cannot mint ID tokens)", async () => {
    const token = await sign(base);
    const e = await asyncFailure(
      verifyIdToken(token, { ...ctx, metadata: { ...metadata, id_token_signing_alg_values_supported: ["RS256"] } }),
    );
    expect(e.check).toBe("id_token.alg");
    expect((await asyncFailure(verifyIdToken(token, { ...ctx, metadata }))).check).toBe("id_token.alg");
  });
  test("alg none is refused", async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const token = `${enc({ alg: "none" })}.${enc(base)}.`;
    expect((await asyncFailure(verifyIdToken(token, ctx))).check).toBe("id_token.alg");
  });
  test("at_hash is checked against the access token", async () => {
    const good = await sign({ ...base, at_hash: accessTokenHash("the-access-token", "HS256") });
    expect((await verifyIdToken(good, { ...ctx, accessToken: "the-access-token" })).sub).toBe("u1");
    expect((await asyncFailure(verifyIdToken(good, { ...ctx, accessToken: "another-token" }))).check).toBe("id_token.at_hash");
  });
});

describe("token responses and client authentication", () => {
  const res = (status: number, body: string, type = "application/json") => ({
    status,
    headers: { "content-type": type },
    text: body,
    url: "x",
  });
  test("accepts token_type in any case and no expires_in or scope", () => {
    const t = parseTokenResponse(res(200, '{"access_token":"at-123456","token_type":"bearer"}'), "code exchange");
    expect(t.token_type).toBe("bearer");
    expect(t.expires_in).toBeUndefined();
  });
  test("refuses 200 without token_type, and 200 with text (exit 4)", () => {
    expect(failure(() => parseTokenResponse(res(200, '{"access_token":"x"}'), "t")).exitCode).toBe(4);
    expect(failure(() => parseTokenResponse(res(200, "hello", "text/plain"), "t")).message).toContain("text/plain");
  });
  test("quotes the provider's OAuth error", () => {
    const e = failure(() =>
      parseTokenResponse(res(400, '{"error":"invalid_grant","error_description":"grant request is invalid"}'), "token refresh"),
    );
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain('invalid_grant ("grant request is invalid")');
  });
  test("client_secret_basic form-encodes id and secret; public clients send client_id", () => {
    const basic = clientAuthentication({ client_id: "a b", client_secret: "p:w" });
    expect(Buffer.from((basic.headers.authorization as string).slice(6), "base64").toString()).toBe("a+b:p%3Aw");
    expect(clientAuthentication({ client_id: "pub" })).toEqual({ headers: {}, form: { client_id: "pub" } });
    expect(authMethodOf({ client_id: "c", client_secret: "s", token_endpoint_auth_method: "client_secret_post" })).toBe(
      "client_secret_post",
    );
  });
});

describe("output and hygiene", () => {
  const tokens = { access_token: "AT", token_type: "bearer", expires_at: 2_000_000_000, obtained_at: 0, id_token: "IDT" };
  test("token output formats", () => {
    expect(formatToken(tokens, "token")).toBe("AT\n");
    expect(formatToken(tokens, "header")).toBe("Authorization: Bearer AT\n");
    expect(formatToken(tokens, "env")).toContain("export OIDC_ACCESS_TOKEN='AT'");
    expect(JSON.parse(formatToken(tokens, "json"))).toMatchObject({ access_token: "AT", token_type: "bearer", expires_at: 2_000_000_000 });
    expect(formatToken(tokens, "token", true)).toBe("IDT\n");
  });
  test("a token is fresh only with more than min-valid seconds left", () => {
    const now = 1000;
    expect(tokenFresh({ ...tokens, expires_at: 1100 }, 60, now)).toBe(true);
    expect(tokenFresh({ ...tokens, expires_at: 1050 }, 60, now)).toBe(false);
    expect(tokenFresh({ ...tokens, expires_at: undefined }, 60, now)).toBe(true);
  });
  test("redact hides registered secrets, Authorization headers and secret parameters", () => {
    registerSecret("super-secret-value");
    const text = redact('authorization: Basic abcdefgh\ncode=xyz123&state=s client_secret=super-secret-value {"refresh_token":"r1"}');
    expect(text).not.toContain("super-secret-value");
    expect(text).not.toContain("abcdefgh");
    expect(text).not.toContain("xyz123");
    expect(text).not.toContain("r1");
    expect(text).toContain("state=s");
  });
  test("browser commands split like a shell line", () => {
    expect(splitCommand(`node "/path with space/b.mjs" %s`)).toEqual(["node", "/path with space/b.mjs", "%s"]);
  });
});
