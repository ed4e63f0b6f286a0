// layers: the layer kinds (spec.ts, the one definition shared with model/ and compiler/) and a host kernel
// for each, forward and backward, registered by kind (registry.ts; contract in kernel.ts).
export * from "./spec.js";
export { LAYER_KERNELS, layerKernel } from "./registry.js";
export type {
  BackwardResult,
  ForwardResult,
  GradMap,
  Hits,
  LayerKernel,
  ParamMap,
  SpecOf,
} from "./kernel.js";
export { fullParamName, initLayerParams, paramsFromDecls } from "./init.js";
export { LOGITS_LIMITS, VOCAB_LOSS } from "./heads.js";
export { AuxLosses } from "./aux-loss.js";
