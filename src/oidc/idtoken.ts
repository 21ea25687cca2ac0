/**
 * ID token validation (OpenID Connect Core §3.1.3.7), each check named: a failure exits 6 and says
 * which check. Signature by the provider's JWKS (RS/PS/ES/EdDSA) or, for HS*, the client secret.
 */
import { createHash } from "node:crypto";
import * as jose from "jose";
import { validationError, refusedError } from "../errors.js";
import { type Dialect, deviation } from "./dialects/index.js";
import type { ProviderMetadata } from "./discovery.js";
import type { ProviderIo } from "./ports.js";
import { parseJsonObject } from "./response.js";

export const CLOCK_SKEW_SECONDS = 60;

export interface IdTokenContext {
  /** Fetches the JWKS and hears of deviations. */
  io: ProviderIo;
  metadata: ProviderMetadata;
  dialect: Dialect;
  clientId: string;
  clientSecret?: string;
  /** The nonce sent with the authorization request; undefined after a refresh. */
  nonce?: string;
  accessToken?: string;
  /** After a refresh: the `sub` of the first ID token. */
  expectedSub?: string;
  /** Epoch seconds. */
  now: number;
}

export interface IdTokenHeader {
  alg?: string;
  kid?: string;
  [k: string]: unknown;
}

/** Header and claims without verifying anything. */
export function decodeJwt(token: string): { header: IdTokenHeader; claims: Record<string, unknown> } {
  const parts = token.split(".");
  if (parts.length !== 3) throw validationError("id_token.format", "not a compact JWS (three dot-separated parts)");
  const part = (s: string, what: string) => {
    try {
      const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8"));
      if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error();
      return v as Record<string, unknown>;
    } catch {
      throw validationError("id_token.format", `the ${what} is not base64url JSON`);
    }
  };
  return { header: part(parts[0] as string, "header") as IdTokenHeader, claims: part(parts[1] as string, "payload") };
}

export async function fetchJwks(io: ProviderIo, metadata: ProviderMetadata): Promise<{ jwks?: jose.JSONWebKeySet; status?: number }> {
  const uri = metadata.jwks_uri;
  if (!uri) return {};
  const res = await io.http.request(uri, { what: "JWKS", retry: true });
  if (res.status !== 200) return { status: res.status };
  const body = parseJsonObject(res, "JWKS");
  if (!Array.isArray(body.keys)) throw refusedError("JWKS failed: the document has no keys array");
  return { jwks: body as unknown as jose.JSONWebKeySet };
}

const HASH_OF: Record<string, string> = {
  RS256: "sha256",
  PS256: "sha256",
  ES256: "sha256",
  HS256: "sha256",
  ES256K: "sha256",
  RS384: "sha384",
  PS384: "sha384",
  ES384: "sha384",
  HS384: "sha384",
  RS512: "sha512",
  PS512: "sha512",
  ES512: "sha512",
  HS512: "sha512",
  EdDSA: "sha512",
  Ed25519: "sha512",
};

/** `at_hash`: the left half of the hash of the access token, by the ID token's alg. */
export function accessTokenHash(accessToken: string, alg: string): string | undefined {
  const h = HASH_OF[alg];
  if (!h) return undefined;
  const digest = createHash(h).update(accessToken).digest();
  return digest.subarray(0, digest.length / 2).toString("base64url");
}

