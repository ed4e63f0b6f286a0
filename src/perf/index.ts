// perf: the wafer's time from mechanism. Per-kernel cycles (compiler/kernels.ts) at the clock, host I/O for
// weight streaming, the SwarmX tree and MemoryX update at the step boundary, data-parallel scaling, pipeline
// fill and drain, and three efficiency parameters calibrated once against published CS-2 runs. Every estimate
// carries a per-layer breakdown naming what bounds each layer.
export { calibrate, predictRow } from "./calibrate.js";
export type { RowPrediction } from "./calibrate.js";
export { bertLargeMsl128, CALIBRATION_ROWS, gpt3175b, gptj6b, llama7b } from "./calibration.js";
export type { CalibrationRow } from "./calibration.js";
export { estimatePlan, estimateStep } from "./estimate.js";
export type { Bound, EstimateContext, LayerTime, StepEstimate } from "./estimate.js";
export { perfTimeModel } from "./model.js";
export { CALIBRATED, CALIBRATED_KEYS } from "./params.js";
export type { PerfParams } from "./params.js";
