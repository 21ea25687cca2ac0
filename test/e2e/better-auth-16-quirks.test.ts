// The session-driven headless flow against a real better-auth 1.6.34 oidcProvider with
// requirePKCE, in both ID-token modes (HS256 with the client secret; EdDSA through JWKS with the jwt
// plugin), and the quirks of that version the CLI copes with: discovery under /api/auth but a
// bare-origin issuer, HS256 ID tokens without `iss`, consent given once and remembered, consent
// decided by flag (and required under CI), a session token it refuses. Behind a tampering proxy, a
// forged state or a consent redirect to anywhere but the registered redirect URI is refused.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Cli, cli, type RunResult } from "../helpers/cli.js";
import { type BetterAuthProvider, registeredClient, startBetterAuth16 } from "../helpers/providers.js";
import { startTamperProxy } from "../helpers/tamper-proxy.js";

const SCOPE = "openid email profile offline_access";

describe.each([
  { mode: "HS256", jwt: false },
  { mode: "jwt plugin (EdDSA)", jwt: true },
])("better-auth 1.6 oidcProvider, $mode ID tokens", ({ jwt }) => {
  let op: BetterAuthProvider;
  let session: string;

  beforeAll(async () => {
    op = await startBetterAuth16({ jwt, requirePKCE: true });
    session = await op.signIn();
  });
  afterAll(() => op?.stop());

  /** A fresh store with a registered client. */
  const registered = () => registeredClient(op.origin, { session, port: 8765 });

  test("the whole flow: discover, register, client, login with consent, userinfo, token, refresh", async () => {
    const oidc = cli();
    const disc = await oidc(["discover", "--issuer", op.origin, "--json"]);
    expect(disc.code, disc.stderr).toBe(0);
    expect(JSON.parse(disc.stdout).issuer).toBe(op.origin);
    expect(disc.stderr).toContain("not under its issuer");

    const reg = await oidc(["register", "--issuer", op.origin, "--name", "app", "--port", "8765", "--session-token", session, "--json"]);
    expect(reg.code, reg.stderr).toBe(0);
    const clientId = JSON.parse(reg.stdout).client_id;
    expect(clientId).toMatch(/\w{10,}/);

    const client = await oidc(["client", clientId, "--session-token", session, "--json"]);
    expect(client.code, client.stderr).toBe(0);
    expect(JSON.parse(client.stdout).name).toBe("app");

    const login = await oidc(["login", "--session-token", session, "--consent", "accept", "--scope", SCOPE]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toBe("");
    expect(login.stderr).toContain("Consent accepted");
    if (!jwt) expect(login.stderr).toContain("no `iss` claim");

    const email = await oidc(["userinfo", "--claim", "email"]);
    expect(email.code, email.stderr).toBe(0);
    expect(email.stdout).toBe(`${op.email}\n`);

    const token = await oidc(["token"]);
    expect(token.code, token.stderr).toBe(0);
    const first = token.stdout.trim();
    expect(first).toMatch(/^\S{20,}$/);
    expect((await oidc(["token"])).stdout.trim()).toBe(first);

    const refreshed = await oidc(["token", "--refresh"]);
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(refreshed.stdout.trim()).not.toBe(first);
    const again = await oidc(["userinfo", "--claim", "email"]);
    expect(again.stdout).toBe(`${op.email}\n`);

    const nobody = await oidc(["token", "--profile", "nobody"]);
    expect(nobody.code).toBe(5);
    expect(nobody.stdout).toBe("");
  });

  test("consent already given: the second login has no consent step", async () => {
    const { oidc } = await registered();
    const first = await oidc(["login", "--consent", "accept", "--scope", SCOPE], { env: { OIDC_SESSION_TOKEN: session } });
    expect(first.code, first.stderr).toBe(0);
    const second = await oidc(["login", "--scope", SCOPE], { env: { OIDC_SESSION_TOKEN: session } });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("Consent was already given");
  });

  test("consent denied exits 4 and quotes access_denied", async () => {
    const { oidc } = await registered();
    const denied = await oidc(["login", "--consent", "deny", "--scope", SCOPE], { env: { OIDC_SESSION_TOKEN: session } });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toMatch(/^oidc: .*access_denied/m);
    expect((await oidc(["token"])).code).toBe(5);
  });

  test("a session token the provider does not accept exits 4 and says so", async () => {
    const { oidc } = await registered();
    const res = await oidc(["login", "--consent", "accept"], { env: { OIDC_SESSION_TOKEN: "not-a-session-token-at-all" } });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain("did not accept the session token");
    expect(res.stderr).not.toContain("not-a-session-token-at-all");
  });

  test("under CI a consent decision that is not given fails at once, exit 2, naming --consent", async () => {
    const { oidc } = await registered();
    const started = Date.now();
    const res = await oidc(["login", "--scope", SCOPE], { env: { OIDC_SESSION_TOKEN: session } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--consent");
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test("oidc token on a profile without tokens exits 5 with nothing on stdout", async () => {
    const { oidc } = await registered();
    const res = await oidc(["token"]);
    expect(res.code).toBe(5);
    expect(res.stdout).toBe("");
    expect(res.stderr).toMatch(/^oidc: profile default has no tokens/m);
  });
});

describe("better-auth 1.6 oidcProvider behind a tampering proxy", () => {
  let op: BetterAuthProvider;
  let session: string;
  beforeAll(async () => {
    op = await startBetterAuth16({ requirePKCE: true });
    session = await op.signIn();
  });
  afterAll(() => op?.stop());

  /**
   * Registers a client through a proxy that rewrites the provider's consent answer with `tamper`,
   * logs in through it with the session, and runs `check` while the proxy still stands.
   */
  async function behindTamperingProxy(tamper: (body: string) => string, check: (oidc: Cli, login: RunResult) => Promise<void>) {
    const proxy = await startTamperProxy(op.origin, (path, body) => (path.startsWith("/api/auth/oauth2/consent") ? tamper(body) : body));
    try {
      const { oidc } = await registeredClient(proxy.origin, { session, port: 8765 });
      await check(oidc, await oidc(["login", "--consent", "accept", "--scope", SCOPE], { env: { OIDC_SESSION_TOKEN: session } }));
    } finally {
      await proxy.stop();
    }
  }

  test("a tampered state in the redirect exits 6 and saves nothing", async () => {
    // The proxy rewrites the state the provider returns with the code.
    await behindTamperingProxy(
      (body) => body.replace(/state=[^&"]+/, "state=tampered"),
      async (oidc, res) => {
        expect(res.code).toBe(6);
        expect(res.stderr).toMatch(/^oidc: state check failed/m);
        expect((await oidc(["token"])).code).toBe(5);
      },
    );
  });

  test("a consent answer that redirects anywhere but the registered redirect URI is refused (exit 4)", async () => {
    await behindTamperingProxy(
      (body) => body.replace("http://127.0.0.1:8765/callback", "http://127.0.0.1:9/elsewhere"),
      async (_oidc, res) => {
        expect(res.code).toBe(4);
        expect(res.stderr).toContain("not to http://127.0.0.1:8765/callback");
      },
    );
  });
});
