#!/usr/bin/env node
// Stand-in for the user's browser in tests.
//
//   OIDC_BROWSER="node /abs/test/browser/fake-browser.mjs %s"   (URL = last argv)
//
// The CLI spawns it detached with stdio ignored, so everything is appended to $FAKE_BROWSER_LOG
// (one line per event, "<+ms> <message>"; the last line is always "exit <code>"). Without
// $FAKE_BROWSER_LOG it logs to stderr.
//
// It launches headless Chromium (playwright-core, /usr/bin/chromium), opens the URL and drives
// whichever provider page it lands on until the browser navigates to the client's callback
// (the authorize URL's redirect_uri, or any http://127.0.0.1:*/callback). That request goes
// through to the CLI's loopback server; the fake browser waits for the page to load, closes
// Chromium and exits 0. Exit 1 on timeout, OP error page or any other failure.
//
// Pages handled:
//   panva oidc-provider devInteractions: login (/interaction/:uid, input[name=login|password]),
//     consent (input[name=prompt][value=consent]; cancel = the "[ Cancel ]" link),
//     device flow: user-code input (needs FAKE_BROWSER_USER_CODE unless the URL carries it),
//     confirm (Continue / [ Abort ]) and the "Sign-in Success" page (treated as the end, exit 0).
//   better-auth dev provider pages: /login (input[name=email|password]), /consent (#accept / #deny).
//
// Environment:
//   FAKE_BROWSER_LOG               file to append log lines to
//   FAKE_BROWSER_ACTION            accept (default) | cancel
//   FAKE_BROWSER_CANCEL_AT         consent (default) | login   where "cancel" happens (panva login has a
//                                  "[ Cancel ]" link too; better-auth's login page has none)
//   FAKE_BROWSER_LOGIN             panva login name = sub (default alice)
//   FAKE_BROWSER_EMAIL             better-auth email (default alice@example.com)
//   FAKE_BROWSER_PASSWORD          password (default: "password" for panva (ignored), "wonderland-123" for better-auth)
//   FAKE_BROWSER_USER_CODE         device flow user code for the input page
//   FAKE_BROWSER_WRONG_STATE_FIRST=1  first GET <redirect_uri origin+path>?code=x&state=wrong and log the status
//   FAKE_BROWSER_NO_CALLBACK=1     log in, but abort the final navigation to the callback (exit 0)
//   FAKE_BROWSER_TIMEOUT_MS        overall timeout (default 60000)
//   FAKE_BROWSER_CHROMIUM          Chromium executable (default /usr/bin/chromium)

import { existsSync } from "node:fs";
import { createLog } from "./log.mjs";

const t0 = Date.now();
const log = createLog(process.env.FAKE_BROWSER_LOG, "fake-browser", t0);

const env = process.env;
const ACTION = (env.FAKE_BROWSER_ACTION || "accept").toLowerCase();
const CANCEL_AT = (env.FAKE_BROWSER_CANCEL_AT || "consent").toLowerCase();
const LOGIN = env.FAKE_BROWSER_LOGIN || "alice";
const EMAIL = env.FAKE_BROWSER_EMAIL || "alice@example.com";
const PANVA_PASSWORD = env.FAKE_BROWSER_PASSWORD || "password";
const BA_PASSWORD = env.FAKE_BROWSER_PASSWORD || "wonderland-123";
const USER_CODE = env.FAKE_BROWSER_USER_CODE || "";
const WRONG_STATE_FIRST = env.FAKE_BROWSER_WRONG_STATE_FIRST === "1";
const NO_CALLBACK = env.FAKE_BROWSER_NO_CALLBACK === "1";
const TIMEOUT_MS = Number(env.FAKE_BROWSER_TIMEOUT_MS) > 0 ? Number(env.FAKE_BROWSER_TIMEOUT_MS) : 60_000;
const CHROMIUM = env.FAKE_BROWSER_CHROMIUM || "/usr/bin/chromium";
const deadline = t0 + TIMEOUT_MS;
const remaining = () => Math.max(0, deadline - Date.now());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let browser;
let exiting = false;
let lastSnap; // last detected page, for the timeout message

async function finish(code, why) {
  if (exiting) return;
  exiting = true;
  if (why) log(why);
  if (browser) {
    const tc = Date.now();
    await Promise.race([browser.close().catch((e) => log(`browser.close failed: ${e.message}`)), sleep(5000)]);
    log(`chromium closed (${Date.now() - tc} ms)`);
  }
  log(`exit ${code}`);
  process.exit(code);
}

