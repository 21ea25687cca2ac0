/** Token revocation (RFC 7009). */
import type { Client } from "./client.js";
import type { ProviderMetadata } from "./discovery.js";
import type { HttpClient } from "./ports.js";
import { clientAuthentication } from "./token.js";

export type TokenTypeHint = "access_token" | "refresh_token";

/** The form that names a token to the revocation or introspection endpoint, with the client's authentication. */
export function tokenForm(client: Client, token: string, hint: TokenTypeHint) {
  const auth = clientAuthentication(client);
  return { form: { token, token_type_hint: hint, ...auth.form }, headers: auth.headers };
}

export type RevocationOutcome = { revoked: true } | { revoked: false; status?: number; error?: string };

/** Revoke one token. A refusal or a network failure is an outcome, not an error: the caller forgets the token either way. */
export async function revokeToken(
  http: HttpClient,
  metadata: ProviderMetadata,
  client: Client,
  token: string,
  hint: TokenTypeHint,
): Promise<RevocationOutcome> {
  const endpoint = metadata.revocation_endpoint;
  if (!endpoint) return { revoked: false };
  try {
    const res = await http.request(endpoint, { ...tokenForm(client, token, hint), what: "revocation" });
    return res.status === 200 ? { revoked: true } : { revoked: false, status: res.status };
  } catch (e) {
    return { revoked: false, error: (e as Error).message };
  }
}
