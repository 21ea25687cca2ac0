// One journey, three real providers. better-auth 1.6.34 oidcProvider (requirePKCE),
// better-auth 1.7.5 @better-auth/oauth-provider and panva oidc-provider 9.x each go through
// discover, register, login, userinfo, three refreshes in a row, logout and `oidc token` → 5,
// driven only through the built binary. better-auth logs in headless with a session token;
// oidc-provider through OIDC_BROWSER = test/browser/browserless.mjs (no Chromium). Then the parts
// only some providers have: client credentials, introspection, RFC 7592, the device flow.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Cli, cli, type RunResult } from "../helpers/cli.js";
import { FAKE_BROWSER_COMMAND, type OidcProviderHandle, startOidcProvider, waitForFakeBrowser } from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";
import { type BetterAuthProvider, registeredClient, startBetterAuth16, startBetterAuth17 } from "../helpers/providers.js";

const SCOPE = "openid email profile offline_access";
const BROWSERLESS = fileURLToPath(new URL("../browser/browserless.mjs", import.meta.url));
const BROWSERLESS_COMMAND = `${process.execPath} ${BROWSERLESS} %s`;

/** A failing step's message: the command, its exit code and what it said. */
const said = (args: string[], r: RunResult) =>
  `oidc ${args.join(" ")} -> ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

async function ok(oidc: Cli, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  const r = await oidc(args, { env });
  expect(r.code, said(args, r)).toBe(0);
  return r;
}

async function storedTokens(oidc: Cli): Promise<{ access_token: string; refresh_token?: string } | null> {
  const r = await ok(oidc, ["profile", "show", "--show-secrets", "--json"]);
  return JSON.parse(r.stdout).tokens;
}

// ---------------------------------------------------------------------------------------------
// The three providers, started once for the whole file.
// ---------------------------------------------------------------------------------------------
let ba16: BetterAuthProvider;
let ba17: BetterAuthProvider;
let op: OidcProviderHandle;
let session16: string;
let session17: string;

beforeAll(async () => {
  [ba16, ba17, op] = await Promise.all([startBetterAuth16({ requirePKCE: true }), startBetterAuth17(), startOidcProvider()]);
  [session16, session17] = await Promise.all([ba16.signIn(), ba17.signIn()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([ba16?.stop(), ba17?.stop(), op?.stop()]);
});

interface Journey {
  /** How the test names the provider. */
  provider: string;
  dialect: "better-auth-1.6" | "better-auth-1.7" | "standard";
  /** What `--issuer` is given (an app's base URL for better-auth, the issuer for oidc-provider). */
  issuerArg(): string;
  /** The `issuer` of its discovery document. */
  issuer(): string;
  /** Extra environment of `oidc register` (better-auth: the session that owns the client). */
  registerEnv(): Record<string, string>;
  /** `oidc login` arguments and environment. */
  login(logFile: string): { args: string[]; env: Record<string, string> };
  /** The seeded user's email at userinfo. */
  email(): string;
  /** `oidc client` arguments (better-auth reads clients with a session). */
  clientArgs(): string[];
  /** What the provider's client read must show of the client registered as "app". */
  checkClient(body: Record<string, unknown>, clientId: string, redirectUri: string): void;
}

/** What both better-auth versions do alike: given an app's base URL, a session token drives it all. */
const betterAuthJourney = (ba: () => BetterAuthProvider, session: () => string) => ({
  issuerArg: () => ba().origin,
  issuer: () => ba().issuer,
  registerEnv: () => ({ OIDC_SESSION_TOKEN: session() }),
  login: () => ({ args: ["--session-token", session(), "--consent", "accept"], env: {} }),
  email: () => ba().email,
  clientArgs: () => ["--session-token", session()],
});

const journeys: Journey[] = [
  {
    provider: "better-auth 1.6.34 oidcProvider (requirePKCE)",
    dialect: "better-auth-1.6",
    ...betterAuthJourney(
      () => ba16,
      () => session16,
    ),
    // GET /oauth2/client/{id}: only {clientId, name, icon}
    checkClient: (body, clientId) => expect(body).toMatchObject({ clientId, name: "app" }),
  },
  {
    provider: "better-auth 1.7.5 oauth-provider",
    dialect: "better-auth-1.7",
    ...betterAuthJourney(
      () => ba17,
      () => session17,
    ),
    // GET /oauth2/get-client?client_id=
    checkClient: (body, clientId, redirectUri) =>
      expect(body).toMatchObject({ client_id: clientId, client_name: "app", redirect_uris: [redirectUri] }),
  },
  {
    provider: "oidc-provider 9.x",
    dialect: "standard",
    issuerArg: () => op.issuer,
    issuer: () => op.issuer,
    registerEnv: () => ({}),
    login: (logFile) => ({ args: [], env: { OIDC_BROWSER: BROWSERLESS_COMMAND, BROWSERLESS_LOG: logFile } }),
    email: () => "alice@example.test",
    clientArgs: () => [],
    // RFC 7592 read with the registration access token saved at register
    checkClient: (body, clientId, redirectUri) =>
      expect(body).toMatchObject({
        client_id: clientId,
        client_name: "app",
        redirect_uris: [redirectUri],
        application_type: "native",
        token_endpoint_auth_method: "none",
      }),
  },
];

function journey(dialect: Journey["dialect"]): Journey {
  const j = journeys.find((x) => x.dialect === dialect);
  if (!j) throw new Error(`no journey for ${dialect}`);
  return j;
}

/** A fresh store with a client registered as "app" on a free loopback port (not 8765: other suites share it). */
const registered = (j: Journey) => registeredClient(j.issuerArg(), { env: j.registerEnv() });

async function login(j: Journey, oidc: Cli, extra: string[] = []): Promise<RunResult> {
  const logFile = join(oidc.configDir, "browser.log");
  const { args, env } = j.login(logFile);
  const full = ["login", "--scope", SCOPE, ...args, ...extra];
  const r = await oidc(full, { env });
  const browserLog = existsSync(logFile) ? `\n--- browser log ---\n${readFileSync(logFile, "utf8")}` : "";
  expect(r.code, said(full, r) + browserLog).toBe(0);
  return r;
}

describe.each(journeys)("$provider", (j) => {
  test("the journey: discover, register, login, userinfo, three refreshes that each store the new tokens, logout, then token exits 5", async () => {
    const oidc = cli();

    // discover: the issuer as the provider states it, and the dialect recognised
    const disc = await ok(oidc, ["discover", "--issuer", j.issuerArg(), "--json"]);
    expect(JSON.parse(disc.stdout).issuer).toBe(j.issuer());
    const shown = JSON.parse((await ok(oidc, ["profile", "show", "--json"])).stdout);
    expect(shown).toMatchObject({ issuer: j.issuer(), dialect: j.dialect });

    // register (dynamic registration), saved to the profile
    const port = await freePort();
    const reg = await ok(oidc, ["register", "--name", "app", "--port", String(port), "--json"], j.registerEnv());
    const clientId = JSON.parse(reg.stdout).client_id;
    expect(clientId).toMatch(/^\S{10,}$/);
    const afterReg = JSON.parse((await ok(oidc, ["profile", "show", "--json"])).stdout);
    expect(afterReg.client).toMatchObject({ client_id: clientId, redirect_uris: [`http://127.0.0.1:${port}/callback`] });

    // login
    const logged = await login(j, oidc);
    expect(logged.stdout).toBe("");
    expect(logged.stderr).toMatch(/Logged in as \S+( \(\S+\))?; tokens saved to profile default/);

    // status: who is logged in, from the stored ID token alone (better-auth 1.6 puts email in it;
    // the others keep the claims for userinfo, so the account is the sub)
    const status = await ok(oidc, ["status", "--json"]);
    const [row] = JSON.parse(status.stdout);
    expect(row).toMatchObject({
      name: "default",
      current: true,
      issuer: j.issuer(),
      client_id: clientId,
      sub: expect.any(String),
      scope: expect.stringContaining("openid"),
      logged_in: true,
      refreshable: true,
      storage: `file ${join(oidc.configDir, "profiles", "default.json")}`,
    });
    expect(row.account).toBe(j.dialect === "better-auth-1.6" ? j.email() : row.sub);
    if (j.dialect === "better-auth-1.6") expect(logged.stderr).toContain(`Logged in as ${j.email()} (${row.sub}); tokens saved`);

    // userinfo
    const email = await ok(oidc, ["userinfo", "--claim", "email"]);
    expect(email.stdout).toBe(`${j.email()}\n`);

    // three forced refreshes: each prints a new access token, and the refresh token the provider
    // returned is the one stored (a rotating provider refuses a used one, so refresh n+1 and the
    // userinfo below only work if refresh n was saved)
    const first = await storedTokens(oidc);
    expect(first?.refresh_token, "login with offline_access stored a refresh token").toBeTruthy();
    const accessTokens = [first?.access_token];
    const refreshTokens = [first?.refresh_token];
    for (let i = 1; i <= 3; i++) {
      const r = await ok(oidc, ["token", "--refresh"]);
      const printed = r.stdout.trim();
      expect(printed).toMatch(/^\S{20,}$/);
      expect(accessTokens, `refresh ${i} printed an access token seen before`).not.toContain(printed);
      const stored = await storedTokens(oidc);
      expect(stored?.access_token).toBe(printed);
      expect(stored?.refresh_token, `refresh ${i} left a refresh token`).toBeTruthy();
      expect(refreshTokens, `refresh ${i} stored a refresh token seen before`).not.toContain(stored?.refresh_token);
      accessTokens.push(printed);
      refreshTokens.push(stored?.refresh_token);
    }
    const still = await ok(oidc, ["userinfo", "--claim", "email"]);
    expect(still.stdout).toBe(`${j.email()}\n`);
    expect((await ok(oidc, ["token"])).stdout.trim()).toBe(accessTokens[3]);

    // logout, then no token: exit 5, nothing on stdout
    const out = await ok(oidc, ["logout"]);
    expect(out.stderr).toContain("Forgot the tokens of profile default");
    const gone = await oidc(["token"]);
    expect(gone.code, said(["token"], gone)).toBe(5);
    expect(gone.stdout).toBe("");
    expect(gone.stderr).toMatch(/^oidc: profile default has no tokens/m);
  });

  test(`oidc client reads back the registered client by the ${j.dialect} dialect's means`, async () => {
    const { oidc, clientId, redirectUri } = await registered(j);
    const res = await ok(oidc, ["client", ...j.clientArgs(), "--json"]);
    j.checkClient(JSON.parse(res.stdout), clientId, redirectUri);
    // the id given explicitly reads the same client (after `--`: a generated id may start with a dash)
    const byId = await ok(oidc, ["client", ...j.clientArgs(), "--json", "--", clientId]);
    j.checkClient(JSON.parse(byId.stdout), clientId, redirectUri);
  });
});

