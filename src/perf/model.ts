// The performance model as the compiler's time model: mode selection and the micro-batch search ask it
// which plan is faster.
import type { IdentifiedTimeModel } from "../compiler/index.js";
import { canonicalJson } from "../compiler/index.js";
import { estimatePlan } from "./estimate.js";
import { CALIBRATED } from "./params.js";
import type { PerfParams } from "./params.js";

/** A time model over the given parameters; its id (part of the compile hash) names them. */
export function perfTimeModel(p: PerfParams = CALIBRATED): IdentifiedTimeModel {
  return {
    id: `perf-v1:${canonicalJson(p)}`,
    stepSeconds: (layers, plan, input) => estimatePlan(layers, plan, input, p).deviceSecondsPerStep,
  };
}
