/** The CLI's words for the remedies the protocol core names (src/errors.ts `Remedy`): the one place hints name flags. */
import type { OidcError, Remedy } from "../errors.js";

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

export const hintFor = (e: OidcError): string | undefined => e.hint ?? (e.remedy ? HINTS[e.remedy] : undefined);
