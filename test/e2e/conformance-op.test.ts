// Negative conformance suite modelled on the OpenID Foundation's relying-party checks: a real
// `oidc login` (loopback callback, OIDC_BROWSER = follow-redirect.mjs, no Chromium) against the
// in-process conformance OP, which breaks exactly one rule per case. Refusals exit 6 naming the check.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../helpers/ports.js";
import { afterAll, describe, expect, it } from "vitest";
import { cli, diag } from "../helpers/cli.js";
import { profilePath, readProfile } from "../helpers/store.js";
import {
  type CaseName,
  CONFIDENTIAL_CLIENT,
  CONFIDENTIAL_SECRET,
  type ConformanceOp,
  NEGATIVE_CASES,
  POSITIVE_CASES,
  PUBLIC_CLIENT,
  SUB,
  startConformanceOp,
} from "../providers/conformance-op.js";

const FOLLOW = fileURLToPath(new URL("../browser/follow-redirect.mjs", import.meta.url));

// One OP per test (in-process, ~0.1 s to start), so the cases run concurrently.
const ops = new Set<ConformanceOp>();
afterAll(async () => {
  await Promise.all([...ops].map((op) => op.stop()));
});
async function startOp(name: CaseName): Promise<ConformanceOp> {
  const op = await startConformanceOp(name);
  ops.add(op);
  return op;
}

/** A CLI with its own store, whose "browser" follows the OP's redirect to the loopback callback. */
function loginCli(op: ConformanceOp, opts: { confidential?: boolean; args?: string[] } = {}) {
  const run = cli();
  const env = {
    OIDC_BROWSER: `${process.execPath} ${FOLLOW} %s`,
    FOLLOW_REDIRECT_LOG: join(run.configDir, "follow-redirect.log"),
    ...(opts.confidential ? { OIDC_CLIENT_SECRET: CONFIDENTIAL_SECRET } : {}),
  };
  const clientId = opts.confidential ? CONFIDENTIAL_CLIENT : PUBLIC_CLIENT;
  const browserLog = () => (existsSync(env.FOLLOW_REDIRECT_LOG) ? readFileSync(env.FOLLOW_REDIRECT_LOG, "utf8") : "(no browser log)");
  return {
    run,
    env,
    browserLog,
    // --port: with --client-id the default is 8765, which test files running at once would share.
    login: async (extra: string[] = []) =>
      run(
        [
          "login",
          "--issuer",
          op.issuer,
          "--client-id",
          clientId,
          "--port",
          String(await freePort()),
          "--callback-timeout",
          "10",
          ...(opts.args ?? []),
          ...extra,
        ],
        { env, timeoutMs: 30_000 },
      ),
    cmd: (args: string[]) => run(args, { env, timeoutMs: 30_000 }),
    profile: () => readProfile(run.configDir),
  };
}

const failedCheck = (stderr: string) => /^oidc: (\S+) check failed/m.exec(stderr)?.[1];

describe.concurrent("conformance OP: a login the CLI must refuse exits 6 and names the check", () => {
  for (const [name, c] of Object.entries(NEGATIVE_CASES)) {
    it(`${name}: refused by ${c.check}`, async () => {
      const op = await startOp(name as CaseName);
      const t = loginCli(op, { confidential: "confidential" in c && c.confidential, args: "args" in c ? c.args : [] });
      const r = await t.login();
      expect(r.code, diag(r, t.browserLog())).toBe(6);
      expect(failedCheck(r.stderr), diag(r, t.browserLog())).toBe(c.check);
      // Nothing from a refused login is kept.
      expect(existsSync(profilePath(t.run.configDir)) ? t.profile().tokens : undefined).toBeUndefined();
    });
  }
});

