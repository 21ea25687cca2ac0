// `oidc login --prompt`: a value the provider's prompt_values_supported leaves out is a usage error
// before any browser opens; without the field (or with the value in it) the login goes on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserStub, session } from "../helpers/deps.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { expectFailure } from "./support.js";

let hp: HostileProvider;
beforeAll(async () => {
  hp = await startHostile();
});
afterAll(() => hp.stop());

describe("oidc login --prompt", () => {
  it("a prompt value the provider does not advertise is refused (exit 2) naming the ones it does; nothing opened", async () => {
    hp.on(DISCOVERY_PATH, json(200, { ...goodDiscovery(hp.url), prompt_values_supported: ["none", "login", "consent"] }));
    const browser = browserStub(undefined, "stub-browser");
    const r = await session()(["--issuer", hp.url, "--client-id", "c-0123", "login", "--prompt", "select_account"], { browser });
    expectFailure(r, 2, /^oidc: --prompt select_account is not among the provider's prompt_values_supported$/, {
      hint: /use one of: none, login, consent/,
      only: false,
    });
    expect(browser.opened).toEqual([]);
  });
});
