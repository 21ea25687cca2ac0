/** `oidc introspect [token]`: RFC 7662 token introspection where the provider advertises it. */
import { type GlobalOptions, loadContext, requireClient } from "../context.js";
import { ExitCode, loginRequired, OidcError, refusedError } from "../errors.js";
import { requestJson } from "../http.js";
import { outJson } from "../io.js";
import { clientAuthentication } from "../oidc/token.js";
import { registerSecret } from "../redact.js";

export async function run([token]: unknown[], o: GlobalOptions & { refreshToken?: boolean }): Promise<void> {
  const ctx = await loadContext(o);
  const endpoint = ctx.metadata.introspection_endpoint;
  if (!endpoint) throw refusedError("introspection failed: the provider advertises no introspection_endpoint");
  const client = requireClient(ctx);
  const stored = o.refreshToken ? ctx.profile.tokens?.refresh_token : ctx.profile.tokens?.access_token;
  const value = (token as string | undefined) ?? stored;
  if (!value)
    throw loginRequired(
      `profile ${ctx.profile.name} has no ${o.refreshToken ? "refresh" : "access"} token to introspect`,
      "pass a token, or log in",
    );
  registerSecret(value);
  const auth = clientAuthentication(client);
  const hint = o.refreshToken ? "refresh_token" : "access_token";
  const { body } = await requestJson(endpoint, {
    form: { token: value, token_type_hint: hint, ...auth.form },
    headers: auth.headers,
    what: "introspection",
  }).catch((e: unknown) => {
    // Many providers introspect only for confidential clients; say so when this one is public.
    if (e instanceof OidcError && !client.client_secret && e.exitCode === ExitCode.refused)
      throw new OidcError(e.exitCode, e.message, {
        hint: "this provider may introspect only for confidential clients: register one (oidc register --auth-method client_secret_basic) or pass OIDC_CLIENT_SECRET",
      });
    throw e;
  });
  if (typeof body.active !== "boolean") throw refusedError("introspection failed: the response has no boolean `active`");
  outJson(body);
}