// ---------------------------------------------------------------------------------------------
// better-auth 1.7.5: the acceptance commands, as a user types them.
// ---------------------------------------------------------------------------------------------
describe("better-auth 1.7.5 oauth-provider acceptance", () => {
  test("register with --session-token, headless login, userinfo --claim email, three refreshes, logout, token exits 5", async () => {
    const oidc = cli();
    const p = String(await freePort());
    const reg = await ok(oidc, ["register", "--issuer", ba17.origin, "--name", "app", "--port", p, "--session-token", session17]);
    const registration = JSON.parse(reg.stdout);
    // it advertises no `none` (token_endpoint_auth_methods_supported), so a confidential client is asked for
    expect(reg.stderr).toMatch(
      /^The provider does not advertise token endpoint auth method none .*registering a client with client_secret_basic\.$/m,
    );
    expect(registration).toMatchObject({
      client_name: "app",
      redirect_uris: [`http://127.0.0.1:${p}/callback`],
      token_endpoint_auth_method: "client_secret_basic",
    });
    expect(typeof registration.client_secret).toBe("string");

    const logged = await ok(oidc, [
      "login",
      "--session-token",
      session17,
      "--consent",
      "accept",
      "--scope",
      "openid email profile offline_access",
    ]);
    expect(logged.stderr).toContain("Consent accepted for openid email profile offline_access");

    expect((await ok(oidc, ["userinfo", "--claim", "email"])).stdout).toBe("alice@example.com\n");

    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const t = (await ok(oidc, ["token", "--refresh"])).stdout.trim();
      expect(t).toMatch(/^\S{20,}$/);
      expect(seen.has(t), `refresh ${i + 1} printed a token seen before`).toBe(false);
      seen.add(t);
    }
    expect((await ok(oidc, ["userinfo", "--claim", "email"])).stdout).toBe("alice@example.com\n");

    const out = await ok(oidc, ["logout"]);
    expect(out.stderr).toMatch(/Revoked the access token at .*\/oauth2\/revoke/);
    const gone = await oidc(["token"]);
    expect(gone.code, said(["token"], gone)).toBe(5);
    expect(gone.stdout).toBe("");
  });

  test("consent denied exits 4 naming access_denied and saves no tokens", async () => {
    const { oidc } = await registered(journey("better-auth-1.7"));
    const denied = await oidc(["login", "--session-token", session17, "--consent", "deny", "--scope", SCOPE]);
    expect(denied.code, said(["login", "--consent", "deny"], denied)).toBe(4);
    expect(denied.stderr).toMatch(/^oidc: authorization failed: access_denied/m);
    expect(denied.stdout).toBe("");
    expect((await oidc(["token"])).code).toBe(5);
  });
});

