import { type GlobalOptions, loadContext } from "../context.js";
import { usageError } from "../errors.js";
import { outJson } from "../io.js";
import { readClient } from "../oidc/registration.js";
import { registerSecret } from "../redact.js";

export async function run([id]: unknown[], o: GlobalOptions & { sessionToken?: string }): Promise<void> {
  registerSecret(o.sessionToken);
  const ctx = await loadContext(o);
  const clientId = (id as string | undefined) ?? ctx.client?.client_id;
  if (!clientId) throw usageError("no client id", "pass a client id, or register one first");
  outJson(
    await readClient(ctx.metadata, ctx.dialect, clientId, {
      sessionToken: o.sessionToken,
      stored: ctx.profile.client,
      allowInsecureHttp: !!o.allowInsecureHttp,
    }),
  );
}
