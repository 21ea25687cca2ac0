import { type GlobalOptions, loadContext } from "../context.js";
import { usageError } from "../errors.js";
import { info, outJson } from "../io.js";
import { DEFAULT_PORT, loopbackRedirectUri, registerClient } from "../oidc/registration.js";
import { registerSecret } from "../redact.js";
import { updateProfile } from "../store.js";

interface Opts extends GlobalOptions {
  name: string;
  redirectUri?: string[];
  port?: number;
  scope?: string;
  authMethod?: string;
  sessionToken?: string;
  initialAccessToken?: string;
  force?: boolean;
}

export async function run(_args: unknown[], o: Opts): Promise<void> {
  registerSecret(o.sessionToken);
  registerSecret(o.initialAccessToken);
  const ctx = await loadContext(o, { save: true });
  if (ctx.profile.tokens && ctx.profile.client && !o.force)
    throw usageError(
      `profile ${ctx.profile.name} is logged in with client ${ctx.profile.client.client_id}; a new client would replace it`,
      `register into another profile (-p NAME), or pass --force (then \`oidc -p ${ctx.profile.name} logout\` first to revoke the tokens)`,
    );
  const redirectUris = o.redirectUri?.length ? o.redirectUri : [loopbackRedirectUri(o.port ?? DEFAULT_PORT)];
  const { client, response } = await registerClient(ctx.metadata, ctx.dialect, {
    name: o.name,
    redirectUris,
    scope: o.scope,
    authMethod: o.authMethod,
    sessionToken: o.sessionToken,
    initialAccessToken: o.initialAccessToken,
  });
  // A new client: tokens of the old one no longer apply.
  await updateProfile(ctx.profile.name, (current) => {
    const { tokens: _old, ...base } = current && current.issuer === ctx.profile.issuer ? current : ctx.profile;
    return { ...base, client, ...(o.scope ? { scope: o.scope } : {}) };
  });
  info(`Registered client ${client.client_id} (${client.client_name}); saved to profile ${ctx.profile.name}.`);
  outJson(response);
}
