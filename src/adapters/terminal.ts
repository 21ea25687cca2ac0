/**
 * The terminal: stdout carries data only; everything for people goes to stderr, redacted. Prompts,
 * spinners and colour only when a person is there: a TTY, and `CI` unset. ora and
 * @inquirer/prompts are imported only on the paths that use them.
 */
import type { Env } from "./env.js";
import { escapeControls, neutralizeControls, type Redactor } from "./redact.js";

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; writableLength?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Spinner {
  /** A live spinner on a TTY (its text can change); false for the plain line printed once. */
  readonly live: boolean;
  /** New text for a live spinner; nothing for the plain line. */
  update(text: string): void;
  stop(): void;
}

export type Style = Record<"bold" | "dim" | "red" | "green" | "yellow" | "cyan", (t: string) => string>;

export const isCiEnv = (env: Env) => !!env.CI && env.CI !== "false" && env.CI !== "0";

export class Terminal {
  /** --verbose or OIDC_DEBUG=1: the HTTP trace on stderr. */
  verbose: boolean;
  private colorFlag: boolean | undefined;
  private readonly warned = new Set<string>();
  private stdinText: Promise<string> | undefined;
  readonly style: Style;

  constructor(
    readonly streams: Streams,
    private readonly env: Env,
    readonly redactor: Redactor,
  ) {
    this.verbose = env.OIDC_DEBUG === "1";
    const paint = (code: number) => (text: string) => (this.colorOn() ? `\x1b[${code}m${text}\x1b[0m` : text);
    this.style = { bold: paint(1), dim: paint(2), red: paint(31), green: paint(32), yellow: paint(33), cyan: paint(36) };
  }

  /** The global flags that shape output, applied once before a command runs. */
  configure(o: { verbose?: boolean; color?: boolean }): void {
    if (o.verbose) this.verbose = true;
    if (o.color === false) this.colorFlag = false;
  }

  get ci(): boolean {
    return isCiEnv(this.env);
  }

  get stdinIsTTY(): boolean {
    return !!this.streams.stdin.isTTY;
  }

  /** A person can answer: stdin and stderr are TTYs and CI is unset. */
  interactive(): boolean {
    return !!this.streams.stdin.isTTY && !!this.streams.stderr.isTTY && !this.ci;
  }

  colorOn(): boolean {
    if (this.colorFlag !== undefined) return this.colorFlag;
    const env = this.env;
    if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
    if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
    return !!this.streams.stderr.isTTY && !this.ci;
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  secret(value: string | undefined | null): void {
    this.redactor.register(value);
  }

  /** Bytes for stdout exactly as given (a token, a script). */
  write(text: string): void {
    this.streams.stdout.write(text);
  }
  /** Data for stdout: a token, JSON, a claim; one line. */
  out(text: string): void {
    this.write(text.endsWith("\n") ? text : `${text}\n`);
  }
  /** One line for people on stdout (a listing) that carries what a provider said: every control character shown escaped. */
  outText(text: string): void {
    this.out(escapeControls(text));
  }
  outJson(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** For people, on stderr; always redacted. */
  info(text: string): void {
    this.streams.stderr.write(`${this.redact(text)}\n`);
  }

  /**
   * For people, on stderr, shown as it is (control characters still escaped): a value the user
   * must be able to copy, such as a device verification link whose `code=` is no secret.
   */
  infoAsIs(text: string): void {
    this.streams.stderr.write(`${neutralizeControls(text)}\n`);
  }

  /** A warning, printed once per key per run. */
  warn(text: string, key = text): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.streams.stderr.write(`${this.style.yellow("warning:")} ${this.redact(text)}\n`);
  }

  trace(text: string): void {
    if (this.verbose) this.streams.stderr.write(`${this.style.dim(this.redact(text))}\n`);
  }

  /** A failure: `oidc: <message>` and a hint line. */
  error(message: string, hint?: string): void {
    this.streams.stderr.write(`${this.style.red("oidc:")} ${this.redact(message)}\n`);
    if (hint) this.streams.stderr.write(`${this.style.dim(`hint: ${this.redact(hint)}`)}\n`);
  }

  /** A spinner on stderr where a person watches; a plain line otherwise. */
  async spin(text: string): Promise<Spinner> {
    // A pseudo-terminal that reports no width (as `script` does) would send ora's line arithmetic
    // into an endless loop: print a plain line there too.
    if (!this.interactive() || !this.streams.stderr.columns) {
      this.info(text);
      return { live: false, update: () => {}, stop: () => {} };
    }
    const { default: ora } = await import("ora");
    const s = ora({ text, stream: this.streams.stderr as NodeJS.WriteStream, color: "cyan", isEnabled: true, discardStdin: false }).start();
    return {
      live: true,
      update: (t) => {
        s.text = this.redact(t);
      },
      stop: () => s.stop(),
    };
  }

  /** A yes/no question; only where `interactive()`. */
  async confirm(message: string, fallback: boolean): Promise<boolean> {
    const { confirm } = await import("@inquirer/prompts");
    return confirm(
      { message, default: fallback },
      { input: this.streams.stdin as NodeJS.ReadableStream & { fd: 0 }, output: this.streams.stderr as NodeJS.WritableStream },
    );
  }

  /** All of stdin, read once (a secret piped in, a JWT); later calls get the same text. */
  readStdin(): Promise<string> {
    this.stdinText ??= (async () => {
      const chunks: Buffer[] = [];
      for await (const c of this.streams.stdin) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString("utf8");
    })();
    return this.stdinText;
  }

  /** Lines typed or piped on stdin, until `close()`. */
  lines(onLine: (line: string) => void): { close(): void } {
    let closed = false;
    let rl: { close(): void } | undefined;
    void import("node:readline").then(({ createInterface }) => {
      if (closed) return;
      const r = createInterface({ input: this.streams.stdin, terminal: false });
      r.on("line", onLine);
      rl = r;
    });
    return {
      close: () => {
        closed = true;
        rl?.close();
      },
    };
  }
}