process.on("SIGTERM", () => finish(1, "signal SIGTERM"));
process.on("SIGINT", () => finish(1, "signal SIGINT"));
process.on("SIGHUP", () => finish(1, "signal SIGHUP"));
process.on("unhandledRejection", (e) => finish(1, `unhandled rejection: ${e?.stack || e}`));
process.on("uncaughtException", (e) => finish(1, `uncaught exception: ${e?.stack || e}`));
setTimeout(() => {
  const where = lastSnap ? ` on ${lastSnap.kind} ${lastSnap.url}: ${lastSnap.err || lastSnap.text}` : "";
  finish(1, `timeout after ${TIMEOUT_MS} ms${where}`);
}, TIMEOUT_MS).unref();

const startUrl = process.argv[process.argv.length - 1];
log(`start pid=${process.pid} action=${ACTION} no_callback=${NO_CALLBACK} wrong_state_first=${WRONG_STATE_FIRST} url=${startUrl}`);
if (process.argv.length < 3 || !URL.canParse(startUrl)) {
  await finish(1, `usage: fake-browser.mjs <url> (got ${JSON.stringify(process.argv.slice(2))})`);
}

let redirectUri;
try {
  const ru = new URL(startUrl).searchParams.get("redirect_uri");
  if (ru && URL.canParse(ru)) redirectUri = new URL(ru);
} catch {
  // no redirect_uri (e.g. PAR request_uri or device verification URL)
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);
function isCallback(raw) {
  let u;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (redirectUri && u.origin === redirectUri.origin && u.pathname === redirectUri.pathname) return true;
  return u.protocol === "http:" && u.hostname === "127.0.0.1" && u.pathname === "/callback";
}
function isLoopback(raw) {
  try {
    const h = new URL(raw).hostname;
    return LOOPBACK.has(h) || h.endsWith(".localhost");
  } catch {
    return false;
  }
}

// --- 1. optional wrong-state request straight to the CLI's loopback server ---------------------
if (WRONG_STATE_FIRST) {
  if (!redirectUri) {
    log("wrong-state: authorize URL has no redirect_uri, skipped");
  } else {
    const target = `${redirectUri.origin}${redirectUri.pathname}?code=x&state=wrong`;
    try {
      const res = await fetch(target, { redirect: "manual", signal: AbortSignal.timeout(Math.min(5000, remaining())) });
      const text = (await res.text()).replace(/\s+/g, " ").slice(0, 200);
      log(`wrong-state GET ${target} -> ${res.status} ${text}`);
    } catch (e) {
      log(`wrong-state GET ${target} failed: ${e.cause?.code || e.message}`);
    }
  }
}

// --- 2. Chromium -------------------------------------------------------------------------------
if (!existsSync(CHROMIUM)) {
  log(`waiting for ${CHROMIUM}`);
  while (!existsSync(CHROMIUM)) {
    if (remaining() === 0) await finish(1, `${CHROMIUM} never appeared`);
    await sleep(500);
  }
  await sleep(1000); // let the package install settle
}

const { chromium } = await import("playwright-core");
const tl = Date.now();
browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  handleSIGINT: false,
  handleSIGTERM: false,
  handleSIGHUP: false,
  timeout: Math.max(1000, remaining()),
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // no network beyond loopback (the dev pages @import Google Fonts); fails fast instead of hanging
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1 , EXCLUDE [::1]",
  ],
});
log(`chromium launched (${Date.now() - tl} ms) version=${browser.version()}`);
const context = await browser.newContext();
const page = await context.newPage();

