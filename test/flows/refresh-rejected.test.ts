// A refresh token the provider refuses (invalid_grant): the refusal is remembered with the tokens
// (nothing stored is lost), `oidc status` and `profile list` then show the profile as not
// refreshable, and later calls say so at once instead of asking the provider again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../helpers/deps.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { expectFailure, readProfile, storeOf } from "../commands/support.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterAll(() => hp.stop());

describe("a refused refresh token", () => {
  it("is remembered: status shows not refreshable, the next call exits 5 without asking, the tokens stay", async () => {
    const run = session();
    storeOf(run.configDir).writeProfile({
      name: "default",
      issuer: hp.url,
      source: hp.url,
      discovery_url: `${hp.url}${DISCOVERY_PATH}`,
      dialect: "standard",
      metadata: goodDiscovery(hp.url) as never,
      client: { client_id: "c-0123" },
      tokens: {
        access_token: "at-old-0123456789",
        token_type: "Bearer",
        expires_at: 1,
        refresh_token: "rt-dead-0123456789",
        obtained_at: 1,
      },
    });
    hp.on("/token", json(400, { error: "invalid_grant", error_description: "grant revoked" }));
    const first = await run(["token"]);
    expectFailure(first, 5, /^oidc: refresh is no longer possible for profile default: /);
    const asked = hp.requests.filter((r) => r.path === "/token").length;
    expect(asked).toBe(1);

    const status = await run(["status", "--json"]);
    expect(JSON.parse(status.stdout)[0]).toMatchObject({ name: "default", refreshable: false });
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(/^oidc: the access token of profile default has expired and the provider refused its refresh token$/m);
    expect((await run(["profile", "list", "--json"])).stdout).toContain('"refreshable": false');

    const again = await run(["token"]);
    expectFailure(again, 5, /provider refused its refresh token at \d{4}-/);
    expect(hp.requests.filter((r) => r.path === "/token").length).toBe(asked);
    expect(readProfile(run.configDir)?.tokens).toMatchObject({ refresh_token: "rt-dead-0123456789", access_token: "at-old-0123456789" });
  });
});
