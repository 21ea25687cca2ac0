/**
 * The command tree. Each command's module is imported only when it runs, so `--help` and the
 * cheap commands do not pay for the HTTP client, prompts or the browser opener.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ExitCode, OidcError } from "./errors.js";
import { redact } from "./redact.js";
import { settings, style } from "./io.js";
import type { GlobalOptions } from "./context.js";

const VERSION = "0.1.0";

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, 0 or more`);
  return n;
};
const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("must be a port number (1-65535)");
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

// Each command module declares the options commander gives it.
type Action = (args: unknown[], opts: any) => Promise<void>;
/** Run a command module lazily, with its options merged with the global ones. */
function lazy(load: () => Promise<{ run: Action }>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as Record<string, unknown> & GlobalOptions;
    opts.issuerFromEnv = cmd.getOptionValueSourceWithGlobals("issuer") === "env";
    opts.sessionTokenFromEnv = cmd.getOptionValueSource("sessionToken") === "env";
    const { applyGlobalOptions } = await import("./context.js");
    applyGlobalOptions(opts);
    const { run } = await load();
    await run(args.slice(0, -2), opts);
  };
}

const sessionOption = () =>
  new Option("--session-token <token>", "a better-auth session token (prefer the env var: argv is visible to other users)").env(
    "OIDC_SESSION_TOKEN",
  );

