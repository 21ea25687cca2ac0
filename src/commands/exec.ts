/**
 * `oidc exec -- <command> [args…]`: run a command with valid tokens in its environment
 * (`OIDC_ACCESS_TOKEN`, `OIDC_TOKEN_TYPE`, `OIDC_ID_TOKEN` when there is one), so a script that
 * makes many calls pays for start-up and a possible refresh once. The command inherits stdin,
 * stdout and stderr; oidc exits with its exit code (a signal n gives 128+n, as shells do).
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { GlobalOptions } from "../context.js";
import { usageError } from "../errors.js";
import { currentProfileName } from "../store.js";
import { ensureFreshTokens } from "../tokens.js";

interface Opts extends GlobalOptions {
  minValid: number;
}

/** Signals a terminal sends to the whole foreground process group: the child gets them itself. */
const FROM_TERMINAL = ["SIGINT", "SIGQUIT"] as const;
/** Signals sent to oidc alone (kill, a closing terminal, a supervisor): passed on to the child. */
const FORWARDED = ["SIGTERM", "SIGHUP"] as const;

export async function run([command]: unknown[], o: Opts): Promise<void> {
  const argv = (command as string[] | undefined) ?? [];
  const [file, ...args] = argv;
  if (!file) throw usageError("missing the command to run", "oidc exec -- <command> [args…]");
  if (o.issuer && !o.issuerFromEnv) {
    const { loadContext } = await import("../context.js");
    await loadContext(o, { save: true });
  }
  const name = currentProfileName(o.profile);
  const profile = await ensureFreshTokens(name, o.minValid ?? 60, false, o.clientId);
  const { tokens } = profile;

  const env: NodeJS.ProcessEnv = { ...process.env, OIDC_ACCESS_TOKEN: tokens.access_token, OIDC_TOKEN_TYPE: tokens.token_type };
  if (tokens.id_token) env.OIDC_ID_TOKEN = tokens.id_token;
  else delete env.OIDC_ID_TOKEN; // never pass on a stale one from the caller's environment
  if (tokens.expires_at !== undefined) env.OIDC_TOKEN_EXPIRES_AT = String(tokens.expires_at);
  else delete env.OIDC_TOKEN_EXPIRES_AT;

  // From here on oidc only waits for the child: the CLI's own SIGINT handler (exit 130) must not
  // end oidc before the child has decided what to do with the signal.
  for (const s of FROM_TERMINAL) {
    process.removeAllListeners(s);
    process.on(s, () => {});
  }
  const child = spawn(file, args, { stdio: "inherit", env });
  for (const s of FORWARDED) process.on(s, () => child.kill(s));

  const code = await new Promise<number>((resolve) => {
    child.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
      process.stderr.write(`oidc: exec ${file}: ${why}\n`);
      resolve(e.code === "ENOENT" ? 127 : 126);
    });
    child.once("exit", (status, signal) => {
      resolve(signal ? 128 + (constants.signals[signal] ?? 0) : (status ?? 1));
    });
  });
  process.exit(code);
}
