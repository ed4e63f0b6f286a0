// Loss scaling (Model Zoo loss_scaling_factor): the backward is seeded with the scale S, so every gradient
// carries it, and the optimizer divides it out. "dynamic": a step whose gradients overflow (Inf or NaN) is
// skipped and S halves (not below min); after `stepsPerIncrease` good steps in a row S doubles (not above
// max). On the host the arithmetic is fp32 throughout, so overflow is rare; the rule is the real one.
import type { LossScalingConfig } from "../frontends/index.js";
import type { Tensor } from "../numerics/index.js";

export interface LossScaleState {
  readonly scale: number;
  readonly goodSteps: number;
}

export class LossScaler {
  scale: number;
  goodSteps = 0;

  constructor(readonly config: LossScalingConfig) {
    this.scale = config.mode === "none" ? 1 : config.initialScale;
  }

  /** Whether all gradients are finite. */
  static finite(grads: Iterable<Tensor>): boolean {
    for (const g of grads) {
      const d = g.data;
      for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
    }
    return true;
  }

  /** After a step: returns whether to apply the update. */
  update(finite: boolean): boolean {
    if (this.config.mode !== "dynamic") return true;
    if (!finite) {
      this.scale = Math.max(this.config.minScale, this.scale / 2);
      this.goodSteps = 0;
      return false;
    }
    this.goodSteps++;
    if (this.goodSteps >= this.config.stepsPerIncrease) {
      this.scale = Math.min(this.config.maxScale, this.scale * 2);
      this.goodSteps = 0;
    }
    return true;
  }

  state(): LossScaleState {
    return { scale: this.scale, goodSteps: this.goodSteps };
  }

  load(s: LossScaleState): void {
    this.scale = s.scale;
    this.goodSteps = s.goodSteps;
  }
}
