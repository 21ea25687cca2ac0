// In-process: what keeps a profile's secrets with the provider and client they belong to, and a
// login from being ended or outlived by someone else, pinned against a purpose-built provider
// (test/providers/hostile.ts). Pins: another client's id never gets client A's token (exit 5) nor
// calls userinfo; client credentials do not replace a user's login (exit 2); a slow refresh does
// not overwrite a login saved meanwhile, and `profile remove` waits for it; a document naming the
// same bare-origin issuer elsewhere is not the same provider (exit 6); a stateless error at the
// loopback callback does not end the login; a device login is bounded by --callback-timeout and
// refuses a non-http(s) verification_uri before opening anything; --claim of a non-own name is
// "no claim"; a provider's control characters and a --verbose trace's cut never reach the
// terminal raw; OIDC_PROFILE set but empty is a usage error.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { browserStub, fakeClock, session, testDeps } from "../helpers/deps.js";
import { now, profilePath, readProfile, seedProfile, standardProfile } from "../helpers/store.js";
import { freePort } from "../helpers/ports.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, html, json, startHostile } from "../providers/hostile.js";
import { diag, expectFailure, expectOk } from "../commands/support.js";

let op: HostileProvider;
beforeAll(async () => {
  op = await startHostile();
});
afterAll(() => op?.stop());
beforeEach(() => op.reset());

type Session = ReturnType<typeof session>;

/** A store whose default profile is bound to the hostile provider with client A and its tokens. */
function seeded(tokens: Record<string, unknown> = {}): Session {
  const run = session();
  const client = { client_id: "client-a", client_secret: "secret-of-client-a-0123", token_endpoint_auth_method: "client_secret_basic" };
  seedProfile(
    run.configDir,
    "default",
    standardProfile(op.url, client, {
      access_token: "at-of-client-a-0123",
      token_type: "Bearer",
      expires_at: now() + 3600,
      refresh_token: "rt-of-client-a-0123",
      obtained_at: now(),
      ...tokens,
    }),
  );
  return run;
}

const CLIENT_A_SECRETS = ["at-of-client-a-0123", "rt-of-client-a-0123", "secret-of-client-a-0123"];
const expectNoClientASecret = (r: Parameters<typeof diag>[0]) => {
  for (const s of CLIENT_A_SECRETS) expect(`${r.stdout}${r.stderr}`, diag(r)).not.toContain(s);
};

describe("a profile's tokens stay with their client", () => {
  test.each([
    ["--client-id", (run: Session) => run(["token", "--client-id", "client-b"])],
    ["OIDC_CLIENT_ID", (run: Session) => run(["token"], { env: { OIDC_CLIENT_ID: "client-b" } })],
  ])("oidc token with another client's id (%s) exits 5 instead of printing client A's token", async (_how, go) => {
    const res = await go(seeded());
    expectFailure(res, 5, /holds tokens of client client-a, not client-b/);
    expectNoClientASecret(res);
  });

  test("oidc userinfo with another client's id exits 5 and calls nothing", async () => {
    const res = await seeded()(["userinfo", "--client-id", "client-b"]);
    expectFailure(res, 5);
    expect(op.requests.filter((r) => r.path.startsWith("/userinfo"))).toEqual([]);
  });

  test("client credentials refuse to replace a user's login in the same profile (exit 2)", async () => {
    const run = seeded({ sub: "user-1" });
    const res = await run(["token", "--client-credentials"], { env: { OIDC_CLIENT_SECRET: "secret-of-client-a-0123" } });
    expectFailure(res, 2);
    expect(res.stderr).toContain("-p ci");
    expect(readProfile(run.configDir).tokens.sub).toBe("user-1");
  });
});

