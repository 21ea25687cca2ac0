// The log of a browser stand-in (test/browser/*.mjs). The CLI spawns them detached with stdio
// ignored, so each event is one line "+<ms>ms <message>" appended to the stand-in's log file (its
// *_LOG variable); without one, or when the file cannot be written, the line goes to stderr with
// a "[tag] " prefix.
import { appendFileSync } from "node:fs";

/**
 * @param {string | undefined} file  the log file
 * @param {string} tag               the stderr prefix, e.g. "fake-browser"
 * @param {number} [t0]              when the stand-in started (ms since the epoch)
 * @returns {(msg: string) => void}
 */
export function createLog(file, tag, t0 = Date.now()) {
  return (msg) => {
    const line = `+${String(Date.now() - t0).padStart(5)}ms ${msg}\n`;
    if (file) {
      try {
        appendFileSync(file, line);
        return;
      } catch {
        // fall through to stderr
      }
    }
    process.stderr.write(`[${tag}] ${line}`);
  };
}
