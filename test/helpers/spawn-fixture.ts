// Starts a test provider script (test/providers/*.mjs) as a child process and waits for the one
// line it prints on stdout when it is ready: `READY {json}`. Shared by every provider helper.

import { type ChildProcess, spawn } from "node:child_process";

export interface SpawnedFixture {
  /** The JSON object of the READY line. */
  info: any;
  pid: number;
  /** What the fixture has written to stderr so far (the tail, at most ~64 KiB). */
  stderr(): string;
  /** SIGTERM, wait for the exit, SIGKILL after 5 s. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface SpawnFixtureOptions {
  /** How long to wait for READY (default 30 s). */
  timeoutMs?: number;
}

const STDERR_LIMIT = 64 * 1024;
const running = new Set<ChildProcess>();

// Whatever a test forgot to stop dies with the test process. (The fixtures also exit on their own
// when the IPC channel to this process closes, which covers a parent killed without an 'exit'.)
process.on("exit", () => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Spawns `node scriptPath` with `env` on top of this process's environment (PORT defaults to 0,
 * i.e. a free port), resolves once the `READY {json}` line arrives. Rejects with the stderr tail
 * when the script exits or stays silent for `timeoutMs`.
 */
export function spawnFixture(
  scriptPath: string,
  env: Record<string, string | undefined> = {},
  options: SpawnFixtureOptions = {},
): Promise<SpawnedFixture> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [scriptPath], {
    // NODE_ENV=test (set by vitest) or TEST=1 would make better-auth skip its Origin/CSRF check;
    // the fixtures must behave like a real deployment, so neither is passed on.
    env: { ...process.env, NODE_ENV: "development", TEST: undefined, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  running.add(child);

  let stderrText = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderrText += chunk;
    if (stderrText.length > STDERR_LIMIT) stderrText = stderrText.slice(-STDERR_LIMIT);
  });

  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  exited.then(() => running.delete(child));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      } catch {
        return;
      }
      const killTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5_000);
      await exited;
      clearTimeout(killTimer);
    })();
    return stopping;
  };

  return new Promise<SpawnedFixture>((resolve, reject) => {
    let stdoutText = "";
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      const tail = stderrText.trim().split("\n").slice(-40).join("\n");
      reject(new Error(`fixture ${scriptPath} ${why}\n--- stderr (tail) ---\n${tail}\n--- stdout ---\n${stdoutText}`));
    };
    const timer = setTimeout(() => fail(`sent no READY line within ${timeoutMs} ms`), timeoutMs);

    child.once("error", (err) => fail(`could not be started: ${err.message}`));
    child.once("exit", (code, signal) => fail(`exited before READY (code ${code}, signal ${signal})`));

    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      if (settled) return;
      stdoutText += chunk;
      const line = stdoutText.split("\n").find((l) => l.startsWith("READY "));
      if (line === undefined || !stdoutText.includes("\n", stdoutText.indexOf(line))) return;
      let info: any;
      try {
        info = JSON.parse(line.slice("READY ".length));
      } catch (err) {
        fail(`printed an unparsable READY line: ${(err as Error).message}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      // A fixture a test forgets to stop must not keep the test process alive.
      child.unref();
      child.channel?.unref();
      (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
      (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
      resolve({ info, pid: child.pid as number, stderr: () => stderrText, stop });
    });
  });
}
