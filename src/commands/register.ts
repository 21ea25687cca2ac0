import { type GlobalOptions, loadContext } from "../context.js";
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
}

export async function run(_args: unknown[], o: Opts): Promise<void> {
  registerSecret(o.sessionToken);
  registerSecret(o.initialAccessToken);
  const ctx = await loadContext(o, { save: true });
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
