// The terminal (src/adapters/terminal.ts) on PassThrough streams: data only on stdout, everything
// for people on stderr and redacted, warnings once, colour and interactivity decided by TTYs, CI,
// NO_COLOR and FORCE_COLOR, the plain-line spinner, stdin read once, and verbose from OIDC_DEBUG.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/adapters/env.js";
import { Redactor } from "../../src/adapters/redact.js";
import { Terminal } from "../../src/adapters/terminal.js";

const SECRET = "tok-Secret-0123456789";

type Tty = PassThrough & { isTTY?: boolean; columns?: number };

/** A captured stream: `text()` is everything written so far. */
function capture(tty: boolean, columns?: number) {
  const stream: Tty = new PassThrough();
  if (tty) stream.isTTY = true;
  if (columns !== undefined) stream.columns = columns;
  let seen = "";
  return {
    stream,
    text() {
      for (let c = stream.read(); c !== null; c = stream.read()) seen += String(c);
      return seen;
    },
  };
}

function terminal(o: { env?: Env; tty?: boolean; stdinTTY?: boolean; stderrTTY?: boolean; columns?: number } = {}) {
  const stdout = capture(o.tty ?? false);
  const stderr = capture(o.stderrTTY ?? o.tty ?? false, o.columns ?? (o.tty ? 80 : undefined));
  const stdin: Tty = new PassThrough();
  if (o.stdinTTY ?? o.tty) stdin.isTTY = true;
  const redactor = new Redactor();
  const term = new Terminal({ stdout: stdout.stream, stderr: stderr.stream, stdin }, o.env ?? {}, redactor);
  return { term, out: () => stdout.text(), err: () => stderr.text(), stdin, redactor };
}

describe("stdout and stderr", () => {
  it("puts only data on stdout: info, warn, error, trace and a spinner line go to stderr", async () => {
    const t = terminal({ env: { OIDC_DEBUG: "1" } });
    t.term.info("info line");
    t.term.warn("warn line");
    t.term.error("error line", "hint line");
    t.term.trace("trace line");
    (await t.term.spin("spin line")).stop();
    expect(t.out()).toBe("");
    expect(t.err()).toBe("info line\nwarning: warn line\noidc: error line\nhint: hint line\ntrace line\nspin line\n");
  });

  it("writes data on stdout as given: out() adds one newline, write() none, outJson() pretty-prints", () => {
    const t = terminal();
    t.term.out("a");
    t.term.out("b\n");
    t.term.write("raw");
    t.term.outJson({ k: 1 });
    expect(t.out()).toBe('a\nb\nraw{\n  "k": 1\n}\n');
    expect(t.err()).toBe("");
  });

  it("does not redact stdout, where the user asked for the secret", () => {
    const t = terminal();
    t.term.secret(SECRET);
    t.term.out(SECRET);
    expect(t.out()).toBe(`${SECRET}\n`);
  });
});

describe("redaction on stderr", () => {
  it("redacts a registered secret in info, warn, error (message, hint) and trace", () => {
    const t = terminal({ env: { OIDC_DEBUG: "1" } });
    t.term.secret(SECRET);
    t.term.info(`info ${SECRET}`);
    t.term.warn(`warn ${SECRET}`);
    t.term.error(`error ${SECRET}`, `hint ${SECRET}`);
    t.term.trace(`trace ${SECRET}`);
    const err = t.err();
    expect(err).not.toContain(SECRET);
    expect(err).toBe("info [redacted]\nwarning: warn [redacted]\noidc: error [redacted]\nhint: hint [redacted]\ntrace [redacted]\n");
  });

  it("redacts through the Redactor it was given (a secret registered there directly)", () => {
    const t = terminal();
    t.redactor.register(SECRET);
    t.term.info(SECRET);
    expect(t.err()).toBe("[redacted]\n");
  });

  it("shows control characters from the text escaped (a terminal title, a screen clear)", () => {
    const t = terminal();
    t.term.info("\x1b]0;title\x07 and \x1b[2J and \r forged");
    t.term.warn("bell\x07");
    t.term.error("nul\x00", "del\x7f");
    const err = t.err();
    expect(err).toContain("\\x1b]0;title\\x07 and \\x1b[2J");
    expect(err).toContain("\\x0d forged");
    expect(err).toContain("bell\\x07");
    expect(err).toContain("nul\\x00");
    expect(err).toContain("del\\x7f");
    // No raw control byte survives (colour is off here, so not even SGR).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
    expect(err).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });
});

describe("warn", () => {
  it("prints a warning once per key", () => {
    const t = terminal();
    t.term.warn("same text");
    t.term.warn("same text");
    t.term.warn("first with key", "k");
    t.term.warn("second with key", "k");
    t.term.warn("other key", "k2");
    expect(t.err()).toBe("warning: same text\nwarning: first with key\nwarning: other key\n");
  });
});

