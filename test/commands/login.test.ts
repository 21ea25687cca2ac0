// `oidc login` in-process: the whole browser flow (loopback callback, state, PKCE, exchange, ID
// token checks, profile) against the in-process conformance OP, with a browser stub that follows
// the OP's redirect. Failures here are the login flow's or the command's, not the process's.
import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProfileStore } from "../../src/adapters/store.js";
import { Terminal } from "../../src/adapters/terminal.js";
import { redactorFor } from "../../src/cli/deps.js";
import { runCli } from "../../src/cli/run.js";
import { browserStub, followingBrowser, session, testDeps } from "../helpers/deps.js";
import {
  CONFIDENTIAL_CLIENT,
  CONFIDENTIAL_SECRET,
  type ConformanceOp,
  EMAIL,
  PREFERRED_USERNAME,
  PUBLIC_CLIENT,
  SLASHY_CLIENT,
  SLASHY_SECRET,
  SUB,
  startConformanceOp,
} from "../providers/conformance-op.js";
import { closedPort, expectFailure, expectOk, FULL_SCOPE, readProfile } from "./support.js";

let op: ConformanceOp;
/** A free loopback port for this file's logins (with --client-id the default would be 8765, shared with other files). */
let port: number;
beforeAll(async () => {
  op = await startConformanceOp();
  port = await closedPort();
});
afterEach(() => op.setCase("default"));
afterAll(() => op.stop());

const loginArgs = (clientId = PUBLIC_CLIENT) => [
  "--issuer",
  op.issuer,
  "--client-id",
  clientId,
  "login",
  "--scope",
  "openid profile",
  "--port",
  String(port),
];
const tokenRequests = () => op.requests.filter((r) => r.startsWith("POST /token")).length;

