/** `oidc token`: a valid access token for scripts, refreshed under the profile lock when needed. */
import { type GlobalOptions, loadContext, requireClient } from "../context.js";
import { loginRequired, refusedError, usageError } from "../errors.js";
import { currentProfileName } from "../store.js";
import { clientCredentialsGrant, exchangeAuthorizationCode } from "../oidc/token.js";
import { warn } from "../io.js";
import { formatToken, type TokenOutput } from "../output.js";
import { registerSecret } from "../redact.js";
import { acceptTokenResponse, ensureFreshTokens, noteSaved, saveTokens } from "../tokens.js";

interface Opts extends GlobalOptions {
  refresh?: boolean;
  idToken?: boolean;
  output: TokenOutput;
  minValid: number;
  code?: string;
  codeVerifier?: string;
  redirectUri?: string;
  clientCredentials?: boolean;
  nonce?: string;
  scope?: string;
}

export async function run(_args: unknown[], o: Opts): Promise<void> {
  const output: TokenOutput = o.json && o.output === "token" ? "json" : o.output;
  if (o.code !== undefined) {
    registerSecret(o.code);
    registerSecret(o.codeVerifier);
    if (!o.codeVerifier) throw usageError("--code needs --code-verifier");
    const ctx = await loadContext(o, { save: true });
    const client = requireClient(ctx);
    const redirectUri = o.redirectUri ?? client.redirect_uris?.[0];
    if (!redirectUri) throw usageError("--code needs --redirect-uri (the profile has none)");
    const response = await exchangeAuthorizationCode(ctx.metadata.token_endpoint, client, {
      code: o.code,
      codeVerifier: o.codeVerifier,
      redirectUri,
    });
    if (response.id_token && o.nonce === undefined)
      warn("the ID token's nonce was not checked: pass --nonce (printed by `oidc login --no-exchange`)");
    const tokens = await acceptTokenResponse(ctx.profile, client, response, { dialect: ctx.dialect, nonce: o.nonce });
    noteSaved(await saveTokens(ctx.profile, client, tokens));
    process.stdout.write(formatToken(tokens, output, !!o.idToken));
    return;
  }
  if (o.clientCredentials) {
    const ctx = await loadContext(o, { save: true });
    const client = requireClient(ctx);
    const grants = ctx.metadata.grant_types_supported;
    if (Array.isArray(grants) && !grants.includes("client_credentials"))
      throw refusedError(`the provider does not support the client_credentials grant (it advertises: ${grants.join(", ")})`);
    if (!client.client_secret)
      throw usageError(
        "the client_credentials grant needs a client secret",
        "set OIDC_CLIENT_SECRET, or use --client-secret-file / --client-secret-stdin",
      );
    const held = ctx.profile.tokens;
    if (held && (held.sub || held.refresh_token))
      throw usageError(
        `profile ${ctx.profile.name} holds a user's login; client credentials would replace it`,
        "use a profile of its own for the client, e.g. -p ci",
      );
    const response = await clientCredentialsGrant(ctx.metadata.token_endpoint, client, o.scope);
    const tokens = await acceptTokenResponse(ctx.profile, client, response, { dialect: ctx.dialect });
    await saveTokens(ctx.profile, client, tokens);
    process.stdout.write(formatToken(tokens, output, false));
    return;
  }
  // A bound provider is needed only for a refresh; --issuer given here re-binds like any command.
  if (o.issuer && !o.issuerFromEnv) await loadContext(o, { save: true });
  const name = currentProfileName(o.profile);
  const profile = await ensureFreshTokens(name, o.minValid, !!o.refresh, o.clientId);
  const { tokens } = profile;
  if (o.idToken && !tokens.id_token) throw loginRequired(`profile ${name} has no ID token`, "log in with the openid scope");
  process.stdout.write(formatToken(tokens, output, !!o.idToken));
}
