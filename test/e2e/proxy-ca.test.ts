// TLS trust and proxies, with the built CLI: a provider on https with a certificate from a
// throwaway CA (unknown → exit 3 naming TLS; trusted through --ca-file or NODE_EXTRA_CA_CERTS), and
// a local CONNECT proxy used through HTTPS_PROXY and bypassed through NO_PROXY.

import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hintFor } from "../../src/cli/hints.js";
import { ExitCode } from "../../src/errors.js";
import { checkTransport } from "../../src/oidc/discovery.js";
import { cli, type RunResult } from "../helpers/cli.js";
import { oidcError } from "../helpers/errors.js";
import { type HostileProvider, startHostile } from "../providers/hostile.js";

/** No proxy settings inherited from the machine running the tests. */
const NO_PROXY_ENV = {
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
  NODE_EXTRA_CA_CERTS: undefined,
};

interface ConnectProxy {
  url: string;
  /** `host:port` of every CONNECT seen. */
  connects: string[];
  stop(): Promise<void>;
}

/** A minimal CONNECT proxy (node:http + node:net) that records what it tunnels. */
async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end("CONNECT only");
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("connect", (req, client: Socket, head: Buffer) => {
    const target = req.url ?? "";
    connects.push(target);
    const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
    const upstream = netConnect(port, host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    const close = () => {
      upstream.destroy();
      client.destroy();
    };
    upstream.on("error", () => {
      client.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      close();
    });
    client.on("error", close);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    connects,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let dir: string;
let caFile: string;
let provider: HostileProvider;
let proxy: ConnectProxy;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "oidc-tls-"));
  const ca = await generate([{ name: "commonName", value: "oidc test CA (throwaway)" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    algorithm: "sha256",
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] },
    ],
  });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.cert);
  provider = await startHostile({ tls: { key: leaf.private, cert: leaf.cert } });
  proxy = await startConnectProxy();
});

afterAll(async () => {
  await provider?.stop();
  await proxy?.stop();
});

const ok = (r: RunResult, issuer: string) => {
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).issuer).toBe(issuer);
};

describe("a provider whose certificate comes from a private CA", () => {
  it("without the CA, discovery fails with exit 3 naming TLS, in one `oidc:` line", async () => {
    const r = await cli()(["discover", provider.url], { env: NO_PROXY_ENV });
    expect(r.code, r.stderr).toBe(3);
    const lines = r.stderr.trim().split("\n");
    expect(lines[0]).toMatch(/^oidc: discovery failed: TLS failure with 127\.0\.0\.1:\d+: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^hint: .*--ca-file.*NODE_EXTRA_CA_CERTS/)]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe("");
  });

  it("with --ca-file ca.pem, discovery succeeds", async () => {
    ok(await cli()(["discover", provider.url, "--ca-file", caFile], { env: NO_PROXY_ENV }), provider.url);
  });

  it("with NODE_EXTRA_CA_CERTS=ca.pem, discovery succeeds", async () => {
    ok(await cli()(["discover", provider.url], { env: { ...NO_PROXY_ENV, NODE_EXTRA_CA_CERTS: caFile } }), provider.url);
  });

  it("an unreadable --ca-file is a usage error (exit 2) naming the file", async () => {
    const r = await cli()(["discover", provider.url, "--ca-file", join(dir, "missing.pem")], { env: NO_PROXY_ENV });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^oidc: cannot read CA file .*missing\.pem: ENOENT\n/);
  });
});

