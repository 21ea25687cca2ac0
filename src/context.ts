/**
 * What every command starts from: the profile, the provider (discovered once, kept in the profile),
 * its dialect, and the client with its secret from the environment, a file or stdin, never argv.
 */
import { readFileSync } from "node:fs";
import { usageError } from "./errors.js";
import { httpSettings } from "./http.js";
import { settings } from "./io.js";
import { type Dialect, dialectById, storedDialect } from "./oidc/dialects.js";
import { type Discovered, discover, type ProviderMetadata } from "./oidc/discovery.js";
import type { Profile, StoredClient } from "./profile.js";
import { registerSecret } from "./redact.js";
import { currentProfileName, readProfile, updateProfile } from "./store.js";

export interface GlobalOptions {
  profile?: string;
  issuer?: string;
  clientId?: string;
  clientSecretFile?: string;
  clientSecretStdin?: boolean;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  timeout?: string;
  allowInsecureHttp?: boolean;
  caFile?: string;
  dialect?: string;
  /** --issuer came from OIDC_ISSUER: it applies to profiles without a provider, never re-binds one. */
  issuerFromEnv?: boolean;
}

/** Apply the options that shape the whole process (trace, colour, timeouts, CA). */
export function applyGlobalOptions(g: GlobalOptions): void {
  if (g.verbose) settings.verbose = true;
  if (g.json) settings.json = true;
  if (g.color === false) settings.color = false;
  if (g.timeout !== undefined) {
    const secs = Number(g.timeout);
    if (!Number.isFinite(secs) || secs <= 0)
      throw usageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(g.timeout)}`);
    httpSettings.timeoutMs = secs * 1000;
  }
  if (g.caFile) httpSettings.caFile = g.caFile;
}

let stdinSecret: string | undefined;
function readStdinOnce(): string {
  if (stdinSecret === undefined) {
    if (process.stdin.isTTY) throw usageError("--client-secret-stdin needs the secret piped on stdin");
    stdinSecret = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  }
  return stdinSecret;
}

/** The client secret from OIDC_CLIENT_SECRET, --client-secret-file or --client-secret-stdin. */
export function clientSecretFromInputs(g: GlobalOptions): string | undefined {
  let secret: string | undefined;
  if (g.clientSecretStdin) secret = readStdinOnce();
  else if (g.clientSecretFile) {
    try {
      secret = readFileSync(g.clientSecretFile, "utf8").replace(/\r?\n$/, "");
    } catch (e) {
      throw usageError(
        `cannot read --client-secret-file ${g.clientSecretFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  } else if (process.env.OIDC_CLIENT_SECRET) secret = process.env.OIDC_CLIENT_SECRET;
  if (secret !== undefined && !secret) throw usageError("the client secret given is empty");
  registerSecret(secret);
  return secret;
}

export interface Context {
  profile: Profile;
  metadata: ProviderMetadata;
  dialect: Dialect;
  /** The client to use: --client-id (with a secret from the inputs) or the profile's. */
  client?: StoredClient;
  g: GlobalOptions;
}

export const issuerInput = (g: GlobalOptions) => g.issuer ?? process.env.OIDC_ISSUER;

export function loadProfile(g: GlobalOptions): Profile {
  const name = currentProfileName(g.profile);
  return readProfile(name) ?? { name }; // readProfile registers the stored secrets for redaction
}

function dialectOverride(g: GlobalOptions): Dialect | undefined {
  return dialectById(g.dialect ?? process.env.OIDC_DIALECT);
}

export async function discoverFor(g: GlobalOptions, input: string): Promise<Discovered> {
  return discover(input, { allowInsecureHttp: !!g.allowInsecureHttp, dialect: dialectOverride(g) });
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

/**
 * The profile and its provider. With --issuer (or OIDC_ISSUER) that is not the profile's, the
 * provider is discovered and bound to the profile (saved when `save` is set).
 */
export async function loadContext(g: GlobalOptions, opts: { save?: boolean } = {}): Promise<Context> {
  let profile = loadProfile(g);
  const input = issuerInput(g);
  const known = profile.metadata && input && (input.replace(/\/+$/, "") === profile.source || input.replace(/\/+$/, "") === profile.issuer);
  // OIDC_ISSUER is ambient (exported once for a shell or a CI job): a profile already bound to a
  // provider keeps it. Only --issuer on the command line re-binds, and refuses to move a client.
  const ambient = g.issuerFromEnv ?? (!g.issuer && !!process.env.OIDC_ISSUER);
  if (input && !known && !(ambient && profile.metadata)) {
    const d = await discoverFor(g, input);
    const source = input.replace(/\/+$/, "");
    const { name } = profile;
    profile = opts.save
      ? await updateProfile(name, (current) => bindProvider(current ?? { name }, d, source))
      : bindProvider(profile, d, source);
  }
  if (!profile.metadata)
    throw usageError(`profile ${profile.name} has no provider`, "pass --issuer <url> or set OIDC_ISSUER (or run `oidc discover <url>`)");
  const dialect = dialectOverride(g) ?? storedDialect(profile.dialect);
  return { profile, metadata: profile.metadata, dialect, client: resolveClient(g, profile), g };
}

export function resolveClient(g: GlobalOptions, profile: Profile): StoredClient | undefined {
  const id = g.clientId ?? process.env.OIDC_CLIENT_ID;
  const secret = clientSecretFromInputs(g);
  const stored = profile.client;
  if (id && id !== stored?.client_id) return { client_id: id, ...(secret ? { client_secret: secret } : {}) };
  if (!stored) return undefined;
  return secret ? { ...stored, client_secret: secret } : stored;
}

export function requireClient(ctx: Context): StoredClient {
  if (!ctx.client)
    throw usageError(
      `profile ${ctx.profile.name} has no client`,
      "run `oidc register --name <name>`, or pass --client-id / set OIDC_CLIENT_ID",
    );
  return ctx.client;
}
