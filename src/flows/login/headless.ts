/** Headless login with a better-auth session: the session drives authorize and consent; the result is the redirect to the callback. */
import type { StoredClient } from "../../adapters/store.js";
import type { Deps } from "../../cli/deps.js";
import { usageError } from "../../errors.js";
import type { AuthorizationRequest } from "../../oidc/authorize.js";
import { answerConsent, authorizeWithSession } from "../../oidc/dialects/better-auth.js";
import type { Context } from "../provider.js";
import type { LoginOptions } from "./index.js";

/** --consent, else a prompt where a person can answer; under CI or without a TTY, the flag is required. */
async function decideConsent(
  deps: Deps,
  o: Pick<LoginOptions, "consent">,
  clientName: string,
  scope: string | undefined,
): Promise<boolean> {
  if (o.consent) return o.consent === "accept";
  if (!deps.term.interactive())
    throw usageError("the provider asks for consent", "pass --consent accept or --consent deny (no prompt without a TTY or under CI)");
  return deps.term.confirm(`Allow ${clientName} access to ${scope ?? "the requested scopes"}?`, true);
}

export async function headlessRedirect(
  deps: Deps,
  ctx: Context,
  o: Pick<LoginOptions, "consent">,
  session: string,
  client: StoredClient,
  req: AuthorizationRequest,
): Promise<string> {
  if (!ctx.dialect.sessionEndpoints)
    throw usageError(
      `--session-token drives better-auth providers; ${ctx.metadata.issuer} is ${ctx.dialect.label}`,
      "log in through the browser instead",
    );
  const step = await authorizeWithSession(ctx.io, req.url, req.redirectUri, session, ctx.dialect);
  if (step.kind === "redirect") {
    deps.term.info("Consent was already given; no consent step.");
    return step.url;
  }
  const accept = await decideConsent(deps, o, client.client_name ?? client.client_id, step.consent.scope);
  const next = await answerConsent(ctx.io, ctx.metadata, ctx.dialect, step.consent, accept, session, req.redirectUri);
  deps.term.info(`Consent ${accept ? "accepted" : "denied"} for ${step.consent.scope ?? "the requested scopes"}.`);
  return next;
}
