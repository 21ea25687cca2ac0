/** `oidc decode`: a JWT's header and claims, times in human form, and whether it verifies. */
import { epochSeconds } from "../adapters/clock.js";
import type { Deps } from "../cli/deps.js";
import { loginRequired, OidcError, usageError } from "../errors.js";
import { type GlobalOptions, loadProfile, providerIo } from "../flows/provider.js";
import { storedDialect } from "../oidc/dialects/index.js";
import { decodeJwt, verifyIdToken } from "../oidc/idtoken.js";

const TIME_CLAIMS = ["exp", "iat", "nbf", "auth_time", "updated_at"];

export interface DecodeOptions extends GlobalOptions {
  /** The token, or "-" for stdin; default the profile's ID token. */
  jwt?: string;
}

export async function run(o: DecodeOptions, deps: Deps): Promise<void> {
  const { term } = deps;
  const profile = loadProfile(deps, o);
  let token = o.jwt;
  if (token === "-") {
    token = (await term.readStdin()).trim();
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
        io: await providerIo(deps, o),
        metadata: profile.metadata,
        dialect: storedDialect(profile.dialect),
        clientId: profile.client.client_id,
        clientSecret: profile.client.client_secret,
        now: epochSeconds(deps.clock),
      });
      verification = { verified: true };
    } catch (e) {
      if (!(e instanceof OidcError)) throw e;
      verification = { verified: false, reason: e.message };
    }
  }
  if (!o.json)
    term.info(
      verification.verified
        ? term.style.green(`verified against ${profile.metadata?.issuer}`)
        : term.style.yellow(`not verified: ${verification.reason}`),
    );
  term.outJson({ header: decoded.header, claims: decoded.claims, times, ...verification });
}
