/**
 * The dependencies object: the outside world, built once per process (GitHub CLI's Factory,
 * kubelogin's NewCmdForHeadless). Commands and flows get everything through it; tests build one
 * from buffers, a temp store, a browser stub and a fake clock (test/helpers/deps.ts).
 */
import { homedir } from "node:os";
import type { Browser } from "../adapters/browser.js";
import { createBrowser } from "../adapters/browser.js";
import { type ChildRunner, runChild } from "../adapters/child.js";
import { type Clock, systemClock } from "../adapters/clock.js";
import type { Env } from "../adapters/env.js";
import type { HttpSettings } from "../adapters/http-settings.js";
import { Redactor, SECRET_ENV } from "../adapters/redact.js";
import { configDir, ProfileStore } from "../adapters/store.js";
import { Terminal } from "../adapters/terminal.js";
import type { HttpClient } from "../oidc/ports.js";

export interface Deps {
  /** stdout/stderr/stdin, TTY, CI, colour, --json, warn-once, spinner, prompts, redaction. */
  term: Terminal;
  env: Env;
  /** Profiles, in the directory fixed when the deps were built. */
  store: ProfileStore;
  browser: Browser;
  clock: Clock;
  /** The HTTP client for these settings, created (and undici loaded) on first use. */
  http(settings: HttpSettings): Promise<HttpClient>;
  /** `oidc exec`'s child. */
  runChild: ChildRunner;
  /** Ends the run at once with this code (Ctrl-C), where the process allows it. */
  onInterrupt(handler: () => void): void;
}

/** An HTTP client factory that builds one client, on first use. */
export function lazyHttp(term: Terminal, env: Env, dispatcher?: import("undici").Dispatcher): Deps["http"] {
  let client: Promise<HttpClient> | undefined;
  return (settings) => {
    client ??= import("../adapters/http.js").then(({ createHttpClient }) =>
      createHttpClient({
        settings,
        env,
        trace: (t) => term.trace(t),
        tracing: () => term.verbose,
        redact: (t) => term.redact(t),
        dispatcher,
      }),
    );
    return client;
  };
}

/** Secrets the process is given through its environment are known from the start. */
export function redactorFor(env: Env): Redactor {
  const redactor = new Redactor();
  for (const name of SECRET_ENV) redactor.register(env[name]);
  return redactor;
}

export function systemDeps(): Deps {
  // A copy: what the process was given, fixed for the run (an adapter may scrub process.env for a child).
  const env: Env = { ...process.env };
  const term = new Terminal({ stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }, env, redactorFor(env));
  return {
    term,
    env,
    store: new ProfileStore({
      dir: configDir(env, process.platform, homedir()),
      profileFromEnv: env.OIDC_PROFILE,
      onSecret: (v) => term.secret(v),
      tempTag: String(process.pid),
    }),
    browser: createBrowser({ env, trace: (t) => term.trace(t), warn: (t) => term.warn(t) }),
    clock: systemClock,
    http: lazyHttp(term, env),
    runChild,
    onInterrupt: (handler) =>
      process.on("SIGINT", () => {
        handler();
        process.exit(130);
      }),
  };
}
