/** Dynamic client registration (RFC 7591) and reading a client back (better-auth or RFC 7592). */
import { ExitCode, OidcError, refusedError, usageError } from "../errors.js";
import type { Client } from "./client.js";
import { sessionEndpoint } from "./dialects/better-auth.js";
import { type Dialect, deviation } from "./dialects/index.js";
import { checkTransport, type ProviderMetadata } from "./discovery.js";
import { DEVICE_GRANT } from "./device.js";
import type { ProviderIo } from "./ports.js";
import { parseJsonObject, providerRefused, requestJson } from "./response.js";

export const DEFAULT_PORT = 8765;
export const loopbackRedirectUri = (port: number) => `http://127.0.0.1:${port}/callback`;

export interface RegistrationInput {
  name: string;
  redirectUris: string[];
  scope?: string;
  authMethod?: string;
  sessionToken?: string;
  initialAccessToken?: string;
  /** Also ask for the device grant (RFC 8628), for a client made by `oidc login --device`. */
  deviceGrant?: boolean;
}

/**
 * The client authentication to register with: the one asked for, as given; else the dialect's
 * default where the provider advertises it (or advertises nothing); else a secret method it
 * advertises (client_secret_basic, else client_secret_post), with a note saying so.
 */
export function registrationAuthMethod(metadata: ProviderMetadata, dialect: Dialect, asked?: string): { method: string; note?: string } {
  if (asked) return { method: asked };
  const preferred = dialect.registration.defaultAuthMethod;
  const advertised = metadata.token_endpoint_auth_methods_supported;
  if (!Array.isArray(advertised) || advertised.includes(preferred)) return { method: preferred };
  const method = ["client_secret_basic", "client_secret_post"].find((m) => advertised.includes(m));
  if (!method) return { method: preferred };
  return {
    method,
    note: `The provider does not advertise token endpoint auth method ${preferred} (it advertises ${advertised.join(", ")}); registering a client with ${method}.`,
  };
}

export async function registerClient(
  io: ProviderIo,
  metadata: ProviderMetadata,
  dialect: Dialect,
  input: RegistrationInput,
): Promise<{ client: Client; response: Record<string, unknown>; note?: string }> {
  if (!metadata.registration_endpoint) throw refusedError("registration failed: the provider advertises no registration_endpoint");
  const { method: authMethod, note } = registrationAuthMethod(metadata, dialect, input.authMethod);
  const body: Record<string, unknown> = {
    client_name: input.name,
    redirect_uris: input.redirectUris,
    grant_types: ["authorization_code", "refresh_token", ...(input.deviceGrant ? [DEVICE_GRANT] : [])],
    response_types: ["code"],
    token_endpoint_auth_method: authMethod,
    ...(dialect.registration.sendApplicationType ? { application_type: "native" } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
  };
  const bearer = input.initialAccessToken ?? input.sessionToken;
  const res = await io.http.request(metadata.registration_endpoint, {
    json: body,
    what: "registration",
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  if (res.status !== 201 && res.status !== 200) {
    const e = providerRefused(res, "registration");
    if ((res.status === 401 || res.status === 403) && !bearer)
      throw new OidcError(e.exitCode, e.message, { remedy: "session-for-registration" });
    throw e;
  }
  const response = parseJsonObject(res, "registration");
  if (typeof response.client_id !== "string" || !response.client_id)
    throw refusedError("registration failed: the response has no client_id");
  if (res.status === 200) deviation(io, dialect, "registration-status-200");
  const secret = typeof response.client_secret === "string" ? response.client_secret : undefined;
  io.secret(secret);
  io.secret(typeof response.registration_access_token === "string" ? response.registration_access_token : undefined);
  if (authMethod === "none" && secret) deviation(io, dialect, "none-yields-secret");
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const client: Client = {
    client_id: response.client_id,
    ...(secret ? { client_secret: secret } : {}),
    client_name: str(response.client_name) ?? input.name,
    redirect_uris:
      Array.isArray(response.redirect_uris) && response.redirect_uris.every((u) => typeof u === "string")
        ? (response.redirect_uris as string[])
        : input.redirectUris,
    token_endpoint_auth_method:
      authMethod === "none" && secret ? "client_secret_basic" : (str(response.token_endpoint_auth_method) ?? authMethod),
    ...(str(response.registration_client_uri) ? { registration_client_uri: str(response.registration_client_uri) } : {}),
    ...(str(response.registration_access_token) ? { registration_access_token: str(response.registration_access_token) } : {}),
    ...(response.application_type === "native" ? { application_type: "native" as const } : {}),
  };
  return { client, response, ...(note ? { note } : {}) };
}

/** What the provider knows of a client, by the dialect's means. */
export async function readClient(
  io: ProviderIo,
  metadata: ProviderMetadata,
  dialect: Dialect,
  clientId: string,
  p: { sessionToken?: string; stored?: Client; allowInsecureHttp?: boolean },
): Promise<Record<string, unknown>> {
  const needSession = () => {
    if (!p.sessionToken) throw new OidcError(ExitCode.usage, "reading a client needs a session", { remedy: "session-for-client-lookup" });
    return { authorization: `Bearer ${p.sessionToken}` };
  };
  if (dialect.sessionEndpoints) {
    const url = sessionEndpoint(metadata, dialect, "client", clientId);
    const res = await io.http.request(url, { what: "client lookup", headers: needSession() });
    // The session is no longer good: say so, rather than leave the user with a bare 401.
    if (res.status === 401 || res.status === 403)
      throw new OidcError(ExitCode.refused, providerRefused(res, "client lookup").message, { remedy: "fresh-session" });
    if (res.status < 200 || res.status >= 300) throw providerRefused(res, "client lookup");
    return parseJsonObject(res, "client lookup");
  }
  const stored = p.stored?.client_id === clientId ? p.stored : undefined;
  if (!stored?.registration_client_uri || !stored.registration_access_token)
    throw usageError(
      "this provider reads clients only through RFC 7592, with the registration access token of a client this profile registered",
    );
  // The registration access token goes there: the same transport rule as every endpoint.
  checkTransport(stored.registration_client_uri, "registration_client_uri", !!p.allowInsecureHttp);
  return (
    await requestJson(io.http, stored.registration_client_uri, {
      what: "client lookup",
      retry: true,
      headers: { authorization: `Bearer ${stored.registration_access_token}` },
    })
  ).body;
}
