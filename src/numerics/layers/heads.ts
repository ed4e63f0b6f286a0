// Loss heads: lm_head (GPT), mlm_head and nsp_head (BERT), classifier_head (MLP family). Each returns its
// loss as this batch's share of the global loss: masked sum / global denominator * loss weight. The vocabulary
// loss of lm_head and mlm_head runs fused on the OpenBLAS backend (the addon's vocabLossForward/Backward: tiles
// of logits, an online log-sum-exp, dlogits fed straight into the GEMMs of dx and dW; see docs/numerics.md).
// The reference beside it, and the path of the TypeScript backend, computes the logits in row chunks, never
// kept whole when large; the gradient of the cross-entropy is computed in the forward (the head's backward
// follows it directly) and recomputed per chunk when it was too large to keep. A `saved` value is consumed by
// its backward.
import { nativeKernels, sgemm } from "../gemm.js";
import { activation } from "../ops/activations.js";
import { checkLabels, countCorrect, crossEntropy } from "../ops/cross-entropy.js";
import { linearForward } from "../ops/linear.js";
import { give, take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel, NormSaved } from "./kernel.js";
import {
  batchField,
  input,
  lossDenominator,
  mlpInput,
  normBackward,
  normForward,
  param,
  projBackward,
  projForward,
} from "./kernel.js";
import type { Batch, LayerKind } from "./spec.js";

/**
 * Logits are kept whole up to `keep` elements (16 M, 64 MB); larger ones are computed in chunks of about
 * `chunk` elements and recomputed in the backward. Mutable so tests can exercise the chunked path on small
 * problems; the results do not depend on it beyond float32 rounding.
 */
export const LOGITS_LIMITS = { keep: 16 * 1024 * 1024, chunk: 4 * 1024 * 1024 };

/**
 * `fused: false` runs the reference path on the OpenBLAS backend too (tests compare the two); the TypeScript
 * backend always runs the reference.
 */
export const VOCAB_LOSS = { fused: true };

interface VocabSaved {
  readonly x: Float32Array;
  readonly rows: number;
  /** Row indices into the labels and mask (the rows of x), or null for rows 0..R-1. */
  readonly rowIdx: Int32Array | null;
  /** d(loss share)/d(logits) for all rows, when kept (reference path). */
  readonly dlogits: Float32Array | null;
  readonly gradScale: number;
  /** The fused path's per-row log-sum-exp, or null on the reference path. */
  readonly lse: Float64Array | null;
  /** Soft-capping of the logits (c tanh(z / c)) when set; it runs on the reference path. */
  readonly softcap?: number;
}

/**
 * Soft-caps logits in place, z -> c tanh(z / c), and writes each one's derivative 1 - tanh^2 into `f` (the
 * factor the cross-entropy's gradient is multiplied by on its way back to the raw logits).
 */
function capLogits(z: Float32Array, n: number, c: number, f: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const t = Math.tanh(z[i] / c);
    z[i] = c * t;
    f[i] = 1 - t * t;
  }
}

/**
 * Cross-entropy over logits = x W^T (+ b) for `rows` rows of x [rows, H]; labels and mask are looked up through
 * rowIdx. Returns the masked sum; fused where the backend has it, else the reference.
 */
function vocabLossForward(
  x: Float32Array,
  rows: number,
  h: number,
  w: Float32Array,
  b: Float32Array | null,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
  rowIdx: Int32Array | null,
  gradScale: number,
  count: boolean,
  softcap?: number,
): { sum: number; saved: VocabSaved; accuracy?: { correct: number; counted: number } } {
  // an evaluation pass counts top-1 hits on the logits: the reference path, which holds each chunk of them
  // (and so does a soft-capped loss: the fused kernel has no capping)
  const nk = VOCAB_LOSS.fused && !count && softcap === undefined ? nativeKernels() : null;
  if (!nk)
    return vocabLossForwardReference(x, rows, h, w, b, v, labels, mask, rowIdx, gradScale, count, softcap);
  const { lab, msk } = chunkTargets(labels, mask, rowIdx, 0, rows);
  checkLabels(lab, msk, rows, v);
  const lse = new Float64Array(rows);
  const rowLoss = new Float64Array(rows);
  nk.vocabLossForward(x, rows, h, w, b, v, lab, msk, lse, rowLoss);
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += rowLoss[r];
  return { sum, saved: { x, rows, rowIdx, dlogits: null, gradScale, lse } };
}

