#!/usr/bin/env node
// The layer rules of src/ (README "Architecture"), checked on every `npm run lint`:
//   - no import cycle, counting static and dynamic imports (type-only imports are erased);
//   - each layer imports only the layers below it: cli → commands → flows → oidc | adapters;
//     src/oidc/ imports nothing of ours but src/errors.ts (no terminal, store or process);
//     adapters may name protocol types; anything may name the Deps type (src/cli/deps.ts).
// Biome's noImportCycles covers static imports; this adds dynamic ones and the directions.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..", "src");
const files = [];
(function walk(dir) {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith(".ts")) files.push(p);
  }
})(root);

const rel = (p) => relative(root, p).replaceAll("\\", "/");
const layerOf = (f) => {
  if (f === "main.ts") return "main";
  if (f === "errors.ts") return "errors";
  return f.split("/")[0];
};
/** Which layers each may import (value imports); type-only imports of these too, plus what TYPE_OK adds. */
const ALLOWED = {
  main: ["adapters", "cli", "commands", "flows", "errors"],
  cli: ["cli", "commands", "flows", "oidc", "adapters", "completion", "errors"],
  commands: ["commands", "flows", "oidc", "adapters", "completion", "errors", "cli/flags.ts"],
  flows: ["flows", "oidc", "adapters", "errors"],
  oidc: ["oidc", "errors"],
  adapters: ["adapters", "errors"],
  completion: ["completion"],
  errors: [],
};
const TYPE_OK = { adapters: ["oidc"], commands: ["cli/deps.ts"], flows: ["cli/deps.ts"] };

const problems = [];
const graph = new Map();
const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
for (const file of files) {
  const from = rel(file);
  const text = readFileSync(file, "utf8");
  const edges = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    if (!spec?.startsWith(".")) continue;
    const target = rel(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
    const typeOnly = !!m[2];
    const fromLayer = layerOf(from);
    const toLayer = layerOf(target);
    const ok = (list = []) => list.some((l) => l === toLayer || l === target);
    if (!ok(ALLOWED[fromLayer]) && !(typeOnly && ok(TYPE_OK[fromLayer])))
      problems.push(`${from} imports ${target}${typeOnly ? " (type)" : ""}: ${fromLayer} may not depend on ${toLayer}`);
    if (!typeOnly) edges.push(target);
  }
  graph.set(from, edges);
}

const state = new Map();
const stack = [];
function visit(n) {
  state.set(n, "open");
  stack.push(n);
  for (const m of graph.get(n) ?? []) {
    if (state.get(m) === "open") problems.push(`import cycle: ${[...stack.slice(stack.indexOf(m)), m].join(" → ")}`);
    else if (!state.has(m)) visit(m);
  }
  stack.pop();
  state.set(n, "done");
}
for (const n of graph.keys()) if (!state.has(n)) visit(n);

if (problems.length) {
  for (const p of problems) console.error(`check-layers: ${p}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} files, no cycle, layers respected`);
