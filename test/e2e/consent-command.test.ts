// The rest of the command-line contract that the flows above do not reach: `oidc consent` on both
// better-auth versions, `--no-exchange` + `oidc token --code`, client secrets from a file and from
// stdin, and the TTY path of a browser login (a pasted redirect URL, the spinner).
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, baseEnv, cli, tempConfigDir } from "../helpers/cli.js";
import { browserlessLogin, type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { type BetterAuthProvider, startBetterAuth16, startBetterAuth17 } from "../helpers/providers.js";

const SCOPE = "openid email profile offline_access";
const readProfile = (dir: string) => JSON.parse(readFileSync(join(dir, "profiles", "default.json"), "utf8"));

/** Start an authorization with the session as Bearer; returns the consent page URL and the state sent. */
async function consentPageUrl(dir: string, session: string) {
  const p = readProfile(dir);
  const state = randomBytes(12).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL(p.metadata.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: "code",
    client_id: p.client.client_id,
    redirect_uri: p.client.redirect_uris[0],
    scope: SCOPE,
    state,
    nonce: "n-123",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
  }))
    url.searchParams.set(k, v);
  const res = await request(url, { headers: { authorization: `Bearer ${session}` } });
  await res.body.dump();
  expect(res.statusCode).toBe(302);
  return { page: new URL(res.headers.location as string, url).toString(), state };
}

