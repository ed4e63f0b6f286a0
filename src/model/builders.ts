// Builders for the model families real users run: decoder language models (GPT-2, GPT-3, GPT-J, LLaMA), BERT
// and a plain MLP. Each turns a typed family config into the model IR; none allocates weights.
import { layerParams, numel } from "../numerics/layers/spec.js";
import type {
  Activation,
  InitStds,
  LayerSpec,
  LossScaling,
  MoeSpec,
  NormType,
  TaskHeadSpec,
  TransformerBlockSpec,
} from "../numerics/layers/spec.js";
import type { RotaryScaling } from "../numerics/ops/rotary.js";
import { layerCost } from "./flops.js";
import type { CostContext } from "./flops.js";
import type { ComputeDtype, LayerFlops, LayerIR, ModelFamily, ModelIR, ParamIR, TiedParam } from "./ir.js";

/** muP's multipliers and per-group learning rates, and the blocks' initialisation it scales. */
export interface MupSettings {
  readonly embeddingsScale: number;
  readonly logitsScale: number;
  /** Scale of the attention scores (1 / sqrt(D) without muP). */
  readonly scoreScale: number;
  readonly lrScales: { readonly attention: number; readonly ffnIn: number; readonly ffnOut: number };
  /** Initialisation of the blocks' weights (std) and residual-output projections (outputStd). */
  readonly blockInit: InitStds;
}

/** A decoder-only language model: GPT-2, GPT-3, GPT-J and LLaMA differ only in these settings. */
export interface DecoderLMConfig {
  readonly family: "gpt2" | "gpt3" | "gptj" | "llama";
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  /** Rows of the learned position table (max_position_embeddings). */
  readonly maxPositions: number;
  /** Tokens per sample in training (max_sequence_length); at most maxPositions with learned positions. */
  readonly seqLen: number;
  /** Learned table, rotary, or ALiBi biases in the attention (no table). */
  readonly positionEmbedding: "learned" | "rotary" | "alibi";
  /** A norm after the embeddings (BLOOM's embedding_layer_norm), of the model's norm type. */
  readonly embeddingNorm?: boolean;
  /** ALiBi's slopes are divided by this (Model Zoo's pos_scaling_factor with alibi); 1. */
  readonly alibiScale?: number;
  /** Rotated dimensions per head (rotary only); 0 means the whole head. */
  readonly rotaryDim: number;
  readonly rotaryBase: number;
  readonly rotaryStyle: "interleaved" | "half";
  /** RoPE position scaling (Llama 3.1); absent: none. */
  readonly rotaryScaling?: RotaryScaling | null;
  /** Key/value heads (grouped-query attention); absent: `heads`. */
  readonly kvHeads?: number;
  readonly norm: NormType;
  readonly normEps: number;
  readonly activation: Activation;
  /** "pre" (GPT-2/3, LLaMA) or "parallel" attention and MLP (GPT-J). */
  readonly residual: "pre" | "parallel";
  /** Parallel blocks with a norm for each branch (GPT-NeoX). */
  readonly untiedNorms?: boolean;
  /**
   * Which blocks the sliding window applies to (Model Zoo's sliding_window_every_other_decoder_layer and its
   * pattern, Gemma 2): "all" (default), or every other block, "odd" (blocks 1, 3, ...: full attention first)
   * or "even" (blocks 0, 2, ...: sliding window first).
   */
  readonly slidingWindowLayers?: "all" | "odd" | "even";
  /** Attention head size when the attention is not hidden wide (attention_inner_dim / num_heads). */
  readonly headSize?: number;
  /** Soft-capping of the attention scores and of the final logits (Gemma 2). */
  readonly attentionSoftcap?: number;
  readonly logitsSoftcap?: number;
  /** Norms after the attention and the MLP too (norm_first_sandwich, Gemma 2). */
  readonly sandwichNorms?: boolean;
  /** A mixture of experts in place of every block's MLP (Mixtral); absent: dense MLPs. */
  readonly moe?: MoeSpec;
  /** Sliding-window attention (Mistral's attention_sliding_window_length); absent: full causal. */
  readonly slidingWindow?: number;
  /** muP, as Model Zoo applies it (the frontends derive these from its keys); absent: standard. */
  readonly mup?: MupSettings;
  readonly attentionBias: boolean;
  readonly mlpBias: boolean;
  /** Bias on the LM head (GPT-J). */
  readonly headBias: boolean;
  /** The LM head uses the token embedding table (share_embedding_weights). */
  readonly tiedEmbeddings: boolean;
  readonly embeddingDropout: number;
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly lossScaling: LossScaling;
  readonly lossWeight: number;
  /** Std of N(0, std^2) weight initialisation (initializer_range). */
  readonly initializerRange: number;
  /** Std for residual output projections; default initializerRange / sqrt(2 * layers) as in GPT-2. */
  readonly outputInitStd?: number;
  /** Std for the embedding tables (Model Zoo `embedding_initializer.std`); default initializerRange. */
  readonly embeddingInitStd?: number;
  readonly computeDtype: ComputeDtype;
}

