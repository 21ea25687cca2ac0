// A man in the middle for tests: forwards everything to a real provider, rewrites the provider's
// origin to its own in bodies and Location headers (so every endpoint is reached through it), and
// lets a test tamper with one response. A purpose-built misbehaving server around a real one.
import { createServer, request, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export type Tamper = (path: string, body: string, headers: IncomingHttpHeaders) => string;

export async function startTamperProxy(target: string, tamper: Tamper = (_p, b) => b) {
  const t = new URL(target);
  let origin = "";
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const headers = { ...req.headers, host: t.host };
      if (headers.origin) headers.origin = t.origin;
      const up = request(
        { host: t.hostname === "localhost" ? "127.0.0.1" : t.hostname, port: t.port, path: req.url, method: req.method, headers },
        (upRes) => {
          const body: Buffer[] = [];
          upRes.on("data", (c) => body.push(c));
          upRes.on("end", () => {
            let text = Buffer.concat(body).toString("utf8").split(t.origin).join(origin);
            text = tamper(req.url ?? "/", text, upRes.headers);
            const out = { ...upRes.headers };
            delete out["content-length"];
            delete out["transfer-encoding"];
            if (typeof out.location === "string")
              out.location = tamper(req.url ?? "/", out.location.split(t.origin).join(origin), upRes.headers);
            res.writeHead(upRes.statusCode ?? 502, out);
            res.end(text);
          });
        },
      );
      up.on("error", () => res.writeHead(502).end());
      up.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
