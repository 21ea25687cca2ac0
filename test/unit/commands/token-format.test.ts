// src/commands/token-format.ts: how `oidc token` prints a token — the shapes scripts depend on
// (token, header, env, and the stable JSON whose expires_in counts from the given now).
import { describe, expect, test } from "vitest";
import { formatToken, tokenJson } from "../../../src/commands/token-format.js";

const tokens = { access_token: "AT", token_type: "bearer", expires_at: 2_000_000_000, obtained_at: 0, id_token: "IDT" };

describe("token output", () => {
  test("token output formats", () => {
    const now = 1_999_999_000;
    expect(formatToken(tokens, "token", false, now)).toBe("AT\n");
    expect(formatToken(tokens, "header", false, now)).toBe("Authorization: Bearer AT\n");
    expect(formatToken(tokens, "env", false, now)).toContain("export OIDC_ACCESS_TOKEN='AT'");
    expect(JSON.parse(formatToken(tokens, "json", false, now))).toMatchObject({
      access_token: "AT",
      token_type: "bearer",
      expires_at: 2_000_000_000,
    });
    expect(formatToken(tokens, "token", true, now)).toBe("IDT\n");
  });

  test("the JSON shape: expires_in from now (never negative), nulls for what is absent, no refresh token itself", () => {
    expect(tokenJson({ ...tokens, refresh_token: "RT" }, 1_999_999_000)).toEqual({
      access_token: "AT",
      token_type: "bearer",
      expires_at: 2_000_000_000,
      expires_in: 1000,
      scope: null,
      id_token: "IDT",
      has_refresh_token: true,
    });
    expect(tokenJson(tokens, 2_000_000_500).expires_in).toBe(0);
    expect(tokenJson({ access_token: "AT", token_type: "bearer", obtained_at: 0 }, 5)).toMatchObject({
      expires_at: null,
      expires_in: null,
      id_token: null,
      has_refresh_token: false,
    });
  });

  test("env quotes for the shell; a non-bearer type keeps its scheme in the header", () => {
    const odd = { ...tokens, access_token: "it's", token_type: "DPoP" };
    expect(formatToken(odd, "env", false, 0)).toBe(
      "export OIDC_ACCESS_TOKEN='it'\\''s'\nexport OIDC_TOKEN_TYPE='DPoP'\nexport OIDC_ID_TOKEN='IDT'\nexport OIDC_TOKEN_EXPIRES_AT=2000000000\n",
    );
    expect(formatToken(odd, "header", false, 0)).toBe("Authorization: DPoP it's\n");
    expect(formatToken(odd, "header", true, 0)).toBe("Authorization: Bearer IDT\n");
  });
});