export interface BertConfig {
  readonly vocabSize: number;
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  readonly maxPositions: number;
  readonly seqLen: number;
  /** Segment vocabulary (2 in BERT). */
  readonly typeVocabSize: number;
  /** Position ids that skip padding (RoBERTa: mask_padding_in_positional_embed). */
  readonly paddingPositions?: boolean;
  /**
   * ESM-2's encoder (Model Zoo's esm2, a BERT config): pre-norm blocks (norm_first), a final norm
   * (use_final_layer_norm), no norm after the embeddings (embedding_layer_norm false), rotary positions
   * (rotaryDim, rotaryBase) instead of the learned table, and token dropout. Absent: BERT's.
   */
  readonly preNorm?: boolean;
  readonly finalNorm?: boolean;
  readonly embeddingNorm?: boolean;
  readonly rotary?: { readonly dim: number; readonly base: number };
  readonly tokenDropout?: { readonly maskTokenId: number };
  /** The model's name in reports: "bert" (default) or "esm2". */
  readonly label?: string;
  readonly normEps: number;
  readonly activation: Activation;
  readonly dropout: number;
  readonly attentionDropout: number;
  /** Include the next-sentence-prediction head (and the pooler it uses). */
  readonly nsp: boolean;
  /** The MLM decoder uses the token embedding table. */
  readonly tiedEmbeddings: boolean;
  /** Positions per sample the MLM head predicts (max_predictions_per_seq); costs only, default seqLen. */
  readonly mlmPredictions?: number;
  readonly lossScaling: LossScaling;
  /** Multiplier on the masked-LM loss (Model Zoo `mlm_loss_weight`). */
  readonly lossWeight: number;
  /** Multiplier on the next-sentence loss; default 1. */
  readonly nspLossWeight?: number;
  /**
   * A fine-tuning head in place of the pre-training heads (Model Zoo's bert/classifier, token_classifier,
   * extractive_summarization, qa); `sentences` is the summarization head's max_cls_tokens (costs only).
   */
  readonly task?: Omit<TaskHeadSpec, "kind" | "hidden"> & { readonly sentences?: number };
  readonly initializerRange: number;
  readonly computeDtype: ComputeDtype;
}

export interface MlpConfig {
  readonly inFeatures: number;
  /** Widths of the hidden layers, in order. */
  readonly hiddenSizes: readonly number[];
  readonly classes: number;
  readonly activation: Activation;
  readonly bias: boolean;
  readonly dropout: number;
  readonly initializerRange: number;
  readonly computeDtype: ComputeDtype;
}

interface LayerDraft {
  readonly name: string;
  readonly spec: LayerSpec;
  readonly tied?: readonly TiedParam[];
  /** Initialisation of this layer's weights when it differs from the model's (embedding tables). */
  readonly init?: InitStds;
}

function sumFlops(fs: readonly LayerFlops[]): LayerFlops {
  return fs.reduce(
    (a, f) => ({
      forward: a.forward + f.forward,
      backward: a.backward + f.backward,
      elementwise: a.elementwise + f.elementwise,
    }),
    { forward: 0, backward: 0, elementwise: 0 },
  );
}

