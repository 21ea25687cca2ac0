/** `oidc discover [url]`: fetch, validate and print the discovery document; bind the provider to the profile. */
import type { Deps } from "../cli/deps.js";
import { usageError } from "../errors.js";
import { discoverAndBind, type GlobalOptions, issuerInput } from "../flows/provider.js";

export interface DiscoverOptions extends GlobalOptions {
  url?: string;
}

export async function run(o: DiscoverOptions, deps: Deps): Promise<void> {
  const input = o.url ?? issuerInput(o);
  if (!input) throw usageError("no provider given", "pass a URL, --issuer <url>, or set OIDC_ISSUER");
  const { profile, discovered: d } = await discoverAndBind(deps, o, input);
  if (!o.json)
    deps.term.info(`Issuer ${d.metadata.issuer} (${d.dialect.label}), document at ${d.discoveryUrl}; saved to profile ${profile.name}.`);
  deps.term.outJson(d.metadata);
}
