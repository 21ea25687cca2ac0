// A login that the provider refuses ends at once, before any browser, with the provider's words
// (the preflight of src/flows/login/browser.ts; better-auth's session login), against the real
// providers: better-auth 1.6 with a redirect URI it does not accept and with an unknown client,
// panva oidc-provider with a port its web client did not register (and an unknown client); and a
// provider that is down exits 3.
// Each run has --callback-timeout 60: the bound (< 10 s) shows nothing waited for a callback.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, diag, type RunResult } from "../helpers/cli.js";
import { OP_CLIENTS, type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";
import { type BetterAuthProvider, registeredClient, startBetterAuth16 } from "../helpers/providers.js";

/** A browser command that must never run: if it were launched, stderr would say it failed. */
const NEVER_LAUNCHED = { OIDC_BROWSER: "/nonexistent/browser-that-must-not-open" };

async function timed(p: Promise<RunResult>): Promise<RunResult & { ms: number }> {
  const t0 = Date.now();
  const r = await p;
  return { ...r, ms: Date.now() - t0 };
}

function expectRefusedFast(r: RunResult & { ms: number }, code: number, message: RegExp) {
  expect(r.code, diag(r)).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toContain("browser-that-must-not-open");
  expect(r.stderr).not.toContain("Open this URL");
  expect(r.stdout).toBe("");
  expect(r.ms).toBeLessThan(10_000);
}

// better-auth 1.6 checks the client and the redirect URI only for a signed-in caller: without a
// session its authorization endpoint redirects to its /login page first (so a browser login's
// preflight goes on, and the error shows after sign-in). With a session (the headless login) it
// answers at once, and the login ends at once with its words.
describe("better-auth 1.6 (with a session)", () => {
  let ba: BetterAuthProvider;
  let session: string;
  beforeAll(async () => {
    ba = await startBetterAuth16();
    session = await ba.signIn();
  });
  afterAll(() => ba?.stop());

  test("a redirect URI it does not accept (--port not registered): exit 4 quoting `Invalid redirect URI`", async () => {
    const { oidc } = await registeredClient(ba.origin, { session });
    const other = await freePort();
    const args = ["login", "--port", String(other), "--consent", "accept", "--callback-timeout", "60"];
    const r = await timed(oidc(args, { env: { ...NEVER_LAUNCHED, OIDC_SESSION_TOKEN: session } }));
    expectRefusedFast(r, 4, /^oidc: authorization request failed: the provider answered 400: "Invalid redirect URI"$/m);
  });

  test("an unknown client: exit 4 with its invalid_client", async () => {
    const port = await freePort();
    const args = ["login", "--issuer", ba.origin, "--client-id", "no-such-client", "--port", String(port), "--callback-timeout", "60"];
    const r = await timed(cli()(args, { env: { ...NEVER_LAUNCHED, OIDC_SESSION_TOKEN: session } }));
    expectRefusedFast(r, 4, /^oidc: authorization failed: invalid_client/m);
  });

  test("without a session the preflight sees its /login page and the browser login goes on (it cannot know yet)", async () => {
    const { oidc } = await registeredClient(ba.origin, { session });
    const other = await freePort();
    const r = await timed(oidc(["login", "--port", String(other), "--callback-timeout", "2"], { env: NEVER_LAUNCHED }));
    expect(r.code, diag(r)).toBe(5);
    expect(r.stderr).toMatch(/^oidc: login failed: no callback arrived within 2s$/m);
  });
});

describe("panva oidc-provider", () => {
  let op: OidcProviderHandle;
  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterAll(() => op?.stop());

  test("a port its web client did not register: exit 4 with the HTML page's invalid_redirect_uri and description", async () => {
    const port = await freePort();
    const args = [
      "login",
      "--issuer",
      op.issuer,
      "--client-id",
      OP_CLIENTS.publicWeb.clientId,
      "--port",
      String(port),
      "--callback-timeout",
      "60",
    ];
    const r = await timed(cli()(args, { env: NEVER_LAUNCHED }));
    expectRefusedFast(
      r,
      4,
      /it answered 400: invalid_redirect_uri \("redirect_uri did not match any of the client's registered redirect_uris"\)$/m,
    );
  });

  test("an unknown client: exit 4 with the HTML page's invalid_client, hint: register again", async () => {
    const port = await freePort();
    const args = ["login", "--issuer", op.issuer, "--client-id", "no-such-client", "--port", String(port), "--callback-timeout", "60"];
    const r = await timed(cli()(args, { env: NEVER_LAUNCHED }));
    expectRefusedFast(r, 4, /it answered 400: invalid_client \("client is invalid"\)$/m);
    expect(r.stderr).toMatch(/^hint: .*register again/m);
  });

  test("the provider down (its port closed since discovery): exit 3 at once, nothing opened", async () => {
    const down = await startOidcProvider();
    const oidc = cli();
    expect((await oidc(["discover", down.issuer])).code).toBe(0);
    await down.stop();
    const port = await freePort();
    const r = await timed(
      oidc(["login", "--client-id", "cli-public", "--port", String(port), "--callback-timeout", "60"], { env: NEVER_LAUNCHED }),
    );
    expectRefusedFast(r, 3, /^oidc: authorization request failed: /m);
  });
});
