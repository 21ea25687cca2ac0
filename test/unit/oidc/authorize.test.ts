// src/oidc/authorize.ts: the authorization request (PKCE S256, state, nonce, and prompt=consent for
// offline_access where the dialect needs it), the redirect-target match, and the checks on the
// redirect back (state first, then RFC 9207 iss, then the provider's error) as the conformance
// suite expects them. The code verifier and the code go to the observer as secrets; a dialect's
// known omissions go to it as deviations, and nothing is printed.
import { afterEach, describe, expect, it, test, vi } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import {
  type AuthorizationResponseCheck,
  buildAuthorizationRequest,
  htmlPageText,
  isRedirectTo,
  parseAuthorizationResponse,
  pkceChallenge,
  processAuthorizationPreflight,
} from "../../../src/oidc/authorize.js";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import { recordingObserver } from "../../helpers/observer.js";
import { oidcError } from "../../helpers/errors.js";

const metadata = {
  issuer: "https://op.example",
  authorization_endpoint: "https://op.example/authorize",
  token_endpoint: "https://op.example/token",
};
const REDIRECT = "http://127.0.0.1:8765/callback";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("PKCE and the authorization request", () => {
  test("the S256 challenge is the RFC 7636 appendix B value", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  test("the authorization URL carries S256 PKCE, state and nonce, and a fresh verifier each time", () => {
    const o = recordingObserver();
    const a = buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: REDIRECT, scope: "openid" }, o);
    const b = buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: REDIRECT, scope: "openid" }, o);
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

  test("the code verifier goes to the observer as a secret (and never appears in the URL)", () => {
    const o = recordingObserver();
    const a = buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: REDIRECT, scope: "openid" }, o);
    expect(o.secrets).toEqual([a.codeVerifier]);
    expect(a.url).not.toContain(a.codeVerifier);
  });
});

describe("prompt=consent for offline_access", () => {
  const promptOf = (p: Partial<Parameters<typeof buildAuthorizationRequest>[1]>) =>
    new URL(
      buildAuthorizationRequest(metadata, { clientId: "c1", redirectUri: REDIRECT, scope: "openid", ...p }, recordingObserver()).url,
    ).searchParams.get("prompt");

  it("is added for offline_access when the dialect needs it (standard providers drop offline_access without it)", () => {
    expect(DIALECTS.standard.offlineAccessNeedsConsentPrompt).toBe(true);
    expect(promptOf({ scope: "openid offline_access", dialect: DIALECTS.standard })).toBe("consent");
    expect(promptOf({ scope: "offline_access  openid", dialect: DIALECTS.standard })).toBe("consent");
  });

  it("is not added without offline_access, nor for a dialect that does not need it, nor without a dialect", () => {
    expect(promptOf({ scope: "openid profile", dialect: DIALECTS.standard })).toBeNull();
    expect(promptOf({ scope: "openid offline_accessx", dialect: DIALECTS.standard })).toBeNull();
    for (const id of ["better-auth-1.6", "better-auth-1.7"] as const) {
      expect(DIALECTS[id].offlineAccessNeedsConsentPrompt).toBe(false);
      expect(promptOf({ scope: "openid offline_access", dialect: DIALECTS[id] })).toBeNull();
    }
    expect(promptOf({ scope: "openid offline_access" })).toBeNull();
  });

  it("never overrides the caller's prompt", () => {
    expect(promptOf({ scope: "openid offline_access", dialect: DIALECTS.standard, prompt: "login" })).toBe("login");
    expect(promptOf({ scope: "openid offline_access", dialect: DIALECTS.standard, prompt: "none" })).toBe("none");
    expect(promptOf({ scope: "openid", dialect: DIALECTS["better-auth-1.7"], prompt: "select_account" })).toBe("select_account");
  });
});

describe("the redirect target", () => {
  test("isRedirectTo matches scheme, host, port and path exactly", () => {
    const r = REDIRECT;
    expect(isRedirectTo("http://127.0.0.1:8765/callback?code=x&state=y", r)).toBe(true);
    expect(isRedirectTo("http://127.0.0.1:8765/callback.evil?code=x", r)).toBe(false);
    expect(isRedirectTo("http://127.0.0.1:9999/callback?code=x", r)).toBe(false);
    expect(isRedirectTo("http://evil.example/callback?code=x", r)).toBe(false);
    expect(isRedirectTo("not a url", r)).toBe(false);
  });
});

