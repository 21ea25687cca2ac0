// The HTTP adapter (src/adapters/http.ts) against an in-process node:http server on 127.0.0.1:0 and
// undici's MockAgent: redirects not followed, the body cap, bounded retries, timeouts and refusals
// mapped to exit 3, the redacted trace, an unreadable CA file as a usage error, and the proxy taken
// from the env the client is given.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { Dispatcher, MockAgent } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/adapters/env.js";
import { createHttpClient } from "../../src/adapters/http.js";
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from "../../src/adapters/http-settings.js";
import { Redactor } from "../../src/adapters/redact.js";
import { ExitCode } from "../../src/errors.js";
import { oidcErrorAsync } from "../helpers/errors.js";

interface TestServer {
  url: string;
  port: number;
  hits: string[];
  server: Server;
}

const servers: Server[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A server on 127.0.0.1:0 that records `METHOD path` of every request and answers with `handler`. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, hits: string[]) => void): Promise<TestServer> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    handler(req, res, hits);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, port, hits, server };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function client(
  o: { settings?: Partial<HttpSettings>; env?: Env; tracing?: boolean; redact?: (t: string) => string; mock?: MockAgent } = {},
) {
  const traced: string[] = [];
  const http = createHttpClient({
    settings: { ...DEFAULT_HTTP_SETTINGS, timeoutMs: 5_000, ...o.settings },
    env: o.env ?? {},
    trace: (t) => traced.push(t),
    tracing: () => o.tracing ?? false,
    redact: o.redact ?? ((t) => t),
    dispatcher: o.mock,
  });
  return { http, traced };
}

function mockAgent(): MockAgent {
  const agent = new MockAgent();
  agent.disableNetConnect();
  return agent;
}

describe("redirects", () => {
  it("does not follow a redirect: a 302 comes back as a 302 with its Location", async () => {
    const srv = await serve((req, res) => {
      if (req.url === "/start") res.writeHead(302, { location: "/elsewhere" }).end();
      else res.writeHead(200).end("{}");
    });
    const { http } = client();
    const res = await http.request(`${srv.url}/start`, { what: "discovery" });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/elsewhere");
    expect(srv.hits).toEqual(["GET /start"]);
  });

  it("does not follow a redirect given by a MockAgent either", async () => {
    const agent = mockAgent();
    agent
      .get("https://op.test")
      .intercept({ path: "/a", method: "GET" })
      .reply(302, "", { headers: { location: "https://op.test/b" } });
    const { http } = client({ mock: agent });
    const res = await http.request("https://op.test/a", { what: "discovery" });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("https://op.test/b");
    agent.assertNoPendingInterceptors();
  });
});

describe("body cap", () => {
  it("refuses a declared Content-Length over the cap (exit 4) without waiting for the body", async () => {
    // The server declares 5000 bytes and never sends them: only the declared length can end this.
    const srv = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "5000" });
      res.write("{");
    });
    const { http } = client({ settings: { maxBodyBytes: 1000, timeoutMs: 3_000 } });
    const started = Date.now();
    const err = await oidcErrorAsync(http.request(`${srv.url}/big`, { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.refused);
    expect(err.message).toBe("discovery failed: the response (status 200) is larger than 1000 bytes");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("cuts a streamed body (no Content-Length) once it passes the cap, exit 4", async () => {
    // An endless chunked body: without the cap the request would only end at the timeout (exit 3).
    const srv = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write("x".repeat(512)), 5);
      res.on("close", () => clearInterval(timer));
    });
    const { http } = client({ settings: { maxBodyBytes: 4096, timeoutMs: 3_000 } });
    const err = await oidcErrorAsync(http.request(`${srv.url}/stream`, { what: "userinfo request" }));
    expect(err.exitCode).toBe(ExitCode.refused);
    expect(err.message).toBe("userinfo request failed: the response (status 200) is larger than 4096 bytes");
  });

  it("reads a body exactly at the cap", async () => {
    const srv = await serve((_req, res) => res.writeHead(200).end("y".repeat(1000)));
    const { http } = client({ settings: { maxBodyBytes: 1000 } });
    const res = await http.request(`${srv.url}/`, { what: "discovery" });
    expect(res.text).toHaveLength(1000);
  });
});

