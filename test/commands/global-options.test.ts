// The global options and the everyday behaviours around them, in-process: a global flag after the
// command is parsed by the command (so a flag value is never a global flag), --quiet, --no-color on
// usage errors, no stack with --verbose, `oidc version`, `oidc help <cmd>`, `exec` without `--`,
// and the note when an exported OIDC_ISSUER is set aside.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { oidc, session } from "../helpers/deps.js";
import { DISCOVERY_PATH, goodDiscovery, type HostileProvider, json, startHostile } from "../providers/hostile.js";
import { expectFailure, expectOk, expectUsageError, storeOf } from "./support.js";

let hp: HostileProvider;
let other: HostileProvider;
beforeAll(async () => {
  [hp, other] = await Promise.all([startHostile(), startHostile()]);
});
afterEach(() => {
  hp.reset();
  other.reset();
});
afterAll(() => Promise.all([hp.stop(), other.stop()]));

const REGISTERED = {
  client_id: "c-0123",
  client_secret: "s3cret-abcdefghijkl",
  client_name: "app",
  redirect_uris: ["http://127.0.0.1:8765/callback"],
};
const far = () => Math.floor(Date.now() / 1000) + 3600;

function seedLoggedIn(configDir: string, name: string, issuer: string, token: string) {
  storeOf(configDir).writeProfile({
    name,
    issuer,
    source: issuer,
    discovery_url: `${issuer}${DISCOVERY_PATH}`,
    dialect: "standard",
    metadata: goodDiscovery(issuer) as never,
    client: { client_id: "c-0123" },
    tokens: { access_token: token, token_type: "Bearer", expires_at: far(), obtained_at: 1 },
  });
}

describe("global options after the command", () => {
  it("-p after the command picks the profile, and wins over one given before it", async () => {
    const run = session();
    seedLoggedIn(run.configDir, "a", hp.url, "at-of-a-0123456");
    seedLoggedIn(run.configDir, "b", hp.url, "at-of-b-0123456");
    expect((await run(["token", "-p", "a"])).stdout).toBe("at-of-a-0123456\n");
    expect((await run(["-p", "a", "token", "-p", "b"])).stdout).toBe("at-of-b-0123456\n");
  });

  it("a command's flag value that looks like global short flags (-vpX) is that value, not -v -p X", async () => {
    const run = session();
    const r = await run([
      "--issuer",
      hp.url,
      "--client-id",
      "c-0123",
      "token",
      "--code",
      "-vpX-code",
      "--code-verifier",
      "-V",
      "--redirect-uri",
      "http://127.0.0.1:8765/callback",
    ]);
    // The exchange was made with those values, and nothing was read as -v, -p or -V.
    expect(r.stdout).not.toMatch(/^\d+\.\d+\.\d+$/m);
    expect(r.stderr).not.toContain("profile X");
    const body = hp.requests.find((q) => q.path === "/token")?.body ?? "";
    expect(new URLSearchParams(body).get("code")).toBe("-vpX-code");
    expect(new URLSearchParams(body).get("code_verifier")).toBe("-V");
  });
});

