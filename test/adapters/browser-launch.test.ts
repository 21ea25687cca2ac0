// Launching the browser command (src/adapters/browser.ts): OIDC_BROWSER over BROWSER, `%s` replaced
// by the URL or the URL appended, no shell between us and the command, and a launcher that cannot
// start or exits non-zero reported through onFailure (an OidcError naming the variable). The
// `open` package fallback is not exercised here. `open` resolves true once the command started,
// false when it could not start.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/adapters/env.js";
import { createBrowser, splitCommand } from "../../src/adapters/browser.js";
import { ExitCode, type OidcError } from "../../src/errors.js";

const URL_ = "https://op.test/authorize?client_id=cli&state=a;b&scope=openid%20email";

const dirs: string[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp dir (with a space in its name) holding a script that writes its arguments to `out`. */
function recorder() {
  const dir = mkdtempSync(join(tmpdir(), "oidc browser "));
  dirs.push(dir);
  const script = join(dir, "record.cjs");
  // Written aside and renamed, so that the test never reads a half-written file.
  writeFileSync(
    script,
    "const fs = require('node:fs'); const [out, ...rest] = process.argv.slice(2);\n" +
      "fs.writeFileSync(out + '.part', JSON.stringify(rest)); fs.renameSync(out + '.part', out);\n",
  );
  const out = join(dir, "argv.json");
  return { dir, out, command: (rest = "") => `"${process.execPath}" "${script}" "${out}"${rest ? ` ${rest}` : ""}` };
}

async function until<T>(check: () => T | undefined, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Open `url` with `env`; what the recorder received, the failures and the trace. */
function launcher(env: Env) {
  const failures: OidcError[] = [];
  const traced: string[] = [];
  const warned: string[] = [];
  const browser = createBrowser({ env, trace: (t) => traced.push(t), warn: (t) => warned.push(t) });
  return {
    browser,
    failures,
    traced,
    warned,
    open: (url = URL_) => browser.open(url, (e) => failures.push(e)),
  };
}

const argvOf = (out: string) => until(() => (existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as string[]) : undefined));
const settle = () => new Promise((r) => setTimeout(r, 200));

describe("configured()", () => {
  it("reports OIDC_BROWSER over BROWSER, then BROWSER, then nothing", () => {
    expect(createBrowser({ env: { OIDC_BROWSER: "a", BROWSER: "b" }, trace: () => {}, warn: () => {} }).configured()).toEqual({
      command: "a",
      source: "OIDC_BROWSER",
    });
    expect(createBrowser({ env: { BROWSER: "b" }, trace: () => {}, warn: () => {} }).configured()).toEqual({
      command: "b",
      source: "BROWSER",
    });
    expect(createBrowser({ env: { OIDC_BROWSER: "", BROWSER: "b" }, trace: () => {}, warn: () => {} }).configured()?.source).toBe(
      "BROWSER",
    );
    expect(createBrowser({ env: {}, trace: () => {}, warn: () => {} }).configured()).toBeUndefined();
  });

  it("reads the env it was given, not process.env", () => {
    vi.stubEnv("OIDC_BROWSER", "from-process-env");
    vi.stubEnv("BROWSER", "from-process-env");
    expect(createBrowser({ env: {}, trace: () => {}, warn: () => {} }).configured()).toBeUndefined();
  });
});

describe("launching the command", () => {
  it("appends the URL as one argument when the command has no %s", async () => {
    const r = recorder();
    const l = launcher({ OIDC_BROWSER: r.command("--new-window") });
    expect(await l.open()).toBe(true);
    expect(await argvOf(r.out)).toEqual(["--new-window", URL_]);
    await settle();
    expect(l.failures).toEqual([]);
    expect(l.traced).toEqual([`launching browser (OIDC_BROWSER): ${process.execPath}`]);
  });

  it("starts the browser without the secrets oidc was given in its environment", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oidc browser env "));
    dirs.push(dir);
    const script = join(dir, "env.cjs");
    const out = join(dir, "env.json");
    writeFileSync(
      script,
      "const fs = require('node:fs'); fs.writeFileSync(process.argv[2] + '.part', JSON.stringify(process.env)); fs.renameSync(process.argv[2] + '.part', process.argv[2]);\n",
    );
    const l = launcher({
      OIDC_BROWSER: `"${process.execPath}" "${script}" "${out}" %s`,
      OIDC_CLIENT_SECRET: "cs-0123456789",
      OIDC_SESSION_TOKEN: "st-0123456789",
      OIDC_INITIAL_ACCESS_TOKEN: "iat-0123456789",
      KEEP: "me",
    });
    expect(await l.open()).toBe(true);
    const env = await until(() => (existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as Record<string, string>) : undefined));
    for (const name of ["OIDC_CLIENT_SECRET", "OIDC_SESSION_TOKEN", "OIDC_INITIAL_ACCESS_TOKEN"]) expect(env).not.toHaveProperty(name);
    expect(env.KEEP).toBe("me");
  });

  it("replaces every %s with the URL and does not append it", async () => {
    const r = recorder();
    const l = launcher({ OIDC_BROWSER: r.command("--url=%s 'also %s'") });
    await l.open();
    expect(await argvOf(r.out)).toEqual([`--url=${URL_}`, `also ${URL_}`]);
  });

  it("uses OIDC_BROWSER when both are set, BROWSER otherwise", async () => {
    const oidc = recorder();
    const plain = recorder();
    await launcher({ OIDC_BROWSER: oidc.command("oidc"), BROWSER: plain.command("browser") }).open();
    expect(await argvOf(oidc.out)).toEqual(["oidc", URL_]);
    await settle();
    expect(existsSync(plain.out)).toBe(false);

    const l = launcher({ BROWSER: plain.command("browser") });
    await l.open();
    expect(await argvOf(plain.out)).toEqual(["browser", URL_]);
    expect(l.traced[0]).toMatch(/^launching browser \(BROWSER\): /);
  });

  it("runs no shell: the URL's ; & and $ reach the command verbatim", async () => {
    const r = recorder();
    const url = "https://op.test/a?x=$(touch pwned)&y=`id`;z='q'";
    await launcher({ OIDC_BROWSER: r.command() }).open(url);
    expect(await argvOf(r.out)).toEqual([url]);
    expect(existsSync(join(process.cwd(), "pwned"))).toBe(false);
  });
});

