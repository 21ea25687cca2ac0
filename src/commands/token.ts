/**
 * `oidc token`: a valid access token for scripts, refreshed under the profile lock when needed;
 * or, named behaviours of their own, a code exchange (`--code`) and the client's own token
 * (`--client-credentials`). The cached case is src/main.ts's fast path when it can be.
 */
import { epochSeconds } from "../adapters/clock.js";
import type { Deps } from "../cli/deps.js";
import type { TokenOutput } from "../cli/flags.js";
import { ExitCode, loginRequired, usageError } from "../errors.js";
import { acceptTokens, describeExpiry, ensureFreshTokens, saveTokens } from "../flows/fresh-tokens.js";
import { profileFlag } from "../flows/profile-hints.js";
import { bindIfAsked, type GlobalOptions, loadContext, providerIo, requireClient, requireProfile } from "../flows/provider.js";
import { checkClientCredentials, clientCredentialsGrant, exchangeAuthorizationCode, grantNotAdvertised } from "../oidc/token.js";
import { formatToken } from "./token-format.js";

export interface TokenOptions extends GlobalOptions {
  refresh: boolean;
  idToken: boolean;
  output: TokenOutput;
  minValid: number;
  code?: string;
  codeVerifier?: string;
  redirectUri?: string;
  nonce?: string;
  clientCredentials: boolean;
  scope?: string;
}

export async function run(o: TokenOptions, deps: Deps): Promise<void> {
  if (o.json && o.output !== "token" && o.output !== "json")
    throw usageError(`--json and -o ${o.output} ask for different outputs`, "pass one of them (-o json is the JSON)");
  const output: TokenOutput = o.json ? "json" : o.output;
  if (o.code !== undefined) return exchangeCode(o, output, deps);
  if (o.clientCredentials) return clientCredentials(o, output, deps);
  return printFresh(o, output, deps);
}

/** `--code`: exchange a code from `oidc login --no-exchange` (or another client) and save the tokens. */
async function exchangeCode(o: TokenOptions, output: TokenOutput, deps: Deps): Promise<void> {
  const { term } = deps;
  term.secret(o.code);
  term.secret(o.codeVerifier);
  if (!o.codeVerifier) throw usageError("--code needs --code-verifier");
  const ctx = await loadContext(deps, o, { save: true });
  const client = requireClient(ctx);
  const redirectUri = o.redirectUri ?? client.redirect_uris?.[0];
  if (!redirectUri) throw usageError("--code needs --redirect-uri (the profile has none)");
  const exchanged = await exchangeAuthorizationCode(ctx.io, ctx, client, {
    code: o.code as string,
    codeVerifier: o.codeVerifier,
    redirectUri,
  });
  const response = exchanged.tokens;
  if (response.id_token && o.nonce === undefined)
    term.warn(
      `the ID token's nonce was not checked: pass --nonce (printed by \`oidc${profileFlag(ctx.profile.name)} login --no-exchange\`)`,
    );
  const { tokens } = await acceptTokens(deps, ctx.io, ctx.profile, exchanged.client, response, { dialect: ctx.dialect, nonce: o.nonce });
  const profile = await saveTokens(deps, ctx.profile, exchanged.client, tokens);
  const now = epochSeconds(deps.clock);
  term.info(`Saved tokens to profile ${profile.name}${profile.tokens ? ` (${describeExpiry(profile.tokens, now)})` : ""}.`);
  term.write(formatToken(tokens, output, o.idToken, now));
}

/** `--client-credentials`: a token for the client itself, in a profile that holds no user's login. */
async function clientCredentials(o: TokenOptions, output: TokenOutput, deps: Deps): Promise<void> {
  const ctx = await loadContext(deps, o, { save: true });
  const client = requireClient(ctx);
  checkClientCredentials(client);
  const held = ctx.profile.tokens;
  if (held && (held.sub || held.refresh_token))
    throw usageError(
      `profile ${ctx.profile.name} holds a user's login; client credentials would replace it`,
      "use a profile of its own for the client, e.g. -p ci",
    );
  // grant_types_supported is advisory: a grant left out is still tried, and a refusal quotes the provider.
  const unadvertised = grantNotAdvertised(ctx.metadata, "client_credentials");
  if (unadvertised) deps.term.warn(unadvertised);
  const granted = await clientCredentialsGrant(ctx.io, ctx, client, o.scope);
  const { tokens } = await acceptTokens(deps, ctx.io, ctx.profile, granted.client, granted.tokens, { dialect: ctx.dialect });
  await saveTokens(deps, ctx.profile, granted.client, tokens);
  deps.term.write(formatToken(tokens, output, false, epochSeconds(deps.clock)));
}

/** The cached token, refreshed first when it expires within --min-valid (or with --refresh). */
async function printFresh(o: TokenOptions, output: TokenOutput, deps: Deps): Promise<void> {
  // A bound provider is needed only for a refresh; --issuer given here re-binds like any command.
  await bindIfAsked(deps, o);
  requireProfile(deps, o, ExitCode.loginRequired);
  const name = deps.store.currentProfileName(o.profile);
  const { tokens } = await ensureFreshTokens(deps, () => providerIo(deps, o), name, {
    minValid: o.minValid,
    force: o.refresh,
    clientId: o.clientId,
  });
  if (o.idToken && !tokens.id_token) throw loginRequired(`profile ${name} has no ID token`, "log in with the openid scope");
  deps.term.write(formatToken(tokens, output, o.idToken, epochSeconds(deps.clock)));
}
