// Browser login end to end: `oidc login` opens a real headless Chromium through
// OIDC_BROWSER / BROWSER (test/browser/fake-browser.mjs drives the provider's own pages), against
// panva oidc-provider (native public client `cli-public`) and the better-auth 1.6 dev provider
// (its /login and /consent pages): sign-in and consent, consent denied, a wrong-state request to
// the callback, no callback at all. Plus what needs no Chromium: a failing launcher (a warning; the
// wait goes on until the callback or --callback-timeout), which command
// is launched, --no-browser (print mode, completed by the test itself), and the loopback callback
// server (404 elsewhere, 127.0.0.1 only).
//
// Chromium lives at /usr/bin/chromium. Under CI its absence fails the suite; elsewhere the
// Chromium tests are skipped with a line saying how to enable them.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type Cli, cli, diag, type RunResult, startCli } from "../helpers/cli.js";
import {
  browserlessLogin,
  FAKE_BROWSER_COMMAND,
  type OidcProviderHandle,
  panvaLoginArgs,
  startOidcProvider,
  waitForFakeBrowser,
} from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";
import { type BetterAuthProvider, registeredClient, startBetterAuth16 } from "../helpers/providers.js";

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const ENABLE_HINT = `the browser-login tests need Chromium at ${CHROMIUM}: apt-get install chromium`;
const describeChromium = haveChromium ? describe : describe.skip;

if (!haveChromium) {
  if (process.env.CI) {
    test("Chromium is installed (required under CI for the browser-login tests)", () => {
      expect.fail(`${ENABLE_HINT} (CI is set, so a missing Chromium is a failure, not a skip)`);
    });
  } else {
    console.warn(`SKIPPED: ${ENABLE_HINT} to enable the Chromium tests of test/e2e/browser-login.test.ts`);
  }
}

/** What a wrong-state request to the callback makes the CLI say (src/loopback.ts). */
const WRONG_STATE_WARNING = "another login's state";

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** Every fake-browser log of the current test, so afterEach can make sure none is left running. */
const browserLogs: string[] = [];

function fakeBrowserPid(log: string): number | undefined {
  const m = /start pid=(\d+)/.exec(log);
  return m ? Number(m[1]) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  // Safety net: a fake browser still running after its test (the test failed early) is stopped by
  // its own pid; its SIGTERM handler closes Chromium.
  for (const file of browserLogs.splice(0)) {
    const pid = existsSync(file) ? fakeBrowserPid(readFileSync(file, "utf8")) : undefined;
    if (pid && alive(pid)) {
      process.kill(pid, "SIGTERM");
      await waitForFakeBrowser(file, 10_000).catch(() => undefined);
    }
  }
});

/** The environment that makes the CLI launch the fake browser, logging to a file in `dir`. */
function fakeBrowser(dir: string, extra: Record<string, string> = {}, variable: "OIDC_BROWSER" | "BROWSER" = "OIDC_BROWSER") {
  const log = join(dir, "fake-browser.log");
  browserLogs.push(log);
  return {
    log,
    env: { [variable]: FAKE_BROWSER_COMMAND, FAKE_BROWSER_LOG: log, FAKE_BROWSER_TIMEOUT_MS: "40000", ...extra } as Record<string, string>,
    /** Waits for the fake browser's `exit <code>` line, then for its process to be gone. */
    async finished(): Promise<{ code: number; log: string }> {
      const result = await waitForFakeBrowser(log);
      const pid = fakeBrowserPid(result.log);
      const until = Date.now() + 5000;
      while (pid && alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      if (pid) expect(alive(pid), `fake browser pid ${pid} still running`).toBe(false);
      return result;
    },
  };
}

const readLog = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "(no fake-browser log)");

async function timed<T>(p: Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = Date.now();
  const result = await p;
  return { result, ms: Date.now() - t0 };
}

/** The loopback port of an authorization URL's redirect_uri. */
const redirectPort = (authorizeUrl: string) => Number(new URL(new URL(authorizeUrl).searchParams.get("redirect_uri") ?? "").port);

