// A --no-browser login completed by hand: the redirect URL the browser ended at, piped on stdin or
// pasted on a terminal (a pseudo-terminal through util-linux `script`), finishes the login; on a
// TTY a spinner shows the wait, or a plain line when the terminal reports no width. Against panva
// oidc-provider's public client cli-public, its pages driven by browserlessLogin().
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { freePort } from "../helpers/ports.js";
import { BIN, baseEnv, startCli, tempConfigDir } from "../helpers/cli.js";
import { browserlessLogin, type OidcProviderHandle, startOidcProvider } from "../helpers/oidc-provider.js";
import { readProfile } from "../helpers/store.js";

describe("oidc-provider: a --no-browser login finished with the redirect URL", () => {
  let op: OidcProviderHandle;
  beforeAll(async () => {
    op = await startOidcProvider();
  });
  afterAll(() => op?.stop());

  // --port: with --client-id the default is 8765, which other files' logins may hold.
  let port = "";
  beforeAll(async () => {
    port = String(await freePort());
  });
  const loginArgs = () => [
    "login",
    "--issuer",
    op.issuer,
    "--client-id",
    "cli-public",
    "--scope",
    "openid email",
    "--port",
    port,
    "--no-browser",
  ];

  test("with --no-browser, a redirect URL piped on stdin completes the login (and an exported OIDC_SESSION_TOKEN is set aside)", async () => {
    const dir = tempConfigDir();
    const run = startCli(dir, loginArgs(), { env: { OIDC_SESSION_TOKEN: "exported-for-a-better-auth-app" }, stdin: "open" });
    run.child.stdin.write(`${await browserlessLogin(await run.authorizeUrl, { login: "piped-user" })}\n`);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(readProfile(dir).tokens.sub).toBe("piped-user");
    expect(r.stderr).toContain("OIDC_SESSION_TOKEN is ignored");
  });

  test.each([
    { cols: 100, what: "with a spinner on stderr" },
    { cols: 0, what: "and a terminal that reports no width gets a plain line instead of a spinner (no hang)" },
  ])("on a TTY, a pasted redirect URL completes a --no-browser login, $what", async ({ cols }) => {
    const dir = tempConfigDir();
    const env = { ...baseEnv(dir), FORCE_COLOR: undefined };
    delete (env as Record<string, string | undefined>).CI;
    const command = [process.execPath, BIN, ...loginArgs()].map((a) => `'${a}'`).join(" ");
    const sized = `stty cols ${cols} rows 40; ${command}`;
    // util-linux `script` gives the CLI a pseudo-terminal; what we write to its stdin is typed there.
    const child = spawn("script", ["-q", "-e", "-c", sized, "/dev/null"], { env: env as NodeJS.ProcessEnv });
    let screen = "";
    child.stdout.on("data", (d) => (screen += d));
    const exited = new Promise<number | null>((r) => child.on("close", r));
    const started = Date.now();
    while (!/\/auth\?\S+/.test(screen) && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
    const authorizeUrl = (screen.match(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/) as RegExpMatchArray)[0];
    const redirect = await browserlessLogin(authorizeUrl, { login: "tty-user" });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdin.write(`${redirect}\n`);
    const code = await exited;
    clearTimeout(timer);
    expect(code, screen.slice(-2000)).toBe(0);
    expect(screen).toContain("paste the URL");
    if (cols)
      expect(screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/); // ora's frames: a spinner on the TTY
    else expect(screen).toContain("Waiting for the redirect to http://127.0.0.1:");
    expect(screen).toContain("Logged in as tty-user");
    expect(readProfile(dir).tokens.sub).toBe("tty-user");
  });
});
