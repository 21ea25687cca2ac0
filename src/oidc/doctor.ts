/**
 * `oidc doctor`: a conformance lint of a provider. `gatherEvidence` does the I/O (the discovery
 * document, the document at its issuer's location, the JWKS and whether its keys import);
 * `lintProvider` is pure over that evidence and returns one line per check:
 *
 *   fail  a rule of OpenID Connect Discovery / Core / OAuth that the provider breaks in a way a
 *         conforming client refuses or that breaks a flow
 *   warn  something missing or weak that is allowed (an optional feature, plain http on loopback),
 *         or a deviation `oidc` names in the provider's dialect and accepts (other clients may not)
 *   pass  checked and fine
 *
 * The command exits 4 (the provider's answer is at fault) when any check fails, 0 otherwise.
 */
import * as jose from "jose";
import { OidcError } from "../errors.js";
import { DEVICE_GRANT } from "./device.js";
import { type Dialect, DEVIATIONS, DIALECTS, detectDialect } from "./dialects/index.js";
import { checkTransport, discoveryCandidates, ENDPOINTS, isLoopbackHost, stripSlash, validateDiscovery } from "./discovery.js";
import type { ProviderIo } from "./ports.js";
import { parseJsonObject } from "./response.js";

export type DoctorStatus = "pass" | "warn" | "fail";
export interface DoctorCheck {
  check: string;
  status: DoctorStatus;
  detail: string;
}

export interface JwkReport {
  kid?: string;
  kty?: string;
  alg?: string;
  crv?: string;
  use?: string;
  /** The key imports with jose (for its alg, or the one its type implies). */
  usable: boolean;
  error?: string;
}

export interface DoctorEvidence {
  /** What the user gave, and the issuer that implies. */
  input: string;
  expectedIssuer: string;
  /** The URLs tried, in order, and what each answered (status or error). */
  tried: { url: string; status?: number; error?: string }[];
  discoveryUrl?: string;
  doc?: Record<string, unknown>;
  /** Tried only after the first URL 404'd: the document was found from an app's base URL. */
  viaAppBase?: boolean;
  /** Whether `oidc` itself accepts the document (validateDiscovery), and why not. */
  cliAccepts?: { ok: boolean; message?: string };
  /** `issuer + /.well-known/openid-configuration`, when that is not where the document was found. */
  issuerLocation?: { url: string; status?: number; error?: string; issuer?: unknown };
  jwks?: { status?: number; error?: string; keys?: JwkReport[] };
  dialect: Dialect;
}

const errText = (e: unknown) => (e instanceof OidcError ? e.message : ((e as Error)?.message ?? String(e)));
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);

/** The alg a JWK implies when it names none. */
function impliedAlg(k: Record<string, unknown>): string | undefined {
  if (typeof k.alg === "string") return k.alg;
  if (k.kty === "RSA") return "RS256";
  if (k.kty === "EC") return ({ "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" } as Record<string, string>)[k.crv as string];
  if (k.kty === "OKP" && (k.crv === "Ed25519" || k.crv === "Ed448")) return "EdDSA";
  return undefined;
}

async function inspectKey(k: unknown): Promise<JwkReport> {
  if (!k || typeof k !== "object" || Array.isArray(k)) return { usable: false, error: "not a JSON object" };
  const jwk = k as Record<string, unknown>;
  const report: JwkReport = { usable: false };
  for (const f of ["kid", "kty", "alg", "crv", "use"] as const) if (typeof jwk[f] === "string") report[f] = jwk[f] as string;
  const alg = impliedAlg(jwk);
  if (!alg) return { ...report, error: `no alg, and none implied by kty ${JSON.stringify(jwk.kty)}` };
  try {
    await jose.importJWK(jwk as jose.JWK, alg);
    return { ...report, usable: true };
  } catch (e) {
    return { ...report, error: (e as Error).message };
  }
}

