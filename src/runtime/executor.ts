// The layer executor: runs a model IR one layer at a time on the host numerics, forward in order and
// backward in reverse, the way weight streaming runs it on the wafer. Before each layer's forward and again
// before its backward it fetches the layer's parameters through the weight hook; after the backward it
// delivers the layer's gradients through the same hook. Heads (lm_head, mlm_head, nsp_head, classifier_head)
// read the current activation and leave it in place; their input gradients add up.
import type { LayerIR, ModelIR } from "../model/index.js";
import { AuxLosses, addInto, fullParamName, layerKernel } from "../numerics/index.js";
import type { Batch, Hits, StepContext, Tensor } from "../numerics/index.js";
import { RuntimeError } from "./errors.js";
import type { WeightHook } from "./weights.js";

export interface PassOptions {
  readonly seed: number;
  /** Step number keying dropout (the 0-based optimizer step). */
  readonly step: number;
  readonly training: boolean;
  /** Every gradient carries this factor (loss scaling); default 1. */
  readonly lossScale?: number;
}

export interface PassResult {
  /** The batch's share of the global loss, summed over the heads. */
  readonly loss: number;
  /** Each head's share, by layer name. */
  readonly headLosses: ReadonlyMap<string, number>;
  /** Each head's top-1 hits, by layer name (evaluation passes only). */
  readonly headAccuracy: ReadonlyMap<string, HeadAccuracy>;
}

/**
 * Top-1 hits of a head: rows whose arg max is the label, of the rows whose loss counts (with the fine-tuning
 * heads' confusion counts and per-group hits).
 */
export type HeadAccuracy = Hits;

const addCounts = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a && b ? a.map((v, i) => v + (b[i] ?? 0)) : (a ?? b);

/** The hits of two shards (or micro-batches) of one batch together. */
export function addHits(a: HeadAccuracy | undefined, b: HeadAccuracy): HeadAccuracy {
  if (!a) return b;
  const confusion = addCounts(a.confusion, b.confusion);
  const groups = addCounts(a.groups, b.groups);
  return {
    correct: a.correct + b.correct,
    counted: a.counted + b.counted,
    ...(confusion && { confusion }),
    ...(groups && { groups }),
  };
}

export class LayerExecutor {
  constructor(
    readonly model: ModelIR,
    readonly weights: WeightHook,
  ) {}

  private ctx(l: LayerIR, o: PassOptions, aux: AuxLosses): StepContext {
    return { training: o.training, seed: o.seed, step: o.step, layerIndex: l.index, aux };
  }

  /** Forward (and, when training, backward) of one batch; gradients go to the weight hook. */
  run(batch: Batch, o: PassOptions): PassResult {
    const layers = this.model.layers;
    const saved: unknown[] = new Array(layers.length);
    const headLosses = new Map<string, number>();
    const headAccuracy = new Map<string, HeadAccuracy>();
    const aux = new AuxLosses();
    let x: Tensor | null = null;
    let loss = 0;
    for (const l of layers) {
      const r = layerKernel(l.kind).forward(
        l.spec as never,
        this.weights.fetch(l, "forward"),
        x,
        batch,
        this.ctx(l, o, aux),
      );
      saved[l.index] = o.training ? r.saved : null;
      if (r.y === null) {
        headLosses.set(l.name, r.loss ?? 0);
        if (r.accuracy) headAccuracy.set(l.name, r.accuracy);
        loss += r.loss ?? 0;
      } else x = r.y;
    }
    if (headLosses.size === 0) throw new RuntimeError(`model ${this.model.name} has no loss head`);
    // the experts' load-balancing loss (training only): it spans the layers, so it is added here
    loss += aux.loss(batch.globalBatchSize);
    if (!Number.isFinite(loss) && !o.training) {
      throw new RuntimeError(`the evaluation loss is ${loss}: the weights hold NaN or Inf values`);
    }
    if (!o.training) return { loss, headLosses, headAccuracy };
    let g: Tensor | null = null;
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      const k = layerKernel(l.kind);
      const r = k.backward(
        l.spec as never,
        this.weights.fetch(l, "backward"),
        saved[i],
        k.isHead ? null : g,
        batch,
        this.ctx(l, o, aux),
        o.lossScale ?? 1,
      );
      saved[i] = null;
      const tiedTo = new Map(l.tied.map((t) => [t.local, t.owner]));
      const grads = new Map<string, Tensor>();
      for (const [local, t] of r.grads) grads.set(tiedTo.get(local) ?? fullParamName(l.name, local), t);
      this.weights.deliver(l, grads);
      if (k.isHead) {
        if (r.dx && g) addInto(g.data, r.dx.data);
        else if (r.dx) g = r.dx;
      } else g = r.dx;
    }
    return { loss, headLosses, headAccuracy };
  }
}
