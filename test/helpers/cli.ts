// Runs the built `oidc` binary as a subprocess, the way users and scripts do.
import { spawn } from "node:child_process";
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

export function runOidc(args: string[], configDir: string, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = { ...baseEnv(configDir), ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
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
