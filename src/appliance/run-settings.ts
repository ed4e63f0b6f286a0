// From a run configuration's optimizer section (src/frontends/params) to the optimizer of numerics.
import type { OptimizerConfig as RunOptimizer } from "../frontends/params/index.js";
import type { OptimizerConfig } from "../numerics/index.js";

const OPTIMIZER_CLASS = { adamw: "AdamW", adam: "Adam", sgd: "SGD" } as const;

export function numericsOptimizer(o: RunOptimizer): OptimizerConfig {
  return {
    kind: OPTIMIZER_CLASS[o.kind],
    weightDecay: o.weightDecay,
    momentum: o.momentum,
    nesterov: o.nesterov,
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    correctBias: o.correctBias,
  };
}
