/** The CLI's words for the remedies the protocol core names (src/errors.ts `Remedy`): the one place hints name flags. */
import type { OidcError, Remedy } from "../errors.js";
import { TokenEndpointError } from "../oidc/token.js";

const HINTS: Record<Remedy, string> = {
  "allow-insecure-http": "use https, or pass --allow-insecure-http",
  "session-for-registration":
    "this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token",
  "session-for-login-registration":
    "this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token, or run `oidc register --name <name>` first (or pass --client-id)",
  "token-for-login-registration":
    "this provider registers clients only with a credential: pass --initial-access-token (OIDC_INITIAL_ACCESS_TOKEN), or run `oidc register --name <name>` first (or pass --client-id)",
  "session-for-client-lookup": "pass --session-token or set OIDC_SESSION_TOKEN",
  "fresh-session": "sign in again to get a fresh session token (better-auth: POST /api/auth/sign-in/email)",
  "device-again": "run `oidc login --device` again",
  "confidential-client-for-introspection":
    "this provider may introspect only for confidential clients: register one (oidc register --auth-method client_secret_basic) or pass OIDC_CLIENT_SECRET",
  "client-secret": "set OIDC_CLIENT_SECRET, or use --client-secret-file / --client-secret-stdin",
};

/** A client the provider no longer knows (or whose secret it refuses): the way on is a new client. */
const INVALID_CLIENT =
  "the provider does not know this client or refuses its credentials: register a new one (oidc register --name <app> --force), or pass the right --client-id / OIDC_CLIENT_SECRET";

export function hintFor(e: OidcError): string | undefined {
  if (e.hint) return e.hint;
  if (e.remedy) return HINTS[e.remedy];
  if (e instanceof TokenEndpointError && e.oauthError === "invalid_client") return INVALID_CLIENT;
  return undefined;
}
