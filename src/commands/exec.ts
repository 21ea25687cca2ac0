/**
 * `oidc exec -- <command> [args…]`: run a command with valid tokens in its environment
 * (`OIDC_ACCESS_TOKEN`, `OIDC_TOKEN_TYPE`, `OIDC_ID_TOKEN` when there is one), so a script that
 * makes many calls pays for start-up and a possible refresh once. oidc exits with its exit code.
 */
import { childEnv } from "../adapters/redact.js";
import type { Deps } from "../cli/deps.js";
import { ExitCode, usageError } from "../errors.js";
import { ensureFreshTokens } from "../flows/fresh-tokens.js";
import { profileFlag } from "../flows/profile-hints.js";
import { bindIfAsked, type GlobalOptions, providerIo, requireProfile } from "../flows/provider.js";

export interface ExecOptions extends GlobalOptions {
  command: string[];
  minValid: number;
}

export async function run(o: ExecOptions, deps: Deps): Promise<number> {
  const [file, ...args] = o.command;
  const name = deps.store.currentProfileName(o.profile);
  if (!file) throw usageError("missing the command to run", `oidc${profileFlag(name)} exec -- <command> [args…]`);
  await bindIfAsked(deps, o);
  requireProfile(deps, o, ExitCode.loginRequired);
  const { tokens } = await ensureFreshTokens(deps, () => providerIo(deps, o), name, { minValid: o.minValid, clientId: o.clientId });

  // The command gets its tokens, never the client secret or session oidc was given.
  const env: Record<string, string | undefined> = {
    ...childEnv(deps.env),
    OIDC_ACCESS_TOKEN: tokens.access_token,
    OIDC_TOKEN_TYPE: tokens.token_type,
  };
  // Never pass on a stale ID token or expiry from the caller's environment.
  env.OIDC_ID_TOKEN = tokens.id_token;
  env.OIDC_TOKEN_EXPIRES_AT = tokens.expires_at !== undefined ? String(tokens.expires_at) : undefined;
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const result = await deps.runChild(file, args, env);
  if ("failedToStart" in result) deps.term.streams.stderr.write(`oidc: exec ${file}: ${result.failedToStart}\n`);
  return result.code;
}