/** Fetch what the lint needs. Network failures on the discovery document propagate (exit 3). */
export async function gatherEvidence(
  io: ProviderIo,
  input: string,
  opts: { allowInsecureHttp: boolean; dialect?: Dialect },
): Promise<DoctorEvidence> {
  checkTransport(input, "issuer", opts.allowInsecureHttp);
  const { expectedIssuer, urls } = discoveryCandidates(input);
  const e: DoctorEvidence = { input, expectedIssuer, tried: [], dialect: opts.dialect ?? DIALECTS.standard };
  for (const url of urls) {
    const res = await io.http.request(url, { what: "discovery", retry: true });
    if (res.status !== 200) {
      e.tried.push({ url, status: res.status });
      if (res.status === 404) continue;
      break;
    }
    try {
      e.doc = parseJsonObject(res, `discovery at ${url}`);
      e.tried.push({ url, status: 200 });
      e.discoveryUrl = url;
      e.viaAppBase = url !== urls[0];
    } catch (err) {
      e.tried.push({ url, status: 200, error: errText(err) });
    }
    break;
  }
  const doc = e.doc;
  if (!doc || !e.discoveryUrl) return e;
  e.dialect = opts.dialect ?? detectDialect(doc);
  try {
    validateDiscovery(
      doc,
      {
        expectedIssuer,
        discoveryUrl: e.discoveryUrl,
        allowInsecureHttp: opts.allowInsecureHttp,
        dialect: opts.dialect,
        viaAppBase: e.viaAppBase,
      },
      io,
    );
    e.cliAccepts = { ok: true };
  } catch (err) {
    e.cliAccepts = { ok: false, message: errText(err) };
  }
  if (typeof doc.issuer === "string") {
    const url = `${stripSlash(doc.issuer)}/.well-known/openid-configuration`;
    if (url !== e.discoveryUrl) {
      e.issuerLocation = { url };
      try {
        checkTransport(url, "issuer", opts.allowInsecureHttp);
        const res = await io.http.request(url, { what: "discovery at the issuer" });
        e.issuerLocation.status = res.status;
        if (res.status === 200) e.issuerLocation.issuer = parseJsonObject(res, "discovery at the issuer").issuer;
      } catch (err) {
        e.issuerLocation.error = errText(err);
      }
    }
  }
  if (typeof doc.jwks_uri === "string") {
    e.jwks = {};
    try {
      checkTransport(doc.jwks_uri, "jwks_uri", opts.allowInsecureHttp);
      const res = await io.http.request(doc.jwks_uri, { what: "JWKS", retry: true });
      e.jwks.status = res.status;
      if (res.status === 200) {
        const body = parseJsonObject(res, "JWKS");
        if (!Array.isArray(body.keys)) e.jwks.error = "the document has no keys array";
        else e.jwks.keys = await Promise.all(body.keys.map(inspectKey));
      }
    } catch (err) {
      e.jwks.error = errText(err);
    }
  }
  return e;
}

const REQUIRED_METADATA = [
  "issuer",
  "authorization_endpoint",
  "token_endpoint",
  "jwks_uri",
  "response_types_supported",
  "subject_types_supported",
  "id_token_signing_alg_values_supported",
];
/** Key types that can verify each asymmetric alg. */
const KTY_OF: Record<string, string> = { RS: "RSA", PS: "RSA", ES: "EC", Ed: "OKP" };

function describeAttempt(t: { url: string; status?: number; error?: string }): string {
  return `${t.url} → ${t.error ?? t.status}`;
}

/** The evidence once a discovery document was found: what every check but checkDiscovery needs. */
type Found = DoctorEvidence & { doc: Record<string, unknown>; discoveryUrl: string };
/** Without a document only checkDiscovery reports (its fail); the other checks return nothing. */
const found = (e: DoctorEvidence): e is Found => !!e.doc && !!e.discoveryUrl;
const one = (check: string, status: DoctorStatus, detail: string): DoctorCheck[] => [{ check, status, detail }];
/** ` (better-auth 1.6 oidcProvider)` after a known dialect, nothing for the standard one. */
const dialectNote = (d: Dialect) => (d.id !== "standard" ? ` (${d.label})` : "");

/** The advertised ID-token signing algs; HS-only means ID tokens are MACed with the client secret. */
function signingAlgs(doc: Record<string, unknown>): { algs: string[]; hsOnly: boolean } {
  const algs = strings(doc.id_token_signing_alg_values_supported) ?? [];
  return { algs, hsOnly: algs.length > 0 && algs.every((a) => a.startsWith("HS")) };
}

/** The JWKS's signing keys (use is not enc), when jwks_uri is advertised and answered 200 with keys; undefined otherwise. */
function signingKeys(e: Found): JwkReport[] | undefined {
  if (typeof e.doc.jwks_uri !== "string" || !e.jwks || e.jwks.error || e.jwks.status !== 200) return undefined;
  return (e.jwks.keys ?? []).filter((k) => k.use !== "enc");
}

/** grant_types_supported, or its default when absent: authorization_code + implicit. */
const grantsOf = (doc: Record<string, unknown>) => strings(doc.grant_types_supported) ?? ["authorization_code", "implicit"];

