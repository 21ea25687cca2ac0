// src/oidc/introspection.ts: token introspection (RFC 7662). No endpoint is refused without a
// request; an answer without a boolean `active` is refused; a refusal to a public client names
// the remedy confidential-client-for-introspection (many providers introspect only for those).
import { describe, expect, it } from "vitest";
import { ExitCode, networkError } from "../../../src/errors.js";
import { introspectToken } from "../../../src/oidc/introspection.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcErrorAsync } from "../../helpers/errors.js";

const ISS = "https://op.example";
const metadata = {
  issuer: ISS,
  authorization_endpoint: `${ISS}/a`,
  token_endpoint: `${ISS}/t`,
  introspection_endpoint: `${ISS}/introspect`,
};
const pub = { client_id: "pub" };
const confidential = { client_id: "conf", client_secret: "conf-secret" };

describe("introspectToken", () => {
  it("returns the provider's answer when it has a boolean active", async () => {
    const io = fakeIo(json(200, { active: true, sub: "u1", scope: "openid" }));
    expect(await introspectToken(io.http, metadata, confidential, "AT-1", "access_token")).toEqual({
      active: true,
      sub: "u1",
      scope: "openid",
    });
    expect(io.requests[0]?.url).toBe(`${ISS}/introspect`);
    expect(io.requests[0]?.opts.form).toEqual({ token: "AT-1", token_type_hint: "access_token" });
    expect(await introspectToken(fakeIo(json(200, { active: false })).http, metadata, pub, "AT-1", "access_token")).toEqual({
      active: false,
    });
  });

  it("no introspection_endpoint is refused (exit 4) without a request", async () => {
    const { introspection_endpoint: _i, ...noIntrospection } = metadata;
    const io = fakeIo();
    const e = await oidcErrorAsync(introspectToken(io.http, noIntrospection, confidential, "AT-1", "access_token"));
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toContain("no introspection_endpoint");
    expect(io.requests).toEqual([]);
  });

  it("an answer whose active is not a boolean is refused (exit 4)", async () => {
    for (const body of [{ active: "true" }, { active: 1 }, { sub: "u1" }]) {
      const e = await oidcErrorAsync(introspectToken(fakeIo(json(200, body)).http, metadata, confidential, "AT-1", "access_token"));
      expect(e.exitCode).toBe(ExitCode.refused);
      expect(e.message).toContain("no boolean `active`");
    }
  });

  it("a refusal to a public client carries the remedy confidential-client-for-introspection; to a confidential one, none", async () => {
    const refusal = () => json(401, { error: "invalid_client", error_description: "client authentication required" });
    const forPublic = await oidcErrorAsync(introspectToken(fakeIo(refusal()).http, metadata, pub, "AT-1", "access_token"));
    expect([forPublic.exitCode, forPublic.remedy]).toEqual([ExitCode.refused, "confidential-client-for-introspection"]);
    expect(forPublic.message).toContain('invalid_client ("client authentication required")');
    const forConfidential = await oidcErrorAsync(introspectToken(fakeIo(refusal()).http, metadata, confidential, "AT-1", "access_token"));
    expect([forConfidential.exitCode, forConfidential.remedy]).toEqual([ExitCode.refused, undefined]);
  });

  it("a network failure is not mistaken for a refusal: no remedy", async () => {
    const io = fakeIo(networkError("introspection failed: connection refused"));
    const e = await oidcErrorAsync(introspectToken(io.http, metadata, pub, "AT-1", "access_token"));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.network, undefined]);
  });
});
