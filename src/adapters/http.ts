/**
 * The one HTTP client (undici). Timeouts, proxies and CAs, no redirects followed, a cap on body
 * size read as a stream, bounded retries for idempotent GETs, a redacted trace, and failures mapped
 * to the exit-code classes: the network (3) or the provider's answer (4).
 */
import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { Agent, EnvHttpProxyAgent, type Dispatcher, request as undiciRequest } from "undici";
import { ExitCode, OidcError, networkError, refusedError, usageError } from "../errors.js";
import type { HttpClient, HttpResponse, RequestOptions } from "../oidc/ports.js";
import type { Env } from "./env.js";
import type { HttpSettings } from "./http-settings.js";

export interface HttpClientOptions {
  settings: HttpSettings;
  /** HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS. */
  env: Env;
  /** The --verbose trace (the caller redacts), and whether it is on. */
  trace: (text: string) => void;
  tracing: () => boolean;
  redact: (text: string) => string;
  /** A dispatcher to use instead of our own (undici's MockAgent in tests). */
  dispatcher?: Dispatcher;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

export function createHttpClient(o: HttpClientOptions): HttpClient {
  const httpSettings = o.settings;
  const trace = (text: string) => o.trace(text);
  let dispatcher: Dispatcher | undefined = o.dispatcher;

  /**
   * A deadline outside undici: a proxy that drops CONNECT makes undici's proxy agent retry in a
   * loop the request's own abort signal does not stop. At the deadline the dispatcher is destroyed.
   */
  function withDeadline<T>(work: Promise<T>, url: string, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const d = dispatcher;
        // Our own agent may be stuck in the proxy loop: destroy it and start afresh next time. A
        // dispatcher we were given (a test's MockAgent) is its owner's to keep.
        if (d !== o.dispatcher) {
          dispatcher = undefined;
          d?.destroy().catch(() => {});
        }
        reject(networkError(`${what} failed: no answer from ${hostOf(url)} within ${httpSettings.timeoutMs / 1000}s`));
      }, httpSettings.timeoutMs + 500);
    });
    work.catch(() => {});
    return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
  }
  function getDispatcher(): Dispatcher {
    if (dispatcher) return dispatcher;
    const connectTimeout = Math.min(httpSettings.timeoutMs, 10_000);
    const connect: Record<string, unknown> = { timeout: connectTimeout };
    if (httpSettings.caFile) {
      const ca: string[] = [...rootCertificates];
      for (const file of [o.env.NODE_EXTRA_CA_CERTS, httpSettings.caFile]) {
        if (!file) continue;
        try {
          ca.push(readFileSync(file, "utf8"));
        } catch (e) {
          throw usageError(`cannot read CA file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      connect.ca = ca;
    }
    const common = { connect, headersTimeout: httpSettings.timeoutMs, bodyTimeout: httpSettings.timeoutMs };
    const env = o.env;
    const proxied = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
    // The proxy settings from the environment we were given; an empty string keeps undici from
    // reading process.env itself.
    const proxies = {
      httpProxy: env.HTTP_PROXY || env.http_proxy || "",
      httpsProxy: env.HTTPS_PROXY || env.https_proxy || "",
      noProxy: env.NO_PROXY ?? env.no_proxy ?? "",
    };
    dispatcher = proxied ? new EnvHttpProxyAgent({ ...common, ...proxies, proxyTls: connect, requestTls: connect }) : new Agent(common);
    return dispatcher;
  }

  const RETRY_STATUS = new Set([429, 502, 503, 504]);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /** How long to wait before a retry: Retry-After when given, else backoff; undefined = longer than we wait. */
  function retryAfterMs(value: string | undefined, attempt: number): number | undefined {
    const base = 250 * 2 ** attempt;
    if (!value) return base;
    const secs = Number(value);
    const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(value) - Date.now();
    if (!Number.isFinite(ms)) return base;
    return ms > httpSettings.maxRetryAfterMs ? undefined : Math.max(0, ms);
  }

  /** OpenSSL's verification codes and Node's TLS errors: a certificate problem, not a lost network. */
  function isTlsCode(code: string | undefined): boolean {
    if (!code) return false;
    return (
      code.startsWith("ERR_TLS") ||
      code.startsWith("ERR_SSL") ||
      /CERT|UNABLE_TO_|SELF_SIGNED|SIGNATURE|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|PATH_LENGTH_EXCEEDED/.test(code)
    );
  }

  const TLS_HINT = "if the provider's certificate comes from a private CA, pass --ca-file <pem> or set NODE_EXTRA_CA_CERTS";

  function describeNetworkError(e: unknown, url: string, what: string): OidcError {
    const err = e as { code?: unknown; name?: string; message?: string; cause?: { code?: unknown; message?: string } };
    // DOMException (abort, timeout) has a numeric `code`; only string codes name a failure.
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const code = str(err.code) ?? str(err.cause?.code);
    const host = hostOf(url);
    const secs = httpSettings.timeoutMs / 1000;
    let why: string;
    switch (code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        why = `could not connect to ${host} in time`;
        break;
      case "UND_ERR_HEADERS_TIMEOUT":
      case "UND_ERR_BODY_TIMEOUT":
      case "ABORT_ERR":
        why = `no answer from ${host} within ${secs}s`;
        break;
      case "ECONNREFUSED":
        why = `connection refused by ${host}`;
        break;
      case "ECONNRESET":
      case "UND_ERR_SOCKET":
        why = `connection to ${host} was reset`;
        break;
      case "ENOTFOUND":
      case "EAI_AGAIN":
        why = `cannot resolve ${host}`;
        break;
      default:
        // TLS spoken to a plain-http port: OpenSSL reads the HTTP answer as a broken record.
        if (url.startsWith("https:") && (code === "ERR_SSL_WRONG_VERSION_NUMBER" || /wrong version number/i.test(err.message ?? "")))
          return new OidcError(ExitCode.network, `${what} failed: ${host} speaks plain http, not https`, {
            hint: `did you mean ${url.replace(/^https:/, "http:")}?`,
            cause: e,
          });
        if (err.name === "TimeoutError" || err.name === "AbortError") why = `no answer from ${host} within ${secs}s`;
        else if (isTlsCode(code))
          return new OidcError(ExitCode.network, `${what} failed: TLS failure with ${host}: ${err.message ?? code} (${code})`, {
            hint: TLS_HINT,
            cause: e,
          });
        else why = `${err.message ?? "network failure"}${code ? ` (${code})` : ""}`;
    }
    return networkError(`${what} failed: ${why}`, e);
  }

  async function readCapped(body: AsyncIterable<Buffer> & { destroy?: () => void }, what: string, status: number): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > httpSettings.maxBodyBytes) {
        body.destroy?.();
        throw refusedError(`${what} failed: the response (status ${status}) is larger than ${httpSettings.maxBodyBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  async function request(url: string, opts: RequestOptions): Promise<HttpResponse> {
    const method = opts.method ?? (opts.form || opts.json !== undefined ? "POST" : "GET");
    const headers: Record<string, string> = { "user-agent": "oidc-cli", accept: "application/json", ...opts.headers };
    let body: string | undefined;
    if (opts.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.form)) if (v !== undefined) params.set(k, v);
      body = params.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    } else if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["content-type"] = "application/json";
    }
    const retries = opts.retry && method === "GET" ? httpSettings.maxRetries : 0;
    // Outside the try below: an unreadable --ca-file is the user's mistake (2), not the network's (3).
    const via = getDispatcher();
    for (let attempt = 0; ; attempt++) {
      trace(
        `> ${method} ${url}\n${Object.entries(headers)
          .map(([k, v]) => `> ${k}: ${v}`)
          .join("\n")}${body ? `\n> ${body}` : ""}`,
      );
      let res: Dispatcher.ResponseData;
      try {
        res = await withDeadline(
          undiciRequest(url, { method, headers, body, dispatcher: via, signal: AbortSignal.timeout(httpSettings.timeoutMs) }),
          url,
          opts.what,
        );
      } catch (e) {
        if (e instanceof OidcError) throw e;
        const err = describeNetworkError(e, url, opts.what);
        const code = (e as { code?: unknown }).code;
        if (attempt < retries && (code === "ECONNRESET" || code === "UND_ERR_SOCKET")) {
          trace(`  (${err.message}; retrying)`);
          await sleep(retryAfterMs(undefined, attempt) ?? 0);
          continue;
        }
        throw err;
      }
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(", ") : v;
      const wait = attempt < retries && RETRY_STATUS.has(res.statusCode) ? retryAfterMs(resHeaders["retry-after"], attempt) : undefined;
      if (wait !== undefined) {
        // A Retry-After beyond the bound is not waited for: the answer is reported as it is.
        await res.body.dump().catch(() => {});
        trace(`< ${res.statusCode} (retrying in ${wait} ms)`);
        await sleep(wait);
        continue;
      }
      const declared = Number(resHeaders["content-length"]);
      if (Number.isFinite(declared) && declared > httpSettings.maxBodyBytes) {
        res.body.destroy();
        throw refusedError(
          `${opts.what} failed: the response (status ${res.statusCode}) is larger than ${httpSettings.maxBodyBytes} bytes`,
        );
      }
      let text: string;
      try {
        text = await readCapped(res.body, opts.what, res.statusCode);
      } catch (e) {
        if (e instanceof OidcError) throw e;
        throw describeNetworkError(e, url, opts.what);
      }
      // Redact the whole body before cutting it: a secret cut in half would escape the patterns.
      if (o.tracing())
        trace(
          `< ${res.statusCode}\n${Object.entries(resHeaders)
            .map(([k, v]) => `< ${k}: ${v}`)
            .join("\n")}\n< ${o.redact(text).slice(0, 2000)}`,
        );
      return { status: res.statusCode, headers: resHeaders, text, url };
    }
  }

  return { request };
}
