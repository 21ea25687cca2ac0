/** Registering a client (RFC 7591) into a profile: refuse to orphan a login, register, save the client. */
import type { Deps } from "../cli/deps.js";
import { usageError } from "../errors.js";
import { DEFAULT_PORT, loopbackRedirectUri, type RegistrationInput, registerClient } from "../oidc/registration.js";
import { type GlobalOptions, loadContext } from "./provider.js";

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
  const { client, response } = await registerClient(ctx.io, ctx.metadata, ctx.dialect, {
    name: o.name,
    redirectUris,
    scope: o.scope,
    authMethod: o.authMethod,
    sessionToken: o.sessionToken,
    initialAccessToken: o.initialAccessToken,
  });
  // A new client: tokens of the old one no longer apply.
  await deps.store.updateProfile(ctx.profile.name, (current) => {
    const { tokens: _old, ...base } = current && current.issuer === ctx.profile.issuer ? current : ctx.profile;
    return { ...base, client, ...(o.scope ? { scope: o.scope } : {}) };
  });
  return { profile: ctx.profile.name, client, response };
}
