/** `oidc logout`: revoke at the revocation endpoint where advertised, then forget the tokens. */
import { type GlobalOptions, loadContext } from "../context.js";
import { info, outJson, settings, warn } from "../io.js";
import { httpRequest } from "../http.js";
import { clientAuthentication } from "../oidc/token.js";
import { withProfileLock, writeProfile } from "../store.js";

export async function run(_args: unknown[], g: GlobalOptions): Promise<void> {
  const ctx = await loadContext(g);
  await withProfileLock(ctx.profile.name, async (current) => {
    const profile = current ?? ctx.profile;
    const tokens = profile.tokens;
    const revoked: string[] = [];
    if (!tokens) {
      info(`Profile ${profile.name} has no tokens; nothing to do.`);
      if (settings.json) outJson({ profile: profile.name, revoked, forgotten: false });
      return;
    }
    const endpoint = ctx.metadata.revocation_endpoint;
    if (endpoint && profile.client) {
      const auth = clientAuthentication(profile.client);
      // The access token first: revoking a refresh token may revoke the whole grant with it.
      const todo: [string, string][] = [[tokens.access_token, "access_token"]];
      if (tokens.refresh_token) todo.push([tokens.refresh_token, "refresh_token"]);
      for (const [token, hint] of todo) {
        const what = hint.replace("_", " ");
        try {
          const res = await httpRequest(endpoint, {
            form: { token, token_type_hint: hint, ...auth.form },
            headers: auth.headers,
            what: "revocation",
          });
          if (res.status === 200) {
            revoked.push(hint);
            info(`Revoked the ${what} at ${endpoint}.`);
          } else warn(`the provider did not revoke the ${what} (status ${res.status}); forgetting it anyway`);
        } catch (e) {
          warn(`revoking the ${what} failed (${(e as Error).message}); forgetting it anyway`);
        }
      }
    } else {
      info("The provider has no revocation endpoint; the tokens stay valid there until they expire.");
    }
    const { tokens: _gone, ...rest } = profile;
    writeProfile(rest);
    info(`Forgot the tokens of profile ${profile.name}.`);
    if (settings.json) outJson({ profile: profile.name, revoked, forgotten: true });
  });
}