// The two former suites (test/unit/protocol.test.ts "the authorization response" and
// test/unit/authorization-response.test.ts), merged: each distinct case once.
describe("parseAuthorizationResponse", () => {
  const ISSUER = metadata.issuer;
  const ISS = encodeURIComponent(ISSUER);
  const base = REDIRECT;
  /** A provider that advertises RFC 9207. */
  const check: AuthorizationResponseCheck = { state: "s-123", issuer: ISSUER, issRequired: true };
  /** One that does not. */
  const noIss: AuthorizationResponseCheck = { ...check, issRequired: false };
  const parse = (url: string, expected = check) => parseAuthorizationResponse(url, expected, recordingObserver());
  const fail = (url: string, expected = check) => oidcError(() => parse(url, expected));

  it("returns the code (and iss) when state and iss are right", () => {
    expect(parse(`${base}?code=c0de-123&state=s-123&iss=${ISS}`)).toEqual({ code: "c0de-123", iss: ISSUER });
  });

  it("returns the code alone when state matches and iss is neither sent nor advertised", () => {
    expect(parse(`${base}?code=c0de-123&state=s-123`, noIss)).toEqual({ code: "c0de-123" });
  });

  it("a wrong state is refused as validation (exit 6, check state) before anything else is believed", () => {
    for (const url of [`${base}?code=c0de-123&state=forged&iss=https%3A%2F%2Fattacker.example`, `${base}?code=c0de-123&state=evil`]) {
      const e = fail(url, noIss);
      expect([e.exitCode, e.check]).toEqual([ExitCode.validation, "state"]);
    }
  });

  it("a missing state on a success response is refused (exit 6, check state)", () => {
    for (const expected of [check, noIss]) {
      const e = fail(`${base}?code=c0de-123&iss=${ISS}`, expected);
      expect([e.exitCode, e.check]).toEqual([6, "state"]);
    }
  });

  it("a wrong state on an error response is refused too (exit 6, check state)", () => {
    const e = fail(`${base}?error=access_denied&state=forged&iss=${ISS}`);
    expect([e.exitCode, e.check]).toEqual([6, "state"]);
  });

  it("an error response quotes the provider's error and exits 4", () => {
    const e = fail(`${base}?error=access_denied&error_description=User%20denied&state=s-123`, noIss);
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toContain('access_denied ("User denied")');
  });

  it("an error response without state from a standard provider is refused (exit 6, check state)", () => {
    for (const url of [`${base}?error=access_denied&error_description=gotcha`, `${base}?error=invalid_request`]) {
      const e = fail(url, noIss);
      expect([e.exitCode, e.check]).toEqual([6, "state"]);
    }
  });

  it("an error response without state (better-auth 1.6, which never sends state on errors) ends as the provider's refusal (exit 4)", () => {
    const ba16 = { ...noIss, dialect: DIALECTS["better-auth-1.6"] };
    const e = fail(`${base}?error=access_denied&error_description=User%20denied`, ba16);
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain("access_denied");
    expect(fail(`${base}?error=invalid_request`, ba16).exitCode).toBe(4);
  });

  it("a wrong iss is refused (exit 6, check iss), advertised or not", () => {
    for (const issRequired of [true, false]) {
      const e = fail(`${base}?code=c0de-123&state=s-123&iss=https%3A%2F%2Fattacker.example`, { ...check, issRequired });
      expect([e.exitCode, e.check]).toEqual([6, "iss"]);
    }
    // unencoded in the query, as some providers send it
    expect(fail(`${base}?code=a&state=s-123&iss=https://evil`, noIss).check).toBe("iss");
  });

  it("a missing iss is refused only when the provider advertises RFC 9207", () => {
    const e = fail(`${base}?code=c0de-123&state=s-123`);
    expect([e.exitCode, e.check]).toEqual([6, "iss"]);
    expect(parse(`${base}?code=c0de-123&state=s-123`, noIss)).toEqual({ code: "c0de-123" });
  });

  it("a wrong iss on an error response is refused as validation, not reported as the provider's error", () => {
    const e = fail(`${base}?error=server_error&state=s-123&iss=https%3A%2F%2Fattacker.example`);
    expect([e.exitCode, e.check]).toEqual([6, "iss"]);
  });

  it("a response with neither code nor error is the provider's failure (exit 4); a non-URL is a usage error (exit 2)", () => {
    expect(fail(`${base}?state=s-123&iss=${ISS}`).exitCode).toBe(4);
    expect(fail("not a url").exitCode).toBe(2);
  });

  it("the code goes to the observer as a secret, and only once the response is accepted", () => {
    const o = recordingObserver();
    parseAuthorizationResponse(`${base}?code=the-code-1&state=s-123&iss=${ISS}`, check, o);
    expect(o.secrets).toEqual(["the-code-1"]);
    const refused = recordingObserver();
    oidcError(() => parseAuthorizationResponse(`${base}?code=the-code-2&state=forged`, check, refused));
    expect(refused.secrets).toEqual([]);
  });

  it("a dialect's known omissions go to the observer as named deviations, and nothing is printed", () => {
    const stderr = vi.spyOn(process.stderr, "write");
    const ba16 = { ...noIss, dialect: DIALECTS["better-auth-1.6"] };
    const ok = recordingObserver();
    parseAuthorizationResponse(`${base}?code=c&state=s-123`, ba16, ok);
    expect(ok.deviations).toEqual([
      { dialect: "better-auth-1.6", id: "no-iss-in-authorization-response", text: expect.stringContaining("RFC 9207") },
    ]);
    const err = recordingObserver();
    oidcError(() => parseAuthorizationResponse(`${base}?error=access_denied`, ba16, err));
    expect(err.deviations.map((d) => d.id)).toEqual(["error-without-state", "no-iss-in-authorization-response"]);
    // The standard dialect names no such deviation: a response without iss from it reports nothing.
    const std = recordingObserver();
    parseAuthorizationResponse(`${base}?code=c&state=s-123`, { ...noIss, dialect: DIALECTS.standard }, std);
    expect(std.deviations).toEqual([]);
    expect(stderr).not.toHaveBeenCalled();
  });
});

