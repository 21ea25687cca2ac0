// `oidc token` in-process against the conformance OP: the cached token in each output shape, the
// refresh (forced, or because the token expires within --min-valid), the code exchange of
// `login --no-exchange`, client credentials, and each way of being not logged in (exit 5).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { followingBrowser, session } from "../helpers/deps.js";
import type { Profile } from "../../src/adapters/store.js";
import {
  CONFIDENTIAL_CLIENT,
  CONFIDENTIAL_SECRET,
  type ConformanceOp,
  PUBLIC_CLIENT,
  SUB,
  startConformanceOp,
} from "../providers/conformance-op.js";
import {
  closedPort,
  editProfile,
  expectFailure,
  expectOk,
  jwtParts,
  loggedInSession,
  nowSeconds,
  readProfile,
  storeOf,
} from "./support.js";

let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterEach(() => op.setCase("default"));
afterAll(() => op.stop());

const requestCount = () => op.requests.length;
const requestsSince = (n: number) => op.requests.slice(n);

describe("oidc token: the cached token", () => {
  it("prints the access token and a newline, without asking the provider", async () => {
    const run = await loggedInSession(op.issuer);
    const before = requestCount();
    const r = await run(["token"]);
    expectOk(r);
    expect(r.stdout).toBe(`${readProfile(run.configDir)?.tokens?.access_token}\n`);
    expect(r.stderr).toBe("");
    expect(requestCount()).toBe(before);
  });

  it("-o json prints {access_token, token_type, expires_at, expires_in, scope, id_token, has_refresh_token}", async () => {
    const run = await loggedInSession(op.issuer);
    const t = readProfile(run.configDir)?.tokens;
    const r = await run(["token", "-o", "json"]);
    expectOk(r);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({
      access_token: t?.access_token,
      token_type: "Bearer",
      expires_at: t?.expires_at,
      expires_in: expect.any(Number),
      scope: "openid profile email offline_access",
      id_token: t?.id_token,
      has_refresh_token: true,
    });
    expect(Math.abs(out.expires_in - ((t?.expires_at as number) - nowSeconds()))).toBeLessThanOrEqual(2);
  });

  it("--json is the same as -o json", async () => {
    const run = await loggedInSession(op.issuer);
    const json = await run(["token", "-o", "json"]);
    const flag = await run(["token", "--json"]);
    expectOk(flag);
    expect(Object.keys(JSON.parse(flag.stdout))).toEqual(Object.keys(JSON.parse(json.stdout)));
    expect(JSON.parse(flag.stdout).access_token).toBe(JSON.parse(json.stdout).access_token);
  });

  it("-o json gives nulls where the provider gave nothing (no scope, no expiry, no ID token, no refresh token)", async () => {
    op.setCase("token-response-without-expires_in");
    const run = await loggedInSession(op.issuer, { scope: "profile" });
    editProfile(run.configDir, (p) => ({ ...p, tokens: p.tokens && { ...p.tokens, scope: undefined } }));
    const out = JSON.parse((await run(["token", "-o", "json"])).stdout);
    expect(out).toMatchObject({ expires_at: null, expires_in: null, scope: null, id_token: null, has_refresh_token: false });
  });

  it("-o header prints an Authorization header line", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["token", "-o", "header"]);
    expectOk(r);
    expect(r.stdout).toBe(`Authorization: Bearer ${readProfile(run.configDir)?.tokens?.access_token}\n`);
  });

  it("-o env prints export lines for eval: access token, type, ID token, expiry", async () => {
    const run = await loggedInSession(op.issuer);
    const t = readProfile(run.configDir)?.tokens;
    const r = await run(["token", "-o", "env"]);
    expectOk(r);
    expect(r.stdout).toBe(
      [
        `export OIDC_ACCESS_TOKEN='${t?.access_token}'`,
        "export OIDC_TOKEN_TYPE='Bearer'",
        `export OIDC_ID_TOKEN='${t?.id_token}'`,
        `export OIDC_TOKEN_EXPIRES_AT=${t?.expires_at}`,
        "",
      ].join("\n"),
    );
  });

  it("--id-token prints the ID token (and with -o header, as a Bearer header)", async () => {
    const run = await loggedInSession(op.issuer);
    const idToken = readProfile(run.configDir)?.tokens?.id_token as string;
    const r = await run(["token", "--id-token"]);
    expectOk(r);
    expect(r.stdout).toBe(`${idToken}\n`);
    expect(jwtParts(idToken).claims.sub).toBe(SUB);
    expect((await run(["token", "--id-token", "-o", "header"])).stdout).toBe(`Authorization: Bearer ${idToken}\n`);
  });

  it("--id-token when the login got no ID token exits 5 with a hint to log in with openid", async () => {
    const run = await loggedInSession(op.issuer, { scope: "profile offline_access" });
    const r = await run(["token", "--id-token"]);
    expectFailure(r, 5, /^oidc: profile default has no ID token$/, { hint: /openid scope/ });
  });
});

