// A small reference executor: runs a list of layers forward in order and backward in reverse, the way weight
// streaming does, accumulates tied gradients and micro-batches, clips and applies the optimizer. The
// appliance's runners call the same layer kernels the same way; this one is the plain version to check them
// against, and what the tests and the benchmark use.
//
// Layer order and heads: a layer whose kernel is a head consumes the current activation and leaves it in
// place (so BERT's mlm_head and nsp_head both read the last block's output); in the backward the heads' dx
// add up into the gradient that flows to the layers before them.
// Ties: a head with spec.tied uses the first embedding layer's "wte" under its own name ("weight" for lm_head,
// "decoder.weight" for mlm_head); its gradient is added to that embedding's.
import { NumericsValueError, ShapeError } from "./errors.js";
import { fullParamName, initLayerParams } from "./layers/init.js";
import type { ParamMap } from "./layers/kernel.js";
import { AuxLosses } from "./layers/aux-loss.js";
import { layerKernel } from "./layers/registry.js";
import type { Batch, InitStds, LayerSpec, StepContext } from "./layers/spec.js";
import { layerParams } from "./layers/spec.js";
import { addInto } from "./ops/linear.js";
import { give } from "./pool.js";
import { clipGradNorm } from "./optim/clip.js";
import type { OptimParam, Optimizer } from "./optim/optimizers.js";
import type { Tensor } from "./tensor.js";

export interface ModelLayer {
  /** Unique name; parameters are called `${name}.${local}` (e.g. "h.0.attn.qkv.weight"). */
  readonly name: string;
  readonly spec: LayerSpec;
  /** Local name -> tensor; a tied head does not hold the tied table. */
  readonly params: Map<string, Tensor>;
}

/** What a step needs besides the model and the batch. */
export interface StepOptions {
  readonly seed: number;
  readonly step: number;
  readonly training?: boolean;
  /** Every gradient is multiplied by this (heads seed their backward with it); default 1. */
  readonly lossScale?: number;
}

export interface ForwardBackwardResult {
  /** The batch's share of the global loss (the whole loss when the batch is the global batch). */
  readonly loss: number;
  /** Gradients by full parameter name (tied tables accumulated into the embedding's). */
  readonly grads: Map<string, Tensor>;
}

/** The name a tied head gives the embedding's token table, or null when the layer is not tied. */
export function tiedParamName(spec: LayerSpec): string | null {
  if (spec.kind === "lm_head" && spec.tied) return "weight";
  if (spec.kind === "mlm_head" && spec.tied) return "decoder.weight";
  return null;
}

/** Builds layers with parameters initialised from (seed, full name). */
export function buildModel(
  layers: readonly { readonly name: string; readonly spec: LayerSpec }[],
  stds: InitStds,
  seed: number,
): ModelLayer[] {
  const names = new Set<string>();
  return layers.map(({ name, spec }) => {
    if (names.has(name))
      throw new NumericsValueError(`layer name "${name}" is used twice; layer names must be unique`);
    names.add(name);
    return { name, spec, params: initLayerParams(spec, stds, seed, name) };
  });
}

function tieSource(layers: readonly ModelLayer[]): ModelLayer | null {
  return layers.find((l) => l.spec.kind === "embedding") ?? null;
}

function paramsOf(layer: ModelLayer, emb: ModelLayer | null): ParamMap {
  const tie = tiedParamName(layer.spec);
  if (!tie) return layer.params;
  const wte = emb?.params.get("wte");
  if (!wte) {
    throw new ShapeError(
      `layer "${layer.name}" is tied to the embedding's token table, but the model has no embedding layer`,
    );
  }
  const m = new Map(layer.params);
  m.set(tie, wte);
  return m;
}

function addGrad(into: Map<string, Tensor>, name: string, g: Tensor): void {
  const have = into.get(name);
  if (!have) {
    into.set(name, g);
    return;
  }
  addInto(have.data, g.data);
  give(g.data);
}

