/**
 * What every command starts from: the profile, the provider (discovered once, kept in the
 * profile), its dialect, and the client with its secret from the environment, a file or stdin,
 * never argv. The binding rules live here alone: a profile's client and tokens stay with the
 * issuer and document they were found at, and an ambient OIDC_ISSUER never re-binds a profile.
 */
import { readFileSync } from "node:fs";
import type { Profile, StoredClient } from "../adapters/store.js";
import { DEFAULT_HTTP_SETTINGS } from "../adapters/http-settings.js";
import type { Deps } from "../cli/deps.js";
import { type ExitCode, usageError } from "../errors.js";
import { type Dialect, dialectById, storedDialect } from "../oidc/dialects/index.js";
import { type Discovered, discover, type ProviderMetadata, stripSlash } from "../oidc/discovery.js";
import type { ProviderIo } from "../oidc/ports.js";
import { missingProfile, profileFlag } from "./profile-hints.js";

/** The options every command has (the program's global flags), computed once. */
export interface GlobalOptions {
  profile?: string;
  issuer?: string;
  /** --issuer came from OIDC_ISSUER: it binds profiles without a provider, never re-binds one. */
  issuerFromEnv: boolean;
  clientId?: string;
  clientSecretFile?: string;
  clientSecretStdin: boolean;
  json: boolean;
  verbose: boolean;
  /** --quiet: no warnings for the deviations a dialect names (OIDC_QUIET=1 too). */
  quiet: boolean;
  /** false for --no-color. */
  color: boolean;
  timeoutMs: number;
  allowInsecureHttp: boolean;
  caFile?: string;
  dialect?: string;
}

/** The protocol's outside world for one run: the HTTP client, and the terminal hearing of secrets and deviations. */
export async function providerIo(deps: Deps, g: Pick<GlobalOptions, "timeoutMs" | "caFile" | "quiet">): Promise<ProviderIo> {
  const http = await deps.http({ ...DEFAULT_HTTP_SETTINGS, timeoutMs: g.timeoutMs, caFile: g.caFile });
  const quiet = g.quiet || deps.env.OIDC_QUIET === "1";
  return {
    http,
    secret: (v) => deps.term.secret(v),
    deviation: (dialect, id, text) => {
      // A deviation the dialect names is accepted either way; --quiet only stops saying so.
      if (!quiet) deps.term.warn(`${dialect.label}: ${text}`, `deviation:${id}`);
    },
  };
}

