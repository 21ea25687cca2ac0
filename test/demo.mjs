#!/usr/bin/env node
// `npm run demo`: the main job against an embedded better-auth 1.6.34 provider. Starts the dev
// provider on a free port, runs the built `oidc` through discover, register, a headless login with
// a session, userinfo and a refresh (printing each command and its output), stops the provider.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "oidc.js");
const configDir = mkdtempSync(join(tmpdir(), "oidc-demo-"));
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

function startProvider() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "test/providers/better-auth-16.mjs")], {
      env: { ...process.env, PORT: "0", REQUIRE_PKCE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      buf += d;
      const line = buf.split("\n").find((l) => l.startsWith("READY "));
      if (line) resolve({ child, info: JSON.parse(line.slice(6)) });
    });
    child.on("exit", (code) => reject(new Error(`provider exited (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`provider not ready in 30s: ${err}`)), 30_000).unref();
  });
}

function oidc(args, env = {}, shown = args) {
  const envText = Object.keys(env)
    .map((k) => `${k}=… `)
    .join("");
  console.log(`\n${bold(`$ ${envText}oidc ${shown.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(" ")}`)}`);
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, OIDC_CONFIG_DIR: configDir, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.stderr) process.stdout.write(r.stderr.replace(/^/gm, "  │ "));
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.status !== 0) throw new Error(`oidc ${args[0]} exited ${r.status}`);
  return r.stdout;
}

const { child, info } = await startProvider();
let code = 0;
try {
  console.log(`Embedded provider: better-auth 1.6.34 oidcProvider at ${info.origin} (user ${info.email})`);
  const res = await fetch(`${info.origin}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: info.origin },
    body: JSON.stringify({ email: info.email, password: info.password }),
  });
  const { token: session } = await res.json();
  console.log(`Signed in as ${info.email}; the session token goes to oidc through OIDC_SESSION_TOKEN (never argv).`);
  const withSession = { OIDC_SESSION_TOKEN: session };

  oidc(["discover", info.origin]);
  oidc(["register", "--name", "demo-app", "--port", "8765", "--json"], withSession);
  oidc(["login", "--consent", "accept", "--scope", "openid email profile offline_access"], withSession);
  oidc(["userinfo"]);
  oidc(["userinfo", "--claim", "email"]);
  const first = oidc(["token", "--output", "json"]);
  const refreshed = oidc(["token", "--refresh"]);
  if (JSON.parse(first).access_token === refreshed.trim()) throw new Error("refresh returned the same token");
  oidc(["profile", "show"]);
  console.log(`\n${bold("Demo finished: discover, register, login, userinfo and refresh all worked.")}`);
} catch (e) {
  console.error(`demo failed: ${e.message}`);
  code = 1;
} finally {
  child.kill("SIGTERM");
  rmSync(configDir, { recursive: true, force: true });
}
process.exit(code);
