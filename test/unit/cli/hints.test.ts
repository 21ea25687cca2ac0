// src/cli/hints.ts: the protocol core names a remedy (OidcError.remedy), the CLI says it in its own
// words, naming flags; a hint the failure already carries wins over the remedy's words.
import { describe, expect, it } from "vitest";
import { hintFor } from "../../../src/cli/hints.js";
import { ExitCode, OidcError } from "../../../src/errors.js";
import { TokenEndpointError } from "../../../src/oidc/token.js";

describe("remedies and hints", () => {
  it("a remedy becomes the CLI's hint, naming its flags", () => {
    expect(hintFor(new OidcError(ExitCode.usage, "x", { remedy: "client-secret" }))).toContain("OIDC_CLIENT_SECRET");
    expect(hintFor(new OidcError(ExitCode.usage, "x", { remedy: "allow-insecure-http" }))).toContain("--allow-insecure-http");
    expect(hintFor(new OidcError(ExitCode.loginRequired, "x", { remedy: "device-again" }))).toContain("oidc login --device");
    expect(hintFor(new OidcError(ExitCode.refused, "x"))).toBeUndefined();
  });

  it("a hint the failure already carries wins over its remedy's words", () => {
    const e = new OidcError(ExitCode.refused, "x", { hint: "try again later", remedy: "fresh-session" });
    expect(hintFor(e)).toBe("try again later");
    expect(hintFor(new OidcError(ExitCode.refused, "x", { remedy: "fresh-session" }))).toContain("sign in again");
  });

  it("invalid_client from the token endpoint: the hint is to register a new client or name the right one", () => {
    const e = new TokenEndpointError(
      { status: 401, headers: {}, text: '{"error":"invalid_client"}', url: "https://op/t" },
      "token refresh",
    );
    expect(hintFor(e)).toMatch(/register a new one \(oidc register --name <app> --force\)/);
    const other = new TokenEndpointError(
      { status: 400, headers: {}, text: '{"error":"invalid_grant"}', url: "https://op/t" },
      "token refresh",
    );
    expect(hintFor(other)).toBeUndefined();
  });

  it("a remedy's words that name a command keep the profile: oidc -p NAME …, for any profile but default", () => {
    const device = new OidcError(ExitCode.loginRequired, "x", { remedy: "device-again" });
    expect(hintFor(device, "work")).toBe("run `oidc -p work login --device` again");
    expect(hintFor(device, "default")).toBe("run `oidc login --device` again");
    const introspect = new OidcError(ExitCode.refused, "x", { remedy: "confidential-client-for-introspection" });
    expect(hintFor(introspect, "ci")).toContain("oidc -p ci register --auth-method client_secret_basic");
  });

  it("the login and registration remedies keep the profile too", () => {
    for (const remedy of [
      "session-for-login-registration",
      "token-for-login-registration",
      "redirect-uri-not-registered",
      "unknown-client",
    ] as const)
      expect(hintFor(new OidcError(ExitCode.refused, "x", { remedy }), "work"), remedy).toContain("oidc -p work register");
  });
});