/**
 * The reference: logits in row chunks by linearForward and crossEntropy, the gradient of the logits kept when
 * small enough (else recomputed in the backward).
 */
function vocabLossForwardReference(
  x: Float32Array,
  rows: number,
  h: number,
  w: Float32Array,
  b: Float32Array | null,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
  rowIdx: Int32Array | null,
  gradScale: number,
  count: boolean,
  softcap?: number,
): { sum: number; saved: VocabSaved; accuracy?: { correct: number; counted: number } } {
  const keep = rows * v <= LOGITS_LIMITS.keep;
  const chunk = keep ? rows : Math.max(1, Math.floor(LOGITS_LIMITS.chunk / v));
  const kept = keep ? take(rows * v, false) : null;
  const buf = kept ?? new Float32Array(Math.min(rows, chunk) * v);
  const f = softcap !== undefined ? new Float32Array(Math.min(rows, chunk) * v) : null;
  let sum = 0;
  const accuracy = count ? { correct: 0, counted: 0 } : undefined;
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const { lab, msk } = chunkTargets(labels, mask, rowIdx, r0, n);
    const z = kept ? buf.subarray(r0 * v, (r0 + n) * v) : buf;
    linearForward(x.subarray(r0 * h, (r0 + n) * h), n, h, w, b, v, z);
    if (f) capLogits(z, n * v, softcap!, f);
    if (accuracy) {
      const c = countCorrect(z, n, v, lab, msk);
      accuracy.correct += c.correct;
      accuracy.counted += c.counted;
    }
    sum += crossEntropy(z, n, v, lab, msk, gradScale, z);
    if (f) for (let i = 0; i < n * v; i++) z[i] *= f[i];
  }
  return {
    sum,
    saved: {
      x,
      rows,
      rowIdx,
      dlogits: kept,
      gradScale,
      lse: null,
      ...(softcap !== undefined && { softcap }),
    },
    ...(accuracy && { accuracy }),
  };
}

function chunkTargets(
  labels: Int32Array,
  mask: Float32Array | null,
  rowIdx: Int32Array | null,
  r0: number,
  n: number,
): { lab: Int32Array; msk: Float32Array | null } {
  if (!rowIdx) return { lab: labels.subarray(r0, r0 + n), msk: mask ? mask.subarray(r0, r0 + n) : null };
  const lab = new Int32Array(n);
  const msk = mask ? new Float32Array(n) : null;
  for (let i = 0; i < n; i++) {
    const r = rowIdx[r0 + i];
    lab[i] = labels[r];
    if (msk && mask) msk[i] = mask[r];
  }
  return { lab, msk };
}

/** dx [rows, H] (overwritten), dW [V, H] and db [V] (overwritten), by the path its forward took. */
function vocabLossBackward(
  s: VocabSaved,
  h: number,
  w: Float32Array,
  b: Float32Array | null,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
  lossScale: number,
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array | null,
): void {
  const nk = s.lse && s.softcap === undefined ? nativeKernels() : null;
  // (the reference recomputes the logits when it kept none, so it also serves a fused forward whose backward
  // runs after a switch to the TypeScript backend)
  if (!s.lse || !nk) return vocabLossBackwardReference(s, h, w, b, v, labels, mask, lossScale, dx, dw, db);
  const { lab, msk } = chunkTargets(labels, mask, s.rowIdx, 0, s.rows);
  nk.vocabLossBackward(s.x, s.rows, h, w, b, v, lab, msk, s.lse, s.gradScale * lossScale, dx, dw, db);
}

