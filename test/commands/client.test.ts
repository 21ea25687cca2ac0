// `oidc client [client-id]` in-process: what the provider knows of a client. better-auth 1.6.34
// (spawned) answers `GET /oauth2/client/{id}` for a session; a standard provider (the hostile one)
// only through RFC 7592, with the registration access token of a client this profile registered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { type BetterAuthProvider, startBetterAuth16 } from "../helpers/providers.js";
import { type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { expectFailure, expectOk, readProfile } from "./support.js";

let hp: HostileProvider;
let ba: BetterAuthProvider;
let baSession: string;
beforeAll(async () => {
  [hp, ba] = await Promise.all([startHostile(), startBetterAuth16()]);
  baSession = await ba.signIn();
});
afterEach(() => hp.reset());
afterAll(() => Promise.all([hp.stop(), ba.stop()]));

describe("oidc client against better-auth 1.6", () => {
  /** A session whose profile holds a client registered at better-auth. */
  async function registered(name: string) {
    const run = session();
    const r = await run(["--issuer", ba.origin, "register", "--name", name, "--port", "8795", "--json"], {
      env: { OIDC_SESSION_TOKEN: baSession },
    });
    expectOk(r);
    return { run, clientId: JSON.parse(r.stdout).client_id as string };
  }

  it("prints what the provider knows of the profile's client, as JSON, for a session", async () => {
    const { run, clientId } = await registered("lookup-app");
    const r = await run(["client"], { env: { OIDC_SESSION_TOKEN: baSession } });
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ name: "lookup-app" });
    expect(JSON.stringify(out)).toContain(clientId);
    expect(r.stderr).not.toContain(baSession);
  });

  it("looks up the client named as the argument, with --session-token", async () => {
    const { clientId } = await registered("named-app");
    const other = session();
    const r = await other(["--issuer", ba.origin, "client", clientId, `--session-token=${baSession}`]);
    expectOk(r);
    expect(JSON.parse(r.stdout).name).toBe("named-app");
  });

  it("without a session is a usage error (exit 2) naming --session-token and OIDC_SESSION_TOKEN", async () => {
    const { run } = await registered("no-session-app");
    const r = await run(["client"]);
    expectFailure(r, 2, /^oidc: reading a client needs a session$/, { hint: /--session-token or set OIDC_SESSION_TOKEN/ });
  });

  it("a session the provider no longer accepts (401) is exit 4 with the hint to sign in again", async () => {
    const { run } = await registered("stale-session-app");
    const r = await run(["client"], { env: { OIDC_SESSION_TOKEN: "not-a-live-session-0123456789" } });
    expectFailure(r, 4, /^oidc: client lookup failed: the provider answered 401/, { hint: /sign in again/ });
  });

  it("a client the provider does not know is its refusal (exit 4)", async () => {
    const r = await session()(["--issuer", ba.origin, "client", "no-such-client-0123", `--session-token=${baSession}`]);
    expectFailure(r, 4, /^oidc: client lookup failed: /);
  });
});

describe("oidc client against a standard provider (RFC 7592)", () => {
  async function registeredWithRat() {
    const run = session();
    hp.on(
      "/register",
      json(201, {
        client_id: "c-7592",
        registration_client_uri: `${hp.url}/register/c-7592`,
        registration_access_token: "rat-0123456789abcdef",
      }),
    );
    expectOk(await run(["--issuer", hp.url, "register", "--name", "rfc-app"]));
    hp.reset();
    return run;
  }

  it("reads the client at its registration_client_uri with the registration access token", async () => {
    const run = await registeredWithRat();
    hp.on(
      "/register/c-7592",
      json(200, { client_id: "c-7592", client_name: "rfc-app", redirect_uris: ["http://127.0.0.1:8765/callback"] }),
    );
    const r = await run(["client"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual({
      client_id: "c-7592",
      client_name: "rfc-app",
      redirect_uris: ["http://127.0.0.1:8765/callback"],
    });
    expect(hp.requests.map((q) => [q.method, q.path, q.headers.authorization])).toEqual([
      ["GET", "/register/c-7592", "Bearer rat-0123456789abcdef"],
    ]);
    expect(r.stderr).not.toContain("rat-0123456789abcdef");
  });

  it("a client this profile did not register cannot be read: usage error (exit 2), nothing sent", async () => {
    const run = await registeredWithRat();
    const r = await run(["client", "someone-elses-client"]);
    expectFailure(r, 2, /^oidc: this provider reads clients only through RFC 7592/);
    expect(hp.requests).toEqual([]);
  });

  it("a profile without a client and no argument is a usage error (exit 2) naming both ways", async () => {
    const run = session();
    expectOk(await run(["discover", hp.url]));
    const r = await run(["client"]);
    expectFailure(r, 2, /^oidc: no client id$/, { hint: /pass a client id, or register one first/ });
    expect(readProfile(run.configDir)?.client).toBeUndefined();
  });
});