/** A discovery document was found, and where (or what each URL tried answered). */
export function checkDiscovery(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return one("discovery", "fail", `no discovery document: ${e.tried.map(describeAttempt).join("; ") || "nothing tried"}`);
  return one("discovery", "pass", `document at ${e.discoveryUrl}${dialectNote(e.dialect)}`);
}

/** Every REQUIRED field of OpenID Connect Discovery §3 is present. */
export function checkMetadata(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const missing = REQUIRED_METADATA.filter((k) => e.doc[k] === undefined);
  if (missing.length)
    return one("discovery.metadata", "fail", `REQUIRED metadata missing (OpenID Connect Discovery §3): ${missing.join(", ")}`);
  return one("discovery.metadata", "pass", "every REQUIRED field is present");
}

/** Issuer consistency: the document must live at issuer + /.well-known/openid-configuration. */
export function checkIssuer(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const d = e.dialect;
  const issuer = e.doc.issuer;
  if (typeof issuer !== "string" || !issuer) return one("issuer", "fail", "the document has no issuer");
  const docBase = stripSlash(e.discoveryUrl.replace(/\/\.well-known\/.*$/, ""));
  let bad: string | undefined;
  try {
    const u = new URL(issuer);
    if (u.search || u.hash) bad = `issuer ${issuer} has a query or fragment (not allowed)`;
  } catch {
    bad = `issuer ${JSON.stringify(issuer)} is not a URL`;
  }
  const oidcSays = e.cliAccepts?.ok
    ? `; oidc accepts it as a known deviation of ${d.label}, other clients refuse it`
    : e.cliAccepts?.message
      ? `; oidc refuses it (${e.cliAccepts.message})`
      : "";
  if (bad) return one("issuer", "fail", bad);
  if (stripSlash(issuer) !== docBase) {
    const at = e.issuerLocation
      ? `; ${e.issuerLocation.url} answers ${e.issuerLocation.error ?? e.issuerLocation.status}${
          e.issuerLocation.status === 200 && e.issuerLocation.issuer === issuer ? " with the same issuer" : ""
        }`
      : "";
    // A deviation oidc names and accepts is a warning here (other clients may still refuse it).
    return one(
      "issuer",
      e.cliAccepts?.ok ? "warn" : "fail",
      `the document at ${e.discoveryUrl} names issuer ${issuer}, which is not its location (Discovery §4.3: issuer + /.well-known/openid-configuration)${at}${oidcSays}`,
    );
  }
  if (e.cliAccepts && !e.cliAccepts.ok) return one("issuer", "fail", `issuer ${issuer}${oidcSays}`);
  return one("issuer", "pass", `issuer ${issuer} is the document's location`);
}

/** Transport: the issuer and every endpoint use https (plain http only on loopback, and then a warning). */
export function checkHttps(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const doc = e.doc;
  const urls = [doc.issuer, ...ENDPOINTS.map((k) => doc[k])].filter((u): u is string => typeof u === "string");
  const plain: string[] = [];
  const remote: string[] = [];
  for (const u of urls) {
    try {
      const p = new URL(u);
      if (p.protocol === "https:") continue;
      (p.protocol === "http:" && isLoopbackHost(p.hostname) ? plain : remote).push(u);
    } catch {
      remote.push(u);
    }
  }
  if (remote.length) return one("https", "fail", `not https on a non-loopback host: ${[...new Set(remote)].join(", ")}`);
  if (plain.length) return one("https", "warn", "plain http, on loopback only: fine for local development, never for production");
  return one("https", "pass", "the issuer and every endpoint use https");
}

/** PKCE: S256 is among code_challenge_methods_supported. */
export function checkPkce(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const pkce = strings(e.doc.code_challenge_methods_supported);
  if (!pkce) return one("pkce", "warn", "code_challenge_methods_supported is not advertised; oidc sends S256 anyway");
  if (pkce.includes("S256"))
    return one("pkce", "pass", `S256 advertised${pkce.includes("plain") ? " (plain too, which oidc never uses)" : ""}`);
  return one("pkce", "fail", `S256 is not advertised (only ${pkce.join(", ") || "nothing"}); oidc always uses S256`);
}

/** RFC 9207: iss on authorization responses is advertised. */
export function checkAuthorizationResponseIss(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const d = e.dialect;
  if (e.doc.authorization_response_iss_parameter_supported === true)
    return one("authorization_response.iss", "pass", "RFC 9207 iss on authorization responses is advertised (oidc then requires it)");
  return one(
    "authorization_response.iss",
    "warn",
    `${d.id !== "standard" ? `${d.label}: ` : ""}${DEVIATIONS["no-iss-in-authorization-response"]}`,
  );
}

