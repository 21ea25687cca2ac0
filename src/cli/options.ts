/** From commander's parse to the typed options a command gets: computed once, provenance included, never mutated. */
import type { Command } from "commander";
import { usageError } from "../errors.js";
import type { GlobalOptions } from "../flows/provider.js";

/**
 * A global option's value and where it came from: the nearest command that was given it (a flag
 * after the command beats one before it), else the program's (its variable or default).
 */
function globalValue(cmd: Command, key: string): { value: unknown; source?: string } {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const source = c.getOptionValueSource(key);
    if (source !== undefined && source !== "default") return { value: c.getOptionValue(key), source };
    if (!c.parent) return { value: c.getOptionValue(key), source };
  }
  return { value: undefined };
}

const GLOBAL_KEYS = [
  "profile",
  "issuer",
  "clientId",
  "clientSecretFile",
  "clientSecretStdin",
  "json",
  "verbose",
  "quiet",
  "color",
  "timeout",
  "allowInsecureHttp",
  "caFile",
  "dialect",
] as const;

/** The program's global flags as every command sees them. */
export function globalOptions(cmd: Command): GlobalOptions {
  const o = Object.fromEntries(GLOBAL_KEYS.map((k) => [k, globalValue(cmd, k).value])) as Record<string, unknown>;
  const secs = Number(o.timeout);
  if (!Number.isFinite(secs) || secs <= 0)
    throw usageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(o.timeout)}`);
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    profile: str(o.profile),
    issuer: str(o.issuer),
    issuerFromEnv: globalValue(cmd, "issuer").source === "env",
    clientId: str(o.clientId),
    clientSecretFile: str(o.clientSecretFile),
    clientSecretStdin: o.clientSecretStdin === true,
    json: o.json === true,
    verbose: o.verbose === true,
    quiet: o.quiet === true,
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
