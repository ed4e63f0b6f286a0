// task_head: Model Zoo's BERT fine-tuning heads as one mechanism. The head picks rows of the encoder's output
// [B,T,H] (the first token, every token, or the sentence positions the batch gives), optionally runs BERT's
// pooler (dense + tanh) on them, applies dropout, and classifies them with Linear(H, C). The loss is the
// weighted cross-entropy summed over rows / global batch size * loss weight:
//   sequence (classifier)        CrossEntropyLoss() over [B, C]: a mean over samples (weights 1);
//   token (token_classifier)     sum(CE * loss_mask) / B * loss_weight;
//   sentence (summarization)     sum(CE * cls_weights) / B * loss_weight over the [B, M] positions;
//   span (qa)                    logits [B,T,2] permuted to [B,2,T]: CE over the T positions for the start and
//                                for the end, times label_weights, summed / B.
// The gradient of the logits is computed in the forward and consumed by the backward, as the other heads do.
import { activation } from "../ops/activations.js";
import { crossEntropy } from "../ops/cross-entropy.js";
import { dropoutApply } from "../ops/dropout.js";
import { Tensor } from "../tensor.js";
import type { GradMap, Hits, LayerKernel } from "./kernel.js";
import {
  batchField,
  dropoutSite,
  input,
  lossDenominator,
  projBackward,
  projForward,
  rate,
} from "./kernel.js";
import { ShapeError } from "../errors.js";
import type { Batch, TaskHeadSpec } from "./spec.js";

const TASK = "task_head" as const;

interface TaskSaved {
  /** The row index in [B*T] of each classified row. */
  readonly rows: Int32Array;
  readonly x: Float32Array;
  readonly pooled: Float32Array | null;
  /** The classifier's input after dropout. */
  readonly d: Float32Array;
  readonly dlogits: Float32Array;
}

/** Rows per sample M of the sentence task, from the positions field. */
function sentencesPerSample(batch: Batch): number {
  const p = batch.taskPositions;
  if (!p)
    throw new ShapeError(`${TASK} (sentence) needs batch.taskPositions, which this batch does not carry`);
  if (p.length % batch.size !== 0)
    throw new ShapeError(
      `${TASK}: batch.taskPositions has ${p.length} elements, not a multiple of ${batch.size}`,
    );
  return p.length / batch.size;
}

/** The [B*T] row of each classified row. */
function taskRows(spec: TaskHeadSpec, batch: Batch): Int32Array {
  const { size: B, seqLen: T } = batch;
  if (spec.task === "sequence") return Int32Array.from({ length: B }, (_, b) => b * T);
  if (spec.task === "token" || spec.task === "span") return Int32Array.from({ length: B * T }, (_, r) => r);
  const M = sentencesPerSample(batch);
  const pos = batch.taskPositions!;
  const rows = new Int32Array(B * M);
  for (let b = 0; b < B; b++)
    for (let m = 0; m < M; m++) {
      const t = pos[b * M + m];
      if (!(t >= 0 && t < T))
        throw new ShapeError(`${TASK}: sentence position ${t} of sample ${b} is outside the ${T} tokens`);
      rows[b * M + m] = b * T + t;
    }
  return rows;
}

/** Labels per sample of a task: 1, T, M or 2. */
function labelsPerSample(spec: TaskHeadSpec, batch: Batch): number {
  switch (spec.task) {
    case "sequence":
      return 1;
    case "token":
      return batch.seqLen;
    case "sentence":
      return sentencesPerSample(batch);
    case "span":
      return 2;
  }
}

/** Arg max of each of `rows` rows of width v. */
function argmax(z: Float32Array, rows: number, v: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < v; j++) if (z[r * v + j] > z[r * v + best]) best = j;
    out[r] = best;
  }
  return out;
}

/**
 * Model Zoo's eval counts: the classifier's accuracy (and per MNLI group) over every sample, the token
 * classifier's F1 over every position (padding included, as its FBetaScoreMetric takes labels and predictions
 * unweighted), the summarization head's over the positions whose weight is not 0.
 */