describe("retries", () => {
  /** A server answering `status` (with Retry-After: `after`) `failures` times, then 200. */
  const flaky = (status: number, failures: number, after = "0") =>
    serve((_req, res, hits) => {
      if (hits.length <= failures) res.writeHead(status, { "retry-after": after }).end("busy");
      else res.writeHead(200).end('{"ok":true}');
    });

  it.each([503, 429])("retries a GET with retry:true on %i and returns the answer after", async (status) => {
    const srv = await flaky(status, 2);
    const { http } = client();
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS", retry: true });
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"ok":true}');
    expect(srv.hits).toHaveLength(3);
  });

  it("stops after maxRetries and reports the last answer as it is", async () => {
    const srv = await flaky(503, 100);
    const { http } = client({ settings: { maxRetries: 2 } });
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS", retry: true });
    expect(res.status).toBe(503);
    expect(res.text).toBe("busy");
    expect(srv.hits).toHaveLength(3);
  });

  it("does not retry a GET without retry:true", async () => {
    const srv = await flaky(503, 1);
    const { http } = client();
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS" });
    expect(res.status).toBe(503);
    expect(srv.hits).toHaveLength(1);
  });

  it("never retries a POST, even with retry:true", async () => {
    const srv = await flaky(503, 1);
    const { http } = client();
    const res = await http.request(`${srv.url}/token`, { what: "token request", form: { grant_type: "x" }, retry: true });
    expect(res.status).toBe(503);
    expect(srv.hits).toEqual(["POST /token"]);
  });

  it("does not retry a status outside 429/502/503/504 (a 500)", async () => {
    const srv = await flaky(500, 1);
    const { http } = client();
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS", retry: true });
    expect(res.status).toBe(500);
    expect(srv.hits).toHaveLength(1);
  });

  it("does not wait for a Retry-After over the bound: the 503 is returned at once", async () => {
    const srv = await flaky(503, 1, "60");
    const { http } = client({ settings: { maxRetryAfterMs: 1_000 } });
    const started = Date.now();
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS", retry: true });
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("60");
    expect(srv.hits).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("waits for a Retry-After within the bound before retrying", async () => {
    const srv = await flaky(503, 1, "1");
    const { http } = client({ settings: { maxRetryAfterMs: 2_000 } });
    const started = Date.now();
    const res = await http.request(`${srv.url}/jwks`, { what: "JWKS", retry: true });
    expect(res.status).toBe(200);
    expect(srv.hits).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });
});

describe("network failures", () => {
  it("times out on a server that never answers: exit 3 within a bound", async () => {
    const srv = await serve(() => {});
    const { http } = client({ settings: { timeoutMs: 300 } });
    const started = Date.now();
    const err = await oidcErrorAsync(http.request(`${srv.url}/slow`, { what: "discovery" }));
    const elapsed = Date.now() - started;
    expect(err.exitCode).toBe(ExitCode.network);
    expect(err.message).toBe(`discovery failed: no answer from 127.0.0.1:${srv.port} within 0.3s`);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
    expect(srv.hits).toHaveLength(1);
  });

  it("https to a port that speaks plain http: exit 3 saying so, with the http:// URL to use", async () => {
    const srv = await serve((_req, res) => res.end("{}"));
    const { http } = client();
    const err = await oidcErrorAsync(http.request(`https://127.0.0.1:${srv.port}/x`, { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.network);
    expect(err.message).toBe(`discovery failed: 127.0.0.1:${srv.port} speaks plain http, not https`);
    expect(err.hint).toBe(`did you mean http://127.0.0.1:${srv.port}/x?`);
  });

  it("reports a refused connection as exit 3 'connection refused by <host>'", async () => {
    const port = await closedPort();
    const { http } = client();
    const err = await oidcErrorAsync(http.request(`http://127.0.0.1:${port}/x`, { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.network);
    expect(err.message).toBe(`discovery failed: connection refused by 127.0.0.1:${port}`);
  });

  it("keeps using the given dispatcher after a request that hung past the deadline", async () => {
    // A dispatcher that swallows its first request (never connects, so the abort signal cannot end
    // it): only the client's own deadline does. The next request must still go to that dispatcher.
    const agent = mockAgent();
    agent.get("https://op.test").intercept({ path: "/second", method: "GET" }).reply(200, "{}");
    let calls = 0;
    class HangsOnce extends Dispatcher {
      override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        calls++;
        return calls === 1 ? true : agent.dispatch(opts, handler);
      }
    }
    const http = createHttpClient({
      settings: { ...DEFAULT_HTTP_SETTINGS, timeoutMs: 200 },
      env: {},
      trace: () => {},
      tracing: () => false,
      redact: (t) => t,
      dispatcher: new HangsOnce(),
    });
    const err = await oidcErrorAsync(http.request("https://op.test/first", { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.network);
    expect(err.message).toBe("discovery failed: no answer from op.test within 0.2s");
    const res = await http.request("https://op.test/second", { what: "discovery" });
    expect(res.status).toBe(200);
    expect(calls).toBe(2);
  });

  it("does not retry a refused connection, even a GET with retry:true", async () => {
    const port = await closedPort();
    const { http, traced } = client();
    const err = await oidcErrorAsync(http.request(`http://127.0.0.1:${port}/x`, { what: "JWKS", retry: true }));
    expect(err.exitCode).toBe(ExitCode.network);
    expect(traced.filter((t) => t.startsWith("> GET"))).toHaveLength(1);
  });
});

describe("trace", () => {
  const SECRET = "Zq9-secret-value-Zq9";

  it("passes the request and the response through the given trace function", async () => {
    const srv = await serve((_req, res) => res.writeHead(200, { "x-test": "1" }).end('{"issuer":"x"}'));
    const { http, traced } = client({ tracing: true });
    await http.request(`${srv.url}/.well-known/openid-configuration`, { what: "discovery" });
    expect(traced).toHaveLength(2);
    expect(traced[0]).toMatch(new RegExp(`^> GET ${srv.url}/\\.well-known/openid-configuration\\n> user-agent: oidc-cli`));
    expect(traced[1]).toMatch(/^< 200\n/);
    expect(traced[1]).toContain("< x-test: 1");
    expect(traced[1]).toMatch(/< \{"issuer":"x"\}$/);
  });

  it("leaves the response out of the trace when tracing is off", async () => {
    const srv = await serve((_req, res) => res.writeHead(200).end("{}"));
    const { http, traced } = client({ tracing: false });
    await http.request(`${srv.url}/`, { what: "discovery" });
    expect(traced.some((t) => t.startsWith("<"))).toBe(false);
  });

  it("redacts the body with the given redact function before cutting it at 2000 characters", async () => {
    // The secret straddles character 2000: cut first, its first five characters would escape.
    const body = `${"a".repeat(1995)}${SECRET}${"b".repeat(3000)}`;
    const srv = await serve((_req, res) => res.writeHead(200).end(body));
    const redactor = new Redactor();
    redactor.register(SECRET);
    const seen: string[] = [];
    const { http, traced } = client({
      tracing: true,
      redact: (t) => {
        seen.push(t);
        return redactor.redact(t);
      },
    });
    const res = await http.request(`${srv.url}/userinfo`, { what: "userinfo request" });
    expect(res.text).toBe(body);
    expect(seen).toContain(body);
    const response = traced.find((t) => t.startsWith("< 200")) ?? "";
    const bodyLine = response.split("\n").at(-1);
    expect(bodyLine).toBe(`< ${`${"a".repeat(1995)}[redacted]`.slice(0, 2000)}`);
    expect(response).not.toContain(SECRET.slice(0, 5));
  });
});

describe("TLS settings", () => {
  it("reports an unreadable caFile as a usage error (exit 2), not a network one, and sends nothing", async () => {
    const srv = await serve((_req, res) => res.writeHead(200).end("{}"));
    const { http } = client({ settings: { caFile: "/nonexistent/dir/ca.pem" } });
    const err = await oidcErrorAsync(http.request(`${srv.url}/`, { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toBe("cannot read CA file /nonexistent/dir/ca.pem: ENOENT");
    expect(srv.hits).toEqual([]);
  });
});

describe("proxy", () => {
  /** A CONNECT proxy that records each tunnel's target and forwards it. */
  async function proxy(): Promise<{ url: string; tunnels: string[] }> {
    const tunnels: string[] = [];
    const srv = await serve((req, res) => {
      tunnels.push(`${req.method} ${req.url}`);
      res.writeHead(502).end();
    });
    srv.server.on("connect", (req: IncomingMessage, socket, head: Buffer) => {
      tunnels.push(`CONNECT ${req.url}`);
      const [host, port] = (req.url ?? "").split(":");
      const upstream = connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on("error", () => socket.destroy());
      socket.on("error", () => upstream.destroy());
    });
    return { url: srv.url, tunnels };
  }

  it("goes through the proxy named in the given env while process.env names none", async () => {
    const origin = await serve((_req, res) => res.writeHead(200).end("{}"));
    const p = await proxy();
    for (const k of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]) vi.stubEnv(k, undefined);
    const { http } = client({ env: { HTTP_PROXY: p.url, HTTPS_PROXY: p.url } });
    const res = await http.request(`${origin.url}/`, { what: "discovery" });
    expect(res.status).toBe(200);
    expect(p.tunnels).toEqual([`CONNECT 127.0.0.1:${origin.port}`]);
  });

  it("fails as a network error (exit 3) when the proxy in the given env is closed", async () => {
    const origin = await serve((_req, res) => res.writeHead(200).end("{}"));
    const port = await closedPort();
    for (const k of ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"]) vi.stubEnv(k, undefined);
    const { http } = client({ env: { HTTP_PROXY: `http://127.0.0.1:${port}`, HTTPS_PROXY: `http://127.0.0.1:${port}` } });
    const err = await oidcErrorAsync(http.request(`${origin.url}/`, { what: "discovery" }));
    expect(err.exitCode).toBe(ExitCode.network);
    expect(origin.hits).toEqual([]);
  });

  it("ignores a proxy in process.env when the given env names none", async () => {
    const origin = await serve((_req, res) => res.writeHead(200).end("{}"));
    const p = await proxy();
    vi.stubEnv("HTTP_PROXY", p.url);
    vi.stubEnv("HTTPS_PROXY", p.url);
    const { http } = client({ env: {} });
    const res = await http.request(`${origin.url}/`, { what: "discovery" });
    expect(res.status).toBe(200);
    expect(p.tunnels).toEqual([]);
    expect(origin.hits).toEqual(["GET /"]);
  });

  it("honours NO_PROXY from the given env", async () => {
    const origin = await serve((_req, res) => res.writeHead(200).end("{}"));
    const p = await proxy();
    vi.stubEnv("HTTP_PROXY", p.url);
    vi.stubEnv("NO_PROXY", undefined);
    vi.stubEnv("no_proxy", undefined);
    const { http } = client({ env: { HTTP_PROXY: p.url, NO_PROXY: "127.0.0.1" } });
    const res = await http.request(`${origin.url}/`, { what: "discovery" });
    expect(res.status).toBe(200);
    expect(p.tunnels).toEqual([]);
    expect(origin.hits).toEqual(["GET /"]);
  });
});
