// The layer kinds a model is executed as, one definition each: what a layer of each kind computes (its spec)
// and the parameters it holds (names, shapes, initialisation). Everything else is registered against these
// kinds in its own table: host forward/backward (numerics/layers), the model IR and FLOP counts (model/), wafer
// kernel matching and costs (compiler/, perf/).
//
// Shapes: B = batch (micro-batch on one system), T = sequence length, H = hidden size, V = vocabulary,
// F = feed-forward width, N = heads, D = H / N head size, P = max positions.
// Weights are stored as PyTorch's nn.Linear stores them: [out, in], so y = x W^T + b.
//
// A model runs as a sequence of layers, each with an explicit forward and backward, because weight streaming
// executes one layer at a time: forward in order with the layer's weights streamed in, then backward in reverse
// order with the weights streamed in again. Layers pass one activation tensor [B, T, H] (or [B, features] for
// the MLP family) between them; everything else a layer needs (token ids, masks, labels) comes from the batch.

import type { RotaryScaling } from "../ops/rotary.js";
import type { AuxLosses } from "./aux-loss.js";

/** Layer kinds. One line each: what the layer computes. */
export const LAYER_KINDS = {
  /** token (+ learned position) (+ token-type) embeddings, optional norm and dropout: ids [B,T] -> [B,T,H] */
  embedding: "embedding",
  /** one transformer block: attention and MLP with residuals, pre- or post-norm, or parallel (GPT-J) */
  transformer_block: "transformer_block",
  /** the norm after the last block: [B,T,H] -> [B,T,H] */
  final_norm: "final_norm",
  /** language-model head and masked cross-entropy: [B,T,H] -> loss (logits [B,T,V] are never kept whole) */
  lm_head: "lm_head",
  /** BERT masked-LM head (dense, activation, norm, decoder) and masked cross-entropy -> loss */
  mlm_head: "mlm_head",
  /** BERT next-sentence head (pooler on the first token, tanh, 2-way classifier) and cross-entropy -> loss */
  nsp_head: "nsp_head",
  /** fully connected layer with activation: [B,in] -> [B,out] (MLP family) */
  dense: "dense",
  /** fully connected classifier and softmax cross-entropy on class labels: [B,in] -> loss (MLP family) */
  classifier_head: "classifier_head",
  /** BERT fine-tuning head: rows of [B,T,H] (first token, every token, given positions), classifier -> loss */
  task_head: "task_head",
  /** ViT's patch embedding: images [B,C,H,W] -> patches projected, a class token, learned positions [B,1+N,H] */
  patch_embedding: "patch_embedding",
} as const;

export type LayerKind = keyof typeof LAYER_KINDS;

/** biasless_layernorm: LayerNorm with a gain and no bias (MPT, Model Zoo's biasless-layernorm). */
export type NormType = "layernorm" | "biasless_layernorm" | "rmsnorm";
/**
 * gelu: erf form; gelu_tanh: tanh approximation (GPT-2 "gelu_new"); the gated ones use two input projections:
 * swiglu: silu(x W_gate) * (x W_up), geglu: gelu(x W_gate) * (x W_up) (Gemma 2).
 */
export type Activation = "gelu" | "gelu_tanh" | "relu" | "silu" | "swiglu" | "geglu" | "tanh" | "none";
export type GatedActivation = "swiglu" | "geglu";

/** Whether an activation is gated (an MLP with gate and up projections). */
export function isGated(a: Activation): a is GatedActivation {
  return a === "swiglu" || a === "geglu";
}
/**
 * How Model Zoo normalises a summed masked loss: by the batch size (`batch_size`) or by the number of tokens
 * that count (`num_tokens`). The denominator is always the global one (whole batch, all systems), given by
 * the batch, so a sharded or micro-batched run computes the same loss as a whole-batch run.
 */
export type LossScaling = "batch_size" | "num_tokens";