async function verifySignature(token: string, header: IdTokenHeader, ctx: IdTokenContext): Promise<void> {
  const alg = header.alg;
  if (typeof alg !== "string" || !alg) throw validationError("id_token.alg", "the header has no alg");
  if (alg === "none") throw validationError("id_token.alg", "alg none (an unsigned ID token) is refused");
  // Only an alg the provider signs with: otherwise anyone holding the client secret (an HS* key)
  // could mint ID tokens for a provider that signs with its private key. RS256 is the default.
  const advertised = ctx.metadata.id_token_signing_alg_values_supported;
  const allowed = Array.isArray(advertised) && advertised.length ? advertised : ["RS256"];
  if (!allowed.includes(alg))
    throw validationError("id_token.alg", `alg ${alg} is not one the provider signs ID tokens with (${allowed.join(", ")})`);
  try {
    if (alg.startsWith("HS")) {
      if (!ctx.clientSecret) throw validationError("id_token.alg", `${alg} needs the client secret, and this client has none`);
      await jose.compactVerify(token, new TextEncoder().encode(ctx.clientSecret), { algorithms: [alg] });
      return;
    }
    const { jwks, status } = await fetchJwks(ctx.io, ctx.metadata);
    if (!jwks)
      throw validationError(
        "id_token.signature",
        ctx.metadata.jwks_uri ? `the JWKS at ${ctx.metadata.jwks_uri} answered ${status}` : "the provider advertises no jwks_uri",
      );
    await jose.compactVerify(token, jose.createLocalJWKSet(jwks), { algorithms: [alg] });
  } catch (e) {
    if ((e as { exitCode?: number }).exitCode) throw e;
    const code = (e as { code?: string }).code;
    if (code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS")
      throw validationError("id_token.kid", "the header has no kid and several JWKS keys could match");
    if (code === "ERR_JWKS_NO_MATCHING_KEY")
      throw validationError(
        "id_token.kid",
        header.kid ? `no JWKS key has kid ${JSON.stringify(header.kid)}` : `no JWKS key fits alg ${alg}`,
      );
    if (code === "ERR_JOSE_ALG_NOT_ALLOWED" || code === "ERR_JOSE_NOT_SUPPORTED")
      throw validationError("id_token.alg", `alg ${alg} is not supported`);
    throw validationError("id_token.signature", "the signature does not verify");
  }
}

/** Verify an ID token; returns its claims. */
export async function verifyIdToken(token: string, ctx: IdTokenContext): Promise<Record<string, unknown>> {
  const { header, claims } = decodeJwt(token);
  await verifySignature(token, header, ctx);
  const now = ctx.now;
  const { issuer } = ctx.metadata;

  if (claims.iss === undefined) {
    // Only the dialect's HS256 tokens (MACed with the client secret) may lack iss; a signed one never.
    if (!ctx.dialect.idTokenMayLackIss || !String(header.alg).startsWith("HS"))
      throw validationError("id_token.iss", "the ID token has no iss claim");
    deviation(ctx.io, ctx.dialect, "id-token-without-iss");
  } else if (claims.iss !== issuer) {
    throw validationError("id_token.iss", `iss is ${JSON.stringify(claims.iss)}, expected ${JSON.stringify(issuer)}`);
  }

  const aud = claims.aud;
  const auds = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : undefined;
  if (!auds?.every((a) => typeof a === "string")) throw validationError("id_token.aud", "aud is missing or malformed");
  if (!auds.includes(ctx.clientId)) throw validationError("id_token.aud", `aud ${JSON.stringify(aud)} does not include this client`);
  if (auds.length > 1 && claims.azp === undefined) throw validationError("id_token.azp", "several audiences and no azp");
  if (claims.azp !== undefined && claims.azp !== ctx.clientId)
    throw validationError("id_token.azp", `azp ${JSON.stringify(claims.azp)} is not this client`);

  if (typeof claims.exp !== "number") throw validationError("id_token.exp", "exp is missing");
  if (claims.exp + CLOCK_SKEW_SECONDS <= now)
    throw validationError("id_token.exp", `the ID token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.iat !== "number") throw validationError("id_token.iat", "iat is missing");
  if (claims.iat - CLOCK_SKEW_SECONDS > now) throw validationError("id_token.iat", "iat is in the future");
  if (typeof claims.sub !== "string" || !claims.sub) throw validationError("id_token.sub", "sub is missing");
  if (ctx.expectedSub !== undefined && claims.sub !== ctx.expectedSub)
    throw validationError("id_token.sub", "the refreshed ID token names another subject");

  if (ctx.nonce !== undefined && claims.nonce !== ctx.nonce)
    throw validationError(
      "id_token.nonce",
      claims.nonce === undefined ? "the ID token has no nonce" : "the nonce is not the one this login sent",
    );

  if (claims.at_hash !== undefined && ctx.accessToken) {
    const expected = accessTokenHash(ctx.accessToken, header.alg as string);
    if (expected === undefined) throw validationError("id_token.at_hash", `at_hash cannot be checked for alg ${header.alg}`);
    if (claims.at_hash !== expected) throw validationError("id_token.at_hash", "at_hash does not match the access token");
  }
  return claims;
}
