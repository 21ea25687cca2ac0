/**
 * `oidc doctor`: a conformance lint of a provider. `gatherEvidence` does the I/O (the discovery
 * document, the document at its issuer's location, the JWKS and whether its keys import);
 * `lintProvider` is pure over that evidence and returns one line per check:
 *
 *   fail  a rule of OpenID Connect Discovery / Core / OAuth that the provider breaks in a way a
 *         conforming client refuses or that breaks a flow (`oidc` may still cope through a dialect)
 *   warn  something missing or weak that is allowed (an optional feature, plain http on loopback)
 *   pass  checked and fine
 *
 * The command exits 4 (the provider's answer is at fault) when any check fails, 0 otherwise.
 */
import * as jose from "jose";
import { OidcError } from "../errors.js";
import { httpRequest, parseJsonObject } from "../http.js";
import { type Dialect, DEVIATIONS, DIALECTS, detectDialect } from "./dialects.js";
import { checkTransport, discoveryCandidates, ENDPOINTS, isLoopbackHost, stripSlash, validateDiscovery } from "./discovery.js";
import { DEVICE_GRANT } from "./device.js";

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
export async function gatherEvidence(input: string, opts: { allowInsecureHttp: boolean; dialect?: Dialect }): Promise<DoctorEvidence> {
  checkTransport(input, "issuer", opts.allowInsecureHttp);
  const { expectedIssuer, urls } = discoveryCandidates(input);
  const e: DoctorEvidence = { input, expectedIssuer, tried: [], dialect: opts.dialect ?? DIALECTS.standard };
  for (const url of urls) {
    const res = await httpRequest(url, { what: "discovery", retry: true });
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
    validateDiscovery(doc, {
      expectedIssuer,
      discoveryUrl: e.discoveryUrl,
      allowInsecureHttp: opts.allowInsecureHttp,
      dialect: opts.dialect,
      viaAppBase: e.viaAppBase,
    });
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
        const res = await httpRequest(url, { what: "discovery at the issuer" });
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
      const res = await httpRequest(doc.jwks_uri, { what: "JWKS", retry: true });
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

/** The lint: one line per check, pure over the evidence. */
export function lintProvider(e: DoctorEvidence): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  const add = (check: string, status: DoctorStatus, detail: string) => out.push({ check, status, detail });
  const doc = e.doc;
  if (!doc || !e.discoveryUrl) {
    add("discovery", "fail", `no discovery document: ${e.tried.map(describeAttempt).join("; ") || "nothing tried"}`);
    return out;
  }
  const d = e.dialect;
  const known = d.id !== "standard" ? ` (${d.label})` : "";
  add("discovery", "pass", `document at ${e.discoveryUrl}${known}`);

  const missing = REQUIRED_METADATA.filter((k) => doc[k] === undefined);
  if (missing.length) add("discovery.metadata", "fail", `REQUIRED metadata missing (OpenID Connect Discovery §3): ${missing.join(", ")}`);
  else add("discovery.metadata", "pass", "every REQUIRED field is present");

  // Issuer consistency: the document must live at issuer + /.well-known/openid-configuration.
  const issuer = doc.issuer;
  if (typeof issuer !== "string" || !issuer) add("issuer", "fail", "the document has no issuer");
  else {
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
    if (bad) add("issuer", "fail", bad);
    else if (stripSlash(issuer) !== docBase) {
      const at = e.issuerLocation
        ? `; ${e.issuerLocation.url} answers ${e.issuerLocation.error ?? e.issuerLocation.status}${
            e.issuerLocation.status === 200 && e.issuerLocation.issuer === issuer ? " with the same issuer" : ""
          }`
        : "";
      add(
        "issuer",
        "fail",
        `the document at ${e.discoveryUrl} names issuer ${issuer}, which is not its location (Discovery §4.3: issuer + /.well-known/openid-configuration)${at}${oidcSays}`,
      );
    } else if (e.cliAccepts && !e.cliAccepts.ok) add("issuer", "fail", `issuer ${issuer}${oidcSays}`);
    else add("issuer", "pass", `issuer ${issuer} is the document's location`);
  }

  // Transport.
  const urls = [issuer, ...ENDPOINTS.map((k) => doc[k])].filter((u): u is string => typeof u === "string");
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
  if (remote.length) add("https", "fail", `not https on a non-loopback host: ${[...new Set(remote)].join(", ")}`);
  else if (plain.length) add("https", "warn", "plain http, on loopback only: fine for local development, never for production");
  else add("https", "pass", "the issuer and every endpoint use https");

  // PKCE.
  const pkce = strings(doc.code_challenge_methods_supported);
  if (!pkce) add("pkce", "warn", "code_challenge_methods_supported is not advertised; oidc sends S256 anyway");
  else if (pkce.includes("S256"))
    add("pkce", "pass", `S256 advertised${pkce.includes("plain") ? " (plain too, which oidc never uses)" : ""}`);
  else add("pkce", "fail", `S256 is not advertised (only ${pkce.join(", ") || "nothing"}); oidc always uses S256`);

  // RFC 9207.
  if (doc.authorization_response_iss_parameter_supported === true)
    add("authorization_response.iss", "pass", "RFC 9207 iss on authorization responses is advertised (oidc then requires it)");
  else
    add(
      "authorization_response.iss",
      "warn",
      `${d.id !== "standard" ? `${d.label}: ` : ""}${DEVIATIONS["no-iss-in-authorization-response"]}`,
    );

  // Signing algorithms.
  const algs = strings(doc.id_token_signing_alg_values_supported) ?? [];
  const hsOnly = algs.length > 0 && algs.every((a) => a.startsWith("HS"));
  const asymmetric = algs.filter((a) => a !== "none" && !a.startsWith("HS"));

  // JWKS.
  const jwksUri = doc.jwks_uri;
  let usableKeys: JwkReport[] = [];
  if (typeof jwksUri !== "string") add("jwks", "fail", "no jwks_uri: signed ID tokens cannot be verified");
  else if (!e.jwks || e.jwks.error || e.jwks.status !== 200) {
    const why = e.jwks?.error ?? `answers ${e.jwks?.status}`;
    const note =
      e.jwks?.status === 404 && d.jwksMayBeMissing && hsOnly
        ? ` (${d.label} without its jwt plugin: ID tokens are HS256, MACed with the client secret)`
        : "";
    add("jwks", "fail", `jwks_uri ${jwksUri} is advertised but ${why}${note}`);
  } else {
    const keys = (e.jwks.keys ?? []).filter((k) => k.use !== "enc");
    usableKeys = keys.filter((k) => k.usable);
    const broken = keys.filter((k) => !k.usable);
    const list = usableKeys.map((k) => `${k.alg ?? k.kty}${k.kid ? ` kid=${k.kid}` : ""}`).join(", ");
    const kidless = usableKeys.filter((k) => !k.kid && usableKeys.filter((o) => o.kty === k.kty).length > 1);
    if (!usableKeys.length)
      add("jwks", "fail", keys.length ? `no key imports: ${broken.map((k) => k.error).join("; ")}` : "the JWKS has no signing keys");
    else if (broken.length)
      add(
        "jwks",
        "warn",
        `${broken.length} key(s) do not import (${broken.map((k) => `${k.kid ?? k.kty}: ${k.error}`).join("; ")}); usable: ${list}`,
      );
    else if (kidless.length)
      add("jwks", "warn", `several ${kidless[0]?.kty} keys and some without kid: clients cannot tell which verifies; keys: ${list}`);
    else add("jwks", "pass", `reachable; ${usableKeys.length} usable key(s): ${list}`);
  }

  if (algs.length) {
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
    add("id_token.signing", status, notes.length ? notes.join("; ") : `algs ${algs.join(", ")}`);
  }
  if (hsOnly && d.idTokenMayLackIss)
    add(
      "id_token.iss",
      "fail",
      `${d.label}: HS256 ID tokens carry no iss claim (OpenID Connect Core §2: REQUIRED); oidc accepts them for this dialect and still checks signature, aud, exp and nonce`,
    );

  // Grants.
  const grantsAdvertised = strings(doc.grant_types_supported);
  const grants = grantsAdvertised ?? ["authorization_code", "implicit"];
  const dflt = grantsAdvertised ? "" : " (grant_types_supported absent: the default, authorization_code + implicit)";
  if (grants.includes("authorization_code")) add("grant_types.authorization_code", "pass", `supported${dflt}`);
  else add("grant_types.authorization_code", "fail", "not supported: `oidc login` needs it");
  if (grants.includes("refresh_token"))
    add("grant_types.refresh_token", "pass", "supported (oidc stores a rotated refresh token and keeps the old one when none comes back)");
  else add("grant_types.refresh_token", "warn", "not advertised: a session ends when its access token expires; then `oidc login` again");
  if (grants.includes("client_credentials")) add("grant_types.client_credentials", "pass", "supported (`oidc token --client-credentials`)");
  else add("grant_types.client_credentials", "warn", "not advertised: `oidc token --client-credentials` will not work");
  const deviceEndpoint = typeof doc.device_authorization_endpoint === "string";
  if (grants.includes(DEVICE_GRANT) && deviceEndpoint) add("grant_types.device_code", "pass", "supported (`oidc login --device`)");
  else if (grants.includes(DEVICE_GRANT))
    add("grant_types.device_code", "fail", "advertised, but there is no device_authorization_endpoint");
  else if (deviceEndpoint) add("grant_types.device_code", "warn", "device_authorization_endpoint without the device_code grant advertised");
  else add("grant_types.device_code", "warn", "not advertised: `oidc login --device` will not work");

  // Registration.
  const reg = doc.registration_endpoint;
  if (typeof reg !== "string") add("registration", "warn", "no registration_endpoint: use a client registered by hand (--client-id)");
  else {
    const notes: string[] = [];
    if (d.registration.noneYieldsSecret)
      notes.push("`token_endpoint_auth_method: none` still yields (and then requires) a client secret: no public clients");
    if (d.registration.exactLoopbackPort)
      notes.push("redirect URIs match exactly, port included (no RFC 8252 §7.3 port freedom): oidc registers port 8765 unless --port");
    if (d.registration.status200) notes.push("answers 200 instead of 201 (RFC 7591 §3.2.1)");
    if (d.registration.needsSession)
      notes.push("registering needs a signed-in session (--session-token) unless unauthenticated registration is allowed");
    const deviates = d.registration.noneYieldsSecret || d.registration.exactLoopbackPort || d.registration.status200;
    add("registration", deviates ? "warn" : "pass", `RFC 7591 at ${reg}${notes.length ? `; ${notes.join("; ")}` : ""}`);
  }

  // Scopes and response types.
  const scopes = strings(doc.scopes_supported);
  if (!scopes) add("scopes", "warn", "scopes_supported is not advertised (RECOMMENDED)");
  else if (!scopes.includes("openid")) add("scopes", "fail", "scopes_supported lacks openid (Discovery §3: MUST include it)");
  else add("scopes", "pass", scopes.join(" "));
  const rts = strings(doc.response_types_supported);
  if (rts && !rts.includes("code")) add("response_types", "fail", `response type code is not supported (only ${rts.join(", ")})`);
  else if (rts) add("response_types", "pass", "code is supported");
  return out;
}
