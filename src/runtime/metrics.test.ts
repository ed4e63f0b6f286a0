// Evaluation metrics against hand-derived values: top-1 hits (torch.argmax's first-maximum rule, masked rows
// skipped), accuracy summed over batches before dividing, perplexity from the heads' loss shares.
import { describe, expect, it } from "vitest";
import { buildMlp } from "../model/index.js";
import { countCorrect } from "../numerics/ops/cross-entropy.js";
import { EvalMetrics } from "./metrics.js";

describe("countCorrect", () => {
  it("counts rows whose first arg max is the label, skipping rows with mask 0", () => {
    // rows: [0.1, 2, 2] -> arg max 1 (first of the tie); [5, -1, 0] -> 0; [0, 0, 9] -> 2; [3, 1, 1] masked out
    const logits = Float32Array.from([0.1, 2, 2, 5, -1, 0, 0, 0, 9, 3, 1, 1]);
    const labels = Int32Array.from([2, 0, 2, 0]);
    expect(countCorrect(logits, 4, 3, labels, Float32Array.from([1, 1, 1, 0]))).toEqual({
      correct: 2,
      counted: 3,
    });
    expect(countCorrect(logits, 4, 3, labels, null)).toEqual({ correct: 3, counted: 4 });
  });
});

describe("EvalMetrics", () => {
  const mlp = buildMlp({
    inFeatures: 4,
    hiddenSizes: [8],
    classes: 3,
    activation: "relu",
    bias: true,
    dropout: 0,
    initializerRange: 0.02,
    computeDtype: "fp32",
  });
  it("eval/accuracy of a classifier is the hits of all batches over the rows of all batches", () => {
    const m = new EvalMetrics(mlp);
    const d = { globalBatchSize: 8, globalLossTokens: 8 };
    m.add(d, 1.5, new Map([["classifier", 1.5]]), new Map([["classifier", { correct: 3, counted: 8 }]]));
    m.add(d, 0.5, new Map([["classifier", 0.5]]), new Map([["classifier", { correct: 1, counted: 4 }]]));
    // (3 + 1) / (8 + 4), not the mean of 3/8 and 1/4
    expect(m.results()).toEqual({ "eval/accuracy": 4 / 12 });
    expect(m.avgLoss).toBe(1);
  });
});
