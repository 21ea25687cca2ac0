import { bindProvider, discoverFor, type GlobalOptions, issuerInput, loadProfile } from "../context.js";
import { usageError } from "../errors.js";
import { info, outJson, settings } from "../io.js";
import { writeProfile } from "../store.js";

export async function run([url]: unknown[], g: GlobalOptions): Promise<void> {
  const input = (url as string | undefined) ?? issuerInput(g);
  if (!input) throw usageError("no provider given", "pass a URL, --issuer <url>, or set OIDC_ISSUER");
  const d = await discoverFor(g, input);
  const profile = bindProvider(loadProfile(g), d, input.replace(/\/+$/, ""));
  writeProfile(profile);
  if (settings.json) outJson(d.metadata);
  else {
    info(`Issuer ${d.metadata.issuer} (${d.dialect.label}), document at ${d.discoveryUrl}; saved to profile ${profile.name}.`);
    outJson(d.metadata);
  }
}
