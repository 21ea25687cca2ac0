// The loopback callback server (src/adapters/loopback.ts): 127.0.0.1 only, a port in use as a
// usage error, another login's state ignored with a 400 page while the wait goes on, stateless
// errors only when accepted, 404 elsewhere, abort, and HTML escaped in the error page.
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { networkInterfaces } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { LoopbackServer } from "../../src/adapters/loopback.js";
import { ExitCode, OidcError } from "../../src/errors.js";

const open: { close(): void }[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

async function start(port = 0): Promise<LoopbackServer> {
  const s = await LoopbackServer.start(port);
  open.push(s);
  return s;
}

/** A GET to the server, its status, a header and its page. */
async function get(s: LoopbackServer, path: string, method = "GET") {
  const res = await fetch(`http://127.0.0.1:${s.port}${path}`, { method, redirect: "manual" });
  return { status: res.status, type: res.headers.get("content-type"), cache: res.headers.get("cache-control"), html: await res.text() };
}

/** A promise with its state visible, to see that a wait goes on. */
function watch<T>(p: Promise<T>) {
  const w: { settled: boolean; value?: T; error?: unknown; done: Promise<void> } = { settled: false, done: Promise.resolve() };
  w.done = p.then(
    (v) => {
      w.settled = true;
      w.value = v;
    },
    (e) => {
      w.settled = true;
      w.error = e;
    },
  );
  return w;
}

const tick = () => new Promise((r) => setTimeout(r, 20));

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, timeout: 1_000 });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
    sock.once("timeout", () => {
      sock.destroy();
      resolve(false);
    });
  });
}

describe("binding", () => {
  it("listens on 127.0.0.1 only: other loopback and interface addresses are refused", async () => {
    const s = await start();
    expect(s.port).toBeGreaterThan(0);
    expect(s.redirectUri).toBe(`http://127.0.0.1:${s.port}/callback`);
    expect(await accepts("127.0.0.1", s.port)).toBe(true);
    const others = ["127.0.0.2", "::1"];
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) if (!a.internal && !a.address.startsWith("fe80")) others.push(a.address);
    for (const host of others) expect(await accepts(host, s.port), host).toBe(false);
  });

  it("reports a port in use as a usage error (exit 2) naming the port and --port", async () => {
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    open.push(taken);
    const port = (taken.address() as AddressInfo).port;
    let err: unknown;
    try {
      await start(port);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OidcError);
    expect((err as OidcError).exitCode).toBe(ExitCode.usage);
    expect((err as OidcError).message).toBe(`port ${port} on 127.0.0.1 is in use`);
    expect((err as OidcError).hint).toContain("--port");
  });

  it("listens on the port asked for", async () => {
    const probe = await start();
    const port = probe.port;
    probe.close();
    await tick();
    const s = await start(port);
    expect(s.port).toBe(port);
  });
});

