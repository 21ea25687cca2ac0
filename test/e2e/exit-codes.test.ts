// The exit-code class that needs the process itself: SIGINT to the built CLI ends it with 130.
// The other classes of the README's exit-code table are pinned in-process in
// test/flows/exit-codes.test.ts.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, startCli } from "../helpers/cli.js";
import { type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";

let op: OidcProviderHandle;
beforeAll(async () => {
  op = await startOidcProvider();
}, 60_000);
afterAll(() => op?.stop());

describe("exit codes", () => {
  it("130: interrupted: SIGINT to a login waiting for its callback", async () => {
    const c = cli();
    const port = String(await freePort()); // not 8765, which other files' logins may hold
    const args = ["login", "--issuer", op.issuer, "--client-id", "cli-public", "--port", port, "--no-browser", "--callback-timeout", "60"];
    // stdin stays open: with --no-browser a pasted redirect URL may still arrive there
    const run = startCli(c.configDir, args, { stdin: "open", timeoutMs: 30_000 });
    await run.authorizeUrl;
    run.child.kill("SIGINT");
    const r = await run.done;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
  });
});
