// A client secret given without putting it on the command line: from a file
// (--client-secret-file) or from stdin (--client-secret-stdin); it is never echoed, not even when
// the provider refuses it. Client credentials against panva oidc-provider's confidential clients.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { cli } from "../helpers/cli.js";
import { type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";

describe("oidc-provider: client secrets from a file or stdin", () => {
  let op: OidcProviderHandle;
  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterAll(() => op?.stop());

  const cc = ["token", "--client-credentials", "--scope", "api:read"];

  test("--client-secret-file supplies the secret; it is never printed", async () => {
    const oidc = cli();
    const file = join(oidc.configDir, "secret.txt");
    writeFileSync(file, "cli-confidential-secret\n", { mode: 0o600 });
    const res = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential", "--client-secret-file", file, ...cc]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim().length).toBeGreaterThan(20);
  });

  test("--client-secret-stdin supplies the secret; a wrong one is refused (exit 4) without echoing it", async () => {
    const oidc = cli();
    const ok = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential", "--client-secret-stdin", ...cc], {
      input: "cli-confidential-secret\n",
    });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await oidc(["--issuer", op.issuer, "--client-id", "cli-confidential-post", "--client-secret-stdin", ...cc], {
      input: "wrong-secret-value-42\n",
    });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain("invalid_client");
    expect(bad.stdout + bad.stderr).not.toContain("wrong-secret-value-42");
  });
});
