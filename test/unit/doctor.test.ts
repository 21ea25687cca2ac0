// lintProvider: pure over the evidence gatherEvidence fetched; one line per check.
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../src/oidc/dialects.js";
import { type DoctorEvidence, lintProvider } from "../../src/oidc/doctor.js";

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

  it("HS256-only with a dialect whose HS256 tokens lack iss: id_token.iss fails; the same algs in the standard dialect do not add that line", () => {
    const doc = { ...goodDoc, id_token_signing_alg_values_supported: ["HS256"] };
    expect(statusOf(evidence(doc, { dialect: DIALECTS["better-auth-1.6"] }))["id_token.iss"]).toBe("fail");
    const std = statusOf(evidence(doc));
    expect(std["id_token.iss"]).toBeUndefined();
    expect(std["id_token.signing"]).toBe("warn");
  });
});