export interface EmbeddingSpec {
  readonly kind: "embedding";
  readonly vocabSize: number;
  readonly hidden: number;
  /** Learned position table of `maxPositions` rows when "learned"; none when "rotary" (blocks rotate q, k). */
  readonly positionEmbedding: "learned" | "rotary" | "none";
  readonly maxPositions: number;
  /** Rows of the token-type (segment) table; 0 for none. BERT: 2. */
  readonly typeVocabSize: number;
  /** Norm applied to the summed embeddings (BERT: layernorm), or null. */
  readonly norm: NormType | null;
  readonly normEps: number;
  readonly dropout: number;
  /** Multiplies the embeddings after the norm, before dropout (muP's embeddings_scale); absent: 1. */
  readonly scale?: number;
  /**
   * Learned positions that skip padding (RoBERTa; Model Zoo's mask_padding_in_positional_embed): token t of a
   * row takes position t + 1, a padding token (id 0) position 0. Absent: position t.
   */
  readonly paddingPositions?: boolean;
  /**
   * ESM-2's token dropout (Model Zoo's token_dropout with mask_token_id): the token embedding of a mask token
   * is zeroed and every token embedding of sample b is scaled by (1 - 0.15 x 0.8) / (1 - m_b / n_b), m_b its
   * mask tokens and n_b its real tokens (the attention mask's sum), in training and evaluation alike.
   */
  readonly tokenDropout?: { readonly maskTokenId: number };
}

export interface TransformerBlockSpec {
  readonly kind: "transformer_block";
  readonly hidden: number;
  readonly heads: number;
  readonly ffn: number;
  readonly norm: NormType;
  readonly normEps: number;
  /** MLP activation; a gated one (swiglu, geglu) uses gate and up projections of width ffn. */
  readonly activation: Activation;
  /**
   * "pre": x + attn(norm1(x)), then x + mlp(norm2(x)) (GPT-2, GPT-3, LLaMA).
   * "post": norm1(x + attn(x)), then norm2(x + mlp(x)) (BERT).
   * "parallel": x + attn(norm1(x)) + mlp(norm1(x)), one norm (GPT-J); with `untiedNorms`,
   *             x + attn(norm1(x)) + mlp(norm2(x)) (GPT-NeoX, Model Zoo's use_untied_layer_norm).
   */
  readonly residual: "pre" | "post" | "parallel";
  /** Parallel blocks only: a norm of its own for the MLP branch. */
  readonly untiedNorms?: boolean;
  /** Biases on the q/k/v and output projections. */
  readonly attentionBias: boolean;
  /** Biases on the MLP projections. */
  readonly mlpBias: boolean;
  /** Causal (decoder) attention; otherwise bidirectional with the batch's padding mask. */
  readonly causal: boolean;
  /** Dimensions of each head rotated by rotary position embedding (0 = no rotary; D = all). GPT-J: 64. */
  readonly rotaryDim: number;
  /** Rotary base (theta). */
  readonly rotaryBase: number;
  /** Rotary pairing: "interleaved" pairs (2i, 2i+1) (GPT-J), "half" pairs (i, i + d/2) (LLaMA, NeoX). */
  readonly rotaryStyle: "interleaved" | "half";
  /** RoPE position scaling (Llama 3.1's "llama3", "linear"); none when absent. */
  readonly rotaryScaling?: RotaryScaling | null;
  /**
   * Key/value heads (grouped-query attention): query head i attends with key/value head floor(i / (N / G)).
   * Absent or equal to `heads`: multi-head attention; 1: multi-query. Must divide `heads`.
   */
  readonly kvHeads?: number;
  /**
   * ALiBi position biases (BLOOM, MPT, JAIS, BTLM): the scores get - m_h |i - j| / alibiScale added, with
   * the paper's slopes m_h for the block's heads. Absent: none.
   */
  readonly alibi?: boolean;
  readonly alibiScale?: number;
  /** Sliding-window attention (Mistral): query i attends keys i - window < j <= i; absent: every j <= i. */
  readonly slidingWindow?: number;
  /** Scale of the attention scores q.k; absent: 1 / sqrt(D). muP: alpha / D (scale_qk_dot_by_d). */
  readonly scoreScale?: number;
  /**
   * Size D of each attention head when the attention is not hidden wide (Model Zoo's attention_inner_dim /
   * num_heads: Gemma 2): q is N D wide and the output projection maps N D back to the hidden size. Absent:
   * hidden / heads.
   */
  readonly headSize?: number;
  /** Soft-capping of the scores (Gemma 2's attention_logit_softcapping c): s -> c tanh(s / c). Absent: none. */
  readonly attentionSoftcap?: number;
  /**
   * Norms after the sublayers too (Model Zoo's norm_first_sandwich, Gemma 2; pre-norm blocks only):
   * x + norm1_post(attn(norm1(x))), then x2 + norm2_post(mlp(norm2(x2))).
   */
  readonly sandwichNorms?: boolean;
  /**
   * Learning-rate multipliers of the block's weight matrices (muP): `attention` for q, k, v and the output
   * projection, `ffnIn` for the MLP's input projections (fc1, or gate and up), `ffnOut` for fc2. Absent: 1.
   */
  readonly lrScales?: { readonly attention: number; readonly ffnIn: number; readonly ffnOut: number };
  /** A mixture of experts in place of the MLP (Mixtral); absent: one dense MLP. */
  readonly moe?: MoeSpec;
  /** Dropout after the attention output and MLP output projections. */
  readonly dropout: number;
  /** Dropout on the attention probabilities. */
  readonly attentionDropout: number;
}

