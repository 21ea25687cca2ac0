import { bindProvider, discoverFor, type GlobalOptions, issuerInput, loadProfile } from "../context.js";
import { usageError } from "../errors.js";
import { info, outJson, settings } from "../io.js";
import { updateProfile } from "../store.js";

export async function run([url]: unknown[], g: GlobalOptions): Promise<void> {
  const input = (url as string | undefined) ?? issuerInput(g);
  if (!input) throw usageError("no provider given", "pass a URL, --issuer <url>, or set OIDC_ISSUER");
  const d = await discoverFor(g, input);
  const name = loadProfile(g).name;
  const profile = await updateProfile(name, (current) => bindProvider(current ?? { name }, d, input.replace(/\/+$/, "")));
  if (settings.json) outJson(d.metadata);
  else {
    info(`Issuer ${d.metadata.issuer} (${d.dialect.label}), document at ${d.discoveryUrl}; saved to profile ${profile.name}.`);
    outJson(d.metadata);
  }
}
