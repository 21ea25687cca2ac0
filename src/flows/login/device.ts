/** RFC 8628 login: show the code, open the verification page where a browser is configured, poll. */
import type { StoredClient } from "../../adapters/store.js";
import type { Deps } from "../../cli/deps.js";
import { pollDeviceToken, startDeviceAuthorization } from "../../oidc/device.js";
import type { TokenResponse } from "../../oidc/token.js";
import type { Context } from "../provider.js";
import type { LoginOptions } from "./index.js";

export async function deviceLogin(
  deps: Deps,
  ctx: Context,
  o: Pick<LoginOptions, "browser" | "callbackTimeout" | "allowInsecureHttp">,
  client: StoredClient,
  scope: string,
): Promise<TokenResponse> {
  const { term } = deps;
  const device = await startDeviceAuthorization(ctx.io, ctx.metadata, client, scope, o.allowInsecureHttp);
  // The user code and the links are for the user to read and copy: shown as they are, not redacted.
  term.infoAsIs(`To sign in, visit ${term.style.cyan(device.verification_uri)} and enter the code ${term.style.bold(device.user_code)}`);
  if (device.verification_uri_complete) term.infoAsIs(`  or open ${device.verification_uri_complete}`);
  if (o.browser && (deps.browser.configured() || !term.ci)) {
    await deps.browser.open(device.verification_uri_complete ?? device.verification_uri, (e) => term.warn(e.message));
  }
  const spinner = await term.spin(`Waiting for the sign-in to finish (code ${device.user_code}, expires in ${device.expires_in}s)…`);
  try {
    return await pollDeviceToken(ctx.io, ctx.metadata, client, device, o.callbackTimeout, deps.clock);
  } finally {
    spinner.stop();
  }
}