describe.each([
  { version: "1.6", start: () => startBetterAuth16({ requirePKCE: true }) },
  { version: "1.7", start: () => startBetterAuth17() },
])("oidc consent against better-auth $version", ({ version, start }) => {
  let op: BetterAuthProvider;
  let session: string;
  beforeAll(async () => {
    op = await start();
    session = await op.signIn();
  });
  afterAll(() => op?.stop());

  async function registered() {
    const oidc = cli(tempConfigDir(), { OIDC_SESSION_TOKEN: session });
    const reg = await oidc(["register", "--issuer", op.origin, "--name", "consent-app", "--port", "8799"]);
    expect(reg.code, reg.stderr).toBe(0);
    return oidc;
  }

  test("--accept answers the consent page and prints the redirect with a code and the state sent", async () => {
    const oidc = await registered();
    const { page, state } = await consentPageUrl(oidc.configDir, session);
    const res = await oidc(["consent", page, "--accept", "--json"]);
    expect(res.code, res.stderr).toBe(0);
    const redirect = new URL(JSON.parse(res.stdout).redirect_uri);
    expect(redirect.origin + redirect.pathname).toBe("http://127.0.0.1:8799/callback");
    expect(redirect.searchParams.get("code")).toBeTruthy();
    expect(redirect.searchParams.get("state")).toBe(state);
  });

  test("--deny prints the redirect carrying access_denied", async () => {
    const oidc = await registered();
    const { page } = await consentPageUrl(oidc.configDir, session);
    const res = await oidc(["consent", page, "--deny"]);
    expect(res.code, res.stderr).toBe(0);
    expect(new URL(res.stdout.trim()).searchParams.get("error")).toBe("access_denied");
  });

  test("registration without a session: open on 1.6, refused on 1.7 with a hint naming --session-token", async () => {
    const res = await cli()(["register", "--issuer", op.origin, "--name", "anon", "--port", "8797"]);
    if (version === "1.6") expect(res.code, res.stderr).toBe(0);
    else {
      expect(res.code).toBe(4);
      expect(res.stderr).toMatch(/^hint: .*--session-token/m);
    }
  });

  test("neither --accept nor --deny is a usage error (exit 2)", async () => {
    const oidc = await registered();
    const res = await oidc(["consent", `${op.origin}/consent?consent_code=x`]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--accept or --deny");
  });
});

describe("better-auth 1.6: --no-exchange, then oidc token --code", () => {
  let op: BetterAuthProvider;
  beforeAll(async () => {
    op = await startBetterAuth16({ requirePKCE: true });
  });
  afterAll(() => op?.stop());

  test("login --no-exchange prints code, verifier and redirect URI; token --code exchanges and saves them", async () => {
    const session = await op.signIn();
    const oidc = cli(tempConfigDir(), { OIDC_SESSION_TOKEN: session });
    expect((await oidc(["register", "--issuer", op.origin, "--name", "manual", "--port", "8798"])).code).toBe(0);
    const login = await oidc(["login", "--consent", "accept", "--scope", SCOPE, "--no-exchange"]);
    expect(login.code, login.stderr).toBe(0);
    const out = JSON.parse(login.stdout);
    expect(out).toMatchObject({ redirect_uri: "http://127.0.0.1:8798/callback" });
    expect(out.code_verifier.length).toBeGreaterThanOrEqual(43);
    expect(readProfile(oidc.configDir).tokens).toBeUndefined();

    const token = await oidc([
      "token",
      "--code",
      out.code,
      "--code-verifier",
      out.code_verifier,
      "--redirect-uri",
      out.redirect_uri,
      "--nonce",
      out.nonce,
    ]);
    expect(token.code, token.stderr).toBe(0);
    expect(token.stderr).not.toContain("nonce was not checked");
    expect(token.stdout.trim()).toBe(readProfile(oidc.configDir).tokens.access_token);
    expect((await oidc(["userinfo", "--claim", "email"])).stdout).toBe(`${op.email}\n`);
  });

  test("token --code with the wrong --nonce is refused (exit 6, id_token.nonce); without --nonce it warns", async () => {
    const session = await op.signIn();
    const oidc = cli(tempConfigDir(), { OIDC_SESSION_TOKEN: session });
    expect((await oidc(["register", "--issuer", op.origin, "--name", "manual-2", "--port", "8796"])).code).toBe(0);
    const first = JSON.parse((await oidc(["login", "--consent", "accept", "--scope", SCOPE, "--no-exchange"])).stdout);
    const bad = await oidc(["token", "--code", first.code, "--code-verifier", first.code_verifier, "--nonce", "not-the-nonce"]);
    expect(bad.code).toBe(6);
    expect(bad.stderr).toContain("id_token.nonce");
    const second = JSON.parse((await oidc(["login", "--scope", SCOPE, "--no-exchange"])).stdout);
    const unchecked = await oidc(["token", "--code", second.code, "--code-verifier", second.code_verifier]);
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(unchecked.stderr).toContain("nonce was not checked");
  });
});

describe("oidc-provider: client secrets and the TTY login", () => {
  let op: OidcProviderHandle;
  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterAll(() => op?.stop());

  const cc = ["token", "--client-credentials", "--scope", "api:read"];

  test("--client-secret-file supplies the secret; it is never printed", async () => {
    const oidc = cli();
    const file = join(oidc.configDir, "secret.txt");
    writeFileSync(file, "cli-confidential-secret\n", { mode: 0o600 });
    const res = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential", "--client-secret-file", file, ...cc]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().length).toBeGreaterThan(20);
  });

  test("--client-secret-stdin supplies the secret; a wrong one is refused (exit 4) without echoing it", async () => {
    const oidc = cli();
    const ok = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential", "--client-secret-stdin", ...cc], {
      input: "cli-confidential-secret\n",
    });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential-post", "--client-secret-stdin", ...cc], {
      input: "wrong-secret-value-42\n",
    });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("invalid_client");
    expect(bad.stdout + bad.stderr).not.toContain("wrong-secret-value-42");
  });

  test("with --no-browser, a redirect URL piped on stdin completes the login (and an exported OIDC_SESSION_TOKEN is set aside)", async () => {
    const dir = tempConfigDir();
    const child = spawn(
      process.execPath,
      [BIN, "login", "--issuer", op.issuer, "--client-id", "cli-public", "--scope", "openid email", "--no-browser"],
      {
        env: { ...baseEnv(dir), OIDC_SESSION_TOKEN: "exported-for-a-better-auth-app" } as NodeJS.ProcessEnv,
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    const started = Date.now();
    while (!/\/auth\?\S+/.test(stderr) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 50));
    const authorizeUrl = (stderr.match(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/) as RegExpMatchArray)[0];
    child.stdin.write(`${await browserlessLogin(authorizeUrl, { login: "piped-user" })}\n`);
    expect(await exited, stderr).toBe(0);
    expect(readProfile(dir).tokens.sub).toBe("piped-user");
    expect(stderr).toContain("OIDC_SESSION_TOKEN is ignored");
  });

  test.each([
    { cols: 100, what: "with a spinner on stderr" },
    { cols: 0, what: "and a terminal that reports no width gets a plain line instead of a spinner (no hang)" },
  ])("on a TTY, a pasted redirect URL completes a --no-browser login, $what", async ({ cols }) => {
    const dir = tempConfigDir();
    const env = { ...baseEnv(dir), FORCE_COLOR: undefined };
    delete (env as Record<string, string | undefined>).CI;
    const command = [
      process.execPath,
      BIN,
      "login",
      "--issuer",
      op.issuer,
      "--client-id",
      "cli-public",
      "--scope",
      "openid email",
      "--no-browser",
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const sized = `stty cols ${cols} rows 40; ${command}`;
    // util-linux `script` gives the CLI a pseudo-terminal; what we write to its stdin is typed there.
    const child = spawn("script", ["-q", "-e", "-c", sized, "/dev/null"], { env: env as NodeJS.ProcessEnv });
    let screen = "";
    child.stdout.on("data", (d) => (screen += d));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    const started = Date.now();
    while (!/\/auth\?\S+/.test(screen) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
    const authorizeUrl = (screen.match(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/) as RegExpMatchArray)[0];
    const redirect = await browserlessLogin(authorizeUrl, { login: "tty-user" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdin.write(`${redirect}\n`);
    const code = await exited;
    clearTimeout(timer);
    expect(code, screen.slice(-2000)).toBe(0);
    expect(screen).toContain("paste the URL");
    if (cols)
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/); // ora's frames: a spinner on the TTY
    else expect(screen).toContain("Waiting for the redirect to http://127.0.0.1:");
    expect(screen).toContain("Logged in as tty-user");
    expect(readProfile(dir).tokens.sub).toBe("tty-user");
  });
});