// --- 3. network: watch / gate the callback --------------------------------------------------------
// Playwright's route() is not called for redirect hops, and the callback usually arrives as the
// Location of a 303 from the OP, so: watch with the 'request' event (fires for redirect hops too)
// and, for FAKE_BROWSER_NO_CALLBACK, block with CDP Fetch interception (which does pause them).
let callbackUrl; // set once the callback request was sent (or blocked)
let callbackBlocked = false;
let callbackResult; // 'response <status>' | 'failed <reason>'
page.on("request", (req) => {
  const url = req.url();
  if (!isCallback(url) || NO_CALLBACK || callbackUrl) return;
  callbackUrl = url;
  log(`callback ${req.isNavigationRequest() ? "navigation" : "request"}${req.redirectedFrom() ? " (redirect)" : ""}: ${url}`);
});
if (NO_CALLBACK) {
  const cdp = await context.newCDPSession(page);
  cdp.on("Fetch.requestPaused", async (ev) => {
    const { requestId, request } = ev;
    try {
      if (isCallback(request.url)) {
        callbackBlocked = true;
        callbackUrl ??= request.url;
        log(`callback blocked (FAKE_BROWSER_NO_CALLBACK): ${request.url}`);
        await cdp.send("Fetch.failRequest", { requestId, errorReason: "BlockedByClient" });
      } else {
        await cdp.send("Fetch.continueRequest", { requestId });
      }
    } catch (e) {
      log(`Fetch interception: ${e.message.split("\n")[0]}`);
    }
  });
  await cdp.send("Fetch.enable", { patterns: [{ urlPattern: "*", requestStage: "Request" }] });
}
page.on("response", (res) => {
  if (isCallback(res.url()) && !callbackResult) {
    callbackResult = `response ${res.status()}`;
    log(`callback response ${res.status()}`);
  }
});
page.on("requestfailed", (req) => {
  const url = req.url();
  if (isCallback(url)) {
    if (!callbackResult && !callbackBlocked) {
      callbackResult = `failed ${req.failure()?.errorText}`;
      log(`callback request failed: ${req.failure()?.errorText}`);
    }
  } else if (isLoopback(url)) {
    log(`request failed: ${req.method()} ${url} ${req.failure()?.errorText}`);
  }
});
page.on("pageerror", (e) => log(`pageerror: ${e.message}`));
page.on("console", (m) => {
  // the dev pages' Google Fonts @import fails by design (no network beyond loopback)
  if (m.type() !== "error" || m.text().includes("ERR_NAME_NOT_RESOLVED")) return;
  const where = m.location()?.url || "";
  if (where.endsWith("/favicon.ico")) return;
  log(`console.error: ${m.text()}${where ? ` (${where})` : ""}`);
});

// --- 4. drive the pages ---------------------------------------------------------------------------
function detect() {
  const q = (s) => document.querySelector(s);
  const title = document.title;
  let kind = "unknown";
  if (q('input[name="prompt"][value="login"]') && q('input[name="login"]')) kind = "panva-login";
  else if (q('input[name="prompt"][value="consent"]')) kind = "panva-consent";
  else if (q('button[autofocus][form="op.deviceConfirmForm"]')) kind = "panva-device-confirm";
  else if (q('input[name="user_code"]')) kind = "panva-device-input";
  else if (title === "Sign-in Success") kind = "panva-device-success";
  else if (title === "oops! something went wrong") kind = "panva-error";
  else if (q("button#accept") && q("button#deny")) kind = "ba-consent";
  else if (q('input[name="email"]') && q('input[name="password"]') && q('button[type="submit"]')) kind = "ba-login";
  else if (/\/api\/auth\/error/.test(location.pathname)) kind = "ba-error";
  const err = q("#error:not([hidden])")?.textContent || q("p.red")?.textContent || "";
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text, without inline scripts
  const text = (document.body?.innerText || "").replace(/\s+/g, " ").trim().slice(0, 300);
  return { kind, title, url: location.href, ready: document.readyState, err: err.trim(), text };
}

async function snapshot() {
  try {
    return await page.evaluate(detect);
  } catch {
    return undefined; // navigation in progress
  }
}

const tg = Date.now();
page
  .goto(startUrl, { waitUntil: "domcontentloaded", timeout: Math.max(1000, remaining()) })
  .then(() => log(`first page loaded (${Date.now() - tg} ms): ${page.url()}`))
  .catch((e) => {
    if (!callbackUrl) log(`goto: ${e.message.split("\n")[0]}`);
  });

let lastActed; // `${kind} ${url}` of the last page we acted on
let actedAt = 0;
let lastLogged;
let cancelled = false;
let lastErr;
const STUCK_MS = 15_000;

