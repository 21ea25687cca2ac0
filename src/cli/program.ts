/**
 * The command tree. Each command's module is imported only when it runs, so `--help` and the
 * cheap commands do not pay for the HTTP client, prompts or the browser opener. Each action turns
 * commander's values into the command's one typed options object (src/cli/options.ts).
 */
import { Command, InvalidArgumentError, Option } from "commander";
import type { Env } from "../adapters/env.js";
import { usageError } from "../errors.js";
import type { LoginOptions } from "../flows/login/index.js";
import { DIALECT_IDS } from "../oidc/dialects/index.js";
import type { Deps } from "./deps.js";
import { type FlagSpec, JSON_FLAG, MIN_VALID_FLAG, PROFILE_FLAG, TOKEN_FAST_FLAGS, type TokenOutput, wholeNumber } from "./flags.js";
import { fromEnv, globalOptions, ownOptions } from "./options.js";

export const VERSION = "0.1.0";

/** What a command module's `run` is: typed options and the deps; a number it returns is the exit code (exec). */
export type CommandRun = (opts: any, deps: Deps) => Promise<unknown>;

export interface ProgramHooks {
  /** The environment commander reads `.env()` options from (the injected one, not process.env). */
  env: Env;
  /** Run the chosen command: load its module, then call it with its options. */
  run(load: () => Promise<CommandRun>, opts: object): Promise<void>;
}

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError("must be a port number (1-65535)");
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A commander Option from a shared declaration (src/cli/flags.ts). */
function option(spec: FlagSpec): Option {
  const o = new Option(spec.flags, spec.description);
  if (spec.choices) o.choices(spec.choices);
  if (spec.default !== undefined) o.default(spec.default);
  if (spec.env) o.env(spec.env);
  const parse = spec.parse;
  if (parse)
    o.argParser((v: string) => {
      try {
        return parse(v);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    });
  return o;
}

const sessionOption = () =>
  new Option("--session-token <token>", "a better-auth session token (prefer the env var: argv is visible to other users)").env(
    "OIDC_SESSION_TOKEN",
  );

/** commander reads `.env()` options from process.env; read them from the injected environment instead. */
function readEnvFrom(cmd: Command, env: Env): void {
  const c = cmd as unknown as {
    options: Option[];
    getOptionValue(k: string): unknown;
    getOptionValueSource(k: string): string | undefined;
    emit(event: string, value?: string): void;
    _parseOptionsEnv: () => void;
  };
  c._parseOptionsEnv = () => {
    for (const option of c.options) {
      if (!option.envVar || env[option.envVar] === undefined) continue;
      const key = option.attributeName();
      // Priority as commander's own: never over the command line.
      if (c.getOptionValue(key) === undefined || ["default", "config", "env"].includes(c.getOptionValueSource(key) as string)) {
        if (option.required || option.optional) c.emit(`optionEnv:${option.name()}`, env[option.envVar]);
        else c.emit(`optionEnv:${option.name()}`);
      }
    }
  };
  for (const sub of cmd.commands) readEnvFrom(sub, env);
}

const rootOf = (cmd: Command): Command => (cmd.parent ? rootOf(cmd.parent) : cmd);

/**
 * The global options. The program declares them (with their variables and defaults); every
 * command carries a hidden copy, so that a global flag after the command is parsed by the command,
 * which knows which of its own flags take a value: `token --code -vXy` is a code, not `-v -X -y`.
 */
function globalOptionList(copy: boolean): Option[] {
  const o = (opt: Option, env?: string, def?: string) => {
    if (copy) return opt.hideHelp();
    if (env) opt.env(env);
    if (def !== undefined) opt.default(def);
    return opt;
  };
  return [
    o(new Option(PROFILE_FLAG.flags, PROFILE_FLAG.description), PROFILE_FLAG.env),
    o(new Option("--issuer <url>", "issuer URL, discovery-document URL, or an app's base URL"), "OIDC_ISSUER"),
    o(new Option("--client-id <id>", "use an existing client instead of the profile's"), "OIDC_CLIENT_ID"),
    o(new Option("--client-secret-file <path>", "read the client secret from a file (or set OIDC_CLIENT_SECRET)")),
    o(new Option("--client-secret-stdin", "read the client secret from stdin")),
    o(new Option(JSON_FLAG.flags, JSON_FLAG.description)),
    o(new Option("-v, --verbose", "HTTP trace on stderr, secrets redacted (or OIDC_DEBUG=1)")),
    o(new Option("-q, --quiet", "no warnings for the provider deviations oidc knows and accepts (or OIDC_QUIET=1)")),
    o(new Option("--no-color", "no colour (also NO_COLOR; FORCE_COLOR forces it)")),
    o(new Option("--timeout <seconds>", "per HTTP request"), undefined, "30"),
    o(new Option("--allow-insecure-http", "allow plain http to non-loopback hosts")),
    o(new Option("--ca-file <pem>", "trust this CA as well (NODE_EXTRA_CA_CERTS is honoured too)")),
    o(new Option("--dialect <id>", "override the provider dialect").choices(DIALECT_IDS), "OIDC_DIALECT"),
  ];
}

/**
 * The command about to run gets the hidden copies (and one with subcommands parses positionally
 * too), just before commander hands it its arguments: `--help` does not build copies for all.
 */
function shareGlobalOptions(cmd: Command): void {
  if (!cmd.commands.length) return;
  cmd.hook("preSubcommand", (_parent, sub) => {
    for (const opt of globalOptionList(true)) sub.addOption(opt);
    if (sub.commands.length) sub.enablePositionalOptions(true);
  });
  for (const sub of cmd.commands) shareGlobalOptions(sub);
}

export function buildProgram(hooks: ProgramHooks = { env: {}, run: async () => {} }): Command {
  /** An action: positionals and flags → the command's options, then the command. */
  const action =
    (load: () => Promise<CommandRun>, toOptions: (args: unknown[], cmd: Command) => object = () => ({})) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const opts = { ...globalOptions(cmd), ...toOptions(args.slice(0, -2), cmd) };
      await hooks.run(load, opts);
    };
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);

  const program = new Command("oidc")
    .description("An OpenID Connect client for developers, shell scripts and CI.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run `oidc --help` for usage)")
    .configureHelp({ showGlobalOptions: true })
    .enablePositionalOptions(true);
  for (const opt of globalOptionList(false)) program.addOption(opt);

  const mod =
    <T>(load: () => Promise<T>, pick: (m: T) => CommandRun) =>
    () =>
      load().then(pick);

  program
    .command("discover")
    .description("fetch, validate and print the discovery document; save the provider to the profile")
    .argument("[url]", "issuer, document or app base URL (default --issuer / OIDC_ISSUER)")
    .action(
      action(
        mod(
          () => import("../commands/discover.js"),
          (m) => m.run,
        ),
        ([url]) => ({ url: str(url) }),
      ),
    );

  program
    .command("register")
    .description("register a client (RFC 7591) and save it to the profile; prints the registration response")
    .requiredOption("--name <name>", "client name (required)")
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
    .action(
      action(
        mod(
          () => import("../commands/register.js"),
          (m) => m.run,
        ),
        (_, cmd) => {
          const o = ownOptions(cmd);
          return {
            name: o.name as string,
            redirectUris: (o.redirectUri as string[] | undefined) ?? [],
            port: o.port as number | undefined,
            scope: str(o.scope),
            authMethod: str(o.authMethod),
            sessionToken: str(o.sessionToken),
            initialAccessToken: str(o.initialAccessToken),
            force: o.force === true,
          };
        },
      ),
    );

  program
    .command("client")
    .description("show what the provider knows of a client")
    .argument("[client-id]", "default: the profile's client")
    .addOption(sessionOption())
    .action(
      action(
        mod(
          () => import("../commands/client.js"),
          (m) => m.run,
        ),
        ([id], cmd) => ({ clientIdArg: str(id), sessionToken: str(ownOptions(cmd).sessionToken) }),
      ),
    );

  program
    .command("authorize")
    .alias("login")
    .description("log in: authorization code + PKCE, state and nonce; validates and saves the tokens")
    .option("--scope <scopes>", "scopes to request (default: the profile's, else 'openid profile email offline_access')")
    .option("--port <n>", "loopback callback port (default: the registered redirect URI's, else 8765)", port)
    .option("--redirect-uri <uri>", "this exact loopback redirect URI (http://127.0.0.1 or http://localhost; its path is served)")
    .option("--prompt <value>", "prompt parameter (login, consent, none, select_account)")
    .option("--no-browser", "print the URL and wait; the redirect URL, pasted on a TTY or piped on stdin, also completes it")
    .addOption(sessionOption())
    .addOption(
      new Option("--initial-access-token <token>", "initial access token, to register a client where the profile has none").env(
        "OIDC_INITIAL_ACCESS_TOKEN",
      ),
    )
    .addOption(new Option("--consent <decision>", "answer the consent page in a headless flow").choices(["accept", "deny"]))
    .option("--no-exchange", "print code, verifier and redirect URI as JSON instead of exchanging")
    .addOption(
      option({
        flags: "--callback-timeout <seconds>",
        description: "how long to wait for the browser",
        // A timer holds at most 2^31-1 ms (about 24 days).
        parse: wholeNumber("--callback-timeout", 2_147_483),
        default: 300,
      }),
    )
    .option("--device", "device authorization grant (RFC 8628): show a code to enter on another device")
    .action(
      action(
        mod(
          () => import("../commands/authorize.js"),
          (m) => m.run,
        ),
        (_, cmd): Omit<LoginOptions, keyof ReturnType<typeof globalOptions>> => {
          const o = ownOptions(cmd);
          return {
            scope: str(o.scope),
            port: o.port as number | undefined,
            redirectUri: str(o.redirectUri),
            prompt: str(o.prompt),
            browser: o.browser !== false,
            sessionToken: str(o.sessionToken),
            sessionTokenFromEnv: fromEnv(cmd, "sessionToken"),
            initialAccessToken: str(o.initialAccessToken),
            initialAccessTokenFromEnv: fromEnv(cmd, "initialAccessToken"),
            consent: o.consent as LoginOptions["consent"],
            exchange: o.exchange !== false,
            callbackTimeout: o.callbackTimeout as number,
            device: o.device === true,
          };
        },
      ),
    );

  program
    .command("consent")
    .description("answer a provider's consent request; prints the redirect URI it returns")
    .argument("<consent-page-url>", "the consent page URL the provider redirected to")
    .option("--accept", "give consent")
    .option("--deny", "refuse consent")
    .addOption(sessionOption())
    .action(
      action(
        mod(
          () => import("../commands/consent.js"),
          (m) => m.run,
        ),
        ([pageUrl], cmd) => {
          const o = ownOptions(cmd);
          return { pageUrl: pageUrl as string, accept: o.accept === true, deny: o.deny === true, sessionToken: str(o.sessionToken) };
        },
      ),
    );

  program
    .command("token")
    .description("print a valid access token, refreshing first when it expires within --min-valid")
    .option("--refresh", "refresh now, even if the token is still valid")
    .addOption(option(TOKEN_FAST_FLAGS.idToken))
    .addOption(option(TOKEN_FAST_FLAGS.output))
    .addOption(option(TOKEN_FAST_FLAGS.minValid))
    .option("--code <code>", "exchange this authorization code and save the tokens")
    .option("--code-verifier <verifier>", "the PKCE verifier of --code")
    .option("--redirect-uri <uri>", "the redirect URI used with --code (default: the profile's)")
    .option("--nonce <nonce>", "the nonce of the authorization request of --code, to check the ID token against")
    .option("--client-credentials", "get a token for the client itself (client_credentials grant) and save it")
    .option("--scope <scopes>", "scopes for --client-credentials")
    .action(
      action(
        mod(
          () => import("../commands/token.js"),
          (m) => m.run,
        ),
        (_, cmd) => {
          const o = ownOptions(cmd);
          return {
            refresh: o.refresh === true,
            idToken: o.idToken === true,
            output: o.output as TokenOutput,
            minValid: o.minValid as number,
            code: str(o.code),
            codeVerifier: str(o.codeVerifier),
            redirectUri: str(o.redirectUri),
            nonce: str(o.nonce),
            clientCredentials: o.clientCredentials === true,
            scope: str(o.scope),
          };
        },
      ),
    );

  program
    .command("userinfo")
    .description("call the userinfo endpoint with a valid token; prints JSON")
    .option("--claim <name>", "print one claim's raw value")
    .action(
      action(
        mod(
          () => import("../commands/userinfo.js"),
          (m) => m.run,
        ),
        (_, cmd) => ({ claim: str(ownOptions(cmd).claim) }),
      ),
    );

  const profileCmd = (pick: (m: typeof import("../commands/profile.js")) => CommandRun) =>
    action(
      mod(() => import("../commands/profile.js"), pick),
      ([name], cmd) => ({ name: str(name), showSecrets: ownOptions(cmd).showSecrets === true }),
    );
  const profile = program.command("profile").description("the local profile store (secrets masked unless --show-secrets)");
  profile
    .command("list")
    .description("list profiles")
    .action(profileCmd((m) => m.list));
  profile
    .command("show")
    .description("show a profile")
    .argument("[name]", "default: the current profile")
    .option("--show-secrets", "print secrets and tokens unmasked")
    .action(profileCmd((m) => m.show));
  profile
    .command("use")
    .description("make a profile the current one")
    .argument("<name>")
    .action(profileCmd((m) => m.use));
  profile
    .command("remove")
    .description("delete a profile")
    .argument("<name>")
    .action(profileCmd((m) => m.remove));

  program
    .command("status")
    .description("every profile: provider, account, scopes, expiry, refreshable, where secrets are (exit 5 when this one is not logged in)")
    .action(
      action(
        mod(
          () => import("../commands/status.js"),
          (m) => m.run,
        ),
      ),
    );

  program
    .command("logout")
    .description("revoke the tokens where the provider can, then forget them locally")
    .action(
      action(
        mod(
          () => import("../commands/logout.js"),
          (m) => m.run,
        ),
      ),
    );

  program
    .command("introspect")
    .description("ask the provider whether a token is active (RFC 7662)")
    .argument("[token]", "default: the profile's access token")
    .option("--refresh-token", "introspect the profile's refresh token instead")
    .action(
      action(
        mod(
          () => import("../commands/introspect.js"),
          (m) => m.run,
        ),
        ([token], cmd) => ({ token: str(token), refreshToken: ownOptions(cmd).refreshToken === true }),
      ),
    );

  program
    .command("decode")
    .description("show a JWT's header and claims, and whether it verifies against the profile's provider")
    .argument("[jwt]", "the token, or - for stdin (default: the profile's ID token)")
    .action(
      action(
        mod(
          () => import("../commands/decode.js"),
          (m) => m.run,
        ),
        ([jwt]) => ({ jwt: str(jwt) }),
      ),
    );

  program
    .command("exec")
    .description(
      "run a command with OIDC_ACCESS_TOKEN, OIDC_TOKEN_TYPE, OIDC_TOKEN_EXPIRES_AT (and OIDC_ID_TOKEN) set to valid tokens; exits with its code",
    )
    .usage("[options] [--] <command> [args...]")
    .argument("<command...>", "the command to run and its arguments (its flags are its own: `oidc exec curl -s …`)")
    // Everything from the command on is the command's: `oidc exec curl -sS URL` needs no `--`.
    .passThroughOptions()
    .addOption(option(MIN_VALID_FLAG("refresh first")))
    .action(
      action(
        mod(
          () => import("../commands/exec.js"),
          (m) => m.run,
        ),
        ([command], cmd) => ({ command: (command as string[] | undefined) ?? [], minValid: ownOptions(cmd).minValid as number }),
      ),
    );

  // `oidc help <command…>` like gh's: that command's help; an unknown one is a usage error.
  program.helpCommand(false);
  program
    .command("help")
    .description("show the help of a command")
    .argument("[command...]", "the command (and subcommand)")
    .action((names: string[] = []) => {
      let cmd: Command = program;
      for (const name of names) {
        const sub = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!sub) throw usageError(`unknown command ${JSON.stringify(names.join(" "))}`, "`oidc --help` lists the commands");
        cmd = sub;
      }
      cmd.outputHelp();
    });

  program
    .command("version")
    .description("print the version")
    .action(() => hooks.run(async () => async (_o, deps: Deps) => deps.term.out(`oidc version ${VERSION}`), {}));

  const completion = program.command("completion").description("print a shell completion script (the files in completions/)");
  completion.addArgument(completion.createArgument("<shell>", "bash, zsh or fish").choices(["bash", "zsh", "fish"])).action(
    action(
      mod(
        () => import("../commands/completion.js"),
        (m) => m.run,
      ),
      ([shell], cmd) => ({ shell: shell as string, root: rootOf(cmd) }),
    ),
  );

  program
    .command("doctor")
    .description("a conformance lint of the provider: pass/warn/fail per check (exit 4 when any fails)")
    .argument("[url]", "issuer, document or app base URL (default --issuer / OIDC_ISSUER, else the profile's provider)")
    .action(
      action(
        mod(
          () => import("../commands/doctor.js"),
          (m) => m.run,
        ),
        ([url]) => ({ url: str(url) }),
      ),
    );

  program.addHelpText(
    "after",
    `
Environment:
  OIDC_PROFILE, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_SESSION_TOKEN,
  OIDC_INITIAL_ACCESS_TOKEN, OIDC_CONFIG_DIR, OIDC_DEBUG=1, OIDC_QUIET=1, OIDC_DIALECT,
  OIDC_BROWSER / BROWSER (%s = the URL),
  NO_COLOR, FORCE_COLOR, HTTPS_PROXY / HTTP_PROXY / NO_PROXY, NODE_EXTRA_CA_CERTS, CI

Exit codes:
  0 success, 1 unexpected, 2 usage, 3 network, 4 provider refused,
  5 login required, 6 validation failed (possible attack), 130 interrupted

Examples:
  oidc discover https://op.example && oidc register --name my-app && oidc login
  curl -H "Authorization: Bearer $(oidc token)" https://api.example/
  oidc userinfo --claim email`,
  );
  shareGlobalOptions(program);
  readEnvFrom(program, hooks.env);
  return program;
}
