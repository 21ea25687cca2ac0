// Everyday use with several profiles and providers: an exported OIDC_ISSUER, typos, pipes, and a
// re-registration that would throw a login away. Against purpose-built providers (test/providers/hostile.ts).
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { BIN, baseEnv, cli } from "../helpers/cli.js";
import { now, readProfile, seedProfile, standardProfile } from "../helpers/store.js";
import { type HostileProvider, json, startHostile } from "../providers/hostile.js";

let a: HostileProvider;
let b: HostileProvider;
beforeAll(async () => {
  [a, b] = await Promise.all([startHostile(), startHostile()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

/** Write a logged-in profile bound to `op` into the store of `c`. */
function seed(c: ReturnType<typeof cli>, name: string, op: HostileProvider) {
  seedProfile(
    c.configDir,
    name,
    standardProfile(
      op.url,
      { client_id: `client-of-${name}`, client_secret: "s-0123456789" },
      { access_token: `at-of-${name}`, token_type: "Bearer", expires_at: now() + 3600, sub: "u1", obtained_at: now() },
    ),
  );
}

describe("an exported OIDC_ISSUER", () => {
  test("does not re-bind or break a profile bound to another provider", async () => {
    const c = cli();
    seed(c, "other", b);
    const env = { OIDC_ISSUER: a.url };
    const token = await c(["-p", "other", "token"], { env });
    expect(token.code, token.stderr).toBe(0);
    expect(token.stdout).toBe("at-of-other\n");
    b.on("/userinfo", json(200, { sub: "u1", email: "u1@b.example" }));
    const info = await c(["-p", "other", "userinfo", "--claim", "email"], { env });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toBe("u1@b.example\n");
    expect(a.requests).toEqual([]);
  });

  test("--issuer on the command line still refuses to move a logged-in profile (exit 2, naming it)", async () => {
    const c = cli();
    seed(c, "other", b);
    const res = await c(["-p", "other", "userinfo", "--issuer", a.url]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("oidc profile remove other");
  });
});

describe("typos and pipes", () => {
  test("profile use of a profile that does not exist is refused, listing the ones that do", async () => {
    const c = cli();
    seed(c, "work", b);
    const res = await c(["profile", "use", "wrok"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("no profile named wrok");
    expect(res.stderr).toContain("profiles: work");
  });

  test("profile list tells a valid token from an expired one", async () => {
    const c = cli();
    seed(c, "fresh", b);
    seed(c, "stale", b);
    const stale = readProfile(c.configDir, "stale");
    stale.tokens.expires_at = now() - 10;
    seedProfile(c.configDir, "stale", stale);
    const res = await c(["profile", "list"]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/fresh\t.*logged in, token valid \d+m/);
    expect(res.stdout).toMatch(/stale\t.*token expired \(log in again\)/);
  });

  test("decode - with nothing on stdin is a usage error, not the profile's own token", async () => {
    const c = cli();
    seed(c, "default", b);
    const res = await c(["decode", "-"], { input: "" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("no JWT on stdin");
  });

  test("a reader that closes the pipe early (| head -c1) ends oidc quietly with status 0", () => {
    const c = cli();
    for (let i = 0; i < 40; i++) seed(c, `p${i}`, b);
    const r = spawnSync(
      "bash",
      ["-c", `set -o pipefail; "${process.execPath}" "${BIN}" profile list | head -c1 >/dev/null; echo "status=$?"`],
      {
        env: baseEnv(c.configDir),
        encoding: "utf8",
      },
    );
    expect(r.stdout.trim()).toBe("status=0");
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });

  test("a host without a scheme gets a 'did you mean' hint (exit 2)", async () => {
    const res = await cli()(["discover", "localhost:3000"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/^hint: did you mean http:\/\/localhost:3000\?/m);
  });

  test("a missing argument points at the subcommand's own help", async () => {
    const res = await cli()(["profile", "remove"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("run `oidc profile remove --help`");
  });
});

describe("registering into a logged-in profile", () => {
  test("is refused without --force, and --force replaces the client and forgets the tokens", async () => {
    b.on("/register", json(201, { client_id: "fresh-client", redirect_uris: ["http://127.0.0.1:8765/callback"] }));
    const c = cli();
    seed(c, "default", b);
    const refused = await c(["register", "--name", "again"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--force");
    expect(readProfile(c.configDir).tokens.access_token).toBe("at-of-default");
    const forced = await c(["register", "--name", "again", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    const stored = readProfile(c.configDir);
    expect(stored.client.client_id).toBe("fresh-client");
    expect(stored.tokens).toBeUndefined();
  });
});