// ---------------------------------------------------------------------------------------------
// client_credentials: oidc-provider grants it; better-auth 1.6 has no such grant (and does not
// advertise it): the grant is tried anyway, with a warning, and its refusal quoted.
// ---------------------------------------------------------------------------------------------
describe("oidc token --client-credentials", () => {
  const ccArgs = (issuer: string) => [
    "token",
    "--client-credentials",
    "--scope",
    "api:read",
    "--issuer",
    issuer,
    "--client-id",
    "cli-confidential",
  ];
  const secretEnv = { OIDC_CLIENT_SECRET: "cli-confidential-secret" };

  test("oidc-provider: a confidential client gets a token for itself, exit 0, the token on stdout", async () => {
    const oidc = cli();
    const res = await oidc(ccArgs(op.issuer), { env: secretEnv });
    expect(res.code, said(ccArgs(op.issuer), res)).toBe(0);
    expect(res.stdout).toMatch(/^\S{20,}\n$/);
    expect(res.stdout).not.toContain("cli-confidential-secret");
    expect(res.stderr).not.toContain("cli-confidential-secret");
    // the token is for the client, and active at the provider
    const intro = await ok(oidc, ["introspect", "--client-id", "cli-confidential", "--json", "--", res.stdout.trim()], secretEnv);
    expect(JSON.parse(intro.stdout)).toMatchObject({ active: true, client_id: "cli-confidential", scope: "api:read" });
  });

  test('better-auth 1.6: not advertised, tried with a warning; its refusal (invalid_request "code is required") quoted, exit 4', async () => {
    const oidc = cli();
    const res = await oidc(ccArgs(ba16.origin), { env: secretEnv });
    expect(res.code, said(ccArgs(ba16.origin), res)).toBe(4);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(
      /^warning: the provider does not advertise the client_credentials grant \(grant_types_supported: authorization_code, refresh_token\); trying it anyway$/m,
    );
    expect(res.stderr).toMatch(
      /^oidc: client credentials grant failed: the provider answered 400: invalid_request \("code is required"\)$/m,
    );
    expect(res.stderr).not.toContain("cli-confidential-secret");
  });
});

