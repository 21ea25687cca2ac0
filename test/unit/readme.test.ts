// The README documents the CLI: every command, subcommand and option that `oidc --help` shows.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { describe, expect, test } from "vitest";
import { buildProgram } from "../../src/cli/program.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

function walk(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) => [{ path: [...path, c.name()], cmd: c }, ...walk(c, [...path, c.name()])]);
}

describe("README and --help agree", () => {
  const program = buildProgram();
  test.each(walk(program).map(({ path }) => [path.join(" ")]))("the README documents `oidc %s`", (name) => {
    const [head, sub] = name.split(" ");
    expect(readme).toContain(`oidc ${head}`);
    if (sub) expect(readme).toMatch(new RegExp(`oidc ${head} [^\\n]*${sub}`));
  });
  test("the README documents every option", () => {
    const missing: string[] = [];
    for (const { cmd } of [{ cmd: program }, ...walk(program)])
      for (const o of cmd.options)
        if (o.long && o.long !== "--version" && !readme.includes(o.long)) missing.push(`${cmd.name()} ${o.long}`);
    expect(missing).toEqual([]);
  });
});
