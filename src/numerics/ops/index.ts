// ops: the numerical kernels on flat Float32Arrays with explicit dimensions, each forward beside its backward.
// Allocation-free where the caller passes the output; the layer kernels (../layers) compose them.
export { ACTIVATIONS, activation, erf, swigluBackward, swigluForward } from "./activations.js";
export type { ActivationKernel } from "./activations.js";
export { attentionBackward, attentionForward } from "./attention.js";
export type { AttentionConfig, AttentionSaved } from "./attention.js";
export { countCorrect, crossEntropy } from "./cross-entropy.js";
export { dropoutApply } from "./dropout.js";
export type { DropoutSite } from "./dropout.js";
export { embeddingGather, embeddingScatterAdd } from "./embedding.js";
export {
  add,
  addInto,
  biasAdd,
  biasGrad,
  fillRows,
  linearBackward,
  linearForward,
  matmul,
  matmulBackward,
} from "./linear.js";
export type { MatmulOptions } from "./linear.js";
export { layerNormBackward, layerNormForward, rmsNormBackward, rmsNormForward } from "./norm.js";
export { rotaryApply, rotaryTables, rotate } from "./rotary.js";
export type { RotaryStyle, RotaryTables } from "./rotary.js";
export { softmaxBackward, softmaxForward, softmaxRow } from "./softmax.js";
