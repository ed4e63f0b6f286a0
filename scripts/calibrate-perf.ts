// Re-derive the calibrated parameters of the performance model from the measured rows
// (facts/measured-throughput.md) and print them with every row's prediction. Usage:
//   npx tsx scripts/calibrate-perf.ts
// Paste the printed values into CALIBRATED in src/perf/params.ts; a test checks that they match this fit.
import { calibrate } from "../src/perf/calibrate.js";
import { CALIBRATED_KEYS } from "../src/perf/params.js";

const t0 = performance.now();
const { params, rows, iterations } = calibrate();
console.log(
  `fit converged in ${iterations} iteration(s), ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
console.log("calibrated parameters:");
for (const k of CALIBRATED_KEYS) console.log(`  ${k}: ${Number(params[k].toPrecision(4))},`);
console.log("\nrows:");
for (const r of rows) {
  const plan = r.artifact.plan;
  const how =
    plan.mode === "weight_streaming"
      ? `micro-batch ${plan.microBatch} x ${plan.microBatches}${plan.recompute ? ", recompute" : ""}`
      : `${plan.stages.length} stages`;
  console.log(
    `  ${r.id} ${r.what}\n     measured ${r.measured} samples/s, model ${r.predicted.toFixed(1)} ` +
      `(${(100 * r.error).toFixed(2)}%), ${plan.mode}, ${how}, ${(100 * r.estimate.peakFraction).toFixed(1)}% of fp16 peak`,
  );
}
console.log(JSON.stringify(Object.fromEntries(CALIBRATED_KEYS.map((k) => [k, params[k]]))));