describe("colour", () => {
  const colour = (o: Parameters<typeof terminal>[0]) => terminal(o).term.colorOn();

  it("is on for a TTY stderr outside CI, and paints warnings and errors", () => {
    const t = terminal({ tty: true });
    expect(t.term.colorOn()).toBe(true);
    t.term.warn("w");
    t.term.error("e");
    expect(t.err()).toBe("\x1b[33mwarning:\x1b[0m w\n\x1b[31moidc:\x1b[0m e\n");
  });

  it("is off when NO_COLOR is set (not when it is empty)", () => {
    expect(colour({ tty: true, env: { NO_COLOR: "1" } })).toBe(false);
    expect(colour({ tty: true, env: { NO_COLOR: "" } })).toBe(true);
  });

  it("is off under CI (CI=false and CI=0 do not count)", () => {
    expect(colour({ tty: true, env: { CI: "true" } })).toBe(false);
    expect(colour({ tty: true, env: { CI: "1" } })).toBe(false);
    expect(colour({ tty: true, env: { CI: "false" } })).toBe(true);
    expect(colour({ tty: true, env: { CI: "0" } })).toBe(true);
  });

  it("is off when stderr is not a TTY (whatever stdout is), and the output has no escapes", () => {
    const t = terminal({ stderrTTY: false, stdinTTY: true });
    expect(t.term.colorOn()).toBe(false);
    t.term.warn("w");
    expect(t.err()).toBe("warning: w\n");
  });

  it("is off after configure({color:false}), even with FORCE_COLOR", () => {
    const t = terminal({ tty: true, env: { FORCE_COLOR: "1" } });
    t.term.configure({ color: false });
    expect(t.term.colorOn()).toBe(false);
    t.term.error("e");
    expect(t.err()).toBe("oidc: e\n");
  });

  it("is forced on by FORCE_COLOR without a TTY and under CI (not by FORCE_COLOR=0; NO_COLOR wins)", () => {
    expect(colour({ env: { FORCE_COLOR: "1" } })).toBe(true);
    expect(colour({ env: { FORCE_COLOR: "1", CI: "true" } })).toBe(true);
    expect(colour({ env: { FORCE_COLOR: "0" } })).toBe(false);
    expect(colour({ env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).toBe(false);
  });
});

describe("interactive", () => {
  it("is true only with stdin and stderr TTYs and CI unset", () => {
    expect(terminal({ tty: true }).term.interactive()).toBe(true);
    expect(terminal({ tty: true, env: { CI: "true" } }).term.interactive()).toBe(false);
    expect(terminal({ tty: true, stdinTTY: false }).term.interactive()).toBe(false);
    expect(terminal({ tty: true, stderrTTY: false }).term.interactive()).toBe(false);
    expect(terminal({ tty: true, env: { CI: "true" } }).term.ci).toBe(true);
  });
});

describe("spin", () => {
  it("prints a plain redacted line without a TTY and returns a spinner whose stop does nothing", async () => {
    const t = terminal();
    t.term.secret(SECRET);
    const s = await t.term.spin(`waiting for ${SECRET}`);
    expect(t.err()).toBe("waiting for [redacted]\n");
    s.stop();
    s.stop();
    expect(t.err()).toBe("waiting for [redacted]\n");
  });

  it("prints a plain line under CI even with TTYs", async () => {
    const t = terminal({ tty: true, env: { CI: "true" } });
    (await t.term.spin("waiting")).stop();
    expect(t.err()).toBe("waiting\n");
  });

  it("prints a plain line on a TTY that reports no width", async () => {
    const t = terminal({ tty: true, columns: 0 });
    (await t.term.spin("waiting")).stop();
    expect(t.err()).toBe("waiting\n");
  });
});

describe("stdin", () => {
  it("reads all of stdin once and returns the same text on later calls", async () => {
    const t = terminal();
    t.stdin.write("first ");
    t.stdin.write(Buffer.from("second"));
    t.stdin.end();
    const a = await t.term.readStdin();
    expect(a).toBe("first second");
    expect(await t.term.readStdin()).toBe("first second");
    expect(t.term.readStdin()).toBe(t.term.readStdin());
  });

  it("gives lines typed or piped on stdin until closed", async () => {
    const t = terminal();
    const lines: string[] = [];
    const reader = t.term.lines((l) => lines.push(l));
    t.stdin.write("one\ntwo\n");
    await new Promise((r) => setTimeout(r, 10));
    reader.close();
    t.stdin.write("three\n");
    await new Promise((r) => setTimeout(r, 10));
    expect(lines).toEqual(["one", "two"]);
  });
});

describe("verbose", () => {
  it("is verbose with OIDC_DEBUG=1 only: the trace appears; an explained error stays one line", () => {
    const on = terminal({ env: { OIDC_DEBUG: "1" } });
    expect(on.term.verbose).toBe(true);
    on.term.trace("t");
    on.term.error("e");
    expect(on.err()).toBe("t\noidc: e\n");

    for (const env of [{}, { OIDC_DEBUG: "0" }, { OIDC_DEBUG: "true" }]) {
      const off = terminal({ env });
      expect(off.term.verbose).toBe(false);
      off.term.trace("t");
      off.term.error("e");
      expect(off.err()).toBe("oidc: e\n");
    }
  });

  it("turns verbose on with configure(), and verbose:false does not turn OIDC_DEBUG's off", () => {
    const t = terminal({ env: { OIDC_DEBUG: "1" } });
    t.term.configure({ verbose: false });
    expect(t.term.verbose).toBe(true);
    const quiet = terminal();
    quiet.term.trace("before");
    quiet.term.configure({ verbose: true });
    expect(quiet.term.verbose).toBe(true);
    quiet.term.trace("now");
    expect(quiet.err()).toBe("now\n");
  });
});
