/** `oidc logout`: revoke at the revocation endpoint where advertised, then forget the tokens (src/flows/logout.ts). */
import type { Deps } from "../cli/deps.js";
import { logout } from "../flows/logout.js";
import { ExitCode } from "../errors.js";
import { type GlobalOptions, requireProfile } from "../flows/provider.js";

export type LogoutOptions = GlobalOptions;

export async function run(o: LogoutOptions, deps: Deps): Promise<void> {
  requireProfile(deps, o, ExitCode.usage);
  const result = await logout(deps, o);
  if (o.json) deps.term.outJson(result);
}
