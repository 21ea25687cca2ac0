#!/usr/bin/env node
// A browser stand-in without a browser, for oidc-provider's devInteractions pages.
//
//   OIDC_BROWSER="node /abs/test/browser/browserless.mjs %s"   (URL = last argv)
//
// The same technique as browserlessLogin() in test/helpers/oidc-provider.ts: fetch with
// redirect:'manual' and a small cookie jar, posting the login form (any login works; it becomes
// `sub`) and the consent form, until the OP redirects to the authorize URL's redirect_uri. Unlike
// browserlessLogin() it then GETs that callback, as a browser would, so the CLI's loopback server
// receives it. About 60 ms instead of Chromium's 3-5 s.
//
// The CLI spawns it detached with stdio ignored, so it logs to $BROWSERLESS_LOG (one line per
// step, "<+ms> <message>"; the last line is always "exit <code>"), else to stderr.
//
// Environment:
//   BROWSERLESS_LOG      file to append log lines to
//   BROWSERLESS_LOGIN    login name = sub (default alice)
//   BROWSERLESS_CONSENT  accept (default) | deny (follows the consent page's "[ Cancel ]" link)
//   BROWSERLESS_TIMEOUT_MS  overall timeout (default 15000)

import { CookieJar } from "../helpers/cookie-jar.mjs";
import { decodeEntities, htmlText as pageText } from "../helpers/html-text.mjs";
import { createLog } from "./log.mjs";

const log = createLog(process.env.BROWSERLESS_LOG, "browserless");

function exit(code, why) {
  if (why) log(why);
  log(`exit ${code}`);
  process.exit(code);
}

const LOGIN = process.env.BROWSERLESS_LOGIN || "alice";
const CONSENT = (process.env.BROWSERLESS_CONSENT || "accept").toLowerCase();
const TIMEOUT_MS = Number(process.env.BROWSERLESS_TIMEOUT_MS) > 0 ? Number(process.env.BROWSERLESS_TIMEOUT_MS) : 15_000;

const htmlText = (html) => pageText(html, 300);

const startUrl = process.argv[process.argv.length - 1];
log(`start pid=${process.pid} login=${LOGIN} consent=${CONSENT} url=${startUrl}`);
if (process.argv.length < 3 || !URL.canParse(startUrl))
  exit(1, `usage: browserless.mjs <url> (got ${JSON.stringify(process.argv.slice(2))})`);

const signal = AbortSignal.timeout(TIMEOUT_MS);
const start = new URL(startUrl);
const ru = start.searchParams.get("redirect_uri");
const redirectUri = ru && URL.canParse(ru) ? new URL(ru) : undefined;
const isCallback = (u) =>
  redirectUri
    ? u.origin === redirectUri.origin && u.pathname === redirectUri.pathname
    : u.hostname === "127.0.0.1" && u.pathname === "/callback";

const jar = new CookieJar();
let url = start;
let method = "GET";
let body;
try {
  for (let step = 0; step < 25; step++) {
    if (isCallback(url)) {
      // The browser's last hop: deliver the redirect to the CLI's loopback server.
      const res = await fetch(url, { redirect: "manual", signal });
      const text = htmlText(await res.text());
      exit(0, `callback ${url.href} -> ${res.status} ${text.slice(0, 80)}`);
    }
    const headers = { accept: "text/html,application/json" };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const res = await fetch(url, { method, headers, body, redirect: "manual", signal });
    jar.store(res);
    log(`${method} ${url.pathname} -> ${res.status}`);
    method = "GET";
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      const loc = res.headers.get("location");
      await res.body?.cancel();
      if (!loc) exit(1, `${res.status} without Location at ${url.href}`);
      url = new URL(loc, url);
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) exit(1, `OP answered ${res.status} at ${url.pathname}: ${htmlText(html)}`);
    const action = /<form[^>]*action="([^"]+)"/i.exec(html)?.[1];
    if (/name="prompt" value="login"/.test(html) && action) {
      log(`login page: login=${LOGIN}`);
      url = new URL(decodeEntities(action), url);
      method = "POST";
      body = new URLSearchParams({ prompt: "login", login: LOGIN, password: "password" });
      continue;
    }
    if (/name="prompt" value="consent"/.test(html) && action) {
      if (CONSENT === "deny") {
        const abort = /<a href="([^"]+)">\[ Cancel \]<\/a>/.exec(html)?.[1];
        if (!abort) exit(1, "consent page without a [ Cancel ] link");
        log("consent page: cancel");
        url = new URL(decodeEntities(abort), url);
      } else {
        log("consent page: accept");
        url = new URL(decodeEntities(action), url);
        method = "POST";
        body = new URLSearchParams({ prompt: "consent" });
      }
      continue;
    }
    exit(1, `unexpected page at ${url.pathname}: ${htmlText(html)}`);
  }
  exit(1, "too many steps");
} catch (e) {
  exit(1, `failed: ${e?.cause?.code || e?.message || e}`);
}