describe("oidc token: refreshing", () => {
  it("--refresh gets a new access token from the provider, saves it and the rotated refresh token, keeps the sub", async () => {
    const run = await loggedInSession(op.issuer);
    const old = readProfile(run.configDir)?.tokens;
    const before = requestCount();
    const r = await run(["token", "--refresh"]);
    expectOk(r);
    const now = readProfile(run.configDir)?.tokens;
    expect(r.stdout).toBe(`${now?.access_token}\n`);
    expect(now?.access_token).not.toBe(old?.access_token);
    expect(op.refreshTokensPresented.at(-1)).toBe(old?.refresh_token);
    expect(now?.refresh_token).toBe(op.refreshTokensIssued.at(-1));
    expect(now?.refresh_token).not.toBe(old?.refresh_token);
    expect(now?.sub).toBe(SUB);
    expect(requestsSince(before).filter((q) => q.startsWith("POST /token"))).toEqual(["POST /token grant=refresh_token"]);
  });

  it("refreshes first when the token expires within --min-valid", async () => {
    const run = await loggedInSession(op.issuer);
    const old = readProfile(run.configDir)?.tokens?.access_token;
    const before = requestCount();
    const r = await run(["token", "--min-valid", "7200"]);
    expectOk(r);
    expect(r.stdout.trim()).not.toBe(old);
    expect(requestsSince(before)).toContain("POST /token grant=refresh_token");
  });

  it("a refresh response without a refresh token keeps the one the profile had", async () => {
    const run = await loggedInSession(op.issuer);
    const rt = readProfile(run.configDir)?.tokens?.refresh_token;
    op.setCase("refresh-omits-refresh_token");
    expectOk(await run(["token", "--refresh"]));
    expect(readProfile(run.configDir)?.tokens?.refresh_token).toBe(rt);
  });

  it("a refresh whose new ID token has a bad signature exits 6 naming id_token.signature, and keeps the stored tokens", async () => {
    const run = await loggedInSession(op.issuer);
    const old = readProfile(run.configDir)?.tokens;
    op.setCase("id_token-signature-invalid-RS256");
    const r = await run(["token", "--refresh"]);
    expectFailure(r, 6, /^oidc: id_token\.signature check failed: /);
    expect(readProfile(run.configDir)?.tokens).toEqual(old);
  });

  it("a refresh token the provider no longer accepts exits 5 (login required), quoting invalid_grant", async () => {
    const run = await loggedInSession(op.issuer);
    const stale = readProfile(run.configDir)?.tokens?.refresh_token as string;
    expectOk(await run(["token", "--refresh"])); // rotates: `stale` is now dead
    editProfile(run.configDir, (p) => ({ ...p, tokens: p.tokens && { ...p.tokens, refresh_token: stale } }));
    const r = await run(["token", "--refresh"]);
    expectFailure(r, 5, /^oidc: refresh is no longer possible for profile default: .*invalid_grant/, { hint: /oidc login/ });
  });

  it("an expired token without a refresh token exits 5 and prints nothing", async () => {
    const run = await loggedInSession(op.issuer, { scope: "openid profile" });
    editProfile(run.configDir, (p) => ({ ...p, tokens: p.tokens && { ...p.tokens, expires_at: nowSeconds() - 10 } }));
    const r = await run(["token"]);
    expectFailure(r, 5, /^oidc: the access token of profile default has expired and there is no refresh token$/, { hint: /oidc login/ });
  });
});

