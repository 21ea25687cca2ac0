/** A client as the protocol uses it: what registration returned, or an id (and secret) given. */
export interface Client {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  redirect_uris?: string[];
  token_endpoint_auth_method?: string;
  registration_client_uri?: string;
  registration_access_token?: string;
  /** `native` when the provider's registration response said so: its loopback redirect URIs then take any port (RFC 8252 §7.3). */
  application_type?: "native";
}
