// Negative conformance suite modelled on the OpenID Foundation's relying-party checks, in-process:
// a real `oidc login` (loopback callback; a browser stub that follows the OP's redirect, no
// Chromium) against the in-process conformance OP (test/providers/conformance-op.ts), which breaks
// exactly one rule per case. Pins: refusals exit 6 naming the check and keep no tokens; the cases a
// client must accept exit 0 with tokens saved; a forged state is ignored until the callback
// timeout (exit 5, bounded); userinfo's sub, refresh-token rotation and a dialect's known
// deviation are checked after the login.
import { existsSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BrowserStub, browserStub, followingBrowser, session } from "../helpers/deps.js";
import { freePort } from "../helpers/ports.js";
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
import { diag } from "../commands/support.js";

// One OP for the file, switched to each test's case: an in-process login takes ~0.1 s, while an
// OP takes ~1 s to start (its RSA keys), so the tests run one after another rather than each
// with an OP of its own.
let shared: ConformanceOp;
beforeAll(async () => {
  shared = await startConformanceOp();
});
afterEach(() => shared.setCase("default"));
afterAll(() => shared?.stop());
function opFor(name: CaseName): ConformanceOp {
  shared.setCase(name);
  return shared;
}

/**
 * followingBrowser(), with a log of each hop (`GET <path> -> <status>`, then `callback delivered`
 * once the loopback callback has answered), for the tests that check the browser got that far.
 */
function loggingBrowser(): BrowserStub & { log: string[] } {
  const log: string[] = [];
  const stub = browserStub(async (start) => {
    let url = new URL(start);
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: "manual" });
      await res.arrayBuffer().catch(() => {});
      log.push(`GET ${url.origin}${url.pathname} -> ${res.status}`);
      if (url.hostname === "127.0.0.1" && url.pathname === "/callback") {
        log.push("callback delivered");
        return;
      }
      const next = res.headers.get("location");
      if (!next) return;
      url = new URL(next, url);
    }
  }, "follow-redirects");
  return Object.assign(stub, { log });
}

/** A session with its own store, whose "browser" follows the OP's redirect to the loopback callback. */
function loginSession(op: ConformanceOp, opts: { confidential?: boolean; args?: string[] } = {}) {
  const run = session({ env: opts.confidential ? { OIDC_CLIENT_SECRET: CONFIDENTIAL_SECRET } : {} });
  const clientId = opts.confidential ? CONFIDENTIAL_CLIENT : PUBLIC_CLIENT;
  return {
    run,
    // --port: with --client-id the default is 8765, which test files running at once would share.
    login: async (extra: string[] = [], browser: BrowserStub = followingBrowser()) =>
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
        { browser },
      ),
    cmd: (args: string[]) => run(args),
    profile: () => readProfile(run.configDir),
  };
}

const failedCheck = (stderr: string) => /^oidc: (\S+) check failed/m.exec(stderr)?.[1];

describe("conformance OP: a login the CLI must refuse exits 6 and names the check", () => {
  for (const [name, c] of Object.entries(NEGATIVE_CASES)) {
    it(`${name}: refused by ${c.check}`, async () => {
      const op = opFor(name as CaseName);
      const t = loginSession(op, { confidential: "confidential" in c && c.confidential, args: "args" in c ? c.args : [] });
      const r = await t.login();
      expect(r.code, diag(r)).toBe(6);
      expect(failedCheck(r.stderr), diag(r)).toBe(c.check);
      expect(r.stdout, diag(r)).toBe("");
      // Nothing from a refused login is kept.
      expect(existsSync(profilePath(t.run.configDir)) ? t.profile().tokens : undefined).toBeUndefined();
    });
  }
});

