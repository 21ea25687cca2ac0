/**
 * Entry point. `oidc token` with a valid cached token is answered here with node:fs alone (no
 * command parser, no HTTP client): scripts call it in loops. Everything else loads the CLI.
 */
import { formatToken, TOKEN_OUTPUTS, type TokenOutput } from "./output.js";
import { tokenFresh } from "./profile.js";
import { currentProfileName, readProfile } from "./store.js";

function fastToken(args: string[]): boolean {
  let profile: string | undefined;
  let output: TokenOutput = "token";
  let minValid = 60;
  let idToken = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "-p" || flag === "--profile") profile = value();
    else if (flag === "--output" || flag === "-o") {
      const v = value();
      if (!TOKEN_OUTPUTS.includes(v as TokenOutput)) return false;
      output = v as TokenOutput;
    } else if (flag === "--json") output = "json";
    else if (flag === "--id-token") idToken = true;
    else if (flag === "--min-valid") {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0) return false;
      minValid = v;
    } else return false;
  }
  // A profile flag without a value is the full CLI's usage error, not the current profile.
  if (profile === undefined && args.some((a) => a === "-p" || a === "--profile" || a.startsWith("--profile="))) return false;
  if (profile === "") return false;
  const env = process.env;
  const p = readProfile(currentProfileName(profile));
  if (!p?.tokens || !tokenFresh(p.tokens, minValid)) return false;
  if (idToken && !p.tokens.id_token) return false;
  // OIDC_ISSUER is ambient: it never re-binds a profile that has a provider (see context.ts).
  if (env.OIDC_CLIENT_ID && env.OIDC_CLIENT_ID !== p.client?.client_id) return false;
  if (env.OIDC_DEBUG === "1") return false;
  process.stdout.write(formatToken(p.tokens, output, idToken));
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
  const { runCli } = await import("./cli.js");
  await runCli(process.argv);
}
