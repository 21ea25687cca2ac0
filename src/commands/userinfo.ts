/** `oidc userinfo`: the userinfo endpoint with a valid token; one retry after a refresh on 401. */
import { type GlobalOptions, loadContext } from "../context.js";
import { ExitCode, OidcError, refusedError, validationError } from "../errors.js";
import { httpRequest, parseJsonObject, providerRefused } from "../http.js";
import { out, outJson } from "../io.js";
import { authScheme } from "../output.js";
import type { Profile } from "../profile.js";
import { ensureFreshTokens } from "../tokens.js";

async function call(profile: Profile) {
  const endpoint = profile.metadata?.userinfo_endpoint;
  if (!endpoint) throw refusedError("the provider advertises no userinfo_endpoint");
  const t = profile.tokens!;
  return httpRequest(endpoint, {
    what: "userinfo",
    retry: true,
    headers: { authorization: `${authScheme(t.token_type)} ${t.access_token}` },
  });
}

export async function run(_args: unknown[], o: GlobalOptions & { claim?: string }): Promise<void> {
  const ctx = await loadContext(o, { save: true });
  let profile = await ensureFreshTokens(ctx.profile.name, 30, false, o.clientId);
  let res = await call(profile);
  if (res.status === 401 && profile.tokens?.refresh_token) {
    profile = await ensureFreshTokens(ctx.profile.name, 30, true, o.clientId);
    res = await call(profile);
  }
  if (res.status !== 200) throw providerRefused(res, "userinfo");
  if ((res.headers["content-type"] ?? "").includes("application/jwt"))
    throw refusedError("userinfo failed: signed userinfo responses (application/jwt) are not supported yet");
  const claims = parseJsonObject(res, "userinfo");
  if (typeof claims.sub !== "string") throw validationError("userinfo.sub", "the userinfo response has no sub");
  if (profile.tokens?.sub && claims.sub !== profile.tokens.sub)
    throw validationError("userinfo.sub", "the userinfo sub differs from the ID token's: the response is for another user");
  if (o.claim !== undefined) {
    if (!Object.hasOwn(claims, o.claim))
      throw new OidcError(ExitCode.unexpected, `userinfo has no claim ${JSON.stringify(o.claim)}`, {
        hint: `it has: ${Object.keys(claims).join(", ")}`,
      });
    const v = claims[o.claim];
    out(typeof v === "string" ? v : JSON.stringify(v));
    return;
  }
  outJson(claims);
}
