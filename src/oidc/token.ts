/**
 * Token endpoint: client authentication and the grants (authorization_code, refresh_token,
 * client_credentials), plus the shape checks on a token response.
 */
import { ExitCode, OidcError, oauthErrorText, refusedError } from "../errors.js";
import type { Client } from "./client.js";
import { type Dialect, deviation } from "./dialects/index.js";
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

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks for the id and secret inside Basic. */
const formEncode = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");

/** Headers and form fields that authenticate the client (RFC 6749 §2.3.1). */
export function clientAuthentication(client: Client): { headers: Record<string, string>; form: Record<string, string> } {
  const method = authMethodOf(client);
  if (method === "client_secret_basic") {
    const enc = formEncode;
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

const VSCHAR = /^[\x20-\x7e]+$/;
const NAME_CHARS = /^[A-Za-z0-9._-]+$/;

export function parseTokenResponse(res: HttpResponse, what: string, observer: Pick<Observer, "secret">): TokenResponse {
  if (res.status !== 200) throw new TokenEndpointError(res, what);
  const body = parseJsonObject(res, what);
  if (typeof body.access_token !== "string" || !body.access_token) throw refusedError(`${what} failed: the response has no access_token`);
  if (typeof body.token_type !== "string" || !body.token_type) throw refusedError(`${what} failed: the response has no token_type`);
  for (const key of ["refresh_token", "id_token", "scope"] as const) {
    if (body[key] !== undefined && typeof body[key] !== "string") throw refusedError(`${what} failed: ${key} is not a string`);
  }
  for (const key of ["access_token", "refresh_token", "id_token"] as const) observer.secret(body[key] as string | undefined);
  // What ends up in a header (`curl -H "$(oidc token -o header)"`) or a shell line can carry no
  // other: tokens are VSCHAR (RFC 6749 §A.12), a token type is name characters (§A.13).
  for (const key of ["access_token", "refresh_token", "id_token"] as const) {
    const v = body[key];
    if (typeof v === "string" && !VSCHAR.test(v))
      throw refusedError(`${what} failed: the ${key} has characters a token may not have (RFC 6749 §A.12: printable ASCII only)`);
  }
  if (!NAME_CHARS.test(body.token_type))
    throw refusedError(`${what} failed: the token_type ${JSON.stringify(body.token_type)} is not a token type name (RFC 6749 §A.13)`);
  let expiresIn: number | undefined;
  if (body.expires_in !== undefined) {
    expiresIn = typeof body.expires_in === "string" ? Number(body.expires_in) : (body.expires_in as number);
    if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn < 0)
      throw refusedError(`${what} failed: expires_in is not a number of seconds`);
  }
  return { ...body, expires_in: expiresIn } as TokenResponse;
}

/** The provider as the token endpoint's callers know it: its metadata, and the dialect deviations are reported for. */
export interface TokenProvider {
  metadata: ProviderMetadata;
  dialect: Dialect;
}

/** A token response, and the client as it authenticated (its method changed where the Basic fallback was taken, to be remembered). */
export interface TokenResult {
  tokens: TokenResponse;
  client: Client;
}

/**
 * Whether a refused client_secret_basic is worth one retry with client_secret_post: the provider
 * said invalid_client, the id or secret is one that form-encoding changes (some providers decode
 * Basic credentials without form-decoding them), and it advertises client_secret_post.
 */
export function basicFallbackApplies(client: Client, metadata: ProviderMetadata, e: unknown): boolean {
  if (!(e instanceof TokenEndpointError) || e.oauthError !== "invalid_client") return false;
  if (authMethodOf(client) !== "client_secret_basic") return false;
  const changed = (s: string) => formEncode(s) !== s;
  if (!changed(client.client_id) && !changed(client.client_secret as string)) return false;
  const advertised = metadata.token_endpoint_auth_methods_supported;
  return Array.isArray(advertised) && advertised.includes("client_secret_post");
}

async function tokenRequest(
  io: ProviderIo,
  provider: TokenProvider,
  client: Client,
  form: Record<string, string | undefined>,
  what: string,
): Promise<TokenResult> {
  const send = async (c: Client) => {
    const auth = clientAuthentication(c);
    const res = await io.http.request(provider.metadata.token_endpoint, { form: { ...form, ...auth.form }, headers: auth.headers, what });
    return parseTokenResponse(res, what, io);
  };
  try {
    return { tokens: await send(client), client };
  } catch (e) {
    if (!basicFallbackApplies(client, provider.metadata, e)) throw e;
    const post: Client = { ...client, token_endpoint_auth_method: "client_secret_post" };
    let tokens: TokenResponse;
    try {
      tokens = await send(post);
    } catch {
      throw e;
    }
    deviation(io, provider.dialect, "basic-credentials-not-form-decoded");
    return { tokens, client: post };
  }
}

export function exchangeAuthorizationCode(
  io: ProviderIo,
  provider: TokenProvider,
  client: Client,
  p: { code: string; codeVerifier: string; redirectUri: string },
): Promise<TokenResult> {
  return tokenRequest(
    io,
    provider,
    client,
    { grant_type: "authorization_code", code: p.code, redirect_uri: p.redirectUri, code_verifier: p.codeVerifier },
    "code exchange",
  );
}

export function refreshTokenGrant(io: ProviderIo, provider: TokenProvider, client: Client, refreshToken: string): Promise<TokenResult> {
  return tokenRequest(io, provider, client, { grant_type: "refresh_token", refresh_token: refreshToken }, "token refresh");
}

/**
 * The client_credentials grant, for a client that can authenticate. It is tried even where
 * `grant_types_supported` leaves it out (the field is advisory: grantNotAdvertised says so first).
 */
export async function clientCredentialsGrant(
  io: ProviderIo,
  provider: TokenProvider,
  client: Client,
  scope?: string,
): Promise<TokenResult> {
  checkClientCredentials(client);
  return tokenRequest(io, provider, client, { grant_type: "client_credentials", scope }, "client credentials grant");
}

/** The client_credentials grant needs a secret to authenticate with. */
export function checkClientCredentials(client: Client): void {
  if (!client.client_secret)
    throw new OidcError(ExitCode.usage, "the client_credentials grant needs a client secret", { remedy: "client-secret" });
}

/** Words for a grant the provider's `grant_types_supported` leaves out (advisory: the grant is still tried), or undefined. */
export function grantNotAdvertised(metadata: ProviderMetadata, grant: string): string | undefined {
  const grants = metadata.grant_types_supported;
  if (!Array.isArray(grants) || grants.includes(grant)) return undefined;
  return `the provider does not advertise the ${grant} grant (grant_types_supported: ${grants.join(", ") || "none"}); trying it anyway`;
}

/** The requested scopes a token response's `scope` leaves out (none when it has no scope: then it is the one requested, RFC 6749 §5.1). */
export function scopesNotGranted(requested: string | undefined, granted: string | undefined): string[] {
  if (granted === undefined || !requested) return [];
  const got = new Set(granted.split(/\s+/).filter(Boolean));
  return [...new Set(requested.split(/\s+/).filter(Boolean))].filter((s) => !got.has(s));
}
