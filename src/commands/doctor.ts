/**
 * `oidc doctor [url]`: a conformance lint of a provider (src/oidc/doctor.ts). One line per check on
 * stdout (`pass|warn|fail  <check>: <detail>`), or with --json `[{check, status, detail}]`; a
 * summary on stderr. Read-only: the profile is not changed. Exit 4 when any check fails, else 0.
 */
import { type GlobalOptions, issuerInput, loadProfile } from "../context.js";
import { ExitCode, OidcError, usageError } from "../errors.js";
import { info, out, outJson, settings, style } from "../io.js";
import { dialectById } from "../oidc/dialects.js";
import { type DoctorStatus, gatherEvidence, lintProvider } from "../oidc/doctor.js";

const paint: Record<DoctorStatus, (t: string) => string> = { pass: style.green, warn: style.yellow, fail: style.red };

export async function run([url]: unknown[], g: GlobalOptions): Promise<void> {
  let input = (url as string | undefined) ?? issuerInput(g);
  if (!input) {
    const p = loadProfile(g);
    input = p.source ?? p.issuer;
  }
  if (!input) throw usageError("no provider given", "pass a URL, --issuer <url>, or set OIDC_ISSUER");
  const dialect = dialectById(g.dialect ?? process.env.OIDC_DIALECT);
  const evidence = await gatherEvidence(input, { allowInsecureHttp: !!g.allowInsecureHttp, dialect });
  const checks = lintProvider(evidence);
  if (settings.json) outJson(checks);
  else for (const c of checks) out(`${paint[c.status](c.status.padEnd(4))}  ${c.check}: ${c.detail}`);
  const count = (s: DoctorStatus) => checks.filter((c) => c.status === s).length;
  const failed = checks.filter((c) => c.status === "fail").map((c) => c.check);
  info(`${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail (${evidence.dialect.label})`);
  if (failed.length)
    throw new OidcError(ExitCode.refused, `doctor: ${failed.length} check(s) failed: ${failed.join(", ")}`, {
      hint: "each failed line above says which rule the provider breaks",
    });
}
