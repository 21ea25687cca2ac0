// Property-based tests (fast-check) of the parsers that read what a provider or a browser sends:
// whatever the input, each gives a result or an OidcError (a clean exit code), never another
// exception. A fixed seed keeps runs deterministic; FC_SEED=<n> explores other inputs.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { OidcError } from "../../../src/errors.js";
import { parseAuthorizationResponse } from "../../../src/oidc/authorize.js";
import { DIALECTS, type Dialect } from "../../../src/oidc/dialects/index.js";
import { checkTransport, ENDPOINTS, validateDiscovery } from "../../../src/oidc/discovery.js";
import { decodeJwt } from "../../../src/oidc/idtoken.js";
import type { HttpResponse } from "../../../src/oidc/ports.js";
import { registerClient } from "../../../src/oidc/registration.js";
import { parseTokenResponse } from "../../../src/oidc/token.js";
import { recordingObserver } from "../../helpers/observer.js";
import { fakeIo } from "../fake-io.js";

beforeAll(() => {
  fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20260601), numRuns: 400 });
});

/** Run `fn`; an OidcError with a known exit code counts as a clean failure, anything else fails the property. */
function resultOrOidcError<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: OidcError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof OidcError) {
      expect([1, 2, 3, 4, 5, 6]).toContain(e.exitCode);
      expect(e.message).not.toBe("");
      return { ok: false, error: e };
    }
    throw e;
  }
}
async function resultOrOidcErrorAsync<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: OidcError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof OidcError) {
      expect([1, 2, 3, 4, 5, 6]).toContain(e.exitCode);
      return { ok: false, error: e };
    }
    throw e;
  }
}

// --- generators -------------------------------------------------------------------------------

