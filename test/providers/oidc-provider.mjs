#!/usr/bin/env node
// Test fixture: panva oidc-provider 9.13.3 on node:http, bound to 127.0.0.1 only.
//
// Prints exactly one stdout line when listening:
//   READY {"issuer":"http://127.0.0.1:PORT[path]","port":…,"pid":…,"discovery":"…/.well-known/openid-configuration","kid":…}
// Everything else (library notices, error_detail of every *.error event) goes to stderr.
// SIGTERM / SIGINT close the server and exit 0.
//
// Environment:
//   PORT                 listen port, 0 (default) = random
//   OP_ISSUER_PATH       optional issuer path prefix, e.g. /oidc (provider is mounted under it)
//   OP_AT_TTL            access token TTL in seconds (default 3600)
//   OP_RT_TTL            refresh token TTL in seconds (default 14 days)
//   OP_CLOCK_TOLERANCE   clockTolerance in seconds (default 15; use 0 for expiry tests)
//   OP_ROTATE            refresh token rotation: "default" (library default: public, non-DPoP clients
//                        rotate on every use and reuse of an old RT revokes the grant; confidential
//                        clients rotate after 70% of the RT lifetime), "always", or "never"
//   OP_ID_TOKEN_TTL      ID token TTL in seconds (default 3600)
//   DEBUG=oidc-provider:* library debug output (stderr)
//
// Pre-registered clients (all with redirect_uri http://127.0.0.1/callback; native clients
// accept any loopback port per RFC 8252 §7.3, web clients need an exact match):
//   cli-public            native, token_endpoint_auth_method none, grants authorization_code refresh_token device_code
//   cli-public-web        same, application_type web
//   cli-confidential      secret cli-confidential-secret, client_secret_basic, + client_credentials
//   cli-confidential-post secret cli-confidential-post-secret, client_secret_post, + client_credentials

import { randomBytes } from "node:crypto";
import http from "node:http";
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair } from "jose";

// oidc-provider prints "Unsupported runtime" on Node 20 (it checks for the 'Jod' LTS codename)
// and writes its NOTICEs to stdout via console.info. Keep stdout for the READY line only:
// route console.info to stderr and drop the runtime warning. Both must be in place before the
// library module is evaluated, hence the dynamic import below.
const originalWarn = console.warn;
console.warn = (...args) => {
  if (typeof args[0] === "string" && args[0].includes("Unsupported runtime")) return;
  originalWarn(...args);
};
console.info = (...args) => console.error(...args);

const { default: Provider } = await import("oidc-provider");

function intEnv(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`oidc-provider fixture: invalid ${name}=${raw}`);
    process.exit(2);
  }
  return n;
}

const PORT = intEnv("PORT", 0);
const AT_TTL = intEnv("OP_AT_TTL", 3600);
const RT_TTL = intEnv("OP_RT_TTL", 14 * 24 * 60 * 60);
const ID_TTL = intEnv("OP_ID_TOKEN_TTL", 3600);
const CLOCK_TOLERANCE = intEnv("OP_CLOCK_TOLERANCE", 15);
const ROTATE = process.env.OP_ROTATE || "default";
if (!["default", "always", "never"].includes(ROTATE)) {
  console.error(`oidc-provider fixture: invalid OP_ROTATE=${ROTATE} (default|always|never)`);
  process.exit(2);
}
let ISSUER_PATH = process.env.OP_ISSUER_PATH || "";
if (ISSUER_PATH) {
  if (!ISSUER_PATH.startsWith("/")) ISSUER_PATH = `/${ISSUER_PATH}`;
  ISSUER_PATH = ISSUER_PATH.replace(/\/+$/, "");
}

// One RS256 signing key per start, kid = RFC 7638 thumbprint.
const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const privateJwk = await exportJWK(privateKey);
const kid = await calculateJwkThumbprint(privateJwk);
const signingKey = { ...privateJwk, kid, alg: "RS256", use: "sig" };

const REDIRECT = "http://127.0.0.1/callback";
const clients = [
  {
    client_id: "cli-public",
    application_type: "native",
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
    response_types: ["code"],
    redirect_uris: [REDIRECT],
  },
  {
    client_id: "cli-public-web",
    application_type: "web",
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
    response_types: ["code"],
    redirect_uris: [REDIRECT],
  },
  {
    client_id: "cli-confidential",
    client_secret: "cli-confidential-secret",
    application_type: "native",
    token_endpoint_auth_method: "client_secret_basic",
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    response_types: ["code"],
    redirect_uris: [REDIRECT],
  },
  {
    client_id: "cli-confidential-post",
    client_secret: "cli-confidential-post-secret",
    application_type: "native",
    token_endpoint_auth_method: "client_secret_post",
    grant_types: ["authorization_code", "refresh_token", "client_credentials"],
    response_types: ["code"],
    redirect_uris: [REDIRECT],
  },
];

