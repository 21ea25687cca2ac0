/** Token introspection (RFC 7662). */
import { ExitCode, OidcError, refusedError } from "../errors.js";
import type { Client } from "./client.js";
import type { ProviderMetadata } from "./discovery.js";
import type { HttpClient } from "./ports.js";
import { requestJson } from "./response.js";
import { type TokenTypeHint, tokenForm } from "./revocation.js";

export async function introspectToken(
  http: HttpClient,
  metadata: ProviderMetadata,
  client: Client,
  token: string,
  hint: TokenTypeHint,
): Promise<Record<string, unknown>> {
  const endpoint = metadata.introspection_endpoint;
  if (!endpoint) throw refusedError("introspection failed: the provider advertises no introspection_endpoint");
  const { body } = await requestJson(http, endpoint, { ...tokenForm(client, token, hint), what: "introspection" }).catch((e: unknown) => {
    // Many providers introspect only for confidential clients; say so when this one is public.
    if (e instanceof OidcError && !client.client_secret && e.exitCode === ExitCode.refused)
      throw new OidcError(e.exitCode, e.message, { remedy: "confidential-client-for-introspection" });
    throw e;
  });
  if (typeof body.active !== "boolean") throw refusedError("introspection failed: the response has no boolean `active`");
  return body;
}
