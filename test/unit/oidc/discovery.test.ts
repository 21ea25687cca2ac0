// src/oidc/discovery.ts: where a discovery document is looked for (issuer, document URL, an app's
// base URL), the checks on the document (required fields, issuer, transport), the transport rule
// (plain http on loopback only), and discover() over a scripted HTTP client. A better-auth 1.6
// document away from its issuer is accepted as a named deviation handed to the observer.
import { afterEach, describe, expect, it, test, vi } from "vitest";
import { detectDialect } from "../../../src/oidc/dialects/index.js";
import { checkTransport, discover, discoveryCandidates, validateDiscovery } from "../../../src/oidc/discovery.js";
import { recordingObserver } from "../../helpers/observer.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcError, oidcErrorAsync } from "../../helpers/errors.js";

const metadata = {
  issuer: "https://op.example",
  authorization_endpoint: "https://op.example/authorize",
  token_endpoint: "https://op.example/token",
};
const ba16 = {
  issuer: "http://localhost:3000",
  authorization_endpoint: "http://localhost:3000/api/auth/oauth2/authorize",
  token_endpoint: "http://localhost:3000/api/auth/oauth2/token",
  userinfo_endpoint: "http://localhost:3000/api/auth/oauth2/userinfo",
  end_session_endpoint: "http://localhost:3000/api/auth/oauth2/endsession",
};
const atOp = {
  expectedIssuer: "https://op.example",
  discoveryUrl: "https://op.example/.well-known/openid-configuration",
  allowInsecureHttp: false,
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("discovery", () => {
  test("an app's base URL is tried at the issuer and then under better-auth's /api/auth", () => {
    expect(discoveryCandidates("http://localhost:3000").urls).toEqual([
      "http://localhost:3000/.well-known/openid-configuration",
      "http://localhost:3000/api/auth/.well-known/openid-configuration",
    ]);
    expect(discoveryCandidates("https://op.example/tenant/.well-known/openid-configuration")).toEqual({
      expectedIssuer: "https://op.example/tenant",
      urls: ["https://op.example/tenant/.well-known/openid-configuration"],
    });
  });

  test("better-auth 1.6 is recognised, and its bare-origin issuer is accepted as a named deviation", () => {
    expect(detectDialect(ba16).id).toBe("better-auth-1.6");
    const o = recordingObserver();
    const stderr = vi.spyOn(process.stderr, "write");
    const d = validateDiscovery(
      ba16,
      {
        expectedIssuer: "http://localhost:3000/api/auth",
        discoveryUrl: "http://localhost:3000/api/auth/.well-known/openid-configuration",
        allowInsecureHttp: false,
      },
      o,
    );
    expect(d.metadata.issuer).toBe("http://localhost:3000");
    expect(d.dialect.id).toBe("better-auth-1.6");
    expect(o.deviations).toEqual([
      {
        dialect: "better-auth-1.6",
        id: "issuer-not-document-location",
        text: "the discovery document is served at http://localhost:3000/api/auth/.well-known/openid-configuration, not under its issuer http://localhost:3000; accepted because this provider is known to do so",
      },
    ]);
    expect(stderr).not.toHaveBeenCalled();
  });

  test("a document at its issuer's location reports no deviation", () => {
    const o = recordingObserver();
    validateDiscovery(metadata, atOp, o);
    expect(o.deviations).toEqual([]);
  });

  test("a standard provider whose document names another issuer is refused (exit 6, discovery.issuer)", () => {
    const e = oidcError(() => validateDiscovery({ ...metadata, issuer: "https://evil.example" }, atOp, recordingObserver()));
    expect(e.exitCode).toBe(6);
    expect(e.check).toBe("discovery.issuer");
  });

  test("an issuer that names the same loopback server by another name (localhost vs 127.0.0.1) is refused, the hint naming the issuer to use", () => {
    const doc = {
      ...metadata,
      issuer: "http://localhost:3000",
      authorization_endpoint: "http://localhost:3000/a",
      token_endpoint: "http://localhost:3000/t",
    };
    const found = {
      expectedIssuer: "http://127.0.0.1:3000",
      discoveryUrl: "http://127.0.0.1:3000/.well-known/openid-configuration",
      allowInsecureHttp: false,
    };
    const e = oidcError(() => validateDiscovery(doc, found, recordingObserver()));
    expect([e.exitCode, e.check]).toEqual([6, "discovery.issuer"]);
    expect(e.hint).toBe("the provider calls itself http://localhost:3000: use that URL for it");
    const other = oidcError(() => validateDiscovery({ ...metadata, issuer: "https://evil.example" }, atOp, recordingObserver()));
    expect(other.hint).toBeUndefined();
  });

  test("a better-auth-shaped document away from its issuer, but not at the dialect's own location, is refused", () => {
    const e = oidcError(() =>
      validateDiscovery(
        ba16,
        {
          expectedIssuer: "http://localhost:3000",
          discoveryUrl: "http://localhost:3000/other-tenant/.well-known/openid-configuration",
          allowInsecureHttp: false,
          viaAppBase: true,
        },
        recordingObserver(),
      ),
    );
    expect([e.exitCode, e.check]).toEqual([6, "discovery.issuer"]);
  });

  test("a document without token_endpoint is a provider failure (exit 4)", () => {
    const { token_endpoint: _t, ...doc } = metadata;
    expect(oidcError(() => validateDiscovery(doc, atOp, recordingObserver())).exitCode).toBe(4);
  });

  test("plain http is accepted on loopback only, unless allowed", () => {
    expect(checkTransport("http://127.0.0.1:3000", "issuer", false).port).toBe("3000");
    expect(checkTransport("http://localhost:3000", "issuer", false).hostname).toBe("localhost");
    expect(oidcError(() => checkTransport("http://op.example", "issuer", false)).exitCode).toBe(2);
    expect(checkTransport("http://op.example", "issuer", true).hostname).toBe("op.example");
  });

  test("plain http to a remote host names its remedy (allow-insecure-http) for the CLI to turn into a hint", () => {
    const e = oidcError(() => checkTransport("http://op.example", "issuer", false));
    expect(e.remedy).toBe("allow-insecure-http");
    expect(e.hint).toBeUndefined();
  });
});

describe("discover (over a scripted HTTP client)", () => {
  it("after a 404 at the app's base URL it finds better-auth's document under /api/auth, and the deviation goes to the observer", async () => {
    const io = fakeIo(json(404, { error: "not found" }), json(200, ba16));
    const d = await discover(io, "http://localhost:3000", { allowInsecureHttp: false });
    expect(io.requests.map((r) => r.url)).toEqual([
      "http://localhost:3000/.well-known/openid-configuration",
      "http://localhost:3000/api/auth/.well-known/openid-configuration",
    ]);
    expect(io.requests.every((r) => r.opts.retry === true)).toBe(true);
    expect(d.discoveryUrl).toBe("http://localhost:3000/api/auth/.well-known/openid-configuration");
    expect(d.dialect.id).toBe("better-auth-1.6");
    expect(io.deviations.map((x) => x.id)).toEqual(["issuer-not-document-location"]);
  });

  it("a non-404 failure is not retried elsewhere: it is the provider's answer, quoted (exit 4)", async () => {
    const io = fakeIo(json(500, { error: "server_error", error_description: "down" }));
    const e = await oidcErrorAsync(discover(io, "http://localhost:3000", { allowInsecureHttp: false }));
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain('server_error ("down")');
    expect(io.requests).toHaveLength(1);
  });
});
