// From a run configuration (src/frontends/params) to what the appliance computes with: the optimizer of
// numerics, the learning rate at each step, clipping and loss scaling. Model Zoo's semantics:
//   constant:    lr = initial
//   linear:      lr = end + (initial - end) (1 - min(s, S) / S)
//   polynomial:  lr = end + (initial - end) (1 - min(s, S) / S)^power
//   cosine:      lr = end + (initial - end) (1 + cos(pi min(s, S) / S)) / 2
//   exponential: lr = initial decay_rate^(s / decay_steps)   (floor of the exponent when staircase)
// A list of segments runs each for its `steps` (the last until the end); with resetSteps (Model Zoo's
// default) each segment counts s from its own start, otherwise from 0. `s` is the 0-based optimizer step.
import type {
  LrSchedule,
  OptimizerConfig as RunOptimizer,
  RunConfig,
  ScheduleSegment,
} from "../frontends/params/index.js";
import type { OptimizerConfig } from "../numerics/index.js";
import { ApplianceError } from "./errors.js";

export function numericsOptimizer(o: RunOptimizer): OptimizerConfig {
  const kind = o.kind === "adamw" ? "AdamW" : o.kind === "adam" ? "Adam" : "SGD";
  if (o.kind === "sgd" && o.dampening !== 0)
    throw new ApplianceError(`optimizer dampening ${o.dampening} is not supported: use 0`, 2);
  return {
    kind,
    weightDecay: o.weightDecay,
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    correctBias: o.correctBias,
    momentum: o.momentum,
    nesterov: o.nesterov,
  };
}

function segmentLr(g: ScheduleSegment, s: number): number {
  const S = g.steps ?? Infinity;
  const frac = Number.isFinite(S) && S > 0 ? Math.min(s, S) / S : 0;
  const d = g.initial - g.end;
  switch (g.kind) {
    case "constant":
      return g.initial;
    case "linear":
      return g.end + d * (1 - frac);
    case "polynomial":
      return g.end + d * Math.pow(1 - frac, g.power);
    case "cosine":
      return g.end + (d * (1 + Math.cos(Math.PI * frac))) / 2;
    case "exponential": {
      const e = s / g.decaySteps;
      return g.initial * Math.pow(g.decayRate, g.staircase ? Math.floor(e) : e);
    }
  }
}

/** The learning rate at 0-based optimizer step `step`. */
export function learningRate(sch: LrSchedule, step: number): number {
  let start = 0;
  const segs = sch.segments;
  for (let i = 0; i < segs.length; i++) {
    const g = segs[i];
    const len = g.steps ?? Infinity;
    if (step < start + len || i === segs.length - 1)
      return segmentLr(g, sch.resetSteps ? step - start : step);
    start += len;
  }
  throw new ApplianceError("the learning-rate schedule has no segments", 2);
}

/** Loss scaling as the run asks for it; dynamic scaling halves on overflow (skipping the step) and doubles
 * after `stepsPerIncrease` clean steps, within [minScale, maxScale]. */
export class LossScaler {
  scale: number;
  private clean = 0;

  constructor(private readonly cfg: RunConfig["precision"]["lossScaling"]) {
    this.scale = cfg.mode === "none" ? 1 : cfg.initialScale;
  }

  /** After a step: whether its gradients were finite. Returns whether to apply the update. */
  observe(finite: boolean): boolean {
    if (this.cfg.mode !== "dynamic") return finite;
    if (!finite) {
      this.scale = Math.max(this.cfg.minScale, this.scale / 2);
      this.clean = 0;
      return false;
    }
    if (++this.clean >= this.cfg.stepsPerIncrease) {
      this.scale = Math.min(this.cfg.maxScale, this.scale * 2);
      this.clean = 0;
    }
    return true;
  }
}
