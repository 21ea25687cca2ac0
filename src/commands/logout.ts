/** `oidc logout`: revoke at the revocation endpoint where advertised, then forget the tokens. */
import { type GlobalOptions, loadContext } from "../context.js";
import { info, warn } from "../io.js";
import { httpRequest } from "../http.js";
import { clientAuthentication } from "../oidc/token.js";
import { withProfileLock, writeProfile } from "../store.js";

export async function run(_args: unknown[], g: GlobalOptions): Promise<void> {
  const ctx = await loadContext(g);
  await withProfileLock(ctx.profile.name, async (current) => {
    const profile = current ?? ctx.profile;
    const tokens = profile.tokens;
    if (!tokens) {
      info(`Profile ${profile.name} has no tokens; nothing to do.`);
      return;
    }
    const endpoint = ctx.metadata.revocation_endpoint;
    if (endpoint && profile.client) {
      const auth = clientAuthentication(profile.client);
      const todo: [string, string][] = [];
      if (tokens.refresh_token) todo.push([tokens.refresh_token, "refresh_token"]);
      todo.push([tokens.access_token, "access_token"]);
      for (const [token, hint] of todo) {
        try {
          const res = await httpRequest(endpoint, { form: { token, token_type_hint: hint, ...auth.form }, headers: auth.headers, what: "revocation" });
          if (res.status !== 200) warn(`the provider did not revoke the ${hint.replace("_", " ")} (status ${res.status}); forgetting it anyway`);
        } catch (e) {
          warn(`revoking the ${hint.replace("_", " ")} failed (${(e as Error).message}); forgetting it anyway`);
        }
      }
      info(`Revoked the tokens at ${endpoint}.`);
    } else {
      info("The provider has no revocation endpoint; the tokens stay valid there until they expire.");
    }
    const { tokens: _gone, ...rest } = profile;
    writeProfile(rest);
    info(`Forgot the tokens of profile ${profile.name}.`);
  });
}
