// `oidc exec -- <command> [args…]`: the command runs with valid tokens in its environment and oidc
// exits with its exit code; without a usable token the command does not run at all.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { now, seedProfile } from "../helpers/store.js";

/** A store whose default profile holds these tokens. */
function seeded(tokens: Record<string, unknown>) {
  const c = cli();
  seedProfile(c.configDir, "default", { issuer: "http://127.0.0.1:9", tokens });
  return c;
}
const valid = (extra: Record<string, unknown> = {}) => ({
  access_token: "at-123",
  token_type: "Bearer",
  expires_at: now() + 3600,
  obtained_at: now(),
  ...extra,
});

describe("oidc exec", () => {
  it("runs the command with OIDC_ACCESS_TOKEN set, passing its arguments (flags included) untouched", async () => {
    const c = seeded(valid());
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    const r = await c(["exec", "--", "sh", "-c", 'echo "$OIDC_ACCESS_TOKEN ${OIDC_ID_TOKEN-none} $*"', "sh", "-p", "x", "--help"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("at-123 none -p x --help\n");
  });

  it("sets OIDC_ID_TOKEN when the profile has one, and never passes on a stale one from the caller", async () => {
    const withId = seeded(valid({ id_token: "idt-456" }));
    expect((await withId(["exec", "--", "sh", "-c", "echo $OIDC_ID_TOKEN"])).stdout).toBe("idt-456\n");
    const without = seeded(valid());
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    const r = await without(["exec", "--", "sh", "-c", 'echo "${OIDC_ID_TOKEN-unset}"'], { env: { OIDC_ID_TOKEN: "stale" } });
    expect(r.stdout).toBe("unset\n");
  });

  it("inherits stdin and exits with the command's exit code", async () => {
    const c = seeded(valid());
    const r = await c(["exec", "--", "sh", "-c", "cat; exit 7"], { input: "piped\n" });
    expect(r.stdout).toBe("piped\n");
    expect(r.code).toBe(7);
  });

  it("a command killed by a signal gives 128+n", async () => {
    const c = seeded(valid());
    const r = await c(["exec", "--", "sh", "-c", "kill -TERM $$"]);
    expect(r.code).toBe(128 + 15);
  });

  it("a command that does not exist gives 127 and says so", async () => {
    const c = seeded(valid());
    const r = await c(["exec", "--", "no-such-command-oidc-test"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/no-such-command-oidc-test: command not found/);
  });

  it("an expired token with no refresh token: exit 5, and the command is not run", async () => {
    const c = seeded(valid({ expires_at: now() - 10 }));
    const marker = join(c.configDir, "ran");
    const r = await c(["exec", "--", "sh", "-c", `touch ${marker}`]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/^oidc: .*expired/m);
    expect(existsSync(marker)).toBe(false);
  });

  it("no command is a usage error (exit 2)", async () => {
    const c = seeded(valid());
    const r = await c(["exec"]);
    expect(r.code).toBe(2);
  });
});
