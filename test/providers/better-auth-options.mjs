// What the two better-auth test providers (better-auth-16.mjs, better-auth-17.mjs) configure alike:
// the base options of their betterAuth() instance, the in-memory database under it, and the body of
// the client SEED_CLIENT=1 registers. Each provider adds its plugins and version specifics.

/**
 * The options both providers start from: email + password sign-in, no telemetry, no rate limit,
 * the Origin (CSRF) check on, and a logger on stderr.
 * @param {{ version: "1.6" | "1.7", origin: string, port: number, basePath: string,
 *           env: (name: string, fallback: boolean) => boolean }} ctx
 */
export function baseAuthOptions({ version, origin, port, basePath, env }) {
  return {
    appName: `oidc-cli test provider (better-auth ${version})`,
    baseURL: origin,
    basePath,
    secret: process.env.BETTER_AUTH_SECRET || `oidc-cli-test-secret-better-auth-${version.replace(".", "")}-0123456789`,
    // Pages opened as http://127.0.0.1:<port>/... post with that Origin; accept it too.
    trustedOrigins: [origin, `http://127.0.0.1:${port}`],
    emailAndPassword: { enabled: true },
    telemetry: { enabled: false },
    rateLimit: { enabled: false },
    // Explicit: under NODE_ENV=test better-auth would otherwise skip its Origin (CSRF) check,
    // which a client must be able to cope with.
    advanced: { disableOriginCheck: false },
    logger: {
      level: env("DEBUG_AUTH", false) ? "debug" : "warn",
      log: (level, message, ...args) => console.error(`[better-auth ${level}] ${message}`, ...args),
    },
  };
}

/**
 * betterAuth(options) over an in-memory database. The memory adapter only knows the models it is
 * given, so every table the options' plugins use is declared. The functions come from the
 * better-auth version at hand (`better-auth` or its alias `better-auth-oidc`).
 */
export function withMemoryDatabase(options, { betterAuth, getAuthTables, memoryAdapter }) {
  const db = Object.fromEntries(Object.values(getAuthTables(options)).map((t) => [t.modelName, []]));
  return betterAuth({ ...options, database: memoryAdapter(db) });
}

/** The client SEED_CLIENT=1 registers: confidential, redirecting to http://127.0.0.1:8765/callback. */
export function seededClient(extra = {}) {
  return {
    client_name: "oidc-cli (seeded)",
    ...extra,
    redirect_uris: ["http://127.0.0.1:8765/callback"],
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  };
}