/** The reference's backward: from the saved or recomputed dlogits, chunk by chunk. */
function vocabLossBackwardReference(
  s: VocabSaved,
  h: number,
  w: Float32Array,
  b: Float32Array | null,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
  lossScale: number,
  dx: Float32Array,
  dw: Float32Array,
  db: Float32Array | null,
): void {
  const rows = s.rows;
  const chunk = s.dlogits ? Math.max(rows, 1) : Math.max(1, Math.floor(LOGITS_LIMITS.chunk / v));
  const buf = s.dlogits ?? new Float32Array(Math.min(rows, chunk) * v);
  const f = s.softcap !== undefined && !s.dlogits ? new Float32Array(Math.min(rows, chunk) * v) : null;
  if (db) db.fill(0);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    const xc = s.x.subarray(r0 * h, (r0 + n) * h);
    if (s.dlogits) {
      if (lossScale !== 1) for (let i = 0; i < n * v; i++) buf[i] *= lossScale;
    } else {
      const { lab, msk } = chunkTargets(labels, mask, s.rowIdx, r0, n);
      linearForward(xc, n, h, w, b, v, buf);
      if (f) capLogits(buf, n * v, s.softcap!, f);
      crossEntropy(buf, n, v, lab, msk, s.gradScale * lossScale, buf);
      if (f) for (let i = 0; i < n * v; i++) buf[i] *= f[i];
    }
    sgemm(false, false, n, h, v, 1, buf, 0, v, w, 0, h, 0, dx, r0 * h, h);
    sgemm(true, false, v, h, n, 1, buf, 0, v, xc, 0, h, r0 === 0 ? 0 : 1, dw, 0, h);
    if (db) {
      for (let i = 0; i < n; i++) for (let j = 0; j < v; j++) db[j] += buf[i * v + j];
    }
  }
  give(s.dlogits);
}

// ---------------------------------------------------------------------------------------------------------

const LM = "lm_head" as const;

/**
 * muP's output_logits_scale s: logits s (x W^T + b) are computed as (s x) W^T + s b, so the fused loss runs
 * unchanged; the backward scales dx and db by s (dW, taken against s x, is already right).
 */
function scaledHeadInputs(
  s: number,
  x: Float32Array,
  b: Float32Array | null,
): { x: Float32Array; b: Float32Array | null } {
  if (s === 1) return { x, b };
  const xs = take(x.length, false);
  for (let i = 0; i < x.length; i++) xs[i] = x[i] * s;
  return { x: xs, b: b ? b.map((v) => v * s) : null };
}

export const lmHeadKernel: LayerKernel<"lm_head"> = {
  isHead: true,
  forward(spec, params, x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      V = spec.vocabSize,
      R = B * T;
    const xd = input(x, LM, [B, T, H]);
    const w = param(params, LM, "weight", [V, H]);
    const b = spec.bias ? param(params, LM, "bias", [V]) : null;
    const labels = batchField<Int32Array>(batch, LM, "labels", R);
    const mask = batch.lossMask ? batchField<Float32Array>(batch, LM, "lossMask", R) : null;
    const scale = spec.lossWeight / lossDenominator(spec.lossScaling, batch, LM);
    const scaled = scaledHeadInputs(spec.logitsScale ?? 1, xd, b);
    const { sum, saved, accuracy } = vocabLossForward(
      scaled.x,
      R,
      H,
      w,
      scaled.b,
      V,
      labels,
      mask,
      null,
      scale,
      !ctx.training,
      spec.logitsSoftcap,
    );
    return { y: null, loss: sum * scale, saved, ...(accuracy && { accuracy }) };
  },
  backward(spec, params, saved, _dy, batch, _ctx, lossScale = 1) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      V = spec.vocabSize,
      R = B * T;
    const w = param(params, LM, "weight", [V, H]);
    const b = spec.bias ? param(params, LM, "bias", [V]) : null;
    const grads: GradMap = new Map();
    const dw = new Tensor([V, H], take(V * H, false));
    grads.set("weight", dw);
    const db = spec.bias ? new Tensor([V]) : null;
    if (db) grads.set("bias", db);
    const labels = batchField<Int32Array>(batch, LM, "labels", R);
    const mask = batch.lossMask ? batchField<Float32Array>(batch, LM, "lossMask", R) : null;
    const dx = new Float32Array(R * H);
    const ls = spec.logitsScale ?? 1;
    const s = saved as VocabSaved;
    const xs = s.x;
    vocabLossBackward(
      s,
      H,
      w,
      b && ls !== 1 ? b.map((v) => v * ls) : b,
      V,
      labels,
      mask,
      lossScale,
      dx,
      dw.data,
      db ? db.data : null,
    );
    if (ls !== 1) {
      for (let i = 0; i < dx.length; i++) dx[i] *= ls;
      if (db) for (let i = 0; i < db.data.length; i++) db.data[i] *= ls;
      give(xs);
    }
    return { dx: new Tensor([B, T, H], dx), grads };
  },
};

