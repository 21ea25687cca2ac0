// One test per exit-code class of the CLI contract (the README's exit-code table), each provoking
// it for real.

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, diag, startCli } from "../helpers/cli.js";
import { type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { freePort } from "../helpers/ports.js";
import { now, seedProfile } from "../helpers/store.js";

let op: OidcProviderHandle;
beforeAll(async () => {
  op = await startOidcProvider();
}, 60_000);
afterAll(() => op?.stop());

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe("exit codes", () => {
  it("0: success (a valid cached token is printed)", async () => {
    const c = cli();
    seedProfile(c.configDir, "default", {
      tokens: { access_token: "ok-token", token_type: "Bearer", expires_at: now() + 3600, obtained_at: now() },
    });
    const r = await c(["token"]);
    expect(r.code, diag(r)).toBe(0);
    expect(r.stdout).toBe("ok-token\n");
  });

  it("1: unexpected failure: a corrupt store file, named in the message and left untouched", async () => {
    const c = cli();
    const file = seedProfile(c.configDir, "default", "{ not json");
    const r = await c(["token"]);
    expect(r.code, diag(r)).toBe(1);
    expect(r.stderr).toContain(file);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });

  describe("2: usage", () => {
    it("an unknown flag", async () => {
      const r = await cli()(["token", "--no-such-flag"]);
      expect(r.code, diag(r)).toBe(2);
      expect(r.stderr).toMatch(/^oidc: unknown option '--no-such-flag'/m);
    });

    it("a missing required flag is named", async () => {
      const r = await cli()(["register", "--issuer", op.issuer]);
      expect(r.code, diag(r)).toBe(2);
      expect(r.stderr).toMatch(/^oidc: .*--name/m);
    });

    it("under CI a login that needs a browser fails at once, naming the flag that avoids it", async () => {
      const t0 = Date.now();
      const r = await cli()(["login", "--issuer", op.issuer, "--client-id", "cli-public"], { env: { CI: "true" } });
      expect(r.code, diag(r)).toBe(2);
      expect(r.stderr).toContain("--no-browser");
      expect(Date.now() - t0).toBeLessThan(15_000);
    });
  });

  it("3: network: connection refused", async () => {
    const port = await freePort();
    const r = await cli()(["discover", `http://127.0.0.1:${port}`]);
    expect(r.code, diag(r)).toBe(3);
    expect(r.stderr).toMatch(/^oidc: /m);
  });

  it("4: the provider refused: an OAuth error response is quoted", async () => {
    const r = await cli()([
      "token",
      "--issuer",
      op.issuer,
      "--client-id",
      "cli-public",
      "--code",
      "not-a-real-code",
      "--code-verifier",
      "x".repeat(43),
      "--redirect-uri",
      "http://127.0.0.1:8765/callback",
    ]);
    expect(r.code, diag(r)).toBe(4);
    expect(r.stderr).toContain("invalid_grant");
  });

  it("5: login required: `oidc token` with no tokens", async () => {
    const r = await cli()(["token"]);
    expect(r.code, diag(r)).toBe(5);
    expect(r.stdout).toBe("");
  });

  it("6: validation failed: the discovery document names another issuer", async () => {
    let base = "";
    const server = createServer((req, res) => {
      if (req.url === "/.well-known/openid-configuration") {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            issuer: "http://127.0.0.1:1/evil",
            authorization_endpoint: `${base}/authorize`,
            token_endpoint: `${base}/token`,
            jwks_uri: `${base}/jwks`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
          }),
        );
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    base = await listen(server);
    try {
      const r = await cli()(["discover", base]);
      expect(r.code, diag(r)).toBe(6);
      expect(r.stderr).toMatch(/issuer/);
    } finally {
      server.close();
    }
  });

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