/** JWKS: jwks_uri is advertised and answers, its signing keys import, and each can be told apart. */
export function checkJwks(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const d = e.dialect;
  const jwksUri = e.doc.jwks_uri;
  if (typeof jwksUri !== "string") return one("jwks", "fail", "no jwks_uri: signed ID tokens cannot be verified");
  const keys = signingKeys(e);
  if (!keys) {
    const why = e.jwks?.error ?? `answers ${e.jwks?.status}`;
    const accepted = e.jwks?.status === 404 && d.jwksMayBeMissing && signingAlgs(e.doc).hsOnly;
    const note = accepted ? ` (${d.label} without its jwt plugin: ID tokens are HS256, MACed with the client secret)` : "";
    return one("jwks", accepted ? "warn" : "fail", `jwks_uri ${jwksUri} is advertised but ${why}${note}`);
  }
  const usableKeys = keys.filter((k) => k.usable);
  const broken = keys.filter((k) => !k.usable);
  const list = usableKeys.map((k) => `${k.alg ?? k.kty}${k.kid ? ` kid=${k.kid}` : ""}`).join(", ");
  const kidless = usableKeys.filter((k) => !k.kid && usableKeys.filter((o) => o.kty === k.kty).length > 1);
  if (!usableKeys.length)
    return one("jwks", "fail", keys.length ? `no key imports: ${broken.map((k) => k.error).join("; ")}` : "the JWKS has no signing keys");
  if (broken.length)
    return one(
      "jwks",
      "warn",
      `${broken.length} key(s) do not import (${broken.map((k) => `${k.kid ?? k.kty}: ${k.error}`).join("; ")}); usable: ${list}`,
    );
  if (kidless.length)
    return one("jwks", "warn", `several ${kidless[0]?.kty} keys and some without kid: clients cannot tell which verifies; keys: ${list}`);
  return one("jwks", "pass", `reachable; ${usableKeys.length} usable key(s): ${list}`);
}

/** Signing algorithms: no `none`, not HS-only, RS256 among them, and a JWKS key behind each asymmetric one. Nothing when none are advertised. */
export function checkSigningAlgs(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const { algs, hsOnly } = signingAlgs(e.doc);
  if (!algs.length) return [];
  const asymmetric = algs.filter((a) => a !== "none" && !a.startsWith("HS"));
  const usableKeys = (signingKeys(e) ?? []).filter((k) => k.usable);
  const notes: string[] = [];
  let status: DoctorStatus = "pass";
  if (algs.includes("none")) notes.push("`none` is advertised (oidc refuses unsigned ID tokens)");
  if (hsOnly) notes.push(`only ${algs.join(", ")}: ID tokens are MACed with the client secret, so public clients cannot verify them`);
  if (!algs.includes("RS256")) notes.push("RS256 is not advertised (OpenID Connect Discovery §3 says it MUST be)");
  if (e.jwks?.keys && e.jwks.status === 200) {
    const unbacked = asymmetric.filter((a) => {
      const kty = KTY_OF[a.slice(0, 2)];
      return kty !== undefined && !usableKeys.some((k) => k.kty === kty && (!k.alg || k.alg === a || a === "EdDSA"));
    });
    if (unbacked.length) notes.push(`advertised but no JWKS key for: ${unbacked.join(", ")}`);
  }
  if (notes.length) status = "warn";
  return one("id_token.signing", status, notes.length ? notes.join("; ") : `algs ${algs.join(", ")}`);
}

/** HS-only ID tokens of a dialect known to leave out iss (OpenID Connect Core §2). Nothing otherwise. */
export function checkIdTokenIss(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const d = e.dialect;
  if (!signingAlgs(e.doc).hsOnly || !d.idTokenMayLackIss) return [];
  return one(
    "id_token.iss",
    "warn",
    `${d.label}: HS256 ID tokens carry no iss claim (OpenID Connect Core §2: REQUIRED); oidc accepts them for this dialect and still checks signature, aud, exp and nonce`,
  );
}

/** The authorization_code grant, which `oidc login` needs. */
export function checkAuthorizationCodeGrant(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const dflt = strings(e.doc.grant_types_supported) ? "" : " (grant_types_supported absent: the default, authorization_code + implicit)";
  if (grantsOf(e.doc).includes("authorization_code")) return one("grant_types.authorization_code", "pass", `supported${dflt}`);
  return one("grant_types.authorization_code", "fail", "not supported: `oidc login` needs it");
}

