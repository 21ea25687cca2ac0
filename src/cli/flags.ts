/**
 * Flags declared once for both entry points: the `oidc token` fast path (src/main.ts, which parses
 * them without commander) and the command tree (src/cli/program.ts). Plain data and parsers, no imports.
 */

export interface FlagSpec {
  /** commander's syntax: "-o, --output <format>" or "--refresh". */
  flags: string;
  description: string;
  choices?: readonly string[];
  default?: string | number;
  /** Turns the value into what the command gets; throws an Error whose message names the flag's rule. */
  parse?: (value: string) => unknown;
  /** Also read from this variable (commander's `.env()`). */
  env?: string;
}

export const TOKEN_OUTPUTS = ["token", "json", "header", "env"] as const;
export type TokenOutput = (typeof TOKEN_OUTPUTS)[number];

export const wholeNumber =
  (name: string, max = Number.MAX_SAFE_INTEGER) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, 0 or more`);
    if (n > max) throw new Error(`${name} must be at most ${max}`);
    return n;
  };

export const PROFILE_FLAG: FlagSpec = {
  flags: "-p, --profile <name>",
  description: "profile in the local store (default: the current one, else 'default')",
  env: "OIDC_PROFILE",
};
export const JSON_FLAG: FlagSpec = { flags: "--json", description: "machine-readable output on stdout" };

export const MIN_VALID_FLAG = (what: string): FlagSpec => ({
  flags: "--min-valid <seconds>",
  description: `${what} when the token expires within this many seconds`,
  parse: wholeNumber("--min-valid"),
  default: 60,
});

/** The flags of `oidc token` that the fast path answers; any other flag sends the call to the full CLI. */
export const TOKEN_FAST_FLAGS = {
  idToken: { flags: "--id-token", description: "print the ID token instead" },
  output: { flags: "-o, --output <format>", description: "output format", choices: TOKEN_OUTPUTS, default: "token" },
  minValid: MIN_VALID_FLAG("refresh"),
} satisfies Record<string, FlagSpec>;

/** The names a spec answers to: ["-o", "--output"]; and whether it takes a value. */
export function flagNames(spec: FlagSpec): { names: string[]; takesValue: boolean } {
  const [names = "", value] = spec.flags.split(/ (?=<)/);
  return { names: names.split(/,\s*/), takesValue: value !== undefined };
}

/**
 * Parse argv against specs, as commander would for these flags (`--flag value`, `--flag=value`,
 * `-f value`). Undefined when an argument is not one of them or a value is bad: the caller then
 * leaves the call to the full CLI, which reports it properly.
 */
export function parseKnownFlags(args: readonly string[], specs: Record<string, FlagSpec>): Record<string, unknown> | undefined {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) if (spec.default !== undefined) values[key] = spec.default;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const entry = Object.entries(specs).find(([, s]) => flagNames(s).names.includes(name));
    if (!entry) return undefined;
    const [key, spec] = entry;
    if (!flagNames(spec).takesValue) {
      if (eq > 0) return undefined;
      values[key] = true;
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) return undefined;
    if (spec.choices && !spec.choices.includes(value)) return undefined;
    try {
      values[key] = spec.parse ? spec.parse(value) : value;
    } catch {
      return undefined;
    }
  }
  return values;
}