// OIDC Core §11 makes the OP drop `offline_access` unless the request also carries
// prompt=consent (oidc-provider's checkScope does exactly that, silently). For a CLI test
// bed we want "client may use refresh_token + asked for offline_access => refresh token".
// checkExtraParams runs right after checkScope and calls every extraParams validator, even
// for absent params, so this hook re-adds offline_access when the raw request asked for it.
// The consent page then lists it like any other missing scope, the grant records it, and
// issueRefreshToken below sees it on the authorization code.
function rawRequestedScope(ctx) {
  const par = ctx.oidc.entities?.PushedAuthorizationRequest;
  if (par?.request) {
    try {
      return decodeJwt(par.request).scope;
    } catch {
      return undefined;
    }
  }
  if (ctx.method === "POST") return ctx.oidc.body?.scope;
  return ctx.query?.scope;
}

async function keepOfflineAccess(ctx, _value, client) {
  const { route, params } = ctx.oidc;
  if (route !== "authorization" && route !== "pushed_authorization_request") return;
  if (!client?.grantTypeAllowed("refresh_token")) return;
  if (params.response_type && !String(params.response_type).split(" ").includes("code")) return;
  const raw = rawRequestedScope(ctx);
  if (typeof raw !== "string" || !raw.split(" ").includes("offline_access")) return;
  const scopes = params.scope ? params.scope.split(" ") : [];
  if (!scopes.includes("offline_access")) {
    scopes.push("offline_access");
    params.scope = scopes.join(" ");
  }
}

function rotateRefreshToken(ctx) {
  if (ROTATE === "always") return true;
  if (ROTATE === "never") return false;
  // library default, restated
  const { RefreshToken: refreshToken, Client: client } = ctx.oidc.entities;
  if (refreshToken.totalLifetime() >= 365.25 * 24 * 60 * 60) return false;
  if (client.clientAuthMethod === "none" && !refreshToken.isSenderConstrained()) return true;
  return refreshToken.ttlPercentagePassed() >= 70;
}

const configuration = {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  clockTolerance: CLOCK_TOLERANCE,
  scopes: ["openid", "offline_access", "email", "profile", "api:read"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
  },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: `${sub}@example.test`,
          email_verified: true,
          name: `Test User ${sub}`,
          preferred_username: sub,
        };
      },
    };
  },
  pkce: { required: () => true },
  extraParams: { x_fixture_offline_access_hook: keepOfflineAccess },
  async issueRefreshToken(_ctx, client, code) {
    return client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access");
  },
  rotateRefreshToken,
  ttl: {
    AccessToken: AT_TTL,
    AuthorizationCode: 60,
    ClientCredentials: AT_TTL,
    DeviceCode: 600,
    IdToken: ID_TTL,
    Interaction: 3600,
    Session: 14 * 24 * 60 * 60,
    Grant: 14 * 24 * 60 * 60,
    RefreshToken(ctx, token, client) {
      // library default behaviour: rotated RTs of public web clients keep the original expiry
      if (
        ctx?.oidc?.entities.RotatedRefreshToken &&
        client.applicationType === "web" &&
        client.clientAuthMethod === "none" &&
        !token.isSenderConstrained()
      ) {
        return ctx.oidc.entities.RotatedRefreshToken.remainingTTL;
      }
      return RT_TTL;
    },
  },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    registrationManagement: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
};

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once("error", reject);
  server.listen(PORT, "127.0.0.1", resolve);
});
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}${ISSUER_PATH}`;

const provider = new Provider(issuer, configuration);

// Log every *.error event (and server_error) with the library's internal error_detail:
// clients only ever see e.g. "grant request is invalid".
const originalEmit = provider.emit.bind(provider);
provider.emit = (name, ...args) => {
  if (typeof name === "string" && (name.endsWith(".error") || name === "server_error")) {
    const [ctx, err] = args;
    const parts = [
      `[op] ${name}`,
      err?.error ?? err?.name,
      err?.error_description ?? err?.message,
      err?.error_detail ? `detail=${err.error_detail}` : "",
      ctx?.oidc?.client?.clientId ? `client=${ctx.oidc.client.clientId}` : "",
      ctx?.method && ctx?.path ? `${ctx.method} ${ctx.path}` : "",
    ].filter(Boolean);
    console.error(parts.join(" | "));
    if (name === "server_error" && err?.stack) console.error(err.stack);
  }
  return originalEmit(name, ...args);
};

const callback = provider.callback();
server.on("request", (req, res) => {
  if (ISSUER_PATH) {
    const url = req.url || "/";
    const rest = url.slice(ISSUER_PATH.length);
    if (!url.startsWith(ISSUER_PATH) || !(rest === "" || rest.startsWith("/") || rest.startsWith("?"))) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"error":"not_found"}');
      return;
    }
    // oidc-provider derives its mount path from req.originalUrl vs the (stripped) req.url
    req.originalUrl = url;
    req.url = rest === "" || rest.startsWith("?") ? `/${rest}` : rest;
  }
  callback(req, res);
});

let closing = false;
function shutdown(signal) {
  if (closing) return;
  closing = true;
  console.error(`[op] ${signal}: closing`);
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
// spawned with an IPC channel (test/helpers/spawn-fixture.ts): die with the parent
if (process.connected) process.on("disconnect", () => shutdown("parent disconnected"));

process.stdout.write(
  `READY ${JSON.stringify({
    issuer,
    port,
    pid: process.pid,
    discovery: `${issuer}/.well-known/openid-configuration`,
    kid,
  })}\n`,
);