describe("conformance OP: a login the CLI must accept exits 0", () => {
  for (const [name, c] of Object.entries(POSITIVE_CASES)) {
    it(`${name}: accepted, tokens saved for ${SUB}`, async () => {
      const op = opFor(name as CaseName);
      const t = loginSession(op, { confidential: "confidential" in c && c.confidential, args: "args" in c ? c.args : [] });
      const r = await t.login();
      expect(r.code, diag(r)).toBe(0);
      const tokens = t.profile().tokens;
      expect(tokens.sub).toBe(SUB);
      expect(typeof tokens.access_token).toBe("string");
    });
  }

  it("token_type BEARER (any case): userinfo is then called with the Bearer scheme and answers", async () => {
    const op = opFor("token_type-uppercase-BEARER");
    const t = loginSession(op);
    expect((await t.login()).code).toBe(0);
    const r = await t.cmd(["userinfo", "--claim", "sub"]);
    expect(r.code, diag(r)).toBe(0);
    expect(r.stdout.trim()).toBe(SUB);
  });

  it("a token response without expires_in is stored with no expiry and `oidc token` serves it", async () => {
    const op = opFor("token-response-without-expires_in");
    const t = loginSession(op);
    expect((await t.login()).code).toBe(0);
    expect(t.profile().tokens.expires_at).toBeUndefined();
    const r = await t.cmd(["token"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(t.profile().tokens.access_token);
  });

  it("a token response without scope keeps the requested scope as the profile's default", async () => {
    const op = opFor("token-response-without-scope");
    const t = loginSession(op);
    expect((await t.login()).code).toBe(0);
    const p = t.profile();
    expect(p.tokens.scope).toBeUndefined();
    expect(p.scope).toBe("openid profile email offline_access");
  });
});

describe("conformance OP: the authorization response's state", () => {
  it("a callback with another state is ignored by the loopback server: the login ends in a clean timeout (exit 5), no tokens", async () => {
    const op = opFor("authorization-response-state-mismatch");
    const t = loginSession(op);
    const browser = loggingBrowser();
    const started = Date.now();
    const r = await t.run(
      ["login", "--issuer", op.issuer, "--client-id", PUBLIC_CLIENT, "--port", String(await freePort()), "--callback-timeout", "2"],
      { browser },
    );
    const ctx = `${diag(r)}\n--- browser ---\n${browser.log.join("\n")}`;
    expect(r.code, ctx).toBe(5);
    expect(r.stdout, ctx).toBe("");
    expect(r.stderr).toContain("another login's state");
    expect(r.stderr).toContain("no callback arrived within 2s");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(browser.log, ctx).toContain("callback delivered");
    expect(t.profile().tokens).toBeUndefined();
  });
});

describe("conformance OP: userinfo", () => {
  it("userinfo naming another sub than the ID token is refused: exit 6, userinfo.sub", async () => {
    const op = opFor("default");
    const t = loginSession(op);
    expect((await t.login()).code).toBe(0);
    op.setCase("userinfo-sub-mismatch");
    const r = await t.cmd(["userinfo"]);
    expect(r.code, diag(r)).toBe(6);
    expect(failedCheck(r.stderr)).toBe("userinfo.sub");
    expect(r.stdout).toBe("");
  });
});

describe("conformance OP: refresh tokens", () => {
  it("a rotated refresh token is stored: the next refresh presents the new one, and the dead one is never reused", async () => {
    const op = opFor("default");
    const t = loginSession(op);
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
    const op = opFor("refresh-omits-refresh_token");
    const t = loginSession(op);
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

describe("conformance OP: known deviations of a dialect", () => {
  it("better-auth 1.6 dialect: an HS256 ID token without iss is accepted, with a warning naming the deviation", async () => {
    const op = opFor("id_token-without-iss-HS256-better-auth-1.6-dialect");
    const t = loginSession(op, { confidential: true, args: ["--dialect", "better-auth-1.6"] });
    const r = await t.login();
    expect(r.code, diag(r)).toBe(0);
    expect(r.stderr).toMatch(/warning: better-auth 1\.6 oidcProvider: the ID token has no `iss` claim/);
  });
});
