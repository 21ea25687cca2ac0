/**
 * Opening the browser: OIDC_BROWSER, else BROWSER (a command; `%s` stands for the URL, otherwise it
 * is appended), else the `open` package. `open` reports success even when nothing opened, so the
 * caller always prints the URL and waits with a timeout. A launcher that fails is reported through
 * `onFailure`; it never ends the wait by itself.
 */
import { ExitCode, OidcError } from "../errors.js";
import type { Env } from "./env.js";
import { childEnv, SECRET_ENV } from "./redact.js";

export interface Browser {
  /** The configured browser command and where it came from, if any (else the system's opener). */
  configured(): { command: string; source: "OIDC_BROWSER" | "BROWSER" } | undefined;
  /**
   * Launch the browser. Resolves true once the launcher has started, false when it could not
   * start; `onFailure` is called then, and later if the launcher exits non-zero, so the caller can
   * say so at once (the login itself can still complete from the URL).
   */
  open(url: string, onFailure: (e: OidcError) => void): Promise<boolean>;
}

/** Split a command line on spaces, honouring single and double quotes. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | undefined;
  let any = false;
  for (const ch of command) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      any = true;
    } else if (ch === " " || ch === "\t") {
      if (cur || any) out.push(cur);
      cur = "";
      any = false;
    } else cur += ch;
  }
  if (cur || any) out.push(cur);
  return out;
}

export function createBrowser(o: { env: Env; trace: (text: string) => void; warn: (text: string) => void }): Browser {
  const configured = () =>
    o.env.OIDC_BROWSER
      ? { command: o.env.OIDC_BROWSER, source: "OIDC_BROWSER" as const }
      : o.env.BROWSER
        ? { command: o.env.BROWSER, source: "BROWSER" as const }
        : undefined;
  return { configured, open: (url, onFailure) => openBrowser(url, onFailure, configured(), o) };
}

async function openBrowser(
  url: string,
  onFailure: (e: OidcError) => void,
  configured: ReturnType<Browser["configured"]>,
  { trace, env }: { trace: (text: string) => void; env: Env },
): Promise<boolean> {
  if (configured) {
    const { command, source } = configured;
    const parts = splitCommand(command);
    const args = parts.some((p) => p.includes("%s")) ? parts.map((p) => p.replaceAll("%s", url)) : [...parts, url];
    const [bin, ...rest] = args;
    if (!bin) return false;
    trace(`launching browser (${source}): ${bin}`);
    const hint = `fix ${source}, or open the URL yourself`;
    // Loaded here: node:child_process (and node:net under it) is not for every command's start-up.
    const { spawn } = await import("node:child_process");
    let child: ReturnType<typeof spawn>;
    try {
      // The browser never sees the secrets oidc was given in its environment.
      child = spawn(bin, rest, { detached: true, stdio: "ignore", env: childEnv(env) as NodeJS.ProcessEnv });
    } catch (e) {
      // spawn throws synchronously for some bad arguments (e.g. a NUL byte in the command)
      onFailure(
        new OidcError(ExitCode.usage, `the browser command from ${source} (${bin}) failed to start: ${(e as Error).message}`, { hint }),
      );
      return false;
    }
    const started = new Promise<boolean>((resolve) => {
      child.once("spawn", () => resolve(true));
      child.on("error", (e: NodeJS.ErrnoException) => {
        const why = e.code === "ENOENT" ? "not found (ENOENT)" : e.code === "EACCES" ? "not executable (EACCES)" : (e.code ?? e.message);
        onFailure(new OidcError(ExitCode.usage, `the browser command from ${source} (${bin}) failed to start: ${why}`, { hint }));
        resolve(false);
      });
    });
    child.on("exit", (code, signal) => {
      if (!code && !signal) return;
      const how = code ? `exited with status ${code}` : `was killed by ${signal}`;
      onFailure(new OidcError(ExitCode.usage, `the browser command from ${source} (${bin}) ${how}`, { hint }));
    });
    child.unref();
    return started;
  }
  const failed = (why: string) =>
    onFailure(
      new OidcError(ExitCode.usage, `could not open a browser (the system's opener ${why})`, {
        hint: "set OIDC_BROWSER to a browser command, or open the URL yourself",
      }),
    );
  try {
    const { default: open } = await import("open");
    // `open` spawns the system opener with process.env and takes no other: the secrets leave
    // process.env first (the CLI reads its environment from the deps, a copy made at start).
    for (const name of SECRET_ENV) delete process.env[name];
    const child = await open(url);
    child.on?.("error", (e: NodeJS.ErrnoException) => failed(`failed: ${e.code ?? e.message}`));
    child.on?.("exit", (code) => {
      if (code) failed(`exited with status ${code}`);
    });
    return true;
  } catch (e) {
    failed(`failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    return false;
  }
}
