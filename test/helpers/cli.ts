// Runs the built `oidc` binary as a subprocess, the way users and scripts do.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../bin/oidc.js", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

/** A fresh, private profile store for one test. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), "oidc-test-"));
}

/** Environment every CLI run starts from: CI set, no colour, no inherited OIDC_* variables. */
export function baseEnv(configDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("OIDC_") && k !== "BROWSER") env[k] = v;
  return { ...env, CI: "true", NO_COLOR: "1", OIDC_CONFIG_DIR: configDir };
}

/** baseEnv(configDir) with `extra` on top; an undefined value removes the variable. */
function childEnv(configDir: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...baseEnv(configDir), ...extra };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

export function runOidc(args: string[], configDir: string, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(configDir, opts.env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 45_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, signal });
    });
    child.stdin.end(opts.input ?? "");
  });
}

/** A CLI bound to one config dir, with default env. */
export function cli(configDir = tempConfigDir(), defaults: Record<string, string | undefined> = {}) {
  const run = (args: string[], opts: RunOptions = {}) => runOidc(args, configDir, { ...opts, env: { ...defaults, ...opts.env } });
  return Object.assign(run, { configDir });
}

export type Cli = ReturnType<typeof cli>;

/** A failed run for an assertion's message: exit status, stderr, stdout, and a browser log if given. */
export const diag = (r: RunResult, browserLog = "") =>
  `exit ${r.code}${r.signal ? ` (${r.signal})` : ""}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}${
    browserLog ? `\n--- browser ---\n${browserLog}` : ""
  }`;

export interface StartedCli {
  child: ChildProcessWithoutNullStreams;
  /** Settles when the CLI has exited. */
  done: Promise<RunResult>;
  /**
   * The first URL the CLI prints alone on a line of stderr (the authorization URL of a
   * --no-browser login); rejects when the CLI exits before printing one.
   */
  authorizeUrl: Promise<string>;
}

/**
 * Starts the CLI and hands back the URL it prints as soon as it is printed (`runOidc` only
 * resolves at exit), for tests that play the browser themselves or interrupt the wait. stdin is
 * closed at once unless `stdin: "open"` (a redirect URL may then be written to `child.stdin`).
 */
export function startCli(
  configDir: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; stdin?: "closed" | "open"; timeoutMs?: number } = {},
): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(configDir, opts.env), stdio: ["pipe", "pipe", "pipe"] });
  if (opts.stdin !== "open") child.stdin.end();
  let stdout = "";
  let stderr = "";
  let onStderr = () => {};
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    onStderr();
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 45_000);
  const done = new Promise<RunResult>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  const authorizeUrl = new Promise<string>((resolve, reject) => {
    onStderr = () => {
      const m = /^\s+(https?:\/\/\S+)$/m.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    };
    void done.then((r) => reject(new Error(`the CLI exited before printing the URL:\n${diag(r)}`)));
  });
  authorizeUrl.catch(() => {});
  return { child, done, authorizeUrl };
}