const ISSUER = "https://op.example";
const anyString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom("", " ", "null", "%", "%zz", "\u0000", "\ud800"));
/** Strings that are often URLs, sometimes odd ones, sometimes not URLs at all. */
const urlish = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl().map((u) => u.replace(/^https:/, "http:")),
  fc.constantFrom(
    ISSUER,
    `${ISSUER}/`,
    `${ISSUER}/token`,
    "http://127.0.0.1:8080/cb",
    "http://[::1]/x",
    "http://localhost",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://",
    "//op.example",
    "https://op.example:99999",
    "https://user:pass@op.example/a",
  ),
  anyString,
);
const anyValue = fc.oneof(urlish, fc.anything(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(urlish, { maxLength: 3 }));
const dialect = fc.option(fc.constantFrom<Dialect>(...Object.values(DIALECTS)), { nil: undefined });

// --- callback URLs ----------------------------------------------------------------------------

describe("parseAuthorizationResponse (callback URLs)", () => {
  const params = fc.dictionary(
    fc.oneof(fc.constantFrom("state", "code", "error", "error_description", "iss"), fc.string({ maxLength: 8 })),
    anyString,
    { maxKeys: 6 },
  );
  const callback = fc.record({
    base: fc.oneof(fc.constant("http://127.0.0.1:8765/callback"), fc.webUrl()),
    params,
    stateMatches: fc.boolean(),
    issMatches: fc.boolean(),
    fragment: fc.option(anyString, { nil: undefined }),
  });

  it("an arbitrary string gives a code or an OidcError", () => {
    fc.assert(
      fc.property(anyString, anyString, fc.boolean(), (input, state, issRequired) => {
        resultOrOidcError(() => parseAuthorizationResponse(input, { state, issuer: ISSUER, issRequired }, recordingObserver()));
      }),
    );
  });

  it("a callback URL with arbitrary parameters gives a code only when the state matches, else an OidcError", () => {
    fc.assert(
      fc.property(callback, anyString, fc.boolean(), fc.boolean(), (cb, expectedState, issRequired, asUrl) => {
        const url = new URL(cb.base);
        for (const [k, v] of Object.entries(cb.params)) url.searchParams.set(k, v);
        if (cb.stateMatches) url.searchParams.set("state", expectedState);
        if (cb.issMatches) url.searchParams.set("iss", ISSUER);
        if (cb.fragment !== undefined) url.hash = cb.fragment;
        const r = resultOrOidcError(() =>
          parseAuthorizationResponse(
            asUrl ? url : url.toString(),
            { state: expectedState, issuer: ISSUER, issRequired },
            recordingObserver(),
          ),
        );
        if (r.ok) {
          expect(url.searchParams.get("state")).toBe(expectedState);
          expect(typeof r.value.code).toBe("string");
          expect(r.value.code).not.toBe("");
          expect(url.searchParams.get("error") || null).toBeNull(); // an empty error= is no error
        } else if (url.searchParams.get("state") !== expectedState && url.searchParams.get("error") === null) {
          expect(r.error.exitCode).toBe(6); // a foreign state is a possible attack
        }
      }),
    );
  });
});

// --- discovery documents ----------------------------------------------------------------------

describe("validateDiscovery (discovery documents)", () => {
  const KEYS = ["issuer", ...ENDPOINTS, "scopes_supported", "authorization_response_iss_parameter_supported"];
  /** Documents near a good one: each known key absent, good, or replaced by something arbitrary. */
  const doc = fc
    .record({
      fields: fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom("good", "absent", "arbitrary"), anyValue), { maxLength: 12 }),
      extra: fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }),
    })
    .map(({ fields, extra }) => {
      const d: Record<string, unknown> = {
        ...extra,
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
      };
      for (const [k, how, v] of fields) {
        if (how === "absent") delete d[k];
        else if (how === "arbitrary") d[k] = v;
        else d[k] = k === "issuer" ? ISSUER : `${ISSUER}/${k}`;
      }
      return d;
    });
  const found = fc.record({
    expectedIssuer: fc.oneof(fc.constant(ISSUER), fc.webUrl(), fc.constant("http://127.0.0.1:3000")),
    discoveryUrl: fc.oneof(
      fc.constant(`${ISSUER}/.well-known/openid-configuration`),
      fc.webUrl().map((u) => `${u.replace(/[?#].*$/, "")}/.well-known/openid-configuration`),
      fc.webUrl({ withQueryParameters: true }),
    ),
    allowInsecureHttp: fc.boolean(),
    dialect,
    viaAppBase: fc.option(fc.boolean(), { nil: undefined }),
  });

  it("a document near a good one gives metadata or an OidcError", () => {
    fc.assert(
      fc.property(doc, found, (d, f) => {
        const r = resultOrOidcError(() => validateDiscovery(d, f, recordingObserver()));
        if (r.ok) {
          for (const k of ["issuer", "authorization_endpoint", "token_endpoint"]) expect(typeof r.value.metadata[k]).toBe("string");
          expect(() => checkTransport(r.value.metadata.issuer, "issuer", f.allowInsecureHttp)).not.toThrow();
        }
      }),
    );
  });

  it("an arbitrary object gives metadata or an OidcError", () => {
    fc.assert(
      fc.property(fc.object({ maxDepth: 2 }), found, (d, f) => {
        resultOrOidcError(() => validateDiscovery(d as Record<string, unknown>, f, recordingObserver()));
      }),
    );
  });

  it("a document whose issuer is not the one asked for is refused with exit 6", () => {
    fc.assert(
      fc.property(
        fc.webUrl({ validSchemes: ["https"] }).filter((u) => u.replace(/\/+$/, "") !== ISSUER),
        (issuer) => {
          const d = { issuer, authorization_endpoint: `${ISSUER}/a`, token_endpoint: `${ISSUER}/t` };
          const r = resultOrOidcError(() =>
            validateDiscovery(
              d,
              {
                expectedIssuer: ISSUER,
                discoveryUrl: `${ISSUER}/.well-known/openid-configuration`,
                allowInsecureHttp: false,
              },
              recordingObserver(),
            ),
          );
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.error.exitCode).toBe(6);
        },
      ),
    );
  });
});

// --- token responses --------------------------------------------------------------------------

const contentType = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=utf-8", "text/html", "text/plain", "", "application/jwt"),
  fc.string({ maxLength: 20 }),
);
const tokenish = fc
  .record(
    {
      access_token: anyValue,
      token_type: anyValue,
      expires_in: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 6 }), fc.constant(null), anyValue),
      refresh_token: anyValue,
      id_token: anyValue,
      scope: anyValue,
      error: anyValue,
      error_description: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const body = fc.oneof(
  tokenish,
  fc.json(),
  anyString,
  tokenish.map((t) => t.slice(0, Math.floor(t.length / 2))),
);
const response = fc.record({
  status: fc.oneof(fc.constant(200), fc.constantFrom(201, 204, 301, 400, 401, 429, 500, 503), fc.integer({ min: 100, max: 599 })),
  headers: fc.option(contentType, { nil: undefined }).map((t): Record<string, string> => (t === undefined ? {} : { "content-type": t })),
  text: body,
  url: fc.constant(`${ISSUER}/token`),
});