/** Turn named layer specs into the IR: parameter declarations, tied parameters, costs, totals. */
export function assemble(
  family: ModelFamily,
  name: string,
  drafts: readonly LayerDraft[],
  init: InitStds,
  cost: CostContext,
  meta: { seqLen: number; vocabSize: number; hidden: number; computeDtype: ComputeDtype },
): ModelIR {
  const owned = new Set<string>();
  const layers: LayerIR[] = drafts.map((d, index) => {
    const params: ParamIR[] = layerParams(d.spec, d.init ?? init).map((p) => {
      const fullName = `${d.name}.${p.name}`;
      owned.add(fullName);
      return { ...p, fullName, numel: numel(p.shape) };
    });
    const c = layerCost(d.spec, cost);
    return {
      index,
      name: d.name,
      kind: d.spec.kind,
      spec: d.spec,
      params,
      tied: d.tied ?? [],
      flops: c.flops,
      outputElements: c.outputElements,
      savedElements: c.savedElements,
    };
  });
  for (const l of layers) {
    for (const t of l.tied) {
      if (!owned.has(t.owner))
        throw new Error(`layer ${l.name} ties "${t.local}" to ${t.owner}, which no layer owns`);
    }
  }
  const paramCount = layers.reduce((a, l) => a + l.params.reduce((b, p) => b + p.numel, 0), 0);
  return { family, name, layers, ...meta, paramCount, flopsPerSample: sumFlops(layers.map((l) => l.flops)) };
}

/** GPT-2, GPT-3, GPT-J or LLaMA. */
export function buildDecoderLM(c: DecoderLMConfig): ModelIR {
  const headDim = c.headSize ?? c.hidden / c.heads;
  const block: TransformerBlockSpec = {
    kind: "transformer_block",
    hidden: c.hidden,
    heads: c.heads,
    ffn: c.ffn,
    norm: c.norm,
    normEps: c.normEps,
    activation: c.activation,
    residual: c.residual,
    attentionBias: c.attentionBias,
    mlpBias: c.mlpBias,
    causal: true,
    rotaryDim: c.positionEmbedding === "rotary" ? c.rotaryDim || headDim : 0,
    rotaryBase: c.rotaryBase,
    rotaryStyle: c.rotaryStyle,
    ...(c.rotaryScaling && c.positionEmbedding === "rotary" && { rotaryScaling: c.rotaryScaling }),
    ...(c.kvHeads !== undefined && c.kvHeads !== c.heads && { kvHeads: c.kvHeads }),
    ...(c.untiedNorms && c.residual === "parallel" && { untiedNorms: true }),
    ...(c.moe && { moe: c.moe }),
    ...(c.headSize !== undefined && c.headSize * c.heads !== c.hidden && { headSize: c.headSize }),
    ...(c.attentionSoftcap !== undefined && { attentionSoftcap: c.attentionSoftcap }),
    ...(c.sandwichNorms && { sandwichNorms: true }),
    ...(c.positionEmbedding === "alibi" && { alibi: true }),
    ...(c.positionEmbedding === "alibi" &&
      c.alibiScale !== undefined &&
      c.alibiScale !== 1 && {
        alibiScale: c.alibiScale,
      }),
    ...(c.mup && { scoreScale: c.mup.scoreScale, lrScales: c.mup.lrScales }),
    dropout: c.dropout,
    attentionDropout: c.attentionDropout,
  };
  const every = c.slidingWindowLayers ?? "all";
  const windowed = (i: number) =>
    c.slidingWindow !== undefined && (every === "all" || (every === "odd") === (i % 2 === 1));
  const drafts: LayerDraft[] = [
    {
      name: "embedding",
      spec: {
        kind: "embedding",
        vocabSize: c.vocabSize,
        hidden: c.hidden,
        positionEmbedding: c.positionEmbedding === "alibi" ? "none" : c.positionEmbedding,
        maxPositions: c.maxPositions,
        typeVocabSize: 0,
        norm: c.embeddingNorm ? c.norm : null,
        normEps: c.normEps,
        dropout: c.embeddingDropout,
        ...(c.mup && c.mup.embeddingsScale !== 1 && { scale: c.mup.embeddingsScale }),
      },
      init:
        c.embeddingInitStd === undefined
          ? undefined
          : { std: c.embeddingInitStd, outputStd: c.embeddingInitStd },
    },
    ...Array.from({ length: c.layers }, (_, i) => ({
      name: `block.${i}`,
      spec: windowed(i) ? { ...block, slidingWindow: c.slidingWindow } : block,
      ...(c.mup && { init: c.mup.blockInit }),
    })),
    { name: "final_norm", spec: { kind: "final_norm", hidden: c.hidden, norm: c.norm, normEps: c.normEps } },
    {
      name: "lm_head",
      spec: {
        kind: "lm_head",
        hidden: c.hidden,
        vocabSize: c.vocabSize,
        bias: c.headBias,
        tied: c.tiedEmbeddings,
        lossScaling: c.lossScaling,
        lossWeight: c.lossWeight,
        ...(c.mup && c.mup.logitsScale !== 1 && { logitsScale: c.mup.logitsScale }),
        ...(c.logitsSoftcap !== undefined && { logitsSoftcap: c.logitsSoftcap }),
      },
      tied: c.tiedEmbeddings ? [{ local: "weight", owner: "embedding.wte" }] : [],
    },
  ];
  const init = {
    std: c.initializerRange,
    outputStd: c.outputInitStd ?? c.initializerRange / Math.sqrt(2 * c.layers),
  };
  return assemble(
    c.family,
    `${c.family} (hidden ${c.hidden}, ${c.layers} layers, ${c.heads} heads)`,
    drafts,
    init,
    { seqLen: c.seqLen },
    { seqLen: c.seqLen, vocabSize: c.vocabSize, hidden: c.hidden, computeDtype: c.computeDtype },
  );
}

