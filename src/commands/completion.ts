/** `oidc completion <bash|zsh|fish>`: print the shell completion script (the files in completions/). */
import { completionScript, SHELLS, type Shell } from "../completion.js";
import { usageError } from "../errors.js";

export async function run([shell]: unknown[], _opts: unknown): Promise<void> {
  if (!SHELLS.includes(shell as Shell))
    throw usageError(`unknown shell ${JSON.stringify(shell)}`, `choose one of ${SHELLS.join(", ")}: oidc completion bash`);
  // Imported here, not at the top: a static import would make esbuild split cli.ts into a chunk of
  // its own behind a re-export stub, one more module for every `oidc --help` to load.
  const { buildProgram } = await import("../cli.js");
  process.stdout.write(completionScript(buildProgram(), shell as Shell));
}
