// A model executed one layer at a time, as weight streaming runs it: every layer's forward in order, then every
// backward in reverse, with the layer's parameters fetched through a hook before each pass and its weight
// gradients delivered through the hook after its backward. Activations stay here (on the system); parameters
// are never kept between layers. The host kernels come from numerics (one per layer kind).
//
// Heads: a head (y = null) adds its share of the loss and leaves the activation in place, so several heads
// read the same activation (BERT: MLM and NSP); in the backward their dx add up into the gradient flowing on.
import { layerKernel } from "../../numerics/index.js";
import type { Batch, LayerSpec, StepContext, Tensor } from "../../numerics/index.js";
import { ApplianceError } from "../errors.js";

export type Pass = "forward" | "backward";

export interface ParamHook {
  /** The parameters of layer `i` for one pass, by local name. */
  params(i: number, pass: Pass): Promise<ReadonlyMap<string, Tensor>> | ReadonlyMap<string, Tensor>;
  /** Layer `i`'s weight gradients (freshly allocated; ownership passes). */
  gradients(i: number, grads: Map<string, Tensor>): Promise<void> | void;
  /** Called after each layer pass (device clock, SRAM accounting). */
  after?(i: number, pass: Pass): void;
}

export interface ExecLayer {
  readonly name: string;
  readonly spec: LayerSpec;
}

export interface ExecOptions {
  readonly seed: number;
  readonly step: number;
  readonly training: boolean;
  /** Every gradient is multiplied by this (heads seed the backward with it). */
  readonly lossScale: number;
}

/** Forward and backward of one (micro-)batch; returns its share of the loss. */
export async function forwardBackwardLayers(
  layers: readonly ExecLayer[],
  batch: Batch,
  o: ExecOptions,
  hook: ParamHook,
): Promise<number> {
  const ctx = (i: number): StepContext => ({
    training: o.training,
    seed: o.seed,
    step: o.step,
    layerIndex: i,
  });
  const saved: unknown[] = new Array(layers.length);
  let x: Tensor | null = null;
  let loss = 0;
  let heads = 0;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const p = await hook.params(i, "forward");
    const r = layerKernel(l.spec.kind).forward(l.spec as never, p, x, batch, ctx(i));
    saved[i] = r.saved;
    if (r.y === null) {
      loss += r.loss ?? 0;
      heads++;
    } else x = r.y;
    hook.after?.(i, "forward");
  }
  if (heads === 0) throw new ApplianceError("the model has no loss head, so it cannot be trained");
  let g: Tensor | null = null;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    const k = layerKernel(l.spec.kind);
    const p = await hook.params(i, "backward");
    const r = k.backward(l.spec as never, p, saved[i], k.isHead ? null : g, batch, ctx(i), o.lossScale);
    saved[i] = null;
    await hook.gradients(i, r.grads);
    if (k.isHead) {
      if (r.dx && g) {
        const a = g.data;
        const b = r.dx.data;
        for (let j = 0; j < a.length; j++) a[j] += b[j];
      } else if (r.dx) g = r.dx;
    } else g = r.dx;
    hook.after?.(i, "backward");
  }
  return loss;
}

/** Forward only (evaluation): the loss share. */
export async function forwardLayers(
  layers: readonly ExecLayer[],
  batch: Batch,
  o: Omit<ExecOptions, "lossScale">,
  hook: Pick<ParamHook, "params" | "after">,
): Promise<number> {
  let x: Tensor | null = null;
  let loss = 0;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const p = await hook.params(i, "forward");
    const ctx: StepContext = { training: o.training, seed: o.seed, step: o.step, layerIndex: i };
    const r = layerKernel(l.spec.kind).forward(l.spec as never, p, x, batch, ctx);
    if (r.y === null) loss += r.loss ?? 0;
    else x = r.y;
    hook.after?.(i, "forward");
  }
  return loss;
}
