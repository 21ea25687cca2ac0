// `oidc token` is answered by two paths: src/main.ts alone when a cached token may be served, and
// the full CLI otherwise (OIDC_DEBUG=1 forces it). They share the flag declarations and the
// serving rule; here the same argv goes through both and must print the same bytes and exit code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProfileStore } from "../../src/adapters/store.js";
import { runOidc, tempConfigDir } from "../helpers/cli.js";

const dir = tempConfigDir();
const farFuture = Math.floor(Date.now() / 1000) + 86_400;
const base = {
  issuer: "https://op.example",
  metadata: { issuer: "https://op.example", authorization_endpoint: "https://op.example/a", token_endpoint: "https://op.example/t" },
  client: { client_id: "cli-app" },
};

beforeAll(() => {
  const store = new ProfileStore({ dir });
  // No expiry: the JSON's expires_in is null, so both runs print identical bytes whenever they run.
  store.writeProfile({
    name: "default",
    ...base,
    tokens: { access_token: "at-default-0123456789", token_type: "Bearer", id_token: "h.p.s", scope: "openid", obtained_at: 1 },
  });
  store.writeProfile({
    name: "work",
    ...base,
    tokens: { access_token: "at-work-0123456789", token_type: "DPoP", expires_at: farFuture, obtained_at: 1 },
  });
});
afterAll(() => {});

const ARGVS: string[][] = [
  [],
  ["-o", "json"],
  ["--output=header"],
  ["-o", "env"],
  ["--json"],
  ["--json", "-o", "header"],
  ["--id-token"],
  ["--id-token", "-o", "header"],
  ["--min-valid", "30"],
  ["--min-valid=0", "-o", "json"],
  ["-p", "work"],
  ["--profile=work", "-o", "header"],
  ["-p", "work", "-o", "env"],
  ["-p", "work", "--id-token"],
  ["-p", "work", "--min-valid", "999999"],
  ["-o", "yaml"],
  ["--min-valid", "-1"],
];

describe("oidc token: the fast path and the full CLI print the same", () => {
  it.each(ARGVS.map((a) => [a.join(" ") || "(no flags)", a]))("%s", async (_name, argv) => {
    const fast = await runOidc(["token", ...(argv as string[])], dir);
    const full = await runOidc(["token", ...(argv as string[])], dir, { env: { OIDC_DEBUG: "1" } });
    expect(fast.stdout).toBe(full.stdout);
    expect(fast.code).toBe(full.code);
  });
});
