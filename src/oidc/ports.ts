/**
 * What the protocol core needs from the outside world, as interfaces the caller passes in: an HTTP
 * client, and an observer told of each secret the core learns (so the edge can redact it) and of
 * each provider deviation it accepts (so the edge can report it). The core holds no state of its own.
 */
import type { DeviationId, Dialect } from "./dialects/index.js";

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  url: string;
}

export interface RequestOptions {
  method?: "GET" | "POST" | "DELETE" | "PUT";
  headers?: Record<string, string>;
  /** A form (sent urlencoded) or a JSON value (sent as JSON). */
  form?: Record<string, string | undefined>;
  json?: unknown;
  /** What this request is, for messages: "discovery", "token request". */
  what: string;
  /** Retry 429/502/503/504 and resets, only for idempotent reads. */
  retry?: boolean;
}

export interface HttpClient {
  request(url: string, opts: RequestOptions): Promise<HttpResponse>;
}

export interface Observer {
  /** A value that must never be printed: a token, a code, a verifier, a secret. */
  secret(value: string | undefined | null): void;
  /** The provider departed from a standard in a way its dialect names; the text is the dialect's. */
  deviation(dialect: Dialect, id: DeviationId, text: string): void;
}

/** What a protocol step that talks to the provider is given. */
export interface ProviderIo extends Observer {
  http: HttpClient;
}
