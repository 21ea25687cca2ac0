/** `oidc decode`: a JWT's header and claims, times in human form, and whether it verifies. */
import { readFileSync } from "node:fs";
import type { GlobalOptions } from "../context.js";
import { loadProfile } from "../context.js";
import { loginRequired, OidcError, usageError } from "../errors.js";
import { info, outJson, settings, style } from "../io.js";
import { decodeJwt, verifyIdToken } from "../oidc/idtoken.js";
import { storedDialect } from "../oidc/dialects.js";

const TIME_CLAIMS = ["exp", "iat", "nbf", "auth_time", "updated_at"];

export async function run([arg]: unknown[], g: GlobalOptions): Promise<void> {
  const profile = loadProfile(g);
  let token = arg as string | undefined;
  if (token === "-") {
    token = readFileSync(0, "utf8").trim();
    if (!token) throw usageError("no JWT on stdin");
  }
  if (!token) {
    token = profile.tokens?.id_token;
    if (!token) throw loginRequired(`profile ${profile.name} has no ID token to decode`, "pass a JWT, or - to read one from stdin");
  }
  let decoded: ReturnType<typeof decodeJwt>;
  try {
    decoded = decodeJwt(token);
  } catch (e) {
    throw usageError(`not a JWT: ${(e as Error).message.replace(/^id_token\.format check failed: /, "")}`);
  }
  const times: Record<string, string> = {};
  for (const k of TIME_CLAIMS) {
    const v = decoded.claims[k];
    if (typeof v === "number") times[k] = new Date(v * 1000).toISOString();
  }
  let verification: { verified: boolean; reason?: string };
  if (!profile.metadata || !profile.client)
    verification = { verified: false, reason: "no provider or client in the profile to verify against" };
  else if (typeof decoded.claims.iss === "string" && decoded.claims.iss !== profile.metadata.issuer)
    verification = {
      verified: false,
      reason: `issued by ${decoded.claims.iss}, not by this profile's provider ${profile.metadata.issuer} (use -p for that provider's profile)`,
    };
  else {
    try {
      await verifyIdToken(token, {
        metadata: profile.metadata,
        dialect: storedDialect(profile.dialect),
        clientId: profile.client.client_id,
        clientSecret: profile.client.client_secret,
      });
      verification = { verified: true };
    } catch (e) {
      if (!(e instanceof OidcError)) throw e;
      verification = { verified: false, reason: e.message };
    }
  }
  if (!settings.json)
    info(
      verification.verified
        ? style.green(`verified against ${profile.metadata?.issuer}`)
        : style.yellow(`not verified: ${verification.reason}`),
    );
  outJson({ header: decoded.header, claims: decoded.claims, times, ...verification });
}
