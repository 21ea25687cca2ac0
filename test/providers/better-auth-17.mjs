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
import { baseAuthOptions, seededClient, withMemoryDatabase } from "./better-auth-options.mjs";
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
      ...baseAuthOptions({ version: "1.7", origin, port, basePath, env }),
      // The jwt plugin's own GET /token (session → JWT) is not part of OAuth; the plugin docs
      // disable it next to oauthProvider.
      disabledPaths: ["/token"],
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
    const auth = withMemoryDatabase(options, { betterAuth, getAuthTables, memoryAdapter });
    return {
      auth,
      handler: toNodeHandler(auth),
      issuer: `${origin}${basePath}`,
      registerClient: (sessionToken) =>
        auth.api.registerOAuthClient({
          headers: new Headers({ authorization: `Bearer ${sessionToken}` }),
          body: seededClient({ application_type: "native" }),
        }),
    };
  },
});
