/** The CLI's words for the remedies the protocol core names (src/errors.ts `Remedy`): the one place hints name flags. */
import type { OidcError, Remedy } from "../errors.js";

const HINTS: Record<Remedy, string> = {
  "allow-insecure-http": "use https, or pass --allow-insecure-http",
  "session-for-registration":
    "this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token",
  "session-for-client-lookup": "pass --session-token or set OIDC_SESSION_TOKEN",
  "fresh-session": "sign in again to get a fresh session token (better-auth: POST /api/auth/sign-in/email)",
  "device-again": "run `oidc login --device` again",
  "confidential-client-for-introspection":
    "this provider may introspect only for confidential clients: register one (oidc register --auth-method client_secret_basic) or pass OIDC_CLIENT_SECRET",
  "client-secret": "set OIDC_CLIENT_SECRET, or use --client-secret-file / --client-secret-stdin",
  "redirect-uri-not-registered":
    "that redirect URI (its port or path) is likely not registered for this client: log in with --redirect-uri <a registered URI>, or register one: oidc register --name <name> --port <n>",
  "unknown-client":
    "the provider likely does not know this client: register again (oidc register --name <name>), or pass the right --client-id",
};

export const hintFor = (e: OidcError): string | undefined => e.hint ?? (e.remedy ? HINTS[e.remedy] : undefined);