/** BERT with its masked-LM head and, when asked, the next-sentence head. */
/** An encoder block (BERT, ESM-2, ViT): LayerNorm, bidirectional attention. */
function encoderBlock(
  c: Pick<BertConfig, "hidden" | "heads" | "ffn" | "normEps" | "activation" | "dropout" | "attentionDropout">,
  o: { preNorm: boolean; attentionBias: boolean; mlpBias: boolean; rotary?: { dim: number; base: number } },
): TransformerBlockSpec {
  return {
    kind: "transformer_block",
    hidden: c.hidden,
    heads: c.heads,
    ffn: c.ffn,
    norm: "layernorm",
    normEps: c.normEps,
    activation: c.activation,
    residual: o.preNorm ? "pre" : "post",
    attentionBias: o.attentionBias,
    mlpBias: o.mlpBias,
    causal: false,
    rotaryDim: o.rotary?.dim ?? 0,
    rotaryBase: o.rotary?.base ?? 10000,
    rotaryStyle: "half",
    dropout: c.dropout,
    attentionDropout: c.attentionDropout,
  };
}

export function buildBert(c: BertConfig): ModelIR {
  const block = encoderBlock(c, {
    preNorm: c.preNorm === true,
    attentionBias: true,
    mlpBias: true,
    ...(c.rotary && { rotary: c.rotary }),
  });
  const drafts: LayerDraft[] = [
    {
      name: "embedding",
      spec: {
        kind: "embedding",
        vocabSize: c.vocabSize,
        hidden: c.hidden,
        positionEmbedding: c.rotary ? "rotary" : "learned",
        maxPositions: c.maxPositions,
        typeVocabSize: c.typeVocabSize,
        norm: c.embeddingNorm === false ? null : "layernorm",
        normEps: c.normEps,
        dropout: c.dropout,
        ...(c.paddingPositions && { paddingPositions: true }),
        ...(c.tokenDropout && { tokenDropout: c.tokenDropout }),
      },
    },
    ...Array.from({ length: c.layers }, (_, i) => ({ name: `block.${i}`, spec: block })),
  ];
  if (c.finalNorm)
    drafts.push({
      name: "final_norm",
      spec: { kind: "final_norm", hidden: c.hidden, norm: "layernorm", normEps: c.normEps },
    });
  const init = { std: c.initializerRange, outputStd: c.initializerRange };
  const meta = { seqLen: c.seqLen, vocabSize: c.vocabSize, hidden: c.hidden, computeDtype: c.computeDtype };
  if (c.task) {
    const { sentences, ...task } = c.task;
    drafts.push({ name: "task_head", spec: { kind: "task_head", hidden: c.hidden, ...task } });
    const what = { sequence: "classifier", token: "token classifier", sentence: "summarization", span: "qa" };
    return assemble(
      "bert",
      `${c.label ?? "bert"} ${what[task.task]} (hidden ${c.hidden}, ${c.layers} layers, ${c.heads} heads, ${task.classes} classes)`,
      drafts,
      init,
      { seqLen: c.seqLen, ...(sentences !== undefined && { sentences }) },
      meta,
    );
  }
  drafts.push({
    name: "mlm_head",
    spec: {
      kind: "mlm_head",
      hidden: c.hidden,
      vocabSize: c.vocabSize,
      activation: c.activation,
      norm: "layernorm",
      normEps: c.normEps,
      tied: c.tiedEmbeddings,
      lossScaling: c.lossScaling,
      lossWeight: c.lossWeight,
    },
    tied: c.tiedEmbeddings ? [{ local: "decoder.weight", owner: "embedding.wte" }] : [],
  });
  if (c.nsp)
    drafts.push({
      name: "nsp_head",
      spec: { kind: "nsp_head", hidden: c.hidden, lossWeight: c.nspLossWeight ?? 1 },
    });
  return assemble(
    "bert",
    `${c.label ?? "bert"} (hidden ${c.hidden}, ${c.layers} layers, ${c.heads} heads)`,
    drafts,
    init,
    { seqLen: c.seqLen, mlmPredictions: c.mlmPredictions },
    meta,
  );
}

