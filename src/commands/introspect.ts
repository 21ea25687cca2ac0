/** `oidc introspect [token]`: RFC 7662 token introspection where the provider advertises it. */
import type { Deps } from "../cli/deps.js";
import { loginRequired, refusedError } from "../errors.js";
import { type GlobalOptions, loadContext, requireClient } from "../flows/provider.js";
import { introspectToken } from "../oidc/introspection.js";

export interface IntrospectOptions extends GlobalOptions {
  token?: string;
  refreshToken: boolean;
}

export async function run(o: IntrospectOptions, deps: Deps): Promise<void> {
  const ctx = await loadContext(deps, o);
  if (!ctx.metadata.introspection_endpoint) throw refusedError("introspection failed: the provider advertises no introspection_endpoint");
  const client = requireClient(ctx);
  const stored = o.refreshToken ? ctx.profile.tokens?.refresh_token : ctx.profile.tokens?.access_token;
  const value = o.token ?? stored;
  if (!value)
    throw loginRequired(
      `profile ${ctx.profile.name} has no ${o.refreshToken ? "refresh" : "access"} token to introspect`,
      "pass a token, or log in",
    );
  deps.term.secret(value);
  deps.term.outJson(await introspectToken(ctx.io.http, ctx.metadata, client, value, o.refreshToken ? "refresh_token" : "access_token"));
}