describe("oidc login (in-process)", () => {
  it("logs in through the browser stub and saves the tokens with the ID token's sub", async () => {
    const run = session();
    const browser = followingBrowser();
    const r = await run([...loginArgs(), "--json"], { browser });
    expect(r.stderr).toContain("Logged in as alice");
    expect(r.code).toBe(0);
    expect(browser.opened).toHaveLength(1);
    const url = new URL(browser.opened[0] as string);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(JSON.parse(r.stdout)).toMatchObject({ profile: "default", sub: SUB, client_id: PUBLIC_CLIENT });
    const token = await run(["token"]);
    expect(token.code).toBe(0);
    expect(token.stdout.trim().length).toBeGreaterThan(10);
  });

  it("under CI with no browser command, fails at once naming the flags (exit 2), nothing opened", async () => {
    const browser = browserStub();
    const r = await session()(loginArgs(), { browser });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a browser, and CI is set/);
    expect(r.stderr).toMatch(/--no-browser/);
    expect(browser.opened).toEqual([]);
  });

  it("--json prints exactly {profile, issuer, client_id, sub, scope, expires_at, has_refresh_token}, and no secret", async () => {
    const run = session();
    const r = await run(
      ["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "login", "--scope", FULL_SCOPE, "--port", String(port), "--json"],
      {
        browser: followingBrowser(),
      },
    );
    expectOk(r);
    const out = JSON.parse(r.stdout);
    const stored = readProfile(run.configDir)?.tokens;
    expect(out).toEqual({
      profile: "default",
      issuer: op.issuer,
      client_id: PUBLIC_CLIENT,
      sub: SUB,
      scope: FULL_SCOPE,
      expires_at: stored?.expires_at,
      has_refresh_token: true,
    });
    for (const secret of [stored?.access_token, stored?.refresh_token, stored?.id_token]) expect(r.stdout).not.toContain(secret);
  });

  it("without --json prints nothing on stdout: the outcome is a line on stderr", async () => {
    const r = await session()(loginArgs(), { browser: followingBrowser() });
    expectOk(r);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^Logged in as alice\.liddell \(alice\); tokens saved to profile default \(expires in \d+s\)\.$/m);
  });

  it("says who logged in: preferred_username, else email, else the sub, from the ID token's claims (with the sub)", async () => {
    const as = async (scope: string) =>
      (
        await session()(["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "login", "--scope", scope, "--port", String(port)], {
          browser: followingBrowser(),
        })
      ).stderr;
    expect(await as("openid profile email")).toContain(`Logged in as ${PREFERRED_USERNAME} (${SUB}); tokens saved`);
    expect(await as("openid email")).toContain(`Logged in as ${EMAIL} (${SUB}); tokens saved`);
    expect(await as("openid")).toContain(`Logged in as ${SUB}; tokens saved`);
  });

  it("stores only the tokens of who logged in, not the claims (they are in the stored ID token)", async () => {
    const run = session();
    expectOk(await run([...loginArgs(), "--scope", "openid email"], { browser: followingBrowser() }));
    const stored = readProfile(run.configDir);
    expect(Object.keys(stored?.tokens ?? {}).sort()).toEqual(
      ["access_token", "expires_at", "id_token", "obtained_at", "scope", "sub", "token_type"].sort(),
    );
    expect(JSON.stringify(stored)).not.toContain(EMAIL);
  });

  it("a second login on a profile that is logged in first says who is, on stderr", async () => {
    const run = session();
    expectOk(await run([...loginArgs(), "--scope", "openid email"], { browser: followingBrowser() }));
    const again = await run(loginArgs(), { browser: followingBrowser() });
    expectOk(again);
    expect(again.stdout).toBe("");
    const lines = again.stderr.split("\n");
    const said = lines.indexOf(`Profile default is logged in as ${EMAIL} (${SUB}); logging in again.`);
    expect(said, again.stderr).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => l.startsWith("Logged in as"))).toBeGreaterThan(said);
  });

  it("a first login says nothing about logging in again", async () => {
    const r = await session()(loginArgs(), { browser: followingBrowser() });
    expectOk(r);
    expect(r.stderr).not.toContain("logging in again");
  });

  it("saves the OP, the client and the scope to the profile, for the commands that follow", async () => {
    const run = session();
    expectOk(await run(loginArgs(), { browser: followingBrowser() }));
    expect(readProfile(run.configDir)).toMatchObject({
      issuer: op.issuer,
      dialect: "standard",
      client: { client_id: PUBLIC_CLIENT },
      scope: "openid profile",
      tokens: { sub: SUB, token_type: "Bearer" },
    });
  });

  it("--no-exchange prints {code, code_verifier, redirect_uri, state, nonce} of this request and exchanges nothing", async () => {
    const run = session();
    const browser = followingBrowser();
    const before = tokenRequests();
    const r = await run([...loginArgs(), "--no-exchange"], { browser });
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(["code", "code_verifier", "nonce", "redirect_uri", "state"]);
    const sent = new URL(browser.opened[0] as string).searchParams;
    expect(out.redirect_uri).toBe(sent.get("redirect_uri"));
    expect(out.state).toBe(sent.get("state"));
    expect(out.nonce).toBe(sent.get("nonce"));
    expect(out.code_verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(createHash("sha256").update(out.code_verifier).digest("base64url")).toBe(sent.get("code_challenge"));
    expect(out.code.length).toBeGreaterThan(10);
    expect(tokenRequests()).toBe(before);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("a callback carrying another login's state is answered with an error page and ignored; the right one still completes", async () => {
    let forged: { status: number; body: string } | undefined;
    const follow = followingBrowser();
    const browser = browserStub(async (url) => {
      const redirectUri = new URL(url).searchParams.get("redirect_uri") as string;
      const res = await fetch(`${redirectUri}?code=stolen-code&state=another-login`);
      forged = { status: res.status, body: await res.text() };
      await follow.open(url, () => {});
    }, "forging-then-following");
    const run = session();
    const r = await run(loginArgs(), { browser });
    expectOk(r);
    expect(forged?.status).toBe(400);
    expect(forged?.body).toContain("Not this login");
    expect(r.stderr).toContain("warning: the callback received a request with another login's state; ignored it and still waiting");
    expect(readProfile(run.configDir)?.tokens?.sub).toBe(SUB);
  });

  it("an authorization response whose state differs never ends the login: it times out (exit 5) and saves nothing", async () => {
    op.setCase("authorization-response-state-mismatch");
    const run = session();
    const before = tokenRequests();
    const r = await run([...loginArgs(), "--callback-timeout", "1"], { browser: followingBrowser() });
    expectFailure(r, 5, /^oidc: login failed: no callback arrived within 1s$/, { only: false, hint: /--callback-timeout/ });
    expect(r.stderr).toContain("another login's state");
    expect(tokenRequests()).toBe(before);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("a token exchange the provider refuses (a wrong client secret) exits 4 quoting its error, without echoing the secret", async () => {
    const run = session({ env: { OIDC_CLIENT_SECRET: "not-the-secret-0123456789" } });
    const r = await run(loginArgs(CONFIDENTIAL_CLIENT), { browser: followingBrowser() });
    expectFailure(r, 4, /^oidc: code exchange failed: the provider answered 401: invalid_client \("client authentication failed"\)$/, {
      only: false,
    });
    expect(r.stderr).not.toContain("not-the-secret-0123456789");
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("with the right client secret the confidential client logs in, and the secret is kept for refreshes", async () => {
    const run = session({ env: { OIDC_CLIENT_SECRET: CONFIDENTIAL_SECRET } });
    const r = await run(loginArgs(CONFIDENTIAL_CLIENT), { browser: followingBrowser() });
    expectOk(r);
    expect(r.stderr).not.toContain(CONFIDENTIAL_SECRET);
    expect(readProfile(run.configDir)?.client).toEqual({ client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET });
  });

  it("an ID token whose nonce is not the one sent exits 6 naming id_token.nonce, and saves no tokens", async () => {
    op.setCase("id_token-nonce-invalid");
    const run = session();
    const r = await run(loginArgs(), { browser: followingBrowser() });
    expectFailure(r, 6, /^oidc: id_token\.nonce check failed: /, { only: false });
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("an authorization response with the wrong iss exits 6 naming iss, before any exchange", async () => {
    op.setCase("authorization-response-iss-wrong");
    const before = tokenRequests();
    const r = await session()(loginArgs(), { browser: followingBrowser() });
    expectFailure(r, 6, /^oidc: iss check failed: /, { only: false });
    expect(tokenRequests()).toBe(before);
  });

  it("a token response without an ID token for the openid scope exits 6 naming id_token.present", async () => {
    op.setCase("token-response-without-id_token-for-openid");
    const r = await session()(loginArgs(), { browser: followingBrowser() });
    expectFailure(r, 6, /^oidc: id_token\.present check failed: /, { only: false });
  });

  it("a browser that reports a failure to open is a warning, and the wait goes on until --callback-timeout (exit 5)", async () => {
    const { usageError } = await import("../../src/errors.js");
    const browser = browserStub(async () => {
      throw usageError("the browser command failed (exit 1)");
    }, "/bin/false");
    const r = await session()([...loginArgs(), "--callback-timeout", "1"], { browser });
    expectFailure(r, 5, /^oidc: login failed: no callback arrived within 1s$/, { only: false });
    expect(r.stderr).toMatch(/^warning: the browser command failed \(exit 1\)$/m);
    expect(r.stderr).toContain(`Open this URL in a browser to log in:\n\n  ${browser.opened[0]}`);
  });

  it("a profile without a client, at a provider without registration, is a usage error naming --client-id (exit 2)", async () => {
    const r = await session()(["--issuer", op.issuer, "login"], { browser: followingBrowser() });
    expectFailure(r, 2, /^oidc: profile default has no client, and http:\S+ offers no dynamic registration \(no registration_endpoint\)$/, {
      hint: /--client-id/,
    });
    expect(op.requests).not.toContain("POST /register");
  });

  it("`authorize` is the same command as `login`", async () => {
    const run = session();
    expectOk(
      await run(["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "authorize", "--scope", "openid", "--port", String(port)], {
        browser: followingBrowser(),
      }),
    );
    expect(readProfile(run.configDir)?.tokens?.sub).toBe(SUB);
  });

  it("with --no-browser, the redirect URL piped on stdin completes the login (nothing opened)", async () => {
    // The helpers' stdin is fixed before the run; here it stays open, so the URL can follow the prompt.
    const base = testDeps();
    const stdin = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d) => (err += d));
    const term = new Terminal({ stdout: base.term.streams.stdout, stderr, stdin }, base.env, redactorFor(base.env));
    const store = new ProfileStore({ dir: base.configDir, onSecret: (v) => term.secret(v), tempTag: "test" });
    const done = runCli([...loginArgs(), "--no-browser", "--callback-timeout", "10"], {
      ...base,
      term,
      store,
    });
    const t0 = Date.now();
    while (!/\/authorize\?\S+/.test(err) && Date.now() - t0 < 5_000) await new Promise((r) => setTimeout(r, 20));
    const authorizeUrl = (err.match(/http:\/\/\S+\/authorize\?\S+/) as RegExpMatchArray)[0];
    const res = await fetch(authorizeUrl, { redirect: "manual" });
    await res.arrayBuffer();
    stdin.write(`${res.headers.get("location")}\n`);
    expect(await done, err).toBe(0);
    expect(base.browser.opened).toEqual([]);
    expect(err).toContain("Logged in as alice");
    expect(readProfile(base.configDir)?.tokens?.sub).toBe(SUB);
  });
});

describe("one-step login: a profile without a client registers one first (in-process)", () => {
  it("registers a public client (RFC 7591) named after the profile, says so, logs in, and keeps the client", async () => {
    op.setCase("dynamic-registration");
    const run = session();
    const r = await run(["--issuer", op.issuer, "-p", "work", "login", "--scope", "openid profile", "--port", String(port)], {
      browser: followingBrowser(),
    });
    expectOk(r);
    const client = readProfile(run.configDir, "work")?.client;
    expect(client).toMatchObject({ client_name: "oidc-cli work", token_endpoint_auth_method: "none" });
    expect(client?.client_secret).toBeUndefined();
    expect(r.stderr).toMatch(
      new RegExp(`^No client in profile work: registered client ${client?.client_id} at ${op.issuer.replace(/\./g, "\\.")}\\.$`, "m"),
    );
    expect(r.stderr).toContain("Logged in as alice");
    expect(readProfile(run.configDir, "work")?.tokens?.sub).toBe(SUB);
    // the next login uses that client: no second registration
    const registrations = () => op.requests.filter((x) => x === "POST /register").length;
    const before = registrations();
    expectOk(await run(["-p", "work", "login", "--scope", "openid profile", "--port", String(port)], { browser: followingBrowser() }));
    expect(registrations()).toBe(before);
  });

  it("--redirect-uri: the client is registered with that exact URI and the login uses it; a bad one is refused before registering", async () => {
    op.setCase("dynamic-registration");
    const run = session();
    const uri = `http://127.0.0.1:${port}/callback`;
    expectOk(await run(["--issuer", op.issuer, "login", "--scope", "openid", "--redirect-uri", uri], { browser: followingBrowser() }));
    expect(readProfile(run.configDir)?.client?.redirect_uris).toEqual([uri]);
    const before = op.requests.filter((x) => x === "POST /register").length;
    const bad = await session()(["--issuer", op.issuer, "login", "--redirect-uri", "https://app.example/cb"], {
      browser: followingBrowser(),
    });
    expect(bad.code).toBe(2);
    expect(op.requests.filter((x) => x === "POST /register").length).toBe(before);
  });

  it("--client-id given: no registration", async () => {
    op.setCase("dynamic-registration");
    const before = op.requests.length;
    expectOk(await session()(loginArgs(), { browser: followingBrowser() }));
    expect(op.requests.slice(before)).not.toContain("POST /register");
  });

  it("a provider that registers only with a credential: exit 4 naming --initial-access-token and `oidc register`; with one it works", async () => {
    op.setCase("registration-needs-token");
    const run = session();
    const r = await run(["--issuer", op.issuer, "login", "--scope", "openid", "--port", String(port)], { browser: followingBrowser() });
    expectFailure(r, 4, /^oidc: profile default has no client, and registration failed: the provider answered 401: invalid_token/, {
      hint: /--initial-access-token \(OIDC_INITIAL_ACCESS_TOKEN\), or run `oidc register --name <name>` first/,
    });
    expect(readProfile(run.configDir)?.client).toBeUndefined();
    const ok = await run(["login", "--scope", "openid", "--initial-access-token", "iat-0123456789-abcdef", "--port", String(port)], {
      browser: followingBrowser(),
    });
    expectOk(ok);
    expect(ok.stderr).not.toContain("iat-0123456789-abcdef");
    expect(readProfile(run.configDir)?.tokens?.sub).toBe(SUB);
  });
});

describe("login warnings: the scope granted, and client authentication", () => {
  it("a token response whose scope leaves out a requested one warns naming it; the login still succeeds", async () => {
    op.setCase("token-response-scope-without-email");
    const r = await session()(
      ["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "login", "--scope", "openid profile email", "--port", String(port)],
      {
        browser: followingBrowser(),
      },
    );
    expectOk(r);
    expect(r.stderr).toMatch(/^warning: the provider did not grant email \(asked for "openid profile email", granted "openid profile"\)$/m);
  });

  it("a response without scope, or with every scope asked for, gives no scope warning", async () => {
    for (const c of ["token-response-without-scope", "default"] as const) {
      op.setCase(c);
      const r = await session()(loginArgs(), { browser: followingBrowser() });
      expectOk(r);
      expect(r.stderr).not.toMatch(/did not grant/);
    }
  });

  it("a provider that does not form-decode Basic credentials: one retry with client_secret_post, a warning, and the profile remembers it", async () => {
    op.setCase("basic-not-form-decoded");
    const run = session({ env: { OIDC_CLIENT_SECRET: SLASHY_SECRET } });
    const before = tokenRequests();
    const r = await run(["--issuer", op.issuer, "--client-id", SLASHY_CLIENT, "login", "--scope", FULL_SCOPE, "--port", String(port)], {
      browser: followingBrowser(),
    });
    expectOk(r);
    expect(tokenRequests() - before).toBe(2);
    expect(r.stderr).toMatch(
      /^warning: standard OpenID Connect: the token endpoint refused client_secret_basic credentials that form-encoding changes .*retried with client_secret_post/m,
    );
    expect(r.stderr).not.toContain(SLASHY_SECRET);
    expect(readProfile(run.configDir)?.client).toEqual({
      client_id: SLASHY_CLIENT,
      client_secret: SLASHY_SECRET,
      token_endpoint_auth_method: "client_secret_post",
    });
    // remembered: the refresh authenticates with client_secret_post at once
    const mid = tokenRequests();
    const refreshed = await run(["token", "--refresh"]);
    expectOk(refreshed);
    expect(tokenRequests() - mid).toBe(1);
    expect(refreshed.stderr).not.toMatch(/client_secret_post/);
  });

  it("the same client at a provider that form-decodes needs no retry", async () => {
    const before = tokenRequests();
    const run = session({ env: { OIDC_CLIENT_SECRET: SLASHY_SECRET } });
    expectOk(
      await run(["--issuer", op.issuer, "--client-id", SLASHY_CLIENT, "login", "--scope", "openid", "--port", String(port)], {
        browser: followingBrowser(),
      }),
    );
    expect(tokenRequests() - before).toBe(1);
    expect(readProfile(run.configDir)?.client?.token_endpoint_auth_method).toBeUndefined();
  });
});
