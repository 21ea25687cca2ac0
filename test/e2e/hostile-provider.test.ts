// A hostile provider (test/providers/hostile.ts) against the built CLI, where only a process of
// its own can tell: a huge body, streamed or with its length declared, is cut at the size cap
// (exit 4, the failure contract) without the process's peak RSS growing past 300 MB. The rest of
// the hostile-provider contract is pinned in-process in test/flows/hostile-provider.test.ts.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN, baseEnv, type RunResult } from "../helpers/cli.js";
import { DISCOVERY_PATH, type HostileProvider, hugeBody, startHostile } from "../providers/hostile.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterEach(() => hp.reset());
afterAll(async () => {
  await hp?.stop();
});

/** The contract for a failure: its exit code, one `oidc:` line (plus a hint), no stack frames. */
function expectCleanFailure(r: RunResult & { ms: number }, code: number, maxMs: number, why?: RegExp): void {
  const ctx = `exit ${r.code} after ${Math.round(r.ms)} ms\nstderr: ${r.stderr}\nstdout: ${r.stdout}`;
  expect(r.code, ctx).toBe(code);
  expect(r.ms, ctx).toBeLessThan(maxMs);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  const oidcLines = lines.filter((l) => l.startsWith("oidc: "));
  expect(oidcLines, ctx).toHaveLength(1);
  expect(
    lines.filter((l) => !l.startsWith("oidc: ") && !l.startsWith("hint: ")),
    ctx,
  ).toEqual([]);
  expect(lines.filter((l) => l.startsWith("hint: ")).length, ctx).toBeLessThanOrEqual(1);
  expect(r.stderr, ctx).not.toMatch(/^\s+at /m);
  expect(r.stdout, ctx).toBe("");
  if (why) expect(oidcLines[0], ctx).toMatch(why);
}

describe("discovery against a hostile provider", () => {
  it("a streamed 256 MB body (chunked, no length) is cut at the size cap: exit 4, peak RSS under 300 MB", async () => {
    hp.on(DISCOVERY_PATH, hugeBody(256 * 1024 * 1024));
    const r = await runMeasured(["discover", hp.url]);
    expectCleanFailure(r, 4, 20_000, /larger than \d+ bytes/);
    console.log(`256 MB chunked body: peak RSS ${(r.peakKb / 1024).toFixed(1)} MB (${r.peakHow}), ${Math.round(r.ms)} ms`);
    expect(r.peakKb).toBeGreaterThan(0);
    expect(r.peakKb).toBeLessThan(300 * 1024);
  });

  it("a 256 MB body with its content-length declared is refused before reading: exit 4, peak RSS under 300 MB", async () => {
    hp.on(DISCOVERY_PATH, hugeBody(256 * 1024 * 1024, { declareLength: true }));
    const r = await runMeasured(["discover", hp.url]);
    expectCleanFailure(r, 4, 20_000, /larger than \d+ bytes/);
    console.log(`256 MB declared body: peak RSS ${(r.peakKb / 1024).toFixed(1)} MB (${r.peakHow}), ${Math.round(r.ms)} ms`);
    expect(r.peakKb).toBeLessThan(300 * 1024);
  });
});

// ---------------------------------------------------------------------------------------------

/** Run the CLI and measure its peak resident set size (GNU time's %M, else /proc VmHWM polling). */
async function runMeasured(args: string[]): Promise<RunResult & { ms: number; peakKb: number; peakHow: string }> {
  const configDir = mkdtempSync(join(tmpdir(), "oidc-test-"));
  const timeOut = join(configDir, "time.out");
  const gnuTime = existsSync("/usr/bin/time");
  const cmd = gnuTime ? "/usr/bin/time" : process.execPath;
  const argv = gnuTime ? ["-f", "%M", "-o", timeOut, process.execPath, BIN, ...args] : [BIN, ...args];
  const t0 = performance.now();
  const child = spawn(cmd, argv, { env: baseEnv(configDir), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let hwm = 0;
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const poll = gnuTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
          if (m) hwm = Math.max(hwm, Number(m[1]));
        } catch {
          /* exited */
        }
      }, 10);
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (c, s) => resolve({ code: c, signal: s })),
  );
  const ms = performance.now() - t0;
  clearTimeout(killer);
  if (poll) clearInterval(poll);
  let peakKb = hwm;
  if (gnuTime) {
    const lines = readFileSync(timeOut, "utf8").trim().split("\n");
    peakKb = Number(lines[lines.length - 1]);
  }
  rmSync(configDir, { recursive: true, force: true });
  return { code, signal, stdout, stderr, ms, peakKb, peakHow: gnuTime ? "GNU time %M" : "/proc VmHWM" };
}
