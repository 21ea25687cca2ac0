/**
 * `runCli(argv, deps)`: parse, run the command with the deps, map what escaped to an exit code
 * (the one mapping site), and return it. It never ends the process: src/main.ts does.
 */
import { type Command, CommanderError } from "commander";
import { ExitCode, OidcError } from "../errors.js";
import type { Deps } from "./deps.js";
import { hintFor } from "./hints.js";
import { buildProgram } from "./program.js";

export async function runCli(argv: readonly string[], deps: Deps): Promise<number> {
  const { term } = deps;
  const stderr = (text: string) => term.streams.stderr.write(text);
  deps.onInterrupt(() => stderr("\noidc: interrupted\n"));
  // Before parsing, so that usage errors from the parser honour them too.
  if (argv.includes("--verbose") || argv.includes("-v")) term.configure({ verbose: true });
  if (argv.includes("--no-color")) term.configure({ color: false });
  let code: number = ExitCode.ok;
  /** The -p / OIDC_PROFILE the command was given, for the hints that name a command. */
  let profileOpt: string | undefined;
  const program = buildProgram({
    env: deps.env,
    run: async (load, opts) => {
      term.configure(opts as { verbose?: boolean; color?: boolean });
      profileOpt = (opts as { profile?: string }).profile;
      const run = await load();
      const result = await run(opts, deps);
      if (typeof result === "number") code = result;
    },
  });
  const output = {
    writeOut: (s: string) => term.streams.stdout.write(s),
    writeErr: (s: string) => stderr(s),
    outputError: (s: string, write: (s: string) => void) => write(`${term.style.red("oidc:")} ${s.replace(/^error: /, "")}`),
  };
  const override = (c: Command, path = ""): void => {
    c.exitOverride();
    c.showHelpAfterError(`(run \`oidc${path} --help\` for usage)`);
    c.configureOutput(output);
    for (const sub of c.commands) override(sub, `${path} ${sub.name()}`);
  };
  override(program);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    code = exitCodeOf(e, deps, profileOpt);
  }
  return code;
}

/** The profile a command used (the current one unless named), or undefined when even that fails. */
function profileUsed(deps: Deps, named: string | undefined): string | undefined {
  try {
    return deps.store.currentProfileName(named);
  } catch {
    return undefined;
  }
}

function exitCodeOf(e: unknown, deps: Deps, profile: string | undefined): number {
  const { term } = deps;
  if (e instanceof CommanderError)
    return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help"
      ? ExitCode.ok
      : ExitCode.usage;
  // A failure we explain is one line and a hint, also with --verbose; a stack is for bugs (exit 1).
  if (e instanceof OidcError) {
    term.error(e.message, hintFor(e, profileUsed(deps, profile)));
    return e.exitCode;
  }
  if ((e as Error)?.name === "ExitPromptError") {
    term.streams.stderr.write("\noidc: interrupted\n");
    return ExitCode.interrupted;
  }
  const err = e as Error;
  term.streams.stderr.write(`oidc: unexpected failure: ${term.redact(err?.message ?? String(e))}\n`);
  if (term.verbose && err?.stack) term.streams.stderr.write(`${term.redact(err.stack)}\n`);
  return ExitCode.unexpected;
}
