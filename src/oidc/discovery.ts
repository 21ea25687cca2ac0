/**
 * Discovery (OpenID Connect Discovery 1.0 / RFC 8414): find the document from an issuer, a
 * document URL, or an app's base URL; check it; recognise the provider's dialect.
 */
import { ExitCode, OidcError, usageError, validationError, refusedError } from "../errors.js";
import { type Dialect, DIALECTS, detectDialect, deviation } from "./dialects/index.js";
import type { Observer, ProviderIo } from "./ports.js";
import { parseJsonObject, providerRefused } from "./response.js";

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  registration_endpoint?: string;
  revocation_endpoint?: string;
  introspection_endpoint?: string;
  device_authorization_endpoint?: string;
  end_session_endpoint?: string;
  scopes_supported?: string[];
  grant_types_supported?: string[];
  code_challenge_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  [key: string]: unknown;
}

export interface Discovered {
  metadata: ProviderMetadata;
  /** Where the document was found. */
  discoveryUrl: string;
  dialect: Dialect;
}

const WELL_KNOWN = ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"];
export const stripSlash = (s: string) => s.replace(/\/+$/, "");

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Plain http only on loopback, unless the user said otherwise. */
export function checkTransport(url: string, what: string, allowInsecureHttp: boolean): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const guess = /^[\w.-]+(:\d+)?(\/|$)/.test(url)
      ? `did you mean ${isLoopbackHost(url.split(/[:/]/)[0] as string) ? "http" : "https"}://${url}?`
      : undefined;
    throw usageError(`${what} ${JSON.stringify(url)} is not a URL`, guess);
  }
  if (u.protocol === "https:") return u;
  if (u.protocol === "http:") {
    if (isLoopbackHost(u.hostname) || allowInsecureHttp) return u;
    throw new OidcError(ExitCode.usage, `${what} ${url} uses plain http on a non-loopback host`, { remedy: "allow-insecure-http" });
  }
  throw usageError(`${what} ${url} is not an http(s) URL`, /^[\w.-]+:\d+/.test(url) ? `did you mean http://${url}?` : undefined);
}

/** Two URLs that differ only in naming the loopback host (localhost, 127.0.0.1, [::1]). */
function sameLoopbackServer(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    if (!isLoopbackHost(x.hostname) || !isLoopbackHost(y.hostname) || x.hostname === y.hostname) return false;
    return x.protocol === y.protocol && x.port === y.port && stripSlash(x.pathname) === stripSlash(y.pathname);
  } catch {
    return false;
  }
}

/** The URLs to try, in order, and the issuer the user asked for. */
export function discoveryCandidates(input: string): { expectedIssuer: string; urls: string[] } {
  const url = new URL(input);
  url.hash = "";
  const full = stripSlash(url.toString());
  for (const wk of WELL_KNOWN) {
    if (url.pathname.endsWith(wk)) return { expectedIssuer: stripSlash(full.slice(0, full.length - wk.length)), urls: [full] };
  }
  const urls = [`${full}${WELL_KNOWN[0]}`];
  if (url.pathname === "/" || url.pathname === "") {
    for (const d of Object.values(DIALECTS)) for (const p of d.extraDiscoveryPaths) urls.push(`${url.origin}${p}`);
  }
  return { expectedIssuer: full, urls: [...new Set(urls)] };
}

const REQUIRED = ["issuer", "authorization_endpoint", "token_endpoint"] as const;
export const ENDPOINTS = [
  "authorization_endpoint",
  "token_endpoint",
  "userinfo_endpoint",
  "jwks_uri",
  "registration_endpoint",
  "revocation_endpoint",
  "introspection_endpoint",
  "device_authorization_endpoint",
  "end_session_endpoint",
] as const;

/** Check a document's shape and its issuer against the one asked for; recognise its dialect. */
export function validateDiscovery(
  doc: Record<string, unknown>,
  found: { expectedIssuer: string; discoveryUrl: string; allowInsecureHttp: boolean; dialect?: Dialect; viaAppBase?: boolean },
  observer: Observer,
): Discovered {
  for (const key of REQUIRED) {
    if (typeof doc[key] !== "string" || !doc[key])
      throw refusedError(`discovery failed: the document at ${found.discoveryUrl} has no ${key}`);
  }
  for (const key of ENDPOINTS) {
    if (doc[key] === undefined) continue;
    if (typeof doc[key] !== "string") throw refusedError(`discovery failed: ${key} is not a string`);
    checkTransport(doc[key] as string, key, found.allowInsecureHttp);
  }
  const metadata = doc as ProviderMetadata;
  const dialect = found.dialect ?? detectDialect(doc);
  const issuer = metadata.issuer;
  checkTransport(issuer, "issuer", found.allowInsecureHttp);
  const expected = found.expectedIssuer;
  const docBase = found.discoveryUrl.replace(/\/\.well-known\/.*$/, "");
  let ok = stripSlash(issuer) === stripSlash(expected);
  // An app's base URL was given and the document, found under the app's auth base path, names
  // that path as its issuer: same origin, consistent with its location.
  if (!ok && found.viaAppBase) ok = stripSlash(issuer) === stripSlash(docBase);
  // better-auth 1.6: the document lives under its base path, its issuer is the bare origin. Only at
  // the dialect's own document location: any other path on the origin could be another tenant.
  const origin = new URL(found.discoveryUrl).origin;
  const atDialectLocation =
    dialect.issuerIsOrigin &&
    stripSlash(issuer) === origin &&
    dialect.extraDiscoveryPaths.some((p) => found.discoveryUrl === `${origin}${p}`);
  if (!ok && atDialectLocation) ok = expected === origin || expected === docBase;
  if (!ok)
    throw validationError(
      "discovery.issuer",
      `the document at ${found.discoveryUrl} names issuer ${JSON.stringify(issuer)}, expected ${JSON.stringify(expected)}`,
      sameLoopbackServer(issuer, expected) ? `the provider calls itself ${issuer}: use that URL for it` : undefined,
    );
  if (stripSlash(docBase) !== stripSlash(issuer)) {
    if (!atDialectLocation)
      throw validationError("discovery.issuer", `the document at ${found.discoveryUrl} is not under its issuer ${issuer}`);
    deviation(observer, dialect, "issuer-not-document-location", found.discoveryUrl, issuer);
  }
  return { metadata, discoveryUrl: found.discoveryUrl, dialect };
}

export async function discover(
  io: ProviderIo,
  input: string,
  opts: { allowInsecureHttp: boolean; dialect?: Dialect },
): Promise<Discovered> {
  checkTransport(input, "issuer", opts.allowInsecureHttp);
  const { expectedIssuer, urls } = discoveryCandidates(input);
  let lastStatus = 0;
  for (const url of urls) {
    const res = await io.http.request(url, { what: "discovery", retry: true });
    if (res.status === 404 && url !== urls[urls.length - 1]) {
      lastStatus = res.status;
      continue;
    }
    if (res.status !== 200) throw providerRefused(res, `discovery at ${url}`);
    const doc = parseJsonObject(res, `discovery at ${url}`);
    return validateDiscovery(doc, { expectedIssuer, discoveryUrl: url, viaAppBase: url !== urls[0], ...opts }, io);
  }
  throw refusedError(`discovery failed: no document found (status ${lastStatus})`);
}
