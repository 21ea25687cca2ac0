// `oidc exec -- <command…>` in-process with a recorded child runner (testDeps({runChild})): the
// environment the command gets (valid tokens in, a caller's stale ones out), its arguments
// untouched, its exit status passed through; no child at all without a usable token. The refresh
// before the run is against the conformance OP.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildResult, ChildRunner } from "../../src/adapters/child.js";
import { session } from "../helpers/deps.js";
import { type ConformanceOp, startConformanceOp } from "../providers/conformance-op.js";
import { expectFailure, expectOk, loggedInSession, nowSeconds, readProfile, storeOf } from "./support.js";

let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op.stop());

interface Call {
  file: string;
  args: string[];
  env: Record<string, string | undefined>;
}

/** A child runner that records what it is asked to run and answers `result`. */
function recorder(result: ChildResult = { code: 0 }) {
  const calls: Call[] = [];
  const runChild: ChildRunner = async (file, args, env) => {
    calls.push({ file, args, env });
    return result;
  };
  return { calls, runChild };
}

/** A session whose default profile holds these tokens (no provider needed while they are valid). */
function seeded(tokens: Partial<NonNullable<ReturnType<typeof readProfile>>["tokens"]> = {}, env: Record<string, string> = {}) {
  const run = session({ env });
  const now = nowSeconds();
  storeOf(run.configDir).writeProfile({
    name: "default",
    issuer: "http://127.0.0.1:9",
    tokens: { access_token: "at-123", token_type: "Bearer", expires_at: now + 3600, obtained_at: now, ...tokens },
  });
  return run;
}