/**
 * A sparsely gated mixture of experts, as Model Zoo's SparseMoEBlock with learned softmax routing computes it:
 * router logits z = x W_router^T [E], p = softmax(z); each token goes to its `topK` most probable experts,
 * weighted by p_e / (sum of its top-k p + nullExpertBias) when `normalize` (by p_e otherwise); `shared`
 * experts see every token with weight 1. Each expert is an MLP of the block's activation and width. The
 * load-balancing loss (coefficient `loadBalancingCoef`, 0 for none) is E^2 * mean over rows b and experts e of
 * (P[b,e] * M[b,e]), with P the mean routing probability and M the fraction of tokens routed to e, each
 * averaged over the row's loss-mask tokens and then over the model's MoE layers.
 */
export interface MoeSpec {
  readonly experts: number;
  readonly topK: number;
  readonly shared: number;
  readonly normalize: boolean;
  readonly nullExpertBias: number;
  readonly loadBalancingCoef: number;
}

export interface FinalNormSpec {
  readonly kind: "final_norm";
  readonly hidden: number;
  readonly norm: NormType;
  readonly normEps: number;
}

export interface LmHeadSpec {
  readonly kind: "lm_head";
  readonly hidden: number;
  readonly vocabSize: number;
  /** Output bias [V] (GPT-J). */
  readonly bias: boolean;
  /** Multiplies the logits (muP's output_logits_scale); absent: 1. */
  readonly logitsScale?: number;
  /** Soft-capping of the (scaled) logits (Gemma 2's final_logit_softcapping c): z -> c tanh(z / c). */
  readonly logitsSoftcap?: number;
  /** Uses the embedding's token table as its weight instead of a table of its own. */
  readonly tied: boolean;
  readonly lossScaling: LossScaling;
  /** Multiplier on the loss (Model Zoo `loss_weight`). */
  readonly lossWeight: number;
}

export interface MlmHeadSpec {
  readonly kind: "mlm_head";
  readonly hidden: number;
  readonly vocabSize: number;
  readonly activation: Activation;
  readonly norm: NormType;
  readonly normEps: number;
  /** Decoder uses the embedding's token table (with a bias of its own either way). */
  readonly tied: boolean;
  readonly lossScaling: LossScaling;
  readonly lossWeight: number;
}

export interface NspHeadSpec {
  readonly kind: "nsp_head";
  readonly hidden: number;
  /** Multiplier on the loss. */
  readonly lossWeight: number;
}

export interface DenseSpec {
  readonly kind: "dense";
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  readonly activation: Activation;
  readonly dropout: number;
}

export interface ClassifierHeadSpec {
  readonly kind: "classifier_head";
  readonly inFeatures: number;
  readonly classes: number;
  readonly bias: boolean;
}

/**
 * What a fine-tuning head classifies, as Model Zoo's BERT fine-tuning models do:
 *   sequence  the first token's row through the pooler (dense + tanh): one label per sample (classifier);
 *   token     every token's row: one label per token, weighted by the loss mask (token_classifier);
 *   sentence  the rows at the sample's sentence positions (batch.taskPositions, M per sample): one label per
 *             sentence, weighted (extractive_summarization, BertSum);
 *   span      every token's row to 2 logits (start, end); each column is a softmax over the T positions, with
 *             the start and end positions as its labels (qa, SQuAD).
 */
export type FineTuningTask = "sequence" | "token" | "sentence" | "span";

/**
 * A fine-tuning head: rows -> (pooler) -> dropout -> classifier Linear(H, C) -> cross-entropy. The loss is
 * sum over rows of weight * CE / global batch size * lossWeight (Model Zoo's mean over samples for the
 * classifier, sum / batch size for the others); labels come from batch.taskLabels ([B], [B*T], [B*M] or
 * [B*2] by task), weights from batch.taskWeights (same shape; absent: 1).
 */