describe("processAuthorizationPreflight (the request sent once, redirects not followed, before a browser)", () => {
  const REDIRECT = "http://127.0.0.1:8765/callback";
  const AUTHZ = "https://op.example/authorize?client_id=c";
  const res = (status: number, o: { headers?: Record<string, string>; text?: string } = {}) => ({
    status,
    headers: o.headers ?? {},
    text: o.text ?? "",
    url: AUTHZ,
  });
  const redirect = (location: string) => res(302, { headers: { location } });

  it("a page (200) or a redirect to a login or consent page: go on", () => {
    expect(
      processAuthorizationPreflight(res(200, { headers: { "content-type": "text/html" }, text: "<h1>Sign in</h1>" }), REDIRECT),
    ).toEqual({
      kind: "continue",
    });
    expect(processAuthorizationPreflight(redirect("/login?next=x"), REDIRECT)).toEqual({ kind: "continue" });
    expect(processAuthorizationPreflight(redirect("https://op.example/consent?consent_code=abc"), REDIRECT)).toEqual({ kind: "continue" });
  });

  it("a success redirect straight to the callback: go on, marked auto-approved (its code is not used)", () => {
    expect(processAuthorizationPreflight(redirect(`${REDIRECT}?code=c&state=s`), REDIRECT)).toEqual({
      kind: "continue",
      autoApproved: true,
    });
  });

  it("an error status with an OAuth JSON error: exit 4 quoting it; a client error names unknown-client", () => {
    const e = oidcError(() =>
      processAuthorizationPreflight(
        res(401, { headers: { "content-type": "application/json" }, text: '{"error":"invalid_client"}' }),
        REDIRECT,
      ),
    );
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toBe(`the provider refused the authorization request (redirect URI ${REDIRECT}): it answered 401: invalid_client`);
    expect(e.remedy).toBe("unknown-client");
  });

  it("better-auth 1.6's 400 {message}: quoted, remedy redirect-uri-not-registered", () => {
    const e = oidcError(() => processAuthorizationPreflight(res(400, { text: '{"message":"Invalid redirect URI"}' }), REDIRECT));
    expect(e.message).toMatch(/it answered 400: "Invalid redirect URI"$/);
    expect(e.remedy).toBe("redirect-uri-not-registered");
  });

  it("panva's HTML error page: its error and error_description lines, entities decoded", () => {
    const page =
      "<html><head><title>oops! something went wrong</title></head><body><h1>oops! something went wrong</h1><pre><code>" +
      "error: invalid_redirect_uri\nerror_description: redirect_uri did not match any of the client&#39;s registered redirect_uris\niss: x</code></pre></body></html>";
    const e = oidcError(() => processAuthorizationPreflight(res(400, { headers: { "content-type": "text/html" }, text: page }), REDIRECT));
    expect(e.message).toMatch(/400: invalid_redirect_uri \("redirect_uri did not match any of the client's registered redirect_uris"\)$/);
    expect(e.remedy).toBe("redirect-uri-not-registered");
    // oidc-provider 9's default renderError: one <pre><strong>key</strong>: value</pre> per line
    const v9 =
      "<html><head><title>oops! something went wrong</title></head><body><div><h1>oops! something went wrong</h1>" +
      "<pre><strong>error</strong>: invalid_client</pre><pre><strong>error_description</strong>: client is invalid</pre>" +
      "<pre><strong>iss</strong>: https://op.example</pre></div></body></html>";
    const c = oidcError(() => processAuthorizationPreflight(res(400, { headers: { "content-type": "text/html" }, text: v9 }), REDIRECT));
    expect(c.message).toMatch(/400: invalid_client \("client is invalid"\)$/);
    expect(c.remedy).toBe("unknown-client");
  });

  it("another HTML page: its title and heading in a short quoted text (control characters escaped), scripts left out", () => {
    const page = `<html><head><title>Error\u0007</title><script>alert(1)</script></head><body><h1>Bad request</h1>${"x".repeat(500)}</body></html>`;
    const e = oidcError(() => processAuthorizationPreflight(res(400, { headers: { "content-type": "text/html" }, text: page }), REDIRECT));
    expect(e.message).toMatch(/400: "Error\\u0007: Bad request"$/);
    expect(htmlPageText(`<p>${"y".repeat(300)}</p>`)?.length).toBeLessThanOrEqual(202 + 2);
  });

  it("an error status ends the login (exit 4, no guessed cause from a plain body), but a 401/403 naming no OAuth error goes on with a note", () => {
    const e = oidcError(() => processAuthorizationPreflight(res(400, { text: "nope" }), REDIRECT));
    expect(e.message).toMatch(/400: "nope"$/);
    expect(e.remedy).toBeUndefined();
    expect(oidcError(() => processAuthorizationPreflight(res(502), REDIRECT)).message).toMatch(/it answered 502: an empty body$/);
    expect(oidcError(() => processAuthorizationPreflight(res(404, { text: "nope" }), REDIRECT)).message).toMatch(/404: "nope"$/);
    expect(processAuthorizationPreflight(res(403, { text: "<title>Just a moment...</title>" }), REDIRECT)).toEqual({
      kind: "continue",
      note: 'the authorization endpoint answered 403 ("Just a moment..."); going on in the browser',
    });
    const wall = oidcError(() => processAuthorizationPreflight(res(401, { text: '{"error":"invalid_client"}' }), REDIRECT));
    expect(wall.remedy).toBe("unknown-client");
  });

  it("a redirect to the callback with an error (state not checked): exit 4 quoting it", () => {
    const e = oidcError(() =>
      processAuthorizationPreflight(redirect(`${REDIRECT}?error=invalid_scope&error_description=bad+scope`), REDIRECT),
    );
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toBe('the provider refused the authorization request: it redirected back with an error: invalid_scope ("bad scope")');
  });

  it("a redirect to the provider's error page carrying error or error_description: exit 4, remedy from the words", () => {
    const e = oidcError(() =>
      processAuthorizationPreflight(redirect("/api/auth/error?error=invalid_client&error_description=client_id is required"), REDIRECT),
    );
    expect(e.message).toBe(
      'the provider refused the authorization request: it redirected to its error page https://op.example/api/auth/error: invalid_client ("client_id is required")',
    );
    expect(e.remedy).toBe("unknown-client");
    const d = oidcError(() =>
      processAuthorizationPreflight(redirect("https://op.example/oops?error_description=redirect_uri+mismatch"), REDIRECT),
    );
    expect(d.message).toMatch(/: "redirect_uri mismatch"$/);
    expect(d.remedy).toBe("redirect-uri-not-registered");
  });

  it("a redirect to another port of the loopback host is not the callback", () => {
    expect(() => processAuthorizationPreflight(redirect("http://127.0.0.1:9999/callback?error=x"), REDIRECT)).toThrow();
    expect(processAuthorizationPreflight(redirect("http://127.0.0.1:9999/callback?code=x"), REDIRECT)).toEqual({ kind: "continue" });
  });
});
