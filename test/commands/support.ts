// Shared by the in-process command tests (test/commands/*.test.ts): the output contract every
// command keeps (stdout data only; a failure is one `oidc:` line, at most one `hint:` line, no
// stack), a store handle for seeding and reading profiles, and small fixtures.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";
import { type Profile, ProfileStore } from "../../src/adapters/store.js";
import { followingBrowser, type InProcessResult, session } from "../helpers/deps.js";
import { freePort } from "../helpers/ports.js";
import { PUBLIC_CLIENT } from "../providers/conformance-op.js";

type Result = Pick<InProcessResult, "code" | "stdout" | "stderr">;

export const diag = (r: Result) => `exit ${r.code}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout}`;

const nonEmptyLines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

/** A stack frame or an internal error name: never on stderr without --verbose. */
const STACK = /^\s+at |\bTypeError\b|\bReferenceError\b|unexpected failure/m;

/**
 * A failure as the contract has it: this exit code, nothing on stdout, exactly one `oidc:` line
 * (matching `message`), then at most one `hint:` line, and no stack trace. With `only` (the
 * default) nothing else is on stderr but `warning:` lines before it (a provider's named
 * deviations); commands that report progress first (login) pass `only: false`.
 */
export function expectFailure(r: Result, code: number, message?: RegExp, opts: { only?: boolean; hint?: RegExp } = {}): string {
  const ctx = diag(r);
  expect(r.code, ctx).toBe(code);
  expect(r.stdout, ctx).toBe("");
  expect(r.stderr, ctx).not.toMatch(STACK);
  const lines = nonEmptyLines(r.stderr);
  const errors = lines.filter((l) => l.startsWith("oidc: "));
  expect(errors, ctx).toHaveLength(1);
  const at = lines.indexOf(errors[0] as string);
  const after = lines.slice(at + 1);
  expect(after.length, ctx).toBeLessThanOrEqual(1);
  if (after.length) expect(after[0], ctx).toMatch(/^hint: /);
  if (opts.only !== false)
    expect(
      lines.slice(0, at).filter((l) => !l.startsWith("warning: ")),
      ctx,
    ).toEqual([]);
  if (message) expect(errors[0], ctx).toMatch(message);
  if (opts.hint) expect(after[0] ?? "", ctx).toMatch(opts.hint);
  return errors[0] as string;
}

/**
 * A commander usage error: exit 2, nothing on stdout, one `oidc:` line naming the problem and the
 * pointer to the subcommand's own help as the last line.
 */
export function expectUsageError(r: Result, message: RegExp, helpOf: string): void {
  const ctx = diag(r);
  expect(r.code, ctx).toBe(2);
  expect(r.stdout, ctx).toBe("");
  expect(r.stderr, ctx).not.toMatch(STACK);
  const lines = nonEmptyLines(r.stderr);
  expect(
    lines.filter((l) => l.startsWith("oidc: ")),
    ctx,
  ).toHaveLength(1);
  expect(lines[0], ctx).toMatch(message);
  expect(lines[lines.length - 1], ctx).toBe(`(run \`oidc${helpOf ? ` ${helpOf}` : ""} --help\` for usage)`);
}

/** Success: exit 0 and no error line. */
export function expectOk(r: Result): void {
  const ctx = diag(r);
  expect(r.code, ctx).toBe(0);
  expect(r.stderr, ctx).not.toMatch(/^oidc: /m);
  expect(r.stderr, ctx).not.toMatch(STACK);
}

/** The profile store of a session's directory (as a second process would open it). */
export const storeOf = (configDir: string) => new ProfileStore({ dir: configDir, tempTag: "test-seed" });

export const readProfile = (configDir: string, name = "default") => storeOf(configDir).readProfile(name);

/** Change a stored profile (the way another process would). */
export function editProfile(configDir: string, change: (p: Profile) => Profile, name = "default"): Profile {
  const store = storeOf(configDir);
  const current = store.readProfile(name);
  if (!current) throw new Error(`no profile ${name} in ${configDir}`);
  const next = change(current);
  store.writeProfile(next);
  return next;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A loopback port nothing listens on (bound, then closed). */
export const closedPort = freePort;

/** The parts of a JWT, decoded (no verification). */
export function jwtParts(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [h, p] = jwt.split(".") as [string, string];
  const dec = (s: string) => JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as Record<string, unknown>;
  return { header: dec(h), claims: dec(p) };
}

/**
 * A session logged in at the conformance OP (test/providers/conformance-op.ts) through the
 * browser stub that follows its redirect: the profile then holds the OP, its public client and tokens.
 */
export async function loggedInSession(
  issuer: string,
  o: { scope?: string; clientId?: string; env?: Record<string, string | undefined> } = {},
): Promise<ReturnType<typeof session>> {
  const run = session({ env: o.env });
  // --port: with --client-id the default is 8765, which test files running at once would share.
  const port = String(await closedPort());
  const login = ["login", "--scope", o.scope ?? FULL_SCOPE, "--port", port];
  const r = await run(["--issuer", issuer, "--client-id", o.clientId ?? PUBLIC_CLIENT, ...login], {
    browser: followingBrowser(),
  });
  expectOk(r);
  return run;
}

export const FULL_SCOPE = "openid profile email offline_access";

/**
 * Put raw text in a profile's file, as a crash or a hand edit would leave it (the one thing the
 * store cannot write); returns the file's path.
 */
export function writeRawProfile(configDir: string, name: string, text: string): string {
  const path = storeOf(configDir).profilePath(name);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** `s` as a literal inside a RegExp (a temp-dir path in a message). */
export const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
