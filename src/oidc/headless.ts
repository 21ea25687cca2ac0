/**
 * The headless authorization a better-auth session makes possible: authorize with the session as
 * Bearer and redirects off, answer the consent page the provider sends us to, and hand back the
 * redirect to the client's callback. The consent mechanism is the dialect's.
 */
import { errorCode, OidcError, refusedError, usageError } from "../errors.js";
import { httpRequest, parseJsonObject, providerRefused } from "../http.js";
import { registerSecret } from "../redact.js";
import { isRedirectTo } from "./authorize.js";
import type { Dialect } from "./dialects.js";
import type { ProviderMetadata } from "./discovery.js";

/** The URL of one of the dialect's session endpoints (better-auth: under `…/api/auth`). */
export function sessionEndpoint(metadata: ProviderMetadata, dialect: Dialect, which: "consent" | "client", clientId = ""): string {
  const ep = dialect.sessionEndpoints;
  if (!ep) throw usageError(`${dialect.label} has no session endpoints`);
  const base = metadata.authorization_endpoint.endsWith(ep.authorize)
    ? metadata.authorization_endpoint.slice(0, -ep.authorize.length)
    : new URL(metadata.authorization_endpoint).origin;
  return `${base}${ep[which].replace("{id}", encodeURIComponent(clientId))}`;
}

export interface ConsentRequest {
  /** The consent page URL the provider redirected to. */
  pageUrl: string;
  clientId?: string;
  scope?: string;
  /** Which mechanism answers it. */
  kind: "consent_code" | "oauth_query";
}

export type AuthorizeStep = { kind: "redirect"; url: string } | { kind: "consent"; consent: ConsentRequest };

/** Recognise a consent page URL: better-auth 1.6 carries `consent_code`, 1.7 the signed original query. */
export function consentRequestFromUrl(pageUrl: string, dialect?: Dialect): ConsentRequest {
  let u: URL;
  try {
    u = new URL(pageUrl);
  } catch {
    throw usageError(`${JSON.stringify(pageUrl)} is not a URL`);
  }
  const kind = u.searchParams.has("consent_code")
    ? "consent_code"
    : (dialect?.consent ?? (u.searchParams.has("sig") ? "oauth_query" : undefined));
  if (!kind) throw usageError("the URL is not a consent page URL (no consent_code, no signed query)");
  const consentCode = u.searchParams.get("consent_code");
  registerSecret(consentCode);
  return { pageUrl, kind, clientId: u.searchParams.get("client_id") ?? undefined, scope: u.searchParams.get("scope") ?? undefined };
}

/**
 * Request the authorization URL with the session. Returns the redirect to the callback, or the
 * consent request to answer.
 */
export async function authorizeWithSession(
  authorizationUrl: string,
  redirectUri: string,
  sessionToken: string,
  dialect: Dialect,
): Promise<AuthorizeStep> {
  const res = await httpRequest(authorizationUrl, {
    what: "authorization request",
    headers: { authorization: `Bearer ${sessionToken}`, accept: "text/html,application/json" },
  });
  let location = res.headers.location;
  if (res.status === 200 && !location) {
    // With Sec-Fetch-Mode or JSON negotiation better-auth answers {redirect, url}.
    try {
      const body = JSON.parse(res.text) as { url?: unknown };
      if (typeof body.url === "string") location = body.url;
    } catch {
      /* fall through */
    }
  }
  if (!location || res.status >= 400) throw providerRefused(res, "authorization request");
  const target = new URL(location, authorizationUrl).toString();
  if (isRedirectTo(target, redirectUri)) return { kind: "redirect", url: target };
  const u = new URL(target);
  if (u.searchParams.has("error")) {
    const desc = u.searchParams.get("error_description");
    throw refusedError(`authorization failed: ${errorCode(u.searchParams.get("error") ?? "")}${desc ? ` (${JSON.stringify(desc)})` : ""}`);
  }
  if (u.searchParams.has("consent_code") || (dialect.consent === "oauth_query" && u.searchParams.has("sig")))
    return { kind: "consent", consent: consentRequestFromUrl(target, dialect) };
  throw refusedError(
    `authorization failed: the provider did not accept the session token (it redirected to ${u.origin}${u.pathname})`,
    "sign in again to get a fresh session token (better-auth: POST /api/auth/sign-in/email)",
  );
}

/** Answer a consent request; returns the URL the provider sends the browser to next. */
export async function answerConsent(
  metadata: ProviderMetadata,
  dialect: Dialect,
  consent: ConsentRequest,
  accept: boolean,
  sessionToken: string,
): Promise<string> {
  const url = sessionEndpoint(metadata, dialect, "consent");
  const page = new URL(consent.pageUrl);
  const json =
    consent.kind === "consent_code"
      ? { accept, consent_code: page.searchParams.get("consent_code") }
      : { accept, oauth_query: page.search.replace(/^\?/, "") };
  const res = await httpRequest(url, {
    json,
    what: "consent",
    headers: { authorization: `Bearer ${sessionToken}`, accept: "application/json" },
  });
  if (res.status >= 300 && res.status < 400 && res.headers.location) return new URL(res.headers.location, url).toString();
  if (res.status === 401 || res.status === 403) {
    const e = providerRefused(res, "consent");
    throw new OidcError(e.exitCode, e.message, {
      hint: "the provider did not accept the session token: sign in again for a fresh one (better-auth: POST /api/auth/sign-in/email)",
    });
  }
  if (res.status !== 200) throw providerRefused(res, "consent");
  const body = parseJsonObject(res, "consent");
  const next = body[dialect.sessionEndpoints?.consentRedirectKey ?? "url"] ?? body.url;
  if (typeof next !== "string") throw refusedError("consent failed: the answer names no redirect URI");
  return next;
}
