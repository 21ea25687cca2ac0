// src/oidc/registration.ts over a scripted HTTP client: dynamic registration (RFC 7591) — what is
// sent per dialect, the secrets it returns handed to the observer, a dialect's deviations (200
// instead of 201, a secret for `none`) handed to the observer, and the remedy when the provider
// wants a signed-in caller — and reading a client back (better-auth session or RFC 7592).
import { afterEach, describe, expect, it, vi } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { DIALECTS } from "../../../src/oidc/dialects/index.js";
import { readClient, registerClient, registrationAuthMethod } from "../../../src/oidc/registration.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcErrorAsync } from "../../helpers/errors.js";

const ISS = "https://op.example";
const metadata = {
  issuer: ISS,
  authorization_endpoint: `${ISS}/authorize`,
  token_endpoint: `${ISS}/token`,
  registration_endpoint: `${ISS}/register`,
};
const input = { name: "app", redirectUris: ["http://127.0.0.1:8765/callback"] };

afterEach(() => {
  vi.restoreAllMocks();
});

describe("registerClient", () => {
  it("a standard provider: a native public client is asked for, and 201 registers it without deviations", async () => {
    const io = fakeIo(json(201, { client_id: "c1", token_endpoint_auth_method: "none" }));
    const { client } = await registerClient(io, metadata, DIALECTS.standard, input);
    expect(client).toEqual({ client_id: "c1", client_name: "app", redirect_uris: input.redirectUris, token_endpoint_auth_method: "none" });
    expect(io.requests[0]?.opts.json).toMatchObject({ application_type: "native", token_endpoint_auth_method: "none" });
    expect(io.deviations).toEqual([]);
  });

  it("a response that says application_type native is recorded in the client (its loopback URIs take any port)", async () => {
    const native = await registerClient(
      fakeIo(json(201, { client_id: "c1", application_type: "native" })),
      metadata,
      DIALECTS.standard,
      input,
    );
    expect(native.client.application_type).toBe("native");
    const web = await registerClient(fakeIo(json(201, { client_id: "c2", application_type: "web" })), metadata, DIALECTS.standard, input);
    expect(web.client).not.toHaveProperty("application_type");
  });

  it("the client secret and registration access token go to the observer as secrets", async () => {
    const io = fakeIo(
      json(201, {
        client_id: "c1",
        client_secret: "the-client-secret",
        registration_access_token: "the-rat-123",
        registration_client_uri: `${ISS}/register/c1`,
      }),
    );
    const { client } = await registerClient(io, metadata, DIALECTS.standard, { ...input, authMethod: "client_secret_basic" });
    expect(io.secrets).toEqual(["the-client-secret", "the-rat-123"]);
    expect(client.registration_client_uri).toBe(`${ISS}/register/c1`);
  });

  it("better-auth 1.6: 200 and a secret for `none` are accepted as deviations handed to the observer, nothing printed", async () => {
    const stderr = vi.spyOn(process.stderr, "write");
    const io = fakeIo(json(200, { client_id: "c1", client_secret: "issued-anyway" }));
    const { client } = await registerClient(io, metadata, DIALECTS["better-auth-1.6"], { ...input, authMethod: "none" });
    expect(io.deviations.map((d) => [d.dialect, d.id])).toEqual([
      ["better-auth-1.6", "registration-status-200"],
      ["better-auth-1.6", "none-yields-secret"],
    ]);
    // the secret it will require is used from then on
    expect(client.token_endpoint_auth_method).toBe("client_secret_basic");
    expect(io.requests[0]?.opts.json).not.toHaveProperty("application_type");
    expect(stderr).not.toHaveBeenCalled();
  });

  it("401 without a bearer names the remedy session-for-registration; with one it is the provider's plain refusal", async () => {
    const without = await oidcErrorAsync(registerClient(fakeIo(json(401, { error: "unauthorized" })), metadata, DIALECTS.standard, input));
    expect([without.exitCode, without.remedy]).toEqual([ExitCode.refused, "session-for-registration"]);
    const io = fakeIo(json(401, { error: "unauthorized" }));
    const withToken = await oidcErrorAsync(registerClient(io, metadata, DIALECTS.standard, { ...input, sessionToken: "sess" }));
    expect([withToken.exitCode, withToken.remedy]).toEqual([ExitCode.refused, undefined]);
    expect(io.requests[0]?.opts.headers?.authorization).toBe("Bearer sess");
  });

  it("no registration_endpoint is refused without a request", async () => {
    const { registration_endpoint: _r, ...noReg } = metadata;
    const io = fakeIo();
    expect((await oidcErrorAsync(registerClient(io, noReg, DIALECTS.standard, input))).exitCode).toBe(4);
    expect(io.requests).toEqual([]);
  });
});

