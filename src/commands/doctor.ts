/**
 * `oidc doctor [url]`: a conformance lint of a provider (src/oidc/doctor.ts). One line per check on
 * stdout (`pass|warn|fail  <check>: <detail>`), or with --json `[{check, status, detail}]`; a
 * summary on stderr. Read-only: the profile is not changed. Exit 4 when any check fails, else 0.
 */
import { escapeControls } from "../adapters/redact.js";
import type { Deps } from "../cli/deps.js";
import { ExitCode, OidcError, usageError } from "../errors.js";
import { dialectOverride, type GlobalOptions, issuerInput, loadProfile, providerIo } from "../flows/provider.js";
import { type DoctorStatus, gatherEvidence, lintProvider } from "../oidc/doctor.js";

export interface DoctorOptions extends GlobalOptions {
  url?: string;
}

export async function run(o: DoctorOptions, deps: Deps): Promise<void> {
  const { term } = deps;
  let input = o.url ?? issuerInput(o);
  if (!input) {
    const p = loadProfile(deps, o);
    input = p.source ?? p.issuer;
  }
  if (!input) throw usageError("no provider given", "pass a URL, --issuer <url>, or set OIDC_ISSUER");
  const dialect = dialectOverride(deps, o);
  const evidence = await gatherEvidence(await providerIo(deps, o), input, { allowInsecureHttp: o.allowInsecureHttp, dialect });
  const checks = lintProvider(evidence);
  const paint: Record<DoctorStatus, (t: string) => string> = { pass: term.style.green, warn: term.style.yellow, fail: term.style.red };
  if (o.json) term.outJson(checks);
  else for (const c of checks) term.out(`${paint[c.status](c.status.padEnd(4))}  ${escapeControls(`${c.check}: ${c.detail}`)}`);
  const count = (s: DoctorStatus) => checks.filter((c) => c.status === s).length;
  const failed = checks.filter((c) => c.status === "fail").map((c) => c.check);
  term.info(`${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail (${evidence.dialect.label})`);
  if (failed.length)
    throw new OidcError(ExitCode.refused, `doctor: ${failed.length} check(s) failed: ${failed.join(", ")}`, {
      hint: "each failed line above says which rule the provider breaks",
    });
}
