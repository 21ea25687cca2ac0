// src/oidc/userinfo.ts: the userinfo request (the token in the Authorization header, Bearer spelled
// as RFC 6750 does) and the checks on its answer (OIDC Core §5.3.2): a non-200 is the provider's
// refusal, quoted; a signed (application/jwt) answer is refused for now; the claims must carry a
// sub, and the ID token's sub when one is known, else the answer is about another user (exit 6).
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { processUserinfoResponse, userinfoRequest } from "../../../src/oidc/userinfo.js";
import { fakeIo, json, response } from "../fake-io.js";
import { oidcError, oidcErrorAsync } from "../../helpers/errors.js";

const ISS = "https://op.example";
const metadata = { issuer: ISS, authorization_endpoint: `${ISS}/a`, token_endpoint: `${ISS}/t`, userinfo_endpoint: `${ISS}/userinfo` };

describe("processUserinfoResponse", () => {
  it("returns the claims when sub is the ID token's (or no sub is known yet)", () => {
    const res = json(200, { sub: "u1", email: "a@example.com" });
    expect(processUserinfoResponse(res, { sub: "u1" })).toEqual({ sub: "u1", email: "a@example.com" });
    expect(processUserinfoResponse(res, {})).toEqual({ sub: "u1", email: "a@example.com" });
  });

  it("a sub other than the ID token's is refused as validation (exit 6, check userinfo.sub)", () => {
    const e = oidcError(() => processUserinfoResponse(json(200, { sub: "someone-else" }), { sub: "u1" }));
    expect([e.exitCode, e.check]).toEqual([ExitCode.validation, "userinfo.sub"]);
    expect(e.message).toContain("another user");
  });

  it("claims without a (string) sub are refused (exit 6, check userinfo.sub), whether or not a sub is expected", () => {
    for (const body of [{ email: "a@example.com" }, { sub: 42 }]) {
      for (const expected of [{ sub: "u1" }, {}]) {
        const e = oidcError(() => processUserinfoResponse(json(200, body), expected));
        expect([e.exitCode, e.check]).toEqual([6, "userinfo.sub"]);
        expect(e.message).toContain("no sub");
      }
    }
  });

  it("a signed userinfo answer (application/jwt) is refused (exit 4) as a signed answer, not as a malformed one", () => {
    for (const type of ["application/jwt", "application/jwt; charset=utf-8"]) {
      const e = oidcError(() => processUserinfoResponse(response(200, "eyJ.eyJ.sig", { "content-type": type }), { sub: "u1" }));
      expect(e.exitCode).toBe(ExitCode.refused);
      expect(e.message).toContain("signed userinfo responses (application/jwt) are not supported");
    }
  });

  it("a non-200 answer is the provider's refusal (exit 4), quoting its status and OAuth error", () => {
    const e = oidcError(() =>
      processUserinfoResponse(json(401, { error: "invalid_token", error_description: "the token expired" }), { sub: "u1" }),
    );
    expect(e.exitCode).toBe(ExitCode.refused);
    expect(e.message).toBe('userinfo failed: the provider answered 401: invalid_token ("the token expired")');
    const html = oidcError(() => processUserinfoResponse(response(500, "<html>oops</html>", { "content-type": "text/html" }), {}));
    expect(html.message).toContain("answered 500: an HTML page");
  });
});

describe("userinfoRequest", () => {
  it("sends the access token with its scheme (bearer → Bearer, others as given) to the userinfo endpoint", async () => {
    const io = fakeIo(json(200, { sub: "u1" }));
    await userinfoRequest(io.http, metadata, { access_token: "AT-1", token_type: "bearer" });
    expect(io.requests[0]?.url).toBe(`${ISS}/userinfo`);
    expect(io.requests[0]?.opts.headers).toEqual({ authorization: "Bearer AT-1" });
    const other = fakeIo(json(200, { sub: "u1" }));
    await userinfoRequest(other.http, metadata, { access_token: "AT-2", token_type: "DPoP" });
    expect(other.requests[0]?.opts.headers).toEqual({ authorization: "DPoP AT-2" });
  });

  it("no userinfo_endpoint is refused (exit 4) without a request", async () => {
    const { userinfo_endpoint: _u, ...noUserinfo } = metadata;
    const io = fakeIo();
    const e = await oidcErrorAsync(() => userinfoRequest(io.http, noUserinfo, { access_token: "AT", token_type: "Bearer" }));
    expect(e.exitCode).toBe(4);
    expect(io.requests).toEqual([]);
  });
});
