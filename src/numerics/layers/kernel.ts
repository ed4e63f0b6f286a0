// The contract of a layer kernel (one per layer kind, registered in ./registry.ts), and helpers the kernels
// share: parameter lookup with clear errors, norms by type, the loss denominator.
//
// Weight streaming runs a model one layer at a time: every layer's forward in order, then every backward in
// reverse order, with the layer's parameters handed in again for the backward. A kernel therefore keeps
// nothing between calls: what its backward needs from the forward travels in `saved` (activations, never
// parameters), and its parameters come in each call as a Map from the layer-local names of `layerParams`.
//
//   forward(spec, params, x, batch, ctx) -> { y, loss?, saved }
//     x: the activation from the layer before ([B, T, H], or [B, in] for the MLP family); null for the first
//        layer, which reads the batch (token ids or features). A head returns y = null and `loss`: this
//        batch's share of the global loss (masked sum / global denominator * loss weight), so shares of
//        shards and micro-batches add up to the whole batch's loss.
//   backward(spec, params, saved, dy, batch, ctx, lossScale) -> { dx, grads }
//     dy: gradient of the loss w.r.t. y (null for heads, which seed their backward with `lossScale`, the
//         factor every gradient is multiplied by, 1 unless loss scaling is in use). dx is null for a first
//         layer. grads: freshly allocated gradient tensors, keyed by the same names as params.
// A tied head receives the embedding's token table under its own parameter name ("weight" for lm_head,
// "decoder.weight" for mlm_head) and returns that table's gradient under the same name; the caller adds it to
// the embedding's gradient.
import { NumericsValueError, ShapeError, expectShape } from "../errors.js";
import { linearBackward, linearForward } from "../ops/linear.js";
import { layerNormBackward, layerNormForward, rmsNormBackward, rmsNormForward } from "../ops/norm.js";
import type { DropoutSite } from "../ops/dropout.js";
import { give, take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { Batch, LayerKind, LayerSpec, LossScaling, NormType, StepContext } from "./spec.js";

export type ParamMap = ReadonlyMap<string, Tensor>;
export type GradMap = Map<string, Tensor>;

export interface ForwardResult {
  readonly y: Tensor | null;
  /** Heads only: this batch's share of the global loss. */
  readonly loss?: number;
  /** Heads only, when not training: top-1 hits over the rows whose loss counts (eval accuracy). */
  readonly accuracy?: Hits;
  /** Opaque to the caller: what the backward of the same layer needs. */
  readonly saved: unknown;
}

/**
 * A head's top-1 hits in an evaluation pass. The fine-tuning heads add the confusion counts (for F1) and the
 * hits per sample group (MNLI's matched and mismatched sets).
 */
export interface Hits {
  readonly correct: number;
  readonly counted: number;
  /** [label * C + prediction] counts over the rows counted. */
  readonly confusion?: readonly number[];
  /** Per group g: correct at [2g], counted at [2g + 1]. */
  readonly groups?: readonly number[];
}

export interface BackwardResult {
  readonly dx: Tensor | null;
  readonly grads: GradMap;
}

export type SpecOf<K extends LayerKind> = Extract<LayerSpec, { kind: K }>;

export interface LayerKernel<K extends LayerKind = LayerKind> {
  forward(spec: SpecOf<K>, params: ParamMap, x: Tensor | null, batch: Batch, ctx: StepContext): ForwardResult;
  backward(
    spec: SpecOf<K>,
    params: ParamMap,
    saved: unknown,
    dy: Tensor | null,
    batch: Batch,
    ctx: StepContext,
    lossScale?: number,
  ): BackwardResult;
  /** Whether the layer ends in a loss (y = null, dy = null). */
  readonly isHead: boolean;
}

/** A parameter by its layer-local name, checked against the shape the layer expects. */
export function param(
  params: ParamMap,
  kind: LayerKind,
  name: string,
  shape: readonly number[],
): Float32Array {
  const t = params.get(name);
  if (!t) {
    throw new ShapeError(
      `${kind} layer: parameter "${name}" missing (given: ${[...params.keys()].join(", ") || "none"}); ` +
        `create the layer's parameters from layerParams(spec)`,
    );
  }
  expectShape(`${kind} layer: parameter "${name}"`, t.shape, shape);
  return t.data;
}

/** A batch field the layer needs, with its length checked. */
export function batchField<T extends Int32Array | Float32Array>(
  batch: Batch,
  kind: LayerKind,
  field: keyof Batch,
  length: number,
): T {
  const v = batch[field] as T | undefined;
  if (!v) throw new ShapeError(`${kind} layer needs batch.${String(field)}, which this batch does not carry`);
  if (v.length !== length) {
    throw new ShapeError(
      `${kind} layer: batch.${String(field)} has ${v.length} elements, expected ${length}`,
    );
  }
  return v;
}

/** The activation a layer takes: shape checked, not null. */
export function input(x: Tensor | null, kind: LayerKind, shape: readonly number[]): Float32Array {
  if (!x) throw new ShapeError(`${kind} layer needs an input activation; it cannot be a model's first layer`);
  expectShape(`${kind} layer input`, x.shape, shape);
  return x.data;
}

/** The input of an MLP-family layer: the activation [B, in], or batch.features for a first layer. */
export function mlpInput(x: Tensor | null, batch: Batch, kind: LayerKind, inF: number): Float32Array {
  if (x) return input(x, kind, [batch.size, inF]);
  if (!batch.features) throw new ShapeError(`${kind} as a first layer needs batch.features [B*${inF}]`);
  return batchField<Float32Array>(batch, kind, "features", batch.size * inF);
}

/** Gradient w.r.t. the output, shape checked. */
export function gradIn(dy: Tensor | null, kind: LayerKind, shape: readonly number[]): Float32Array {
  if (!dy) throw new ShapeError(`${kind} layer backward needs dy (the gradient of its output)`);
  expectShape(`${kind} layer dy`, dy.shape, shape);
  return dy.data;
}

/** The global denominator of a summed loss under Model Zoo's `loss_scaling`. */
export function lossDenominator(scaling: LossScaling, batch: Batch, kind: LayerKind): number {
  const d = scaling === "num_tokens" ? batch.globalLossTokens : batch.globalBatchSize;
  const field = scaling === "num_tokens" ? "globalLossTokens" : "globalBatchSize";
  if (!(d > 0)) {
    throw new NumericsValueError(
      `${kind}: loss_scaling "${scaling}" divides by batch.${field}, which is ${d}; it must be > 0 ` +
        `(a global batch with no loss tokens has no loss)`,
    );
  }
  return d;
}

/** Dropout site of a layer for this batch. */
export function dropoutSite(ctx: StepContext, batch: Batch, site: number): DropoutSite {
  return {
    seed: ctx.seed,
    step: ctx.step,
    layerIndex: ctx.layerIndex,
    site,
    sampleOffset: batch.sampleOffset,
  };
}

/** Dropout rate in force: the spec's rate when training, 0 in evaluation. */
export function rate(p: number, ctx: StepContext): number {
  return ctx.training ? p : 0;
}

export interface NormSaved {
  readonly x: Float32Array;
  readonly mean: Float32Array | null;
  readonly rstd: Float32Array;
}

/** y = norm(x) with the parameters `${prefix}weight` (and `${prefix}bias` for layernorm). */
export function normForward(
  type: NormType,
  params: ParamMap,
  kind: LayerKind,
  prefix: string,
  eps: number,
  x: Float32Array,
  rows: number,
  c: number,
  y: Float32Array,
): NormSaved {
  const g = param(params, kind, `${prefix}weight`, [c]);
  const rstd = take(rows, false);
  if (type === "layernorm" || type === "biasless_layernorm") {
    const b = type === "layernorm" ? param(params, kind, `${prefix}bias`, [c]) : new Float32Array(c);
    const mean = take(rows, false);
    layerNormForward(x, rows, c, g, b, eps, y, mean, rstd);
    return { x, mean, rstd };
  }
  rmsNormForward(x, rows, c, g, eps, y, rstd);
  return { x, mean: null, rstd };
}

/**
 * Backward of normForward: writes (or adds to) dx and sets the norm's gradients in `grads`. Gives back the
 * row statistics (not saved.x, which belongs to the caller).
 */
export function normBackward(
  type: NormType,
  params: ParamMap,
  kind: LayerKind,
  prefix: string,
  saved: NormSaved,
  dy: Float32Array,
  rows: number,
  c: number,
  dx: Float32Array,
  grads: GradMap,
  accumulate: boolean,
): void {
  const g = param(params, kind, `${prefix}weight`, [c]);
  const dg = new Tensor([c]);
  grads.set(`${prefix}weight`, dg);
  if (type === "layernorm" || type === "biasless_layernorm") {
    // a biasless norm's bias is a constant 0: its gradient is computed and dropped
    const db = new Tensor([c]);
    if (type === "layernorm") grads.set(`${prefix}bias`, db);
    layerNormBackward(dy, saved.x, rows, c, g, saved.mean!, saved.rstd, dx, dg.data, db.data, accumulate);
  } else {
    rmsNormBackward(dy, saved.x, rows, c, g, saved.rstd, dx, dg.data, accumulate);
  }
  give(saved.mean, saved.rstd);
}

/** y[R,O] = x[R,I] W^T (+ b) with W = `${name}.weight` [O,I] and b = `${name}.bias` [O]. */
export function projForward(
  params: ParamMap,
  kind: LayerKind,
  name: string,
  bias: boolean,
  x: Float32Array,
  rows: number,
  inF: number,
  outF: number,
  y: Float32Array,
): void {
  const w = param(params, kind, `${name}.weight`, [outF, inF]);
  const b = bias ? param(params, kind, `${name}.bias`, [outF]) : null;
  linearForward(x, rows, inF, w, b, outF, y);
}

/** Backward of projForward: dx (written, or added to when `accumulateDx`; null to skip), grads set. */
export function projBackward(
  params: ParamMap,
  kind: LayerKind,
  name: string,
  bias: boolean,
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  inF: number,
  outF: number,
  dx: Float32Array | null,
  grads: GradMap,
  accumulateDx = false,
): void {
  const w = param(params, kind, `${name}.weight`, [outF, inF]);
  const dw = new Tensor([outF, inF], take(outF * inF, false));
  grads.set(`${name}.weight`, dw);
  let db: Tensor | null = null;
  if (bias) {
    db = new Tensor([outF], take(outF, false));
    grads.set(`${name}.bias`, db);
  }
  linearBackward(dy, x, rows, inF, w, outF, dx, dw.data, db ? db.data : null, accumulateDx);
}
