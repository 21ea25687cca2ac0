/**
 * Who a login is: the account name people know (preferred_username, else email, else name) from
 * the ID token's claims, and the `sub`. The stored ID token was verified when it was saved, so its
 * payload is only decoded here (base64url + JSON.parse): no imports, `oidc status` stays cheap.
 */
import { escapeControls } from "../adapters/redact.js";
import type { StoredTokens } from "../adapters/store.js";

export type Claims = Record<string, unknown>;

/** The payload of a JWT, decoded without verifying; undefined when it is not one. */
export function jwtPayload(jwt: string | undefined): Claims | undefined {
  const part = jwt?.split(".")[1];
  if (!part) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** preferred_username, else email, else name: the first that is a non-empty string. */
export function accountName(claims: Claims | undefined): string | undefined {
  for (const k of ["preferred_username", "email", "name"]) {
    const v = claims?.[k];
    if (typeof v === "string" && v.trim()) return v;
  }
  return undefined;
}

export interface Account {
  /** The account name from the claims, else the sub; undefined when neither is known. */
  account?: string;
  sub?: string;
}

/** Who the claims (else the stored ID token's) and the stored `sub` say is logged in. */
export function accountOf(tokens: StoredTokens | undefined, claims?: Claims): Account {
  const c = claims ?? jwtPayload(tokens?.id_token);
  const sub = tokens?.sub ?? (typeof c?.sub === "string" ? c.sub : undefined);
  return { account: accountName(c) ?? sub, sub };
}

/**
 * "alice@example.com (sub)", or the sub alone when there is no other name; every control
 * character the provider put in it shown escaped (it is printed).
 */
export function describeAccount(a: Account): string | undefined {
  if (!a.account) return undefined;
  return escapeControls(a.sub && a.sub !== a.account ? `${a.account} (${a.sub})` : a.account);
}
