#!/usr/bin/env node
// Test provider: better-auth 1.7.5 + @better-auth/oauth-provider 1.7.5 (the successor of
// oidcProvider) with jwt() (EdDSA, required by the plugin unless disableJwtPlugin) and bearer(),
// in-memory database, node:http on 127.0.0.1.
//
// Env:
//   PORT=3010          0 picks a free port; baseURL http://localhost:<port>, basePath /api/auth
//   ALLOW_DCR=0        turn off allowDynamicClientRegistration (default on; registering needs a
//                      signed-in session, e.g. Authorization: Bearer <session token>)
//   ALLOW_UNAUTH_DCR=1 allowUnauthenticatedClientRegistration (register without any session)
//   SEED_EMAIL, SEED_PASSWORD, SEED_NAME   the seeded user (alice@example.com / wonderland-123)
//   SEED_CLIENT=1      also register a native client (redirect http://127.0.0.1:8765/callback)
//   LOG_REQUESTS=1     one stderr line per request
// stdout: exactly one line, `READY {"origin","issuer","port","pid","email","password","discovery"}`;
// here issuer = http://localhost:<port>/api/auth (includes the basePath).

import { runFixture } from "./pages.mjs";
import { oauthProvider } from "@better-auth/oauth-provider";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { getAuthTables } from "better-auth/db";
import { toNodeHandler } from "better-auth/node";
// Plugin subpaths instead of "better-auth/plugins" (which loads every plugin): start-up time.
import { bearer } from "better-auth/plugins/bearer";
import { jwt } from "better-auth/plugins/jwt";

await runFixture({
  flavor: "17",
  label: "better-auth 1.7.5 @better-auth/oauth-provider (jwt plugin, EdDSA ID tokens)",
  defaultPort: 3010,
  async createAuth({ origin, port, basePath, env }) {
    const options = {
      appName: "oidc-cli test provider (better-auth 1.7)",
      baseURL: origin,
      basePath,
      secret: process.env.BETTER_AUTH_SECRET || "oidc-cli-test-secret-better-auth-17-0123456789",
      trustedOrigins: [origin, `http://127.0.0.1:${port}`],
      emailAndPassword: { enabled: true },
      telemetry: { enabled: false },
      rateLimit: { enabled: false },
      // Explicit: under NODE_ENV=test better-auth would otherwise skip its Origin (CSRF) check,
      // which a client must be able to cope with.
      advanced: { disableOriginCheck: false },
      // The jwt plugin's own GET /token (session → JWT) is not part of OAuth; the plugin docs
      // disable it next to oauthProvider.
      disabledPaths: ["/token"],
      logger: {
        level: env("DEBUG_AUTH", false) ? "debug" : "warn",
        log: (level, message, ...args) => console.error(`[better-auth ${level}] ${message}`, ...args),
      },
      plugins: [
        bearer(),
        jwt(),
        oauthProvider({
          // Relative, as most apps configure it: the authorize redirect's Location is relative too.
          loginPage: "/login",
          consentPage: "/consent",
          allowDynamicClientRegistration: env("ALLOW_DCR", true),
          allowUnauthenticatedClientRegistration: env("ALLOW_UNAUTH_DCR", false),
        }),
      ],
    };
    // The memory adapter only knows the models it is given: declare every table the plugins use.
    const db = Object.fromEntries(Object.values(getAuthTables(options)).map((t) => [t.modelName, []]));
    const auth = betterAuth({ ...options, database: memoryAdapter(db) });
    return {
      auth,
      handler: toNodeHandler(auth),
      issuer: `${origin}${basePath}`,
      registerClient: (sessionToken) =>
        auth.api.registerOAuthClient({
          headers: new Headers({ authorization: `Bearer ${sessionToken}` }),
          body: {
            client_name: "oidc-cli (seeded)",
            application_type: "native",
            redirect_uris: ["http://127.0.0.1:8765/callback"],
            token_endpoint_auth_method: "client_secret_basic",
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
          },
        }),
    };
  },
});
