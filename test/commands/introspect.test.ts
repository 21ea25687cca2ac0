// `oidc introspect [token]` in-process against the hostile provider (test/providers/hostile.ts):
// refused where no endpoint is advertised (exit 4); where one is, the request it sends and the
// provider's answer printed as it came, `active` checked to be a boolean.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { editProfile, expectFailure, expectOk, nowSeconds } from "./support.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterEach(() => hp.reset());
afterAll(() => hp.stop());

const AT = "at-to-introspect-0123456789";
const RT = "rt-to-introspect-0123456789";
const SECRET = "client-secret-0123456789";

/** A profile bound to the hostile provider, with a confidential client and tokens; `introspection` adds the endpoint. */
async function seeded(o: { introspection?: boolean; secret?: boolean; tokens?: boolean } = {}) {
  const run = session();
  expectOk(await run(["discover", hp.url]));
  const now = nowSeconds();
  editProfile(run.configDir, (p) => ({
    ...p,
    metadata: p.metadata && { ...p.metadata, ...(o.introspection === false ? {} : { introspection_endpoint: `${hp.url}/introspect` }) },
    client: { client_id: "rs-client", ...(o.secret === false ? {} : { client_secret: SECRET }) },
    ...(o.tokens === false
      ? {}
      : { tokens: { access_token: AT, token_type: "Bearer", expires_at: now + 3600, refresh_token: RT, obtained_at: now } }),
  }));
  hp.reset(); // forget the discovery request; a test sets its /introspect behaviour after this
  return run;
}

const lastIntrospection = () => {
  const req = hp.requests.filter((r) => r.path === "/introspect").at(-1);
  return req && { form: Object.fromEntries(new URLSearchParams(req.body)), authorization: req.headers.authorization };
};

describe("oidc introspect", () => {
  it("against a provider that advertises no introspection endpoint exits 4 saying so, and sends nothing", async () => {
    const run = await seeded({ introspection: false });
    const r = await run(["introspect"]);
    expectFailure(r, 4, /^oidc: introspection failed: the provider advertises no introspection_endpoint$/);
    expect(hp.requests).toEqual([]);
  });

  it("prints the provider's answer as JSON, for the profile's access token, the client authenticated with Basic", async () => {
    const answer = { active: true, sub: "alice", scope: "openid email", client_id: "rs-client", exp: 2_000_000_000 };
    const run = await seeded();
    hp.on("/introspect", json(200, answer));
    const r = await run(["introspect"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(answer);
    expect(r.stderr).toBe("");
    const sent = lastIntrospection();
    expect(sent?.form).toEqual({ token: AT, token_type_hint: "access_token" });
    expect(sent?.authorization).toBe(`Basic ${Buffer.from(`rs-client:${SECRET}`).toString("base64")}`);
  });

  it("an inactive token is an answer, not a failure: {active: false}, exit 0", async () => {
    const run = await seeded();
    hp.on("/introspect", json(200, { active: false }));
    const r = await run(["introspect"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({ active: false });
  });

  it("introspects the token given as the argument instead of the profile's", async () => {
    const run = await seeded();
    hp.on("/introspect", json(200, { active: true }));
    expectOk(await run(["introspect", "some-other-token-0123"]));
    expect(lastIntrospection()?.form.token).toBe("some-other-token-0123");
  });

  it("--refresh-token introspects the profile's refresh token, with its type hint", async () => {
    const run = await seeded();
    hp.on("/introspect", json(200, { active: true }));
    expectOk(await run(["introspect", "--refresh-token"]));
    expect(lastIntrospection()?.form).toEqual({ token: RT, token_type_hint: "refresh_token" });
  });

  it("an answer without a boolean `active` exits 4 naming it", async () => {
    const run = await seeded();
    hp.on("/introspect", json(200, { active: "yes" }));
    expectFailure(await run(["introspect"]), 4, /^oidc: introspection failed: the response has no boolean `active`$/);
  });

  it("a refusal for a public client exits 4 with a hint to use a confidential client", async () => {
    const run = await seeded({ secret: false });
    hp.on("/introspect", json(401, { error: "invalid_client", error_description: "client authentication required" }));
    const r = await run(["introspect"]);
    expectFailure(r, 4, /invalid_client/, {
      hint: /confidential clients: register one \(oidc register --auth-method client_secret_basic\)/,
    });
  });

  it("with no token to introspect exits 5 and sends nothing", async () => {
    const run = await seeded({ tokens: false });
    const r = await run(["introspect"]);
    expectFailure(r, 5, /^oidc: profile default has no access token to introspect$/, { hint: /pass a token, or log in/ });
    expect(hp.requests).toEqual([]);
  });

  it("never prints the token it sent on stderr, even with --verbose", async () => {
    const run = await seeded();
    hp.on("/introspect", json(200, { active: true }));
    const r = await run(["introspect", "--verbose"]);
    expectOk(r);
    expect(r.stderr).toContain("/introspect");
    expect(r.stderr).not.toContain(AT);
    expect(r.stderr).not.toContain(SECRET);
  });
});
