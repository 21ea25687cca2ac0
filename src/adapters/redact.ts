/**
 * Secret hygiene. Every secret a run learns (client secret, session token, tokens, codes,
 * verifiers) is registered with its Redactor, and everything printed on stderr (errors, warnings,
 * --verbose trace) passes through `redact`, so a secret never reaches a log by accident. stdout is
 * only exempt where the user asked for the secret (`oidc token`).
 */

/** Variables whose values are secrets whichever command runs and whether or not it uses them. */
export const SECRET_ENV = ["OIDC_CLIENT_SECRET", "OIDC_SESSION_TOKEN", "OIDC_INITIAL_ACCESS_TOKEN"] as const;

/** The environment for a child (a browser, `oidc exec`'s command): everything but those secrets. */
export function childEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of SECRET_ENV) delete out[name];
  return out;
}

const SECRET_PARAMS =
  /\b(code|code_verifier|client_secret|refresh_token|access_token|id_token|password|token|consent_code|device_code|registration_access_token|assertion|oauth_query)=([^&\s"']+)/gi;
const SECRET_JSON_KEYS =
  /"(code|code_verifier|client_secret|refresh_token|access_token|id_token|password|token|consent_code|device_code|registration_access_token|oauth_query)"\s*:\s*"[^"]*"/gi;

/**
 * Control characters from a provider or a web page (a terminal title, a screen clear, a forged
 * line) are shown escaped; only our own colour sequences (SGR) pass.
 */
/**
 * Every control character escaped (ESC, CR, LF and the bidi controls included; a tab stays): for
 * one line of text that carries what a provider said, with no colour of ours in it.
 */
export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (m) => {
    const c = m.charCodeAt(0);
    return c > 0xff ? `\\u${c.toString(16).padStart(4, "0")}` : `\\x${c.toString(16).padStart(2, "0")}`;
  });
}

export function neutralizeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/\x1b\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (m) =>
    m.length > 1 ? m : `\\x${m.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

export class Redactor {
  private readonly secrets = new Set<string>();
  /** The registered secrets and their encoded forms, longest first (so no part of one survives). */
  private ordered: string[] = [];

  /**
   * Remember a secret, with the forms it takes on the way out: JSON-escaped (a provider's
   * `error_description` is quoted as JSON), percent- and form-encoded (request bodies, URLs).
   */
  register(value: string | undefined | null): void {
    if (typeof value !== "string" || value.length < 6) return;
    const before = this.secrets.size;
    for (const form of [
      value,
      JSON.stringify(value).slice(1, -1),
      encodeURIComponent(value),
      new URLSearchParams({ s: value }).toString().slice(2),
    ])
      this.secrets.add(form);
    if (this.secrets.size !== before) this.ordered = [...this.secrets].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = neutralizeControls(text);
    for (const s of this.ordered) if (out.includes(s)) out = out.split(s).join("[redacted]");
    out = out.replace(/\b(authorization|set-auth-token|cookie|set-cookie)(\s*:\s*)([^\n]+)/gi, "$1$2[redacted]");
    out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, "$1 [redacted]");
    out = out.replace(SECRET_PARAMS, "$1=[redacted]");
    out = out.replace(SECRET_JSON_KEYS, '"$1":"[redacted]"');
    return out;
  }
}