async function act(snap) {
  const { kind } = snap;
  const cancel = ACTION === "cancel";
  switch (kind) {
    case "panva-login":
      if (cancel && CANCEL_AT === "login") {
        log("panva login: cancel");
        cancelled = true;
        await page.getByText("[ Cancel ]").click();
        return;
      }
      log(`panva login: login=${LOGIN}`);
      await page.fill('input[name="login"]', LOGIN);
      await page.fill('input[name="password"]', PANVA_PASSWORD);
      await page.click('button[type="submit"]');
      return;
    case "panva-consent":
      if (cancel) {
        log("panva consent: cancel");
        cancelled = true;
        await page.getByText("[ Cancel ]").click();
      } else {
        log("panva consent: accept");
        await page.click('button[type="submit"]');
      }
      return;
    case "panva-device-input":
      if (!USER_CODE) throw new Error("device user-code page but FAKE_BROWSER_USER_CODE is not set");
      log(`panva device input: user_code=${USER_CODE}`);
      await page.fill('input[name="user_code"]', USER_CODE);
      await page.click('button[form="op.deviceInputForm"]');
      return;
    case "panva-device-confirm":
      if (cancel) {
        log("panva device confirm: abort");
        cancelled = true;
        await page.click('button[name="abort"]');
      } else {
        log("panva device confirm: continue");
        await page.click('button[autofocus][form="op.deviceConfirmForm"]');
      }
      return;
    case "ba-login":
      log(`better-auth login: email=${EMAIL}`);
      await page.fill('input[name="email"]', EMAIL);
      await page.fill('input[name="password"]', BA_PASSWORD);
      await page.click('button[type="submit"]');
      return;
    case "ba-consent":
      if (cancel) {
        log("better-auth consent: deny");
        cancelled = true;
        await page.click("button#deny");
      } else {
        log("better-auth consent: accept");
        await page.click("button#accept");
      }
      return;
    default:
      throw new Error(`cannot act on ${kind}`);
  }
}

async function waitForCallbackPage() {
  if (NO_CALLBACK) {
    await finish(0, `stopped before the callback (blocked ${callbackUrl}) ${Date.now() - t0} ms after start`);
  }
  // let the request reach the CLI, then wait for the page (or the request's failure)
  const until = Date.now() + Math.min(10_000, remaining());
  while (!callbackResult && Date.now() < until) await sleep(50);
  if (callbackResult?.startsWith("response")) {
    try {
      await page.waitForURL((u) => isCallback(u.href), {
        waitUntil: "load",
        timeout: Math.max(100, until - Date.now()),
      });
      log(`callback page loaded: ${(await snapshot())?.text?.slice(0, 120) ?? ""}`);
    } catch (e) {
      log(`callback page did not finish loading: ${e.message.split("\n")[0]}`);
    }
  } else {
    // The CLI may close its server as soon as it has the request; the request was still delivered.
    log(`callback request sent; ${callbackResult ?? "no response yet"}`);
  }
  await finish(0, `callback reached ${Date.now() - t0} ms after start${cancelled ? " (after cancel)" : ""}`);
}

while (!exiting) {
  if (callbackUrl) {
    await waitForCallbackPage();
    break;
  }
  const snap = await snapshot();
  if (!snap || snap.ready === "loading") {
    await sleep(50);
    continue;
  }
  lastSnap = snap;
  const key = `${snap.kind} ${snap.url}`;
  if (key !== lastLogged) {
    lastLogged = key;
    log(`page ${snap.kind}: ${snap.url}`);
  }
  if (snap.kind === "panva-error" || snap.kind === "ba-error") {
    await finish(1, `provider error page: ${snap.text}`);
    break;
  }
  if (snap.kind === "panva-device-success") {
    await finish(0, `device flow finished: ${snap.text.slice(0, 120)}`);
    break;
  }
  if (snap.kind === "panva-device-input" && cancelled) {
    // after [ Abort ] the OP shows the input page with "The Sign-in request was interrupted"
    await finish(0, `device flow aborted: ${snap.err || snap.text.slice(0, 120)}`);
    break;
  }
  if (snap.kind === "unknown" || key === lastActed) {
    if (key === lastActed && Date.now() - actedAt > STUCK_MS) {
      await finish(1, `stuck on ${snap.kind} ${snap.url}: ${snap.err || snap.text}`);
      break;
    }
    if (snap.err && key === lastActed && snap.err !== lastErr) {
      lastErr = snap.err;
      log(`page shows error: ${snap.err}`);
    }
    await sleep(100);
    continue;
  }
  lastActed = key;
  actedAt = Date.now();
  try {
    await act(snap);
  } catch (e) {
    if (callbackUrl || exiting) continue;
    // the page may have navigated away mid-action; re-detect before giving up
    log(`action on ${snap.kind} failed: ${e.message.split("\n")[0]}`);
    const again = await snapshot();
    if (again && `${again.kind} ${again.url}` === key) {
      await finish(1, `could not act on ${snap.kind}: ${e.message.split("\n")[0]}`);
      break;
    }
  }
}