export function buildProgram(): Command {
  const program = new Command("oidc")
    .description("An OpenID Connect client for developers, shell scripts and CI.")
    .version(VERSION, "-V, --version")
    .addOption(
      new Option("-p, --profile <name>", "profile in the local store (default: the current one, else 'default')").env("OIDC_PROFILE"),
    )
    .addOption(new Option("--issuer <url>", "issuer URL, discovery-document URL, or an app's base URL").env("OIDC_ISSUER"))
    .addOption(new Option("--client-id <id>", "use an existing client instead of the profile's").env("OIDC_CLIENT_ID"))
    .option("--client-secret-file <path>", "read the client secret from a file (or set OIDC_CLIENT_SECRET)")
    .option("--client-secret-stdin", "read the client secret from stdin")
    .option("--json", "machine-readable output on stdout")
    .option("-v, --verbose", "HTTP trace on stderr, secrets redacted (or OIDC_DEBUG=1)")
    .option("--no-color", "no colour (also NO_COLOR; FORCE_COLOR forces it)")
    .option("--timeout <seconds>", "per HTTP request", "30")
    .option("--allow-insecure-http", "allow plain http to non-loopback hosts")
    .option("--ca-file <pem>", "trust this CA as well (NODE_EXTRA_CA_CERTS is honoured too)")
    .addOption(
      new Option("--dialect <id>", "override the provider dialect")
        .choices(["standard", "better-auth-1.6", "better-auth-1.7"])
        .env("OIDC_DIALECT"),
    )
    .showHelpAfterError("(run `oidc --help` for usage)")
    .enablePositionalOptions(false);

  program
    .command("discover")
    .description("fetch, validate and print the discovery document; save the provider to the profile")
    .argument("[url]", "issuer, document or app base URL (default --issuer / OIDC_ISSUER)")
    .action(lazy(() => import("./commands/discover.js")));

  program
    .command("register")
    .description("register a client (RFC 7591) and save it to the profile; prints the registration response")
    .requiredOption("--name <name>", "client name")
    .option("--redirect-uri <uri>", "redirect URI (repeatable; default http://127.0.0.1:<port>/callback)", collect)
    .option("--port <n>", "loopback port of the default redirect URI (default 8765)", port)
    .option("--scope <scopes>", "scopes the client may ask for")
    .addOption(
      new Option("--auth-method <method>", "token endpoint client authentication").choices([
        "client_secret_basic",
        "client_secret_post",
        "none",
      ]),
    )
    .addOption(sessionOption())
    .addOption(new Option("--initial-access-token <token>", "initial access token for registration").env("OIDC_INITIAL_ACCESS_TOKEN"))
    .option("--force", "replace the client of a profile that is logged in (its tokens are forgotten)")
    .action(lazy(() => import("./commands/register.js")));

  program
    .command("client")
    .description("show what the provider knows of a client")
    .argument("[client-id]", "default: the profile's client")
    .addOption(sessionOption())
    .action(lazy(() => import("./commands/client.js")));

  program
    .command("authorize")
    .alias("login")
    .description("log in: authorization code + PKCE, state and nonce; validates and saves the tokens")
    .option("--scope <scopes>", "scopes to request (default: the profile's, else 'openid profile email offline_access')")
    .option("--port <n>", "loopback callback port", port)
    .option("--prompt <value>", "prompt parameter (login, consent, none, select_account)")
    .option("--no-browser", "print the URL and wait; the redirect URL, pasted on a TTY or piped on stdin, also completes it")
    .addOption(sessionOption())
    .addOption(new Option("--consent <decision>", "answer the consent page in a headless flow").choices(["accept", "deny"]))
    .option("--no-exchange", "print code, verifier and redirect URI as JSON instead of exchanging")
    .option("--callback-timeout <seconds>", "how long to wait for the browser", positiveInt("--callback-timeout"), 300)
    .option("--device", "device authorization grant (RFC 8628): show a code to enter on another device")
    .action(lazy(() => import("./commands/authorize.js")));

  program
    .command("consent")
    .description("answer a provider's consent request; prints the redirect URI it returns")
    .argument("<consent-page-url>", "the consent page URL the provider redirected to")
    .option("--accept", "give consent")
    .option("--deny", "refuse consent")
    .addOption(sessionOption())
    .action(lazy(() => import("./commands/consent.js")));

  program
    .command("token")
    .description("print a valid access token, refreshing first when it expires within --min-valid")
    .option("--refresh", "refresh now, even if the token is still valid")
    .option("--id-token", "print the ID token instead")
    .addOption(new Option("-o, --output <format>", "output format").choices(["token", "json", "header", "env"]).default("token"))
    .option("--min-valid <seconds>", "refresh when the token expires within this many seconds", positiveInt("--min-valid"), 60)
    .option("--code <code>", "exchange this authorization code and save the tokens")
    .option("--code-verifier <verifier>", "the PKCE verifier of --code")
    .option("--redirect-uri <uri>", "the redirect URI used with --code (default: the profile's)")
    .option("--nonce <nonce>", "the nonce of the authorization request of --code, to check the ID token against")
    .option("--client-credentials", "get a token for the client itself (client_credentials grant) and save it")
    .option("--scope <scopes>", "scopes for --client-credentials")
    .action(lazy(() => import("./commands/token.js")));

  program
    .command("userinfo")
    .description("call the userinfo endpoint with a valid token; prints JSON")
    .option("--claim <name>", "print one claim's raw value")
    .action(lazy(() => import("./commands/userinfo.js")));

  const profile = program.command("profile").description("the local profile store (secrets masked unless --show-secrets)");
  profile
    .command("list")
    .description("list profiles")
    .action(lazy(() => import("./commands/profile.js").then((m) => ({ run: m.list }))));
  profile
    .command("show")
    .description("show a profile")
    .argument("[name]", "default: the current profile")
    .option("--show-secrets", "print secrets and tokens unmasked")
    .action(lazy(() => import("./commands/profile.js").then((m) => ({ run: m.show }))));
  profile
    .command("use")
    .description("make a profile the current one")
    .argument("<name>")
    .action(lazy(() => import("./commands/profile.js").then((m) => ({ run: m.use }))));
  profile
    .command("remove")
    .description("delete a profile")
    .argument("<name>")
    .action(lazy(() => import("./commands/profile.js").then((m) => ({ run: m.remove }))));

  program
    .command("logout")
    .description("revoke the tokens where the provider can, then forget them locally")
    .action(lazy(() => import("./commands/logout.js")));

  program
    .command("introspect")
    .description("ask the provider whether a token is active (RFC 7662)")
    .argument("[token]", "default: the profile's access token")
    .option("--refresh-token", "introspect the profile's refresh token instead")
    .action(lazy(() => import("./commands/introspect.js")));

  program
    .command("decode")
    .description("show a JWT's header and claims, and whether it verifies against the profile's provider")
    .argument("[jwt]", "the token, or - for stdin (default: the profile's ID token)")
    .action(lazy(() => import("./commands/decode.js")));

  program
    .command("exec")
    .description(
      "run a command with OIDC_ACCESS_TOKEN, OIDC_TOKEN_TYPE, OIDC_TOKEN_EXPIRES_AT (and OIDC_ID_TOKEN) set to valid tokens; exits with its code",
    )
    .usage("[options] -- <command> [args...]")
    .argument("<command...>", "the command to run and its arguments (after --)")
    .option("--min-valid <seconds>", "refresh first when the token expires within this many seconds", positiveInt("--min-valid"), 60)
    .action(lazy(() => import("./commands/exec.js")));

  const completion = program.command("completion").description("print a shell completion script (the files in completions/)");
  completion
    .addArgument(completion.createArgument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"]))
    .action(lazy(() => import("./commands/completion.js")));

  program
    .command("doctor")
    .description("a conformance lint of the provider: pass/warn/fail per check (exit 4 when any fails)")
    .argument("[url]", "issuer, document or app base URL (default --issuer / OIDC_ISSUER, else the profile's provider)")
    .action(lazy(() => import("./commands/doctor.js")));

  program.addHelpText(
    "after",
    `
Environment:
  OIDC_PROFILE, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_SESSION_TOKEN,
  OIDC_CONFIG_DIR, OIDC_DEBUG=1, OIDC_DIALECT, OIDC_BROWSER / BROWSER (%s = the URL),
  NO_COLOR, FORCE_COLOR, HTTPS_PROXY / HTTP_PROXY / NO_PROXY, NODE_EXTRA_CA_CERTS, CI

Exit codes:
  0 success, 1 unexpected, 2 usage, 3 network, 4 provider refused,
  5 login required, 6 validation failed (possible attack), 130 interrupted

Examples:
  oidc discover https://op.example && oidc register --name my-app && oidc login
  curl -H "Authorization: Bearer $(oidc token)" https://api.example/
  oidc userinfo --claim email`,
  );
  return program;
}

function printError(e: OidcError): void {
  process.stderr.write(`${style.red("oidc:")} ${redact(e.message)}\n`);
  if (e.hint) process.stderr.write(`${style.dim(`hint: ${redact(e.hint)}`)}\n`);
  if (settings.verbose && e.stack) process.stderr.write(`${style.dim(redact(e.stack))}\n`);
}

async function flushAndExit(code: number): Promise<never> {
  await new Promise<void>((resolve) => (process.stdout.writableLength ? process.stdout.once("drain", () => resolve()) : resolve()));
  process.exit(code);
}

export async function runCli(argv: string[]): Promise<void> {
  process.on("SIGINT", () => {
    process.stderr.write("\noidc: interrupted\n");
    process.exit(ExitCode.interrupted);
  });
  if (argv.slice(2).includes("--verbose") || argv.slice(2).includes("-v")) settings.verbose = true;
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({
    outputError: (str, write) => write(`${style.red("oidc:")} ${str.replace(/^error: /, "")}`),
  });
  const override = (c: Command, path = ""): void => {
    c.exitOverride();
    c.showHelpAfterError(`(run \`oidc${path} --help\` for usage)`);
    c.configureOutput(program.configureOutput()); // subcommands were created before it was set
    for (const sub of c.commands) override(sub, `${path} ${sub.name()}`);
  };
  override(program);
  let code: number = ExitCode.ok;
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      code = e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : ExitCode.usage;
    } else if (e instanceof OidcError) {
      printError(e);
      code = e.exitCode;
    } else if ((e as Error)?.name === "ExitPromptError") {
      process.stderr.write("\noidc: interrupted\n");
      code = ExitCode.interrupted;
    } else {
      const err = e as Error;
      process.stderr.write(`oidc: unexpected failure: ${redact(err?.message ?? String(e))}\n`);
      if (settings.verbose && err?.stack) process.stderr.write(`${redact(err.stack)}\n`);
      code = ExitCode.unexpected;
    }
  }
  await flushAndExit(code);
}