export interface VitConfig {
  readonly channels: number;
  readonly imageSize: readonly [number, number];
  readonly patchSize: readonly [number, number];
  readonly hidden: number;
  readonly layers: number;
  readonly heads: number;
  readonly ffn: number;
  readonly classes: number;
  readonly normEps: number;
  readonly activation: Activation;
  /** Pre-norm blocks (norm_first, ViT's default). */
  readonly preNorm: boolean;
  readonly finalNorm: boolean;
  readonly clsToken: boolean;
  readonly embeddingDropout: number;
  readonly dropout: number;
  readonly attentionDropout: number;
  readonly attentionBias: boolean;
  readonly mlpBias: boolean;
  /** The encoder's pooler (dense + tanh on the class token) before the classifier (use_encoder_pooler_layer). */
  readonly pooler: boolean;
  readonly initializerRange: number;
  readonly computeDtype: ComputeDtype;
}

/**
 * ViT (Model Zoo's vision_transformer): the patch embedding, pre-norm encoder blocks without masks, the final
 * norm, and the classifier (a Linear) on the class token's row: a task_head of the sequence task.
 */
export function buildVit(c: VitConfig): ModelIR {
  const n = (c.imageSize[0] / c.patchSize[0]) * (c.imageSize[1] / c.patchSize[1]);
  const T = n + (c.clsToken ? 1 : 0);
  const block = encoderBlock(c, { preNorm: c.preNorm, attentionBias: c.attentionBias, mlpBias: c.mlpBias });
  const drafts: LayerDraft[] = [
    {
      name: "embedding",
      spec: {
        kind: "patch_embedding",
        channels: c.channels,
        imageSize: c.imageSize,
        patchSize: c.patchSize,
        hidden: c.hidden,
        clsToken: c.clsToken,
        dropout: c.embeddingDropout,
      },
    },
    ...Array.from({ length: c.layers }, (_, i) => ({ name: `block.${i}`, spec: block })),
  ];
  if (c.finalNorm)
    drafts.push({
      name: "final_norm",
      spec: { kind: "final_norm", hidden: c.hidden, norm: "layernorm", normEps: c.normEps },
    });
  drafts.push({
    name: "classifier",
    spec: {
      kind: "task_head",
      task: "sequence",
      hidden: c.hidden,
      classes: c.classes,
      bias: true,
      pooler: c.pooler,
      dropout: 0,
      lossWeight: 1,
    },
  });
  return assemble(
    "vit",
    `vit (${c.imageSize.join("x")} images in ${c.patchSize.join("x")} patches, hidden ${c.hidden}, ${c.layers} layers, ${c.heads} heads, ${c.classes} classes)`,
    drafts,
    { std: c.initializerRange, outputStd: c.initializerRange },
    { seqLen: T },
    { seqLen: T, vocabSize: 0, hidden: c.hidden, computeDtype: c.computeDtype },
  );
}

/** A plain multi-layer perceptron classifier. */
export function buildMlp(c: MlpConfig): ModelIR {
  const widths = [c.inFeatures, ...c.hiddenSizes];
  const drafts: LayerDraft[] = c.hiddenSizes.map((out, i) => ({
    name: `dense.${i}`,
    spec: {
      kind: "dense",
      inFeatures: widths[i],
      outFeatures: out,
      bias: c.bias,
      activation: c.activation,
      dropout: c.dropout,
    },
  }));
  drafts.push({
    name: "classifier",
    spec: {
      kind: "classifier_head",
      inFeatures: widths[widths.length - 1],
      classes: c.classes,
      bias: c.bias,
    },
  });
  const init = { std: c.initializerRange, outputStd: c.initializerRange };
  return assemble(
    "mlp",
    `mlp (${[...widths, c.classes].join("-")})`,
    drafts,
    init,
    { seqLen: 1 },
    { seqLen: 1, vocabSize: 0, hidden: Math.max(...widths), computeDtype: c.computeDtype },
  );
}
