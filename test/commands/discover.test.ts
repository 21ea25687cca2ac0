// `oidc discover [url]` in-process against the hostile provider (test/providers/hostile.ts): the
// document on stdout, the provider bound to the profile, and each way a document can be wrong.
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, html, json, startHostile, truncatedJson } from "../providers/hostile.js";
import { editProfile, expectFailure, expectOk, literal, readProfile, storeOf } from "./support.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterEach(() => hp.reset());
afterAll(() => hp.stop());

describe("oidc discover", () => {
  it("prints the document on stdout, says where it was found on stderr, and binds the provider to the profile", async () => {
    const run = session();
    const r = await run(["discover", hp.url]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(goodDiscovery(hp.url));
    expect(r.stderr).toBe(
      `Issuer ${hp.url} (standard OpenID Connect), document at ${hp.url}${DISCOVERY_PATH}; saved to profile default.\n`,
    );
    expect(readProfile(run.configDir)).toMatchObject({
      name: "default",
      issuer: hp.url,
      source: hp.url,
      discovery_url: `${hp.url}${DISCOVERY_PATH}`,
      dialect: "standard",
      metadata: goodDiscovery(hp.url),
    });
  });

  it("--json prints only the document: nothing on stderr", async () => {
    const r = await session()(["discover", hp.url, "--json"]);
    expectOk(r);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).issuer).toBe(hp.url);
  });

  it("accepts the document's own URL as well as the issuer", async () => {
    const run = session();
    const r = await run(["discover", `${hp.url}${DISCOVERY_PATH}`]);
    expectOk(r);
    expect(readProfile(run.configDir)?.issuer).toBe(hp.url);
  });

  it("takes the provider from OIDC_ISSUER when no URL is given", async () => {
    const run = session({ env: { OIDC_ISSUER: hp.url } });
    expectOk(await run(["discover"]));
    expect(readProfile(run.configDir)?.issuer).toBe(hp.url);
  });

  it("saves into the profile -p names and leaves the current profile as it was", async () => {
    const run = session();
    expectOk(await run(["-p", "work", "discover", hp.url]));
    const store = storeOf(run.configDir);
    expect(store.readProfile("work")?.issuer).toBe(hp.url);
    expect(store.readProfile("default")).toBeUndefined();
    expect(store.currentProfileName()).toBe("default");
  });

  it("keeps the client and tokens of a profile when the same provider is discovered again", async () => {
    const run = session();
    expectOk(await run(["discover", hp.url]));
    editProfile(run.configDir, (p) => ({
      ...p,
      client: { client_id: "kept-client" },
      tokens: { access_token: "kept-at-0123456789", token_type: "Bearer", obtained_at: 1 },
    }));
    expectOk(await run(["discover", hp.url]));
    expect(readProfile(run.configDir)).toMatchObject({
      client: { client_id: "kept-client" },
      tokens: { access_token: "kept-at-0123456789" },
    });
  });

  it("refuses to move a profile that holds a client to another provider (exit 2, naming profile remove)", async () => {
    hp.on(`/other${DISCOVERY_PATH}`, json(200, { ...goodDiscovery(`${hp.url}/other`) }));
    const run = session();
    expectOk(await run(["discover", hp.url]));
    editProfile(run.configDir, (p) => ({ ...p, client: { client_id: "bound-client" } }));
    const r = await run(["discover", `${hp.url}/other`]);
    expectFailure(r, 2, /^oidc: profile default belongs to /, { hint: /oidc profile remove default/ });
    expect(readProfile(run.configDir)?.issuer).toBe(hp.url);
  });

  it("without any provider is a usage error (exit 2) naming --issuer and OIDC_ISSUER", async () => {
    const r = await session()(["discover"]);
    expectFailure(r, 2, /^oidc: no provider given$/, { hint: /--issuer <url>, or set OIDC_ISSUER/ });
  });

  it("a host without a scheme gets a 'did you mean' hint (exit 2)", async () => {
    const r = await session()(["discover", "localhost:3000"]);
    expectFailure(r, 2, undefined, { hint: /^hint: did you mean http:\/\/localhost:3000\?/ });
  });

  it("an HTML page instead of the document exits 4 naming the HTML page, and saves nothing", async () => {
    hp.on(DISCOVERY_PATH, html(200));
    const run = session();
    expectFailure(await run(["discover", hp.url]), 4, /discovery.*HTML page/);
    expect(readProfile(run.configDir)).toBeUndefined();
  });

  it("a truncated JSON document exits 4 saying it is truncated or invalid", async () => {
    hp.on(DISCOVERY_PATH, truncatedJson());
    expectFailure(await session()(["discover", hp.url]), 4, /truncated or invalid/);
  });

  it("a document without a token endpoint exits 4 naming the missing field", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) => {
      const { token_endpoint: _gone, ...doc } = goodDiscovery(ctx.url);
      return json(200, doc)(req, res, ctx);
    });
    expectFailure(await session()(["discover", hp.url]), 4, /token_endpoint/);
  });

  it("a document naming another issuer exits 6 (discovery.issuer) and saves nothing", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) => json(200, { ...goodDiscovery(ctx.url), issuer: "https://evil.example" })(req, res, ctx));
    const run = session();
    expectFailure(await run(["discover", hp.url]), 6, /^oidc: discovery\.issuer check failed: .*evil\.example/);
    expect(readProfile(run.configDir)).toBeUndefined();
  });

  it("a corrupt profile file is reported with its path (exit 1) and left byte for byte as it was", async () => {
    const run = session();
    const path = storeOf(run.configDir).profilePath("default");
    expectOk(await run(["discover", hp.url]));
    writeFileSync(path, '{"issuer": "http://half', { mode: 0o600 });
    const r = await run(["discover", hp.url]);
    expectFailure(r, 1, new RegExp(`^oidc: store file ${literal(path)} is unreadable: not valid JSON$`), {
      hint: /left untouched/,
    });
    expect(readFileSync(path, "utf8")).toBe('{"issuer": "http://half');
  });
});
