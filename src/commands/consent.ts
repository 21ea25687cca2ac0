/** `oidc consent <url> --accept|--deny`: answer a better-auth consent request; prints the redirect URI. */
import type { Deps } from "../cli/deps.js";
import { usageError } from "../errors.js";
import { type GlobalOptions, loadContext } from "../flows/provider.js";
import { answerConsent, consentRequestFromUrl } from "../oidc/dialects/better-auth.js";

export interface ConsentOptions extends GlobalOptions {
  pageUrl: string;
  accept: boolean;
  deny: boolean;
  sessionToken?: string;
}

export async function run(o: ConsentOptions, deps: Deps): Promise<void> {
  if (o.accept === o.deny) throw usageError("say --accept or --deny (one of them)");
  const { term } = deps;
  term.secret(o.sessionToken);
  consentRequestFromUrl(o.pageUrl, term); // a bad URL is the first thing to say
  if (!o.sessionToken) throw usageError("answering consent needs a session", "pass --session-token or set OIDC_SESSION_TOKEN");
  const ctx = await loadContext(deps, o);
  const consent = consentRequestFromUrl(o.pageUrl, term, ctx.dialect);
  const next = await answerConsent(ctx.io, ctx.metadata, ctx.dialect, consent, o.accept, o.sessionToken);
  if (o.json) term.outJson({ redirect_uri: next });
  else term.out(next);
}
