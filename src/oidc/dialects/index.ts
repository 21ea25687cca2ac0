/**
 * Provider dialects: every way a supported provider departs from the standards, as data, in this
 * one place (better-auth's session and consent mechanics are in ./better-auth.ts). The protocol
 * code asks the dialect; it never tests for a provider by name. Each departure met is handed to the
 * caller's observer, which reports it once, naming the provider and the rule.
 */
import { usageError } from "../../errors.js";
import type { Observer } from "../ports.js";

export type DialectId = "standard" | "better-auth-1.6" | "better-auth-1.7";

export interface Dialect {
  id: DialectId;
  label: string;
  /** Discovery documents served away from `issuer + /.well-known/...`, relative to the origin. */
  extraDiscoveryPaths: string[];
  /** The document's `issuer` is the bare origin while it is served under a base path. */
  issuerIsOrigin: boolean;
  /** HS256 ID tokens come without `iss`. */
  idTokenMayLackIss: boolean;
  /** `jwks_uri` is advertised even when nothing is served there. */
  jwksMayBeMissing: boolean;
  /**
   * How a headless flow answers the consent page, if the provider has one it can drive: the query
   * parameter that marks the page, and what the answer carries (./better-auth.ts).
   */
  consent?: { kind: "consent_code" | "oauth_query"; pageParam: string };
  /**
   * The provider's own session endpoints, relative to the base path its authorization endpoint
   * sits under (better-auth: `/api/auth`). Without them `oidc client` reads clients by RFC 7592.
   */
  sessionEndpoints?: {
    authorize: string;
    consent: string;
    /** Where the consent answer names the next URL. */
    consentRedirectKey: string;
    /** Reading a client with a session; `{id}` is the client id. */
    client: string;
  };
  registration: {
    /** Send `application_type: native` (required for loopback redirects by some, unknown to others). */
    sendApplicationType: boolean;
    /** Registered redirect URIs match exactly, port included (no RFC 8252 §7.3 port freedom). */
    exactLoopbackPort: boolean;
    /** The default client authentication this CLI registers with. */
    defaultAuthMethod: "none" | "client_secret_basic";
    /** `token_endpoint_auth_method: none` still returns (and then requires) a secret. */
    noneYieldsSecret: boolean;
    /** Answers 200 instead of 201 (RFC 7591 §3.2.1); reported by `oidc doctor`. */
    status200?: boolean;
    /** Registering needs a signed-in session by default; reported by `oidc doctor`. */
    needsSession?: boolean;
  };
  /**
   * Ask for `prompt=consent` with `offline_access` (OIDC Core §11): standard providers such as
   * oidc-provider drop offline_access without it; better-auth would show its consent page every time.
   */
  offlineAccessNeedsConsentPrompt: boolean;
  /** Error redirects (e.g. consent denied) come back without `state`. */
  errorRedirectMayLackState: boolean;
  /** Authorization responses carry no RFC 9207 `iss`. */
  noAuthorizationResponseIss: boolean;
}

