/** Logging out: under the profile's lock, revoke where the provider can (RFC 7009), then forget the tokens. */
import type { Deps } from "../cli/deps.js";
import { revokeToken, type TokenTypeHint } from "../oidc/revocation.js";
import { type GlobalOptions, loadContext } from "./provider.js";

export interface LogoutResult {
  profile: string;
  revoked: TokenTypeHint[];
  forgotten: boolean;
}

export async function logout(deps: Deps, g: GlobalOptions): Promise<LogoutResult> {
  const ctx = await loadContext(deps, g);
  const { term } = deps;
  return deps.store.withProfileLock(ctx.profile.name, async (current) => {
    const profile = current ?? ctx.profile;
    const tokens = profile.tokens;
    const revoked: TokenTypeHint[] = [];
    if (!tokens) {
      term.info(`Profile ${profile.name} has no tokens; nothing to do.`);
      return { profile: profile.name, revoked, forgotten: false };
    }
    const endpoint = ctx.metadata.revocation_endpoint;
    if (endpoint && profile.client) {
      // The access token first: revoking a refresh token may revoke the whole grant with it.
      const todo: [string, TokenTypeHint][] = [[tokens.access_token, "access_token"]];
      if (tokens.refresh_token) todo.push([tokens.refresh_token, "refresh_token"]);
      for (const [token, hint] of todo) {
        const what = hint.replace("_", " ");
        const outcome = await revokeToken(ctx.io.http, ctx.metadata, profile.client, token, hint);
        if (outcome.revoked) {
          revoked.push(hint);
          term.info(`Revoked the ${what} at ${endpoint}.`);
        } else if (outcome.error) term.warn(`revoking the ${what} failed (${outcome.error}); forgetting it anyway`);
        else term.warn(`the provider did not revoke the ${what} (status ${outcome.status}); forgetting it anyway`);
      }
    } else {
      term.info("The provider has no revocation endpoint; the tokens stay valid there until they expire.");
    }
    const { tokens: _gone, ...rest } = profile;
    deps.store.writeProfile(rest);
    term.info(`Forgot the tokens of profile ${profile.name}.`);
    return { profile: profile.name, revoked, forgotten: true };
  });
}