/** Connects to host:port; resolves "connected" or the error code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Addresses of this machine that are not loopback (skipping link-local IPv6, which needs a scope). */
function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && !(a.family === "IPv6" && a.address.startsWith("fe80")))
    .map((a) => (a as { address: string }).address);
}

// ---------------------------------------------------------------------------------------------
// The providers, started once for the whole file: panva oidc-provider with its native public
// client cli-public, and the better-auth 1.6 dev provider with its own /login and /consent pages
// (only needed with Chromium).
// ---------------------------------------------------------------------------------------------

let panva: OidcProviderHandle;
let ba: BetterAuthProvider;
let baSession: string;
beforeAll(async () => {
  panva = await startOidcProvider();
  if (haveChromium) {
    ba = await startBetterAuth16();
    baSession = await ba.signIn();
  }
});
afterAll(async () => {
  await Promise.all([panva?.stop(), ba?.stop()]);
});

/** A free port for this file's logins: with --client-id the default would be 8765, shared with other files. */
let loginPort: number;
beforeAll(async () => {
  loginPort = await freePort();
});
const loginArgs = (...extra: string[]) => panvaLoginArgs(panva, "--port", String(loginPort), ...extra);

/** A fresh store with a client registered (with a session) at better-auth for a free loopback port. */
async function registered(): Promise<Cli> {
  const { oidc, response, redirectUri } = await registeredClient(ba.origin, { session: baSession });
  expect(response.redirect_uris).toEqual([redirectUri]);
  return oidc;
}

/** `oidc login` at better-auth with the fake browser and no session token: the browser signs in itself. */
const betterAuthLogin = (oidc: Cli, env: Record<string, string>, ...extra: string[]) =>
  oidc(["login", ...extra], { env: { ...env, OIDC_SESSION_TOKEN: undefined } });

/** How one provider's browser login is set up and started, for the tests both providers share. */
interface LoginTarget {
  name: string;
  /** A fresh store ready for `oidc login`. */
  store(): Promise<Cli>;
  /** `oidc login` in that store with the fake browser's environment, then `extra`. */
  login(oidc: Cli, env: Record<string, string>, ...extra: string[]): Promise<RunResult>;
  /** What the fake browser logs when it denies consent on the provider's page. */
  consentDenied: string;
  /** The userinfo claim that names the signed-in user, and its value. */
  claim: "sub" | "email";
  user: string;
}

const targets: LoginTarget[] = [
  {
    name: "panva oidc-provider (cli-public)",
    store: async () => cli(),
    login: (oidc, env, ...extra) => oidc(loginArgs(...extra), { env }),
    consentDenied: "panva consent: cancel",
    claim: "sub",
    user: "alice",
  },
  {
    name: "better-auth 1.6 (its /login and /consent pages)",
    store: registered,
    login: betterAuthLogin,
    consentDenied: "better-auth consent: deny",
    claim: "email",
    user: "alice@example.com",
  },
];

// ---------------------------------------------------------------------------------------------
// panva oidc-provider: native public client cli-public
// ---------------------------------------------------------------------------------------------

