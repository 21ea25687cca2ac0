// In-process: a hostile provider (test/providers/hostile.ts) against the CLI. Pins: every
// misbehaviour (HTML or truncated discovery, no answer, a reset connection, a 500, another issuer,
// text or incomplete token responses, OAuth errors) ends within its bound with the contract's exit
// code, nothing on stdout, one `oidc:` line (plus at most a hint) and nothing else on stderr, no
// stack trace; a 429 with Retry-After is waited out once; and secrets (client secret, refresh and
// session tokens, code, verifier, new tokens) never reach any output, plain or --verbose, even when
// the provider echoes them. The peak-RSS bounds for huge bodies need a process of their own and
// stay spawned in test/e2e/hostile-provider.test.ts.
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type InProcessResult, oidc, session } from "../helpers/deps.js";
import { now, profilePath, readProfile, seedProfile } from "../helpers/store.js";
import {
  DISCOVERY_PATH,
  firstThen,
  goodDiscovery,
  goodDiscoveryDoc,
  type HostileProvider,
  hang,
  html,
  json,
  resetConnection,
  startHostile,
  text,
  truncatedJson,
} from "../providers/hostile.js";
import { diag, expectFailure } from "../commands/support.js";

type Result = Pick<InProcessResult, "code" | "stdout" | "stderr">;

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterEach(() => hp.reset());
afterAll(async () => {
  await hp?.stop();
});

/** Run and time one CLI command. */
async function timed(run: () => Promise<Result>): Promise<Result & { ms: number }> {
  const t0 = performance.now();
  const r = await run();
  return { ...r, ms: performance.now() - t0 };
}

/**
 * The contract for a failure (expectFailure), within `maxMs`, and stricter: nothing on stderr but
 * the `oidc:` line and at most one hint (no warning either).
 */
function expectCleanFailure(r: Result & { ms: number }, code: number, maxMs: number, why?: RegExp): void {
  const ctx = `after ${Math.round(r.ms)} ms\n${diag(r)}`;
  expectFailure(r, code, why);
  expect(r.ms, ctx).toBeLessThan(maxMs);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(
    lines.filter((l) => !l.startsWith("oidc: ") && !l.startsWith("hint: ")),
    ctx,
  ).toEqual([]);
}

