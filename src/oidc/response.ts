/** Reading a provider's HTTP answer: JSON objects, OAuth error bodies, and what came back instead. */
import { ExitCode, OidcError, oauthErrorText, refusedError } from "../errors.js";
import type { HttpClient, HttpResponse, RequestOptions } from "./ports.js";

/** What came back, in words: "an HTML page", "an empty body", "text/plain". */
export function describeBody(res: HttpResponse): string {
  const type = (res.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (res.text.length === 0) return "an empty body";
  if (type === "text/html" || /^\s*<(!doctype|html)/i.test(res.text)) return "an HTML page";
  return type ? `a ${type} body` : "a body without content type";
}

/** Parse a JSON object body, or fail with what came back instead. */
export function parseJsonObject(res: HttpResponse, what: string): Record<string, unknown> {
  const type = (res.headers["content-type"] ?? "").toLowerCase();
  const looksJson = type.includes("json") || (!type && /^\s*[{[]/.test(res.text));
  if (!looksJson) throw refusedError(`${what} failed: expected JSON, got ${describeBody(res)} (status ${res.status})`);
  let value: unknown;
  try {
    value = JSON.parse(res.text);
  } catch {
    throw refusedError(`${what} failed: the JSON response is truncated or invalid (status ${res.status})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw refusedError(`${what} failed: expected a JSON object (status ${res.status})`);
  return value as Record<string, unknown>;
}

/** The body as JSON when it is JSON (an OAuth error body), else undefined. */
export function jsonBodyOf(res: HttpResponse): unknown {
  try {
    return JSON.parse(res.text);
  } catch {
    return undefined;
  }
}

/** An error for a non-success answer, quoting the provider's OAuth error when there is one. */
export function providerRefused(res: HttpResponse, what: string): OidcError {
  const quoted = oauthErrorText(jsonBodyOf(res));
  const why = quoted ? `${quoted}` : `${describeBody(res)}`;
  return new OidcError(ExitCode.refused, `${what} failed: the provider answered ${res.status}: ${why}`);
}

/** Send a request whose success is a JSON object with a 2xx status. */
export async function requestJson(
  http: HttpClient,
  url: string,
  opts: RequestOptions,
): Promise<{ res: HttpResponse; body: Record<string, unknown> }> {
  const res = await http.request(url, opts);
  if (res.status < 200 || res.status >= 300) throw providerRefused(res, opts.what);
  return { res, body: parseJsonObject(res, opts.what) };
}
