// Race-safe refresh: 20 `oidc token` processes started together with an expired access token, one
// profile, against panva oidc-provider with the public client cli-public, whose refresh tokens
// rotate on every use and whose grant is revoked when a used refresh token comes back. Exactly one
// process may refresh (under the profile lock); the others must see its result. If two refreshed
// with the same refresh token the provider would revoke the grant and `oidc token --refresh`
// afterwards would fail.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.js";
import { cli, diag, type RunResult, startCli } from "../helpers/cli.js";
import { browserlessLogin, type OidcProviderHandle, panvaLoginArgs, startOidcProvider } from "../helpers/oidc-provider.js";
import { readProfile } from "../helpers/store.js";

const AT_TTL = 4;
let op: OidcProviderHandle;
beforeAll(async () => {
  op = await startOidcProvider({ atTtl: AT_TTL, clockTolerance: 0 });
}, 60_000);
afterAll(() => op?.stop());

/** `oidc login --no-browser`, completed by driving the provider's pages and calling the loopback callback. */
async function login(configDir: string): Promise<RunResult> {
  const run = startCli(configDir, panvaLoginArgs(op, "--port", String(await freePort()), "--no-browser", "--callback-timeout", "30"));
  const callback = await browserlessLogin(await run.authorizeUrl);
  const res = await fetch(callback);
  await res.body?.cancel();
  return run.done;
}

describe("refresh under contention", () => {
  it("20 parallel `oidc token` with an expired token: all exit 0 with the same new token; the grant survives", async () => {
    const oidc = cli();
    const l = await login(oidc.configDir);
    expect(l.code, diag(l)).toBe(0);
    const before = readProfile(oidc.configDir).tokens;
    expect(before.refresh_token, "login gave no refresh token").toBeTruthy();

    // Let the access token expire (--min-valid 0: expired means expired, not "expires within 60 s").
    const waitMs = (before.expires_at - Math.floor(Date.now() / 1000) + 1) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, waitMs)));

    const runs = await Promise.all(Array.from({ length: 20 }, () => oidc(["token", "--min-valid", "0"])));
    for (const r of runs) expect(r.code, diag(r)).toBe(0);
    const tokens = new Set(runs.map((r) => r.stdout));
    expect(tokens.size, `different tokens printed: ${[...tokens].join(" | ")}`).toBe(1);
    const printed = runs[0]?.stdout.trim();
    expect(printed).not.toBe(before.access_token);

    const after = readProfile(oidc.configDir).tokens;
    expect(after.access_token).toBe(printed);
    expect(after.refresh_token).not.toBe(before.refresh_token);

    // One refresh happened: the rotated refresh token still works, so the grant was not revoked.
    const forced = await oidc(["token", "--refresh"]);
    expect(forced.code, `${diag(forced)}\n--- provider ---\n${op.stderr()}`).toBe(0);
    expect(forced.stdout.trim()).not.toBe(printed);
    expect(op.stderr()).not.toMatch(/refresh token.*(reuse|already used)|grant.*revoked/i);
  }, 90_000);
});
