// Evaluation metrics against hand-derived values: top-1 hits (torch.argmax's first-maximum rule, masked rows
// skipped), accuracy summed over batches before dividing, perplexity from the heads' loss shares.
import { describe, expect, it } from "vitest";
import { buildBert, buildMlp } from "../model/index.js";
import { countCorrect } from "../numerics/ops/cross-entropy.js";
import { EvalMetrics, f1Score } from "./metrics.js";

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

describe("F1 as Model Zoo's FBetaScoreMetric computes it (beta 1)", () => {
  // labels x predictions over 3 classes: [label * 3 + prediction]
  //            pred 0  1  2
  const conf = [5, 1, 0, /* label 0 */ 2, 3, 1, /* label 1 */ 0, 2, 4 /* label 2 */];
  it("micro: true positives, false positives and false negatives summed over the labels first", () => {
    // tp = 5 + 3 + 4 = 12, fp = fn = 6 (every miss is both): F1 = 24 / 36
    expect(f1Score(conf, 3, "micro")).toBeCloseTo(24 / 36, 12);
    // labels 1, 2: tp 3 + 4 = 7; fp (col 1: 1 + 2) + (col 2: 1) = 4; fn (row 1: 2 + 1) + (row 2: 2) = 5
    expect(f1Score(conf, 3, "micro", [0])).toBeCloseTo(14 / (14 + 4 + 5), 12);
  });
  it("macro: each label's F1 averaged, the ignored labels left out", () => {
    const f1 = (tp: number, fp: number, fn: number) => (2 * tp) / (2 * tp + fp + fn);
    // label 0: tp 5 fp 2 fn 1; label 1: tp 3 fp 3 fn 3; label 2: tp 4 fp 1 fn 2
    expect(f1Score(conf, 3, "macro")).toBeCloseTo((f1(5, 2, 1) + f1(3, 3, 3) + f1(4, 1, 2)) / 3, 12);
    expect(f1Score(conf, 3, "macro", [0, 2])).toBeCloseTo(f1(3, 3, 3), 12);
    // a label never predicted nor present scores 0
    expect(f1Score([1, 0, 0, 0], 2, "macro")).toBeCloseTo(0.5, 12);
  });
});

describe("the fine-tuning heads' metrics", () => {
  const bert = (task: "sequence" | "token", classes: number) =>
    buildBert({
      vocabSize: 16,
      hidden: 8,
      layers: 1,
      heads: 2,
      ffn: 16,
      maxPositions: 8,
      seqLen: 8,
      typeVocabSize: 2,
      normEps: 1e-12,
      activation: "gelu",
      dropout: 0,
      attentionDropout: 0,
      nsp: false,
      tiedEmbeddings: true,
      lossScaling: "batch_size",
      lossWeight: 1,
      initializerRange: 0.02,
      computeDtype: "fp32",
      task: { task, classes, bias: true, pooler: task === "sequence", dropout: 0, lossWeight: 1 },
    });
  const d = { globalBatchSize: 4, globalLossTokens: 4 };
  it("the classifier: eval/accuracy, eval/f1_score for 2 labels, MNLI's accuracy per set", () => {
    const m = new EvalMetrics(bert("sequence", 2));
    const hits = { correct: 3, counted: 4, confusion: [2, 1, 0, 1], groups: [1, 1, 2, 3] };
    m.add(d, 0.4, new Map([["task_head", 0.4]]), new Map([["task_head", hits]]));
    expect(m.results()).toEqual({
      "eval/accuracy": 0.75,
      "eval/f1_score": f1Score([2, 1, 0, 1], 2, "micro"),
      "eval/accuracy_mismatched": 1,
      "eval/accuracy_matched": 2 / 3,
    });
  });
  it("the token classifier: macro F1 over the labels the data source does not ignore", () => {
    const m = new EvalMetrics(bert("token", 3), [0]);
    const confusion = [4, 1, 0, 0, 2, 1, 1, 0, 3];
    m.add(
      d,
      0.4,
      new Map([["task_head", 0.4]]),
      new Map([["task_head", { correct: 9, counted: 12, confusion }]]),
    );
    expect(m.results()).toEqual({ "eval/f1_score": f1Score(confusion, 3, "macro", [0]) });
  });
});
