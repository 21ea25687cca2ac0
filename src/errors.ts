/**
 * Exit codes of the CLI contract (the README's exit-code table) and the one error type that carries
 * them. Every failure the user should see is an OidcError: one line `oidc: <what>: <why>`, an
 * optional hint line, and the exit code of its class. Anything else that escapes is a bug (exit 1).
 *
 * The protocol core names the remedy of a failure (`remedy`) without speaking the CLI's words; the
 * edge turns a remedy into a hint that names flags (src/cli/hints.ts).
 */
export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  network: 3,
  refused: 4,
  loginRequired: 5,
  validation: 6,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What would fix a failure, named by the core; src/cli/hints.ts says it in the CLI's words. */
export type Remedy =
  | "allow-insecure-http"
  | "session-for-registration"
  | "session-for-login-registration"
  | "token-for-login-registration"
  | "session-for-client-lookup"
  | "fresh-session"
  | "device-again"
  | "confidential-client-for-introspection"
  | "client-secret"
  /** The authorization endpoint refused the redirect URI (its port or path is not registered for the client). */
  | "redirect-uri-not-registered"
  /** The authorization endpoint does not know the client. */
  | "unknown-client";

export interface OidcErrorOptions {
  hint?: string;
  check?: string;
  remedy?: Remedy;
  cause?: unknown;
}

export class OidcError extends Error {
  readonly exitCode: ExitCode;
  readonly hint?: string;
  /** For validation failures: the name of the check that failed (e.g. `id_token.nonce`). */
  readonly check?: string;
  readonly remedy?: Remedy;

  constructor(exitCode: ExitCode, message: string, opts: OidcErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "OidcError";
    this.exitCode = exitCode;
    this.hint = opts.hint;
    this.check = opts.check;
    this.remedy = opts.remedy;
  }
}

export const usageError = (message: string, hint?: string) => new OidcError(ExitCode.usage, message, { hint });
export const networkError = (message: string, cause?: unknown) => new OidcError(ExitCode.network, message, { cause });
export const refusedError = (message: string, hint?: string) => new OidcError(ExitCode.refused, message, { hint });
export const loginRequired = (message: string, hint = "run `oidc login` to sign in again") =>
  new OidcError(ExitCode.loginRequired, message, { hint });
/** A failed security check: `check` names it, and the message starts with it. */
export const validationError = (check: string, message: string, hint?: string) =>
  new OidcError(ExitCode.validation, `${check} check failed: ${message}`, { check, hint });

/** An OAuth error code as printed: bare when it has the RFC 6749 form, quoted otherwise. */
export function errorCode(code: string): string {
  return /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$/.test(code) ? code : JSON.stringify(code);
}

/** An OAuth 2.0 error response (`error`, `error_description`), quoted as the provider said it. */
export function oauthErrorText(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  const b = body as Record<string, unknown>;
  const error = typeof b.error === "string" ? b.error : typeof b.code === "string" ? b.code : undefined;
  const description = typeof b.error_description === "string" ? b.error_description : typeof b.message === "string" ? b.message : undefined;
  if (!error && !description) return undefined;
  if (error && description) return `${errorCode(error)} (${JSON.stringify(description)})`;
  return error ? errorCode(error) : JSON.stringify(description);
}
