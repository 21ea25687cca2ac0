// `oidc decode [jwt|-]` in-process: a JWT's header and claims, its times in ISO form, and whether
// it verifies against the profile's provider (the conformance OP's JWKS). The token comes from
// the profile, the argument, or stdin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, PUBLIC_CLIENT, SUB, startConformanceOp } from "../providers/conformance-op.js";
import { expectFailure, expectOk, jwtParts, loggedInSession, readProfile } from "./support.js";

let op: ConformanceOp;
let run: Awaited<ReturnType<typeof loggedInSession>>;
let idToken: string;
beforeAll(async () => {
  op = await startConformanceOp();
  run = await loggedInSession(op.issuer);
  idToken = readProfile(run.configDir)?.tokens?.id_token as string;
});
afterAll(() => op.stop());

const iso = (s: unknown) => new Date((s as number) * 1000).toISOString();
/** The same JWT with another payload (the signature no longer matches). */
const withClaims = (jwt: string, change: (c: Record<string, unknown>) => void) => {
  const [h, , s] = jwt.split(".") as [string, string, string];
  const claims = jwtParts(jwt).claims;
  change(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
};

describe("oidc decode", () => {
  it("decodes the profile's ID token: {header, claims, times, verified: true}, and says so on stderr", async () => {
    const r = await run(["decode"]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    const { header, claims } = jwtParts(idToken);
    expect(out).toEqual({ header, claims, times: { exp: iso(claims.exp), iat: iso(claims.iat) }, verified: true });
    expect(out.header).toMatchObject({ alg: "RS256", kid: "rs1" });
    expect(out.claims).toMatchObject({ iss: op.issuer, sub: SUB, aud: PUBLIC_CLIENT });
    expect(r.stderr).toBe(`verified against ${op.issuer}\n`);
  });

  it("with --json prints the same object and nothing on stderr", async () => {
    const r = await run(["decode", "--json"]);
    expectOk(r);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).verified).toBe(true);
  });

  it("decodes the JWT given as the argument", async () => {
    const r = await session()(["decode", idToken]);
    expectOk(r);
    expect(JSON.parse(r.stdout).claims.sub).toBe(SUB);
  });

  it("- reads the JWT from stdin (surrounding whitespace ignored)", async () => {
    const r = await run(["decode", "-"], { stdin: `\n  ${idToken}\n` });
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(out.claims).toEqual(jwtParts(idToken).claims);
    expect(out.verified).toBe(true);
  });

  it("- with nothing on stdin is a usage error (exit 2), not the profile's own token", async () => {
    expectFailure(await run(["decode", "-"], { stdin: "" }), 2, /^oidc: no JWT on stdin$/);
  });

  it.each([["not-a-jwt"], ["a.b"], ["eyJhbGciOiJub25lIn0.bm90IGpzb24.sig"]])("%s is not a JWT: exit 2", async (value) => {
    expectFailure(await run(["decode", value]), 2, /^oidc: not a JWT: /);
  });

  it("a changed payload does not verify: verified false, the reason naming id_token.signature, exit 0", async () => {
    const forged = withClaims(idToken, (c) => void (c.sub = "mallory"));
    const r = await run(["decode", forged]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(out.claims.sub).toBe("mallory");
    expect(out.verified).toBe(false);
    expect(out.reason).toMatch(/^id_token\.signature check failed/);
    expect(r.stderr).toMatch(/^not verified: id_token\.signature check failed/);
  });

  it("a token from another issuer is not verified against this profile's provider, and says which profile would", async () => {
    const other = withClaims(idToken, (c) => void (c.iss = "https://elsewhere.example"));
    const out = JSON.parse((await run(["decode", other])).stdout);
    expect(out.verified).toBe(false);
    expect(out.reason).toBe(
      `issued by https://elsewhere.example, not by this profile's provider ${op.issuer} (use -p for that provider's profile)`,
    );
  });

  it("without a profile to verify against, decodes and says why it is not verified", async () => {
    const r = await session()(["decode", idToken]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: false, reason: "no provider or client in the profile to verify against" });
  });

  it("with no JWT given and no ID token in the profile exits 5, naming the other ways", async () => {
    const r = await session()(["decode"]);
    expectFailure(r, 5, /^oidc: profile default has no ID token to decode$/, { hint: /pass a JWT, or - to read one from stdin/ });
  });
});
