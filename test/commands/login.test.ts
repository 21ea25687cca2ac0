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
  PUBLIC_CLIENT,
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
    expect(r.stderr).toMatch(/^Logged in as alice; tokens saved to profile default \(expires in \d+s\)\.$/m);
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

  it("a profile without a client and no --client-id is a usage error naming register and --client-id", async () => {
    const r = await session()(["--issuer", op.issuer, "login"], { browser: followingBrowser() });
    expectFailure(r, 2, /^oidc: profile default has no client$/, { hint: /oidc register --name <name>.*--client-id/ });
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
