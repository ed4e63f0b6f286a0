// The fused vocabulary loss (the addon's tiles of logits with an online log-sum-exp) against the reference
// path beside it (logits by linearForward, crossEntropy, the GEMMs of the backward), on a vocabulary of
// several slices with a partial last slice and a partial last block of rows, and its bits for any thread
// count.
import { describe, expect, it } from "vitest";
import { NumericsValueError } from "../errors.js";
import { GEMM_BACKENDS, gemmBackend } from "../gemm.js";
import { drawU32 } from "../rng.js";
import { Tensor } from "../tensor.js";
import { bitwiseEqual, relMaxError } from "../testing.js";
import { VOCAB_LOSS } from "./heads.js";
import { initLayerParams } from "./init.js";
import { LAYER_KERNELS } from "./registry.js";
import type { Batch, LayerSpec, StepContext } from "./spec.js";

// H = 64 cuts the vocabulary into slices of 2048: 5000 = 2 slices + 904 columns; 150 rows = 2 blocks of 64 + 22.
const H = 64,
  V = 5000,
  B = 3,
  T = 50,
  R = B * T;
const CTX: StepContext = { training: true, seed: 1, step: 0, layerIndex: 0 };
const openblas = GEMM_BACKENDS.get("openblas");

function batch(masked: boolean): Batch {
  const labels = Int32Array.from({ length: R }, (_, i) => drawU32(3, i) % V);
  const lossMask = masked ? Float32Array.from({ length: R }, (_, i) => (i % 7 === 3 ? 0 : 1)) : undefined;
  const tokens = lossMask ? lossMask.reduce((a, b) => a + b, 0) : R;
  return {
    size: B,
    seqLen: T,
    sampleOffset: 0,
    globalBatchSize: B,
    globalLossTokens: tokens,
    labels,
    lossMask,
  };
}

function input(): Tensor {
  return Tensor.randn([B, T, H], 1.5, 5, "x");
}

interface Result {
  loss: number;
  dx: Float32Array;
  grads: Map<string, Float32Array>;
}

function run(spec: LayerSpec, fused: boolean, b: Batch, lossScale: number): Result {
  const params = initLayerParams(spec, { std: 0.3, outputStd: 0.3 }, 11, "head");
  const bias = params.get(spec.kind === "lm_head" ? "bias" : "decoder.bias");
  if (bias) bias.data.forEach((_, i) => (bias.data[i] = ((drawU32(9, i) % 1000) - 500) / 1000));
  const k = LAYER_KERNELS[spec.kind];
  const prev = VOCAB_LOSS.fused;
  VOCAB_LOSS.fused = fused;
  try {
    const f = k.forward(spec as never, params, input(), b, CTX);
    const g = k.backward(spec as never, params, f.saved, null, b, CTX, lossScale);
    const grads = new Map([...g.grads].map(([n, t]) => [n, Float32Array.from(t.data)]));
    return { loss: f.loss ?? NaN, dx: Float32Array.from(g.dx!.data), grads };
  } finally {
    VOCAB_LOSS.fused = prev;
  }
}

const LM: LayerSpec = {
  kind: "lm_head",
  hidden: H,
  vocabSize: V,
  bias: true,
  tied: false,
  lossScaling: "num_tokens",
  lossWeight: 0.5,
};
const MLM: LayerSpec = {
  kind: "mlm_head",
  hidden: H,
  vocabSize: V,
  activation: "gelu",
  norm: "layernorm",
  normEps: 1e-5,
  tied: false,
  lossScaling: "batch_size",
  lossWeight: 1,
};

describe.runIf(openblas)("fused vocabulary loss", () => {
  it("the OpenBLAS backend carries it", () => {
    expect(typeof openblas?.kernels?.vocabLossForward).toBe("function");
    expect(typeof openblas?.kernels?.vocabLossBackward).toBe("function");
  });

  const cases: [string, LayerSpec, boolean][] = [
    ["lm_head with a bias and a loss mask", LM, true],
    ["lm_head without bias or mask", { ...LM, bias: false }, false],
    ["mlm_head (the masked rows only)", MLM, true],
  ];
  for (const [name, spec, masked] of cases) {
    it(`${name}: the same loss and gradients as the reference path`, () => {
      const b = batch(masked);
      const ref = run(spec, false, b, 4);
      const fused = run(spec, true, b, 4);
      // only the order of float32 sums differs (the log-sum-exp is combined over slices in float64)
      expect(Math.abs(fused.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-6);
      expect(relMaxError(fused.dx, ref.dx), "dx").toBeLessThan(1e-5);
      expect([...fused.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
      for (const [n, g] of ref.grads) expect(relMaxError(fused.grads.get(n)!, g), n).toBeLessThan(1e-5);
    });
  }

  it("gives the same bits with 1 and 2 threads", () => {
    const be = gemmBackend();
    const prev = be.threads();
    const b = batch(true);
    try {
      be.setThreads(1);
      const one = run(LM, true, b, 1);
      be.setThreads(2);
      const two = run(LM, true, b, 1);
      expect(one.loss).toBe(two.loss);
      expect(bitwiseEqual(one.dx, two.dx)).toBe(true);
      for (const [n, g] of one.grads) expect(bitwiseEqual(g, two.grads.get(n)!), n).toBe(true);
    } finally {
      be.setThreads(prev);
    }
  });

  it("a label outside the vocabulary is a NumericsValueError naming it and its position", () => {
    const b = batch(false);
    const labels = Int32Array.from(b.labels!);
    labels[17] = V;
    expect(() => run(LM, true, { ...b, labels }, 1)).toThrow(NumericsValueError);
    expect(() => run(LM, true, { ...b, labels }, 1)).toThrow(/label 5000 at position 17 is outside the 5000/);
  });
});