describe("failures", () => {
  it("reports a command that does not exist through onFailure, exit 2, naming the variable", async () => {
    const l = launcher({ OIDC_BROWSER: "/nonexistent/oidc-no-such-browser --flag" });
    expect(await l.open()).toBe(false);
    const [e] = await until(() => (l.failures.length ? l.failures : undefined));
    expect(e?.exitCode).toBe(ExitCode.usage);
    expect(e?.message).toBe(
      "the browser command from OIDC_BROWSER (/nonexistent/oidc-no-such-browser) failed to start: not found (ENOENT)",
    );
    expect(e?.hint).toBe("fix OIDC_BROWSER, or open the URL yourself");
    await settle();
    expect(l.failures).toHaveLength(1);
  });

  it("names BROWSER when the failing command came from BROWSER", async () => {
    const l = launcher({ BROWSER: "/nonexistent/oidc-no-such-browser" });
    await l.open();
    const [e] = await until(() => (l.failures.length ? l.failures : undefined));
    expect(e?.message).toMatch(/^the browser command from BROWSER \(/);
    expect(e?.hint).toContain("fix BROWSER");
  });

  it("reports a command that is not executable as EACCES", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oidc-browser-"));
    dirs.push(dir);
    const file = join(dir, "not-executable");
    writeFileSync(file, "#!/bin/sh\n");
    chmodSync(file, 0o600);
    const l = launcher({ OIDC_BROWSER: file });
    await l.open();
    const [e] = await until(() => (l.failures.length ? l.failures : undefined));
    expect(e?.exitCode).toBe(ExitCode.usage);
    expect(e?.message).toBe(`the browser command from OIDC_BROWSER (${file}) failed to start: not executable (EACCES)`);
  });

  it("reports a command that exits non-zero: 'exited with status N', exit 2", async () => {
    const l = launcher({ OIDC_BROWSER: `"${process.execPath}" -e "process.exit(3)"` });
    await l.open();
    const [e] = await until(() => (l.failures.length ? l.failures : undefined));
    expect(e?.exitCode).toBe(ExitCode.usage);
    expect(e?.message).toBe(`the browser command from OIDC_BROWSER (${process.execPath}) exited with status 3`);
  });

  it("reports a command killed by a signal", async () => {
    const l = launcher({ OIDC_BROWSER: `"${process.execPath}" -e "process.kill(process.pid, 'SIGKILL')"` });
    await l.open();
    const [e] = await until(() => (l.failures.length ? l.failures : undefined));
    expect(e?.message).toBe(`the browser command from OIDC_BROWSER (${process.execPath}) was killed by SIGKILL`);
  });

  it("does not report a command that exits 0", async () => {
    const r = recorder();
    const l = launcher({ OIDC_BROWSER: r.command() });
    await l.open();
    await argvOf(r.out);
    await settle();
    expect(l.failures).toEqual([]);
    expect(l.warned).toEqual([]);
  });
});

describe("splitCommand", () => {
  it("splits on spaces and tabs, honouring single and double quotes and keeping empty quoted words", () => {
    expect(splitCommand("firefox  --new-tab")).toEqual(["firefox", "--new-tab"]);
    expect(splitCommand(`"/opt/My Browser/bin" 'a b' c"d e"f\t''`)).toEqual(["/opt/My Browser/bin", "a b", "cd ef", ""]);
    expect(splitCommand(`x "it's"`)).toEqual(["x", "it's"]);
  });

  it("launches a script whose path has a space when it is quoted", async () => {
    const r = recorder();
    expect(r.dir).toContain(" ");
    await launcher({ OIDC_BROWSER: r.command() }).open("https://x.test/");
    expect(await argvOf(r.out)).toEqual(["https://x.test/"]);
  });
});
