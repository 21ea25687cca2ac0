// Shared by the better-auth test providers (better-auth-16.mjs, better-auth-17.mjs):
//   * the HTML an app built on better-auth has to host itself (login page, consent page, index),
//     self-contained (inline CSS and JS, no external resources), driven by a real browser in tests;
//   * runFixture(): the node:http harness around a betterAuth() instance: PORT handling (0 = free
//     port, the port must be known before betterAuth() is built because baseURL carries it), seeding
//     the test user, the single `READY {json}` stdout line, request log on stderr, clean shutdown.
//
// Nothing here talks to the network beyond 127.0.0.1.

import http from "node:http";

// stdout carries exactly one line (READY ...). Anything a library prints with console.log/info
// goes to stderr instead, so a test harness can parse stdout blindly.
console.log = console.error;
console.info = console.error;

const HOST = "127.0.0.1";
const BASE_PATH = "/api/auth";

/** Signed-query helpers of @better-auth/oauth-provider 1.7, the same logic as its client plugin
 * (buildSignedOAuthQuery): keep only `sig`, `ba_param` and the parameters `ba_param` names. */
const SIGNED_QUERY_JS = `
function signedOAuthQuery(search) {
  const params = new URLSearchParams(search);
  if (!params.has("sig")) return undefined;
  const names = new Set(params.getAll("ba_param"));
  if (names.size === 0) return undefined;
  const out = new URLSearchParams();
  for (const [k, v] of params.entries()) {
    if (k === "sig" || k === "ba_param" || names.has(k)) out.append(k, v);
  }
  return out.toString();
}
function unsignedAuthorizeQuery(search) {
  const params = new URLSearchParams(search);
  for (const k of ["sig", "exp", "ba_iat", "ba_param", "ba_pl"]) params.delete(k);
  return params.has("client_id") ? params.toString() : "";
}`;

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 0; display: grid; place-items: center; min-height: 100vh; background: Canvas; color: CanvasText; }
main { width: min(26rem, 92vw); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 12px; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; }
label { display: block; margin: .75rem 0; font-size: .9rem; }
input { display: block; width: 100%; box-sizing: border-box; margin-top: .25rem; padding: .5rem; font: inherit; }
button { font: inherit; padding: .5rem 1.1rem; margin: .75rem .5rem 0 0; border-radius: 6px; cursor: pointer; }
button[disabled] { opacity: .6; cursor: progress; }
.muted { opacity: .7; font-size: .85rem; }
.error { color: #c62828; }
code { font-size: .85em; }
ul { padding-left: 1.2rem; }
`;

function page(title, body, script, config) {
  // The config is inert JSON, so `<` is escaped to keep it from closing the script element.
  const cfg = JSON.stringify(config).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
<script type="application/json" id="config">${cfg}</script>
<script>
"use strict";
const CONFIG = JSON.parse(document.getElementById("config").textContent);
${SIGNED_QUERY_JS}
function showError(message) {
  const el = document.getElementById("error");
  el.textContent = message || "";
  el.hidden = !message;
}
async function readJson(res) {
  try { return await res.json(); } catch { return {}; }
}
function describeFailure(res, data) {
  return (data && (data.message || data.error_description || data.error)) || ("HTTP " + res.status);
}
${script}
</script>
</body>
</html>
`;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/**
 * GET /login. The form posts JSON to {basePath}/sign-in/email (same origin, so the browser sends
 * the Origin header better-auth's CSRF check wants) and then resumes the authorization request:
 *   - 1.6 oidcProvider: its after-hook sees the signed `oidc_login_prompt` cookie and answers the
 *     sign-in itself with {"redirect":true,"url":"<consent page or redirect_uri?code=...>"}
 *     (a fetch() from a page carries Sec-Fetch-Mode: cors, which turns its 302 into JSON);
 *   - 1.7 oauth-provider: the body carries `oauth_query` (the signed query of this page), which its
 *     before/after hooks turn into the same {"redirect":true,"url"} answer.
 * If the provider did not resume (cookie expired, page opened on another host name), the page
 * re-requests {basePath}/oauth2/authorize with the query it received, now with a session cookie.
 */
export function loginPage({ flavor, label, hint }) {
  const body = `
<h1>Sign in</h1>
<p class="muted">${escapeHtml(label)}</p>
<form id="login" method="post" action="${BASE_PATH}/sign-in/email">
  <label>Email <input name="email" type="email" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
  <p id="error" class="error" role="alert" hidden></p>
</form>
${hint ? `<p class="muted">Test user: <code>${escapeHtml(hint.email)}</code> / <code>${escapeHtml(hint.password)}</code></p>` : ""}`;
  const script = `
const form = document.getElementById("login");
const submit = form.querySelector("button[type=submit]");
const search = location.search.slice(1);
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError("");
  submit.disabled = true;
  const body = { email: form.elements.email.value, password: form.elements.password.value };
  if (CONFIG.flavor === "17") {
    const q = signedOAuthQuery(search);
    if (q) body.oauth_query = q;
  }
  let res, data;
  try {
    res = await fetch(CONFIG.basePath + "/sign-in/email", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    data = await readJson(res);
  } catch (err) {
    showError("Network error: " + err.message);
    submit.disabled = false;
    return;
  }
  if (!res.ok) {
    showError(describeFailure(res, data));
    submit.disabled = false;
    return;
  }
  if (data.redirect && data.url) {
    location.assign(data.url);
    return;
  }
  const resume = CONFIG.flavor === "17" ? unsignedAuthorizeQuery(search) : (new URLSearchParams(search).has("client_id") ? search : "");
  if (resume) {
    location.assign(CONFIG.basePath + "/oauth2/authorize?" + resume);
    return;
  }
  form.hidden = true;
  const done = document.createElement("p");
  done.id = "signed-in";
  done.textContent = "Signed in as " + ((data.user && data.user.email) || body.email) + ".";
  form.after(done);
});`;
  return page("Sign in", body, script, { flavor, basePath: BASE_PATH });
}

/**
 * GET /consent.
 *   - 1.6: ?consent_code=…&client_id=…&scope=…; client name from GET {basePath}/oauth2/client/{id};
 *     POST {basePath}/oauth2/consent {"accept":bool,"consent_code"} → 200 {"redirectURI"}.
 *   - 1.7: the signed authorize query; client name from GET {basePath}/oauth2/public-client?client_id=;
 *     POST {basePath}/oauth2/consent {"accept":bool,"oauth_query"} with Accept: application/json
 *     → 200 {"redirect":true,"url"}.
 * Either way the page then navigates to the returned URI (the client's redirect_uri).
 */
export function consentPage({ flavor, label }) {
  const body = `
<h1>Authorize <span id="client-name">this application</span>?</h1>
<p class="muted">${escapeHtml(label)}<span id="who"></span></p>
<p>The application asks for:</p>
<ul id="scopes"></ul>
<div>
  <button id="accept" type="button">Allow</button>
  <button id="deny" type="button">Deny</button>
</div>
<p id="error" class="error" role="alert" hidden></p>`;
  const script = `
const params = new URLSearchParams(location.search);
const clientId = params.get("client_id") || "";
const SCOPE_TEXT = {
  openid: "Sign you in (openid)",
  profile: "Your name and profile (profile)",
  email: "Your email address (email)",
  offline_access: "Stay signed in: refresh tokens (offline_access)",
};
for (const scope of (params.get("scope") || "").split(" ").filter(Boolean)) {
  const li = document.createElement("li");
  li.dataset.scope = scope;
  li.textContent = SCOPE_TEXT[scope] || scope;
  document.getElementById("scopes").append(li);
}
document.getElementById("client-name").textContent = clientId || "this application";
(async () => {
  const url = CONFIG.flavor === "17"
    ? CONFIG.basePath + "/oauth2/public-client?client_id=" + encodeURIComponent(clientId)
    : CONFIG.basePath + "/oauth2/client/" + encodeURIComponent(clientId);
  try {
    const res = await fetch(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    const data = await readJson(res);
    if (res.status === 401) showError("You are not signed in; the decision below will be refused.");
    const name = data.client_name || data.name;
    if (res.ok && name) document.getElementById("client-name").textContent = name;
  } catch {}
  try {
    const res = await fetch(CONFIG.basePath + "/get-session", { credentials: "same-origin" });
    const data = await readJson(res);
    if (data && data.user && data.user.email) document.getElementById("who").textContent = " · signed in as " + data.user.email;
  } catch {}
})();
async function decide(accept) {
  const buttons = [document.getElementById("accept"), document.getElementById("deny")];
  for (const b of buttons) b.disabled = true;
  showError("");
  const body = CONFIG.flavor === "17"
    ? { accept, oauth_query: signedOAuthQuery(location.search) || location.search.slice(1) }
    : { accept, consent_code: params.get("consent_code") || undefined };
  try {
    const res = await fetch(CONFIG.basePath + "/oauth2/consent", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    const data = await readJson(res);
    const target = data.redirectURI || data.url || data.redirect_uri;
    if (res.ok && target) {
      location.assign(target);
      return;
    }
    showError(describeFailure(res, data));
  } catch (err) {
    showError("Network error: " + err.message);
  }
  for (const b of buttons) b.disabled = false;
}
document.getElementById("accept").addEventListener("click", () => decide(true));
document.getElementById("deny").addEventListener("click", () => decide(false));`;
  return page("Authorize application", body, script, { flavor, basePath: BASE_PATH });
}

function indexPage({ label, origin, discovery, email, password }) {
  const body = `
<h1>Test OpenID provider</h1>
<p>${escapeHtml(label)}</p>
<ul>
  <li>Discovery: <a href="${escapeHtml(discovery)}"><code>${escapeHtml(discovery)}</code></a></li>
  <li>Login page: <a href="/login"><code>${escapeHtml(origin)}/login</code></a></li>
  <li>Test user: <code>${escapeHtml(email)}</code> / <code>${escapeHtml(password)}</code></li>
</ul>
<p id="error" hidden></p>`;
  return page("Test OpenID provider", body, "", {});
}

function envFlag(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === "") return dflt;
  return !/^(0|false|no|off)$/i.test(v);
}