/** Forward and backward of one (micro-)batch; gradients are added into `into` when given. */
export function forwardBackward(
  layers: readonly ModelLayer[],
  batch: Batch,
  o: StepOptions,
  into?: Map<string, Tensor>,
): ForwardBackwardResult {
  const emb = tieSource(layers);
  const grads = into ?? new Map<string, Tensor>();
  const aux = new AuxLosses();
  const ctxOf = (i: number): StepContext => ({
    training: o.training ?? true,
    seed: o.seed,
    step: o.step,
    layerIndex: i,
    aux,
  });
  const saved: unknown[] = [];
  const outputs: (Tensor | null)[] = [];
  let x: Tensor | null = null;
  let loss = 0;
  let heads = 0;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const r = layerKernel(l.spec.kind).forward(l.spec as never, paramsOf(l, emb), x, batch, ctxOf(i));
    saved.push(r.saved);
    outputs.push(r.y);
    if (r.y === null) {
      loss += r.loss ?? 0;
      heads++;
    } else x = r.y;
  }
  if (heads === 0)
    throw new NumericsValueError(
      "the model has no loss head; add an lm_head, mlm_head, nsp_head or classifier_head",
    );
  loss += aux.loss(batch.globalBatchSize);
  let g: Tensor | null = null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const k = layerKernel(l.spec.kind);
    const r = k.backward(
      l.spec as never,
      paramsOf(l, emb),
      saved[i],
      k.isHead ? null : g,
      batch,
      ctxOf(i),
      o.lossScale ?? 1,
    );
    saved[i] = null;
    // Every reader of this layer's output (the layers after it) has run its backward: its buffers go back.
    give(outputs[i]?.data);
    if (!k.isHead) give(g?.data);
    const tie = tiedParamName(l.spec);
    for (const [local, t] of r.grads) {
      const name =
        tie && local === tie && emb ? fullParamName(emb.name, "wte") : fullParamName(l.name, local);
      addGrad(grads, name, t);
    }
    if (k.isHead) {
      if (r.dx && g) {
        addInto(g.data, r.dx.data);
        give(r.dx.data);
      } else if (r.dx) g = r.dx;
    } else g = r.dx;
  }
  return { loss, grads };
}

/**
 * Forward only (evaluation): the loss share, no dropout unless `training` is set (which also adds the
 * training-only losses: the experts' load balancing).
 */
export function forwardLoss(layers: readonly ModelLayer[], batch: Batch, o: StepOptions): number {
  const emb = tieSource(layers);
  const aux = new AuxLosses();
  let x: Tensor | null = null;
  let loss = 0;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const ctx: StepContext = {
      training: o.training ?? false,
      seed: o.seed,
      step: o.step,
      layerIndex: i,
      aux,
    };
    const r = layerKernel(l.spec.kind).forward(l.spec as never, paramsOf(l, emb), x, batch, ctx);
    if (r.y === null) loss += r.loss ?? 0;
    else x = r.y;
  }
  return loss + aux.loss(batch.globalBatchSize);
}

const DECAY_PROBE: InitStds = { std: 1, outputStd: 1 };

/** The model's parameters for an optimizer: full names, tensors, weight-decay flags from layerParams. */
export function optimParams(layers: readonly ModelLayer[]): OptimParam[] {
  const out: OptimParam[] = [];
  for (const l of layers) {
    for (const d of layerParams(l.spec, DECAY_PROBE)) {
      const t = l.params.get(d.name);
      if (!t) throw new ShapeError(`layer "${l.name}": parameter "${d.name}" missing`);
      out.push({
        name: fullParamName(l.name, d.name),
        value: t,
        decay: d.decay,
        ...(d.lrScale !== undefined && { lrScale: d.lrScale }),
      });
    }
  }
  return out;
}

export interface TrainStepOptions extends StepOptions {
  readonly lr: number;
  /** Clip the global gradient norm to this (Model Zoo max_gradient_norm); none when absent. */
  readonly maxGradNorm?: number;
}

export interface TrainStepResult {
  readonly loss: number;
  /** Global gradient norm before clipping (unscaled). */
  readonly gradNorm: number | null;
}

/**
 * One optimizer step over the micro-batches of a global batch (their loss shares and gradients add up):
 * forward and backward of each, then clipping, then the update.
 */
export function trainStep(
  layers: readonly ModelLayer[],
  microBatches: readonly Batch[],
  optimizer: Optimizer,
  params: readonly OptimParam[],
  o: TrainStepOptions,
): TrainStepResult {
  const grads = new Map<string, Tensor>();
  let loss = 0;
  for (const b of microBatches) loss += forwardBackward(layers, b, o, grads).loss;
  const unscale = 1 / (o.lossScale ?? 1);
  const gradNorm = o.maxGradNorm !== undefined ? clipGradNorm(grads.values(), o.maxGradNorm, unscale) : null;
  optimizer.step(params, grads, { lr: o.lr, gradScale: unscale });
  for (const t of grads.values()) give(t.data);
  return { loss, gradNorm };
}