export interface TaskHeadSpec {
  readonly kind: "task_head";
  readonly task: FineTuningTask;
  readonly hidden: number;
  /** Classes C of the classifier (2 for span: the start and end logits). */
  readonly classes: number;
  /** Classifier bias (Model Zoo's use_cls_bias; true elsewhere). */
  readonly bias: boolean;
  /** Dense + tanh on the row before the classifier (BERT's pooler; sequence task). */
  readonly pooler: boolean;
  /** Dropout on the classifier's input (task_dropout, encoder_output_dropout_rate). */
  readonly dropout: number;
  readonly lossWeight: number;
}

/**
 * ViT's patch embedding (Model Zoo's ViTEmbeddingLayer with use_conv_patchified_embedding): the image cut into
 * N = (height / patch) x (width / patch) patches in row-major order, each projected by a Conv2d of kernel and
 * stride `patchSize` (weight [H, C, ph, pw], bias [H]: a product with the patch's C x ph x pw values), the
 * class token prepended, learned positions added ([1 + N, H]), dropout.
 */
export interface PatchEmbeddingSpec {
  readonly kind: "patch_embedding";
  readonly channels: number;
  readonly imageSize: readonly [number, number];
  readonly patchSize: readonly [number, number];
  readonly hidden: number;
  /** Prepend the class token (Model Zoo's prepend_cls_token). */
  readonly clsToken: boolean;
  readonly dropout: number;
}

/** Patches of a patch embedding: (height / ph) x (width / pw). */
export function patchCount(s: PatchEmbeddingSpec): number {
  return (s.imageSize[0] / s.patchSize[0]) * (s.imageSize[1] / s.patchSize[1]);
}

export type LayerSpec =
  | EmbeddingSpec
  | PatchEmbeddingSpec
  | TransformerBlockSpec
  | FinalNormSpec
  | LmHeadSpec
  | MlmHeadSpec
  | NspHeadSpec
  | DenseSpec
  | ClassifierHeadSpec
  | TaskHeadSpec;

/** Key/value heads of a block: `kvHeads`, or `heads` (multi-head attention). */
export function kvHeadsOf(spec: TransformerBlockSpec): number {
  return spec.kvHeads ?? spec.heads;
}

/** Size D of each attention head: `headSize`, or hidden / heads. */
export function headSizeOf(spec: TransformerBlockSpec): number {
  return spec.headSize ?? spec.hidden / spec.heads;
}

/** Width N D of the attention (the queries and the output projection's input): the hidden size unless `headSize`. */
export function attentionWidth(spec: TransformerBlockSpec): number {
  return spec.heads * headSizeOf(spec);
}

/** Rows of the fused q/k/v projection: N D for the queries and G D for each of keys and values. */
export function qkvWidth(spec: TransformerBlockSpec): number {
  return attentionWidth(spec) + 2 * kvHeadsOf(spec) * headSizeOf(spec);
}

/**
 * Parameter prefixes of a block's feed-forward part: "mlp", or with a mixture of experts the routed experts
 * "moe.expert.0" ... and then the shared ones "moe.shared.0" ....
 */
export function mlpPrefixes(spec: TransformerBlockSpec): string[] {
  if (!spec.moe) return ["mlp"];
  return [
    ...Array.from({ length: spec.moe.experts }, (_, e) => `moe.expert.${e}`),
    ...Array.from({ length: spec.moe.shared }, (_, e) => `moe.shared.${e}`),
  ];
}

/** How a parameter is initialised: N(0, std^2), zeros or ones. */
export type ParamInit =
  { readonly kind: "normal"; readonly std: number } | { readonly kind: "zeros" } | { readonly kind: "ones" };

export interface ParamDecl {
  /** Name local to the layer, e.g. "attn.qkv.weight". */
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
  /** Whether weight decay applies (matrices and embeddings yes; biases and norm gains no). */
  readonly decay: boolean;
  /** Multiplies the learning rate of this parameter (muP's per-layer learning rates); absent: 1. */
  readonly lrScale?: number;
}

/** Standard deviations for initialisation: `std` for most weights, `outputStd` for residual-output projections. */
export interface InitStds {
  readonly std: number;
  readonly outputStd: number;
}

const normal = (std: number): ParamInit => ({ kind: "normal", std });
const ZEROS: ParamInit = { kind: "zeros" };
const ONES: ParamInit = { kind: "ones" };

