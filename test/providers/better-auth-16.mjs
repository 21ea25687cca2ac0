#!/usr/bin/env node
// Test provider: better-auth 1.6.34 (npm alias `better-auth-oidc`) with bearer() + the deprecated
// oidcProvider() plugin, in-memory database, node:http on 127.0.0.1. Used by the tests
// (test/helpers/providers.ts), `npm run dev-provider` and `npm run demo`.
//
// Env:
//   PORT=3000         0 picks a free port; baseURL is http://localhost:<port>, basePath /api/auth
//   USE_JWT=1         jwt() plugin + useJWTPlugin (EdDSA ID tokens, JWKS); default HS256 (client secret)
//   REQUIRE_PKCE=1    requirePKCE: true (authorize without code_challenge → error redirect)
//   ALLOW_DCR=0       turn off allowDynamicClientRegistration (then registering needs a session)
//   SEED_EMAIL, SEED_PASSWORD, SEED_NAME   the seeded user (alice@example.com / wonderland-123)
//   SEED_CLIENT=1     also register a client (redirect http://127.0.0.1:8765/callback), shown in READY
//   LOG_REQUESTS=1    one stderr line per request
// stdout: exactly one line, `READY {"origin","issuer","port","pid","email","password","discovery"}`.
// Issuer quirk of this version: issuer = the bare origin, discovery lives under /api/auth.

import { runFixture } from "./pages.mjs";
import { baseAuthOptions, seededClient, withMemoryDatabase } from "./better-auth-options.mjs";
import { betterAuth } from "better-auth-oidc";
import { memoryAdapter } from "better-auth-oidc/adapters/memory";
import { getAuthTables } from "better-auth-oidc/db";
import { toNodeHandler } from "better-auth-oidc/node";
// Plugin subpaths instead of "better-auth-oidc/plugins" (which loads every plugin): start-up time.
import { bearer } from "better-auth-oidc/plugins/bearer";
import { oidcProvider } from "better-auth-oidc/plugins/oidc-provider";

await runFixture({
  flavor: "16",
  label: `better-auth 1.6.34 oidcProvider (${
    process.env.USE_JWT === "1" ? "jwt plugin, EdDSA ID tokens" : "HS256 ID tokens"
  }${process.env.REQUIRE_PKCE === "1" ? ", PKCE required" : ""})`,
  defaultPort: 3000,
  async createAuth({ origin, port, basePath, env }) {
    const useJwt = env("USE_JWT", false);
    const plugins = [
      bearer(),
      ...(useJwt ? [(await import("better-auth-oidc/plugins/jwt")).jwt()] : []),
      oidcProvider({
        loginPage: `${origin}/login`,
        consentPage: `${origin}/consent`,
        allowDynamicClientRegistration: env("ALLOW_DCR", true),
        requirePKCE: env("REQUIRE_PKCE", false),
        useJWTPlugin: useJwt,
        __skipDeprecationWarning: true,
      }),
    ];
    const options = { ...baseAuthOptions({ version: "1.6", origin, port, basePath, env }), plugins };
    const auth = withMemoryDatabase(options, { betterAuth, getAuthTables, memoryAdapter });
    return {
      auth,
      handler: toNodeHandler(auth),
      issuer: origin,
      registerClient: (sessionToken) =>
        auth.api.registerOAuthApplication({
          headers: new Headers({ authorization: `Bearer ${sessionToken}` }),
          body: seededClient(),
        }),
    };
  },
});
