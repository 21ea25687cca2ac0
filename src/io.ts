/**
 * The terminal. stdout carries data only; everything for people goes to stderr. Prompts, spinners
 * and colour only when a person is there: a TTY, and `CI` unset. Heavy modules (ora, prompts, chalk)
 * are imported only on the paths that use them.
 */
import { redact } from "./redact.js";

const env = process.env;
const isCI = () => !!env.CI && env.CI !== "false" && env.CI !== "0";

export const settings = {
  verbose: env.OIDC_DEBUG === "1",
  json: false,
  color: undefined as boolean | undefined,
};

export function interactive(): boolean {
  return !!process.stdin.isTTY && !!process.stderr.isTTY && !isCI();
}

export function colorOn(): boolean {
  if (settings.color !== undefined) return settings.color;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return !!process.stderr.isTTY && !isCI();
}

const paint = (code: number, text: string) => (colorOn() ? `\x1b[${code}m${text}\x1b[0m` : text);
export const style = {
  bold: (t: string) => paint(1, t),
  dim: (t: string) => paint(2, t),
  red: (t: string) => paint(31, t),
  green: (t: string) => paint(32, t),
  yellow: (t: string) => paint(33, t),
  cyan: (t: string) => paint(36, t),
};

/** Data for stdout: a token, JSON, a claim. */
export function out(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
export function outJson(value: unknown): void {
  out(JSON.stringify(value, null, 2));
}

/** For people, on stderr; always redacted. */
export function info(text: string): void {
  process.stderr.write(`${redact(text)}\n`);
}

const warned = new Set<string>();
/** A warning, printed once per key per process. */
export function warn(text: string, key = text): void {
  if (warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`${style.yellow("warning:")} ${redact(text)}\n`);
}

export function trace(text: string): void {
  if (settings.verbose) process.stderr.write(`${style.dim(redact(text))}\n`);
}

export interface Spinner {
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/** A spinner on stderr where a person watches; a plain line otherwise. */
export async function spin(text: string): Promise<Spinner> {
  // A pseudo-terminal that reports no width (as `script` does) would send ora's line arithmetic
  // into an endless loop: print a plain line there too.
  if (!interactive() || !process.stderr.columns) {
    info(text);
    return { succeed: () => {}, fail: () => {}, stop: () => {} };
  }
  const { default: ora } = await import("ora");
  const s = ora({ text, stream: process.stderr, color: "cyan", isEnabled: true, discardStdin: false }).start();
  return {
    succeed: (t) => s.succeed(t),
    fail: (t) => s.fail(t),
    stop: () => s.stop(),
  };
}

export function isCiEnv(): boolean {
  return isCI();
}
