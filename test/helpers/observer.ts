// An Observer (src/oidc/ports.ts) that records what the protocol core reported: the secrets it
// learned and the deviations it accepted, so a test can assert on both.
import type { DeviationId, Dialect } from "../../src/oidc/dialects/index.js";
import type { Observer } from "../../src/oidc/ports.js";

export interface RecordingObserver extends Observer {
  secrets: string[];
  deviations: { dialect: string; id: DeviationId; text: string }[];
}

export function recordingObserver(): RecordingObserver {
  const secrets: string[] = [];
  const deviations: RecordingObserver["deviations"] = [];
  return {
    secrets,
    deviations,
    secret: (v) => {
      if (typeof v === "string") secrets.push(v);
    },
    deviation: (dialect: Dialect, id, text) => {
      deviations.push({ dialect: dialect.id, id, text });
    },
  };
}