describe("the client authentication registered (token_endpoint_auth_methods_supported)", () => {
  const advertising = (methods?: string[]) => ({ ...metadata, ...(methods ? { token_endpoint_auth_methods_supported: methods } : {}) });

  it("`none` where it is advertised or nothing is; else client_secret_basic, else client_secret_post, with a note", () => {
    expect(registrationAuthMethod(advertising(), DIALECTS.standard)).toEqual({ method: "none" });
    expect(registrationAuthMethod(advertising(["client_secret_basic", "none"]), DIALECTS.standard)).toEqual({ method: "none" });
    const basic = registrationAuthMethod(advertising(["client_secret_basic", "client_secret_post", "private_key_jwt"]), DIALECTS.standard);
    expect(basic).toEqual({
      method: "client_secret_basic",
      note: "The provider does not advertise token endpoint auth method none (it advertises client_secret_basic, client_secret_post, private_key_jwt); registering a client with client_secret_basic.",
    });
    expect(registrationAuthMethod(advertising(["private_key_jwt", "client_secret_post"]), DIALECTS.standard).method).toBe(
      "client_secret_post",
    );
    // nothing this CLI can do is advertised: the default is asked for, and the provider decides
    expect(registrationAuthMethod(advertising(["private_key_jwt"]), DIALECTS.standard)).toEqual({ method: "none" });
  });

  it("an explicit --auth-method is sent as given, advertised or not", async () => {
    expect(registrationAuthMethod(advertising(["client_secret_basic"]), DIALECTS.standard, "none")).toEqual({ method: "none" });
    const io = fakeIo(json(201, { client_id: "c1" }));
    const r = await registerClient(io, advertising(["client_secret_basic"]), DIALECTS.standard, { ...input, authMethod: "none" });
    expect(io.requests[0]?.opts.json).toMatchObject({ token_endpoint_auth_method: "none" });
    expect(r.note).toBeUndefined();
  });

  it("registerClient asks for the method chosen and returns the note", async () => {
    const io = fakeIo(json(201, { client_id: "c1", client_secret: "s-0123456789" }));
    const r = await registerClient(io, advertising(["client_secret_basic", "client_secret_post"]), DIALECTS.standard, input);
    expect(io.requests[0]?.opts.json).toMatchObject({ token_endpoint_auth_method: "client_secret_basic" });
    expect(r.client.token_endpoint_auth_method).toBe("client_secret_basic");
    expect(r.note).toMatch(/does not advertise token endpoint auth method none/);
    expect(io.deviations).toEqual([]);
  });
});

describe("readClient", () => {
  it("a dialect with session endpoints needs a session: without one, usage (exit 2) naming session-for-client-lookup", async () => {
    const io = fakeIo();
    const e = await oidcErrorAsync(readClient(io, metadata, DIALECTS["better-auth-1.7"], "c1", {}));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.usage, "session-for-client-lookup"]);
    expect(io.requests).toEqual([]);
  });

  it("RFC 7592: the stored registration access token is sent to the stored registration_client_uri", async () => {
    const io = fakeIo(json(200, { client_id: "c1", client_name: "app" }));
    const stored = { client_id: "c1", registration_client_uri: `${ISS}/register/c1`, registration_access_token: "rat-123456" };
    expect(await readClient(io, metadata, DIALECTS.standard, "c1", { stored })).toEqual({ client_id: "c1", client_name: "app" });
    expect(io.requests[0]?.url).toBe(`${ISS}/register/c1`);
    expect(io.requests[0]?.opts.headers?.authorization).toBe("Bearer rat-123456");
  });
});