describe("waitForCallback", () => {
  it("resolves with the callback URL carrying the right state, and shows a success page", async () => {
    const s = await start();
    const wait = s.waitForCallback("st-1", new AbortController().signal);
    const page = await get(s, "/callback?code=abc&state=st-1");
    expect(page.status).toBe(200);
    expect(page.type).toBe("text/html; charset=utf-8");
    expect(page.cache).toBe("no-store");
    expect(page.html).toContain("Signed in");
    const url = await wait;
    expect(url.pathname).toBe("/callback");
    expect(url.searchParams.get("code")).toBe("abc");
  });

  it("answers another login's state with a 400 page, calls onIgnored, and keeps waiting for the right one", async () => {
    const s = await start();
    const ignored: string[] = [];
    const w = watch(s.waitForCallback("right", new AbortController().signal, { onIgnored: (why) => ignored.push(why) }));
    const wrong = await get(s, "/callback?code=evil&state=wrong");
    expect(wrong.status).toBe(400);
    expect(wrong.html).toContain("Not this login");
    const missing = await get(s, "/callback?code=evil");
    expect(missing.status).toBe(400);
    expect(ignored).toHaveLength(2);
    expect(ignored[0]).toMatch(/another login's state/);
    await tick();
    expect(w.settled).toBe(false);
    expect((await get(s, "/callback?code=good&state=right")).status).toBe(200);
    await w.done;
    expect(w.value?.searchParams.get("code")).toBe("good");
  });

  it("ignores an error without state unless acceptStatelessError is set", async () => {
    const s = await start();
    const ignored: string[] = [];
    const w = watch(s.waitForCallback("st", new AbortController().signal, { onIgnored: (why) => ignored.push(why) }));
    expect((await get(s, "/callback?error=access_denied")).status).toBe(400);
    await tick();
    expect(w.settled).toBe(false);
    expect(ignored).toHaveLength(1);
    await get(s, "/callback?state=st&code=c");
    await w.done;
    expect(w.value?.searchParams.get("code")).toBe("c");
  });

  it("ends the wait with an error without state when acceptStatelessError is set", async () => {
    const s = await start();
    const wait = s.waitForCallback("st", new AbortController().signal, { acceptStatelessError: true });
    const page = await get(s, "/callback?error=access_denied&error_description=no");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Sign-in failed");
    expect((await wait).searchParams.get("error")).toBe("access_denied");
  });

  it("still ignores, with acceptStatelessError, an error carrying another state or a success without state", async () => {
    const s = await start();
    const ignored: string[] = [];
    const w = watch(
      s.waitForCallback("st", new AbortController().signal, { acceptStatelessError: true, onIgnored: (why) => ignored.push(why) }),
    );
    expect((await get(s, "/callback?error=access_denied&state=other")).status).toBe(400);
    expect((await get(s, "/callback?code=c")).status).toBe(400);
    await tick();
    expect(w.settled).toBe(false);
    expect(ignored).toHaveLength(2);
    await get(s, "/callback?state=st&code=ok");
    await w.done;
    expect(w.value?.searchParams.get("code")).toBe("ok");
  });

  it("answers 404 on other paths and methods, and the wait goes on", async () => {
    const s = await start();
    const ignored: string[] = [];
    const w = watch(s.waitForCallback("st", new AbortController().signal, { onIgnored: (why) => ignored.push(why) }));
    for (const path of ["/", "/favicon.ico", "/callback/extra?state=st", "/Callback?state=st"])
      expect((await get(s, path)).status, path).toBe(404);
    expect((await get(s, "/callback?state=st&code=x", "POST")).status).toBe(404);
    await tick();
    expect(w.settled).toBe(false);
    expect(ignored).toEqual([]);
    await get(s, "/callback?state=st&code=y");
    await w.done;
    expect(w.value?.searchParams.get("code")).toBe("y");
  });

  it("rejects with the signal's reason when aborted", async () => {
    const s = await start();
    const ac = new AbortController();
    const w = watch(s.waitForCallback("st", ac.signal));
    await tick();
    expect(w.settled).toBe(false);
    const reason = new Error("callback timeout");
    ac.abort(reason);
    await w.done;
    expect(w.error).toBe(reason);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const s = await start();
    const ac = new AbortController();
    const reason = new Error("interrupted");
    ac.abort(reason);
    await expect(s.waitForCallback("st", ac.signal)).rejects.toBe(reason);
  });

  it("escapes HTML from error and error_description in the page", async () => {
    const s = await start();
    const wait = s.waitForCallback("st", new AbortController().signal);
    const desc = `<script>alert("x")</script><img src=x onerror='y'>&`;
    const q = new URLSearchParams({ state: "st", error: "<b>bad</b>", error_description: desc });
    const page = await get(s, `/callback?${q}`);
    expect(page.status).toBe(200);
    expect(page.html).not.toContain("<script>");
    expect(page.html).not.toContain("<img");
    expect(page.html).not.toContain("<b>");
    expect(page.html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(page.html).toContain("onerror=&#39;y&#39;&#62;&#38;");
    expect((await wait).searchParams.get("error_description")).toBe(desc);
  });
});
