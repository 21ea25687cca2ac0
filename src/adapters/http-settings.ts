/** The HTTP client's settings, apart from the client so that naming them does not load undici. */
export interface HttpSettings {
  timeoutMs: number;
  caFile?: string;
  /** Bytes a response body may have; JSON from a provider is small. */
  maxBodyBytes: number;
  maxRetries: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  timeoutMs: 30_000,
  maxBodyBytes: 1024 * 1024,
  maxRetries: 2,
  maxRetryAfterMs: 10_000,
};
