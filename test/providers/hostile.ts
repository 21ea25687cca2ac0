// A small, purpose-built misbehaving OIDC provider for the reliability and security tests.
// In-process node:http (or https) on 127.0.0.1:<random>. Every path has a default behaviour (a
// good discovery document whose endpoints point at this server, a good token response, an empty
// JWKS); a test swaps in a hostile behaviour per path with `on(path, behaviour)`.

import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";

export type Behaviour = (req: IncomingMessage, res: ServerResponse, ctx: HostileContext) => void | Promise<void>;

export interface HostileContext {
  /** `http(s)://127.0.0.1:<port>`: the issuer of the good discovery document. */
  url: string;
  /** The request body (already read; empty for GET). */
  body: string;
  /** How many times this path has been hit so far, including this request (1-based). */
  hit: number;
}

export interface HostileRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface HostileProvider {
  url: string;
  port: number;
  /** Every request seen, in order. */
  requests: HostileRequest[];
  /** Replace the behaviour of one path (query string ignored). */
  on(path: string, behaviour: Behaviour): void;
  /** Back to the default behaviours; forget the requests seen. */
  reset(): void;
  stop(): Promise<void>;
}

export const DISCOVERY_PATH = "/.well-known/openid-configuration";

export function goodDiscovery(url: string): Record<string, unknown> {
  return {
    issuer: url,
    authorization_endpoint: `${url}/authorize`,
    token_endpoint: `${url}/token`,
    userinfo_endpoint: `${url}/userinfo`,
    jwks_uri: `${url}/jwks`,
    registration_endpoint: `${url}/register`,
    revocation_endpoint: `${url}/revoke`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    id_token_signing_alg_values_supported: ["RS256"],
    subject_types_supported: ["public"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
  };
}

// --- behaviours -------------------------------------------------------------------------------

export const json =
  (status: number, value: unknown, headers: Record<string, string> = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(value));
  };

export const text =
  (status: number, body: string, contentType = "text/plain"): Behaviour =>
  (_req, res) => {
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  };

export const HTML_PAGE = "<!doctype html><html><head><title>Sign in</title></head><body><h1>Welcome</h1></body></html>";
export const html = (status = 200): Behaviour => text(status, HTML_PAGE, "text/html; charset=utf-8");

/** A JSON document cut off in the middle, with a content-length that matches what is sent. */
export const truncatedJson = (): Behaviour => (_req, res, ctx) => {
  const full = JSON.stringify(goodDiscovery(ctx.url));
  const cut = full.slice(0, Math.floor(full.length / 2));
  res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(cut)) });
  res.end(cut);
};

/** Accept the request and never answer (the socket stays open until the server stops). */
export const hang = (): Behaviour => () => {};

/** Reset the TCP connection (RST) without answering. */
export const resetConnection = (): Behaviour => (req) => {
  const socket = req.socket as Socket & { resetAndDestroy?: () => void };
  if (socket.resetAndDestroy) socket.resetAndDestroy();
  else socket.destroy();
};

/**
 * A 200 JSON body of `bytes` bytes, streamed with backpressure; stops when the client goes away.
 * Chunked (no content-length) unless `declareLength`, so the client cannot know the size upfront.
 */
export const hugeBody =
  (bytes: number, opts: { declareLength?: boolean } = {}): Behaviour =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", ...(opts.declareLength ? { "content-length": String(bytes) } : {}) });
    // "{" then spaces: it never becomes a complete document, whatever the cap.
    const rest = Buffer.alloc(64 * 1024, 0x20);
    const first = Buffer.from(rest);
    first[0] = 0x7b;
    let sent = 0;
    let closed = false;
    res.on("close", () => {
      closed = true;
    });
    const pump = () => {
      while (!closed && sent < bytes) {
        const n = Math.min(rest.length, bytes - sent);
        const piece = (sent === 0 ? first : rest).subarray(0, n);
        sent += n;
        if (!res.write(piece)) {
          res.once("drain", pump);
          return;
        }
      }
      if (!closed) res.end();
    };
    pump();
  };

/** The first `n` hits get `first`, the following ones `then`. */
export const firstThen =
  (n: number, first: Behaviour, then: Behaviour): Behaviour =>
  (req, res, ctx) =>
    ctx.hit <= n ? first(req, res, ctx) : then(req, res, ctx);

export const goodDiscoveryDoc = (): Behaviour => (req, res, ctx) => json(200, goodDiscovery(ctx.url))(req, res, ctx);

export const goodToken = (): Behaviour =>
  json(200, { access_token: "at-good-0123456789", token_type: "Bearer", expires_in: 3600, refresh_token: "rt-next-0123456789" });

function defaults(): Map<string, Behaviour> {
  return new Map<string, Behaviour>([
    [DISCOVERY_PATH, goodDiscoveryDoc()],
    ["/token", goodToken()],
    ["/jwks", json(200, { keys: [] })],
  ]);
}

export interface HostileOptions {
  /** Serve https with this key and certificate (PEM). */
  tls?: { key: string; cert: string };
}

export async function startHostile(opts: HostileOptions = {}): Promise<HostileProvider> {
  let routes = defaults();
  const hits = new Map<string, number>();
  const requests: HostileRequest[] = [];
  const sockets = new Set<Socket>();
  let url = "";

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const body = Buffer.concat(chunks).toString("utf8");
      requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });
      const hit = (hits.get(path) ?? 0) + 1;
      hits.set(path, hit);
      const behaviour = routes.get(path) ?? json(404, { error: "not_found" });
      Promise.resolve(behaviour(req, res, { url, body, hit })).catch(() => req.socket.destroy());
    });
  };

  const server: Server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // TLS handshakes the client aborts (unknown CA) must not crash anything.
  server.on("tlsClientError", () => {});
  server.on("clientError", (_e, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  url = `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`;

  return {
    url,
    port,
    requests,
    on(path, behaviour) {
      routes.set(path, behaviour);
    },
    reset() {
      routes = defaults();
      hits.clear();
      requests.length = 0;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
