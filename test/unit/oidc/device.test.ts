// src/oidc/device.ts: the device authorization grant (RFC 8628) over a scripted HTTP client and a
// fake clock — no real sleeping. Starting it (the device_code is a secret; the URIs the user opens
// are http(s) only); polling it: authorization_pending waits, slow_down adds 5 s to the interval,
// expired_token and the deadline (the provider's expires_in or the caller's limit, whichever is
// shorter) end as "login required" (exit 5) naming the remedy device-again.
import { describe, expect, it } from "vitest";
import { ExitCode } from "../../../src/errors.js";
import { type DeviceAuthorization, pollDeviceToken, startDeviceAuthorization } from "../../../src/oidc/device.js";
import { fakeIo, json } from "../fake-io.js";
import { oidcErrorAsync } from "../../helpers/errors.js";

const ISS = "https://op.example";
const metadata = {
  issuer: ISS,
  authorization_endpoint: `${ISS}/authorize`,
  token_endpoint: `${ISS}/token`,
  device_authorization_endpoint: `${ISS}/device`,
};
const client = { client_id: "pub" };
const device: DeviceAuthorization = {
  device_code: "dc-123456",
  user_code: "ABCD-EFGH",
  verification_uri: `${ISS}/activate`,
  expires_in: 600,
  interval: 5,
};
const pending = () => json(400, { error: "authorization_pending" });
const slowDown = () => json(400, { error: "slow_down" });
const tokens = () => json(200, { access_token: "AT-device", token_type: "Bearer" });

/** A clock whose sleep only moves time forward (in ms, as Date.now), recording each sleep. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

describe("pollDeviceToken", () => {
  it("authorization_pending keeps polling at the interval until the tokens come", async () => {
    const io = fakeIo(pending(), pending(), tokens());
    const clock = fakeClock();
    const t = await pollDeviceToken(io, metadata, client, device, 900, clock);
    expect(t.access_token).toBe("AT-device");
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(io.requests).toHaveLength(3);
    expect(io.requests[0]?.opts.form).toEqual({
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: "dc-123456",
      client_id: "pub",
    });
    expect(io.secrets).toEqual(["AT-device"]);
  });

  it("slow_down adds 5 s to the interval, for every later poll", async () => {
    const io = fakeIo(slowDown(), pending(), slowDown(), tokens());
    const clock = fakeClock();
    await pollDeviceToken(io, metadata, client, device, 900, clock);
    expect(clock.sleeps).toEqual([5000, 10000, 10000, 15000]);
  });

  it("expired_token ends as login required (exit 5), naming the remedy device-again", async () => {
    const io = fakeIo(pending(), json(400, { error: "expired_token" }));
    const e = await oidcErrorAsync(pollDeviceToken(io, metadata, client, device, 900, fakeClock()));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.loginRequired, "device-again"]);
    expect(e.message).toContain("expired");
    expect(io.requests).toHaveLength(2);
  });

  it("the caller's limit is honoured when shorter than expires_in: no poll after the deadline, exit 5 with device-again", async () => {
    const io = fakeIo(pending(), pending(), pending(), pending());
    const clock = fakeClock();
    const e = await oidcErrorAsync(pollDeviceToken(io, metadata, client, device, 12, clock));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.loginRequired, "device-again"]);
    expect(e.message).toContain("within 12s");
    // polls at 5 s and 10 s; the sleep to 15 s passes the 12 s deadline, and no third poll is made
    expect(clock.sleeps).toEqual([5000, 5000, 5000]);
    expect(io.requests).toHaveLength(2);
  });

  it("the provider's expires_in is honoured when shorter than the caller's limit", async () => {
    const io = fakeIo(pending(), pending(), pending());
    const clock = fakeClock();
    const e = await oidcErrorAsync(pollDeviceToken(io, metadata, client, { ...device, expires_in: 8 }, 900, clock));
    expect(e.message).toContain("within 8s");
    expect(io.requests).toHaveLength(1);
  });

  it("any other OAuth error (access_denied) ends the polling as the provider's refusal (exit 4)", async () => {
    const io = fakeIo(pending(), json(400, { error: "access_denied" }));
    const e = await oidcErrorAsync(pollDeviceToken(io, metadata, client, device, 900, fakeClock()));
    expect([e.exitCode, e.remedy]).toEqual([ExitCode.refused, undefined]);
    expect(e.message).toContain("access_denied");
  });
});

describe("startDeviceAuthorization", () => {
  const answer = { device_code: "dc-987654", user_code: "WXYZ-1234", verification_uri: `${ISS}/activate` };

  it("returns the codes with RFC 8628's defaults, and the device_code goes to the observer as a secret", async () => {
    const io = fakeIo(json(200, answer));
    expect(await startDeviceAuthorization(io, metadata, client, "openid")).toEqual({ ...answer, expires_in: 600, interval: 5 });
    expect(io.requests[0]?.opts.form).toEqual({ scope: "openid", client_id: "pub" });
    expect(io.secrets).toEqual(["dc-987654"]);
  });

  it("a verification URI that is not http(s) is refused (exit 4): it would be opened in the user's browser", async () => {
    const io = fakeIo(json(200, { ...answer, verification_uri_complete: "file:///etc/passwd" }));
    const e = await oidcErrorAsync(startDeviceAuthorization(io, metadata, client, "openid"));
    expect(e.exitCode).toBe(4);
    expect(e.message).toContain("verification_uri_complete");
  });
});