function normParams(prefix: string, norm: NormType, hidden: number): ParamDecl[] {
  const p = prefix ? `${prefix}.` : "";
  const out: ParamDecl[] = [{ name: `${p}weight`, shape: [hidden], init: ONES, decay: false }];
  if (norm === "layernorm") out.push({ name: `${p}bias`, shape: [hidden], init: ZEROS, decay: false });
  return out;
}

function linear(
  name: string,
  out: number,
  inp: number,
  bias: boolean,
  std: number,
  lrScale?: number,
): ParamDecl[] {
  const ps: ParamDecl[] = [
    {
      name: `${name}.weight`,
      shape: [out, inp],
      init: normal(std),
      decay: true,
      ...(lrScale !== undefined && lrScale !== 1 && { lrScale }),
    },
  ];
  if (bias) ps.push({ name: `${name}.bias`, shape: [out], init: ZEROS, decay: false });
  return ps;
}

/**
 * The parameters a layer of this spec holds, in a fixed order. A tied head holds no token table of its own
 * (the runtime hands it the embedding's `wte`). Pure: allocates nothing but the declarations.
 */
export function layerParams(spec: LayerSpec, init: InitStds): ParamDecl[] {
  switch (spec.kind) {
    case "embedding": {
      const ps: ParamDecl[] = [
        { name: "wte", shape: [spec.vocabSize, spec.hidden], init: normal(init.std), decay: true },
      ];
      if (spec.positionEmbedding === "learned") {
        ps.push({
          name: "wpe",
          shape: [spec.maxPositions, spec.hidden],
          init: normal(init.std),
          decay: true,
        });
      }
      if (spec.typeVocabSize > 0) {
        ps.push({
          name: "wtt",
          shape: [spec.typeVocabSize, spec.hidden],
          init: normal(init.std),
          decay: true,
        });
      }
      if (spec.norm) ps.push(...normParams("norm", spec.norm, spec.hidden));
      return ps;
    }
    case "transformer_block": {
      const h = spec.hidden;
      const ps: ParamDecl[] = [...normParams("norm1", spec.norm, h)];
      const lr = spec.lrScales;
      ps.push(...linear("attn.qkv", qkvWidth(spec), h, spec.attentionBias, init.std, lr?.attention));
      ps.push(
        ...linear("attn.out", h, attentionWidth(spec), spec.attentionBias, init.outputStd, lr?.attention),
      );
      if (spec.sandwichNorms) ps.push(...normParams("norm1_post", spec.norm, h));
      if (spec.residual !== "parallel" || spec.untiedNorms) ps.push(...normParams("norm2", spec.norm, h));
      if (spec.sandwichNorms) ps.push(...normParams("norm2_post", spec.norm, h));
      const mlp = (prefix: string) => {
        if (isGated(spec.activation)) {
          ps.push(...linear(`${prefix}.gate`, spec.ffn, h, spec.mlpBias, init.std, lr?.ffnIn));
          ps.push(...linear(`${prefix}.up`, spec.ffn, h, spec.mlpBias, init.std, lr?.ffnIn));
        } else {
          ps.push(...linear(`${prefix}.fc1`, spec.ffn, h, spec.mlpBias, init.std, lr?.ffnIn));
        }
        ps.push(...linear(`${prefix}.fc2`, h, spec.ffn, spec.mlpBias, init.outputStd, lr?.ffnOut));
      };
      if (spec.moe) {
        ps.push(...linear("moe.router", spec.moe.experts, h, false, init.std));
        for (const prefix of mlpPrefixes(spec)) mlp(prefix);
      } else mlp("mlp");
      return ps;
    }
    case "final_norm":
      return normParams("", spec.norm, spec.hidden);
    case "lm_head": {
      const ps: ParamDecl[] = [];
      if (!spec.tied)
        ps.push({
          name: "weight",
          shape: [spec.vocabSize, spec.hidden],
          init: normal(init.std),
          decay: true,
        });
      if (spec.bias) ps.push({ name: "bias", shape: [spec.vocabSize], init: ZEROS, decay: false });
      return ps;
    }
    case "mlm_head": {
      const ps: ParamDecl[] = [
        ...linear("dense", spec.hidden, spec.hidden, true, init.std),
        ...normParams("norm", spec.norm, spec.hidden),
      ];
      if (!spec.tied) {
        ps.push({
          name: "decoder.weight",
          shape: [spec.vocabSize, spec.hidden],
          init: normal(init.std),
          decay: true,
        });
      }
      ps.push({ name: "decoder.bias", shape: [spec.vocabSize], init: ZEROS, decay: false });
      return ps;
    }
    case "nsp_head":
      return [
        ...linear("pooler", spec.hidden, spec.hidden, true, init.std),
        ...linear("classifier", 2, spec.hidden, true, init.std),
      ];
    case "dense":
      return linear("fc", spec.outFeatures, spec.inFeatures, spec.bias, init.std);
    case "classifier_head":
      return linear("fc", spec.classes, spec.inFeatures, spec.bias, init.std);
    case "patch_embedding": {
      const [ph, pw] = spec.patchSize;
      const ps: ParamDecl[] = [
        {
          name: "proj.weight",
          shape: [spec.hidden, spec.channels, ph, pw],
          init: normal(init.std),
          decay: true,
        },
        { name: "proj.bias", shape: [spec.hidden], init: ZEROS, decay: false },
      ];
      if (spec.clsToken) ps.push({ name: "cls", shape: [spec.hidden], init: ZEROS, decay: false });
      ps.push({
        name: "wpe",
        shape: [patchCount(spec) + (spec.clsToken ? 1 : 0), spec.hidden],
        init: normal(init.std),
        decay: true,
      });
      return ps;
    }
    case "task_head":
      return [
        ...(spec.pooler ? linear("pooler", spec.hidden, spec.hidden, true, init.std) : []),
        ...linear("classifier", spec.classes, spec.hidden, spec.bias, init.std),
      ];
  }
}

