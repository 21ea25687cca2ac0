// Shell completions: the committed files in completions/ are exactly what `oidc completion <shell>`
// prints (so they cannot drift from the command tree), and bash (and zsh and fish where installed)
// really complete commands, flags, flag values and profile names from them.
//
// zsh and fish are found on PATH, or through ZSH_BIN / FISH_BIN. Without them only their
// behavioural checks are skipped (reported as skipped); the file checks always run.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cli, tempConfigDir } from "../helpers/cli.js";
import { seedProfile } from "../helpers/store.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FILES = { bash: "completions/oidc.bash", zsh: "completions/_oidc", fish: "completions/oidc.fish" } as const;

function which(cmd: string, override?: string): string | undefined {
  if (override) return override;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  return undefined;
}
const BASH = which("bash");
const ZSH = which("zsh", process.env.ZSH_BIN);
const FISH = which("fish", process.env.FISH_BIN);

/** A store with two profiles, for the dynamic part. */
function storeWithProfiles(): string {
  const dir = tempConfigDir();
  for (const name of ["default", "prod"]) seedProfile(dir, name, {});
  return dir;
}

describe("completion scripts", () => {
  for (const [shell, file] of Object.entries(FILES)) {
    it(`${file} is what \`oidc completion ${shell}\` prints`, async () => {
      const r = await cli()(["completion", shell]);
      expect(r.code, r.stderr).toBe(0);
      const committed = existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), "utf8") : "";
      expect(
        committed === r.stdout,
        `${file} is out of date with the command tree: regenerate with \`npm run completions\` (or: node bin/oidc.js completion ${shell} > ${file})`,
      ).toBe(true);
    });
  }

  it("an unknown shell is a usage error (exit 2) naming the choices", async () => {
    const r = await cli()(["completion", "tcsh"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/bash, zsh, fish/);
  });
});

describe.skipIf(!BASH)("bash completes", () => {
  const configDir = storeWithProfiles();
  /** COMPREPLY for the words, the last one being completed. */
  const complete = (...words: string[]): string[] => {
    const script = `source ${JSON.stringify(join(ROOT, FILES.bash))}
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}
_oidc
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync(BASH as string, ["--norc", "--noprofile", "-c", script, "bash", ...words], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: "/nonexistent", OIDC_CONFIG_DIR: configDir },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.split("\n").filter(Boolean);
  };

  it("commands and aliases: `oidc lo` → login (alias of authorize), logout", () => {
    expect(complete("oidc", "lo")).toEqual(expect.arrayContaining(["login", "logout"]));
  });
  it("long flags: `oidc token --out` → --output", () => {
    expect(complete("oidc", "token", "--out")).toEqual(["--output"]);
  });
  it("global flags after a command: `oidc token --prof` → --profile", () => {
    expect(complete("oidc", "token", "--prof")).toEqual(["--profile"]);
  });
  it("choice values: `oidc token --output ` → token json header env", () => {
    expect(complete("oidc", "token", "--output", "").sort()).toEqual(["env", "header", "json", "token"]);
    expect(complete("oidc", "token", "-o", "j")).toEqual(["json"]);
    // bash splits `--output=j` at the '='
    expect(complete("oidc", "token", "--output", "=", "j")).toEqual(["json"]);
    expect(complete("oidc", "authorize", "--consent", "").sort()).toEqual(["accept", "deny"]);
    expect(complete("oidc", "register", "--auth-method", "").sort()).toEqual(["client_secret_basic", "client_secret_post", "none"]);
    expect(complete("oidc", "--dialect", "")).toContain("better-auth-1.6");
  });
  it("nested commands: `oidc profile ` → list show use remove", () => {
    expect(complete("oidc", "profile", "")).toEqual(expect.arrayContaining(["list", "show", "use", "remove"]));
  });
  it("profile names from the store: `oidc profile use p` → prod, `oidc -p ` → default prod", () => {
    expect(complete("oidc", "profile", "use", "p")).toEqual(["prod"]);
    expect(complete("oidc", "-p", "").sort()).toEqual(["default", "prod"]);
    expect(complete("oidc", "--profile", "d")).toEqual(["default"]);
  });
  it("a flag's value is not taken for a command: `oidc -p prod to` → token", () => {
    expect(complete("oidc", "-p", "prod", "to")).toEqual(["token"]);
  });
  it("completion shells and help topics", () => {
    expect(complete("oidc", "completion", "").sort()).toEqual(["bash", "fish", "zsh"]);
    expect(complete("oidc", "help", "tok")).toEqual(["token"]);
  });
});

describe.skipIf(!ZSH)("zsh completes (compsys functions stubbed to record what they are given)", () => {
  const configDir = storeWithProfiles();
  const complete = (...words: string[]): string => {
    const script = `
compdef() { }
compadd() {
  local -a out; local x take=
  for x in "$@"; do
    if [[ -n $take ]]; then out+=("\${(@P)x}"); take=; continue; fi
    if [[ $x == -a ]]; then take=1; continue; fi
    [[ $x == -* ]] || out+=("$x")
  done
  print -r -- "\${out[*]}"
}
_wanted() { shift 3; "$@"; }
_describe() { local -a d; d=("\${(@P)\${@[-1]}}"); print -r -- "\${(j: :)\${d[@]%%:*}}"; }
_files() { print -r -- "(files)"; }
_message() { }
_command_names() { print -r -- "(commands)"; }
_normal() { print -r -- "(normal \${words[*]})"; }
compset() { }
source ${JSON.stringify(join(ROOT, FILES.zsh))}
words=("$@"); CURRENT=$#words
_oidc`;
    const r = spawnSync(ZSH as string, ["-f", "-c", script, "zsh", ...words], {
      encoding: "utf8",
      env: { PATH: process.env.PATH, HOME: "/nonexistent", OIDC_CONFIG_DIR: configDir },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it("commands, flags, choice values, profiles", () => {
    expect(complete("oidc", "lo").split(" ")).toEqual(expect.arrayContaining(["login", "logout"]));
    expect(complete("oidc", "token", "--out").split(" ")).toContain("--output");
    expect(complete("oidc", "token", "--output", "")).toBe("token json header env");
    expect(complete("oidc", "profile", "show", "")).toBe("default prod");
    expect(complete("oidc", "exec", "--", "")).toBe("(commands)");
    expect(complete("oidc", "exec", "--", "ls", "-")).toBe("(normal ls -)");
  });
});

describe.skipIf(!FISH)("fish completes", () => {
  const configDir = storeWithProfiles();
  const complete = (line: string): string[] => {
    const r = spawnSync(FISH as string, ["--no-config", "-c", `source ${FILES.fish}; complete -C ${JSON.stringify(line)}`], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, HOME: "/nonexistent", OIDC_CONFIG_DIR: configDir },
    });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0] as string);
  };

  it("commands, flags, choice values, profiles", () => {
    expect(complete("oidc lo")).toEqual(expect.arrayContaining(["login", "logout"]));
    expect(complete("oidc token --out")).toEqual(["--output"]);
    expect(complete("oidc token --output ").sort()).toEqual(["env", "header", "json", "token"]);
    expect(complete("oidc token --output=j")).toEqual(["--output=json"]);
    expect(complete("oidc profile use ")).toEqual(["default", "prod"]);
    expect(complete("oidc -p ")).toEqual(["default", "prod"]);
  });
});
