/** What a profile holds. Plain data: the store reads and writes it, the protocol fills it. */
import type { ProviderMetadata } from "./oidc/discovery.js";

export interface StoredClient {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  redirect_uris?: string[];
  token_endpoint_auth_method?: string;
  registration_client_uri?: string;
  registration_access_token?: string;
}

export interface StoredTokens {
  access_token: string;
  token_type: string;
  /** Epoch seconds; absent when the provider gave no `expires_in`. */
  expires_at?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  /** The ID token's `sub`, to check userinfo's against. */
  sub?: string;
  obtained_at: number;
}

export interface Profile {
  name: string;
  /** The issuer as the provider's discovery document states it. */
  issuer?: string;
  /** The URL the user gave for the provider (an issuer, a document URL or an app's base URL). */
  source?: string;
  /** Where the discovery document was found (better-auth serves it away from its issuer). */
  discovery_url?: string;
  dialect?: string;
  metadata?: ProviderMetadata;
  client?: StoredClient;
  tokens?: StoredTokens;
  /** Default scopes for login, from `--scope` the last time. */
  scope?: string;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** True when the access token is valid for at least `minValid` more seconds. */
export function tokenFresh(tokens: StoredTokens | undefined, minValid: number, now = nowSeconds()): boolean {
  if (!tokens?.access_token) return false;
  if (tokens.expires_at === undefined) return true;
  return tokens.expires_at - now > minValid;
}
