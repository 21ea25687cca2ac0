// The browser login's preflight and callback choice, in-process against the scriptable hostile
// provider (test/providers/hostile.ts): the authorization request is sent once, redirects not
// followed, before any browser opens; a refusal (an error status, an error redirect to the
// callback or to the provider's own error page) ends the login at once (exit 4) quoting the
// provider, an unreachable provider exits 3, and a page or a redirect to one lets the login go on.
// Then the redirect URI: the registered one exactly, --client-id on 8765, --redirect-uri, a busy
// port; and a browser launcher that fails without ending the wait. Every failure here is bounded
// well under its --callback-timeout (a bound, not a benchmark).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { OidcError } from "../../src/errors.js";
import { expectFailure, expectOk, closedPort, editProfile } from "../commands/support.js";
import { type BrowserStub, browserStub, session } from "../helpers/deps.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, hang, html, json, startHostile, text } from "../providers/hostile.js";

let op: HostileProvider;
beforeAll(async () => {
  op = await startHostile();
});
afterEach(() => op.reset());
afterAll(() => op.stop());

const CLIENT = "preflight-client";

/** A browser that plays the user: the callback with this login's state and `code`. */
function deliveringBrowser(code = "the-real-code", opts: { fail?: string } = {}): BrowserStub {
  return browserStub(async (url) => {
    const q = new URL(url).searchParams;
    const callback = new URL(q.get("redirect_uri") as string);
    callback.searchParams.set("code", code);
    callback.searchParams.set("state", q.get("state") as string);
    await (await fetch(callback)).text();
  }, opts.fail ?? "delivering-browser");
}

/** A browser that fails to start, then (the user opened the URL by hand) the callback arrives. */
function failingThenDelivered(): BrowserStub {
  const deliver = deliveringBrowser();
  const opened: string[] = [];
  return {
    opened,
    configured: () => ({ command: "/nonexistent/browser", source: "OIDC_BROWSER" }),
    async open(url: string, onFailure: (e: OidcError) => void) {
      opened.push(url);
      const { OidcError: E, ExitCode } = await import("../../src/errors.js");
      onFailure(new E(ExitCode.usage, "the browser command from OIDC_BROWSER (/nonexistent/browser) failed to start: not found (ENOENT)"));
      setTimeout(() => void deliver.open(url, () => {}), 300);
      return false;
    },
  };
}

const loginArgs = (...extra: string[]) => [
  "--issuer",
  op.url,
  "--client-id",
  CLIENT,
  "login",
  "--scope",
  "openid",
  "--no-exchange",
  "--callback-timeout",
  "30",
  ...extra,
];

async function timed<T>(p: Promise<T>): Promise<T & { ms: number }> {
  const t0 = Date.now();
  const r = await p;
  return Object.assign(r as object, { ms: Date.now() - t0 }) as T & { ms: number };
}

/** A port-free login run: --port on a free port so that parallel files never meet on 8765. */
async function login(browser: BrowserStub, ...extra: string[]) {
  const port = await closedPort();
  return timed(session()(loginArgs("--port", String(port), ...extra), { browser }));
}

const authorizeRequests = () => op.requests.filter((r) => r.path === "/authorize").length;