describe("concurrent writers", () => {
  test("a login saved while a slow refresh runs is not overwritten by that refresh", async () => {
    op.on("/token", async (_req, res, ctx) => {
      const refresh = ctx.body.includes("grant_type=refresh_token");
      if (refresh) await new Promise((r) => setTimeout(r, 1500));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          refresh
            ? { access_token: "at-from-old-refresh", token_type: "Bearer", expires_in: 3600, refresh_token: "rt-from-old-refresh" }
            : { access_token: "at-from-new-login", token_type: "Bearer", expires_in: 3600, refresh_token: "rt-from-new-login" },
        ),
      );
    });
    const run = seeded();
    const refreshing = run(["token", "--refresh"]);
    await new Promise((r) => setTimeout(r, 400));
    const login = await run([
      "token",
      "--code",
      "code-0123456789",
      "--code-verifier",
      "v".repeat(43),
      "--redirect-uri",
      "http://127.0.0.1:8765/callback",
    ]);
    expect(login.code, diag(login)).toBe(0);
    const refreshed = await refreshing;
    expect(refreshed.code, diag(refreshed)).toBe(0);
    const stored = readProfile(run.configDir);
    expect(stored.tokens.access_token).toBe("at-from-new-login");
    expect(stored.tokens.refresh_token).toBe("rt-from-new-login");
  });
});

describe("a profile's client stays with its provider", () => {
  test("two documents on one origin naming the same bare-origin issuer are not one provider (exit 6)", async () => {
    // better-auth 1.6's shape, served under an arbitrary path: only /api/auth is that dialect's place.
    const tenant = (base: string) => ({
      ...goodDiscovery(op.url),
      authorization_endpoint: `${op.url}${base}/oauth2/authorize`,
      token_endpoint: `${op.url}${base}/oauth2/token`,
      userinfo_endpoint: `${op.url}${base}/oauth2/userinfo`,
      end_session_endpoint: `${op.url}${base}/oauth2/endsession`,
      revocation_endpoint: undefined,
    });
    op.on(`/b${DISCOVERY_PATH}`, json(200, tenant("/b")));
    const res = await seeded()(["token", "--refresh", "--issuer", `${op.url}/b`]);
    expectFailure(res, 6, /^oidc: discovery\.issuer check failed/);
    expectNoClientASecret(res);
    expect(op.requests.some((r) => r.path.includes("/token"))).toBe(false);
  });
});

describe("the loopback callback", () => {
  test("an error without state from a standard provider does not end the login; the wait goes on", async () => {
    const run = session();
    expectOk(await run(["discover", op.url]));
    op.on("/authorize", html(200)); // the login page, for the login's preflight
    // The run is started, not awaited: the forged callback is sent while it waits.
    const deps = testDeps({ configDir: run.configDir, env: { OIDC_CLIENT_ID: "client-a" } });
    const done = runCli(["login", "--no-browser", "--callback-timeout", "3", "--port", String(await freePort())], deps);
    let authorizeUrl: string | undefined;
    for (let i = 0; i < 200 && !authorizeUrl; i++) {
      authorizeUrl = /^\s+(https?:\/\/\S+)$/m.exec(deps.stderr())?.[1];
      if (!authorizeUrl) await new Promise((r) => setTimeout(r, 10));
    }
    expect(authorizeUrl, deps.stderr()).toBeDefined();
    const redirectUri = new URL(authorizeUrl as string).searchParams.get("redirect_uri") as string;
    const forged = await fetch(`${redirectUri}?error=access_denied&error_description=gotcha`);
    expect(forged.status).toBe(400);
    const code = await done;
    const res = { code, stdout: deps.stdout(), stderr: deps.stderr() };
    // The login timed out; the forged error did not end it.
    expectFailure(res, 5, /no callback arrived within 3s/, { only: false });
    expect(res.stderr).not.toContain("gotcha");
  });
});