export const DIALECTS: Record<DialectId, Dialect> = {
  standard: {
    id: "standard",
    label: "standard OpenID Connect",
    extraDiscoveryPaths: [],
    issuerIsOrigin: false,
    idTokenMayLackIss: false,
    jwksMayBeMissing: false,
    registration: { sendApplicationType: true, exactLoopbackPort: false, defaultAuthMethod: "none", noneYieldsSecret: false },
    offlineAccessNeedsConsentPrompt: true,
    errorRedirectMayLackState: false,
    noAuthorizationResponseIss: false,
  },
  "better-auth-1.6": {
    id: "better-auth-1.6",
    label: "better-auth 1.6 oidcProvider",
    extraDiscoveryPaths: ["/api/auth/.well-known/openid-configuration"],
    issuerIsOrigin: true,
    idTokenMayLackIss: true,
    jwksMayBeMissing: true,
    consent: { kind: "consent_code", pageParam: "consent_code" },
    sessionEndpoints: {
      authorize: "/oauth2/authorize",
      consent: "/oauth2/consent",
      consentRedirectKey: "redirectURI",
      client: "/oauth2/client/{id}",
    },
    registration: {
      sendApplicationType: false,
      exactLoopbackPort: true,
      defaultAuthMethod: "client_secret_basic",
      noneYieldsSecret: true,
      status200: true,
    },
    offlineAccessNeedsConsentPrompt: false,
    errorRedirectMayLackState: true,
    noAuthorizationResponseIss: true,
  },
  "better-auth-1.7": {
    id: "better-auth-1.7",
    label: "better-auth 1.7 oauth-provider",
    extraDiscoveryPaths: ["/api/auth/.well-known/openid-configuration"],
    issuerIsOrigin: false,
    idTokenMayLackIss: false,
    jwksMayBeMissing: false,
    consent: { kind: "oauth_query", pageParam: "sig" },
    sessionEndpoints: {
      authorize: "/oauth2/authorize",
      consent: "/oauth2/consent",
      consentRedirectKey: "url",
      client: "/oauth2/get-client?client_id={id}",
    },
    registration: {
      sendApplicationType: true,
      exactLoopbackPort: false,
      defaultAuthMethod: "none",
      noneYieldsSecret: false,
      needsSession: true,
    },
    offlineAccessNeedsConsentPrompt: false,
    errorRedirectMayLackState: false,
    noAuthorizationResponseIss: false,
  },
};

/** The named deviations, with what the CLI does about each. */
export const DEVIATIONS = {
  "issuer-not-document-location":
    "the discovery document is served at %s, not under its issuer %s; accepted because this provider is known to do so",
  "id-token-without-iss": "the ID token has no `iss` claim (HS256 tokens of this provider never do); the other checks still apply",
  "no-iss-in-authorization-response":
    "the authorization response carries no `iss` parameter (RFC 9207), so mix-up protection rests on state and the ID token",
  "error-without-state": "the error redirect carries no `state` (RFC 6749 §4.1.2.1); accepted because this provider never sends it",
  "none-yields-secret": "registered with `token_endpoint_auth_method: none` but the provider issued a client secret and will require it",
  "registration-status-200": "dynamic registration answered 200 instead of 201 (RFC 7591)",
  "basic-credentials-not-form-decoded":
    "the token endpoint refused client_secret_basic credentials that form-encoding changes (it does not form-decode them, RFC 6749 §2.3.1); retried with client_secret_post, which this profile's client now uses",
} as const;
export type DeviationId = keyof typeof DEVIATIONS;

export const DIALECT_IDS = Object.keys(DIALECTS) as DialectId[];

/** Hand a deviation, in words, to the observer (which reports it once). */
export function deviation(observer: Observer, dialect: Dialect, id: DeviationId, ...args: string[]): void {
  let text: string = DEVIATIONS[id];
  for (const a of args) text = text.replace("%s", a);
  observer.deviation(dialect, id, text);
}

function pathEnds(url: unknown, suffix: string): boolean {
  if (typeof url !== "string") return false;
  try {
    return new URL(url).pathname.endsWith(suffix);
  } catch {
    return false;
  }
}

/** Recognise a provider from its discovery document. */
export function detectDialect(doc: Record<string, unknown>): Dialect {
  if (pathEnds(doc.authorization_endpoint, "/oauth2/authorize") && pathEnds(doc.userinfo_endpoint, "/oauth2/userinfo")) {
    if (pathEnds(doc.end_session_endpoint, "/oauth2/endsession") && !doc.revocation_endpoint) return DIALECTS["better-auth-1.6"];
    if (pathEnds(doc.end_session_endpoint, "/oauth2/end-session") || pathEnds(doc.revocation_endpoint, "/oauth2/revoke"))
      return DIALECTS["better-auth-1.7"];
  }
  return DIALECTS.standard;
}

/** The dialect a profile stored (its id), standard when absent or unknown. */
export function storedDialect(id: string | undefined): Dialect {
  return id !== undefined && id in DIALECTS ? DIALECTS[id as DialectId] : DIALECTS.standard;
}

export function dialectById(id: string | undefined): Dialect | undefined {
  if (!id) return undefined;
  if (id in DIALECTS) return DIALECTS[id as DialectId];
  throw usageError(`unknown dialect ${JSON.stringify(id)}`, `use one of: ${DIALECT_IDS.join(", ")}`);
}
