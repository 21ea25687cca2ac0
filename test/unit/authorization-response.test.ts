// parseAuthorizationResponse: the checks on the redirect back from the authorization endpoint
// (state first, then RFC 9207 iss, then the provider's error), as the conformance suite expects them.
import { describe, expect, it } from "vitest";
import type { OidcError } from "../../src/errors.js";
import { type AuthorizationResponseCheck, parseAuthorizationResponse } from "../../src/oidc/authorize.js";
import { DIALECTS } from "../../src/oidc/dialects.js";

const ISSUER = "https://op.example";
const base = "http://127.0.0.1:8765/callback";
const check = { state: "s-123", issuer: ISSUER, issRequired: true };
const fail = (url: string, expected: AuthorizationResponseCheck = check) => {
  try {
    parseAuthorizationResponse(url, expected);
  } catch (e) {
    return e as OidcError;
  }
  throw new Error("expected a failure");
};

describe("parseAuthorizationResponse", () => {
  it("returns the code when state and iss are right", () => {
    expect(parseAuthorizationResponse(`${base}?code=c0de-123&state=s-123&iss=${encodeURIComponent(ISSUER)}`, check)).toEqual({
      code: "c0de-123",
      iss: ISSUER,
    });
  });

  it("a wrong state is refused as validation (exit 6, check state) before anything else is believed", () => {
    const e = fail(`${base}?code=c0de-123&state=forged&iss=https%3A%2F%2Fattacker.example`);
    expect([e.exitCode, e.check]).toEqual([6, "state"]);
  });

  it("a missing state on a success response is refused (exit 6, check state)", () => {
    const e = fail(`${base}?code=c0de-123&iss=${encodeURIComponent(ISSUER)}`);
    expect([e.exitCode, e.check]).toEqual([6, "state"]);
  });

  it("a wrong state on an error response is refused too (exit 6, check state)", () => {
    const e = fail(`${base}?error=access_denied&state=forged&iss=${encodeURIComponent(ISSUER)}`);
    expect([e.exitCode, e.check]).toEqual([6, "state"]);
  });

  it("an error response without state (better-auth 1.6) ends as the provider's refusal (exit 4)", () => {
    const e = fail(`${base}?error=access_denied&error_description=User%20denied`, {
      ...check,
      issRequired: false,
      dialect: DIALECTS["better-auth-1.6"],
    });
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain("access_denied");
  });

  it("an error response without state from a standard provider is refused (exit 6, check state)", () => {
    const e = fail(`${base}?error=access_denied&error_description=gotcha`, { ...check, issRequired: false });
    expect(e.exitCode).toBe(6);
    expect(e.check).toBe("state");
  });

  it("a wrong iss is refused (exit 6, check iss), advertised or not", () => {
    for (const issRequired of [true, false]) {
      const e = fail(`${base}?code=c0de-123&state=s-123&iss=https%3A%2F%2Fattacker.example`, { ...check, issRequired });
      expect([e.exitCode, e.check]).toEqual([6, "iss"]);
    }
  });

  it("a missing iss is refused only when the provider advertises RFC 9207", () => {
    const e = fail(`${base}?code=c0de-123&state=s-123`);
    expect([e.exitCode, e.check]).toEqual([6, "iss"]);
    expect(parseAuthorizationResponse(`${base}?code=c0de-123&state=s-123`, { ...check, issRequired: false })).toEqual({ code: "c0de-123" });
  });

  it("a wrong iss on an error response is refused as validation, not reported as the provider's error", () => {
    const e = fail(`${base}?error=server_error&state=s-123&iss=https%3A%2F%2Fattacker.example`);
    expect([e.exitCode, e.check]).toEqual([6, "iss"]);
  });
});
