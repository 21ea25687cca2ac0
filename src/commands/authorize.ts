/** `oidc authorize` / `oidc login`: the login flow (src/flows/login/), then what it printed for scripts. */
import type { Deps } from "../cli/deps.js";
import { accountOf, describeAccount } from "../flows/account.js";
import { describeExpiry } from "../flows/fresh-tokens.js";
import { login, type LoginOptions, nowSeconds } from "../flows/login/index.js";

export type AuthorizeOptions = LoginOptions;

export async function run(o: AuthorizeOptions, deps: Deps): Promise<void> {
  const result = await login(deps, o);
  const { term } = deps;
  if (result.kind === "code") {
    const r = result.request;
    term.outJson({ code: result.code, code_verifier: r.codeVerifier, redirect_uri: r.redirectUri, state: r.state, nonce: r.nonce });
    return;
  }
  const { profile, client, tokens } = result;
  const who = describeAccount(accountOf(tokens, result.claims));
  term.info(`Logged in${who ? ` as ${who}` : ""}; tokens saved to profile ${profile.name} (${describeExpiry(tokens, nowSeconds(deps))}).`);
  if (o.json)
    term.outJson({
      profile: profile.name,
      issuer: result.issuer,
      client_id: client.client_id,
      sub: tokens.sub ?? null,
      scope: tokens.scope ?? null,
      expires_at: tokens.expires_at ?? null,
      has_refresh_token: !!tokens.refresh_token,
    });
}
