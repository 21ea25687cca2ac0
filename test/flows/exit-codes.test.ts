// In-process: one test per exit-code class of the CLI contract (the README's exit-code table),
// each provoking it for real against a real HTTP server (the in-process conformance OP, a closed
// port, a lying discovery server). Every failure keeps the output contract: nothing on stdout, one
// `oidc:` line, at most a hint, no stack. What needs the process itself (SIGINT → 130) stays
// spawned in test/e2e/exit-codes.test.ts.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oidc, session } from "../helpers/deps.js";
import { freePort } from "../helpers/ports.js";
import { now, seedProfile } from "../helpers/store.js";
import { type ConformanceOp, PUBLIC_CLIENT, startConformanceOp } from "../providers/conformance-op.js";
import { diag, expectFailure, expectUsageError } from "../commands/support.js";

let op: ConformanceOp;
beforeAll(async () => {
  op = await startConformanceOp();
});
afterAll(() => op?.stop());

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe("exit codes", () => {
  it("0: success (a valid cached token is printed)", async () => {
    const run = session();
    seedProfile(run.configDir, "default", {
      tokens: { access_token: "ok-token", token_type: "Bearer", expires_at: now() + 3600, obtained_at: now() },
    });
    const r = await run(["token"]);
    expect(r.code, diag(r)).toBe(0);
    expect(r.stdout).toBe("ok-token\n");
  });

  it("1: unexpected failure: a corrupt store file, named in the message and left untouched", async () => {
    const run = session();
    const file = seedProfile(run.configDir, "default", "{ not json");
    const r = await run(["token"]);
    // expectFailure: no stack trace without --verbose
    const line = expectFailure(r, 1);
    expect(line).toContain(file);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });

  describe("2: usage", () => {
    it("an unknown flag", async () => {
      expectUsageError(await oidc(["token", "--no-such-flag"]), /^oidc: unknown option '--no-such-flag'/, "token");
    });

    it("a missing required flag is named", async () => {
      expectUsageError(await oidc(["register", "--issuer", op.issuer]), /^oidc: .*--name/, "register");
    });

    it("under CI a login that needs a browser fails at once, naming the flag that avoids it", async () => {
      const t0 = Date.now();
      const r = await oidc(["login", "--issuer", op.issuer, "--client-id", PUBLIC_CLIENT], { env: { CI: "true" } });
      expectFailure(r, 2, /browser/);
      expect(r.stderr).toContain("--no-browser");
      expect(Date.now() - t0).toBeLessThan(15_000);
    });
  });

  it("3: network: connection refused", async () => {
    const port = await freePort();
    const r = await oidc(["discover", `http://127.0.0.1:${port}`]);
    expectFailure(r, 3, /^oidc: /);
  });

  it("4: the provider refused: an OAuth error response is quoted", async () => {
    const r = await oidc([
      "token",
      "--issuer",
      op.issuer,
      "--client-id",
      PUBLIC_CLIENT,
      "--code",
      "not-a-real-code",
      "--code-verifier",
      "x".repeat(43),
      "--redirect-uri",
      "http://127.0.0.1:8765/callback",
    ]);
    expectFailure(r, 4, /invalid_grant/);
  });

  it("5: login required: `oidc token` with no tokens", async () => {
    expectFailure(await oidc(["token"]), 5);
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
      expectFailure(await oidc(["discover", base]), 6, /issuer/);
    } finally {
      server.close();
    }
  });
});
