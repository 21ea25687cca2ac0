/** The full CLI, loaded by src/main.ts when the fast path cannot answer. */
export { systemDeps } from "./deps.js";
export { runCli } from "./run.js";
