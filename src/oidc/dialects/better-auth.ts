/**
 * better-auth's session login, as its dialects describe it: authorize with the session as Bearer
 * and redirects off, answer the consent page the provider sends us to (1.6: `consent_code`; 1.7:
 * the signed original query), hand back the redirect to the client's callback, and read a client.
 */
import { ExitCode, errorCode, OidcError, oauthErrorText, refusedError, usageError } from "../../errors.js";
import { isRedirectTo } from "../authorize.js";
import type { ProviderMetadata } from "../discovery.js";
import type { Observer, ProviderIo } from "../ports.js";
import { parseJsonObject, providerRefused } from "../response.js";
import { DIALECTS, type Dialect } from "./index.js";

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

/** The consent mechanism a page URL carries: the dialect's, else the first whose marker it has. */
function consentKindOf(u: URL, dialect?: Dialect): ConsentRequest["kind"] | undefined {
  const known = Object.values(DIALECTS).flatMap((d) => (d.consent ? [d.consent] : []));
  // A consent_code is unambiguous; a signed query is 1.7's unless the dialect says otherwise.
  const byMarker = known.find((c) => c.kind === "consent_code" && u.searchParams.has(c.pageParam));
  if (byMarker) return byMarker.kind;
  if (dialect?.consent) return dialect.consent.kind;
  return known.find((c) => u.searchParams.has(c.pageParam))?.kind;
}

/** Recognise a consent page URL. */
export function consentRequestFromUrl(pageUrl: string, observer: Pick<Observer, "secret">, dialect?: Dialect): ConsentRequest {
  let u: URL;
  try {
    u = new URL(pageUrl);
  } catch {
    throw usageError(`${JSON.stringify(pageUrl)} is not a URL`);
  }
  const kind = consentKindOf(u, dialect);
  if (!kind) throw usageError("the URL is not a consent page URL (no consent_code, no signed query)");
  observer.secret(u.searchParams.get("consent_code"));
  return { pageUrl, kind, clientId: u.searchParams.get("client_id") ?? undefined, scope: u.searchParams.get("scope") ?? undefined };
}

/**
 * Request the authorization URL with the session. Returns the redirect to the callback, or the
 * consent request to answer.
 */
export async function authorizeWithSession(
  io: ProviderIo,
  authorizationUrl: string,
  redirectUri: string,
  sessionToken: string,
  dialect: Dialect,
): Promise<AuthorizeStep> {
  const res = await io.http.request(authorizationUrl, {
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
    const error = u.searchParams.get("error") ?? "";
    throw refusedError(`authorization failed: ${oauthErrorText({ error, error_description: desc ?? undefined }) ?? errorCode(error)}`);
  }
  if (dialect.consent && u.searchParams.has(dialect.consent.pageParam))
    return { kind: "consent", consent: consentRequestFromUrl(target, io, dialect) };
  if (u.searchParams.has("consent_code")) return { kind: "consent", consent: consentRequestFromUrl(target, io, dialect) };
  throw new OidcError(
    ExitCode.refused,
    `authorization failed: the provider did not accept the session token (it redirected to ${u.origin}${u.pathname})`,
    { remedy: "fresh-session" },
  );
}

/**
 * Answer a consent request; returns the URL the provider sends the browser to next. With
 * `redirectUri`, that URL must go to it: the answer is the login's, not a page's to redirect.
 */
export async function answerConsent(
  io: ProviderIo,
  metadata: ProviderMetadata,
  dialect: Dialect,
  consent: ConsentRequest,
  accept: boolean,
  sessionToken: string,
  redirectUri?: string,
): Promise<string> {
  const url = sessionEndpoint(metadata, dialect, "consent");
  const page = new URL(consent.pageUrl);
  const json =
    consent.kind === "consent_code"
      ? { accept, consent_code: page.searchParams.get("consent_code") }
      : { accept, oauth_query: page.search.replace(/^\?/, "") };
  const res = await io.http.request(url, {
    json,
    what: "consent",
    headers: { authorization: `Bearer ${sessionToken}`, accept: "application/json" },
  });
  let named: unknown;
  if (res.status >= 300 && res.status < 400 && res.headers.location) named = res.headers.location;
  else {
    if (res.status === 401 || res.status === 403) {
      const e = providerRefused(res, "consent");
      throw new OidcError(e.exitCode, e.message, { remedy: "fresh-session" });
    }
    if (res.status !== 200) throw providerRefused(res, "consent");
    const body = parseJsonObject(res, "consent");
    named = body[dialect.sessionEndpoints?.consentRedirectKey ?? "url"] ?? body.url;
    if (typeof named !== "string") throw refusedError("consent failed: the answer names no redirect URI");
  }
  let next: string;
  try {
    next = new URL(named as string, url).toString();
  } catch {
    throw refusedError(`consent failed: the answer names ${JSON.stringify(named)}, not a URL`);
  }
  if (redirectUri !== undefined && !isRedirectTo(next, redirectUri))
    throw refusedError(
      `consent failed: the provider sends the answer to ${new URL(next).origin}${new URL(next).pathname}, not to ${redirectUri}`,
    );
  return next;
}
