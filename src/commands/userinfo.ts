/** `oidc userinfo`: the userinfo endpoint with a valid token; one retry after a refresh on 401. */
import type { Deps } from "../cli/deps.js";
import { ExitCode, OidcError } from "../errors.js";
import { ensureFreshTokens } from "../flows/fresh-tokens.js";
import { type GlobalOptions, loadContext, requireProfile } from "../flows/provider.js";
import { isUnauthorized, processUserinfoResponse, userinfoRequest } from "../oidc/userinfo.js";

export interface UserinfoOptions extends GlobalOptions {
  claim?: string;
}

export async function run(o: UserinfoOptions, deps: Deps): Promise<void> {
  requireProfile(deps, o, ExitCode.loginRequired);
  const ctx = await loadContext(deps, o, { save: true });
  const io = async () => ctx.io;
  const fresh = (force: boolean) => ensureFreshTokens(deps, io, ctx.profile.name, { minValid: 30, force, clientId: o.clientId });
  let profile = await fresh(false);
  const metadata = profile.metadata ?? ctx.metadata;
  let res = await userinfoRequest(ctx.io.http, metadata, profile.tokens);
  if (isUnauthorized(res) && profile.tokens.refresh_token) {
    profile = await fresh(true);
    res = await userinfoRequest(ctx.io.http, metadata, profile.tokens);
  }
  const claims = processUserinfoResponse(res, { sub: profile.tokens.sub });
  if (o.claim !== undefined) {
    if (!Object.hasOwn(claims, o.claim))
      throw new OidcError(ExitCode.unexpected, `userinfo has no claim ${JSON.stringify(o.claim)}`, {
        hint: `it has: ${Object.keys(claims).join(", ")}`,
      });
    const v = claims[o.claim];
    // Raw for `$(…)`; with --json, the claim's JSON value (a string quoted).
    deps.term.out(typeof v === "string" && !o.json ? v : JSON.stringify(v));
    return;
  }
  deps.term.outJson(claims);
}