// ---------------------------------------------------------------------------------------------
// oidc-provider only: introspection (RFC 7662) and the device flow (RFC 8628).
// ---------------------------------------------------------------------------------------------
describe("oidc-provider 9.x", () => {
  const panva = journey("standard");

  test("introspect: the profile's tokens are active; after logout the old access token is active:false", async () => {
    const { oidc, clientId } = await registered(panva);
    await login(panva, oidc);
    const accessToken = (await ok(oidc, ["token"])).stdout.trim();

    const at = JSON.parse((await ok(oidc, ["introspect", "--json"])).stdout);
    expect(at).toMatchObject({ active: true, client_id: clientId, sub: "alice" });
    const rt = JSON.parse((await ok(oidc, ["introspect", "--refresh-token", "--json"])).stdout);
    expect(rt).toMatchObject({ active: true, client_id: clientId });

    await ok(oidc, ["logout"]);
    // the profile forgot it; the token given explicitly is revoked at the provider
    const after = JSON.parse((await ok(oidc, ["introspect", "--json", "--", accessToken])).stdout);
    expect(after).toEqual({ active: false });
  });

  test("login --device with cli-public: user code and verification URI on stderr, the page opened through OIDC_BROWSER, tokens saved", async () => {
    const oidc = cli();
    const log = join(oidc.configDir, "fake-browser.log");
    const args = ["login", "--device", "--issuer", op.issuer, "--client-id", "cli-public", "--scope", "openid email offline_access"];
    const res = await oidc(args, { env: { OIDC_BROWSER: FAKE_BROWSER_COMMAND, FAKE_BROWSER_LOG: log }, timeoutMs: 55_000 });
    const browser = existsSync(log) ? readFileSync(log, "utf8") : "(no browser log)";
    expect(res.code, `${said(args, res)}\n--- browser log ---\n${browser}`).toBe(0);
    expect(res.stdout).toBe("");
    const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(res.stderr)?.[1];
    expect(code, res.stderr).toBeTruthy();
    expect(res.stderr).toContain(`visit ${op.issuer}/device and enter the code ${code}`);
    expect(res.stderr).toContain(`or open ${op.issuer}/device?user_code=${code}`);
    expect(res.stderr).toMatch(/Logged in as alice; tokens saved to profile default/);

    // the fake browser opened verification_uri_complete (user code in it) and finished there
    const fb = await waitForFakeBrowser(log);
    expect(fb.code, fb.log).toBe(0);
    expect(fb.log).toContain(`url=${op.issuer}/device?user_code=${code}\n`);
    expect(fb.log).toContain("device flow finished");

    const tokens = await storedTokens(oidc);
    expect(tokens?.access_token).toBeTruthy();
    expect(tokens?.refresh_token, "offline_access gave a refresh token").toBeTruthy();
    expect((await ok(oidc, ["token"])).stdout.trim()).toBe(tokens?.access_token);
    expect((await ok(oidc, ["userinfo", "--claim", "email"])).stdout).toBe("alice@example.test\n");
  }, 60_000);
});
