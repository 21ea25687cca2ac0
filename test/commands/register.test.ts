// `oidc register --name <name>` in-process: RFC 7591 against the hostile provider (the request it
// sends, the response printed, the client saved, a logged-in profile protected), and against a
// real better-auth 1.7.5 (@better-auth/oauth-provider, spawned) that registers only for a session.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type BetterAuthProvider, startBetterAuth17 } from "../helpers/providers.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { editProfile, expectFailure, expectOk, nowSeconds, readProfile } from "./support.js";

let hp: HostileProvider;
let ba: BetterAuthProvider;
let baSession: string;
beforeAll(async () => {
  [hp, ba] = await Promise.all([startHostile(), startBetterAuth17()]);
  baSession = await ba.signIn();
});
afterEach(() => hp.reset());
afterAll(() => Promise.all([hp.stop(), ba.stop()]));

const REGISTERED = {
  client_id: "new-client-0123",
  client_secret: "new-secret-0123456789",
  client_name: "my-app",
  redirect_uris: ["http://127.0.0.1:8765/callback"],
  token_endpoint_auth_method: "client_secret_basic",
};
const registrations = () => hp.requests.filter((r) => r.path === "/register");
const lastBody = () => JSON.parse(registrations().at(-1)?.body ?? "null");

describe("oidc register (RFC 7591)", () => {
  it("registers a client, prints the registration response on stdout and saves the client to the profile", async () => {
    hp.on("/register", json(201, REGISTERED));
    const run = session();
    const r = await run(["--issuer", hp.url, "register", "--name", "my-app", "--auth-method", "client_secret_basic"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(REGISTERED);
    expect(r.stderr).toBe("Registered client new-client-0123 (my-app); saved to profile default.\n");
    expect(readProfile(run.configDir)).toMatchObject({
      issuer: hp.url,
      client: {
        client_id: "new-client-0123",
        client_secret: "new-secret-0123456789",
        client_name: "my-app",
        redirect_uris: ["http://127.0.0.1:8765/callback"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    });
  });

  it("by default asks for a public client (auth none) on the loopback port 8765, with the code and refresh grants", async () => {
    hp.on("/register", json(201, { client_id: "public-0123", redirect_uris: ["http://127.0.0.1:8765/callback"] }));
    const run = session();
    const r = await run(["--issuer", hp.url, "register", "--name", "my-app"]);
    expectOk(r);
    expect(lastBody()).toMatchObject({
      client_name: "my-app",
      redirect_uris: ["http://127.0.0.1:8765/callback"],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    });
    expect(registrations().at(-1)?.headers.authorization).toBeUndefined();
    expect(readProfile(run.configDir)?.client).toMatchObject({ client_id: "public-0123", token_endpoint_auth_method: "none" });
    expect(readProfile(run.configDir)?.client?.client_secret).toBeUndefined();
  });

  it("a secret issued although auth none was asked for is kept and used (client_secret_basic), with a warning", async () => {
    hp.on("/register", json(201, REGISTERED));
    const run = session();
    const r = await run(["--issuer", hp.url, "register", "--name", "my-app"]);
    expectOk(r);
    expect(r.stderr).toMatch(/^warning: .*registered with `token_endpoint_auth_method: none` but the provider issued a client secret/m);
    expect(r.stderr).not.toContain(REGISTERED.client_secret);
    expect(readProfile(run.configDir)?.client).toMatchObject({
      client_secret: REGISTERED.client_secret,
      token_endpoint_auth_method: "client_secret_basic",
    });
  });

  it("--port, --redirect-uri (repeatable), --scope and --auth-method shape the request; --scope becomes the profile's", async () => {
    hp.on("/register", json(201, { client_id: "c-2" }));
    const run = session();
    expectOk(await run(["--issuer", hp.url, "register", "--name", "a", "--port", "9123"]));
    expect(lastBody().redirect_uris).toEqual(["http://127.0.0.1:9123/callback"]);
    const uris = ["http://127.0.0.1:7001/callback", "http://127.0.0.1:7002/callback"];
    const r = await run([
      "register",
      "--name",
      "b",
      "--redirect-uri",
      uris[0] as string,
      "--redirect-uri",
      uris[1] as string,
      "--scope",
      "openid email",
      "--auth-method",
      "none",
    ]);
    expectOk(r);
    expect(lastBody()).toMatchObject({ redirect_uris: uris, scope: "openid email", token_endpoint_auth_method: "none" });
    expect(readProfile(run.configDir)).toMatchObject({ scope: "openid email", client: { client_id: "c-2", redirect_uris: uris } });
  });

  it("a provider that does not advertise `none` gets a client_secret_basic client, with a note; --auth-method none is sent as given", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) =>
      json(200, { ...goodDiscovery(ctx.url), token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"] })(
        req,
        res,
        ctx,
      ),
    );
    hp.on("/register", json(201, REGISTERED));
    const run = session();
    const r = await run(["--issuer", hp.url, "register", "--name", "my-app"]);
    expectOk(r);
    expect(lastBody().token_endpoint_auth_method).toBe("client_secret_basic");
    expect(r.stderr).toMatch(
      /^The provider does not advertise token endpoint auth method none \(it advertises client_secret_basic, client_secret_post\); registering a client with client_secret_basic\.$/m,
    );
    expect(r.stderr).not.toMatch(/none-yields-secret|issued a client secret/);
    const explicit = await run(["register", "--name", "my-app", "--auth-method", "none", "--force"]);
    expectOk(explicit);
    expect(lastBody().token_endpoint_auth_method).toBe("none");
    expect(explicit.stderr).not.toMatch(/does not advertise/);
  });

  it("only client_secret_post advertised (besides methods this CLI lacks): client_secret_post", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) =>
      json(200, { ...goodDiscovery(ctx.url), token_endpoint_auth_methods_supported: ["private_key_jwt", "client_secret_post"] })(
        req,
        res,
        ctx,
      ),
    );
    hp.on("/register", json(201, { ...REGISTERED, token_endpoint_auth_method: "client_secret_post" }));
    const run = session();
    expectOk(await run(["--issuer", hp.url, "register", "--name", "my-app"]));
    expect(lastBody().token_endpoint_auth_method).toBe("client_secret_post");
    expect(readProfile(run.configDir)?.client?.token_endpoint_auth_method).toBe("client_secret_post");
  });

  it("--initial-access-token is sent as the Bearer credential and never printed on stderr", async () => {
    hp.on("/register", json(201, { client_id: "c-3" }));
    const r = await session()(["--issuer", hp.url, "register", "--name", "a", "--initial-access-token", "iat-secret-0123456789", "-v"]);
    expectOk(r);
    expect(registrations().at(-1)?.headers.authorization).toBe("Bearer iat-secret-0123456789");
    expect(r.stderr).not.toContain("iat-secret-0123456789");
  });

  it("refuses to replace the client of a logged-in profile without --force (exit 2); --force replaces it and forgets the tokens", async () => {
    hp.on("/register", json(201, REGISTERED));
    const run = session();
    expectOk(await run(["discover", hp.url]));
    const now = nowSeconds();
    editProfile(run.configDir, (p) => ({
      ...p,
      client: { client_id: "old-client" },
      tokens: { access_token: "at-of-old-0123", token_type: "Bearer", expires_at: now + 3600, obtained_at: now },
    }));
    const refused = await run(["register", "--name", "again"]);
    expectFailure(refused, 2, /^oidc: profile default is logged in with client old-client; a new client would replace it$/, {
      hint: /--force/,
    });
    expect(registrations()).toEqual([]);
    expect(readProfile(run.configDir)?.tokens?.access_token).toBe("at-of-old-0123");
    expectOk(await run(["register", "--name", "again", "--force"]));
    const p = readProfile(run.configDir);
    expect(p?.client?.client_id).toBe("new-client-0123");
    expect(p?.tokens).toBeUndefined();
  });

  it("a provider without a registration endpoint exits 4 saying so", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) => {
      const { registration_endpoint: _gone, ...doc } = goodDiscovery(ctx.url);
      return json(200, doc)(req, res, ctx);
    });
    const r = await session()(["--issuer", hp.url, "register", "--name", "a"]);
    expectFailure(r, 4, /^oidc: registration failed: the provider advertises no registration_endpoint$/);
  });

  it("a refusal is quoted (exit 4), and the profile gets no client", async () => {
    hp.on("/register", json(400, { error: "invalid_redirect_uri", error_description: "loopback not allowed" }));
    const run = session();
    const r = await run(["--issuer", hp.url, "register", "--name", "a"]);
    expectFailure(r, 4, /^oidc: registration failed: the provider answered 400: invalid_redirect_uri \("loopback not allowed"\)$/);
    expect(readProfile(run.configDir)?.client).toBeUndefined();
  });

  it("a 401 without any credential exits 4 with a hint naming --session-token and --initial-access-token", async () => {
    hp.on("/register", json(401, { error: "invalid_token" }));
    const r = await session()(["--issuer", hp.url, "register", "--name", "a"]);
    expectFailure(r, 4, /registration failed: the provider answered 401/, {
      hint: /--session-token \(OIDC_SESSION_TOKEN\) or --initial-access-token/,
    });
  });

  it("a response without a client_id exits 4 naming it", async () => {
    hp.on("/register", json(201, { client_name: "a" }));
    expectFailure(await session()(["--issuer", hp.url, "register", "--name", "a"]), 4, /the response has no client_id/);
  });

  it("a profile without a provider and no --issuer is a usage error (exit 2)", async () => {
    expectFailure(await session()(["register", "--name", "a"]), 2, /^oidc: profile default has no provider$/);
  });
});

