/** `oidc register --name <name>`: dynamic client registration into the profile; prints the registration response. */
import type { Deps } from "../cli/deps.js";
import { type RegisterOptions, register } from "../flows/register.js";

export type { RegisterOptions };

export async function run(o: RegisterOptions, deps: Deps): Promise<void> {
  const { profile, client, response } = await register(deps, o);
  deps.term.info(`Registered client ${client.client_id} (${client.client_name}); saved to profile ${profile}.`);
  deps.term.outJson(response);
}
