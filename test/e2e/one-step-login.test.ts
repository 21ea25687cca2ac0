// One-step login, spawned against real providers: `oidc login --issuer X` on an empty profile
// registers a client (RFC 7591, as `oidc register` would) and logs in with it. panva oidc-provider
// 9.x registers openly (its fixture enables registration) and logs in through
// OIDC_BROWSER = test/browser/browserless.mjs; better-auth 1.7.5 registers only for a signed-in
// session (OIDC_SESSION_TOKEN), which then drives the headless login too.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli, diag } from "../helpers/cli.js";
import { type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";
import { type BetterAuthProvider, startBetterAuth17 } from "../helpers/providers.js";

const BROWSERLESS = fileURLToPath(new URL("../browser/browserless.mjs", import.meta.url));
const SCOPE = "openid email offline_access";

let op: OidcProviderHandle;
let ba17: BetterAuthProvider;
let session17: string;
beforeAll(async () => {
  [op, ba17] = await Promise.all([startOidcProvider(), startBetterAuth17()]);
  session17 = await ba17.signIn();
}, 60_000);
afterAll(async () => {
  await Promise.all([op?.stop(), ba17?.stop()]);
});

const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("oidc login --issuer on an empty profile registers a client, then logs in", () => {
  test("oidc-provider 9.x: a public native client registered openly, browser login, tokens usable", async () => {
    const oidc = cli();
    const log = join(oidc.configDir, "browser.log");
    const port = String(await freePort());
    const args = ["login", "--issuer", op.issuer, "--scope", SCOPE, "--port", port];
    const r = await oidc(args, { env: { OIDC_BROWSER: `${process.execPath} ${BROWSERLESS} %s`, BROWSERLESS_LOG: log } });
    const browserLog = existsSync(log) ? readFileSync(log, "utf8") : "";
    expect(r.code, diag(r, browserLog)).toBe(0);
    expect(r.stdout).toBe("");
    const shown = JSON.parse((await oidc(["profile", "show", "--json"])).stdout);
    expect(shown.client).toMatchObject({
      client_name: "oidc-cli default",
      token_endpoint_auth_method: "none",
      redirect_uris: [`http://127.0.0.1:${port}/callback`],
    });
    expect(r.stderr).toMatch(
      new RegExp(`^No client in profile default: registered client ${literal(shown.client.client_id)} at ${literal(op.issuer)}\\.$`, "m"),
    );
    expect(r.stderr).toMatch(/^Logged in as alice; tokens saved to profile default/m);
    expect(shown.tokens).toBeTruthy();
    const email = await oidc(["userinfo", "--claim", "email"]);
    expect(email.stdout, diag(email)).toBe("alice@example.test\n");
    const refreshed = await oidc(["token", "--refresh"]);
    expect(refreshed.code, diag(refreshed)).toBe(0);
  });

  test("better-auth 1.7.5 with OIDC_SESSION_TOKEN and OIDC_ISSUER naming it: registered for the session (client_secret_basic: `none` is not advertised), headless login", async () => {
    const oidc = cli();
    const port = String(await freePort());
    const args = ["login", "--scope", "openid email profile offline_access", "--port", port, "--consent", "accept"];
    // The exported session is for the provider the same environment names: it may register there.
    const r = await oidc(args, { env: { OIDC_SESSION_TOKEN: session17, OIDC_ISSUER: ba17.origin } });
    expect(r.code, diag(r)).toBe(0);
    expect(r.stderr).not.toContain(session17);
    expect(r.stderr).toMatch(
      /^The provider does not advertise token endpoint auth method none .*registering a client with client_secret_basic\.$/m,
    );
    expect(r.stderr).toMatch(new RegExp(`^No client in profile default: registered client \\S+ at ${literal(ba17.issuer)}\\.$`, "m"));
    expect(r.stderr).toContain("Consent accepted for openid email profile offline_access");
    expect(r.stderr).toMatch(/^Logged in as \S+; tokens saved to profile default/m);
    const shown = JSON.parse((await oidc(["profile", "show", "--json"])).stdout);
    expect(shown.client).toMatchObject({ client_name: "oidc-cli default", token_endpoint_auth_method: "client_secret_basic" });
    const email = await oidc(["userinfo", "--claim", "email"]);
    expect(email.stdout, diag(email)).toBe(`${ba17.email}\n`);
    const refreshed = await oidc(["token", "--refresh"]);
    expect(refreshed.code, diag(refreshed)).toBe(0);
  });

  test("better-auth 1.7.5 without a session: exit 4 naming --session-token and `oidc register`, no client saved", async () => {
    const oidc = cli();
    const r = await oidc(["login", "--issuer", ba17.origin, "--consent", "accept"]);
    expect(r.code, diag(r)).toBe(4);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^oidc: profile default has no client, and registration failed: the provider answered 401/m);
    expect(r.stderr).toMatch(/^hint: .*--session-token \(OIDC_SESSION_TOKEN\).*run `oidc register --name <name>` first/m);
    const shown = JSON.parse((await oidc(["profile", "show", "--json"])).stdout);
    expect(shown.client).toBeFalsy();
  });
});
