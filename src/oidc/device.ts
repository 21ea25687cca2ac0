/** The device authorization grant (RFC 8628): start it, then poll the token endpoint. */
import { ExitCode, OidcError, refusedError } from "../errors.js";
import type { Client } from "./client.js";
import { checkTransport, type ProviderMetadata } from "./discovery.js";
import type { ProviderIo } from "./ports.js";
import { parseJsonObject, providerRefused } from "./response.js";
import { clientAuthentication, parseTokenResponse, TokenEndpointError, type TokenResponse } from "./token.js";

export const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  /** Seconds between polls; RFC 8628 §3.2 defaults it to 5. */
  interval: number;
}

const notCompleted = (message: string) => new OidcError(ExitCode.loginRequired, message, { remedy: "device-again" });

export async function startDeviceAuthorization(
  io: ProviderIo,
  metadata: ProviderMetadata,
  client: Client,
  scope: string,
  allowInsecureHttp = false,
): Promise<DeviceAuthorization> {
  const endpoint = metadata.device_authorization_endpoint;
  if (!endpoint) throw refusedError("device login failed: the provider advertises no device_authorization_endpoint");
  const auth = clientAuthentication(client);
  const res = await io.http.request(endpoint, { form: { scope, ...auth.form }, headers: auth.headers, what: "device authorization" });
  if (res.status !== 200) throw providerRefused(res, "device authorization");
  const body = parseJsonObject(res, "device authorization");
  for (const key of ["device_code", "user_code", "verification_uri"] as const)
    if (typeof body[key] !== "string" || !body[key]) throw refusedError(`device authorization failed: the response has no ${key}`);
  io.secret(body.device_code as string);
  // These URIs are opened in the user's browser: http(s) only, never file: or an app's scheme.
  for (const key of ["verification_uri", "verification_uri_complete"] as const) {
    if (body[key] === undefined) continue;
    if (typeof body[key] !== "string") throw refusedError(`device authorization failed: ${key} is not a string`);
    try {
      checkTransport(body[key] as string, key, allowInsecureHttp);
    } catch (e) {
      throw refusedError(`device authorization failed: ${(e as Error).message}`);
    }
  }
  if (!/^[\x20-\x7e]{1,64}$/.test(body.user_code as string))
    throw refusedError(`device authorization failed: the user_code ${JSON.stringify(body.user_code)} is not printable`);
  const num = (v: unknown, d: number) => (typeof v === "number" && Number.isFinite(v) && v > 0 ? v : d);
  return {
    device_code: body.device_code as string,
    user_code: body.user_code as string,
    verification_uri: body.verification_uri as string,
    ...(typeof body.verification_uri_complete === "string" ? { verification_uri_complete: body.verification_uri_complete } : {}),
    expires_in: num(body.expires_in, 600),
    interval: num(body.interval, 5),
  };
}

/** Poll until the user finishes: `authorization_pending` waits, `slow_down` adds 5 s (RFC 8628 §3.5). */
export async function pollDeviceToken(
  io: ProviderIo,
  metadata: ProviderMetadata,
  client: Client,
  device: DeviceAuthorization,
  maxWaitSeconds: number,
  clock: { now(): number; sleep(ms: number): Promise<void> },
): Promise<TokenResponse> {
  const auth = clientAuthentication(client);
  let interval = device.interval;
  // The provider's expires_in, but never longer than the user agreed to wait (--callback-timeout).
  const deadline = clock.now() + Math.min(device.expires_in, maxWaitSeconds) * 1000;
  for (;;) {
    await clock.sleep(interval * 1000);
    if (clock.now() > deadline) throw notCompleted(`device login was not completed within ${Math.min(device.expires_in, maxWaitSeconds)}s`);
    const res = await io.http.request(metadata.token_endpoint, {
      form: { grant_type: DEVICE_GRANT, device_code: device.device_code, ...auth.form },
      headers: auth.headers,
      what: "device token request",
    });
    try {
      return parseTokenResponse(res, "device login", io);
    } catch (e) {
      if (!(e instanceof TokenEndpointError)) throw e;
      if (e.oauthError === "authorization_pending") continue;
      if (e.oauthError === "slow_down") {
        interval += 5;
        continue;
      }
      if (e.oauthError === "expired_token") throw notCompleted("device login expired before it was completed");
      throw e;
    }
  }
}
