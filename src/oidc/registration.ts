/** Dynamic client registration (RFC 7591) and reading a client back (better-auth or RFC 7592). */
import { OidcError, refusedError, usageError } from "../errors.js";
import { httpRequest, parseJsonObject, providerRefused, requestJson } from "../http.js";
import { registerSecret } from "../redact.js";
import type { StoredClient } from "../profile.js";
import { type Dialect, deviation } from "./dialects.js";
import { checkTransport, type ProviderMetadata } from "./discovery.js";
import { sessionEndpoint } from "./headless.js";

export const DEFAULT_PORT = 8765;
export const loopbackRedirectUri = (port: number) => `http://127.0.0.1:${port}/callback`;

export interface RegistrationInput {
  name: string;
  redirectUris: string[];
  scope?: string;
  authMethod?: string;
  sessionToken?: string;
  initialAccessToken?: string;
}

export async function registerClient(
  metadata: ProviderMetadata,
  dialect: Dialect,
  input: RegistrationInput,
): Promise<{ client: StoredClient; response: Record<string, unknown> }> {
  if (!metadata.registration_endpoint) throw refusedError("registration failed: the provider advertises no registration_endpoint");
  const authMethod = input.authMethod ?? dialect.registration.defaultAuthMethod;
  const body: Record<string, unknown> = {
    client_name: input.name,
    redirect_uris: input.redirectUris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: authMethod,
    ...(dialect.registration.sendApplicationType ? { application_type: "native" } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
  };
  const bearer = input.initialAccessToken ?? input.sessionToken;
  const res = await httpRequest(metadata.registration_endpoint, {
    json: body,
    what: "registration",
    headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
  });
  if (res.status !== 201 && res.status !== 200) {
    const e = providerRefused(res, "registration");
    if ((res.status === 401 || res.status === 403) && !bearer)
      throw new OidcError(e.exitCode, e.message, {
        hint: "this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token",
      });
    throw e;
  }
  const response = parseJsonObject(res, "registration");
  if (typeof response.client_id !== "string" || !response.client_id)
    throw refusedError("registration failed: the response has no client_id");
  if (res.status === 200) deviation(dialect, "registration-status-200");
  const secret = typeof response.client_secret === "string" ? response.client_secret : undefined;
  registerSecret(secret);
  registerSecret(typeof response.registration_access_token === "string" ? response.registration_access_token : undefined);
  if (authMethod === "none" && secret) deviation(dialect, "none-yields-secret");
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const client: StoredClient = {
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
  };
  return { client, response };
}

/** What the provider knows of a client, by the dialect's means. */
export async function readClient(
  metadata: ProviderMetadata,
  dialect: Dialect,
  clientId: string,
  p: { sessionToken?: string; stored?: StoredClient; allowInsecureHttp?: boolean },
): Promise<Record<string, unknown>> {
  const needSession = () => {
    if (!p.sessionToken) throw usageError("reading a client needs a session", "pass --session-token or set OIDC_SESSION_TOKEN");
    return { authorization: `Bearer ${p.sessionToken}` };
  };
  if (dialect.sessionEndpoints) {
    const url = sessionEndpoint(metadata, dialect, "client", clientId);
    return (await requestJson(url, { what: "client lookup", headers: needSession() })).body;
  }
  const stored = p.stored?.client_id === clientId ? p.stored : undefined;
  if (!stored?.registration_client_uri || !stored.registration_access_token)
    throw usageError(
      "this provider reads clients only through RFC 7592, with the registration access token of a client this profile registered",
    );
  // The registration access token goes there: the same transport rule as every endpoint.
  checkTransport(stored.registration_client_uri, "registration_client_uri", !!p.allowInsecureHttp);
  return (
    await requestJson(stored.registration_client_uri, {
      what: "client lookup",
      retry: true,
      headers: { authorization: `Bearer ${stored.registration_access_token}` },
    })
  ).body;
}
