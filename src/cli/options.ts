/** From commander's parse to the typed options a command gets: computed once, provenance included, never mutated. */
import type { Command } from "commander";
import { usageError } from "../errors.js";
import type { GlobalOptions } from "../flows/provider.js";

/** The program's global flags as every command sees them. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as Record<string, unknown>;
  const secs = Number(o.timeout);
  if (!Number.isFinite(secs) || secs <= 0)
    throw usageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(o.timeout)}`);
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    profile: str(o.profile),
    issuer: str(o.issuer),
    issuerFromEnv: cmd.getOptionValueSourceWithGlobals("issuer") === "env",
    clientId: str(o.clientId),
    clientSecretFile: str(o.clientSecretFile),
    clientSecretStdin: o.clientSecretStdin === true,
    json: o.json === true,
    verbose: o.verbose === true,
    color: o.color !== false,
    timeoutMs: secs * 1000,
    allowInsecureHttp: o.allowInsecureHttp === true,
    caFile: str(o.caFile),
    dialect: str(o.dialect),
  };
}

/** The command's own flags (not the globals), as commander parsed them. */
export const ownOptions = (cmd: Command) => cmd.opts() as Record<string, unknown>;

/** Where a command's own option came from: the flag, the variable, a default. */
export const fromEnv = (cmd: Command, key: string) => cmd.getOptionValueSource(key) === "env";