describe("preflight: a refusal ends the login before any browser opens (exit 4, quoting the provider)", () => {
  it("400 JSON (better-auth 1.6: a redirect URI it does not accept): the message, and a hint naming the redirect URI", async () => {
    op.on("/authorize", json(400, { message: "Invalid redirect URI" }));
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectFailure(
      r,
      4,
      /^oidc: the provider refused the authorization request \(redirect URI http:\/\/127\.0\.0\.1:\d+\/callback\): it answered 400: "Invalid redirect URI"$/,
      {
        hint: /redirect URI .*not registered.*--redirect-uri.*oidc register --name <name> --port <n>/,
      },
    );
    expect(browser.opened).toEqual([]);
    expect(authorizeRequests()).toBe(1);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("400 HTML error page (panva oidc-provider): its error and error_description", async () => {
    op.on(
      "/authorize",
      text(
        400,
        "<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><div><h1>oops! something went wrong</h1>" +
          "<pre><code>error: invalid_redirect_uri\nerror_description: redirect_uri did not match any of the client&#39;s registered redirect_uris\niss: x</code></pre></div></body></html>",
        "text/html; charset=utf-8",
      ),
    );
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectFailure(
      r,
      4,
      /it answered 400: invalid_redirect_uri \("redirect_uri did not match any of the client's registered redirect_uris"\)$/,
      {
        hint: /--redirect-uri/,
      },
    );
    expect(browser.opened).toEqual([]);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("a 400 HTML page without error lines: a short text of its title and heading, control characters escaped", async () => {
    op.on(
      "/authorize",
      text(400, "<html><head><title>Forbidden\u001b[31m</title></head><body><h1>No entry</h1><p>long text</p></body></html>", "text/html"),
    );
    const r = await login(deliveringBrowser());
    expectFailure(r, 4, /it answered 400: "Forbidden\\u001b\[31m: No entry"$/);
    expect(r.stderr).not.toContain("\u001b");
  });

  it("a 403 challenge page (a WAF) is not a refusal: a warning, and the login goes on in the browser", async () => {
    op.on("/authorize", text(403, "<html><head><title>Just a moment...</title></head></html>", "text/html"));
    const browser = deliveringBrowser();
    const r = await login(browser);
    expect(r.stderr).toMatch(/^warning: the authorization endpoint answered 403 \("Just a moment\.\.\."\); going on in the browser$/m);
    expect(browser.opened).toHaveLength(1);
  });

  it("an unknown client (an OAuth JSON error): the hint says to register again", async () => {
    op.on("/authorize", json(401, { error: "invalid_client", error_description: "client not found" }));
    const r = await login(deliveringBrowser());
    expectFailure(r, 4, /it answered 401: invalid_client \("client not found"\)$/, {
      hint: /register again \(oidc register --name <name>\)/,
    });
  });

  it("a redirect to the callback carrying an error (no state: it is not checked here) exits 4 with the provider's error", async () => {
    op.on("/authorize", (req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      res.writeHead(302, {
        location: `${q.get("redirect_uri")}?error=invalid_scope&error_description=The+following+scopes+are+invalid%3A+admin`,
      });
      res.end();
    });
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectFailure(
      r,
      4,
      /^oidc: the provider refused the authorization request: it redirected back with an error: invalid_scope \("The following scopes are invalid: admin"\)$/,
    );
    expect(browser.opened).toEqual([]);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("a redirect to the provider's own error page (better-auth: /api/auth/error?error=invalid_client) exits 4, naming register", async () => {
    op.on("/authorize", (_req, res, ctx) => {
      res.writeHead(302, { location: `${ctx.url}/api/auth/error?error=invalid_client&error_description=client_id is required` });
      res.end();
    });
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectFailure(
      r,
      4,
      /it redirected to its error page http:\/\/127\.0\.0\.1:\d+\/api\/auth\/error: invalid_client \("client_id is required"\)$/,
      { hint: /register again/ },
    );
    expect(browser.opened).toEqual([]);
  });

  it("with --no-browser too: the refusal comes before the URL is printed", async () => {
    op.on("/authorize", json(400, { message: "Invalid redirect URI" }));
    const r = await login(browserStub(), "--no-browser");
    expectFailure(r, 4, /"Invalid redirect URI"$/);
    expect(r.stderr).not.toContain("Open this URL");
    expect(r.ms).toBeLessThan(5_000);
  });
});

describe("preflight: an unreachable provider exits 3 at once, nothing opened", () => {
  it("connection refused", async () => {
    const closed = await closedPort();
    op.on(DISCOVERY_PATH, (req, res, ctx) =>
      json(200, { ...goodDiscovery(ctx.url), authorization_endpoint: `http://127.0.0.1:${closed}/authorize` })(req, res, ctx),
    );
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectFailure(r, 3, /^oidc: authorization request failed: /);
    expect(browser.opened).toEqual([]);
    expect(r.ms).toBeLessThan(5_000);
  });

  it("no answer within --timeout", async () => {
    op.on("/authorize", hang());
    const browser = deliveringBrowser();
    const port = await closedPort();
    const r = await timed(session()(["--timeout", "1", ...loginArgs("--port", String(port))], { browser }));
    expectFailure(r, 3, /^oidc: authorization request failed: no answer from 127\.0\.0\.1:\d+ within 1s$/);
    expect(browser.opened).toEqual([]);
    expect(r.ms).toBeLessThan(5_000);
  });
});

describe("preflight: a page, or a redirect to one, lets the login go on", () => {
  it("200 (a login page): the browser opens and the callback completes the login", async () => {
    op.on("/authorize", html(200));
    const browser = deliveringBrowser();
    const r = await login(browser);
    expectOk(r);
    expect(JSON.parse(r.stdout).code).toBe("the-real-code");
    expect(browser.opened).toHaveLength(1);
    expect(r.stderr).toContain("Opened your browser.");
    expect(authorizeRequests()).toBe(1); // the preflight; the stub browser does not fetch it
  });

  it("a redirect to the provider's login page goes on", async () => {
    op.on("/authorize", (_req, res, ctx) => {
      res.writeHead(302, { location: `${ctx.url}/login?next=%2Fauthorize` });
      res.end();
    });
    expectOk(await login(deliveringBrowser()));
  });

  it("a success redirect straight to the callback (a provider that approves at once) goes on; that code is not used", async () => {
    op.on("/authorize", (req, res) => {
      const q = new URL(req.url ?? "/", "http://x").searchParams;
      res.writeHead(302, { location: `${q.get("redirect_uri")}?code=preflight-code&state=${q.get("state")}` });
      res.end();
    });
    const r = await login(deliveringBrowser("browser-code"));
    expectOk(r);
    expect(JSON.parse(r.stdout).code).toBe("browser-code");
  });
});

describe("the redirect URI of a login", () => {
  const pageAt = () => op.on("/authorize", html(200));

  /** A session whose default profile (or `profile`) holds a client registered with these redirect URIs. */
  async function withClient(client: Record<string, unknown>, profile = "default") {
    const run = session();
    expectOk(await run(["-p", profile, "discover", op.url]));
    editProfile(run.configDir, (p) => ({ ...p, client: { client_id: CLIENT, client_name: "app", ...client } }), profile);
    return run;
  }
  const sentRedirect = (b: BrowserStub) => new URL(b.opened[0] as string).searchParams.get("redirect_uri");

  it("a stored client logs in on its registered redirect URI exactly, port and path", async () => {
    pageAt();
    const port = await closedPort();
    const run = await withClient({ redirect_uris: [`http://127.0.0.1:${port}/oauth/cb`] });
    const browser = deliveringBrowser();
    const r = await run(["login", "--scope", "openid", "--no-exchange", "--callback-timeout", "30"], { browser });
    expectOk(r);
    expect(sentRedirect(browser)).toBe(`http://127.0.0.1:${port}/oauth/cb`);
    expect(JSON.parse(r.stdout).redirect_uri).toBe(`http://127.0.0.1:${port}/oauth/cb`);
  });

  it("--client-id without --port uses the default port 8765", async () => {
    pageAt();
    const browser = deliveringBrowser();
    const r = await session()(loginArgs(), { browser });
    expectOk(r);
    expect(sentRedirect(browser)).toBe("http://127.0.0.1:8765/callback");
  });

  it("--redirect-uri uses that exact loopback URI, and the callback is served on its path", async () => {
    pageAt();
    const port = await closedPort();
    const browser = deliveringBrowser();
    const r = await session()(loginArgs("--redirect-uri", `http://localhost:${port}/my/cb`), { browser });
    expectOk(r);
    expect(sentRedirect(browser)).toBe(`http://localhost:${port}/my/cb`);
  });

  it("--redirect-uri that is not loopback http is a usage error", async () => {
    const r = await session()(loginArgs("--redirect-uri", "https://app.example/cb"), { browser: deliveringBrowser() });
    expectFailure(r, 2, /^oidc: --redirect-uri "https:\/\/app\.example\/cb" is not a loopback redirect URI$/);
  });

  describe("a busy port", () => {
    let taken: Server;
    let port: number;
    beforeAll(async () => {
      taken = createServer((_q, s) => s.end("someone else"));
      await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
      port = (taken.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => taken.close(() => r())));

    it("is exit 2 naming 127.0.0.1:<port> and the exact `oidc register` line (with -p for another profile); nothing opened", async () => {
      pageAt();
      const run = await withClient({ redirect_uris: [`http://127.0.0.1:${port}/callback`] }, "work");
      const browser = deliveringBrowser();
      const r = await run(["-p", "work", "login", "--callback-timeout", "30"], { browser });
      expectFailure(
        r,
        2,
        new RegExp(`^oidc: oidc cannot bind 127\\.0\\.0\\.1:${port} for the redirect URI .*: the port is in use by another program$`),
        {
          hint: /^hint: stop that program, or register a client for another port: oidc -p work register --name app --port \d+$/,
        },
      );
      expect(r.stderr).not.toContain("accepts any loopback port");
      expect(browser.opened).toEqual([]);
    });

    it("falls back to a free port only for a client registered as native, and says why", async () => {
      pageAt();
      const run = await withClient({ redirect_uris: [`http://127.0.0.1:${port}/callback`], application_type: "native" });
      const browser = deliveringBrowser();
      const r = await run(["login", "--scope", "openid", "--no-exchange", "--callback-timeout", "30"], { browser });
      expectOk(r);
      expect(r.stderr).toMatch(new RegExp(`Port ${port} is in use; listening on \\d+ instead \\(the client is registered as native`));
      expect(sentRedirect(browser)).not.toBe(`http://127.0.0.1:${port}/callback`);
    });

    it("--port that is busy is exit 2 even for a native client", async () => {
      const run = await withClient({ redirect_uris: ["http://127.0.0.1:1/callback"], application_type: "native" });
      const r = await run(["login", "--port", String(port), "--callback-timeout", "30"], { browser: deliveringBrowser() });
      expectFailure(r, 2, /cannot bind 127\.0\.0\.1:\d+/, { hint: /oidc register --name app --port \d+/ });
    });
  });
});

describe("a browser launcher that fails", () => {
  it("is a warning at once with the URL shown again; the login keeps waiting and the callback still completes it", async () => {
    op.on("/authorize", html(200));
    const browser = failingThenDelivered();
    const r = await login(browser);
    expectOk(r);
    expect(r.stderr).toMatch(
      /^warning: the browser command from OIDC_BROWSER \(\/nonexistent\/browser\) failed to start: not found \(ENOENT\)$/m,
    );
    expect(r.stderr).toContain(`Open this URL in a browser to log in:\n\n  ${browser.opened[0]}`);
    expect(r.stderr).not.toContain("Opened your browser");
    expect(r.ms).toBeLessThan(5_000);
  });

  it("and no callback then: the wait ends at --callback-timeout (exit 5), saying no callback arrived", async () => {
    op.on("/authorize", html(200));
    const browser = browserStub(async () => {
      const { usageError } = await import("../../src/errors.js");
      throw usageError("the browser command from OIDC_BROWSER (/bin/false) exited with status 1");
    }, "/bin/false");
    const port = await closedPort();
    const r = await timed(
      session()(["--issuer", op.url, "--client-id", CLIENT, "login", "--no-exchange", "--callback-timeout", "1", "--port", String(port)], {
        browser,
      }),
    );
    expectFailure(r, 5, /^oidc: login failed: no callback arrived within 1s$/, {
      only: false,
      hint: /--no-browser and paste the redirect URL; or wait longer with --callback-timeout/,
    });
    expect(r.stderr).toMatch(/^warning: the browser command from OIDC_BROWSER \(\/bin\/false\) exited with status 1$/m);
    expect(r.ms).toBeGreaterThanOrEqual(1_000);
  });
});
