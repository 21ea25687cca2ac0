// A minimal cookie jar for driving a provider's pages with fetch(…, { redirect: "manual" }): one
// origin, path-matched (longer paths first, as browsers send them), honouring deletion by past
// expiry, max-age<=0 or an empty value. Plain JavaScript, so that the browser stand-ins in
// test/browser/ (run by node as they are) share it with the TypeScript helpers; types in
// cookie-jar.d.mts.

export class CookieJar {
  /** @type {Map<string, { value: string, path: string }>} "name\0path" → cookie */
  cookies = new Map();

  /** Takes the Set-Cookie headers of a response. */
  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = "/";
      let expired = false;
      for (const attr of attrs) {
        const [k = "", v = ""] = attr.split("=").map((s) => s.trim());
        const key = k.toLowerCase();
        if (key === "path" && v) path = v;
        if (key === "max-age" && Number(v) <= 0) expired = true;
        if (key === "expires" && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired || value === "") this.cookies.delete(id);
      else this.cookies.set(id, { value, path });
    }
  }

  /** The Cookie header for a request to `url`, or undefined when no cookie applies. */
  header(url) {
    const out = [];
    const entries = [...this.cookies.entries()].sort((a, b) => b[1].path.length - a[1].path.length);
    for (const [id, c] of entries) {
      const p = c.path;
      if (p === "/" || url.pathname === p || url.pathname.startsWith(p.endsWith("/") ? p : `${p}/`))
        out.push(`${id.split("\u0000")[0]}=${c.value}`);
    }
    return out.length ? out.join("; ") : undefined;
  }
}
