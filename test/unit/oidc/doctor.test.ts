// src/oidc/doctor.ts: lintProvider is pure over the evidence gatherEvidence fetched, one line per
// check; each check alone passes the conforming provider and fails (or warns) on the evidence named.
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import {
  CHECKS,
  checkAuthorizationCodeGrant,
  checkAuthorizationResponseIss,
  checkClientCredentialsGrant,
  checkDeviceGrant,
  checkDiscovery,
  checkHttps,
  checkIdTokenIss,
  checkIssuer,
  checkJwks,
  checkMetadata,
  checkPkce,
  checkRefreshTokenGrant,
  checkRegistration,
  checkResponseTypes,
  checkScopes,
  checkSigningAlgs,
  type DoctorCheck,
  type DoctorEvidence,
  lintProvider,
} from "../../../src/oidc/doctor.js";

const ISS = "https://op.example";
const goodDoc = {
  issuer: ISS,
  authorization_endpoint: `${ISS}/authorize`,
  token_endpoint: `${ISS}/token`,
  jwks_uri: `${ISS}/jwks`,
  registration_endpoint: `${ISS}/reg`,
  device_authorization_endpoint: `${ISS}/device`,
  response_types_supported: ["code"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: ["RS256"],
  code_challenge_methods_supported: ["S256"],
  scopes_supported: ["openid"],
  grant_types_supported: ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
  authorization_response_iss_parameter_supported: true,
};
const evidence = (doc: Record<string, unknown>, over: Partial<DoctorEvidence> = {}): DoctorEvidence => ({
  input: ISS,
  expectedIssuer: ISS,
  tried: [{ url: `${ISS}/.well-known/openid-configuration`, status: 200 }],
  discoveryUrl: `${ISS}/.well-known/openid-configuration`,
  doc,
  cliAccepts: { ok: true },
  jwks: { status: 200, keys: [{ kty: "RSA", alg: "RS256", kid: "k1", usable: true }] },
  dialect: DIALECTS.standard,
  ...over,
});
const statusOf = (e: DoctorEvidence) => Object.fromEntries(lintProvider(e).map((l) => [l.check, l.status]));

describe("lintProvider", () => {
  it("a conforming https provider passes every check", () => {
    const lines = lintProvider(evidence(goodDoc));
    expect(lines.filter((l) => l.status !== "pass")).toEqual([]);
  });

  it("no document: a single discovery fail naming what each URL answered", () => {
    const lines = lintProvider({
      input: ISS,
      expectedIssuer: ISS,
      tried: [{ url: `${ISS}/.well-known/openid-configuration`, status: 404 }],
      dialect: DIALECTS.standard,
    });
    expect(lines).toEqual([{ check: "discovery", status: "fail", detail: expect.stringContaining("→ 404") }]);
  });

  it("plain http on a non-loopback host fails https; on loopback it only warns", () => {
    expect(statusOf(evidence({ ...goodDoc, token_endpoint: "http://op.example/token" })).https).toBe("fail");
    const lo = "http://127.0.0.1:9000";
    const loDoc = {
      ...goodDoc,
      issuer: lo,
      authorization_endpoint: `${lo}/a`,
      token_endpoint: `${lo}/t`,
      jwks_uri: `${lo}/j`,
      registration_endpoint: `${lo}/r`,
      device_authorization_endpoint: `${lo}/d`,
    };
    expect(statusOf(evidence(loDoc, { discoveryUrl: `${lo}/.well-known/openid-configuration` })).https).toBe("warn");
  });

  it("PKCE: S256 missing from the advertised methods fails; nothing advertised warns", () => {
    expect(statusOf(evidence({ ...goodDoc, code_challenge_methods_supported: ["plain"] })).pkce).toBe("fail");
    const { code_challenge_methods_supported: _, ...noPkce } = goodDoc;
    expect(statusOf(evidence(noPkce)).pkce).toBe("warn");
  });

  it("RFC 9207 not advertised warns", () => {
    expect(statusOf(evidence({ ...goodDoc, authorization_response_iss_parameter_supported: false }))["authorization_response.iss"]).toBe(
      "warn",
    );
  });

  it("device_code advertised without a device_authorization_endpoint fails", () => {
    const { device_authorization_endpoint: _, ...doc } = goodDoc;
    expect(statusOf(evidence(doc))["grant_types.device_code"]).toBe("fail");
  });

  it("JWKS: a key that does not import warns, none usable fails, several kid-less keys of one type warn", () => {
    const broken = { kty: "RSA", kid: "bad", usable: false, error: "bad n" };
    const ok = { kty: "RSA", alg: "RS256", kid: "k1", usable: true };
    expect(statusOf(evidence(goodDoc, { jwks: { status: 200, keys: [ok, broken] } })).jwks).toBe("warn");
    expect(statusOf(evidence(goodDoc, { jwks: { status: 200, keys: [broken] } })).jwks).toBe("fail");
    expect(statusOf(evidence(goodDoc, { jwks: { status: 200, keys: [] } })).jwks).toBe("fail");
    const noKid = { kty: "RSA", alg: "RS256", usable: true };
    expect(statusOf(evidence(goodDoc, { jwks: { status: 200, keys: [noKid, { ...noKid }] } })).jwks).toBe("warn");
    expect(statusOf(evidence(goodDoc, { jwks: { error: "connection refused by op.example" } })).jwks).toBe("fail");
  });

  it("an issuer that is not the document's location fails, and says whether oidc accepts it", () => {
    const e = evidence(
      { ...goodDoc, issuer: "https://op.example/other" },
      { cliAccepts: { ok: false, message: "discovery.issuer check failed: …" } },
    );
    const line = lintProvider(e).find((l) => l.check === "issuer");
    expect(line).toMatchObject({ status: "fail", detail: expect.stringContaining("oidc refuses it") });
  });

  it("HS256-only with a dialect whose HS256 tokens lack iss: id_token.iss warns (a deviation oidc accepts); the same algs in the standard dialect do not add that line", () => {
    const doc = { ...goodDoc, id_token_signing_alg_values_supported: ["HS256"] };
    expect(statusOf(evidence(doc, { dialect: DIALECTS["better-auth-1.6"] }))["id_token.iss"]).toBe("warn");
    const std = statusOf(evidence(doc));
    expect(std["id_token.iss"]).toBeUndefined();
    expect(std["id_token.signing"]).toBe("warn");
  });
});

// Each check in isolation: one line naming its rule, pass on the conforming provider, and the
// evidence that makes it fail (or warn, for the checks that never fail).
describe("the checks of lintProvider, one at a time", () => {
  const line = (check: string, status: DoctorCheck["status"], detail: string) => [
    { check, status, detail: expect.stringContaining(detail) },
  ];
  const noDocument: DoctorEvidence = { input: ISS, expectedIssuer: ISS, tried: [], dialect: DIALECTS.standard };
  const hs256 = { ...goodDoc, id_token_signing_alg_values_supported: ["HS256"] };

  it("without a document only checkDiscovery reports; every other check returns nothing", () => {
    const others = CHECKS.filter((c) => c !== checkDiscovery);
    for (const check of others) expect(check(noDocument), check.name).toEqual([]);
    expect(checkDiscovery(noDocument)).toEqual(line("discovery", "fail", "nothing tried"));
  });

  it("checkDiscovery: passes with where the document is, fails naming what each URL answered", () => {
    expect(checkDiscovery(evidence(goodDoc))).toEqual(line("discovery", "pass", `document at ${ISS}/.well-known/openid-configuration`));
    const tried = [{ url: `${ISS}/.well-known/openid-configuration`, status: 404 }];
    expect(checkDiscovery({ ...noDocument, tried })).toEqual(line("discovery", "fail", "openid-configuration → 404"));
  });

  it("checkMetadata: a REQUIRED field missing fails, naming it", () => {
    expect(checkMetadata(evidence(goodDoc))).toEqual(line("discovery.metadata", "pass", "every REQUIRED field"));
    const { subject_types_supported: _, ...doc } = goodDoc;
    expect(checkMetadata(evidence(doc))).toEqual(
      line("discovery.metadata", "fail", "missing (OpenID Connect Discovery §3): subject_types_supported"),
    );
  });

  it("checkIssuer: an issuer with a query fails", () => {
    expect(checkIssuer(evidence(goodDoc))).toEqual(line("issuer", "pass", "is the document's location"));
    expect(checkIssuer(evidence({ ...goodDoc, issuer: `${ISS}?tenant=1` }))).toEqual(line("issuer", "fail", "has a query or fragment"));
  });

  it("checkHttps: an endpoint on plain http on a remote host fails", () => {
    expect(checkHttps(evidence(goodDoc))).toEqual(line("https", "pass", "every endpoint use https"));
    expect(checkHttps(evidence({ ...goodDoc, jwks_uri: "http://op.example/jwks" }))).toEqual(
      line("https", "fail", "not https on a non-loopback host: http://op.example/jwks"),
    );
  });

  it("checkPkce: S256 not advertised fails", () => {
    expect(checkPkce(evidence(goodDoc))).toEqual(line("pkce", "pass", "S256 advertised"));
    expect(checkPkce(evidence({ ...goodDoc, code_challenge_methods_supported: ["plain"] }))).toEqual(
      line("pkce", "fail", "S256 is not advertised (only plain)"),
    );
  });

  it("checkAuthorizationResponseIss: RFC 9207 not advertised warns, naming the dialect", () => {
    expect(checkAuthorizationResponseIss(evidence(goodDoc))).toEqual(line("authorization_response.iss", "pass", "RFC 9207"));
    const doc = { ...goodDoc, authorization_response_iss_parameter_supported: false };
    const ba = DIALECTS["better-auth-1.6"];
    expect(checkAuthorizationResponseIss(evidence(doc, { dialect: ba }))).toEqual(
      line("authorization_response.iss", "warn", `${ba.label}: `),
    );
  });

  it("checkJwks: a jwks_uri that answers 404 fails", () => {
    expect(checkJwks(evidence(goodDoc))).toEqual(line("jwks", "pass", "1 usable key(s): RS256 kid=k1"));
    expect(checkJwks(evidence(goodDoc, { jwks: { status: 404 } }))).toEqual(
      line("jwks", "fail", `jwks_uri ${ISS}/jwks is advertised but answers 404`),
    );
  });

  it("checkJwks: a 404 JWKS of a dialect known to serve none (HS256-only better-auth 1.6) warns instead of failing", () => {
    const doc = { ...goodDoc, id_token_signing_alg_values_supported: ["HS256"] };
    const [l] = checkJwks(evidence(doc, { jwks: { status: 404 }, dialect: DIALECTS["better-auth-1.6"] }));
    expect(l?.status).toBe("warn");
    expect(l?.detail).toContain("without its jwt plugin");
    expect(checkJwks(evidence(doc, { jwks: { status: 404 } }))[0]?.status).toBe("fail");
  });

  it("checkIssuer: an issuer away from its document's location warns when oidc accepts it as the dialect's, fails otherwise", () => {
    const at = `${ISS}/api/auth/.well-known/openid-configuration`;
    const accepted = checkIssuer(evidence(goodDoc, { discoveryUrl: at, cliAccepts: { ok: true }, dialect: DIALECTS["better-auth-1.6"] }));
    expect(accepted[0]?.status).toBe("warn");
    expect(accepted[0]?.detail).toContain("oidc accepts it as a known deviation");
    const refused = checkIssuer(evidence(goodDoc, { discoveryUrl: at, cliAccepts: { ok: false, message: "no" } }));
    expect(refused[0]?.status).toBe("fail");
  });

  it("checkSigningAlgs: an advertised alg with no JWKS key behind it warns", () => {
    expect(checkSigningAlgs(evidence(goodDoc))).toEqual(line("id_token.signing", "pass", "algs RS256"));
    const doc = { ...goodDoc, id_token_signing_alg_values_supported: ["RS256", "ES256"] };
    expect(checkSigningAlgs(evidence(doc))).toEqual(line("id_token.signing", "warn", "advertised but no JWKS key for: ES256"));
  });

  it("checkIdTokenIss: HS256-only in a dialect whose ID tokens lack iss warns (oidc accepts it); otherwise no line", () => {
    expect(checkIdTokenIss(evidence(hs256))).toEqual([]);
    expect(checkIdTokenIss(evidence(hs256, { dialect: DIALECTS["better-auth-1.6"] }))).toEqual(
      line("id_token.iss", "warn", "HS256 ID tokens carry no iss claim"),
    );
  });

  it("checkAuthorizationCodeGrant: authorization_code not among the grants fails", () => {
    expect(checkAuthorizationCodeGrant(evidence(goodDoc))).toEqual(line("grant_types.authorization_code", "pass", "supported"));
    expect(checkAuthorizationCodeGrant(evidence({ ...goodDoc, grant_types_supported: ["client_credentials"] }))).toEqual(
      line("grant_types.authorization_code", "fail", "`oidc login` needs it"),
    );
  });

  it("checkRefreshTokenGrant: refresh_token not advertised warns", () => {
    expect(checkRefreshTokenGrant(evidence(goodDoc))).toEqual(line("grant_types.refresh_token", "pass", "supported"));
    expect(checkRefreshTokenGrant(evidence({ ...goodDoc, grant_types_supported: ["authorization_code"] }))).toEqual(
      line("grant_types.refresh_token", "warn", "not advertised"),
    );
  });

  it("checkClientCredentialsGrant: client_credentials not advertised warns", () => {
    expect(checkClientCredentialsGrant(evidence(goodDoc))).toEqual(line("grant_types.client_credentials", "pass", "supported"));
    expect(checkClientCredentialsGrant(evidence({ ...goodDoc, grant_types_supported: ["authorization_code"] }))).toEqual(
      line("grant_types.client_credentials", "warn", "not advertised"),
    );
  });

  it("checkDeviceGrant: the device_code grant without a device_authorization_endpoint fails", () => {
    expect(checkDeviceGrant(evidence(goodDoc))).toEqual(line("grant_types.device_code", "pass", "supported"));
    const { device_authorization_endpoint: _, ...doc } = goodDoc;
    expect(checkDeviceGrant(evidence(doc))).toEqual(line("grant_types.device_code", "fail", "no device_authorization_endpoint"));
  });

  it("checkRegistration: a dialect that deviates from RFC 7591 warns, naming the deviation", () => {
    expect(checkRegistration(evidence(goodDoc))).toEqual(line("registration", "pass", `RFC 7591 at ${ISS}/reg`));
    expect(checkRegistration(evidence(goodDoc, { dialect: DIALECTS["better-auth-1.6"] }))).toEqual(
      line("registration", "warn", "200 instead of 201"),
    );
  });

  it("checkScopes: scopes_supported without openid fails", () => {
    expect(checkScopes(evidence(goodDoc))).toEqual(line("scopes", "pass", "openid"));
    expect(checkScopes(evidence({ ...goodDoc, scopes_supported: ["email"] }))).toEqual(line("scopes", "fail", "lacks openid"));
  });

  it("checkResponseTypes: response type code not supported fails", () => {
    expect(checkResponseTypes(evidence(goodDoc))).toEqual(line("response_types", "pass", "code is supported"));
    expect(checkResponseTypes(evidence({ ...goodDoc, response_types_supported: ["id_token"] }))).toEqual(
      line("response_types", "fail", "(only id_token)"),
    );
  });
});
