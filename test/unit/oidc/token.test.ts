// src/oidc/token.ts: the shape checks on a token response (and the provider's OAuth error quoted),
// client authentication (RFC 6749 §2.3.1) and its one retry with client_secret_post where a provider
// does not form-decode Basic credentials, the grants over a scripted HTTP client, the guard of
// client_credentials (a secret to authenticate with; grant_types_supported is advisory), and the
// scopes a response leaves out. The tokens a response carries go to the observer as secrets.
import { describe, expect, it, test } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import type { ProviderMetadata } from "../../../src/oidc/discovery.js";
import {
  authMethodOf,
  clientAuthentication,
  clientCredentialsGrant,
  exchangeAuthorizationCode,
  grantNotAdvertised,
  isInvalidGrant,
  parseTokenResponse,
  refreshTokenGrant,
  scopesNotGranted,
} from "../../../src/oidc/token.js";
import { recordingObserver } from "../../helpers/observer.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcError, oidcErrorAsync } from "../../helpers/errors.js";

const metadata: ProviderMetadata = {
  issuer: "https://op.example",
  authorization_endpoint: "https://op.example/authorize",
  token_endpoint: "https://op.example/token",
};
const provider = (md: ProviderMetadata = metadata) => ({ metadata: md, dialect: DIALECTS.standard });