/**
 * Runs a better-auth test provider.
 *
 * @param {object} spec
 * @param {"16"|"17"} spec.flavor     which page dialect to serve
 * @param {string} spec.label         one-line human description (version, plugins, signing)
 * @param {number} spec.defaultPort
 * @param {(ctx: {origin: string, port: number, basePath: string, env: typeof envFlag}) =>
 *   Promise<{ auth: any, handler: (req, res) => void, issuer: string,
 *             registerClient?: (sessionToken: string) => Promise<any> }>} spec.createAuth
 */
export async function runFixture(spec) {
  const startedAt = performance.now();
  const requestedPort = Number(process.env.PORT ?? spec.defaultPort);
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new Error(`PORT must be an integer 0..65535, got ${process.env.PORT}`);
  }
  const logRequests = envFlag("LOG_REQUESTS", false);
  const email = process.env.SEED_EMAIL || "alice@example.com";
  const password = process.env.SEED_PASSWORD || "wonderland-123";
  const name = process.env.SEED_NAME || "Alice Liddell";

  /** @type {((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined} */
  let authHandler;
  /** @type {Record<string, string>} */
  let pages = {};

  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    if (logRequests) {
      res.on("finish", () => {
        const ms = (performance.now() - t0).toFixed(1);
        const loc = res.getHeader("location");
        process.stderr.write(`${req.method} ${req.url} -> ${res.statusCode}${loc ? ` ${loc}` : ""} (${ms} ms)\n`);
      });
    }
    const path = (req.url || "/").split("?")[0];
    if (req.method === "GET" && Object.hasOwn(pages, path)) {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      });
      res.end(pages[path]);
      return;
    }
    if (authHandler && (path === BASE_PATH || path.startsWith(`${BASE_PATH}/`) || path.startsWith("/.well-known/"))) {
      authHandler(req, res);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not_found", path }));
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(requestedPort, HOST, () => {
      server.off("error", reject);
      resolve(undefined);
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : requestedPort;
  const origin = `http://localhost:${port}`;

  let shuttingDown = false;
  const shutdown = (code = 0) => {
    if (shuttingDown) return;
    shuttingDown = true;
    server.close(() => process.exit(code));
    server.closeAllConnections();
    setTimeout(() => process.exit(code), 1000).unref();
  };
  process.on("SIGTERM", () => shutdown(0));
  process.on("SIGINT", () => shutdown(0));
  // Spawned with an IPC channel (test/helpers/spawn-fixture.ts): exit when the parent goes away,
  // even if it was killed without a chance to stop us.
  if (process.connected) process.on("disconnect", () => shutdown(0));

  const { auth, handler, issuer, registerClient } = await spec.createAuth({
    origin,
    port,
    basePath: BASE_PATH,
    env: envFlag,
  });
  authHandler = handler;

  const signUp = await auth.api.signUpEmail({ body: { email, password, name } });
  const discovery = `${origin}${BASE_PATH}/.well-known/openid-configuration`;
  const hint = envFlag("LOGIN_HINT", true) ? { email, password } : undefined;
  pages = {
    "/": indexPage({ label: spec.label, origin, discovery, email, password }),
    "/login": loginPage({ flavor: spec.flavor, label: spec.label, hint }),
    "/consent": consentPage({ flavor: spec.flavor, label: spec.label }),
  };

  /** @type {Record<string, unknown>} */
  const info = { origin, issuer, port, pid: process.pid, email, password, discovery };
  if (envFlag("SEED_CLIENT", false) && registerClient) {
    const client = await registerClient(signUp.token);
    info.client = {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
    };
  }

  const ms = Math.round(performance.now() - startedAt);
  process.stderr.write(
    `${spec.label}\n` +
      `  listening on ${origin} (bound to ${HOST}:${port}, ready in ${ms} ms)\n` +
      `  discovery:   ${discovery}\n` +
      `  issuer:      ${issuer}\n` +
      `  login page:  ${origin}/login   (test user ${email} / ${password})\n` +
      (info.client ? `  client:      ${JSON.stringify(info.client)}\n` : "") +
      `  stop with Ctrl-C${logRequests ? "" : "; LOG_REQUESTS=1 logs every request here"}\n`,
  );
  process.stdout.write(`READY ${JSON.stringify(info)}\n`);
}
