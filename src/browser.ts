/**
 * Opening the browser: OIDC_BROWSER, else BROWSER (a command; `%s` stands for the URL, otherwise it
 * is appended), else the `open` package. `open` reports success even when nothing opened, so the
 * caller always prints the URL and waits with a timeout.
 */
import { spawn } from "node:child_process";
import { ExitCode, OidcError } from "./errors.js";
import { trace, warn } from "./io.js";

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

export function browserCommand(env = process.env): string | undefined {
  return env.OIDC_BROWSER || env.BROWSER || undefined;
}

/**
 * Launch the browser. Resolves once launched; `onFailure` is called if the launcher fails to start
 * or exits non-zero, so the wait can end with a clear message.
 */
export async function openBrowser(url: string, onFailure: (e: OidcError) => void): Promise<void> {
  const command = browserCommand();
  if (command) {
    const parts = splitCommand(command);
    const args = parts.some((p) => p.includes("%s")) ? parts.map((p) => p.replaceAll("%s", url)) : [...parts, url];
    const [bin, ...rest] = args;
    if (!bin) return;
    trace(`launching browser: ${bin}`);
    const child = spawn(bin, rest, { detached: true, stdio: "ignore" });
    child.on("error", (e) =>
      onFailure(new OidcError(ExitCode.unexpected, `the browser command failed to start: ${(e as NodeJS.ErrnoException).code ?? e.message}`, {
        hint: "check OIDC_BROWSER / BROWSER, or use --no-browser and open the URL yourself",
      })),
    );
    child.on("exit", (code) => {
      if (code) onFailure(new OidcError(ExitCode.unexpected, `the browser command exited with status ${code}`, { hint: "check OIDC_BROWSER / BROWSER, or use --no-browser" }));
    });
    child.unref();
    return;
  }
  try {
    const { default: open } = await import("open");
    const child = await open(url);
    child.on?.("error", () => warn("could not open a browser; open the URL above yourself"));
  } catch {
    warn("could not open a browser; open the URL above yourself");
  }
}
