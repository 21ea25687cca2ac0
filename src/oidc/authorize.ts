/**
 * The authorization request (code flow + PKCE S256, state, nonce) and the checks on its response:
 * state, RFC 9207 `iss`, and the provider's error. No I/O here.
 */
import { createHash, randomBytes } from "node:crypto";
import { ExitCode, errorCode, OidcError, oauthErrorText, refusedError, validationError } from "../errors.js";
import { type Dialect, deviation } from "./dialects/index.js";
import type { ProviderMetadata } from "./discovery.js";
import type { Observer } from "./ports.js";

const b64url = (buf: Buffer) => buf.toString("base64url");
export const randomToken = (bytes = 32) => b64url(randomBytes(bytes));

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

export function pkceChallenge(verifier: string): string {
  return b64url(createHash("sha256").update(verifier).digest());
}

/**
 * The authorization request. `prompt` is the caller's; without one, `offline_access` asks for
 * `prompt=consent` where the dialect needs it (OIDC Core §11), whichever way the login goes.
 */
export function buildAuthorizationRequest(
  metadata: ProviderMetadata,
  p: { clientId: string; redirectUri: string; scope: string; prompt?: string; dialect?: Dialect; extra?: Record<string, string> },
  observer: Pick<Observer, "secret">,
): AuthorizationRequest {
  const codeVerifier = randomToken(48);
  const state = randomToken(24);
  const nonce = randomToken(24);
  observer.secret(codeVerifier);
  const prompt =
    p.prompt ?? (p.dialect?.offlineAccessNeedsConsentPrompt && p.scope.split(/\s+/).includes("offline_access") ? "consent" : undefined);
  const url = new URL(metadata.authorization_endpoint);
  const params: Record<string, string> = {
    response_type: "code",
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scope,
    state,
    nonce,
    code_challenge: pkceChallenge(codeVerifier),
    code_challenge_method: "S256",
    ...(prompt ? { prompt } : {}),
    ...p.extra,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { url: url.toString(), state, nonce, codeVerifier, redirectUri: p.redirectUri };
}

/** True when `url` goes to the redirect URI: same scheme, host, port and path. */
export function isRedirectTo(url: string, redirectUri: string): boolean {
  try {
    const a = new URL(url);
    const b = new URL(redirectUri);
    return a.origin === b.origin && a.pathname === b.pathname;
  } catch {
    return false;
  }
}

export interface AuthorizationResponseCheck {
  state: string;
  issuer: string;
  /** The provider advertises `authorization_response_iss_parameter_supported`. */
  issRequired: boolean;
  /** The provider's dialect: its known omissions (state on errors, iss) are accepted and reported. */
  dialect?: Dialect;
}

/**
 * Check a redirect back from the authorization endpoint and return its code. Order matters: a
 * response with someone else's state is refused before anything in it is believed.
 */
export function parseAuthorizationResponse(
  input: string | URL,
  expected: AuthorizationResponseCheck,
  observer: Observer,
): { code: string; iss?: string } {
  let url: URL;
  try {
    url = typeof input === "string" ? new URL(input) : input;
  } catch {
    throw new OidcError(ExitCode.usage, "the redirect URL is not a URL");
  }
  const q = url.searchParams;
  const state = q.get("state");
  const error = q.get("error");
  if (state !== expected.state) {
    // A provider known to omit state on error redirects: the error ends the flow (nothing in it is
    // used) and the omission is reported. Anything else without the right state is refused.
    const dialect = expected.dialect;
    if (error && state === null && dialect?.errorRedirectMayLackState) deviation(observer, dialect, "error-without-state");
    else
      throw validationError(
        "state",
        state === null ? "the authorization response has no state" : "the authorization response's state is not the one this login sent",
      );
  }
  const iss = q.get("iss");
  if (iss !== null && iss !== expected.issuer)
    throw validationError(
      "iss",
      `the authorization response comes from issuer ${JSON.stringify(iss)}, expected ${JSON.stringify(expected.issuer)}`,
    );
  if (iss === null && expected.issRequired)
    throw validationError("iss", "the provider advertises RFC 9207 but the authorization response has no iss parameter");
  if (iss === null && expected.dialect?.noAuthorizationResponseIss)
    deviation(observer, expected.dialect, "no-iss-in-authorization-response");
  if (error) {
    const desc = q.get("error_description");
    throw refusedError(`authorization failed: ${oauthErrorText({ error, error_description: desc ?? undefined }) ?? errorCode(error)}`);
  }
  const code = q.get("code");
  if (!code) throw refusedError("authorization failed: the response has neither code nor error");
  observer.secret(code);
  return { code, ...(iss ? { iss } : {}) };
}
