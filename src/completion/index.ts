/**
 * Shell completion scripts for bash, zsh and fish, generated from the commander tree (so a new
 * command or flag is picked up by regenerating: `npm run completions`). The scripts are static:
 * completing commands, flags and flag values never starts node. Only profile names are dynamic,
 * read from `<config dir>/profiles/*.json` by the shell itself.
 */
import type { Command } from "commander";
import { bashScript } from "./bash.js";
import { fishScript } from "./fish.js";
import { model, type Shell } from "./model.js";
import { zshScript } from "./zsh.js";

export { SHELLS, type Shell } from "./model.js";

export function completionScript(program: Command, shell: Shell): string {
  const m = model(program);
  return shell === "bash" ? bashScript(m) : shell === "zsh" ? zshScript(m) : fishScript(m);
}
