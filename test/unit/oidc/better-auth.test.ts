// src/oidc/dialects/better-auth.ts: better-auth's session login over a scripted HTTP client — the
// session endpoints under its base path, recognising a consent page (1.6 consent_code, 1.7 signed
// query; the consent_code is a secret), authorizing with the session, and answering consent, which
// is refused when the answer sends the browser anywhere but the login's redirect URI.
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import {
  answerConsent,
  authorizeWithSession,
  type ConsentRequest,
  consentRequestFromUrl,
  sessionEndpoint,
} from "../../../src/oidc/dialects/better-auth.js";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import { recordingObserver } from "../../helpers/observer.js";
import { fakeIo, json, response } from "../fake-io.js";
import { oidcError, oidcErrorAsync } from "../../helpers/errors.js";

const APP = "http://localhost:3000";
const metadata = {
  issuer: APP,
  authorization_endpoint: `${APP}/api/auth/oauth2/authorize`,
  token_endpoint: `${APP}/api/auth/oauth2/token`,
};
const REDIRECT = "http://127.0.0.1:8765/callback";
const ba16 = DIALECTS["better-auth-1.6"];
const ba17 = DIALECTS["better-auth-1.7"];
const consent16: ConsentRequest = { pageUrl: `${APP}/consent?consent_code=cc-123456&client_id=c1&scope=openid`, kind: "consent_code" };

describe("session endpoints and consent pages", () => {
  it("the session endpoints sit under the base path of the authorization endpoint", () => {
    expect(sessionEndpoint(metadata, ba16, "consent")).toBe(`${APP}/api/auth/oauth2/consent`);
    expect(sessionEndpoint(metadata, ba17, "client", "a b")).toBe(`${APP}/api/auth/oauth2/get-client?client_id=a%20b`);
    expect(oidcError(() => sessionEndpoint(metadata, DIALECTS.standard, "consent")).exitCode).toBe(2);
  });

  it("a consent page URL is recognised by its marker, and its consent_code goes to the observer as a secret", () => {
    const o = recordingObserver();
    expect(consentRequestFromUrl(consent16.pageUrl, o)).toEqual({ ...consent16, clientId: "c1", scope: "openid" });
    expect(o.secrets).toEqual(["cc-123456"]);
    expect(consentRequestFromUrl(`${APP}/consent?sig=abc&client_id=c1`, recordingObserver()).kind).toBe("oauth_query");
    expect(oidcError(() => consentRequestFromUrl(`${APP}/consent?client_id=c1`, recordingObserver())).exitCode).toBe(2);
  });
});

describe("authorizeWithSession", () => {
  const authUrl = `${metadata.authorization_endpoint}?client_id=c1&redirect_uri=${encodeURIComponent(REDIRECT)}`;

  it("sends the session as Bearer and returns the redirect to the callback", async () => {
    const io = fakeIo(response(302, "", { location: `${REDIRECT}?code=c&state=s` }));
    expect(await authorizeWithSession(io, authUrl, REDIRECT, "sess-token", ba16)).toEqual({
      kind: "redirect",
      url: `${REDIRECT}?code=c&state=s`,
    });
    expect(io.requests[0]?.opts.headers?.authorization).toBe("Bearer sess-token");
  });

  it("a redirect to the sign-in page means the session was not accepted: refused, naming the remedy fresh-session", async () => {
    const io = fakeIo(response(302, "", { location: `${APP}/sign-in?callbackURL=x` }));
    const e = await oidcErrorAsync(authorizeWithSession(io, authUrl, REDIRECT, "stale", ba16));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.refused, "fresh-session"]);
  });
});

describe("answerConsent", () => {
  it("posts the consent_code and returns where the provider sends the browser next", async () => {
    const io = fakeIo(json(200, { redirectURI: `${REDIRECT}?code=c&state=s` }));
    expect(await answerConsent(io, metadata, ba16, consent16, true, "sess", REDIRECT)).toBe(`${REDIRECT}?code=c&state=s`);
    expect(io.requests[0]?.url).toBe(`${APP}/api/auth/oauth2/consent`);
    expect(io.requests[0]?.opts.json).toEqual({ accept: true, consent_code: "cc-123456" });
  });

  it("with redirectUri, an answer that sends the browser elsewhere is refused (exit 4), naming where it went", async () => {
    const io = fakeIo(json(200, { redirectURI: "https://evil.example/steal?code=c&state=s" }));
    const e = await oidcErrorAsync(answerConsent(io, metadata, ba16, consent16, true, "sess", REDIRECT));
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toContain(`sends the answer to https://evil.example/steal, not to ${REDIRECT}`);
  });

  it("with redirectUri, a 302 elsewhere — another port of the same host included — is refused too", async () => {
    for (const location of ["http://127.0.0.1:9999/callback?code=c", "/api/auth/oauth2/authorize?again=1"]) {
      const io = fakeIo(response(302, "", { location }));
      const e = await oidcErrorAsync(answerConsent(io, metadata, ba16, consent16, true, "sess", REDIRECT));
      expect(e.message).toContain(`not to ${REDIRECT}`);
    }
  });

  it("without redirectUri the next URL is returned wherever it goes (the `oidc consent` command prints it)", async () => {
    const io = fakeIo(json(200, { redirectURI: "https://app.example/after" }));
    expect(await answerConsent(io, metadata, ba16, consent16, false, "sess")).toBe("https://app.example/after");
    expect(io.requests[0]?.opts.json).toEqual({ accept: false, consent_code: "cc-123456" });
  });

  it("better-auth 1.7 answers with the signed query, and names the next URL under `url`", async () => {
    const io = fakeIo(json(200, { url: `${REDIRECT}?code=c` }));
    const c17: ConsentRequest = { pageUrl: `${APP}/consent?client_id=c1&sig=abc`, kind: "oauth_query" };
    expect(await answerConsent(io, metadata, ba17, c17, true, "sess", REDIRECT)).toBe(`${REDIRECT}?code=c`);
    expect(io.requests[0]?.opts.json).toEqual({ accept: true, oauth_query: "client_id=c1&sig=abc" });
  });

  it("a session the provider no longer accepts (401) names the remedy fresh-session", async () => {
    const io = fakeIo(json(401, { message: "Unauthorized" }));
    const e = await oidcErrorAsync(answerConsent(io, metadata, ba16, consent16, true, "stale", REDIRECT));
    expect([e.exitCode, e.remedy]).toEqual([4, "fresh-session"]);
  });
});