describe("output switches", () => {
  it("--quiet (and OIDC_QUIET=1) silence a named deviation's warning; the deviation is still accepted", async () => {
    for (const quiet of [["--quiet"], []]) {
      hp.on("/register", json(201, REGISTERED));
      const env = quiet.length ? {} : { OIDC_QUIET: "1" };
      const r = await session({ env })(["--issuer", hp.url, ...quiet, "register", "--name", "app"]);
      expectOk(r);
      expect(r.stderr).not.toMatch(/^warning:/m);
    }
    hp.on("/register", json(201, REGISTERED));
    const loud = await session()(["--issuer", hp.url, "register", "--name", "app"]);
    expect(loud.stderr).toMatch(/^warning: .*issued a client secret/m);
  });

  it("a usage error from the parser has no colour with --no-color, even on a TTY", async () => {
    const r = await oidc(["--no-color", "token", "--bogus"], { tty: true, env: { CI: undefined, NO_COLOR: undefined } });
    expect(r.code).toBe(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that there is none
    expect(r.stderr).not.toMatch(/\x1b\[/);
  });

  it("an explained failure is one line and a hint, also with --verbose (no stack)", async () => {
    const r = await session()(["-v", "token"]);
    expectFailure(r, 5, /^oidc: profile default has no tokens$/);
  });
});

describe("version, help, exec", () => {
  it("`oidc version` prints the version on stdout", async () => {
    const r = await oidc(["version"]);
    expectOk(r);
    expect(r.stdout).toMatch(/^oidc version \d+\.\d+\.\d+\n$/);
  });

  it("`oidc help token` prints the token command's help, listing the global options too", async () => {
    const r = await oidc(["help", "token"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: oidc token");
    expect(r.stdout).toContain("Global Options:");
    expect(r.stdout).toContain("--profile <name>");
  });

  it("`oidc help unknown` is a usage error", async () => {
    const r = await oidc(["help", "nosuchcommand"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });

  it("`oidc exec cmd -x` passes -x to the command without needing --", async () => {
    const run = session();
    seedLoggedIn(run.configDir, "default", hp.url, "at-exec-0123456");
    const calls: string[][] = [];
    const r = await run(["exec", "curl", "-sS", "-H", "x"], {
      runChild: async (file, args) => {
        calls.push([file, ...args]);
        return { code: 0 };
      },
    });
    expectOk(r);
    expect(calls).toEqual([["curl", "-sS", "-H", "x"]]);
  });
});

describe("an exported OIDC_ISSUER", () => {
  it("is set aside for a profile bound to another provider, and says so once on stderr", async () => {
    const run = session();
    seedLoggedIn(run.configDir, "work", other.url, "at-work-0123456");
    other.on("/userinfo", json(200, { sub: "u1", email: "u1@example.test" }));
    const r = await run(["-p", "work", "userinfo", "--claim", "email"], { env: { OIDC_ISSUER: hp.url } });
    expectOk(r);
    expect(r.stdout).toBe("u1@example.test\n");
    const notes = r.stderr.split("\n").filter((l) => l.includes("OIDC_ISSUER"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/OIDC_ISSUER .* is ignored: profile work is bound to /);
    expect(hp.requests).toEqual([]);
  });
});

describe("usage errors name the subcommand's help", () => {
  it("an unknown flag after the command points at that command's help", async () => {
    expectUsageError(await oidc(["userinfo", "--nope"]), /unknown option '--nope'/, "userinfo");
  });
});

describe("device login output", () => {
  it("shows the verification link with its code= as it is (the user code is no secret), and logs in", async () => {
    const run = session({ clock: undefined });
    hp.on(DISCOVERY_PATH, json(200, { ...goodDiscovery(hp.url), device_authorization_endpoint: `${hp.url}/device` }));
    hp.on(
      "/device",
      json(200, {
        device_code: "dc-secret-0123456789",
        user_code: "WDJB-MJHT",
        verification_uri: `${hp.url}/activate`,
        verification_uri_complete: `${hp.url}/activate?code=WDJB-MJHT`,
        interval: 1,
        expires_in: 60,
      }),
    );
    const r = await run(["--issuer", hp.url, "--client-id", "c-0123", "login", "--device", "--no-browser", "--scope", "profile"]);
    expectOk(r);
    expect(r.stderr).toContain(`or open ${hp.url}/activate?code=WDJB-MJHT`);
    expect(r.stderr).toContain("enter the code WDJB-MJHT");
    expect(r.stderr).not.toContain("dc-secret-0123456789");
  });
});

describe("one-step login and exported credentials", () => {
  it("an exported OIDC_INITIAL_ACCESS_TOKEN or OIDC_SESSION_TOKEN is not sent to a provider OIDC_ISSUER does not name", async () => {
    hp.on("/register", json(401, { error: "invalid_token" }));
    const r = await session()(["login", "--issuer", hp.url, "--no-browser", "--callback-timeout", "1"], {
      env: { OIDC_INITIAL_ACCESS_TOKEN: "corp-iat-secret-0123456789", OIDC_SESSION_TOKEN: "alice-session-0123456789" },
    });
    expect(r.code).toBe(4);
    const reg = hp.requests.filter((q) => q.path === "/register");
    expect(reg).toHaveLength(1);
    expect(reg[0]?.headers.authorization).toBeUndefined();
    expect(r.stderr).toMatch(/OIDC_INITIAL_ACCESS_TOKEN is not sent to register a client at .*pass --initial-access-token/);
  });

  it("the same exported token is used when OIDC_ISSUER names the provider, and a flag always is", async () => {
    hp.on("/register", json(401, { error: "invalid_token" }));
    await session()(["login", "--no-browser", "--callback-timeout", "1"], {
      env: { OIDC_ISSUER: hp.url, OIDC_INITIAL_ACCESS_TOKEN: "corp-iat-secret-0123456789" },
    });
    await session()([
      "login",
      "--issuer",
      hp.url,
      "--initial-access-token",
      "flag-iat-0123456789",
      "--no-browser",
      "--callback-timeout",
      "1",
    ]);
    const auth = hp.requests.filter((q) => q.path === "/register").map((q) => q.headers.authorization);
    expect(auth).toEqual(["Bearer corp-iat-secret-0123456789", "Bearer flag-iat-0123456789"]);
  });
});

describe("one-step device login", () => {
  it("login --device on a profile without a client registers one asking for the device grant too, then logs in", async () => {
    hp.on(DISCOVERY_PATH, json(200, { ...goodDiscovery(hp.url), device_authorization_endpoint: `${hp.url}/device` }));
    hp.on(
      "/register",
      json(201, { client_id: "dev-0123", client_name: "oidc-cli default", redirect_uris: ["http://127.0.0.1:8765/callback"] }),
    );
    hp.on(
      "/device",
      json(200, {
        device_code: "dc-0123456789ab",
        user_code: "ABCD-EFGH",
        verification_uri: `${hp.url}/activate`,
        interval: 1,
        expires_in: 60,
      }),
    );
    const run = session();
    const r = await run(["--issuer", hp.url, "login", "--device", "--no-browser", "--scope", "profile"]);
    expectOk(r);
    expect(r.stderr).toMatch(/^No client in profile default: registered client dev-0123 at /m);
    const reg = JSON.parse(hp.requests.find((q) => q.path === "/register")?.body ?? "{}");
    expect(reg.grant_types).toEqual(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"]);
    expect(storeOf(run.configDir).readProfile("default")?.tokens?.access_token).toBe("at-good-0123456789");
  });
});
