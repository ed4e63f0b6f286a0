// Memory accounting: the bytes of training state and activations each mode must hold in SRAM, per PE.
//
// Shapes: b = per-system batch, m = micro-batch, S = pipeline stages, i = stage index.
import type { WaferSpec } from "../hw/index.js";
import type { ComputeDtype } from "../model/index.js";
import { CompileError } from "./errors.js";
import { dtypeBytes } from "./kernels.js";
import type { MatchedLayer, MemoryPerPE, RunSettings } from "./types.js";

/**
 * The compiler's own parameters: choices a compiler makes, not hardware figures. Documented in
 * docs/compiler.md; none is calibrated.
 */
export const COMPILER_PARAMS = {
  /**
   * SRAM per PE the compiler keeps for code, stack, router input queues and I/O buffers. A CSL program's
   * code and runtime take a few KiB of a PE's 48 KiB; 8 KiB is the compiler's reserve.
   */
  reservedBytesPerPE: 8 * 1024,
  /** Gradients accumulate in fp32 (4 bytes) whatever the compute format: mixed-precision training. */
  gradientAccumulatorBytes: 4,
} as const;

/**
 * Bytes of training state per parameter in pipelined mode, where everything lives on the wafer: the weight
 * in the compute format, an fp32 master copy, the gradient in the compute format and the optimizer's
 * state in fp32 (Adam: two moments; SGD with momentum: one; plain SGD: none). For fp16 Adam: 2 + 4 + 2 + 8 =
 * 16 bytes, the upper end of the 14-16 bytes the facts give for mixed-precision Adam.
 */
export function trainingStateBytesPerParam(run: RunSettings, dtype: ComputeDtype): number {
  const b = dtypeBytes(dtype);
  const master = dtype === "fp32" ? 0 : 4;
  if (run.mode === "eval") return b;
  const o = run.optimizer.toLowerCase();
  let state: number;
  if (["adam", "adamw", "lamb", "adamax"].includes(o)) state = 8;
  else if (o === "sgd") state = (run.momentum ?? 0) > 0 ? 4 : 0;
  else if (["rmsprop", "adagrad", "adafactor"].includes(o)) state = 4;
  else
    throw new CompileError(
      "validate",
      `optimizer "${run.optimizer}" is not known to the compiler: use AdamW, Adam, Lamb, SGD, RMSprop or Adagrad`,
    );
  return b + master + b + state;
}

/** SRAM a PE can give to a plan: its SRAM less the compiler's reserve. */
export function usableBytesPerPE(w: WaferSpec): number {
  return w.sramBytesPerPE - COMPILER_PARAMS.reservedBytesPerPE;
}

/** Assemble a per-PE memory record from byte totals spread over `pes` PEs. */
export function perPE(
  w: WaferSpec,
  pes: number,
  totals: { weights: number; optimizerAndGradients: number; activations: number },
): MemoryPerPE {
  const weights = Math.ceil(totals.weights / pes);
  const optimizerAndGradients = Math.ceil(totals.optimizerAndGradients / pes);
  const activations = Math.ceil(totals.activations / pes);
  const reserved = COMPILER_PARAMS.reservedBytesPerPE;
  return {
    weights,
    optimizerAndGradients,
    activations,
    reserved,
    total: weights + optimizerAndGradients + activations + reserved,
    limit: w.sramBytesPerPE,
  };
}

/** Samples a pipelined stage keeps activations for: 2 (S - i) - 1 when training, 1 for eval. */
export function pipelineInFlight(stage: number, stages: number, mode: RunSettings["mode"]): number {
  return mode === "eval" ? 1 : 2 * (stages - stage) - 1;
}

/** Bytes one pipelined stage holds in all (its region's SRAM need), and how they split. */
export function pipelineStageBytes(
  layer: MatchedLayer,
  inFlight: number,
  run: RunSettings,
  dtype: ComputeDtype,
): { weights: number; optimizerAndGradients: number; activations: number } {
  const b = dtypeBytes(dtype);
  const state = trainingStateBytesPerParam(run, dtype);
  // a tied weight is held (and its gradient accumulated) by every region that uses it; its optimizer state
  // lives with the owner
  const tiedState = run.mode === "eval" ? b : 2 * b;
  const saved = run.mode === "eval" ? 0 : layer.savedElements;
  return {
    weights: (layer.params + layer.tiedParams) * b,
    optimizerAndGradients: layer.params * (state - b) + layer.tiedParams * (tiedState - b),
    // saved activations of the samples in flight, plus an input and an output buffer of one sample
    activations: (inFlight * saved + 2 * layer.outputElements) * b,
  };
}

/**
 * Bytes weight streaming holds on one system for micro-batch m: the weights of the layer being executed and
 * its fp32 gradient accumulator; and activations. Without recompute every layer's saved activations stay for
 * backward; with recompute only each layer's output (its boundary) stays, and the layer being run back
 * holds its saved activations for the micro-batch while it recomputes and differentiates.
 */
export function weightStreamingBytes(
  layers: readonly MatchedLayer[],
  m: number,
  recompute: boolean,
  run: RunSettings,
  dtype: ComputeDtype,
): { weights: number; optimizerAndGradients: number; activations: number; largest: string } {
  const b = dtypeBytes(dtype);
  const train = run.mode === "train";
  let weights = 0;
  let grads = 0;
  let largest = layers[0];
  let largestBytes = -1;
  let boundaries = 0;
  let savedAll = 0;
  let maxWorking = 0;
  let maxOutput = 0;
  for (const l of layers) {
    const p = l.params + l.tiedParams;
    const w = p * b;
    const g = train ? p * COMPILER_PARAMS.gradientAccumulatorBytes : 0;
    const working = train ? l.savedElements : 0;
    const own = w + g + m * working * b;
    if (own > largestBytes) {
      largestBytes = own;
      largest = l;
    }
    weights = Math.max(weights, w);
    grads = Math.max(grads, g);
    boundaries += l.outputElements;
    savedAll += working;
    maxWorking = Math.max(maxWorking, working);
    maxOutput = Math.max(maxOutput, l.outputElements);
  }
  const kept = !train ? 0 : recompute ? boundaries + maxWorking : savedAll;
  // plus the activation (or its gradient) flowing in and out of the layer being executed
  const activations = m * (kept + 2 * maxOutput) * b;
  return { weights, optimizerAndGradients: grads, activations, largest: largest.name };
}
