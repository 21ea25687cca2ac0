// The exit-code classes that no single command owns, in-process: usage errors from the parser
// (exit 2, pointing at the subcommand's own --help), a bad --timeout, and the network class (3).
// The others are pinned next to the command that provokes them (4 discover/introspect, 5 token,
// 6 login/userinfo, 1 profile; CI + consent in consent.test.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/cli/program.js";
import { browserStub, oidc, session } from "../helpers/deps.js";
import { startHostile } from "../providers/hostile.js";
import { closedPort, expectFailure, expectUsageError, nowSeconds, storeOf } from "./support.js";

/** A server that accepts requests and never answers them. */
let silent: Server;
let silentUrl: string;
beforeAll(async () => {
  silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

describe("exit 0 without a command", () => {
  it("--version prints the version on stdout", async () => {
    const r = await oidc(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(r.stderr).toBe("");
  });

  it("a subcommand's --help prints its usage on stdout", async () => {
    const r = await oidc(["token", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: oidc token \[options\]/);
    expect(r.stdout).toContain("--min-valid <seconds>");
  });
});

describe("exit 2: usage errors from the command line", () => {
  it("an unknown flag names it and points at the subcommand's --help", async () => {
    const r = await oidc(["token", "--no-such-flag"]);
    expectUsageError(r, /^oidc: unknown option '--no-such-flag'$/, "token");
  });

  it("an unknown flag of a nested command points at that command's --help", async () => {
    expectUsageError(await oidc(["profile", "show", "--nope"]), /^oidc: unknown option '--nope'$/, "profile show");
  });

  it("a missing required flag is named", async () => {
    expectUsageError(await oidc(["register"]), /^oidc: required option '--name <name>' not specified$/, "register");
  });

  it("a missing argument is named", async () => {
    expectUsageError(await oidc(["profile", "remove"]), /^oidc: missing required argument 'name'$/, "profile remove");
  });

  it("a value outside a flag's choices lists the choices", async () => {
    expectUsageError(
      await oidc(["token", "-o", "yaml"]),
      /^oidc: option .*--output.* argument 'yaml' is invalid\. Allowed choices are token, json, header, env\.$/,
      "token",
    );
  });

  it("a port that is not a port number is refused by the flag's parser", async () => {
    expectUsageError(await oidc(["login", "--port", "70000"]), /must be a port number \(1-65535\)/, "authorize");
  });

  it("a negative --callback-timeout is refused naming the flag", async () => {
    expectUsageError(await oidc(["login", "--callback-timeout", "-1"]), /--callback-timeout must be a whole number/, "authorize");
  });

  it("an unknown command is refused, pointing at the top-level --help", async () => {
    expectUsageError(await oidc(["frobnicate"]), /^oidc: unknown command 'frobnicate'$/, "");
  });

  it.each([["0"], ["-5"], ["soon"]])("--timeout %s is refused before anything runs", async (value) => {
    const run = session();
    const r = await run(["--timeout", value, "discover", "http://127.0.0.1:9"]);
    expectFailure(r, 2, new RegExp(`^oidc: --timeout must be a positive number of seconds, got "${value}"$`));
    expect(storeOf(run.configDir).listProfiles()).toEqual([]);
  });

  it("OIDC_PROFILE set but empty is a usage error, not the current profile's token", async () => {
    const run = session();
    const now = nowSeconds();
    storeOf(run.configDir).writeProfile({
      name: "default",
      tokens: { access_token: "must-not-print-0123", token_type: "Bearer", expires_at: now + 3600, obtained_at: now },
    });
    const r = await run(["token"], { env: { OIDC_PROFILE: "" } });
    expectFailure(r, 2, /invalid profile name ""/);
  });
});

describe("exit 3: network", () => {
  it("connection refused by a closed port, during discovery", async () => {
    const port = await closedPort();
    const r = await session()(["discover", `http://127.0.0.1:${port}`]);
    expectFailure(r, 3, new RegExp(`^oidc: discovery failed: connection refused by 127\\.0\\.0\\.1:${port}$`));
  });

  it("connection refused by a closed port, during a refresh: the stored tokens are kept", async () => {
    const port = await closedPort();
    const base = `http://127.0.0.1:${port}`;
    const run = session();
    const now = nowSeconds();
    const tokens = {
      access_token: "at-old-0123456789",
      token_type: "Bearer",
      expires_at: now - 5,
      refresh_token: "rt-0123456789",
      obtained_at: now,
    };
    storeOf(run.configDir).writeProfile({
      name: "default",
      issuer: base,
      source: base,
      discovery_url: `${base}/.well-known/openid-configuration`,
      dialect: "standard",
      metadata: { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token` },
      client: { client_id: "c1" },
      tokens,
    });
    const r = await run(["token"]);
    expectFailure(r, 3, /connection refused by 127\.0\.0\.1:\d+/);
    expect(storeOf(run.configDir).readProfile("default")?.tokens).toEqual(tokens);
  });

  it("no answer within --timeout 1 exits 3 after about a second", async () => {
    const t0 = performance.now();
    const r = await session()(["--timeout", "1", "discover", silentUrl]);
    const ms = performance.now() - t0;
    expectFailure(r, 3, /no answer from 127\.0\.0\.1:\d+ within 1s/);
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(8_000);
  });
});

describe("login flags that would mislead", () => {
  it("--callback-timeout beyond what a timer holds is a usage error", async () => {
    const r = await oidc(["login", "--callback-timeout", "1000000000000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--callback-timeout must be at most 2147483/);
  });

  it("--redirect-uri with port 0 is a usage error (the provider must be told the exact URI)", async () => {
    const hp = await startHostile();
    try {
      const r = await session()(["--issuer", hp.url, "--client-id", "c-0123", "login", "--redirect-uri", "http://127.0.0.1:0/cb"], {
        browser: browserStub(undefined, "stub"),
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--redirect-uri needs a port of its own, not 0/);
    } finally {
      await hp.stop();
    }
  });
});