describe("browser login against panva oidc-provider (cli-public)", () => {
  describeChromium("in headless Chromium via OIDC_BROWSER", () => {
    test("sign in and consent: exit 0, tokens saved, `userinfo --claim sub` prints the login name", async () => {
      const oidc = cli();
      const fb = fakeBrowser(oidc.configDir, { FAKE_BROWSER_LOGIN: "carol" });
      const login = await oidc(loginArgs(), { env: fb.env });
      const browser = await fb.finished();
      expect(login.code, diag(login, browser.log)).toBe(0);
      expect(login.stdout).toBe("");
      expect(login.stderr).toContain("Logged in as carol");
      expect(browser.code, browser.log).toBe(0);
      expect(browser.log).toContain("panva login: login=carol");
      expect(browser.log).toContain("panva consent: accept");
      expect(browser.log).toMatch(/callback page loaded: Signed in/);

      const sub = await oidc(["userinfo", "--claim", "sub"]);
      expect(sub.code, diag(sub)).toBe(0);
      expect(sub.stdout).toBe("carol\n");
      // prompt=consent + offline_access: a refresh token was saved, so a forced refresh works
      const refreshed = await oidc(["token", "--refresh"]);
      expect(refreshed.code, diag(refreshed)).toBe(0);
    });
    test("BROWSER (with %s) launches the browser when OIDC_BROWSER is unset", async () => {
      const oidc = cli();
      const fb = fakeBrowser(oidc.configDir, { FAKE_BROWSER_LOGIN: "dave" }, "BROWSER");
      expect(fb.env.OIDC_BROWSER).toBeUndefined();
      const login = await oidc(loginArgs(), { env: fb.env });
      const browser = await fb.finished();
      expect(login.code, diag(login, browser.log)).toBe(0);
      // %s was replaced by the URL (the fake browser takes its URL from the last argv)
      expect(browser.log).toMatch(/ url=http:\/\/127\.0\.0\.1:\d+\/auth\?/);
      const sub = await oidc(["userinfo", "--claim", "sub"]);
      expect(sub.stdout).toBe("dave\n");
    });
  });

  describe("launcher, print mode and callback server (no Chromium)", () => {
    test("a launcher that cannot start (OIDC_BROWSER=/nonexistent/browser) is a warning at once naming OIDC_BROWSER; the wait goes on until --callback-timeout", async () => {
      const oidc = cli();
      const { result: login, ms } = await timed(
        oidc(loginArgs("--callback-timeout", "3"), { env: { OIDC_BROWSER: "/nonexistent/browser" } }),
      );
      expect(login.code, diag(login)).toBe(5);
      expect(login.stderr).toMatch(
        /^warning: the browser command from OIDC_BROWSER \(\/nonexistent\/browser\) failed to start: not found \(ENOENT\); fix OIDC_BROWSER, or open the URL yourself$/m,
      );
      expect(login.stderr).toMatch(/^Open this URL in a browser to log in:\n\n {2}http:\/\/127\.0\.0\.1:\d+\/auth\?/m);
      expect(login.stderr).not.toContain("Opened your browser");
      expect(login.stderr).toMatch(/^oidc: login failed: no callback arrived within 3s$/m);
      expect(login.stdout).toBe("");
      expect(ms).toBeGreaterThanOrEqual(3000);
      expect(ms).toBeLessThan(15_000);
    });

    test("a launcher that exits non-zero is a warning with its status; the login still completes from the URL", async () => {
      const oidc = cli();
      const launcher = `${process.execPath} -e process.exit(3)`;
      const run = startCli(oidc.configDir, loginArgs("--callback-timeout", "30"), { env: { OIDC_BROWSER: launcher } });
      const url = await run.authorizeUrl;
      const until = Date.now() + 10_000;
      const warned = () => /^warning: the browser command from OIDC_BROWSER .* exited with status 3; /m;
      let stderr = "";
      run.child.stderr.on("data", (d) => (stderr += d));
      while (!warned().test(stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      // the user opens the URL by hand: the login completes
      const res = await fetch(await browserlessLogin(url));
      expect(res.status).toBe(200);
      const login = await run.done;
      expect(login.code, diag(login)).toBe(0);
      expect(login.stderr).toMatch(warned());
      expect(login.stderr).toContain("Opened your browser.");
    });

    test("OIDC_BROWSER wins over BROWSER; without %s the URL is appended as the last argument", async () => {
      const oidc = cli();
      const recorder = join(oidc.configDir, "record-argv.mjs");
      const record = join(oidc.configDir, "argv.json");
      writeFileSync(
        recorder,
        `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(record)}, JSON.stringify(process.argv.slice(2)));\n`,
      );
      const running = oidc(loginArgs("--callback-timeout", "30"), {
        env: { OIDC_BROWSER: `${process.execPath} ${recorder} --new-window`, BROWSER: "/nonexistent/browser" },
      });
      const until = Date.now() + 15_000;
      while (!existsSync(record) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(record), "the OIDC_BROWSER command never ran").toBe(true);
      let argv: string[] = [];
      for (let i = 0; i < 20 && argv.length === 0; i++) {
        try {
          argv = JSON.parse(readFileSync(record, "utf8"));
        } catch {
          await new Promise((r) => setTimeout(r, 50)); // written but not complete yet
        }
      }
      expect(argv).toHaveLength(2);
      expect(argv[0]).toBe("--new-window");
      expect(argv[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/auth\?/);
      // play the browser: sign in, consent, deliver the callback
      const callback = await browserlessLogin(argv[1] as string);
      expect((await fetch(callback)).status).toBe(200);
      const login = await running;
      expect(login.code, diag(login)).toBe(0);
      expect((await oidc(["userinfo", "--claim", "sub"])).stdout).toBe("alice\n");
    });

    test("--no-browser prints the URL on stderr only (stdout empty); the login completes from that URL", async () => {
      const oidc = cli();
      // a browser variable that would fail if launched: --no-browser must not launch anything
      const run = startCli(oidc.configDir, loginArgs("--no-browser", "--callback-timeout", "30"), {
        env: { OIDC_BROWSER: "/nonexistent/browser" },
      });
      const url = await run.authorizeUrl;
      expect(new URL(url).searchParams.get("code_challenge_method")).toBe("S256");
      const callback = await browserlessLogin(url, { login: "erin" });
      const res = await fetch(callback);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("Signed in");
      const login = await run.done;
      expect(login.code, diag(login)).toBe(0);
      expect(login.stdout).toBe("");
      expect(login.stderr).toContain(url);
      expect(login.stderr).not.toContain("browser command");
      expect((await oidc(["userinfo", "--claim", "sub"])).stdout).toBe("erin\n");
    });

    test("the callback server answers other paths (/favicon.ico, /) with 404 and keeps waiting", async () => {
      const oidc = cli();
      const run = startCli(oidc.configDir, loginArgs("--no-browser", "--callback-timeout", "30"));
      const url = await run.authorizeUrl;
      const port = redirectPort(url);
      for (const path of ["/favicon.ico", "/", "/callback/extra"]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(res.status, path).toBe(404);
        await res.body?.cancel();
      }
      // still waiting: the real callback completes the login
      const res = await fetch(await browserlessLogin(url));
      expect(res.status).toBe(200);
      const login = await run.done;
      expect(login.code, diag(login)).toBe(0);
      expect(login.stderr).not.toContain(WRONG_STATE_WARNING);
    });

    test("the callback server listens on 127.0.0.1 only: ::1 and the machine's other addresses refuse the port", async () => {
      const oidc = cli();
      const run = startCli(oidc.configDir, loginArgs("--no-browser", "--callback-timeout", "30"));
      const url = await run.authorizeUrl;
      const port = redirectPort(url);
      expect(await tryConnect("127.0.0.1", port)).toBe("connected");
      for (const host of ["::1", ...nonLoopbackAddresses()]) {
        expect(await tryConnect(host, port), `connecting to [${host}]:${port}`).not.toBe("connected");
      }
      const res = await fetch(await browserlessLogin(url));
      expect(res.status).toBe(200);
      const login = await run.done;
      expect(login.code, diag(login)).toBe(0);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// better-auth 1.6 dev provider: its own /login and /consent pages
// ---------------------------------------------------------------------------------------------

describeChromium("browser login against better-auth 1.6 (its /login and /consent pages, in headless Chromium)", () => {
  test("sign in on /login and consent on /consent: exit 0, `userinfo --claim email` prints alice@example.com", async () => {
    const oidc = await registered();
    const fb = fakeBrowser(oidc.configDir);
    const r = await betterAuthLogin(oidc, fb.env);
    const browser = await fb.finished();
    expect(r.code, diag(r, browser.log)).toBe(0);
    expect(r.stdout).toBe("");
    expect(browser.code, browser.log).toBe(0);
    expect(browser.log).toMatch(/page ba-login: http:\/\/localhost:\d+\/login\?/);
    expect(browser.log).toContain(`better-auth login: email=${ba.email}`);
    expect(browser.log).toMatch(/page ba-consent: http:\/\/localhost:\d+\/consent\?/);
    expect(browser.log).toContain("better-auth consent: accept");
    const email = await oidc(["userinfo", "--claim", "email"]);
    expect(email.code, diag(email)).toBe(0);
    expect(email.stdout).toBe("alice@example.com\n");
  });
});

// ---------------------------------------------------------------------------------------------
// Both providers: consent denied, a wrong-state request first, no callback at all
// ---------------------------------------------------------------------------------------------

// %s and the name, not $name: vitest quotes and cuts a `$name` at 40 characters
describeChromium.each(targets.map((t) => [t.name, t] as const))("browser login against %s, in headless Chromium", (_name, t) => {
  /** `oidc login` in a fresh store, the fake browser set by `fbEnv`; resolves once the browser is gone. */
  async function loginInBrowser(fbEnv: Record<string, string>) {
    const oidc = await t.store();
    const fb = fakeBrowser(oidc.configDir, fbEnv);
    const login = await t.login(oidc, fb.env);
    return { oidc, login, browser: await fb.finished() };
  }

  test("deny consent: exit 4, stderr names access_denied, no tokens saved", async () => {
    const { oidc, login, browser } = await loginInBrowser({ FAKE_BROWSER_ACTION: "cancel" });
    expect(login.code, diag(login, browser.log)).toBe(4);
    expect(login.stderr).toMatch(/^oidc: .*access_denied/m);
    expect(login.stdout).toBe("");
    expect(browser.log).toContain(t.consentDenied);
    expect(browser.log).toMatch(/callback page loaded: Sign-in failed access_denied/);
    const token = await oidc(["token"]);
    expect(token.code, diag(token)).toBe(5);
  });

  test("a wrong-state request to the callback first is answered 400 and warned about; the real callback still completes the login", async () => {
    const { oidc, login, browser } = await loginInBrowser({ FAKE_BROWSER_WRONG_STATE_FIRST: "1" });
    expect(login.code, diag(login, browser.log)).toBe(0);
    expect(login.stderr).toContain(WRONG_STATE_WARNING);
    expect(browser.log).toMatch(/wrong-state GET \S+ -> 400 /);
    expect(browser.log).toMatch(/callback page loaded: Signed in/);
    const who = await oidc(["userinfo", "--claim", t.claim]);
    expect(who.stdout).toBe(`${t.user}\n`);
  });

  test("no callback: --callback-timeout 5 exits 5 with `no callback arrived within 5s` after ~5 s, and the fake browser exits", async () => {
    const oidc = await t.store();
    const fb = fakeBrowser(oidc.configDir, { FAKE_BROWSER_NO_CALLBACK: "1" });
    const { result: login, ms } = await timed(t.login(oidc, fb.env, "--callback-timeout", "5"));
    expect(login.code, diag(login, readLog(fb.log))).toBe(5);
    expect(login.signal).toBeNull();
    expect(login.stderr).toMatch(/^oidc: login failed: no callback arrived within 5s$/m);
    expect(login.stderr).toContain("--callback-timeout");
    expect(login.stdout).toBe("");
    expect(ms).toBeGreaterThanOrEqual(5000);
    expect(ms).toBeLessThan(15_000);
    const browser = await fb.finished();
    expect(browser.code, browser.log).toBe(0);
    expect(browser.log).toContain("callback blocked (FAKE_BROWSER_NO_CALLBACK)");
    expect(browser.log).toMatch(/chromium closed/);
    expect((await oidc(["token"])).code).toBe(5);
  });
});
