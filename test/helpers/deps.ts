// Test deps for in-process runs of the CLI (`runCli(argv, deps)`): buffers for stdout and stderr,
// a given stdin (TTY or not), a temp-dir store, a browser stub that records the URLs it is asked
// to open (and, if told, follows the provider's redirect to the loopback callback), a clock that
// moves only when told or slept on, and a recorded child runner for `exec`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Browser } from "../../src/adapters/browser.js";
import type { ChildRunner } from "../../src/adapters/child.js";
import type { Clock } from "../../src/adapters/clock.js";
import { ProfileStore } from "../../src/adapters/store.js";
import { Terminal } from "../../src/adapters/terminal.js";
import { type Deps, lazyHttp, redactorFor } from "../../src/cli/deps.js";
import { runCli } from "../../src/cli/run.js";
import type { OidcError } from "../../src/errors.js";

export interface BrowserStub extends Browser {
  readonly opened: string[];
}

/** A browser that records URLs; `visit` decides what happens to each (default: nothing). */
export function browserStub(visit?: (url: string) => Promise<void>, command?: string): BrowserStub {
  const opened: string[] = [];
  return {
    opened,
    configured: () => (command ? { command, source: "OIDC_BROWSER" } : undefined),
    async open(url: string, onFailure: (e: OidcError) => void) {
      opened.push(url);
      if (visit) visit(url).catch((e) => onFailure(e as OidcError));
      return true;
    },
  };
}

/**
 * A browser that follows redirects without rendering anything, as a provider that signs the user
 * in at once would send it: to the loopback callback, where the login ends.
 */
export const followingBrowser = () =>
  browserStub(async (start) => {
    let url = start;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(url, { redirect: "manual" });
      await res.arrayBuffer().catch(() => {});
      const next = res.headers.get("location");
      if (!next) return;
      url = new URL(next, url).toString();
    }
  }, "follow-redirects");

export function fakeClock(startMs = Date.now()): Clock & { advance(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface TestDepsOptions {
  env?: Record<string, string | undefined>;
  /** The store's directory (default: a fresh temp dir). */
  configDir?: string;
  stdin?: string;
  /** Pretend a person is at a terminal (stdin and stderr TTYs). */
  tty?: boolean;
  browser?: BrowserStub;
  clock?: Clock;
  /** An undici dispatcher (MockAgent) instead of real connections. */
  dispatcher?: Dispatcher;
  /** What `exec` runs instead of a real child. */
  runChild?: ChildRunner;
}

export interface TestDeps extends Deps {
  stdout(): string;
  stderr(): string;
  configDir: string;
  browser: BrowserStub;
}

export const tempConfigDir = () => mkdtempSync(join(tmpdir(), "oidc-inproc-"));

export function testDeps(o: TestDepsOptions = {}): TestDeps {
  const configDir = o.configDir ?? tempConfigDir();
  const env: Record<string, string | undefined> = { CI: "true", NO_COLOR: "1", ...o.env, OIDC_CONFIG_DIR: configDir };
  let out = "";
  let err = "";
  const stdout = Object.assign(new PassThrough(), { isTTY: o.tty ?? false });
  const stderr = Object.assign(new PassThrough(), { isTTY: o.tty ?? false, columns: o.tty ? 80 : undefined });
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const stdin = Object.assign(Readable.from(o.stdin === undefined ? [] : [o.stdin]), { isTTY: o.tty ?? false });
  const term = new Terminal({ stdout, stderr, stdin }, env, redactorFor(env));
  return {
    term,
    env,
    store: new ProfileStore({ dir: configDir, profileFromEnv: env.OIDC_PROFILE, onSecret: (v) => term.secret(v), tempTag: "test" }),
    browser: o.browser ?? browserStub(),
    clock: o.clock ?? fakeClock(),
    http: lazyHttp(term, env, o.dispatcher),
    runChild: o.runChild ?? (async () => ({ code: 0 })),
    onInterrupt: () => {},
    stdout: () => out,
    stderr: () => err,
    configDir,
  };
}

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  deps: TestDeps;
}

/** Run `oidc <argv>` in this process with fresh test deps (a run is a process: pass `configDir` to share a store). */
export async function oidc(argv: string[], o: TestDepsOptions = {}): Promise<InProcessResult> {
  const deps = testDeps(o);
  const code = await runCli(argv, deps);
  return { code, stdout: deps.stdout(), stderr: deps.stderr(), deps };
}

/** A store shared by several runs, with default options for each. */
export function session(defaults: TestDepsOptions = {}) {
  const configDir = defaults.configDir ?? tempConfigDir();
  const run = (argv: string[], o: TestDepsOptions = {}) => oidc(argv, { ...defaults, ...o, configDir, env: { ...defaults.env, ...o.env } });
  return Object.assign(run, { configDir });
}
