/**
 * The authorization request (code flow + PKCE S256, state, nonce) and the checks on its response:
 * state, RFC 9207 `iss`, and the provider's error. No I/O here.
 */
import { createHash, randomBytes } from "node:crypto";
import { ExitCode, errorCode, OidcError, oauthErrorText, refusedError, validationError } from "../errors.js";
import { type Dialect, deviation } from "./dialects/index.js";
import type { ProviderMetadata } from "./discovery.js";
import type { HttpResponse, Observer } from "./ports.js";

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

/** What an HTML error page says, in a line: its `error:`/`error_description:` lines (oidc-provider), else its title and heading. */
export function htmlPageText(html: string, max = 200): string | undefined {
  const decode = (s: string) =>
    s
      .replace(/<[^>]*>/g, " ")
      .replace(/&(lt|gt|amp|quot|#39|#x27|nbsp);/g, (_, e: string) =>
        e === "lt" ? "<" : e === "gt" ? ">" : e === "amp" ? "&" : e === "quot" ? '"' : e === "nbsp" ? " " : "'",
      )
      .replace(/\s+/g, " ")
      .trim();
  const body = decode(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, " "));
  const error = /\berror\s*:\s*([A-Za-z0-9_.-]+)/.exec(body)?.[1];
  if (error) {
    const desc = /\berror_description\s*:\s*(.+?)(?=\s+(?:state|iss|error|error_uri)\s*:|$)/.exec(body)?.[1];
    return oauthErrorText({ error, error_description: desc });
  }
  const parts: string[] = [];
  for (const tag of ["title", "h1", "h2"]) {
    const m = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, "i").exec(html);
    const t = m?.[1] ? decode(m[1]) : "";
    if (t && !parts.includes(t)) parts.push(t);
  }
  const text = parts.join(": ") || body;
  if (!text) return undefined;
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

/** Why the provider refused: the client it does not know, or (the default) a redirect URI it does not accept. */
/** The likely cause, when the provider's words name one. */
function refusalRemedy(text: string): "unknown-client" | "redirect-uri-not-registered" | undefined {
  if (/redirect/i.test(text)) return "redirect-uri-not-registered";
  if (/client/i.test(text)) return "unknown-client";
  return undefined;
}

/** An OAuth error code in a page (RFC 6749 §4.1.2.1): the provider refused the request itself. */
const OAUTH_ERROR_WORD = /\b(invalid_[a-z_]+|unauthorized_client|unsupported_response_type|access_denied|invalid_scope)\b/;

/**
 * Go on with the browser: the provider shows a page (login, consent) or redirects to one; or
 * (`autoApproved`) it redirected with a code straight to the callback, a code that is not used.
 */
export interface AuthorizationPreflight {
  kind: "continue";
  autoApproved?: boolean;
  /** An error status that is not a refusal of the request (a challenge page, a server hiccup): said, and the browser may still work. */
  note?: string;
}

/**
 * The answer to the authorization request sent once without following redirects, before a
 * browser is opened: a provider that refuses the client or its redirect URI shows its own error
 * page and never comes back to the callback, so that refusal must end the login here.
 * State is not checked (nothing in the answer is used); an error is quoted as the provider said it.
 */
export function processAuthorizationPreflight(res: HttpResponse, redirectUri: string): AuthorizationPreflight {
  if (res.status >= 400) {
    const type = (res.headers["content-type"] ?? "").toLowerCase();
    const json = (() => {
      try {
        return JSON.parse(res.text) as unknown;
      } catch {
        return undefined;
      }
    })();
    const quoted = oauthErrorText(json) ?? (type.includes("html") || /^\s*</.test(res.text) ? htmlPageText(res.text) : undefined);
    const said = quoted ?? (res.text.trim() ? JSON.stringify(res.text.trim().slice(0, 200)) : "an empty body");
    // An error status ends the login (a refusal, a provider that is down behind its proxy), except
    // a 401 or 403 that names no OAuth error: a challenge page (a WAF) or a sign-in wall that a
    // browser may still get through.
    const oauth = oauthErrorText(json) !== undefined || OAUTH_ERROR_WORD.test(quoted ?? "");
    const refused = oauth || (res.status !== 401 && res.status !== 403);
    if (!refused) return { kind: "continue", note: `the authorization endpoint answered ${res.status} (${said}); going on in the browser` };
    const remedy = refusalRemedy(said);
    throw new OidcError(
      ExitCode.refused,
      `the provider refused the authorization request (redirect URI ${redirectUri}): it answered ${res.status}: ${said}`,
      remedy ? { remedy } : {},
    );
  }
  const location = res.headers.location;
  if (res.status >= 300 && res.status < 400 && location) {
    let target: URL;
    try {
      target = new URL(location, res.url);
    } catch {
      return { kind: "continue" };
    }
    const q = target.searchParams;
    const error = q.get("error");
    const toUs = isRedirectTo(target.toString(), redirectUri);
    if (error || (!toUs && q.has("error_description"))) {
      const said = oauthErrorText({ error: error ?? undefined, error_description: q.get("error_description") ?? undefined }) ?? "";
      const where = toUs ? "redirected back with an error" : `redirected to its error page ${target.origin}${target.pathname}`;
      const remedy = toUs ? undefined : refusalRemedy(said);
      throw new OidcError(
        ExitCode.refused,
        `the provider refused the authorization request: it ${where}: ${said}`,
        remedy ? { remedy } : {},
      );
    }
    if (toUs && q.has("code")) return { kind: "continue", autoApproved: true };
  }
  return { kind: "continue" };
}
