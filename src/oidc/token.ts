/**
 * Token endpoint: client authentication and the grants (authorization_code, refresh_token,
 * client_credentials), plus the shape checks on a token response.
 */
import { ExitCode, OidcError, oauthErrorText, refusedError } from "../errors.js";
import type { Client } from "./client.js";
import type { ProviderMetadata } from "./discovery.js";
import type { HttpResponse, Observer, ProviderIo } from "./ports.js";
import { jsonBodyOf, parseJsonObject } from "./response.js";

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [key: string]: unknown;
}

export type AuthMethod = "client_secret_basic" | "client_secret_post" | "none";

export function authMethodOf(client: Client): AuthMethod {
  const m = client.token_endpoint_auth_method;
  if (m === "client_secret_post" || m === "client_secret_basic") return client.client_secret ? m : "none";
  if (m === "none" && !client.client_secret) return "none";
  return client.client_secret ? "client_secret_basic" : "none";
}

/** Headers and form fields that authenticate the client (RFC 6749 §2.3.1). */
export function clientAuthentication(client: Client): { headers: Record<string, string>; form: Record<string, string> } {
  const method = authMethodOf(client);
  if (method === "client_secret_basic") {
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
    const basic = Buffer.from(`${enc(client.client_id)}:${enc(client.client_secret as string)}`).toString("base64");
    return { headers: { authorization: `Basic ${basic}` }, form: {} };
  }
  if (method === "client_secret_post")
    return { headers: {}, form: { client_id: client.client_id, client_secret: client.client_secret as string } };
  return { headers: {}, form: { client_id: client.client_id } };
}

/** An OAuth error from the token endpoint, with the provider's words. */
export class TokenEndpointError extends OidcError {
  readonly oauthError?: string;
  constructor(res: HttpResponse, what: string) {
    const body = jsonBodyOf(res);
    const quoted = oauthErrorText(body);
    super(ExitCode.refused, `${what} failed: the provider answered ${res.status}${quoted ? `: ${quoted}` : ""}`);
    const err = (body as { error?: unknown } | undefined)?.error;
    this.oauthError = typeof err === "string" ? err : undefined;
  }
}

/** `invalid_grant`: the grant (a refresh token, a code) is no longer good. */
export const isInvalidGrant = (e: unknown): e is TokenEndpointError => e instanceof TokenEndpointError && e.oauthError === "invalid_grant";

export function parseTokenResponse(res: HttpResponse, what: string, observer: Pick<Observer, "secret">): TokenResponse {
  if (res.status !== 200) throw new TokenEndpointError(res, what);
  const body = parseJsonObject(res, what);
  if (typeof body.access_token !== "string" || !body.access_token) throw refusedError(`${what} failed: the response has no access_token`);
  if (typeof body.token_type !== "string" || !body.token_type) throw refusedError(`${what} failed: the response has no token_type`);
  for (const key of ["refresh_token", "id_token", "scope"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "string") throw refusedError(`${what} failed: ${key} is not a string`);
  }
  let expiresIn: number | undefined;
  if (body.expires_in !== undefined) {
    expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : (body.expires_in as number);
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn < 0)
      throw refusedError(`${what} failed: expires_in is not a number of seconds`);
  }
  const tokens = { ...body, expires_in: expiresIn } as TokenResponse;
  observer.secret(tokens.access_token);
  observer.secret(tokens.refresh_token);
  observer.secret(tokens.id_token);
  return tokens;
}

async function tokenRequest(io: ProviderIo, tokenEndpoint: string, client: Client, form: Record<string, string | undefined>, what: string) {
  const auth = clientAuthentication(client);
  const res = await io.http.request(tokenEndpoint, { form: { ...form, ...auth.form }, headers: auth.headers, what });
  return parseTokenResponse(res, what, io);
}

export function exchangeAuthorizationCode(
  io: ProviderIo,
  tokenEndpoint: string,
  client: Client,
  p: { code: string; codeVerifier: string; redirectUri: string },
): Promise<TokenResponse> {
  return tokenRequest(
    io,
    tokenEndpoint,
    client,
    { grant_type: "authorization_code", code: p.code, redirect_uri: p.redirectUri, code_verifier: p.codeVerifier },
    "code exchange",
  );
}

export function refreshTokenGrant(io: ProviderIo, tokenEndpoint: string, client: Client, refreshToken: string): Promise<TokenResponse> {
  return tokenRequest(io, tokenEndpoint, client, { grant_type: "refresh_token", refresh_token: refreshToken }, "token refresh");
}

/** The client_credentials grant, where the provider supports it and the client can authenticate. */
export async function clientCredentialsGrant(
  io: ProviderIo,
  metadata: ProviderMetadata,
  client: Client,
  scope?: string,
): Promise<TokenResponse> {
  checkClientCredentials(metadata, client);
  return tokenRequest(io, metadata.token_endpoint, client, { grant_type: "client_credentials", scope }, "client credentials grant");
}

/** Whether the client_credentials grant can work: advertised (or nothing advertised) and a secret to authenticate with. */
export function checkClientCredentials(metadata: ProviderMetadata, client: Client): void {
  const grants = metadata.grant_types_supported;
  if (Array.isArray(grants) && !grants.includes("client_credentials"))
    throw refusedError(`the provider does not support the client_credentials grant (it advertises: ${grants.join(", ")})`);
  if (!client.client_secret)
    throw new OidcError(ExitCode.usage, "the client_credentials grant needs a client secret", { remedy: "client-secret" });
}