/** The client secret from --client-secret-stdin, --client-secret-file or OIDC_CLIENT_SECRET. */
export async function clientSecretFromInputs(deps: Deps, g: GlobalOptions): Promise<string | undefined> {
  let secret: string | undefined;
  if (g.clientSecretStdin) {
    if (deps.term.stdinIsTTY) throw usageError("--client-secret-stdin needs the secret piped on stdin");
    secret = (await deps.term.readStdin()).replace(/\r?\n$/, "");
  } else if (g.clientSecretFile) {
    try {
      secret = readFileSync(g.clientSecretFile, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw usageError(
        `cannot read --client-secret-file ${g.clientSecretFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  } else if (deps.env.OIDC_CLIENT_SECRET) secret = deps.env.OIDC_CLIENT_SECRET;
  if (secret !== undefined && !secret) throw usageError("the client secret given is empty");
  deps.term.secret(secret);
  return secret;
}

export interface Context {
  profile: Profile;
  metadata: ProviderMetadata;
  dialect: Dialect;
  /** The client to use: --client-id (with a secret from the inputs) or the profile's. */
  client?: StoredClient;
  io: ProviderIo;
}

/** The issuer the user named: --issuer, else OIDC_ISSUER (commander folds both into `issuer`). */
export const issuerInput = (g: GlobalOptions) => g.issuer;

/** --issuer on the command line (not the ambient variable): the user asks to (re)bind the profile. */
export const rebindAsked = (g: GlobalOptions) => g.issuer !== undefined && !g.issuerFromEnv;

export function loadProfile(deps: Deps, g: GlobalOptions): Profile {
  const name = deps.store.currentProfileName(g.profile);
  return deps.store.readProfile(name) ?? { name };
}

/**
 * For commands that use a profile's tokens: a profile that does not exist (a typo in -p), with no
 * issuer to make it from, is "no profile named …" listing the others, not "has no tokens".
 */
export function requireProfile(deps: Deps, g: GlobalOptions, code: ExitCode): void {
  if (issuerInput(g)) return;
  const e = missingProfile(deps.store, deps.store.currentProfileName(g.profile), code);
  if (e) throw e;
}

export const dialectOverride = (deps: Deps, g: GlobalOptions): Dialect | undefined => dialectById(g.dialect ?? deps.env.OIDC_DIALECT);

export async function discoverFor(deps: Deps, g: GlobalOptions, input: string): Promise<Discovered> {
  return discover(await providerIo(deps, g), input, { allowInsecureHttp: g.allowInsecureHttp, dialect: dialectOverride(deps, g) });
}

/** Bind a discovery result to a profile, refusing to move a profile with a client or tokens to another issuer. */
export function bindProvider(profile: Profile, d: Discovered, source: string): Profile {
  // A client and its tokens belong to one provider: the same issuer found at the same document.
  const moved =
    profile.issuer !== undefined && (profile.issuer !== d.metadata.issuer || (profile.discovery_url ?? d.discoveryUrl) !== d.discoveryUrl);
  if (moved && (profile.client || profile.tokens))
    throw usageError(
      `profile ${profile.name} belongs to ${profile.issuer} (document ${profile.discovery_url}), not ${d.metadata.issuer} (document ${d.discoveryUrl})`,
      `use another profile (-p NAME), or \`oidc profile remove ${profile.name}\` first`,
    );
  const sameIssuer = !moved && profile.issuer === d.metadata.issuer;
  return {
    name: profile.name,
    issuer: d.metadata.issuer,
    source,
    discovery_url: d.discoveryUrl,
    dialect: d.dialect.id,
    metadata: d.metadata,
    ...(sameIssuer && profile.client ? { client: profile.client } : {}),
    ...(sameIssuer && profile.tokens ? { tokens: profile.tokens } : {}),
    ...(sameIssuer && profile.scope ? { scope: profile.scope } : {}),
  };
}

/** Discover `input` and bind it to the profile under the profile's lock (`oidc discover`). */
export async function discoverAndBind(deps: Deps, g: GlobalOptions, input: string): Promise<{ profile: Profile; discovered: Discovered }> {
  const discovered = await discoverFor(deps, g, input);
  const name = loadProfile(deps, g).name;
  const profile = await deps.store.updateProfile(name, (current) => bindProvider(current ?? { name }, discovered, stripSlash(input)));
  return { profile, discovered };
}

/**
 * The profile and its provider. With an issuer that is not the profile's, the provider is
 * discovered and bound to the profile (saved when `save` is set) — except that OIDC_ISSUER, being
 * ambient (exported once for a shell or a CI job), never re-binds a profile that has a provider.
 */
export async function loadContext(deps: Deps, g: GlobalOptions, opts: { save?: boolean } = {}): Promise<Context> {
  let profile = loadProfile(deps, g);
  const input = issuerInput(g);
  const known = profile.metadata && input && (stripSlash(input) === profile.source || stripSlash(input) === profile.issuer);
  if (input && !known && g.issuerFromEnv && profile.metadata)
    deps.term.warn(
      `OIDC_ISSUER (${input}) is ignored: profile ${profile.name} is bound to ${profile.issuer}; pass --issuer to re-bind, or -p for another profile`,
      "ambient-issuer",
    );
  if (input && !known && !(g.issuerFromEnv && profile.metadata)) {
    const d = await discoverFor(deps, g, input);
    const source = stripSlash(input);
    const { name } = profile;
    profile = opts.save
      ? await deps.store.updateProfile(name, (current) => bindProvider(current ?? { name }, d, source))
      : bindProvider(profile, d, source);
  }
  if (!profile.metadata)
    throw usageError(
      `profile ${profile.name} has no provider`,
      `pass --issuer <url> or set OIDC_ISSUER (or run \`oidc${profileFlag(profile.name)} discover <url>\`)`,
    );
  const dialect = dialectOverride(deps, g) ?? storedDialect(profile.dialect);
  const client = await resolveClient(deps, g, profile);
  return { profile, metadata: profile.metadata, dialect, client, io: await providerIo(deps, g) };
}

/** For commands that need no provider unless asked: --issuer on the command line re-binds like anywhere else. */
export async function bindIfAsked(deps: Deps, g: GlobalOptions): Promise<void> {
  if (rebindAsked(g)) await loadContext(deps, g, { save: true });
}

export async function resolveClient(deps: Deps, g: GlobalOptions, profile: Profile): Promise<StoredClient | undefined> {
  const id = g.clientId;
  const secret = await clientSecretFromInputs(deps, g);
  const stored = profile.client;
  if (id && id !== stored?.client_id) return { client_id: id, ...(secret ? { client_secret: secret } : {}) };
  if (!stored) return undefined;
  return secret ? { ...stored, client_secret: secret } : stored;
}

export function requireClient(ctx: Context): StoredClient {
  if (!ctx.client)
    throw usageError(
      `profile ${ctx.profile.name} has no client`,
      `run \`oidc${profileFlag(ctx.profile.name)} register --name <name>\`, or pass --client-id / set OIDC_CLIENT_ID`,
    );
  return ctx.client;
}