/** The refresh_token grant. */
export function checkRefreshTokenGrant(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  if (grantsOf(e.doc).includes("refresh_token"))
    return one(
      "grant_types.refresh_token",
      "pass",
      "supported (oidc stores a rotated refresh token and keeps the old one when none comes back)",
    );
  return one(
    "grant_types.refresh_token",
    "warn",
    "not advertised (the field is advisory): oidc still tries a refresh, and a refusal means `oidc login` again when the access token expires",
  );
}

/** The client_credentials grant. */
export function checkClientCredentialsGrant(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  if (grantsOf(e.doc).includes("client_credentials"))
    return one("grant_types.client_credentials", "pass", "supported (`oidc token --client-credentials`)");
  return one(
    "grant_types.client_credentials",
    "warn",
    "not advertised (the field is advisory): `oidc token --client-credentials` still tries it, and the provider may refuse",
  );
}

/** The device_code grant (RFC 8628) and its device_authorization_endpoint, advertised together. */
export function checkDeviceGrant(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const grants = grantsOf(e.doc);
  const deviceEndpoint = typeof e.doc.device_authorization_endpoint === "string";
  if (grants.includes(DEVICE_GRANT) && deviceEndpoint) return one("grant_types.device_code", "pass", "supported (`oidc login --device`)");
  if (grants.includes(DEVICE_GRANT))
    return one("grant_types.device_code", "fail", "advertised, but there is no device_authorization_endpoint");
  if (deviceEndpoint)
    return one("grant_types.device_code", "warn", "device_authorization_endpoint without the device_code grant advertised");
  return one("grant_types.device_code", "warn", "not advertised, and no device_authorization_endpoint: `oidc login --device` cannot work");
}

/** Dynamic registration (RFC 7591), and the dialect's known deviations in it. */
export function checkRegistration(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const d = e.dialect;
  const reg = e.doc.registration_endpoint;
  if (typeof reg !== "string")
    return one("registration", "warn", "no registration_endpoint: use a client registered by hand (--client-id)");
  const notes: string[] = [];
  if (d.registration.noneYieldsSecret)
    notes.push("`token_endpoint_auth_method: none` still yields (and then requires) a client secret: no public clients");
  if (d.registration.exactLoopbackPort)
    notes.push("redirect URIs match exactly, port included (no RFC 8252 §7.3 port freedom): oidc registers port 8765 unless --port");
  if (d.registration.status200) notes.push("answers 200 instead of 201 (RFC 7591 §3.2.1)");
  if (d.registration.needsSession)
    notes.push("registering needs a signed-in session (--session-token) unless unauthenticated registration is allowed");
  const deviates = d.registration.noneYieldsSecret || d.registration.exactLoopbackPort || d.registration.status200;
  return one("registration", deviates ? "warn" : "pass", `RFC 7591 at ${reg}${notes.length ? `; ${notes.join("; ")}` : ""}`);
}

/** scopes_supported is advertised (RECOMMENDED) and includes openid (MUST). */
export function checkScopes(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const scopes = strings(e.doc.scopes_supported);
  if (!scopes) return one("scopes", "warn", "scopes_supported is not advertised (RECOMMENDED)");
  if (!scopes.includes("openid")) return one("scopes", "fail", "scopes_supported lacks openid (Discovery §3: MUST include it)");
  return one("scopes", "pass", scopes.join(" "));
}

/** Response type code is supported. Nothing when response_types_supported is absent (checkMetadata reports that). */
export function checkResponseTypes(e: DoctorEvidence): DoctorCheck[] {
  if (!found(e)) return [];
  const rts = strings(e.doc.response_types_supported);
  if (!rts) return [];
  if (!rts.includes("code")) return one("response_types", "fail", `response type code is not supported (only ${rts.join(", ")})`);
  return one("response_types", "pass", "code is supported");
}

/** The checks, in the order their lines are reported. */
export const CHECKS: readonly ((e: DoctorEvidence) => DoctorCheck[])[] = [
  checkDiscovery,
  checkMetadata,
  checkIssuer,
  checkHttps,
  checkPkce,
  checkAuthorizationResponseIss,
  checkJwks,
  checkSigningAlgs,
  checkIdTokenIss,
  checkAuthorizationCodeGrant,
  checkRefreshTokenGrant,
  checkClientCredentialsGrant,
  checkDeviceGrant,
  checkRegistration,
  checkScopes,
  checkResponseTypes,
];

/** The lint: one line per check, pure over the evidence. */
export function lintProvider(e: DoctorEvidence): DoctorCheck[] {
  return CHECKS.flatMap((c) => c(e));
}