describe("parseTokenResponse (token responses)", () => {
  it("an arbitrary response gives tokens with the required fields, or an OidcError", () => {
    fc.assert(
      fc.property(response, (res: HttpResponse) => {
        const r = resultOrOidcError(() => parseTokenResponse(res, "token request", recordingObserver()));
        if (r.ok) {
          expect(res.status).toBe(200);
          expect(typeof r.value.access_token).toBe("string");
          expect(r.value.access_token).not.toBe("");
          expect(typeof r.value.token_type).toBe("string");
          if (r.value.expires_in !== undefined) {
            expect(Number.isFinite(r.value.expires_in)).toBe(true);
            expect(r.value.expires_in).toBeGreaterThanOrEqual(0);
          }
          for (const k of ["refresh_token", "id_token", "scope"] as const)
            if (r.value[k] !== undefined) expect(typeof r.value[k]).toBe("string");
        } else if (res.status !== 200) {
          expect(r.error.exitCode).toBe(4);
        }
      }),
    );
  });
});

// --- registration responses -------------------------------------------------------------------

describe("registerClient (registration responses)", () => {
  const regBody = fc
    .record(
      {
        client_id: anyValue,
        client_secret: anyValue,
        client_name: anyValue,
        redirect_uris: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })),
        token_endpoint_auth_method: anyValue,
        registration_client_uri: anyValue,
        registration_access_token: anyValue,
        error: anyValue,
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  const regResponse = fc.record({
    status: fc.oneof(fc.constantFrom(200, 201), fc.integer({ min: 100, max: 599 })),
    headers: fc.option(contentType, { nil: undefined }).map((t): Record<string, string> => (t === undefined ? {} : { "content-type": t })),
    text: fc.oneof(regBody, fc.json(), anyString),
    url: fc.constant(`${ISSUER}/register`),
  });
  const metadata = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/a`,
    token_endpoint: `${ISSUER}/t`,
    registration_endpoint: `${ISSUER}/register`,
  };

  it("an arbitrary registration response gives a client with a client_id, or an OidcError", async () => {
    await fc.assert(
      fc.asyncProperty(regResponse, fc.constantFrom(...Object.values(DIALECTS)), async (res, d) => {
        // Registration is the one parser behind a request: the scripted client answers with the generated response.
        const io = fakeIo(res);
        const r = await resultOrOidcErrorAsync(() =>
          registerClient(io, metadata, d, { name: "app", redirectUris: ["http://127.0.0.1:8765/callback"] }),
        );
        if (r.ok) {
          expect([200, 201]).toContain(res.status);
          expect(typeof r.value.client.client_id).toBe("string");
          expect(r.value.client.client_id).not.toBe("");
          for (const u of r.value.client.redirect_uris ?? []) expect(typeof u).toBe("string");
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});

// --- JWTs -------------------------------------------------------------------------------------

describe("decodeJwt (JWT decoding)", () => {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64url");
  const part = fc.oneof(
    fc.json().map(b64),
    fc.object({ maxDepth: 2 }).map((o) => b64(JSON.stringify(o))),
    anyString.map(b64),
    anyString,
    fc.constantFrom("", "e30", "bnVsbA", "W10", "!!!", "e30="),
  );

  it("an arbitrary string gives header and claims, or an OidcError", () => {
    fc.assert(
      fc.property(anyString, (s) => {
        resultOrOidcError(() => decodeJwt(s));
      }),
    );
  });

  it("three arbitrary parts give object header and claims, or an OidcError (exit 6)", () => {
    fc.assert(
      fc.property(part, part, part, (h, p, sig) => {
        const r = resultOrOidcError(() => decodeJwt(`${h}.${p}.${sig}`));
        if (r.ok) {
          for (const v of [r.value.header, r.value.claims]) {
            expect(v !== null && typeof v === "object" && !Array.isArray(v)).toBe(true);
          }
        } else expect(r.error.exitCode).toBe(6);
      }),
    );
  });
});

// --- transport --------------------------------------------------------------------------------

describe("checkTransport", () => {
  it("an arbitrary string gives a URL or a usage error (exit 2)", () => {
    fc.assert(
      fc.property(urlish, fc.boolean(), (u, allow) => {
        const r = resultOrOidcError(() => checkTransport(u, "issuer", allow));
        if (r.ok) expect(["https:", "http:"]).toContain(r.value.protocol);
        else expect(r.error.exitCode).toBe(2);
      }),
    );
  });
});
