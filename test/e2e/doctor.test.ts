// `oidc doctor` against real providers (better-auth 1.6 with its deviations, panva oidc-provider
// clean) and the conformance OP for fail cases. Exit 0 unless a check fails, then 4.
import { describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { startOidcProvider } from "../helpers/oidc-provider.js";
import { startBetterAuth16, useProvider } from "../helpers/providers.js";
import { startConformanceOp } from "../providers/conformance-op.js";

interface Line {
  check: string;
  status: "pass" | "warn" | "fail";
  detail: string;
}

async function doctorJson(args: string[]): Promise<{ code: number | null; lines: Line[]; stderr: string; byCheck: Map<string, Line> }> {
  const r = await cli()(["doctor", ...args, "--json"], { timeoutMs: 30_000 });
  let lines: Line[];
  try {
    lines = JSON.parse(r.stdout);
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, lines, stderr: r.stderr, byCheck: new Map(lines.map((l) => [l.check, l])) };
}

describe("oidc doctor: better-auth 1.6 (HS256, no jwt plugin)", () => {
  const provider = useProvider(() => startBetterAuth16());

  it("reports the deviations oidc accepts as warn lines, fails nothing, and exits 0", async () => {
    const ba = provider();
    const r = await doctorJson(["--issuer", ba.origin]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.lines.filter((l) => l.status === "fail")).toEqual([]);
    const status = (c: string) => r.byCheck.get(c)?.status;
    // issuer (bare origin) vs document location (/api/auth)
    expect(status("issuer")).toBe("warn");
    expect(r.byCheck.get("issuer")?.detail).toContain(`${ba.origin}/api/auth/.well-known/openid-configuration`);
    expect(r.byCheck.get("issuer")?.detail).toContain("oidc accepts it");
    // no RFC 9207 iss on authorization responses
    expect(status("authorization_response.iss")).toBe("warn");
    // HS256 ID tokens without iss, inferred from the algs + the dialect
    expect(status("id_token.iss")).toBe("warn");
    expect(status("id_token.signing")).toBe("warn");
    // jwks_uri advertised but 404
    expect(status("jwks")).toBe("warn");
    expect(r.byCheck.get("jwks")?.detail).toMatch(/answers 404.*jwt plugin/);
    expect(status("pkce")).toBe("pass");
    expect(status("grant_types.refresh_token")).toBe("pass");
    expect(status("grant_types.client_credentials")).toBe("warn");
    expect(status("registration")).toBe("warn");
    expect(r.byCheck.get("registration")?.detail).toContain("200 instead of 201");
    expect(r.stderr).toMatch(/\d+ pass, \d+ warn, 0 fail/);
  });

  it("human output: one `status  check: detail` line per check on stdout, summary on stderr", async () => {
    const ba = provider();
    const r = await cli()(["doctor", ba.discovery], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(8);
    for (const l of lines) expect(l).toMatch(/^(pass|warn|fail)\s+\S+: /);
    expect(r.stdout).toMatch(/^warn {2}jwks: /m);
    expect(r.stderr).toMatch(/\d+ pass, \d+ warn, \d+ fail \(better-auth 1\.6 oidcProvider\)/);
  });
});

describe("oidc doctor: better-auth 1.6 with the jwt plugin", () => {
  const provider = useProvider(() => startBetterAuth16({ jwt: true }));

  it("the JWKS serves an EdDSA key: jwks passes, no id_token.iss line, RS256 advertised without a key warns; the issuer warns (accepted)", async () => {
    const ba = provider();
    const r = await doctorJson(["--issuer", ba.origin]);
    expect(r.code).toBe(0);
    expect(r.lines.filter((l) => l.status === "fail")).toEqual([]);
    expect(r.byCheck.get("issuer")?.status).toBe("warn");
    expect(r.byCheck.get("jwks")?.status).toBe("pass");
    expect(r.byCheck.has("id_token.iss")).toBe(false);
    expect(r.byCheck.get("id_token.signing")).toMatchObject({ status: "warn", detail: expect.stringContaining("no JWKS key for: RS256") });
  });
});

describe("oidc doctor: panva oidc-provider", () => {
  const provider = useProvider(() => startOidcProvider());

  it("is clean: no fail, and the only warning is plain http on loopback; exit 0", async () => {
    const op = provider();
    const r = await doctorJson(["--issuer", op.issuer]);
    expect(r.code, JSON.stringify(r.lines, null, 2)).toBe(0);
    expect(r.lines.filter((l) => l.status === "fail")).toEqual([]);
    expect(r.lines.filter((l) => l.status === "warn").map((l) => l.check)).toEqual(["https"]);
    for (const c of [
      "issuer",
      "pkce",
      "authorization_response.iss",
      "jwks",
      "grant_types.refresh_token",
      "grant_types.client_credentials",
      "grant_types.device_code",
      "registration",
    ])
      expect(r.byCheck.get(c)?.status, c).toBe("pass");
    expect(r.byCheck.get("jwks")?.detail).toContain(`kid=${op.kid}`);
  });
});

describe("oidc doctor: conformance OP fail cases", () => {
  const provider = useProvider(() => startConformanceOp());

  it("a document naming another issuer than its location: issuer fails, exit 4", async () => {
    const op = provider();
    op.setCase("discovery-issuer-mismatch");
    const r = await doctorJson(["--issuer", op.issuer]);
    expect(r.code).toBe(4);
    expect(r.byCheck.get("issuer")?.status).toBe("fail");
    expect(r.byCheck.get("issuer")?.detail).toContain("oidc refuses it");
  });

  it("jwks_uri answering 404: jwks fails, exit 4", async () => {
    const op = provider();
    op.setCase("jwks-404");
    const r = await doctorJson(["--issuer", op.issuer]);
    expect(r.code).toBe(4);
    expect(r.byCheck.get("jwks")).toMatchObject({ status: "fail" });
    expect(r.byCheck.get("jwks")?.detail).toContain("answers 404");
  });

  it("several RSA keys, each with a kid, all import: jwks passes and lists them", async () => {
    const op = provider();
    op.setCase("default");
    const r = await doctorJson(["--issuer", op.issuer]);
    expect(r.byCheck.get("jwks")?.status).toBe("pass");
    const detail = r.byCheck.get("jwks")?.detail ?? "";
    expect(detail).toContain("4 usable key(s)");
    for (const k of ["RS256 kid=rs1", "RS256 kid=rs2", "ES256 kid=es1", "EdDSA kid=ed1"]) expect(detail).toContain(k);
  });

  it("no provider anywhere: exit 2 naming where to give it", async () => {
    const r = await cli()(["doctor"], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--issuer");
  });
});
