// src/adapters/browser.ts: the pure part of opening a browser — a configured command line
// (OIDC_BROWSER / BROWSER) is split like a shell line, quotes honoured.
import { describe, expect, test } from "vitest";
import { splitCommand } from "../../../src/adapters/browser.js";

describe("splitCommand", () => {
  test("browser commands split like a shell line", () => {
    expect(splitCommand(`node "/path with space/b.mjs" %s`)).toEqual(["node", "/path with space/b.mjs", "%s"]);
  });

  test("single quotes, tabs, repeated spaces and an empty quoted argument", () => {
    expect(splitCommand(`open  -a\t'Google Chrome' ""`)).toEqual(["open", "-a", "Google Chrome", ""]);
  });
});
