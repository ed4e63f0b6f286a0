// Calibration: fit the calibrated parameters of the performance model to the measured rows, once. Each
// parameter is tied to the row that isolates its mechanism best, and the fit iterates to a fixed point:
//   kernelEfficiency        <- C3 (GPT-J 6B, weight streaming: large matrices, kernel-bound)
//   layerSwitchSeconds      <- C1 (BERT-Large, weight streaming: small layers, where switches show)
//   pipelineStageEfficiency <- C2 (BERT-Large, pipelined)
// Three parameters for three rows is an exact fit: the rows do not test the model, they set it. What tests
// it is everything else it predicts from mechanism (docs/perf.md).
import { compile } from "../compiler/index.js";
import type { CompileArtifact, CompileInput } from "../compiler/index.js";
import { CALIBRATION_ROWS } from "./calibration.js";
import type { CalibrationRow } from "./calibration.js";
import { estimatePlan } from "./estimate.js";
import type { StepEstimate } from "./estimate.js";
import { perfTimeModel } from "./model.js";
import { CALIBRATED } from "./params.js";
import type { PerfParams } from "./params.js";

export interface RowPrediction {
  readonly id: string;
  readonly what: string;
  readonly measured: number;
  readonly predicted: number;
  /** predicted / measured - 1 */
  readonly error: number;
  readonly estimate: StepEstimate;
  readonly artifact: CompileArtifact;
}

/** Compile a row with the given parameters and estimate its samples/s. */
export function predictRow(r: CalibrationRow, p: PerfParams, input: CompileInput = r.input()): RowPrediction {
  const a = compile(input, { time: perfTimeModel(p) }).artifact as CompileArtifact;
  const e = estimatePlan(a.layers, a.plan, input, p);
  return {
    id: r.id,
    what: r.what,
    measured: r.measuredSamplesPerSec,
    predicted: e.samplesPerSec,
    error: e.samplesPerSec / r.measuredSamplesPerSec - 1,
    estimate: e,
    artifact: a,
  };
}

/** Fit the calibrated parameters, starting from `start`; returns them and the rows as they then predict. */
export function calibrate(
  start: PerfParams = CALIBRATED,
  tolerance = 1e-5,
  maxIterations = 50,
): { params: PerfParams; rows: RowPrediction[]; iterations: number } {
  const rows = Object.fromEntries(CALIBRATION_ROWS.map((r) => [r.id, r]));
  const inputs = Object.fromEntries(CALIBRATION_ROWS.map((r) => [r.id, r.input()]));
  let p = { ...start };
  const predict = (id: string) => predictRow(rows[id], p, inputs[id]);
  for (let it = 1; it <= maxIterations; it++) {
    // the kernel efficiency scales GPT-J's kernel time, which is nearly all of its step
    const c3 = predict("C3");
    p = { ...p, kernelEfficiency: p.kernelEfficiency * (c3.measured / c3.predicted) };
    // the layer switch adds linearly to BERT's weight-streaming step: solve for it exactly
    const c1 = predict("C1");
    const wsPlan = c1.artifact.plan;
    const switches =
      wsPlan.mode === "weight_streaming" ? 2 * c1.artifact.layers.length * wsPlan.microBatches : 1;
    const target = c1.estimate.globalBatch / c1.measured;
    p = {
      ...p,
      layerSwitchSeconds: Math.max(
        0,
        p.layerSwitchSeconds + (target - c1.estimate.deviceSecondsPerStep) / switches,
      ),
    };
    // the stage efficiency scales the pipelined step
    const c2 = predict("C2");
    p = { ...p, pipelineStageEfficiency: p.pipelineStageEfficiency * (c2.measured / c2.predicted) };
    const all = CALIBRATION_ROWS.map((r) => predict(r.id));
    if (all.every((r) => Math.abs(r.error) < tolerance)) return { params: p, rows: all, iterations: it };
  }
  return { params: p, rows: CALIBRATION_ROWS.map((r) => predict(r.id)), iterations: maxIterations };
}
