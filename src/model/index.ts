// model: the model IR (a model as the sequence of layers it executes as, with parameters declared, not
// allocated, and per-sample costs) and builders for the families real users run.
export { assemble, buildBert, buildDecoderLM, buildMlp, buildVit } from "./builders.js";
export type { BertConfig, DecoderLMConfig, MlpConfig, MupSettings, VitConfig } from "./builders.js";
export { BERT_DEFAULTS, DECODER_DEFAULTS } from "./presets.js";
export { layerCost } from "./flops.js";
export type { CostContext, LayerCost } from "./flops.js";
export type { ComputeDtype, LayerFlops, LayerIR, ModelFamily, ModelIR, ParamIR, TiedParam } from "./ir.js";