describe("oidc token: not logged in", () => {
  it("a profile with no tokens exits 5 with nothing on stdout, naming the setup steps", async () => {
    const r = await session()(["token"]);
    expectFailure(r, 5, /^oidc: profile default has no tokens$/, { hint: /oidc discover <issuer-url>.*oidc register.*oidc login/ });
  });

  it("-p names the profile in the message and in the hint", async () => {
    const run = session();
    expectOk(await run(["-p", "ci", "discover", op.issuer]));
    const r = await run(["-p", "ci", "token"]);
    expectFailure(r, 5, /^oidc: profile ci has no tokens$/, { hint: /oidc -p ci register --name <app>.*oidc -p ci login/ });
  });

  it("-p naming a profile that does not exist says so and lists the profiles (exit 5, so `oidc token || oidc login` works)", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["-p", "typo", "token"]);
    expectFailure(r, 5, /^oidc: no profile named typo$/, { hint: /^hint: profiles: default; a new one is made by `oidc -p typo discover/ });
    expect(
      storeOf(run.configDir)
        .listProfiles()
        .map((p) => p.name),
    ).toEqual(["default"]);
  });

  it("-p naming a profile that does not exist, in an empty store, says how to make it", async () => {
    const r = await session()(["-p", "ci", "token"]);
    expectFailure(r, 5, /^oidc: no profile named ci$/, { hint: /make it first: oidc -p ci discover <issuer-url>/ });
  });

  it("OIDC_PROFILE naming a profile that does not exist is the same", async () => {
    const run = await loggedInSession(op.issuer);
    expectFailure(await run(["token"], { env: { OIDC_PROFILE: "typo" } }), 5, /^oidc: no profile named typo$/, {
      hint: /profiles: default/,
    });
  });

  it("with an exported OIDC_ISSUER a new profile is not a typo: it has no tokens yet (login makes it)", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["-p", "fresh", "token"], { env: { OIDC_ISSUER: op.issuer } });
    expectFailure(r, 5, /^oidc: profile fresh has no tokens$/, { hint: /oidc -p fresh/ });
  });

  it("--json with -o env (or header) is a usage error: they ask for different outputs", async () => {
    const run = await loggedInSession(op.issuer);
    expectFailure(await run(["token", "--json", "-o", "env"]), 2, /^oidc: --json and -o env ask for different outputs$/);
    expectFailure(await run(["token", "-o", "header", "--json"]), 2, /^oidc: --json and -o header ask for different outputs$/);
  });

  it("a hint naming a command for another client keeps the profile (oidc -p NAME login --client-id …)", async () => {
    const run = await loggedInSession(op.issuer);
    const store = storeOf(run.configDir);
    store.writeProfile({ ...(store.readProfile("default") as Profile), name: "work" });
    const r = await run(["-p", "work", "token", "--client-id", "other"]);
    expectFailure(r, 5, /holds tokens of client/, { hint: /oidc -p work login --client-id other/ });
  });

  it("--client-id of another client never gets this client's tokens (exit 5)", async () => {
    const run = await loggedInSession(op.issuer);
    const r = await run(["token", "--client-id", "some-other-client"]);
    expectFailure(r, 5, new RegExp(`^oidc: profile default holds tokens of client ${PUBLIC_CLIENT}, not some-other-client$`));
  });
});

describe("oidc token --code: exchanging the code of login --no-exchange", () => {
  async function noExchange() {
    const run = session();
    const r = await run(
      ["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "login", "--no-exchange", "--port", String(await closedPort())],
      { browser: followingBrowser() },
    );
    expectOk(r);
    return { run, out: JSON.parse(r.stdout) as Record<string, string> };
  }
  // `--flag=value`: a random code or verifier may start with "-v"/"-p" (see the BUG test below).
  const codeArgs = (out: Record<string, string>) => [
    "--client-id",
    PUBLIC_CLIENT,
    "token",
    `--code=${out.code}`,
    `--code-verifier=${out.code_verifier}`,
    `--redirect-uri=${out.redirect_uri}`,
  ];
  const nonce = (out: Record<string, string>) => `--nonce=${out.nonce}`;

  it("with --nonce, exchanges the code, checks the ID token, saves the tokens and prints the access token", async () => {
    const { run, out } = await noExchange();
    const r = await run([...codeArgs(out), nonce(out)]);
    expectOk(r);
    const stored = readProfile(run.configDir)?.tokens;
    expect(r.stdout).toBe(`${stored?.access_token}\n`);
    expect(stored?.sub).toBe(SUB);
    expect(r.stderr).not.toContain("nonce was not checked");
    expect(r.stderr).toMatch(/^Saved tokens to profile default \(expires in \d+s\)\.$/m);
  });

  it("prints the exchanged tokens in the -o json shape when asked", async () => {
    const { run, out } = await noExchange();
    const r = await run([...codeArgs(out), nonce(out), "-o", "json"]);
    expectOk(r);
    expect(JSON.parse(r.stdout)).toMatchObject({ token_type: "Bearer", has_refresh_token: true, id_token: expect.any(String) });
  });

  it("without --nonce, saves the tokens but warns that the nonce was not checked", async () => {
    const { run, out } = await noExchange();
    const r = await run(codeArgs(out));
    expectOk(r);
    expect(r.stderr).toContain("warning: the ID token's nonce was not checked: pass --nonce");
    expect(readProfile(run.configDir)?.tokens?.sub).toBe(SUB);
  });

  it("a --nonce that is not the request's exits 6 naming id_token.nonce, and saves nothing", async () => {
    const { run, out } = await noExchange();
    const r = await run([...codeArgs(out), "--nonce=not-the-nonce"]);
    expectFailure(r, 6, /^oidc: id_token\.nonce check failed: /);
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("a code already exchanged is refused by the provider: exit 4 quoting invalid_grant (not 5)", async () => {
    const { run, out } = await noExchange();
    expectOk(await run([...codeArgs(out), nonce(out)]));
    const r = await run([...codeArgs(out), nonce(out)]);
    expectFailure(r, 4, /^oidc: code exchange failed: the provider answered 400: invalid_grant \("unknown code"\)$/);
  });

  // A code is random base64url: about one in a thousand starts like a global short flag (-v, -p,
  // -V). The command parses its own flags (the globals' copies included), so it is the code.
  it.each([["-vpq-a-code"], ["-V"], ["-pother"]])(
    "a --code value starting with a global short flag (%s) is exchanged as given, not parsed as that flag",
    async (code) => {
      const before = requestCount();
      const r = await session()([
        "--issuer",
        op.issuer,
        "--client-id",
        PUBLIC_CLIENT,
        "token",
        "--code",
        code,
        "--code-verifier",
        "v".repeat(43),
        "--redirect-uri",
        "http://127.0.0.1:8765/callback",
      ]);
      expectFailure(r, 4, /^oidc: code exchange failed: the provider answered 400: invalid_grant \("unknown code"\)$/);
      expect(requestsSince(before)).toContain("POST /token grant=authorization_code");
    },
  );

  it("--code without --code-verifier is a usage error (exit 2)", async () => {
    const r = await session()(["--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "token", "--code", "abc"]);
    expectFailure(r, 2, /^oidc: --code needs --code-verifier$/);
  });

  it("--code without --redirect-uri, for a client with none registered, is a usage error (exit 2)", async () => {
    const r = await session()([
      "--issuer",
      op.issuer,
      "--client-id",
      PUBLIC_CLIENT,
      "token",
      "--code",
      "abc",
      "--code-verifier",
      "v".repeat(43),
    ]);
    expectFailure(r, 2, /^oidc: --code needs --redirect-uri \(the profile has none\)$/);
  });
});

describe("oidc token: what a refresh warns about", () => {
  it("a refresh whose scope is narrower than the one granted before warns naming what is missing", async () => {
    const run = await loggedInSession(op.issuer);
    op.setCase("token-response-scope-without-email");
    const r = await run(["token", "--refresh"]);
    expectOk(r);
    expect(r.stderr).toMatch(
      /^warning: the provider did not grant email \(asked for "openid profile email offline_access", granted "openid profile offline_access"\)$/m,
    );
  });

  it("a refresh_token grant the provider does not advertise is still tried, with a warning", async () => {
    const run = await loggedInSession(op.issuer);
    editProfile(run.configDir, (p) => ({ ...p, metadata: p.metadata && { ...p.metadata, grant_types_supported: ["authorization_code"] } }));
    const r = await run(["token", "--refresh"]);
    expectOk(r);
    expect(r.stderr).toMatch(
      /^warning: the provider does not advertise the refresh_token grant \(grant_types_supported: authorization_code\); trying it anyway$/m,
    );
  });
});

describe("oidc token --client-credentials", () => {
  it("a grant the provider does not advertise is tried anyway, with a warning; its refusal is quoted (exit 4)", async () => {
    const run = session({ env: { OIDC_CLIENT_SECRET: CONFIDENTIAL_SECRET } });
    const before = requestCount();
    const r = await run(["--issuer", op.issuer, "--client-id", CONFIDENTIAL_CLIENT, "token", "--client-credentials"]);
    expectFailure(
      r,
      4,
      /^oidc: client credentials grant failed: the provider answered 400: unsupported_grant_type \("grant_type client_credentials is not supported"\)$/,
    );
    expect(r.stderr).toMatch(
      /^warning: the provider does not advertise the client_credentials grant \(grant_types_supported: authorization_code, refresh_token\); trying it anyway$/m,
    );
    expect(requestsSince(before)).toContain("POST /token grant=client_credentials");
    expect(readProfile(run.configDir)?.tokens).toBeUndefined();
  });

  it("without a client secret is refused before any request (exit 2), naming where a secret comes from", async () => {
    const run = session();
    expectOk(await run(["discover", op.issuer]));
    editProfile(run.configDir, (p) => ({
      ...p,
      client: { client_id: PUBLIC_CLIENT },
      metadata: p.metadata && { ...p.metadata, grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"] },
    }));
    const before = requestCount();
    const r = await run(["token", "--client-credentials"]);
    expectFailure(r, 2, /^oidc: the client_credentials grant needs a client secret$/, { hint: /OIDC_CLIENT_SECRET.*--client-secret-file/ });
    expect(requestCount()).toBe(before);
  });

  it("refuses to replace a user's login in the same profile (exit 2, suggesting a profile of its own)", async () => {
    const run = await loggedInSession(op.issuer);
    editProfile(run.configDir, (p) => ({
      ...p,
      metadata: p.metadata && { ...p.metadata, grant_types_supported: ["client_credentials"] },
    }));
    const r = await run(["token", "--client-credentials"], { env: { OIDC_CLIENT_SECRET: "a-secret-0123456789" } });
    expectFailure(r, 2, /holds a user's login; client credentials would replace it/, { hint: /-p ci/ });
    expect(readProfile(run.configDir)?.tokens?.sub).toBe(SUB);
  });
});
