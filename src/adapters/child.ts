/**
 * Running a child with the terminal handed over (`oidc exec`): it inherits stdin, stdout and
 * stderr; signals a terminal sends to the whole foreground group are left to it, signals sent to
 * oidc alone are passed on; the result is its exit status (a signal n gives 128+n, as shells do).
 */

/** Signals a terminal sends to the whole foreground process group: the child gets them itself. */
const FROM_TERMINAL = ["SIGINT", "SIGQUIT"] as const;
/** Signals sent to oidc alone (kill, a closing terminal, a supervisor): passed on to the child. */
const FORWARDED = ["SIGTERM", "SIGHUP"] as const;

export type ChildRunner = (file: string, args: string[], env: Record<string, string | undefined>) => Promise<ChildResult>;
export type ChildResult = { code: number } | { code: number; failedToStart: string };

export const runChild: ChildRunner = async (file, args, env) => {
  const [{ spawn }, { constants }] = await Promise.all([import("node:child_process"), import("node:os")]);
  // From here on oidc only waits for the child: the CLI's own SIGINT handler (exit 130) must not
  // end oidc before the child has decided what to do with the signal.
  for (const s of FROM_TERMINAL) {
    process.removeAllListeners(s);
    process.on(s, () => {});
  }
  const child = spawn(file, args, { stdio: "inherit", env: env as NodeJS.ProcessEnv });
  for (const s of FORWARDED) process.on(s, () => child.kill(s));
  return new Promise<ChildResult>((resolve) => {
    child.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
      resolve({ code: e.code === "ENOENT" ? 127 : 126, failedToStart: why });
    });
    child.once("exit", (status, signal) => {
      resolve({ code: signal ? 128 + (constants.signals[signal] ?? 0) : (status ?? 1) });
    });
  });
};