function hits(
  spec: TaskHeadSpec,
  logits: Float32Array,
  labels: Int32Array,
  weights: Float32Array | null,
  batch: Batch,
): Hits {
  const C = spec.classes;
  const n = labels.length;
  const pred = argmax(logits, n, C);
  const confusion = new Array<number>(C * C).fill(0);
  const groups = batch.taskGroups && spec.task === "sequence" ? [0, 0, 0, 0] : undefined;
  let correct = 0;
  let counted = 0;
  for (let r = 0; r < n; r++) {
    if (spec.task === "sentence" && weights && weights[r] === 0) continue;
    const l = labels[r];
    if (l < 0 || l >= C) continue;
    confusion[l * C + pred[r]]++;
    counted++;
    if (pred[r] === l) correct++;
    if (groups) {
      const g = batch.taskGroups![r] === 1 ? 1 : 0;
      groups[2 * g + 1]++;
      if (pred[r] === l) groups[2 * g]++;
    }
  }
  return { correct, counted, confusion, ...(groups && { groups }) };
}

/** [R, 2] logits (R = B*T) into [B*2, T] (start row, end row per sample), and back. */
function spanTranspose(z: Float32Array, B: number, T: number, toColumns: boolean): Float32Array {
  const out = new Float32Array(B * T * 2);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let j = 0; j < 2; j++) {
        const rt = (b * T + t) * 2 + j;
        const cols = (b * 2 + j) * T + t;
        if (toColumns) out[cols] = z[rt];
        else out[rt] = z[cols];
      }
  return out;
}

export const taskHeadKernel: LayerKernel<"task_head"> = {
  isHead: true,
  forward(spec, params, x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      C = spec.classes;
    const xd = input(x, TASK, [B, T, H]);
    const rows = taskRows(spec, batch);
    const R = rows.length;
    const xs = new Float32Array(R * H);
    for (let i = 0; i < R; i++) xs.set(xd.subarray(rows[i] * H, rows[i] * H + H), i * H);
    let pooled: Float32Array | null = null;
    if (spec.pooler) {
      const pre = new Float32Array(R * H);
      projForward(params, TASK, "pooler", true, xs, R, H, H, pre);
      pooled = new Float32Array(R * H);
      activation("tanh").forward(pre, pooled, R * H);
    }
    const d = Float32Array.from(pooled ?? xs);
    // the mask is keyed per sample: each sample's rows are contiguous, R / B of them
    dropoutApply(d, B, (R / B) * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    const logits = new Float32Array(R * C);
    projForward(params, TASK, "classifier", spec.bias, d, R, H, C, logits);
    const per = labelsPerSample(spec, batch);
    const labels = batchField<Int32Array>(batch, TASK, "taskLabels", B * per);
    const weights = batch.taskWeights ? batchField<Float32Array>(batch, TASK, "taskWeights", B * per) : null;
    const scale = spec.lossWeight / lossDenominator("batch_size", batch, TASK);
    let sum: number;
    let dlogits: Float32Array;
    let accuracy: Hits | undefined;
    if (spec.task === "span") {
      // the start and end logits as B*2 rows over the T positions
      const z = spanTranspose(logits, B, T, true);
      sum = crossEntropy(z, B * 2, T, labels, weights, scale, z);
      dlogits = spanTranspose(z, B, T, false);
    } else {
      if (!ctx.training) accuracy = hits(spec, logits, labels, weights, batch);
      sum = crossEntropy(logits, R, C, labels, weights, scale, logits);
      dlogits = logits;
    }
    return {
      y: null,
      loss: sum * scale,
      saved: { rows, x: xs, pooled, d, dlogits } satisfies TaskSaved,
      ...(accuracy && { accuracy }),
    };
  },
  backward(spec, params, saved, _dy, batch, ctx, lossScale = 1) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      C = spec.classes;
    const s = saved as TaskSaved;
    const R = s.rows.length;
    if (lossScale !== 1) for (let i = 0; i < s.dlogits.length; i++) s.dlogits[i] *= lossScale;
    const grads: GradMap = new Map();
    const dd = new Float32Array(R * H);
    projBackward(params, TASK, "classifier", spec.bias, s.dlogits, s.d, R, H, C, dd, grads);
    dropoutApply(dd, B, (R / B) * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    let dxs = dd;
    if (spec.pooler) {
      activation("tanh").backward(s.pooled!, s.pooled!, dd, dd, R * H);
      dxs = new Float32Array(R * H);
      projBackward(params, TASK, "pooler", true, dd, s.x, R, H, H, dxs, grads);
    }
    const dx = new Float32Array(B * T * H);
    for (let i = 0; i < R; i++) {
      const o = s.rows[i] * H;
      for (let h = 0; h < H; h++) dx[o + h] += dxs[i * H + h];
    }
    return { dx: new Tensor([B, T, H], dx), grads };
  },
};