describe("oidc register against better-auth 1.7 (registration needs a session)", () => {
  it("without a session is refused (exit 4) with a hint naming --session-token", async () => {
    const run = session();
    const r = await run(["--issuer", ba.origin, "register", "--name", "anon", "--port", "8797"]);
    expectFailure(r, 4, /^oidc: registration failed: /, { hint: /--session-token/ });
    expect(readProfile(run.configDir)?.client).toBeUndefined();
  });

  it("with OIDC_SESSION_TOKEN registers a native client for the loopback port and saves it", async () => {
    const run = session({ env: { OIDC_SESSION_TOKEN: baSession } });
    const r = await run(["--issuer", ba.origin, "register", "--name", "ba-app", "--port", "8796", "--json"]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(out.client_id).toMatch(/\w{10,}/);
    expect(r.stderr).not.toContain(baSession);
    expect(readProfile(run.configDir)).toMatchObject({
      issuer: ba.issuer,
      dialect: "better-auth-1.7",
      client: { client_id: out.client_id, client_name: "ba-app", redirect_uris: ["http://127.0.0.1:8796/callback"] },
    });
  });

  it("a session token the provider does not accept is refused (exit 4), and the token is not echoed", async () => {
    const r = await session()(["--issuer", ba.origin, "register", "--name", "x", "--session-token", "not-a-session-0123456789"]);
    expectFailure(r, 4, /^oidc: registration failed: /);
    expect(r.stderr).not.toContain("not-a-session-0123456789");
  });
});