/** Elements of a parameter. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * One (micro-)batch as the input workers deliver it to a system, flattened row-major. Row r of this batch is
 * sample `sampleOffset + r` of the step's global batch.
 */
export interface Batch {
  /** B: rows in this (micro-)batch. */
  readonly size: number;
  /** T: tokens per row (1 for the MLP family). */
  readonly seqLen: number;
  /** Index in the global batch of this batch's first row; keys the counter-based dropout generator. */
  readonly sampleOffset: number;
  /** Rows in the step's global batch (all systems, all micro-batches): the `batch_size` loss denominator. */
  readonly globalBatchSize: number;
  /** Sum of `lossMask` over the step's global batch: the `num_tokens` loss denominator. */
  readonly globalLossTokens: number;
  /** [B*T] token ids. */
  readonly inputIds?: Int32Array;
  /** [B*T] target ids (next token for GPT, original token for MLM). */
  readonly labels?: Int32Array;
  /** [B*T] 1 where a position's loss counts, else 0. */
  readonly lossMask?: Float32Array;
  /** [B*T] 1 for real tokens, 0 for padding (bidirectional attention). */
  readonly attentionMask?: Float32Array;
  /** [B*T] segment ids (BERT). */
  readonly tokenTypeIds?: Int32Array;
  /** [B] next-sentence labels (BERT). */
  readonly nspLabels?: Int32Array;
  /** [B*in] input features (MLP family). */
  readonly features?: Float32Array;
  /** [B] class labels (MLP family). */
  readonly classLabels?: Int32Array;
  /** [B*C*height*width] images, channels first (ViT). */
  readonly images?: Float32Array;
  /** A fine-tuning head's labels: [B] sequence, [B*T] token, [B*M] sentence, [B*2] span (start, end). */
  readonly taskLabels?: Int32Array;
  /** Weights of taskLabels, same shape (token: the loss mask; sentence: cls_weights; span: label_weights). */
  readonly taskWeights?: Float32Array;
  /** [B*M] the sentence task's token positions (BertSum's cls_indices), M per sample. */
  readonly taskPositions?: Int32Array;
  /** [B] an evaluation sample's group (MNLI: 1 matched, 0 mismatched), for per-group accuracy. */
  readonly taskGroups?: Int32Array;
}

/**
 * What a layer's forward and backward need besides its parameters and input. Randomness (dropout) is drawn
 * from a counter-based generator keyed by (seed, step, layer index, global sample index, element), so that
 * splitting a batch across systems or micro-batches draws the same masks as the whole batch.
 */
export interface StepContext {
  readonly training: boolean;
  readonly seed: number;
  readonly step: number;
  /** Index of the layer in the model, part of the dropout key. */
  readonly layerIndex: number;
  /**
   * Losses that span layers (the mixture of experts' load balancing), one per pass over a (micro-)batch: the
   * executor makes it, layers add to it in their forward, the executor adds its loss after the last forward,
   * and the layers read its gradient in their backward. Absent: no such loss is computed.
   */
  readonly aux?: AuxLosses;
}