describe.concurrent("conformance OP: a login the CLI must accept exits 0", () => {
  for (const [name, c] of Object.entries(POSITIVE_CASES)) {
    it(`${name}: accepted, tokens saved for ${SUB}`, async () => {
      const op = await startOp(name as CaseName);
      const t = loginCli(op, { confidential: "confidential" in c && c.confidential, args: "args" in c ? c.args : [] });
      const r = await t.login();
      expect(r.code, diag(r, t.browserLog())).toBe(0);
      const tokens = t.profile().tokens;
      expect(tokens.sub).toBe(SUB);
      expect(typeof tokens.access_token).toBe("string");
    });
  }

  it("token_type BEARER (any case): userinfo is then called with the Bearer scheme and answers", async () => {
    const op = await startOp("token_type-uppercase-BEARER");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    const r = await t.cmd(["userinfo", "--claim", "sub"]);
    expect(r.code, diag(r)).toBe(0);
    expect(r.stdout.trim()).toBe(SUB);
  });

  it("a token response without expires_in is stored with no expiry and `oidc token` serves it", async () => {
    const op = await startOp("token-response-without-expires_in");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    expect(t.profile().tokens.expires_at).toBeUndefined();
    const r = await t.cmd(["token"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(t.profile().tokens.access_token);
  });

  it("a token response without scope keeps the requested scope as the profile's default", async () => {
    const op = await startOp("token-response-without-scope");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    const p = t.profile();
    expect(p.tokens.scope).toBeUndefined();
    expect(p.scope).toBe("openid profile email offline_access");
  });
});

describe.concurrent("conformance OP: the authorization response's state", () => {
  it("a callback with another state is ignored by the loopback server: the login ends in a clean timeout (exit 5), no tokens", async () => {
    const op = await startOp("authorization-response-state-mismatch");
    const t = loginCli(op);
    const started = Date.now();
    const r = await t.run(
      ["login", "--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "--port", String(await freePort()), "--callback-timeout", "2"],
      {
        env: t.env,
        timeoutMs: 20_000,
      },
    );
    expect(r.code, diag(r, t.browserLog())).toBe(5);
    expect(r.stderr).toContain("another login's state");
    expect(r.stderr).toContain("no callback arrived within 2s");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(t.browserLog()).toContain("callback delivered");
    expect(t.profile().tokens).toBeUndefined();
  });
});

describe.concurrent("conformance OP: userinfo", () => {
  it("userinfo naming another sub than the ID token is refused: exit 6, userinfo.sub", async () => {
    const op = await startOp("default");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    op.setCase("userinfo-sub-mismatch");
    const r = await t.cmd(["userinfo"]);
    expect(r.code, diag(r)).toBe(6);
    expect(failedCheck(r.stderr)).toBe("userinfo.sub");
    expect(r.stdout).toBe("");
  });
});

describe.concurrent("conformance OP: refresh tokens", () => {
  it("a rotated refresh token is stored: the next refresh presents the new one, and the dead one is never reused", async () => {
    const op = await startOp("default");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    const rt0 = t.profile().tokens.refresh_token as string;
    expect(rt0).toBeTruthy();
    const before = op.refreshTokensPresented.length;

    const r1 = await t.cmd(["token", "--refresh"]);
    expect(r1.code, diag(r1)).toBe(0);
    const rt1 = t.profile().tokens.refresh_token as string;
    expect(rt1).not.toBe(rt0);
    expect(op.refreshTokensIssued).toContain(rt1);

    const r2 = await t.cmd(["token", "--refresh"]);
    expect(r2.code, diag(r2)).toBe(0);
    const rt2 = t.profile().tokens.refresh_token as string;
    expect(rt2).not.toBe(rt1);
    expect(op.refreshTokensPresented.slice(before)).toEqual([rt0, rt1]);
    // The refreshed ID token (same sub, no nonce check after a refresh) was accepted.
    expect(t.profile().tokens.sub).toBe(SUB);
  });

  it("a refresh response without refresh_token keeps the old one, which keeps working", async () => {
    const op = await startOp("refresh-omits-refresh_token");
    const t = loginCli(op);
    expect((await t.login()).code).toBe(0);
    const rt0 = t.profile().tokens.refresh_token as string;
    const at0 = t.profile().tokens.access_token as string;
    const before = op.refreshTokensPresented.length;

    for (let i = 0; i < 2; i++) {
      const r = await t.cmd(["token", "--refresh"]);
      expect(r.code, diag(r)).toBe(0);
      expect(t.profile().tokens.refresh_token).toBe(rt0);
    }
    expect(op.refreshTokensPresented.slice(before)).toEqual([rt0, rt0]);
    expect(t.profile().tokens.access_token).not.toBe(at0);
  });
});

describe.concurrent("conformance OP: known deviations of a dialect", () => {
  it("better-auth 1.6 dialect: an HS256 ID token without iss is accepted, with a warning naming the deviation", async () => {
    const op = await startOp("id_token-without-iss-HS256-better-auth-1.6-dialect");
    const t = loginCli(op, { confidential: true, args: ["--dialect", "better-auth-1.6"] });
    const r = await t.login();
    expect(r.code, diag(r, t.browserLog())).toBe(0);
    expect(r.stderr).toMatch(/warning: better-auth 1\.6 oidcProvider: the ID token has no `iss` claim/);
  });
});
