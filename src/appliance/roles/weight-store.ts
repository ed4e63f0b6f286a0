// A model's weights and optimizer state, with the weight-gradient accumulator of a step: what MemoryX holds
// for weight streaming, and what a CS-X holds on its wafer in pipelined mode. Weights are created from the
// model IR's parameter declarations keyed by (seed, full name), exactly as every other executor creates
// them, so all modes start from the same numbers.
//
// Tied weights: a head tied to the embedding (lm_head "weight", mlm_head "decoder.weight") is handed the
// embedding's token table under its own name, and its gradient is added to the table's.
import type { LayerIR, ModelIR } from "../../model/index.js";
import {
  Optimizer,
  clipGradNorm,
  globalGradNorm,
  fullParamName,
  optimParams,
  paramsFromDecls,
  tiedParamName,
} from "../../numerics/index.js";
import type {
  ModelLayer,
  OptimParam,
  OptimizerConfig,
  OptimizerState,
  Tensor,
} from "../../numerics/index.js";
import { ApplianceError } from "../errors.js";

/** What the step boundary needs: the learning rate, clipping, and the factor gradients still carry. */
export interface UpdateOptions {
  readonly lr: number;
  /** Clip the global gradient norm to this; none when absent. */
  readonly maxGradNorm?: number | null;
  /** 1 / loss scale: gradients arrive multiplied by the loss scale. */
  readonly gradScale?: number;
}

export interface UpdateResult {
  /** Global gradient norm before clipping (unscaled). */
  readonly gradNorm: number;
  /** False when the gradients were not finite and the update was skipped. */
  readonly applied: boolean;
}

/** A copy of everything a checkpoint keeps: weights by full name and the optimizer state. */
export interface WeightSnapshot {
  readonly params: Readonly<Record<string, Float32Array>>;
  readonly optimizer: OptimizerState | null;
}

export class WeightStore {
  readonly layers: readonly ModelLayer[];
  readonly optimizer: Optimizer | null;
  private readonly optParams: readonly OptimParam[];
  private readonly emb: ModelLayer | null;
  private grads = new Map<string, Tensor>();

  constructor(layers: readonly ModelLayer[], optimizer: OptimizerConfig | null) {
    this.layers = layers;
    this.emb = layers.find((l) => l.spec.kind === "embedding") ?? null;
    this.optimizer = optimizer ? new Optimizer(optimizer) : null;
    this.optParams = optimParams(layers);
  }

  /** The initial weights of a model IR for `seed`. */
  static fromModel(model: ModelIR, seed: number, optimizer: OptimizerConfig | null): WeightStore {
    return new WeightStore(
      model.layers.map((l: LayerIR) => ({
        name: l.name,
        spec: l.spec,
        params: paramsFromDecls(l.params, seed, l.name),
      })),
      optimizer,
    );
  }

  /** The parameters layer `i` computes with, by local name (a tied head gets the token table too). */
  paramsFor(i: number): Map<string, Tensor> {
    const l = this.layer(i);
    const tie = tiedParamName(l.spec);
    if (!tie) return l.params;
    const wte = this.emb?.params.get("wte");
    if (!wte)
      throw new ApplianceError(
        `layer "${l.name}" is tied to an embedding token table the model does not have`,
      );
    const m = new Map(l.params);
    m.set(tie, wte);
    return m;
  }

  /** Add layer `i`'s weight gradients (by local name) into the step's accumulator; takes ownership. */
  accumulate(i: number, grads: ReadonlyMap<string, Tensor>): void {
    const l = this.layer(i);
    const tie = tiedParamName(l.spec);
    for (const [local, g] of grads) {
      const name =
        tie && local === tie && this.emb ? fullParamName(this.emb.name, "wte") : fullParamName(l.name, local);
      const have = this.grads.get(name);
      if (!have) {
        this.grads.set(name, g);
        continue;
      }
      const a = have.data;
      const b = g.data;
      if (a.length !== b.length)
        throw new ApplianceError(`gradient of ${name}: ${b.length} elements arrived, ${a.length} expected`);
      for (let k = 0; k < a.length; k++) a[k] += b[k];
    }
  }

  /**
   * The step boundary: clip, apply the optimizer to the accumulated gradients, clear them. Gradients that are
   * not finite (an overflow under loss scaling) are dropped and the update skipped (`applied: false`).
   */
  update(o: UpdateOptions): UpdateResult {
    if (!this.optimizer)
      throw new ApplianceError("this weight store has no optimizer: the run is evaluation only");
    const scale = o.gradScale ?? 1;
    const clip = o.maxGradNorm !== undefined && o.maxGradNorm !== null;
    const gradNorm = clip
      ? clipGradNorm(this.grads.values(), o.maxGradNorm as number, scale)
      : globalGradNorm(this.grads.values(), scale);
    if (!Number.isFinite(gradNorm)) {
      this.grads = new Map();
      return { gradNorm, applied: false };
    }
    this.optimizer.step(this.optParams, this.grads, { lr: o.lr, gradScale: scale });
    this.grads = new Map();
    return { gradNorm, applied: true };
  }

  /** Drop the accumulated gradients (a step abandoned, e.g. skipped for overflow). */
  discardGradients(): void {
    this.grads = new Map();
  }

  snapshot(): WeightSnapshot {
    const params: Record<string, Float32Array> = {};
    for (const p of this.optParams) params[p.name] = p.value.data.slice();
    return { params, optimizer: this.optimizer?.state() ?? null };
  }

  restore(s: WeightSnapshot): void {
    for (const p of this.optParams) {
      const v = s.params[p.name];
      if (!v)
        throw new ApplianceError(`the checkpoint has no weights for ${p.name}; it is not of this model`);
      if (v.length !== p.value.data.length)
        throw new ApplianceError(
          `the checkpoint's ${p.name} has ${v.length} elements, the model's ${p.value.data.length}; it is not of this model`,
        );
      p.value.data.set(v);
    }
    if (this.optimizer && s.optimizer) this.optimizer.loadState(s.optimizer);
  }

  private layer(i: number): ModelLayer {
    const l = this.layers[i];
    if (!l) throw new ApplianceError(`layer ${i} does not exist; the model has ${this.layers.length} layers`);
    return l;
  }
}
