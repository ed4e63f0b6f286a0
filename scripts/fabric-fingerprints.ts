// Record the fingerprints of the fabric runs the golden test pins (src/kernels/fingerprint.ts). Usage:
//   npx tsx scripts/fabric-fingerprints.ts
// Run it only when the simulator's timing model changes on purpose (a different model, not a faster
// implementation of the same one): the test exists to show that a rewrite keeps every cycle and value.
import { writeFileSync } from "node:fs";
import { fingerprint, fingerprintCases } from "../src/kernels/fingerprint.js";

const out: Record<string, unknown> = {};
const t0 = performance.now();
for (const c of fingerprintCases()) {
  const f = fingerprint(c);
  if (!f.ok) throw new Error(`${c.name}: the run failed its check`);
  out[c.name] = f;
}
const path = new URL("../src/kernels/fixtures/fabric-fingerprints.json", import.meta.url);
writeFileSync(path, JSON.stringify(out, null, 1) + "\n");
console.log(
  `${Object.keys(out).length} fingerprints in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${path.pathname}`,
);
