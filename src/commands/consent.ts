import { type GlobalOptions, loadContext } from "../context.js";
import { usageError } from "../errors.js";
import { out, outJson, settings } from "../io.js";
import { answerConsent, consentRequestFromUrl } from "../oidc/headless.js";
import { registerSecret } from "../redact.js";

export async function run(
  [pageUrl]: unknown[],
  o: GlobalOptions & { accept?: boolean; deny?: boolean; sessionToken?: string },
): Promise<void> {
  if (!!o.accept === !!o.deny) throw usageError("say --accept or --deny (one of them)");
  registerSecret(o.sessionToken);
  consentRequestFromUrl(pageUrl as string); // a bad URL is the first thing to say
  if (!o.sessionToken) throw usageError("answering consent needs a session", "pass --session-token or set OIDC_SESSION_TOKEN");
  const ctx = await loadContext(o);
  const consent = consentRequestFromUrl(pageUrl as string, ctx.dialect);
  const next = await answerConsent(ctx.metadata, ctx.dialect, consent, !!o.accept, o.sessionToken);
  if (settings.json) outJson({ redirect_uri: next });
  else out(next);
}
