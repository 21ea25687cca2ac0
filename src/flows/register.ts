/** Registering a client (RFC 7591) into a profile: refuse to orphan a login, register, save the client. */
import type { Profile, StoredClient } from "../adapters/store.js";
import type { Deps } from "../cli/deps.js";
import { OidcError, usageError } from "../errors.js";
import { DEFAULT_PORT, loopbackRedirectUri, type RegistrationInput, registerClient } from "../oidc/registration.js";
import { type Context, type GlobalOptions, loadContext } from "./provider.js";

export interface RegisterOptions extends GlobalOptions, Omit<RegistrationInput, "redirectUris"> {
  redirectUris: string[];
  port?: number;
  force: boolean;
}

export async function register(deps: Deps, o: RegisterOptions) {
  deps.term.secret(o.sessionToken);
  deps.term.secret(o.initialAccessToken);
  const ctx = await loadContext(deps, o, { save: true });
  if (ctx.profile.tokens && ctx.profile.client && !o.force)
    throw usageError(
      `profile ${ctx.profile.name} is logged in with client ${ctx.profile.client.client_id}; a new client would replace it`,
      `register into another profile (-p NAME), or pass --force (then \`oidc -p ${ctx.profile.name} logout\` first to revoke the tokens)`,
    );
  const redirectUris = o.redirectUris.length ? o.redirectUris : [loopbackRedirectUri(o.port ?? DEFAULT_PORT)];
  const { client, response } = await registerInto(deps, ctx, {
    name: o.name,
    redirectUris,
    scope: o.scope,
    authMethod: o.authMethod,
    sessionToken: o.sessionToken,
    initialAccessToken: o.initialAccessToken,
  });
  return { profile: ctx.profile.name, client, response };
}

/** Register a client at the context's provider and save it to the profile (forgetting the old client's tokens). */
async function registerInto(
  deps: Deps,
  ctx: Context,
  input: RegistrationInput,
): Promise<{ client: StoredClient; response: Record<string, unknown>; profile: Profile }> {
  const { client, response, note } = await registerClient(ctx.io, ctx.metadata, ctx.dialect, input);
  if (note) deps.term.info(note);
  // A new client: tokens of the old one no longer apply.
  const profile = await deps.store.updateProfile(ctx.profile.name, (current) => {
    const { tokens: _old, ...base } = current && current.issuer === ctx.profile.issuer ? current : ctx.profile;
    return { ...base, client, ...(input.scope ? { scope: input.scope } : {}) };
  });
  return { client, response, profile };
}

/** The name `oidc login` registers a client under when the profile has none. */
export const loginClientName = (profile: string) => `oidc-cli ${profile}`;

/**
 * `oidc login` on a profile with no client (and no --client-id): register one the way
 * `oidc register` does, say so, and go on with it. Where the provider registers only for a
 * credential, the failure names it; where it cannot register at all, --client-id.
 */
export async function registerForLogin(
  deps: Deps,
  ctx: Context,
  o: { port?: number; redirectUri?: string; sessionToken?: string; initialAccessToken?: string; device?: boolean },
): Promise<Context> {
  const name = ctx.profile.name;
  if (!ctx.metadata.registration_endpoint)
    throw usageError(
      `profile ${name} has no client, and ${ctx.metadata.issuer} offers no dynamic registration (no registration_endpoint)`,
      "pass --client-id (or set OIDC_CLIENT_ID) with a client registered at the provider",
    );
  let registered: Awaited<ReturnType<typeof registerInto>>;
  try {
    registered = await registerInto(deps, ctx, {
      name: loginClientName(name),
      // The URI this login will use: --redirect-uri, else the loopback one on --port (8765).
      redirectUris: [o.redirectUri ?? loopbackRedirectUri(o.port ?? DEFAULT_PORT)],
      sessionToken: o.sessionToken,
      initialAccessToken: o.initialAccessToken,
      deviceGrant: o.device,
    });
  } catch (e) {
    if (!(e instanceof OidcError) || e.remedy !== "session-for-registration") throw e;
    throw new OidcError(e.exitCode, `profile ${name} has no client, and ${e.message}`, {
      remedy: ctx.dialect.sessionEndpoints ? "session-for-login-registration" : "token-for-login-registration",
    });
  }
  deps.term.info(`No client in profile ${name}: registered client ${registered.client.client_id} at ${ctx.metadata.issuer}.`);
  return { ...ctx, profile: registered.profile, client: registered.client };
}