// ---------------------------------------------------------------------------------------------------------
// mlm_head: on the positions whose loss counts (lossMask != 0) only, which gives the same loss and gradients
// as computing every position and masking: dense -> activation -> norm -> decoder (+ bias) -> cross-entropy.

const MLM = "mlm_head" as const;

interface MlmSaved {
  readonly idx: Int32Array;
  readonly xs: Float32Array;
  readonly d: Float32Array;
  readonly a: Float32Array;
  readonly norm: NormSaved;
  readonly vocab: VocabSaved;
}

function maskedRows(batch: Batch, kind: LayerKind, rows: number): Int32Array {
  const mask = batchField<Float32Array>(batch, kind, "lossMask", rows);
  let n = 0;
  for (let r = 0; r < rows; r++) if (mask[r] !== 0) n++;
  const idx = new Int32Array(n);
  for (let r = 0, i = 0; r < rows; r++) if (mask[r] !== 0) idx[i++] = r;
  return idx;
}

export const mlmHeadKernel: LayerKernel<"mlm_head"> = {
  isHead: true,
  forward(spec, params, x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      V = spec.vocabSize,
      R = B * T;
    const xd = input(x, MLM, [B, T, H]);
    const idx = maskedRows(batch, MLM, R);
    const M = idx.length;
    const xs = new Float32Array(M * H);
    for (let i = 0; i < M; i++) xs.set(xd.subarray(idx[i] * H, idx[i] * H + H), i * H);
    const d = new Float32Array(M * H);
    projForward(params, MLM, "dense", true, xs, M, H, H, d);
    const a = new Float32Array(M * H);
    activation(spec.activation).forward(d, a, M * H);
    const n = new Float32Array(M * H);
    const norm = normForward(spec.norm, params, MLM, "norm.", spec.normEps, a, M, H, n);
    const w = param(params, MLM, "decoder.weight", [V, H]);
    const bias = param(params, MLM, "decoder.bias", [V]);
    const labels = batchField<Int32Array>(batch, MLM, "labels", R);
    const mask = batchField<Float32Array>(batch, MLM, "lossMask", R);
    const scale = spec.lossWeight / lossDenominator(spec.lossScaling, batch, MLM);
    const count = !ctx.training;
    const {
      sum,
      saved: vocab,
      accuracy,
    } = vocabLossForward(n, M, H, w, bias, V, labels, mask, idx, scale, count);
    return {
      y: null,
      loss: sum * scale,
      saved: { idx, xs, d, a, norm, vocab } satisfies MlmSaved,
      ...(accuracy && { accuracy }),
    };
  },
  backward(spec, params, saved, _dy, batch, _ctx, lossScale = 1) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden,
      V = spec.vocabSize,
      R = B * T;
    const s = saved as MlmSaved;
    const M = s.idx.length;
    const grads: GradMap = new Map();
    const w = param(params, MLM, "decoder.weight", [V, H]);
    const bias = param(params, MLM, "decoder.bias", [V]);
    const dw = new Tensor([V, H]);
    const db = new Tensor([V]);
    grads.set("decoder.weight", dw);
    grads.set("decoder.bias", db);
    const labels = batchField<Int32Array>(batch, MLM, "labels", R);
    const mask = batchField<Float32Array>(batch, MLM, "lossMask", R);
    const dn = new Float32Array(M * H);
    vocabLossBackward(s.vocab, H, w, bias, V, labels, mask, lossScale, dn, dw.data, db.data);
    const da = new Float32Array(M * H);
    normBackward(spec.norm, params, MLM, "norm.", s.norm, dn, M, H, da, grads, false);
    activation(spec.activation).backward(s.d, s.a, da, da, M * H);
    const dxs = new Float32Array(M * H);
    projBackward(params, MLM, "dense", true, da, s.xs, M, H, H, dxs, grads);
    const dx = new Float32Array(R * H);
    for (let i = 0; i < M; i++) dx.set(dxs.subarray(i * H, i * H + H), s.idx[i] * H);
    return { dx: new Tensor([B, T, H], dx), grads };
  },
};

// ---------------------------------------------------------------------------------------------------------
// nsp_head: pooler (dense + tanh) on each row's first token, 2-way classifier, cross-entropy on nspLabels;
// share = sum / globalBatchSize * lossWeight.

