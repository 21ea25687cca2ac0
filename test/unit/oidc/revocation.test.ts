// src/oidc/revocation.ts: revoking a token (RFC 7009) never fails the caller: it reports an
// outcome — revoked on 200; not revoked, with the status, on any other answer; not revoked, with
// the error, when the request fails; not revoked, without a request, when there is no endpoint.
import { describe, expect, it } from "vitest";
import { revokeToken, tokenForm } from "../../../src/oidc/revocation.js";
import { fakeIo, json, response } from "../fake-io.js";

const ISS = "https://op.example";
const metadata = { issuer: ISS, authorization_endpoint: `${ISS}/a`, token_endpoint: `${ISS}/t`, revocation_endpoint: `${ISS}/revoke` };
const client = { client_id: "pub" };

describe("revokeToken", () => {
  it("200: revoked; the token, its type hint and the client's authentication are posted to the revocation endpoint", async () => {
    const io = fakeIo(response(200, ""));
    expect(await revokeToken(io.http, metadata, client, "RT-123456", "refresh_token")).toEqual({ revoked: true });
    expect(io.requests).toHaveLength(1);
    expect(io.requests[0]?.url).toBe(`${ISS}/revoke`);
    expect(io.requests[0]?.opts.form).toEqual({ token: "RT-123456", token_type_hint: "refresh_token", client_id: "pub" });
  });

  it("400: not revoked, with the status", async () => {
    const io = fakeIo(json(400, { error: "unsupported_token_type" }));
    expect(await revokeToken(io.http, metadata, client, "AT-1", "access_token")).toEqual({ revoked: false, status: 400 });
  });

  it("a network error: not revoked, with the error's message (nothing thrown)", async () => {
    const io = fakeIo(new Error("connect ECONNREFUSED 127.0.0.1:443"));
    expect(await revokeToken(io.http, metadata, client, "AT-1", "access_token")).toEqual({
      revoked: false,
      error: "connect ECONNREFUSED 127.0.0.1:443",
    });
  });

  it("no revocation_endpoint: not revoked, and no request is made", async () => {
    const { revocation_endpoint: _r, ...noRevoke } = metadata;
    const io = fakeIo();
    expect(await revokeToken(io.http, noRevoke, client, "AT-1", "access_token")).toEqual({ revoked: false });
    expect(io.requests).toEqual([]);
  });

  it("tokenForm: a confidential client authenticates by its method (basic: in the header, not the form)", () => {
    const basic = tokenForm({ client_id: "c", client_secret: "s3cret" }, "AT", "access_token");
    expect(basic.form).toEqual({ token: "AT", token_type_hint: "access_token" });
    expect(basic.headers.authorization).toMatch(/^Basic /);
    const post = tokenForm(
      { client_id: "c", client_secret: "s3cret", token_endpoint_auth_method: "client_secret_post" },
      "AT",
      "access_token",
    );
    expect(post).toEqual({ form: { token: "AT", token_type_hint: "access_token", client_id: "c", client_secret: "s3cret" }, headers: {} });
  });
});
