/**
 * Entry point. `oidc token` with a valid cached token is answered here with node:fs alone (no
 * command parser, no HTTP client): scripts call it in loops. Everything else loads the CLI.
 * The flags (src/cli/flags.ts) and the "may this token be served" rule (src/flows/cached-token.ts)
 * are the full CLI's own.
 */
import { homedir } from "node:os";
import { configDir, ProfileStore } from "./adapters/store.js";
import { JSON_FLAG, PROFILE_FLAG, parseKnownFlags, TOKEN_FAST_FLAGS, type TokenOutput } from "./cli/flags.js";
import { formatToken } from "./commands/token-format.js";
import { servableCachedToken } from "./flows/cached-token.js";

function fastToken(args: string[]): boolean {
  const env = process.env;
  if (env.OIDC_DEBUG === "1") return false;
  const flags = parseKnownFlags(args, { ...TOKEN_FAST_FLAGS, profile: PROFILE_FLAG, json: JSON_FLAG });
  if (!flags) return false;
  const profileFlag = flags.profile as string | undefined;
  // An empty profile is the full CLI's usage error, not the current profile.
  if (profileFlag === "") return false;
  const store = new ProfileStore({ dir: configDir(env, process.platform, homedir()), profileFromEnv: env.OIDC_PROFILE });
  const nowSeconds = Math.floor(Date.now() / 1000);
  const idToken = flags.idToken === true;
  // OIDC_ISSUER is ambient: it never re-binds a profile that has a provider (src/flows/provider.ts).
  const tokens = servableCachedToken(store.readProfile(store.currentProfileName(profileFlag)), {
    minValid: flags.minValid as number,
    idToken,
    clientId: env.OIDC_CLIENT_ID || undefined,
    nowSeconds,
  });
  if (!tokens) return false;
  // --json with -o header|env is the full CLI's usage error.
  if (flags.json === true && flags.output !== "token" && flags.output !== "json") return false;
  const output = flags.json === true && flags.output === "token" ? "json" : (flags.output as TokenOutput);
  process.stdout.write(formatToken(tokens, output, idToken, nowSeconds));
  return true;
}

// A reader that stops early (`oidc … | head -1`) is not a failure.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

const argv = process.argv.slice(2);
let done = false;
if (argv[0] === "token") {
  try {
    done = fastToken(argv.slice(1));
  } catch {
    done = false; // the full CLI reports the problem properly
  }
}
if (!done) {
  const { runCli, systemDeps } = await import("./cli/index.js");
  const code = await runCli(argv, systemDeps());
  // Let stdout drain (a large JSON to a pipe), then end: nothing left open keeps the process.
  await new Promise<void>((resolve) => (process.stdout.writableLength ? process.stdout.once("drain", () => resolve()) : resolve()));
  process.exit(code);
}
