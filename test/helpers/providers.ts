// Real providers for tests: each start* function spawns a fixture server (test/providers/*.mjs)
// on a free loopback port and returns where it listens plus a way to stop it.

import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect } from "vitest";
import { type Cli, cli, diag, tempConfigDir } from "./cli.js";
import { freePort } from "./ports.js";
import { type SpawnedFixture, spawnFixture } from "./spawn-fixture.js";

// ---------------------------------------------------------------------------------------------
// better-auth (1.6.34 oidcProvider, 1.7.5 @better-auth/oauth-provider)
// ---------------------------------------------------------------------------------------------

export interface BetterAuthProvider {
  /** `http://localhost:<port>`; the provider mounts everything under `/api/auth`. */
  origin: string;
  /** 1.6: the bare origin. 1.7: `${origin}/api/auth`. */
  issuer: string;
  /** `${origin}/api/auth/.well-known/openid-configuration` (both versions). */
  discovery: string;
  port: number;
  pid: number;
  /** The seeded user. */
  email: string;
  password: string;
  /** Signs the seeded user in; returns a session token usable as `Authorization: Bearer`. */
  signIn(): Promise<string>;
  /** What the provider has written to stderr (for a failing test's message). */
  stderr(): string;
  stop(): Promise<void>;
}

export interface BetterAuth16Options {
  /** jwt() plugin + useJWTPlugin: EdDSA ID tokens with JWKS (default: HS256 with the client secret). */
  jwt?: boolean;
  /** requirePKCE: true. */
  requirePKCE?: boolean;
  /** allowDynamicClientRegistration (default true). */
  allowDynamicClientRegistration?: boolean;
  /** Extra environment for the fixture (SEED_EMAIL, LOG_REQUESTS, ...). */
  env?: Record<string, string>;
}

export interface BetterAuth17Options {
  /** allowDynamicClientRegistration (default true; registering still needs a session). */
  allowDynamicClientRegistration?: boolean;
  /** allowUnauthenticatedClientRegistration (default false). */
  allowUnauthenticatedClientRegistration?: boolean;
  env?: Record<string, string>;
}

const fixturePath = (name: string) => fileURLToPath(new URL(`../providers/${name}`, import.meta.url));

const flag = (value: boolean | undefined): string | undefined => (value === undefined ? undefined : value ? "1" : "0");

function betterAuthProvider(fixture: SpawnedFixture): BetterAuthProvider {
  const { info } = fixture;
  return {
    origin: info.origin,
    issuer: info.issuer,
    discovery: info.discovery,
    port: info.port,
    pid: fixture.pid,
    email: info.email,
    password: info.password,
    signIn: () => signIn(info.origin, info.email, info.password),
    stderr: fixture.stderr,
    stop: fixture.stop,
  };
}

/** better-auth 1.6.34 + bearer + oidcProvider (+ jwt). */
export async function startBetterAuth16(options: BetterAuth16Options = {}): Promise<BetterAuthProvider> {
  const fixture = await spawnFixture(fixturePath("better-auth-16.mjs"), {
    USE_JWT: flag(options.jwt),
    REQUIRE_PKCE: flag(options.requirePKCE),
    ALLOW_DCR: flag(options.allowDynamicClientRegistration),
    ...options.env,
  });
  return betterAuthProvider(fixture);
}

/** better-auth 1.7.5 + bearer + jwt + @better-auth/oauth-provider. */
export async function startBetterAuth17(options: BetterAuth17Options = {}): Promise<BetterAuthProvider> {
  const fixture = await spawnFixture(fixturePath("better-auth-17.mjs"), {
    ALLOW_DCR: flag(options.allowDynamicClientRegistration),
    ALLOW_UNAUTH_DCR: flag(options.allowUnauthenticatedClientRegistration),
    ...options.env,
  });
  return betterAuthProvider(fixture);
}

async function postSessionEndpoint(url: string, body: Record<string, string>): Promise<string> {
  // Node's fetch always sends `Sec-Fetch-Mode: cors`; better-auth's CSRF check then demands an
  // Origin header on sign-in/sign-up (403 MISSING_OR_NULL_ORIGIN otherwise), as from a browser.
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", origin: new URL(url).origin },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} -> HTTP ${res.status}: ${text}`);
  const token = (JSON.parse(text) as { token?: unknown }).token;
  if (typeof token !== "string" || token === "") throw new Error(`POST ${url}: no session token in ${text}`);
  return token;
}

/** POST /api/auth/sign-in/email; returns the session token (body `token`, a Bearer credential). */
export function signIn(origin: string, email: string, password: string): Promise<string> {
  return postSessionEndpoint(`${origin}/api/auth/sign-in/email`, { email, password });
}

/** POST /api/auth/sign-up/email (password ≥ 8 chars); returns the new user's session token. */
export function signUp(origin: string, email: string, password: string, name: string): Promise<string> {
  return postSessionEndpoint(`${origin}/api/auth/sign-up/email`, { email, password, name });
}

// ---------------------------------------------------------------------------------------------
// One provider for the tests of a describe block
// ---------------------------------------------------------------------------------------------

/**
 * Starts a provider (any start* function) before the tests of the calling describe block (or
 * file) and stops it after them. Returns a getter: the provider exists only once beforeAll ran.
 */
export function useProvider<P extends { stop(): Promise<void> }>(start: () => Promise<P>): () => P {
  let provider: P | undefined;
  beforeAll(async () => {
    provider = await start();
  });
  afterAll(async () => {
    await provider?.stop();
  });
  return () => {
    if (!provider) throw new Error("the provider is not started yet (use it inside a test or hook)");
    return provider;
  };
}

// ---------------------------------------------------------------------------------------------
// A client registered at a provider, in a fresh store
// ---------------------------------------------------------------------------------------------

export interface RegisteredClientOptions {
  /** The session that owns the client (better-auth): OIDC_SESSION_TOKEN of `oidc register`. */
  session?: string;
  /** Keep that session as OIDC_SESSION_TOKEN of every later command of the returned CLI. */
  keepSession?: boolean;
  /** client_name (default "app"). */
  name?: string;
  /** Port of the loopback redirect URI (default: one nobody listens on now). */
  port?: number;
  /** More environment for `oidc register`. */
  env?: Record<string, string>;
}

export interface RegisteredClient {
  /** The CLI of the fresh store; its default profile holds the client. */
  oidc: Cli;
  clientId: string;
  port: number;
  /** `http://127.0.0.1:<port>/callback` */
  redirectUri: string;
  /** What `oidc register --json` printed: the provider's registration response. */
  response: Record<string, unknown>;
}

/** A fresh store whose default profile has a client registered (dynamic registration) at `issuer`. */
export async function registeredClient(issuer: string, options: RegisteredClientOptions = {}): Promise<RegisteredClient> {
  const session: Record<string, string> = options.session ? { OIDC_SESSION_TOKEN: options.session } : {};
  const oidc = cli(tempConfigDir(), options.keepSession ? session : {});
  const port = options.port ?? (await freePort());
  const args = ["register", "--issuer", issuer, "--name", options.name ?? "app", "--port", String(port), "--json"];
  const reg = await oidc(args, { env: { ...session, ...options.env } });
  expect(reg.code, `oidc ${args.join(" ")}: ${diag(reg)}`).toBe(0);
  const response = JSON.parse(reg.stdout) as Record<string, unknown>;
  return { oidc, clientId: response.client_id as string, port, redirectUri: `http://127.0.0.1:${port}/callback`, response };
}
