/** How `oidc token` prints a token: the shapes scripts depend on. Kept free of heavy imports (the fast path uses it). */
import type { StoredTokens } from "../adapters/store.js";

export const TOKEN_OUTPUTS = ["token", "json", "header", "env"] as const;
export type TokenOutput = (typeof TOKEN_OUTPUTS)[number];

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** As src/oidc/userinfo.ts's authScheme; repeated so the fast path loads no protocol module. */
const authScheme = (tokenType: string) => (tokenType.toLowerCase() === "bearer" ? "Bearer" : tokenType);

/** The stable JSON shape of a token (README: "oidc token --output json"). */
export function tokenJson(t: StoredTokens, nowSeconds: number) {
  return {
    access_token: t.access_token,
    token_type: t.token_type,
    expires_at: t.expires_at ?? null,
    expires_in: t.expires_at === undefined ? null : Math.max(0, t.expires_at - nowSeconds),
    scope: t.scope ?? null,
    id_token: t.id_token ?? null,
    has_refresh_token: !!t.refresh_token,
  };
}

export function formatToken(t: StoredTokens, output: TokenOutput, idToken: boolean, nowSeconds: number): string {
  const value = idToken ? t.id_token : t.access_token;
  switch (output) {
    case "token":
      return `${value}\n`;
    case "json":
      return `${JSON.stringify(tokenJson(t, nowSeconds), null, 2)}\n`;
    case "header":
      return idToken ? `Authorization: Bearer ${value}\n` : `Authorization: ${authScheme(t.token_type)} ${value}\n`;
    case "env": {
      const lines = [`export OIDC_ACCESS_TOKEN=${shellQuote(t.access_token)}`, `export OIDC_TOKEN_TYPE=${shellQuote(t.token_type)}`];
      if (t.id_token) lines.push(`export OIDC_ID_TOKEN=${shellQuote(t.id_token)}`);
      if (t.expires_at !== undefined) lines.push(`export OIDC_TOKEN_EXPIRES_AT=${t.expires_at}`);
      return `${lines.join("\n")}\n`;
    }
  }
}
