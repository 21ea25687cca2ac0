// src/oidc/dialects/index.ts: recognising a provider's dialect from its discovery document, the
// dialect a profile stored, the --dialect override, and deviation(): a dialect's departure, in its
// words with the arguments filled in, handed to the observer (which reports it; nothing is printed).
import { afterEach, describe, expect, it, vi } from "vitest";
import { DIALECT_IDS, DIALECTS, detectDialect, deviation, dialectById, storedDialect } from "../../../src/oidc/dialects/index.js";
import { recordingObserver } from "../../helpers/observer.js";
import { oidcError } from "../../helpers/errors.js";

const origin = "http://localhost:3000";
const ba = (over: Record<string, unknown>) => ({
  issuer: origin,
  authorization_endpoint: `${origin}/api/auth/oauth2/authorize`,
  token_endpoint: `${origin}/api/auth/oauth2/token`,
  userinfo_endpoint: `${origin}/api/auth/oauth2/userinfo`,
  ...over,
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("detectDialect", () => {
  it("better-auth 1.6 (oidcProvider: /oauth2/endsession, no revocation) and 1.7 (oauth-provider: /oauth2/end-session or /oauth2/revoke)", () => {
    expect(detectDialect(ba({ end_session_endpoint: `${origin}/api/auth/oauth2/endsession` })).id).toBe("better-auth-1.6");
    expect(detectDialect(ba({ end_session_endpoint: `${origin}/api/auth/oauth2/end-session` })).id).toBe("better-auth-1.7");
    expect(detectDialect(ba({ revocation_endpoint: `${origin}/api/auth/oauth2/revoke` })).id).toBe("better-auth-1.7");
  });

  it("anything else is standard, including better-auth-like paths without its userinfo endpoint", () => {
    expect(detectDialect({ issuer: "https://op.example", authorization_endpoint: "https://op.example/auth" }).id).toBe("standard");
    expect(detectDialect(ba({ userinfo_endpoint: `${origin}/me`, end_session_endpoint: `${origin}/api/auth/oauth2/endsession` })).id).toBe(
      "standard",
    );
    expect(detectDialect(ba({ authorization_endpoint: 42 })).id).toBe("standard");
  });
});

describe("stored and chosen dialects", () => {
  it("storedDialect: the profile's dialect, standard when absent or unknown", () => {
    expect(storedDialect("better-auth-1.7")).toBe(DIALECTS["better-auth-1.7"]);
    expect(storedDialect(undefined)).toBe(DIALECTS.standard);
    expect(storedDialect("keycloak-42")).toBe(DIALECTS.standard);
  });

  it("dialectById: the named dialect, nothing for nothing, and a usage error (exit 2) listing the ids for an unknown one", () => {
    expect(dialectById("better-auth-1.6")).toBe(DIALECTS["better-auth-1.6"]);
    expect(dialectById(undefined)).toBeUndefined();
    const e = oidcError(() => dialectById("keycloak-42"));
    expect(e.exitCode).toBe(2);
    expect(e.hint).toBe(`use one of: ${DIALECT_IDS.join(", ")}`);
    expect(DIALECT_IDS).toEqual(["standard", "better-auth-1.6", "better-auth-1.7"]);
  });
});

describe("deviation", () => {
  it("hands the observer the dialect, the deviation's id and its text with each %s filled in, and prints nothing", () => {
    const stderr = vi.spyOn(process.stderr, "write");
    const stdout = vi.spyOn(process.stdout, "write");
    const o = recordingObserver();
    deviation(o, DIALECTS["better-auth-1.6"], "issuer-not-document-location", "https://a/doc", "https://a");
    deviation(o, DIALECTS["better-auth-1.6"], "registration-status-200");
    expect(o.deviations).toEqual([
      {
        dialect: "better-auth-1.6",
        id: "issuer-not-document-location",
        text: "the discovery document is served at https://a/doc, not under its issuer https://a; accepted because this provider is known to do so",
      },
      { dialect: "better-auth-1.6", id: "registration-status-200", text: "dynamic registration answered 200 instead of 201 (RFC 7591)" },
    ]);
    expect(stderr).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });

  it("each dialect's consent mechanism names the query parameter that marks its consent page", () => {
    expect(DIALECTS["better-auth-1.6"].consent).toEqual({ kind: "consent_code", pageParam: "consent_code" });
    expect(DIALECTS["better-auth-1.7"].consent).toEqual({ kind: "oauth_query", pageParam: "sig" });
    expect(DIALECTS.standard.consent).toBeUndefined();
  });
});
