/** `oidc client [client-id]`: what the provider knows of a client. */
import type { Deps } from "../cli/deps.js";
import { usageError } from "../errors.js";
import { type GlobalOptions, loadContext } from "../flows/provider.js";
import { readClient } from "../oidc/registration.js";

export interface ClientOptions extends GlobalOptions {
  clientIdArg?: string;
  sessionToken?: string;
}

export async function run(o: ClientOptions, deps: Deps): Promise<void> {
  deps.term.secret(o.sessionToken);
  const ctx = await loadContext(deps, o);
  const clientId = o.clientIdArg ?? ctx.client?.client_id;
  if (!clientId) throw usageError("no client id", "pass a client id, or register one first");
  deps.term.outJson(
    await readClient(ctx.io, ctx.metadata, ctx.dialect, clientId, {
      sessionToken: o.sessionToken,
      stored: ctx.profile.client,
      allowInsecureHttp: o.allowInsecureHttp,
    }),
  );
}