describe("token responses and client authentication", () => {
  const res = (status: number, body: string, type = "application/json") => ({
    status,
    headers: { "content-type": type },
    text: body,
    url: "x",
  });
  const parse = (r: ReturnType<typeof res>, what: string) => parseTokenResponse(r, what, recordingObserver());

  test("accepts token_type in any case and no expires_in or scope", () => {
    const t = parse(res(200, '{"access_token":"at-123456","token_type":"bearer"}'), "code exchange");
    expect(t.token_type).toBe("bearer");
    expect(t.expires_in).toBeUndefined();
  });
  test("refuses 200 without token_type, and 200 with text (exit 4)", () => {
    expect(oidcError(() => parse(res(200, '{"access_token":"x"}'), "t")).exitCode).toBe(4);
    expect(oidcError(() => parse(res(200, "hello", "text/plain"), "t")).message).toContain("text/plain");
  });
  test("quotes the provider's OAuth error", () => {
    const e = oidcError(() => parse(res(400, '{"error":"invalid_grant","error_description":"grant request is invalid"}'), "token refresh"));
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
  test("the access, refresh and ID tokens go to the observer as secrets", () => {
    const o = recordingObserver();
    parseTokenResponse(
      res(200, JSON.stringify({ access_token: "AT-secret", token_type: "Bearer", refresh_token: "RT-secret", id_token: "IDT-secret" })),
      "code exchange",
      o,
    );
    expect(o.secrets).toEqual(["AT-secret", "RT-secret", "IDT-secret"]);
    // a refused response teaches the observer nothing
    const refused = recordingObserver();
    oidcError(() => parseTokenResponse(res(200, '{"access_token":"AT-2"}'), "t", refused));
    expect(refused.secrets).toEqual([]);
  });
  test("a token with a CR/LF (a header it would smuggle into `curl -H`) or a token_type with other than name characters is refused (exit 4); the token is still redacted", () => {
    const o = recordingObserver();
    const e = oidcError(() =>
      parseTokenResponse(res(200, JSON.stringify({ access_token: "at-good-0123\r\nX-Evil: 1", token_type: "Bearer" })), "t", o),
    );
    expect(e.exitCode).toBe(4);
    expect(e.message).toBe("t failed: the access_token has characters a token may not have (RFC 6749 §A.12: printable ASCII only)");
    expect(o.secrets).toEqual(["at-good-0123\r\nX-Evil: 1"]);
    for (const bad of [{ refresh_token: "rt\u0000x" }, { id_token: "a.b.c\n" }])
      expect(oidcError(() => parse(res(200, JSON.stringify({ access_token: "at-1", token_type: "Bearer", ...bad })), "t")).exitCode).toBe(
        4,
      );
    const tt = oidcError(() => parse(res(200, JSON.stringify({ access_token: "at-1", token_type: "Bearer\r\nX: y" })), "t"));
    expect(tt.message).toMatch(/token_type .* is not a token type name \(RFC 6749 §A\.13\)/);
    expect(parse(res(200, JSON.stringify({ access_token: "at-1 ~!", token_type: "N_A" })), "t").token_type).toBe("N_A");
  });
  test("isInvalidGrant is true for the token endpoint's invalid_grant only", () => {
    const invalid = oidcError(() => parse(res(400, '{"error":"invalid_grant"}'), "token refresh"));
    const other = oidcError(() => parse(res(400, '{"error":"invalid_client"}'), "token refresh"));
    const notTokenEndpoint = oidcError(() => parse(res(200, '{"error":"invalid_grant"}'), "token refresh"));
    expect([isInvalidGrant(invalid), isInvalidGrant(other), isInvalidGrant(notTokenEndpoint)]).toEqual([true, false, false]);
  });
});

describe("the grants (over a scripted HTTP client)", () => {
  const tokens = { access_token: "AT-from-op", token_type: "Bearer", expires_in: 300 };

  it("the code exchange posts the code, verifier and redirect URI to the token endpoint, and its tokens go to the io as secrets", async () => {
    const io = fakeIo(json(200, { ...tokens, refresh_token: "RT-from-op" }));
    const { tokens: t } = await exchangeAuthorizationCode(
      io,
      provider(),
      { client_id: "pub" },
      {
        code: "the-code",
        codeVerifier: "the-verifier",
        redirectUri: "http://127.0.0.1:8765/callback",
      },
    );
    expect(t.access_token).toBe("AT-from-op");
    expect(io.requests).toHaveLength(1);
    expect(io.requests[0]?.url).toBe(metadata.token_endpoint);
    expect(io.requests[0]?.opts.form).toEqual({
      grant_type: "authorization_code",
      code: "the-code",
      redirect_uri: "http://127.0.0.1:8765/callback",
      code_verifier: "the-verifier",
      client_id: "pub",
    });
    expect(io.secrets).toEqual(["AT-from-op", "RT-from-op"]);
  });

  it("a refresh that the provider answers invalid_grant is an isInvalidGrant failure", async () => {
    const io = fakeIo(json(400, { error: "invalid_grant" }));
    const e = await oidcErrorAsync(refreshTokenGrant(io, provider(), { client_id: "pub" }, "old-rt"));
    expect(isInvalidGrant(e)).toBe(true);
    expect(io.requests[0]?.opts.form).toMatchObject({ grant_type: "refresh_token", refresh_token: "old-rt" });
  });

  it("client_credentials authenticates with the secret and asks for the scope", async () => {
    const io = fakeIo(json(200, tokens));
    const md = { ...metadata, grant_types_supported: ["client_credentials"] };
    await clientCredentialsGrant(io, provider(md), { client_id: "svc", client_secret: "svc-secret" }, "api:read");
    expect(io.requests[0]?.opts.form).toEqual({ grant_type: "client_credentials", scope: "api:read" });
    expect(io.requests[0]?.opts.headers?.authorization).toMatch(/^Basic /);
  });

  it("client_credentials not advertised is still tried (grant_types_supported is advisory); a refusal quotes the provider (exit 4)", async () => {
    const md = { ...metadata, grant_types_supported: ["authorization_code", "refresh_token"] };
    expect(grantNotAdvertised(md, "client_credentials")).toBe(
      "the provider does not advertise the client_credentials grant (grant_types_supported: authorization_code, refresh_token); trying it anyway",
    );
    expect(grantNotAdvertised(md, "refresh_token")).toBeUndefined();
    expect(grantNotAdvertised(metadata, "client_credentials")).toBeUndefined();
    const io = fakeIo(json(400, { error: "unsupported_grant_type", error_description: "no such grant" }));
    const e = await oidcErrorAsync(() => clientCredentialsGrant(io, provider(md), { client_id: "svc", client_secret: "svc-secret" }));
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toBe('client credentials grant failed: the provider answered 400: unsupported_grant_type ("no such grant")');
    expect(io.requests).toHaveLength(1);
  });

  it("client_credentials without a client secret is refused, without a request, naming the remedy client-secret (exit 2)", async () => {
    const io = fakeIo();
    // grant_types_supported absent: nothing advertised is no refusal; the missing secret is.
    const e = await oidcErrorAsync(() => clientCredentialsGrant(io, provider(), { client_id: "pub" }));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.usage, "client-secret"]);
    expect(io.requests).toEqual([]);
  });
});

