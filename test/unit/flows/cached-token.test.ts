// src/flows/cached-token.ts: whether a cached access token may be served as it is — fresh for more
// than min-valid seconds (judged against the given now), holding an ID token when one is asked
// for, and belonging to the client asked for.
import { describe, expect, test } from "vitest";
import type { Profile } from "../../../src/adapters/store.js";
import { servableCachedToken, tokenFresh } from "../../../src/flows/cached-token.js";

const tokens = { access_token: "AT", token_type: "bearer", expires_at: 2_000_000_000, obtained_at: 0, id_token: "IDT" };

describe("cached tokens", () => {
  test("a token is fresh only with more than min-valid seconds left", () => {
    const now = 1000;
    expect(tokenFresh({ ...tokens, expires_at: 1100 }, 60, now)).toBe(true);
    expect(tokenFresh({ ...tokens, expires_at: 1050 }, 60, now)).toBe(false);
    expect(tokenFresh({ ...tokens, expires_at: undefined }, 60, now)).toBe(true);
  });

  test("no tokens, or no access token, is never fresh", () => {
    expect(tokenFresh(undefined, 0, 0)).toBe(false);
    expect(tokenFresh({ ...tokens, access_token: "" }, 0, 0)).toBe(false);
  });

  test("servableCachedToken: fresh, with an ID token when asked for, and only the asked-for client's", () => {
    const profile: Profile = { name: "p", client: { client_id: "c1" }, tokens: { ...tokens, expires_at: 1100 } };
    const want = { minValid: 60, idToken: false, nowSeconds: 1000 };
    expect(servableCachedToken(profile, want)).toBe(profile.tokens);
    expect(servableCachedToken(profile, { ...want, nowSeconds: 1050 })).toBeUndefined();
    expect(
      servableCachedToken({ ...profile, tokens: { ...tokens, expires_at: 1100, id_token: undefined } }, { ...want, idToken: true }),
    ).toBeUndefined();
    expect(servableCachedToken(profile, { ...want, idToken: true })).toBe(profile.tokens);
    expect(servableCachedToken(profile, { ...want, clientId: "c1" })).toBe(profile.tokens);
    expect(servableCachedToken(profile, { ...want, clientId: "c2" })).toBeUndefined();
    expect(servableCachedToken(undefined, want)).toBeUndefined();
  });
});
