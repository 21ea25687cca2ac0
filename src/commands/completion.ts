/** `oidc completion <bash|zsh|fish>`: print the shell completion script (the files in completions/). */
import type { Command } from "commander";
import type { Deps } from "../cli/deps.js";
import { completionScript, SHELLS, type Shell } from "../completion/index.js";
import { usageError } from "../errors.js";

export interface CompletionOptions {
  shell: string;
  /** The command tree, from the command's own parents (GitHub CLI's `cmd.Parent()`). */
  root: Command;
  json?: boolean;
}

export async function run(o: CompletionOptions, deps: Deps): Promise<void> {
  if (!SHELLS.includes(o.shell as Shell))
    throw usageError(`unknown shell ${JSON.stringify(o.shell)}`, `choose one of ${SHELLS.join(", ")}: oidc completion bash`);
  if (o.json) throw usageError("a completion script is not JSON: --json does not apply to oidc completion");
  deps.term.write(completionScript(o.root, o.shell as Shell));
}