describe("an HTTPS proxy", () => {
  it("with HTTPS_PROXY set, the request is tunnelled through the proxy (CONNECT seen) and the CA still applies", async () => {
    proxy.connects.length = 0;
    const r = await cli()(["discover", provider.url, "--ca-file", caFile], { env: { ...NO_PROXY_ENV, HTTPS_PROXY: proxy.url } });
    ok(r, provider.url);
    expect(proxy.connects).toContain(`127.0.0.1:${provider.port}`);
  });

  it("with HTTPS_PROXY and NODE_EXTRA_CA_CERTS, the tunnelled TLS trusts the extra CA", async () => {
    proxy.connects.length = 0;
    const r = await cli()(["discover", provider.url], { env: { ...NO_PROXY_ENV, https_proxy: proxy.url, NODE_EXTRA_CA_CERTS: caFile } });
    ok(r, provider.url);
    expect(proxy.connects).toContain(`127.0.0.1:${provider.port}`);
  });

  it("with NO_PROXY=127.0.0.1, the proxy is bypassed", async () => {
    proxy.connects.length = 0;
    const r = await cli()(["discover", provider.url, "--ca-file", caFile], {
      env: { ...NO_PROXY_ENV, HTTPS_PROXY: proxy.url, NO_PROXY: "127.0.0.1" },
    });
    ok(r, provider.url);
    expect(proxy.connects).toEqual([]);
  });

  it("a proxy that is down is a network failure (exit 3), not a crash", async () => {
    const down = await startConnectProxy();
    await down.stop();
    const r = await cli()(["discover", provider.url, "--ca-file", caFile, "--timeout", "5"], {
      env: { ...NO_PROXY_ENV, HTTPS_PROXY: down.url },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.trim().split("\n")[0]).toMatch(/^oidc: discovery failed: /);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("a proxy that drops every CONNECT ends within --timeout with exit 3 (undici's proxy agent would retry forever)", async () => {
    const dropping = createServer((_req, res) => res.writeHead(502).end());
    let connects = 0;
    dropping.on("connect", (_req, socket: Socket) => {
      connects++;
      socket.end();
    });
    await new Promise<void>((r) => dropping.listen(0, "127.0.0.1", r));
    try {
      const port = (dropping.address() as { port: number }).port;
      const started = Date.now();
      const r = await cli()(["discover", provider.url, "--ca-file", caFile, "--timeout", "2"], {
        env: { ...NO_PROXY_ENV, HTTPS_PROXY: `http://127.0.0.1:${port}` },
      });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^oidc: discovery failed: no answer from .* within 2s/m);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(connects).toBeGreaterThan(0);
    } finally {
      dropping.closeAllConnections();
      dropping.close();
    }
  });
});

describe("plain http", () => {
  it("checkTransport refuses http to a non-loopback host with a usage error (exit 2) naming --allow-insecure-http", () => {
    for (const url of ["http://op.example", "http://10.0.0.1/issuer", "http://127.example.com", "http://localhost.evil.example"]) {
      const e = oidcError(() => checkTransport(url, "issuer", false));
      expect(e.exitCode, url).toBe(ExitCode.usage);
      expect(hintFor(e)).toContain("--allow-insecure-http");
    }
  });

  it("checkTransport accepts http on loopback, https anywhere, and http anywhere with --allow-insecure-http", () => {
    for (const url of ["http://127.0.0.1:8080", "http://127.1.2.3/x", "http://localhost:3000", "http://[::1]:9000", "https://op.example"])
      expect(checkTransport(url, "issuer", false).href).toBe(new URL(url).href);
    expect(checkTransport("http://op.example", "issuer", true).protocol).toBe("http:");
  });

  it("checkTransport refuses other schemes even with --allow-insecure-http", () => {
    for (const url of ["ftp://op.example", "file:///etc/passwd", "javascript:alert(1)"])
      expect(oidcError(() => checkTransport(url, "issuer", true)).exitCode).toBe(ExitCode.usage);
  });

  it("`oidc discover http://op.example` exits 2 before any request is made", async () => {
    const r = await cli()(["discover", "http://op.example"], { env: NO_PROXY_ENV });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^oidc: issuer http:\/\/op\.example uses plain http on a non-loopback host\nhint: .*--allow-insecure-http/);
  });

  it("a discovery document whose endpoints use http on a non-loopback host is refused (exit 2)", async () => {
    const http = await startHostile();
    try {
      http.on("/.well-known/openid-configuration", (_req, res, ctx) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ issuer: ctx.url, authorization_endpoint: `${ctx.url}/a`, token_endpoint: "http://op.example/token" }));
      });
      const r = await cli()(["discover", http.url], { env: NO_PROXY_ENV });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/token_endpoint http:\/\/op\.example\/token uses plain http/);
    } finally {
      await http.stop();
    }
  });
});
