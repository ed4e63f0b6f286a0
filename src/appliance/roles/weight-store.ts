// A model's weights and optimizer state, with the weight-gradient accumulator of a step: what MemoryX holds
// for weight streaming, and what a CS-X holds on its wafer in pipelined mode. The weights are the runtime's
// HostWeights (created from the model IR keyed by (seed, full name), as `run CPU` creates them); the update at
// the step boundary is `run CPU`'s: overflow check under dynamic loss scaling, clipping of the global norm,
// the optimizer with the schedule's learning rate, gradients cleared.
import type { LayerIR, ModelIR } from "../../model/index.js";
import { Optimizer, clipGradNorm } from "../../numerics/index.js";
import type { OptimParam, OptimizerConfig, OptimizerState, ParamMap, Tensor } from "../../numerics/index.js";
import { HostWeights, LossScaler } from "../../runtime/index.js";
import { ApplianceError } from "../errors.js";
import type { WireTensor } from "./wire.js";

/** What the step boundary needs. */
export interface UpdateOptions {
  readonly lr: number;
  /** Clip the global gradient norm to this; none when null. */
  readonly maxGradNorm: number | null;
  /** 1 / loss scale: the factor the gradients still carry. */
  readonly gradScale: number;
  /** Dynamic loss scaling: skip the update when a gradient is not finite. */
  readonly checkFinite: boolean;
}

export interface UpdateResult {
  /** Whether every gradient was finite (always true when not checked). */
  readonly finite: boolean;
}

/** A copy of everything a checkpoint keeps of the weights: tensors by full name and the optimizer state. */
export interface WeightSnapshot {
  readonly weights: Readonly<Record<string, WireTensor>>;
  readonly optimizer: OptimizerState | null;
}

export class WeightStore {
  readonly host: HostWeights;
  readonly optimizer: Optimizer | null;
  private readonly params: OptimParam[];

  constructor(
    readonly model: ModelIR,
    seed: number,
    optimizer: OptimizerConfig | null,
  ) {
    this.host = new HostWeights(model, seed);
    this.optimizer = optimizer ? new Optimizer(optimizer) : null;
    this.params = this.host.optimParams();
  }

  layer(i: number): LayerIR {
    const l = this.model.layers[i];
    if (!l)
      throw new ApplianceError(`layer ${i} does not exist; the model has ${this.model.layers.length} layers`);
    return l;
  }

  /** The parameters layer `i` computes with, by local name (a tied head gets the token table too). */
  paramsFor(i: number): ParamMap {
    return this.host.fetch(this.layer(i));
  }

  /** Add layer `i`'s weight gradients (by full name) into the step's accumulator; takes ownership. */
  accumulate(i: number, grads: ReadonlyMap<string, Tensor>): void {
    this.host.deliver(this.layer(i), grads);
  }

  /** The step boundary (as `run CPU` does it). */
  update(o: UpdateOptions): UpdateResult {
    if (!this.optimizer)
      throw new ApplianceError("this weight store has no optimizer: the run is evaluation only");
    const finite = !o.checkFinite || LossScaler.finite(this.host.grads.values());
    if (finite) {
      if (o.maxGradNorm !== null) clipGradNorm(this.host.grads.values(), o.maxGradNorm, o.gradScale);
      this.optimizer.step(this.params, this.host.grads, { lr: o.lr, gradScale: o.gradScale });
    }
    this.host.clearGrads();
    return { finite };
  }

  snapshot(): WeightSnapshot {
    const weights: Record<string, WireTensor> = {};
    for (const [name, t] of this.host.params) weights[name] = { shape: t.shape, data: t.data.slice() };
    return { weights, optimizer: this.optimizer?.state() ?? null };
  }

  /** Load weights (and optimizer state) from a snapshot or a checkpoint; `from` names it in errors. */
  restore(s: WeightSnapshot, from: string): void {
    this.host.load(new Map(Object.entries(s.weights).map(([k, v]) => [k, v.data])), from);
    if (this.optimizer && s.optimizer) this.optimizer.loadState(s.optimizer);
  }
}
