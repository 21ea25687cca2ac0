/** The CLI's words for the remedies the protocol core names (src/errors.ts `Remedy`): the one place hints name flags. */
import type { OidcError, Remedy } from "../errors.js";
import { profileFlag } from "../flows/profile-hints.js";

/** Each remedy in words; `p` is ` -p NAME` for a profile other than default, for the commands named. */
const HINTS: Record<Remedy, string | ((p: string) => string)> = {
  "allow-insecure-http": "use https, or pass --allow-insecure-http",
  "session-for-registration":
    "this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token",
  "session-for-login-registration": (p) =>
    `this provider registers clients only for a signed-in caller: pass --session-token (OIDC_SESSION_TOKEN) or --initial-access-token, or run \`oidc${p} register --name <name>\` first (or pass --client-id)`,
  "token-for-login-registration": (p) =>
    `this provider registers clients only with a credential: pass --initial-access-token (OIDC_INITIAL_ACCESS_TOKEN), or run \`oidc${p} register --name <name>\` first (or pass --client-id)`,
  "session-for-client-lookup": "pass --session-token or set OIDC_SESSION_TOKEN",
  "fresh-session": "sign in again to get a fresh session token (better-auth: POST /api/auth/sign-in/email)",
  "device-again": (p) => `run \`oidc${p} login --device\` again`,
  "confidential-client-for-introspection": (p) =>
    `this provider may introspect only for confidential clients: register one (oidc${p} register --auth-method client_secret_basic) or pass OIDC_CLIENT_SECRET`,
  "client-secret": "set OIDC_CLIENT_SECRET, or use --client-secret-file / --client-secret-stdin",
  "redirect-uri-not-registered": (p) =>
    `that redirect URI (its port or path) is likely not registered for this client: log in with --redirect-uri <a registered URI>, or register one: oidc${p} register --name <name> --port <n>`,
  "unknown-client": (p) =>
    `the provider likely does not know this client: register again (oidc${p} register --name <name>), or pass the right --client-id`,
};

/** A client the provider no longer knows (or whose secret it refuses): the way on is a new client. */
const INVALID_CLIENT = (p: string) =>
  `the provider does not know this client or refuses its credentials: register a new one (oidc${p} register --name <app> --force), or pass the right --client-id / OIDC_CLIENT_SECRET`;

/** The hint of a failure; `profile` is the profile the command used, named in the commands a hint gives. */
export function hintFor(e: OidcError, profile = "default"): string | undefined {
  if (e.hint !== undefined) return e.hint;
  // A token endpoint's refusal (TokenEndpointError) carries the OAuth error code; named by shape so that
  // the start-up of every command does not load the token module.
  if ((e as { oauthError?: unknown }).oauthError === "invalid_client") return INVALID_CLIENT(profileFlag(profile));
  if (!e.remedy) return undefined;
  const words = HINTS[e.remedy];
  return typeof words === "string" ? words : words(profileFlag(profile));
}