describe("oidc exec", () => {
  it("runs the command with OIDC_ACCESS_TOKEN, OIDC_TOKEN_TYPE, OIDC_TOKEN_EXPIRES_AT and OIDC_ID_TOKEN set", async () => {
    const expiresAt = nowSeconds() + 3600;
    const run = seeded({ id_token: "idt-456", expires_at: expiresAt });
    const child = recorder();
    const r = await run(["exec", "--", "curl", "-s", "https://api.example/"], { runChild: child.runChild });
    expectOk(r);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("");
    expect(child.calls).toHaveLength(1);
    const [call] = child.calls as [Call];
    expect(call.file).toBe("curl");
    expect(call.args).toEqual(["-s", "https://api.example/"]);
    expect(call.env).toMatchObject({
      OIDC_ACCESS_TOKEN: "at-123",
      OIDC_TOKEN_TYPE: "Bearer",
      OIDC_TOKEN_EXPIRES_AT: String(expiresAt),
      OIDC_ID_TOKEN: "idt-456",
    });
  });

  it("passes the caller's environment on, and every value the child gets is a string", async () => {
    const run = seeded({}, { MY_SETTING: "kept", PATH: "/usr/bin" });
    const child = recorder();
    expectOk(await run(["exec", "--", "env"], { runChild: child.runChild }));
    const env = child.calls[0]?.env ?? {};
    expect(env).toMatchObject({ MY_SETTING: "kept", PATH: "/usr/bin" });
    for (const [k, v] of Object.entries(env)) expect(typeof v, k).toBe("string");
  });

  it("removes a stale OIDC_ID_TOKEN and OIDC_TOKEN_EXPIRES_AT of the caller when the profile has none", async () => {
    const run = seeded(
      { expires_at: undefined },
      { OIDC_ID_TOKEN: "stale-idt", OIDC_TOKEN_EXPIRES_AT: "1", OIDC_ACCESS_TOKEN: "stale-at" },
    );
    const child = recorder();
    expectOk(await run(["exec", "--", "sh"], { runChild: child.runChild }));
    const env = child.calls[0]?.env ?? {};
    expect(env).not.toHaveProperty("OIDC_ID_TOKEN");
    expect(env).not.toHaveProperty("OIDC_TOKEN_EXPIRES_AT");
    expect(env.OIDC_ACCESS_TOKEN).toBe("at-123");
  });

  it("never passes on the secrets oidc was given: OIDC_CLIENT_SECRET, OIDC_SESSION_TOKEN, OIDC_INITIAL_ACCESS_TOKEN", async () => {
    const run = seeded(
      {},
      { OIDC_CLIENT_SECRET: "cs-0123456789", OIDC_SESSION_TOKEN: "st-0123456789", OIDC_INITIAL_ACCESS_TOKEN: "iat-0123456789", KEEP: "me" },
    );
    const child = recorder();
    expectOk(await run(["exec", "--", "env"], { runChild: child.runChild }));
    const env = child.calls[0]?.env ?? {};
    for (const name of ["OIDC_CLIENT_SECRET", "OIDC_SESSION_TOKEN", "OIDC_INITIAL_ACCESS_TOKEN"]) expect(env).not.toHaveProperty(name);
    expect(env.KEEP).toBe("me");
    expect(env.OIDC_ACCESS_TOKEN).toBe("at-123");
  });

  it("passes the arguments after -- untouched, flags that oidc also has included", async () => {
    const run = seeded();
    const child = recorder();
    expectOk(await run(["exec", "--", "sh", "-c", "echo $*", "sh", "-p", "x", "--help", "-v", "--json"], { runChild: child.runChild }));
    expect(child.calls[0]?.args).toEqual(["-c", "echo $*", "sh", "-p", "x", "--help", "-v", "--json"]);
  });

  it.each([[0], [7], [128 + 15]])("exits with the command's status (%i)", async (code) => {
    const run = seeded();
    const r = await run(["exec", "--", "sh"], { runChild: recorder({ code }).runChild });
    expect(r.code).toBe(code);
    expect(r.stderr).toBe("");
  });

  it("a command that cannot start exits with the runner's status and one oidc: line naming it", async () => {
    const run = seeded();
    const r = await run(["exec", "--", "no-such-command"], {
      runChild: recorder({ code: 127, failedToStart: "command not found" }).runChild,
    });
    expectFailure(r, 127, /^oidc: exec no-such-command: command not found$/);
  });

  it("refreshes first when the token expires within --min-valid, and the command gets the new token", async () => {
    const run = await loggedInSession(op.issuer);
    const old = readProfile(run.configDir)?.tokens?.access_token;
    const child = recorder();
    expectOk(await run(["exec", "--min-valid", "7200", "--", "sh"], { runChild: child.runChild }));
    const fresh = readProfile(run.configDir)?.tokens;
    expect(fresh?.access_token).not.toBe(old);
    expect(child.calls[0]?.env.OIDC_ACCESS_TOKEN).toBe(fresh?.access_token);
    expect(child.calls[0]?.env.OIDC_ID_TOKEN).toBe(fresh?.id_token);
  });

  it("an expired token with no refresh token exits 5, and the command is not run", async () => {
    const run = seeded({ expires_at: nowSeconds() - 10 });
    const child = recorder();
    const r = await run(["exec", "--", "sh"], { runChild: child.runChild });
    expectFailure(r, 5, /^oidc: the access token of profile default has expired and there is no refresh token$/);
    expect(child.calls).toEqual([]);
  });

  it("with no tokens at all exits 5, and the command is not run", async () => {
    const child = recorder();
    const r = await session()(["exec", "--", "sh"], { runChild: child.runChild });
    expectFailure(r, 5, /^oidc: profile default has no tokens$/);
    expect(child.calls).toEqual([]);
  });

  it("no command is a usage error (exit 2) pointing at exec --help", async () => {
    const child = recorder();
    const r = await seeded()(["exec"], { runChild: child.runChild });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^oidc: missing required argument 'command'$/m);
    expect(r.stderr).toContain("(run `oidc exec --help` for usage)");
    expect(child.calls).toEqual([]);
  });

  it("-p naming a profile that does not exist says so, listing the profiles (exit 5), and runs nothing", async () => {
    const run = await loggedInSession(op.issuer);
    const child = recorder();
    const r = await run(["-p", "typo", "exec", "--", "true"], { runChild: child.runChild });
    expectFailure(r, 5, /^oidc: no profile named typo$/, { hint: /profiles: default/ });
    expect(child.calls).toEqual([]);
  });
});