const NSP = "nsp_head" as const;

interface NspSaved {
  readonly x0: Float32Array;
  readonly pooled: Float32Array;
  readonly dlogits: Float32Array;
}

export const nspHeadKernel: LayerKernel<"nsp_head"> = {
  isHead: true,
  forward(spec, params, x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const xd = input(x, NSP, [B, T, H]);
    const x0 = new Float32Array(B * H);
    for (let b = 0; b < B; b++) x0.set(xd.subarray(b * T * H, b * T * H + H), b * H);
    const pre = new Float32Array(B * H);
    projForward(params, NSP, "pooler", true, x0, B, H, H, pre);
    const pooled = new Float32Array(B * H);
    activation("tanh").forward(pre, pooled, B * H);
    const logits = new Float32Array(B * 2);
    projForward(params, NSP, "classifier", true, pooled, B, H, 2, logits);
    const labels = batchField<Int32Array>(batch, NSP, "nspLabels", B);
    const scale = spec.lossWeight / lossDenominator("batch_size", batch, NSP);
    const accuracy = ctx.training ? undefined : countCorrect(logits, B, 2, labels, null);
    const sum = crossEntropy(logits, B, 2, labels, null, scale, logits);
    return {
      y: null,
      loss: sum * scale,
      saved: { x0, pooled, dlogits: logits } satisfies NspSaved,
      ...(accuracy && { accuracy }),
    };
  },
  backward(spec, params, saved, _dy, batch, _ctx, lossScale = 1) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const s = saved as NspSaved;
    if (lossScale !== 1) for (let i = 0; i < s.dlogits.length; i++) s.dlogits[i] *= lossScale;
    const grads: GradMap = new Map();
    const dp = new Float32Array(B * H);
    projBackward(params, NSP, "classifier", true, s.dlogits, s.pooled, B, H, 2, dp, grads);
    activation("tanh").backward(s.pooled, s.pooled, dp, dp, B * H);
    const dx0 = new Float32Array(B * H);
    projBackward(params, NSP, "pooler", true, dp, s.x0, B, H, H, dx0, grads);
    const dx = new Float32Array(B * T * H);
    for (let b = 0; b < B; b++) dx.set(dx0.subarray(b * H, b * H + H), b * T * H);
    return { dx: new Tensor([B, T, H], dx), grads };
  },
};

// ---------------------------------------------------------------------------------------------------------
// classifier_head: logits = x W^T + b over [B, in], cross-entropy on classLabels, mean over the global batch.

const CLS = "classifier_head" as const;

interface ClsSaved {
  readonly x: Float32Array;
  readonly first: boolean;
  readonly dlogits: Float32Array;
}

export const classifierHeadKernel: LayerKernel<"classifier_head"> = {
  isHead: true,
  forward(spec, params, x, batch, ctx) {
    const B = batch.size;
    const xd = mlpInput(x, batch, CLS, spec.inFeatures);
    const logits = new Float32Array(B * spec.classes);
    projForward(params, CLS, "fc", spec.bias, xd, B, spec.inFeatures, spec.classes, logits);
    const labels = batchField<Int32Array>(batch, CLS, "classLabels", B);
    const scale = 1 / lossDenominator("batch_size", batch, CLS);
    const accuracy = ctx.training ? undefined : countCorrect(logits, B, spec.classes, labels, null);
    const sum = crossEntropy(logits, B, spec.classes, labels, null, scale, logits);
    return {
      y: null,
      loss: sum * scale,
      ...(accuracy && { accuracy }),
      saved: { x: xd, first: x === null, dlogits: logits } satisfies ClsSaved,
    };
  },
  backward(spec, params, saved, _dy, batch, _ctx, lossScale = 1) {
    const B = batch.size;
    const s = saved as ClsSaved;
    if (lossScale !== 1) for (let i = 0; i < s.dlogits.length; i++) s.dlogits[i] *= lossScale;
    const grads: GradMap = new Map();
    const dx = s.first ? null : new Float32Array(B * spec.inFeatures);
    projBackward(params, CLS, "fc", spec.bias, s.dlogits, s.x, B, spec.inFeatures, spec.classes, dx, grads);
    return { dx: dx ? new Tensor([B, spec.inFeatures], dx) : null, grads };
  },
};
