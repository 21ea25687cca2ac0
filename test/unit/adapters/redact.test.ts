// src/adapters/redact.ts: a Redactor hides the secrets registered with it (in their JSON-, percent-
// and form-encoded forms too), Authorization headers and secret parameters, from anything printed
// on stderr. Each Redactor holds its own secrets: there is no process-wide registry.
import { describe, expect, test } from "vitest";
import { Redactor } from "../../../src/adapters/redact.js";

describe("Redactor", () => {
  test("redact hides registered secrets, Authorization headers and secret parameters", () => {
    const r = new Redactor();
    r.register("super-secret-value");
    const text = r.redact('authorization: Basic abcdefgh\ncode=xyz123&state=s client_secret=super-secret-value {"refresh_token":"r1"}');
    expect(text).not.toContain("super-secret-value");
    expect(text).not.toContain("abcdefgh");
    expect(text).not.toContain("xyz123");
    expect(text).not.toContain("r1");
    expect(text).toContain("state=s");
  });

  test("a registered secret is hidden in its encoded forms, wherever it appears", () => {
    const r = new Redactor();
    r.register('p@ss "word" &more');
    const out = r.redact(
      `said ${JSON.stringify('p@ss "word" &more')} / ${encodeURIComponent('p@ss "word" &more')} / ${new URLSearchParams({ x: 'p@ss "word" &more' })}`,
    );
    expect(out).not.toContain("p@ss");
    expect(out).not.toContain("p%40ss");
    expect(out.match(/\[redacted\]/g)?.length).toBe(3);
  });

  test("each Redactor knows only the secrets registered with it; short values are not registered", () => {
    const a = new Redactor();
    const b = new Redactor();
    a.register("only-for-a-123");
    a.register("abc");
    expect(a.redact("x only-for-a-123 y")).toBe("x [redacted] y");
    expect(b.redact("x only-for-a-123 y")).toBe("x only-for-a-123 y");
    expect(a.redact("abc")).toBe("abc");
  });

  test("control characters are shown escaped; colour sequences pass", () => {
    expect(new Redactor().redact("a\x1b]0;title\x07b \x1b[31mred\x1b[0m")).toBe("a\\x1b]0;title\\x07b \x1b[31mred\x1b[0m");
  });
});
