#!/usr/bin/env node
// A browser stand-in without a browser, for providers that auto-approve (test/providers/conformance-op.ts):
//
//   OIDC_BROWSER="node /abs/test/browser/follow-redirect.mjs %s"   (URL = last argv)
//
// GETs the authorization URL with redirects off, then GETs the Location it answers with, which is
// the CLI's loopback callback (or, when the provider redirects elsewhere first, follows at most
// FOLLOW_REDIRECT_MAX_HOPS hops until it reaches an http://127.0.0.1:*/callback URL).
//
// The CLI spawns it detached with stdio ignored: every event is appended to $FOLLOW_REDIRECT_LOG
// (one line each, "<+ms> <message>"; the last line is always "exit <code>"), else to stderr.
// Exit 0 once the callback has been delivered, whatever the CLI answered there (a 400 "not this
// login" page is the CLI's business); exit 1 when the provider cannot be reached, answers without a
// redirect, or nothing is done within FOLLOW_REDIRECT_TIMEOUT_MS (default 10000).
import { appendFileSync } from "node:fs";

const started = Date.now();
const logFile = process.env.FOLLOW_REDIRECT_LOG;
const log = (msg) => {
  const line = `+${Date.now() - started}ms ${msg}\n`;
  try {
    if (logFile) appendFileSync(logFile, line);
    else process.stderr.write(line);
  } catch {
    // logging must never make the stand-in fail
  }
};
let exited = false;
const exit = (code, why) => {
  if (exited) return;
  exited = true;
  if (why) log(why);
  log(`exit ${code}`);
  process.exit(code);
};
process.on("uncaughtException", (e) => exit(1, `uncaught: ${e?.stack ?? e}`));
process.on("unhandledRejection", (e) => exit(1, `unhandled: ${e?.stack ?? e}`));

const timeoutMs = Number(process.env.FOLLOW_REDIRECT_TIMEOUT_MS ?? 10_000);
const maxHops = Number(process.env.FOLLOW_REDIRECT_MAX_HOPS ?? 5);
setTimeout(() => exit(1, `timeout after ${timeoutMs} ms`), timeoutMs).unref();

const isCallback = (u) => u.hostname === "127.0.0.1" && u.pathname === "/callback";
const redact = (u) => {
  const c = new URL(u);
  for (const k of ["code", "code_challenge", "state", "nonce"]) if (c.searchParams.has(k)) c.searchParams.set(k, "…");
  return c.toString();
};

async function main() {
  const arg = process.argv[process.argv.length - 1];
  let url;
  try {
    url = new URL(arg);
  } catch {
    return exit(1, `not a URL: ${JSON.stringify(arg)}`);
  }
  log(`open ${redact(url)}`);
  for (let hop = 0; hop <= maxHops; hop++) {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs), headers: { accept: "text/html" } });
    await res.arrayBuffer().catch(() => undefined);
    log(`GET ${redact(url)} -> ${res.status}`);
    if (isCallback(url)) return exit(0, "callback delivered");
    const loc = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !loc)
      return exit(1, `no redirect from ${url.origin}${url.pathname} (status ${res.status})`);
    url = new URL(loc, url);
  }
  exit(1, `more than ${maxHops} redirects`);
}

main().catch((e) => exit(1, `failed: ${e?.cause?.code ?? e?.message ?? e}`));