describe("discovery against a hostile provider", () => {
  it("an HTML page instead of the document exits 4 naming the HTML page", async () => {
    hp.on(DISCOVERY_PATH, html(200));
    const r = await timed(() => oidc(["discover", hp.url]));
    expectCleanFailure(r, 4, 10_000, /discovery.*HTML page/);
  });

  it("a truncated JSON document exits 4 saying it is truncated or invalid", async () => {
    hp.on(DISCOVERY_PATH, truncatedJson());
    const r = await timed(() => oidc(["discover", hp.url]));
    expectCleanFailure(r, 4, 10_000, /truncated or invalid/);
  });

  it("no answer at all with --timeout 2 exits 3 after about 2 s", async () => {
    hp.on(DISCOVERY_PATH, hang());
    const r = await timed(() => oidc(["discover", hp.url, "--timeout", "2"]));
    expectCleanFailure(r, 3, 8_000, /no answer from 127\.0\.0\.1:\d+ within 2s/);
    expect(r.ms).toBeGreaterThanOrEqual(1_900);
  });

  it("a reset connection exits 3 saying the connection was reset (after bounded retries)", async () => {
    hp.on(DISCOVERY_PATH, resetConnection());
    const r = await timed(() => oidc(["discover", hp.url]));
    expectCleanFailure(r, 3, 10_000, /reset/);
    // the GET is idempotent: retried, but a bounded number of times
    const attempts = hp.requests.filter((q) => q.path === DISCOVERY_PATH).length;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(3);
  });

  it("a 500 HTML error page exits 4 naming the status, without retrying", async () => {
    hp.on(DISCOVERY_PATH, html(500));
    const r = await timed(() => oidc(["discover", hp.url]));
    expectCleanFailure(r, 4, 10_000, /500.*HTML page/);
    expect(hp.requests.filter((q) => q.path === DISCOVERY_PATH)).toHaveLength(1);
  });

  it("a document naming another issuer exits 6 (validation) naming both issuers", async () => {
    hp.on(DISCOVERY_PATH, (req, res, ctx) => json(200, { ...goodDiscovery(ctx.url), issuer: "https://evil.example" })(req, res, ctx));
    const run = session();
    const r = await timed(() => run(["discover", hp.url]));
    expectCleanFailure(r, 6, 10_000, /issuer.*evil\.example/);
    expect(existsSync(profilePath(run.configDir)), "nothing saved").toBe(false);
  });

  it("one 429 with Retry-After: 1 then a good answer succeeds after waiting about 1 s", async () => {
    hp.on(DISCOVERY_PATH, firstThen(1, json(429, { error: "slow_down" }, { "retry-after": "1" }), goodDiscoveryDoc()));
    const r = await timed(() => oidc(["discover", hp.url]));
    expect(r.code, diag(r)).toBe(0);
    expect(JSON.parse(r.stdout).issuer).toBe(hp.url);
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(10_000);
    expect(hp.requests.filter((q) => q.path === DISCOVERY_PATH)).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------

const REDIRECT = "http://127.0.0.1:8765/callback";

/** A store whose default profile is bound to the hostile provider, with a client and (expired) tokens. */
async function preparedProfile(secrets: { clientSecret?: string; refreshToken?: string } = {}) {
  const run = session();
  const d = await run(["discover", hp.url]);
  expect(d.code, diag(d)).toBe(0);
  const profile = readProfile(run.configDir);
  profile.client = {
    client_id: "hostile-client",
    client_secret: secrets.clientSecret ?? "stored-secret-0123456789",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "client_secret_basic",
  };
  profile.tokens = {
    access_token: "at-expired-0123456789",
    token_type: "Bearer",
    expires_at: now() - 10,
    refresh_token: secrets.refreshToken ?? "rt-stored-0123456789",
    obtained_at: now() - 3600,
  };
  seedProfile(run.configDir, "default", profile);
  hp.reset();
  return run;
}

const codeArgs = ["token", "--code", "code-0123456789", "--code-verifier", "verifier-0123456789abcdef", "--redirect-uri", REDIRECT];

describe("token endpoint against a hostile provider", () => {
  it("a 200 answer with text instead of JSON exits 4 (code exchange)", async () => {
    const run = await preparedProfile();
    hp.on("/token", text(200, "OK, here is your token: nope"));
    const r = await timed(() => run(codeArgs));
    expectCleanFailure(r, 4, 10_000, /code exchange failed: expected JSON, got a text\/plain body/);
  });

  it("a 200 answer with text instead of JSON exits 4 (refresh)", async () => {
    const run = await preparedProfile();
    hp.on("/token", html(200));
    const r = await timed(() => run(["token", "--refresh"]));
    expectCleanFailure(r, 4, 10_000, /token refresh failed: expected JSON, got an HTML page/);
  });

  it("a 200 token response without token_type exits 4 naming token_type", async () => {
    const run = await preparedProfile();
    hp.on("/token", json(200, { access_token: "at-no-type-0123456789", expires_in: 60 }));
    const r = await timed(() => run(codeArgs));
    expectCleanFailure(r, 4, 10_000, /no token_type/);
  });

  it("a 400 invalid_grant exits 4 quoting the provider's error and description", async () => {
    const run = await preparedProfile();
    hp.on("/token", json(400, { error: "invalid_grant", error_description: "code expired or already used" }));
    const r = await timed(() => run(codeArgs));
    expectCleanFailure(r, 4, 10_000, /code exchange failed: the provider answered 400: invalid_grant \("code expired or already used"\)/);
  });

  it("a 400 invalid_grant on refresh exits 5 (login required), quoting the provider", async () => {
    const run = await preparedProfile();
    hp.on("/token", json(400, { error: "invalid_grant", error_description: "refresh token revoked" }));
    const r = await timed(() => run(["token", "--refresh"]));
    expectCleanFailure(r, 5, 10_000, /invalid_grant \("refresh token revoked"\)/);
  });
});

// ---------------------------------------------------------------------------------------------

describe("secret hygiene", () => {
  // Characters that change under form, URL and JSON encoding, so an encoded copy would show too.
  const CLIENT_SECRET = 'cs-Hyg1ene+S3cr/et=&"x';
  const REFRESH_TOKEN = "rt-hygiene-7b1f0c2e9d";
  const SESSION_TOKEN = "sess-hygiene-4a8e6c1d53";
  const CODE = "code-hygiene-99ab31";
  const VERIFIER = "verifier-hygiene-0f0e0d0c0b0a09080706050403020100";
  const NEW_AT = "at-fresh-hygiene-5566778899";
  const NEW_RT = "rt-fresh-hygiene-1122334455";
  const ALL = [CLIENT_SECRET, REFRESH_TOKEN, SESSION_TOKEN, CODE, VERIFIER];
  const forms = (s: string) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2), JSON.stringify(s).slice(1, -1)];

  /** A provider that echoes back everything it was sent, headers included, in its error. */
  const echo = (status: number) => (req: IncomingMessage, res: ServerResponse, ctx: { body: string }) => {
    const said = `body=${ctx.body} auth=${req.headers.authorization ?? ""} raw=${CLIENT_SECRET} ${REFRESH_TOKEN} ${SESSION_TOKEN}`;
    res.writeHead(status, { "content-type": "application/json", "x-echo": said.replace(/[^\x20-\x7e]/g, "?") });
    res.end(JSON.stringify({ error: "invalid_client", error_description: said, client_secret: CLIENT_SECRET }));
  };

  function expectNoSecrets(r: Result, label: string, extra: string[] = []): void {
    for (const s of [...ALL, ...extra])
      for (const f of forms(s)) {
        expect(r.stdout.includes(f), `${label}: ${JSON.stringify(f)} on stdout:\n${r.stdout}`).toBe(false);
        expect(r.stderr.includes(f), `${label}: ${JSON.stringify(f)} on stderr:\n${r.stderr}`).toBe(false);
      }
  }

  // The process environment of the spawned runs, through the test deps.
  const env = { OIDC_CLIENT_SECRET: CLIENT_SECRET, OIDC_SESSION_TOKEN: SESSION_TOKEN };

  it("a refused refresh, plain and --verbose, prints no secret even when the provider echoes them", async () => {
    // The refresh authenticates with the profile's client (where `oidc token --code` saved the
    // secret from OIDC_CLIENT_SECRET); the same secret is in the environment too.
    const run = await preparedProfile({ clientSecret: CLIENT_SECRET, refreshToken: REFRESH_TOKEN });
    hp.on("/token", echo(401));
    for (const args of [
      ["token", "--refresh"],
      ["token", "--refresh", "--verbose"],
    ]) {
      const r = await run(args, { env });
      expect(r.code, diag(r)).toBe(4);
      expect(r.stdout, diag(r)).toBe("");
      expectNoSecrets(r, args.join(" "));
    }
    const verbose = await run(["token", "--refresh", "--verbose"], { env });
    expect(verbose.stderr).toMatch(/> POST .*\/token/); // the trace is there, redacted
    expect(verbose.stderr).toContain("[redacted]");
    // the provider did receive the secret from the environment (so the test is not vacuous)
    const sent = hp.requests.find((q) => q.path === "/token");
    expect(Buffer.from(String(sent?.headers.authorization).replace(/^Basic /, ""), "base64").toString()).toContain(
      encodeURIComponent(CLIENT_SECRET).replace(/%20/g, "+"),
    );
  });

  it("a refused code exchange (--verbose) prints neither code, verifier nor client secret", async () => {
    const run = await preparedProfile({ refreshToken: REFRESH_TOKEN });
    hp.on("/token", (req, res, ctx) => text(200, `echo: ${ctx.body} ${req.headers.authorization}`)(req, res, ctx));
    const r = await run(["token", "--code", CODE, "--code-verifier", VERIFIER, "--redirect-uri", REDIRECT, "--verbose"], { env });
    expect(r.code, diag(r)).toBe(4);
    expect(r.stdout, diag(r)).toBe("");
    expectNoSecrets(r, "code exchange");
  });

  it("a refused registration (--verbose) with a session token prints no secret", async () => {
    const run = await preparedProfile({ refreshToken: REFRESH_TOKEN });
    hp.on("/register", echo(401));
    for (const args of [
      ["register", "--name", "app", "--force"],
      ["register", "--name", "app", "--force", "--verbose"],
    ]) {
      const r = await run(args, { env });
      expect(r.code, diag(r)).toBe(4);
      expect(r.stdout, diag(r)).toBe("");
      expectNoSecrets(r, args.join(" "));
    }
    expect(hp.requests.find((q) => q.path === "/register")?.headers.authorization).toBe(`Bearer ${SESSION_TOKEN}`);
  });

  it("a successful --verbose refresh keeps old and new tokens out of stderr; stdout has only the new access token", async () => {
    const run = await preparedProfile({ refreshToken: REFRESH_TOKEN });
    hp.on("/token", json(200, { access_token: NEW_AT, token_type: "Bearer", expires_in: 3600, refresh_token: NEW_RT }));
    const r = await run(["token", "--refresh", "--verbose"], { env });
    expect(r.code, diag(r)).toBe(0);
    expect(r.stdout.trim()).toBe(NEW_AT);
    expectNoSecrets({ ...r, stdout: "" }, "verbose refresh", [NEW_AT, NEW_RT]);
    expect(r.stdout.includes(NEW_RT)).toBe(false);
  });

  it("a failing --verbose discovery with every secret in the environment prints none of them", async () => {
    hp.on(DISCOVERY_PATH, html(500));
    const r = await oidc(["discover", hp.url, "--verbose"], { env });
    expect(r.code).toBe(4);
    expect(r.stdout, diag(r)).toBe("");
    expectNoSecrets(r, "discover");
  });
});
