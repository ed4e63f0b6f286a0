// Where a layer's parameters come from and where its gradients go: the hook between the layer executor and
// whatever holds the weights. On the host (`run CPU`) that is HostWeights, a map of tensors; in the appliance,
// MemoryX stands behind the same interface (streaming each layer's weights out through SwarmX for its
// forward and again for its backward, and receiving the summed gradients).
import type { LayerIR, ModelIR } from "../model/index.js";
import { Tensor, addInto, paramsFromDecls } from "../numerics/index.js";
import type { OptimParam, ParamMap } from "../numerics/index.js";
import { RuntimeError } from "./errors.js";

export type Phase = "forward" | "backward";

export interface WeightHook {
  /** The parameters of `layer` for one pass, by local name, tied ones included (a tied head gets `wte`). */
  fetch(layer: LayerIR, phase: Phase): ParamMap;
  /** Gradients of `layer`'s pass, by full name (a tied head's table already under its owner's name). */
  deliver(layer: LayerIR, grads: ReadonlyMap<string, Tensor>): void;
}

/** The model's weights in host memory, with a gradient accumulator. */
export class HostWeights implements WeightHook {
  readonly params = new Map<string, Tensor>();
  readonly grads = new Map<string, Tensor>();
  private readonly decay = new Map<string, boolean>();
  private readonly lrScale = new Map<string, number>();

  /** Initialise every parameter from (seed, full name), as the numerics layer defines it. */
  constructor(
    readonly model: ModelIR,
    seed: number,
  ) {
    for (const l of model.layers) {
      const local = paramsFromDecls(l.params, seed, l.name);
      for (const p of l.params) {
        this.params.set(p.fullName, local.get(p.name)!);
        this.decay.set(p.fullName, p.decay);
        if (p.lrScale !== undefined) this.lrScale.set(p.fullName, p.lrScale);
      }
    }
  }

  fetch(layer: LayerIR): ParamMap {
    const m = new Map<string, Tensor>();
    for (const p of layer.params) m.set(p.name, this.params.get(p.fullName)!);
    for (const t of layer.tied) {
      const owner = this.params.get(t.owner);
      if (!owner) throw new RuntimeError(`layer ${layer.name} is tied to ${t.owner}, which holds no tensor`);
      m.set(t.local, owner);
    }
    return m;
  }

  deliver(_layer: LayerIR, grads: ReadonlyMap<string, Tensor>): void {
    for (const [name, g] of grads) {
      const have = this.grads.get(name);
      if (!have) {
        this.grads.set(name, g);
        continue;
      }
      addInto(have.data, g.data);
    }
  }

  clearGrads(): void {
    this.grads.clear();
  }

  /** The parameters as the optimizer takes them, in model order. */
  optimParams(): OptimParam[] {
    return [...this.params].map(([name, value]) => {
      const lrScale = this.lrScale.get(name);
      return { name, value, decay: this.decay.get(name)!, ...(lrScale !== undefined && { lrScale }) };
    });
  }

  /** Replace the values of every parameter (from a checkpoint); names and shapes must match. */
  load(values: ReadonlyMap<string, Float32Array>, from: string): void {
    for (const [name, t] of this.params) {
      const v = values.get(name);
      if (!v) throw new RuntimeError(`${from} has no tensor "${name}"; it was written for another model`);
      if (v.length !== t.data.length) {
        throw new RuntimeError(
          `${from}: "${name}" has ${v.length} values, the model's has ${t.data.length}; it was written for another model`,
        );
      }
      t.data.set(v);
    }
  }
}

export { Tensor };
