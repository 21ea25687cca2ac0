// `oidc completion <bash|zsh|fish>` in-process: the script printed is byte for byte the committed
// file in completions/ (so neither can drift from the command tree), and it names every command.
// (Whether the shells really complete from it is test/integration/completion.test.ts.)
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/program.js";
import { oidc } from "../helpers/deps.js";
import { expectFailure, expectOk, expectUsageError } from "./support.js";

const committed = (file: string) => readFileSync(fileURLToPath(new URL(`../../completions/${file}`, import.meta.url)), "utf8");
const FILES = { bash: "oidc.bash", zsh: "_oidc", fish: "oidc.fish" } as const;

describe("oidc completion", () => {
  it.each(Object.entries(FILES))("%s prints exactly completions/%s, and nothing on stderr", async (shell, file) => {
    const r = await oidc(["completion", shell]);
    expectOk(r);
    expect(r.stderr).toBe("");
    expect(
      r.stdout === committed(file),
      `completions/${file} differs from \`oidc completion ${shell}\`: regenerate with \`npm run completions\``,
    ).toBe(true);
  });

  it("the bash script names every command and alias of the tree", async () => {
    const r = await oidc(["completion", "bash"]);
    const names = buildProgram().commands.flatMap((c) => [c.name(), ...c.aliases()]);
    expect(names).toEqual(expect.arrayContaining(["discover", "authorize", "login", "token", "profile", "completion", "doctor"]));
    for (const name of names) expect(r.stdout, name).toContain(name);
  });

  it("the output does not depend on the store or the environment (no profile names baked in)", async () => {
    const plain = await oidc(["completion", "bash"]);
    const other = await oidc(["-p", "prod", "completion", "bash"], { env: { OIDC_ISSUER: "https://op.example", CI: undefined } });
    expect(other.stdout).toBe(plain.stdout);
  });

  it("an unknown shell is a usage error (exit 2) naming the choices", async () => {
    const r = await oidc(["completion", "tcsh"]);
    expectUsageError(
      r,
      /^oidc: command-argument value 'tcsh' is invalid for argument 'shell'\. Allowed choices are bash, zsh, fish\.$/,
      "completion",
    );
  });

  it("no shell is a usage error (exit 2)", async () => {
    expectUsageError(await oidc(["completion"]), /^oidc: missing required argument 'shell'$/, "completion");
  });

  it("--json is a usage error (exit 2): a completion script is not JSON, and nothing is printed", async () => {
    const r = await oidc(["completion", "bash", "--json"]);
    expectFailure(r, 2, /^oidc: a completion script is not JSON: --json does not apply to oidc completion$/);
  });
});