describe("device login", () => {
  test("a provider's huge expires_in does not outlast --callback-timeout (exit 5, bounded)", async () => {
    op.on("/.well-known/openid-configuration", json(200, { ...goodDiscovery(op.url), device_authorization_endpoint: `${op.url}/device` }));
    op.on(
      "/device",
      json(200, {
        device_code: "dc-0123456789",
        user_code: "ABCD-EFGH",
        verification_uri: `${op.url}/activate`,
        expires_in: 999_999_999,
        interval: 1,
      }),
    );
    op.on("/token", json(400, { error: "authorization_pending" }));
    // The polling waits on the clock: a fake one moves only by those waits, so it bounds them.
    const clock = fakeClock();
    const t0 = clock.now();
    const started = Date.now();
    const res = await session()(["login", "--device", "--issuer", op.url, "--client-id", "pub", "--callback-timeout", "3"], { clock });
    expectFailure(res, 5, /not completed within 3s/, { only: false });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(clock.now() - t0).toBeLessThanOrEqual(5_000);
  });
});

describe("userinfo --claim", () => {
  test("a name that is not an own claim (constructor) is 'no claim', not a crash", async () => {
    op.on("/userinfo", json(200, { sub: "user-1", email: "u@example.test" }));
    const res = await seeded({ sub: "user-1" })(["userinfo", "--claim", "constructor"]);
    expectFailure(res, 1, /^oidc: userinfo has no claim "constructor"/);
  });
});

describe("what reaches the terminal", () => {
  test("control characters in a provider's error are shown escaped, and cannot forge a line", async () => {
    op.on("/token", json(400, { error: "x\u001b]0;pwned\u0007\noidc: login ok", error_description: "\u001b[2Jcleared" }));
    const res = await seeded()(["token", "--refresh"]);
    expectFailure(res, 4);
    expect(res.stderr).not.toContain("\u001b");
    expect(res.stderr).not.toContain("\u0007");
    expect(res.stderr).not.toMatch(/^oidc: login ok/m);
  });

  test("a --verbose trace never shows part of a token, wherever the 2000-character cut falls", async () => {
    const rt = `rt-${"s".repeat(60)}`;
    for (const pad of [1940, 1955, 1970, 1985]) {
      op.reset();
      op.on(
        "/token",
        json(200, { padding: "p".repeat(pad), access_token: `at-${"a".repeat(40)}`, token_type: "Bearer", refresh_token: rt }),
      );
      const res = await seeded()(["token", "--refresh", "--verbose"]);
      expect(res.code, diag(res)).toBe(0);
      expect(res.stderr).not.toContain("ssssssss");
      expect(res.stderr).not.toContain("aaaaaaaa");
    }
  });
});

describe("device login URIs", () => {
  test("a verification_uri that is not http(s) is refused before anything is opened (exit 4)", async () => {
    op.on("/.well-known/openid-configuration", json(200, { ...goodDiscovery(op.url), device_authorization_endpoint: `${op.url}/device` }));
    op.on(
      "/device",
      json(200, { device_code: "dc-0123456789", user_code: "ABCD-EFGH", verification_uri: "file:///etc/passwd", expires_in: 60 }),
    );
    // A configured browser (as OIDC_BROWSER=/bin/false was), which must not be asked to open it.
    const browser = browserStub(undefined, "/bin/false");
    const res = await session()(["login", "--device", "--issuer", op.url, "--client-id", "pub"], { browser });
    expectFailure(res, 4, /verification_uri/, { only: false });
    expect(browser.opened).toEqual([]);
  });
});

describe("profile selection", () => {
  test("OIDC_PROFILE set but empty is a usage error, not the current profile's token", async () => {
    const res = await seeded()(["token"], { env: { OIDC_PROFILE: "" } });
    expectFailure(res, 2);
    expectNoClientASecret(res);
  });

  test("profile remove waits for a refresh in flight, and the profile stays removed", async () => {
    op.on("/token", async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1200));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "at-late-0123456789", token_type: "Bearer", expires_in: 3600 }));
    });
    const run = seeded();
    const refreshing = run(["token", "--refresh"]);
    await new Promise((r) => setTimeout(r, 400));
    const removed = await run(["profile", "remove", "default"]);
    expect(removed.code, diag(removed)).toBe(0);
    await refreshing;
    expect(existsSync(profilePath(run.configDir))).toBe(false);
  });
});
