/** The userinfo endpoint (OIDC Core §5.3): the request, and the checks on its answer. */
import { refusedError, validationError } from "../errors.js";
import type { ProviderMetadata } from "./discovery.js";
import type { HttpClient, HttpResponse } from "./ports.js";
import { parseJsonObject, providerRefused } from "./response.js";

/** The `Authorization` scheme of a token type: `Bearer` spelled as RFC 6750 does, others as given. */
export const authScheme = (tokenType: string) => (tokenType.toLowerCase() === "bearer" ? "Bearer" : tokenType);

export async function userinfoRequest(
  http: HttpClient,
  metadata: ProviderMetadata,
  token: { access_token: string; token_type: string },
): Promise<HttpResponse> {
  const endpoint = metadata.userinfo_endpoint;
  if (!endpoint) throw refusedError("the provider advertises no userinfo_endpoint");
  return http.request(endpoint, {
    what: "userinfo",
    retry: true,
    headers: { authorization: `${authScheme(token.token_type)} ${token.access_token}` },
  });
}

/** A 401 means the token is no longer good (a refresh may help); the caller decides whether to retry. */
export const isUnauthorized = (res: HttpResponse) => res.status === 401;

/**
 * The claims, once they are known to be about the user the ID token named (OIDC Core §5.3.2:
 * the `sub` must match, or the response is for another user and must not be used).
 */
export function processUserinfoResponse(res: HttpResponse, expected: { sub?: string }): Record<string, unknown> {
  if (res.status !== 200) throw providerRefused(res, "userinfo");
  if ((res.headers["content-type"] ?? "").includes("application/jwt"))
    throw refusedError("userinfo failed: signed userinfo responses (application/jwt) are not supported yet");
  const claims = parseJsonObject(res, "userinfo");
  if (typeof claims.sub !== "string") throw validationError("userinfo.sub", "the userinfo response has no sub");
  if (expected.sub && claims.sub !== expected.sub)
    throw validationError("userinfo.sub", "the userinfo sub differs from the ID token's: the response is for another user");
  return claims;
}