describe("client_secret_basic with credentials form-encoding changes: one retry with client_secret_post", () => {
  const tokens = { access_token: "AT-from-op", token_type: "Bearer", expires_in: 300 };
  const invalidClient = () => json(401, { error: "invalid_client", error_description: "client authentication failed" });
  const withPost = { ...metadata, token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"] };
  const slashy = { client_id: "svc", client_secret: "a/b+c=d:e", token_endpoint_auth_method: "client_secret_basic" };
  const refresh = (io: ReturnType<typeof fakeIo>, md: ProviderMetadata, client = slashy) =>
    refreshTokenGrant(io, provider(md), client, "the-rt");

  it("invalid_client, then the same request with client_secret_post: the tokens, the client now post, the deviation named", async () => {
    const io = fakeIo(invalidClient(), json(200, tokens));
    const r = await refresh(io, withPost);
    expect(r.tokens.access_token).toBe("AT-from-op");
    expect(r.client).toEqual({ ...slashy, token_endpoint_auth_method: "client_secret_post" });
    expect(io.requests).toHaveLength(2);
    expect(io.requests[0]?.opts.headers?.authorization).toBe(`Basic ${Buffer.from("svc:a%2Fb%2Bc%3Dd%3Ae").toString("base64")}`);
    expect(io.requests[1]?.opts.headers).toEqual({});
    expect(io.requests[1]?.opts.form).toEqual({
      grant_type: "refresh_token",
      refresh_token: "the-rt",
      client_id: "svc",
      client_secret: "a/b+c=d:e",
    });
    expect(io.deviations.map((d) => d.id)).toEqual(["basic-credentials-not-form-decoded"]);
  });

  it("no retry where client_secret_post is not advertised, where nothing would change under form-encoding, or on another error", async () => {
    const basicOnly = { ...metadata, token_endpoint_auth_methods_supported: ["client_secret_basic"] };
    for (const [md, client, answer] of [
      [basicOnly, slashy, invalidClient()],
      [metadata, slashy, invalidClient()],
      [withPost, { ...slashy, client_secret: "plain-secret-0123" }, invalidClient()],
      [withPost, slashy, json(400, { error: "invalid_grant" })],
    ] as const) {
      const io = fakeIo(answer);
      const e = await oidcErrorAsync(refresh(io, md, client));
      expect(e.exitCode).toBe(ExitCode.refused);
      expect(io.requests).toHaveLength(1);
      expect(io.deviations).toEqual([]);
    }
  });

  it("a retry that is refused too fails with the first answer, and names no deviation", async () => {
    const io = fakeIo(invalidClient(), json(401, { error: "invalid_client", error_description: "still no" }));
    const e = await oidcErrorAsync(refresh(io, withPost));
    expect(e.message).toBe('token refresh failed: the provider answered 401: invalid_client ("client authentication failed")');
    expect(io.requests).toHaveLength(2);
    expect(io.deviations).toEqual([]);
  });
});

describe("scopesNotGranted", () => {
  it("names the requested scopes the response's scope leaves out; none when the response has no scope", () => {
    expect(scopesNotGranted("openid profile offline_access", "openid profile")).toEqual(["offline_access"]);
    expect(scopesNotGranted("openid  email", "email openid extra")).toEqual([]);
    expect(scopesNotGranted("openid email", undefined)).toEqual([]);
    expect(scopesNotGranted(undefined, "openid")).toEqual([]);
  });
});
