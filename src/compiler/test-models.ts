// Small models and a plain time model for compiler tests: a compile that needs no performance model.
import { CS2, makeCluster } from "../hw/index.js";
import { buildDecoderLM, buildMlp, DECODER_DEFAULTS } from "../model/index.js";
import type { ModelIR } from "../model/index.js";
import { layerCycles } from "./kernels.js";
import type { IdentifiedTimeModel } from "./passes.js";
import type { CompileInput, RunSettings } from "./types.js";

/** Step time as the sum of kernel cycles at the clock (no I/O, no overheads): enough to rank plans in tests. */
export const CYCLES_TIME_MODEL: IdentifiedTimeModel = {
  id: "kernel-cycles",
  stepSeconds(layers, plan, input) {
    const w = input.cluster.system.wafer;
    const passes = { forward: 1, backward: input.run.mode === "train" ? 1 : 0 };
    if (plan.mode === "pipeline") {
      const slowest = Math.max(...plan.stages.map((s) => s.cyclesPerSample));
      return ((plan.perSystemBatch + 2 * (plan.stages.length - 1)) * slowest) / w.clockHz;
    }
    let c = 0;
    for (const l of layers)
      c += layerCycles(w, input.model.computeDtype, l.kernels, plan.pes, plan.microBatch, "activations", {
        forward: passes.forward + (plan.recompute ? passes.backward : 0),
        backward: passes.backward,
      }).cycles;
    return (plan.microBatches * c) / w.clockHz;
  },
};

/** A GPT-2-style model small enough for quick compiles. */
export function smallGpt(
  o: { hidden?: number; layers?: number; seqLen?: number; vocab?: number } = {},
): ModelIR {
  const h = o.hidden ?? 256;
  return buildDecoderLM({
    ...DECODER_DEFAULTS.gpt2,
    vocabSize: o.vocab ?? 1000,
    hidden: h,
    layers: o.layers ?? 4,
    heads: 4,
    ffn: 4 * h,
    maxPositions: Math.max(o.seqLen ?? 128, 128),
    seqLen: o.seqLen ?? 128,
  });
}

export function smallMlp(): ModelIR {
  return buildMlp({
    inFeatures: 784,
    hiddenSizes: [256, 128],
    classes: 10,
    activation: "relu",
    bias: true,
    dropout: 0,
    initializerRange: 0.02,
    computeDtype: "fp16",
  });
}

export function inputFor(model: ModelIR, run: Partial<RunSettings> = {}, systems = 1): CompileInput {
  return {
    model,
    run: { mode: "train", globalBatch: 64, optimizer: "AdamW", ...run },
    cluster: makeCluster(CS2, systems),
  };
}
