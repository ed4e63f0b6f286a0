// Family defaults: what each family fixes, so a config need only give sizes. Frontends start from these and
// apply the user's keys on top.
import type { BertConfig, DecoderLMConfig } from "./builders.js";

type FamilyDefaults = Omit<
  DecoderLMConfig,
  "vocabSize" | "hidden" | "layers" | "heads" | "ffn" | "maxPositions" | "seqLen"
>;

const GPT2: FamilyDefaults = {
  family: "gpt2",
  positionEmbedding: "learned",
  rotaryDim: 0,
  rotaryBase: 10000,
  rotaryStyle: "half",
  norm: "layernorm",
  normEps: 1e-5,
  activation: "gelu",
  residual: "pre",
  attentionBias: true,
  mlpBias: true,
  headBias: false,
  tiedEmbeddings: true,
  embeddingDropout: 0.1,
  dropout: 0.1,
  attentionDropout: 0.1,
  lossScaling: "num_tokens",
  lossWeight: 1,
  initializerRange: 0.02,
  computeDtype: "fp16",
};

/** Defaults per decoder family: GPT-2 and GPT-3 alike; GPT-J rotary, parallel, untied with head bias; LLaMA. */
export const DECODER_DEFAULTS: Readonly<Record<DecoderLMConfig["family"], FamilyDefaults>> = {
  gpt2: GPT2,
  gpt3: { ...GPT2, family: "gpt3" },
  gptj: {
    ...GPT2,
    family: "gptj",
    positionEmbedding: "rotary",
    rotaryDim: 64,
    rotaryStyle: "interleaved",
    residual: "parallel",
    attentionBias: false,
    headBias: true,
    tiedEmbeddings: false,
  },
  llama: {
    ...GPT2,
    family: "llama",
    positionEmbedding: "rotary",
    rotaryDim: 0,
    rotaryStyle: "half",
    norm: "rmsnorm",
    normEps: 1e-6,
    activation: "swiglu",
    attentionBias: false,
    mlpBias: false,
    tiedEmbeddings: false,
    embeddingDropout: 0,
    dropout: 0,
    attentionDropout: 0,
  },
};

type BertDefaults = Omit<
  BertConfig,
  | "vocabSize"
  | "hidden"
  | "layers"
  | "heads"
  | "ffn"
  | "maxPositions"
  | "seqLen"
  | "mlmPredictions"
  | "nspLossWeight"
>;

/** BERT as Model Zoo's bert configs leave it: two segments, GELU, dropout 0.1, NSP, MLM decoder tied. */
export const BERT_DEFAULTS: BertDefaults = {
  typeVocabSize: 2,
  normEps: 1e-5,
  activation: "gelu",
  dropout: 0.1,
  attentionDropout: 0.1,
  nsp: true,
  tiedEmbeddings: true,
  lossScaling: "batch_size",
  lossWeight: 1,
  initializerRange: 0.02,
  computeDtype: "fp16",
};
