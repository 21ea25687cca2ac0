// What keeps a profile's secrets with the provider and client they belong to, and a login from
// being ended or outlived by someone else: pinned against a purpose-built provider (test/providers/hostile.ts).
import { existsSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { cli, startCli } from "../helpers/cli.js";
import { now, profilePath, readProfile, seedProfile, standardProfile } from "../helpers/store.js";
import { freePort } from "../helpers/ports.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, html, json, startHostile } from "../providers/hostile.js";

let op: HostileProvider;
beforeAll(async () => {
  op = await startHostile();
});
afterAll(() => op?.stop());
beforeEach(() => op.reset());

/** A store whose default profile is bound to the hostile provider with client A and its tokens. */
function seeded(tokens: Record<string, unknown> = {}) {
  const c = cli();
  const client = { client_id: "client-a", client_secret: "secret-of-client-a-0123", token_endpoint_auth_method: "client_secret_basic" };
  seedProfile(
    c.configDir,
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
  return c;
}

describe("a profile's tokens stay with their client", () => {
  test.each([
    ["--client-id", (c: ReturnType<typeof cli>) => c(["token", "--client-id", "client-b"])],
    ["OIDC_CLIENT_ID", (c: ReturnType<typeof cli>) => c(["token"], { env: { OIDC_CLIENT_ID: "client-b" } })],
  ])("oidc token with another client's id (%s) exits 5 instead of printing client A's token", async (_how, run) => {
    const c = seeded();
    const res = await run(c);
    expect(res.code).toBe(5);
    expect(res.stdout).toBe("");
    expect(res.stderr).toContain("holds tokens of client client-a, not client-b");
  });

  test("oidc userinfo with another client's id exits 5 and calls nothing", async () => {
    const c = seeded();
    const res = await c(["userinfo", "--client-id", "client-b"]);
    expect(res.code).toBe(5);
    expect(op.requests.filter((r) => r.path.startsWith("/userinfo"))).toEqual([]);
  });

  test("client credentials refuse to replace a user's login in the same profile (exit 2)", async () => {
    const c = seeded({ sub: "user-1" });
    const res = await c(["token", "--client-credentials"], { env: { OIDC_CLIENT_SECRET: "secret-of-client-a-0123" } });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("-p ci");
    expect(readProfile(c.configDir).tokens.sub).toBe("user-1");
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
    const c = seeded();
    const refreshing = c(["token", "--refresh"]);
    await new Promise((r) => setTimeout(r, 400));
    const login = await c([
      "token",
      "--code",
      "code-0123456789",
      "--code-verifier",
      "v".repeat(43),
      "--redirect-uri",
      "http://127.0.0.1:8765/callback",
    ]);
    expect(login.code, login.stderr).toBe(0);
    expect((await refreshing).code).toBe(0);
    const stored = readProfile(c.configDir);
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
    const c = seeded();
    const res = await c(["token", "--refresh", "--issuer", `${op.url}/b`]);
    expect(res.code).toBe(6);
    expect(res.stderr).toMatch(/^oidc: discovery\.issuer check failed/m);
    expect(op.requests.some((r) => r.path.includes("/token"))).toBe(false);
  });
});

describe("the loopback callback", () => {
  test("an error without state from a standard provider does not end the login; the wait goes on", async () => {
    const c = cli();
    expect((await c(["discover", op.url])).code).toBe(0);
    op.on("/authorize", html(200)); // the login page, for the login's preflight
    const run = startCli(c.configDir, ["login", "--no-browser", "--callback-timeout", "3", "--port", String(await freePort())], {
      env: { OIDC_CLIENT_ID: "client-a" },
      stdin: "open",
    });
    const redirectUri = new URL(await run.authorizeUrl).searchParams.get("redirect_uri") as string;
    const forged = await fetch(`${redirectUri}?error=access_denied&error_description=gotcha`);
    expect(forged.status).toBe(400);
    const { code, stderr } = await run.done;
    expect(code).toBe(5); // the login timed out; the forged error did not end it
    expect(stderr).toContain("no callback arrived within 3s");
    expect(stderr).not.toContain("gotcha");
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
    const c = cli();
    const started = Date.now();
    const res = await c(["login", "--device", "--issuer", op.url, "--client-id", "pub", "--callback-timeout", "3"]);
    expect(res.code).toBe(5);
    expect(res.stderr).toContain("not completed within 3s");
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe("userinfo --claim", () => {
  test("a name that is not an own claim (constructor) is 'no claim', not a crash", async () => {
    op.on("/userinfo", json(200, { sub: "user-1", email: "u@example.test" }));
    const c = seeded({ sub: "user-1" });
    const res = await c(["userinfo", "--claim", "constructor"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^oidc: userinfo has no claim "constructor"/m);
  });
});

describe("what reaches the terminal", () => {
  test("control characters in a provider's error are shown escaped, and cannot forge a line", async () => {
    op.on("/token", json(400, { error: "x\u001b]0;pwned\u0007\noidc: login ok", error_description: "\u001b[2Jcleared" }));
    const c = seeded();
    const res = await c(["token", "--refresh"]);
    expect(res.code).toBe(4);
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
      const c = seeded();
      const res = await c(["token", "--refresh", "--verbose"]);
      expect(res.code, res.stderr).toBe(0);
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
    const res = await cli()(["login", "--device", "--issuer", op.url, "--client-id", "pub"], { env: { OIDC_BROWSER: "/bin/false" } });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain("verification_uri");
  });
});

describe("profile selection", () => {
  test("OIDC_PROFILE set but empty is a usage error, not the current profile's token", async () => {
    const c = seeded();
    const res = await c(["token"], { env: { OIDC_PROFILE: "" } });
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
  });

  test("profile remove waits for a refresh in flight, and the profile stays removed", async () => {
    op.on("/token", async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1200));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "at-late-0123456789", token_type: "Bearer", expires_in: 3600 }));
    });
    const c = seeded();
    const refreshing = c(["token", "--refresh"]);
    await new Promise((r) => setTimeout(r, 400));
    const removed = await c(["profile", "remove", "default"]);
    expect(removed.code, removed.stderr).toBe(0);
    await refreshing;
    expect(existsSync(profilePath(c.configDir))).toBe(false);
  });
});
