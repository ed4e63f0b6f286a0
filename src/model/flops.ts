// FLOPs and activation sizes per sample, registered per layer kind. Matrix products count 2 m n k; their
// backward computes the activation gradient and the weight gradient, twice the forward.
//
// Shapes per sample: T = sequence length, H = hidden, V = vocabulary, F = feed-forward width.
import { attentionWidth, isGated, patchCount, qkvWidth } from "../numerics/layers/spec.js";
import type { LayerKind, LayerSpec } from "../numerics/layers/spec.js";
import type { LayerFlops } from "./ir.js";

/** What a layer's cost depends on besides its spec: tokens per sample and, for MLM, predictions per sample. */
export interface CostContext {
  readonly seqLen: number;
  /** Positions per sample the MLM head predicts (Model Zoo's max_predictions_per_seq); default all T. */
  readonly mlmPredictions?: number;
  /** Sentences per sample the extractive-summarization head classifies (BertSum's max_cls_tokens). */
  readonly sentences?: number;
}

export interface LayerCost {
  readonly flops: LayerFlops;
  readonly outputElements: number;
  readonly savedElements: number;
}

type CostRule<K extends LayerKind> = (spec: Extract<LayerSpec, { kind: K }>, c: CostContext) => LayerCost;

const mm = (m: number, n: number, k: number) => 2 * m * n * k;

const COST: { [K in LayerKind]: CostRule<K> } = {
  embedding(s, { seqLen: T }) {
    const H = s.hidden;
    const tables = 1 + (s.positionEmbedding === "learned" ? 1 : 0) + (s.typeVocabSize > 0 ? 1 : 0);
    const normOps = s.norm ? 8 * T * H : 0;
    return {
      // a gather has no products; its backward is a scatter-add of T*H per table
      flops: {
        forward: 0,
        backward: 0,
        elementwise: (tables - 1) * T * H + normOps + (s.dropout > 0 ? T * H : 0),
      },
      outputElements: T * H,
      savedElements: s.norm ? 2 * T * H : 0,
    };
  },
  transformer_block(s, { seqLen: T }) {
    const H = s.hidden;
    const F = s.ffn;
    const mlpMatrices = isGated(s.activation) ? 3 : 2;
    const W = qkvWidth(s); // queries H, keys and values G x D each (grouped-query attention: G < N)
    const A = attentionWidth(s); // N D: the hidden size unless the heads are sized apart (Gemma 2)
    const proj = mm(T, W, H) + mm(T, H, A);
    // scores Q K^T and probabilities x V, all heads, over the keys a query sees: a sliding window's (Mistral,
    // Gemma 2's local blocks) when it is shorter than the sequence, as a block-sparse kernel skips the rest
    const Tk = s.slidingWindow !== undefined ? Math.min(T, s.slidingWindow) : T;
    const attn = mm(T, Tk, A) + mm(T, A, Tk);
    // a mixture of experts computes each token through its top-k experts and the shared ones only, plus the
    // router; the experts' weights all stream (src/compiler/kernels.ts)
    const active = s.moe ? s.moe.topK + s.moe.shared : 1;
    const router = s.moe ? mm(T, s.moe.experts, H) : 0;
    const mlp = active * mlpMatrices * mm(T, F, H) + router;
    const forward = proj + attn + mlp;
    const norms = (s.residual === "parallel" && !s.untiedNorms ? 1 : 2) + (s.sandwichNorms ? 2 : 0);
    const elementwise =
      norms * 8 * T * H + // norm: mean, variance, scale, shift
      5 * s.heads * T * Tk + // scale, mask, softmax (max, exp, sum, divide)
      (s.attentionSoftcap !== undefined ? 3 * s.heads * T * Tk : 0) + // divide, tanh, multiply
      8 * T * F * active + // activation
      (s.moe ? 5 * T * s.moe.experts + 2 * T * H * active : 0) + // router softmax, weighting the experts' sum
      2 * T * H + // residual adds
      (s.rotaryDim > 0 ? 6 * T * (s.rotaryDim / 2) * 2 * s.heads : 0);
    // saved for backward: block input, normalised inputs, q/k/v, attention probabilities, attention output,
    // MLP input and pre-activation(s)
    const saved =
      T * H * (1 + norms + 1 + 1) +
      T * W +
      s.heads * T * Tk * (s.attentionSoftcap !== undefined ? 2 : 1) + // probabilities (and the capped tanh)
      T * F * (mlpMatrices - 1 + 1) * active +
      (s.moe ? T * (s.moe.experts + H * active) : 0); // routing probabilities, the experts' outputs
    return {
      flops: { forward, backward: 2 * forward, elementwise },
      outputElements: T * H,
      savedElements: saved,
    };
  },
  final_norm(s, { seqLen: T }) {
    return {
      flops: { forward: 0, backward: 0, elementwise: 8 * T * s.hidden },
      outputElements: T * s.hidden,
      savedElements: T * s.hidden,
    };
  },
  lm_head(s, { seqLen: T }) {
    const forward = mm(T, s.vocabSize, s.hidden);
    return {
      flops: {
        forward,
        backward: 2 * forward,
        // softmax cross-entropy, and the soft-capping's divide, tanh and multiply
        elementwise: (s.logitsSoftcap !== undefined ? 8 : 5) * T * s.vocabSize,
      },
      outputElements: 1,
      savedElements: T * s.hidden,
    };
  },
  mlm_head(s, { seqLen: T, mlmPredictions }) {
    const M = mlmPredictions ?? T;
    const forward = mm(M, s.hidden, s.hidden) + mm(M, s.vocabSize, s.hidden);
    return {
      flops: { forward, backward: 2 * forward, elementwise: 16 * M * s.hidden + 5 * M * s.vocabSize },
      outputElements: 1,
      savedElements: 3 * M * s.hidden,
    };
  },
  nsp_head(s) {
    const forward = mm(1, s.hidden, s.hidden) + mm(1, 2, s.hidden);
    return {
      flops: { forward, backward: 2 * forward, elementwise: 2 * s.hidden },
      outputElements: 1,
      savedElements: 2 * s.hidden,
    };
  },
  dense(s) {
    const forward = mm(1, s.outFeatures, s.inFeatures);
    return {
      flops: { forward, backward: 2 * forward, elementwise: 2 * s.outFeatures },
      outputElements: s.outFeatures,
      savedElements: s.inFeatures + s.outFeatures,
    };
  },
  classifier_head(s) {
    const forward = mm(1, s.classes, s.inFeatures);
    return {
      flops: { forward, backward: 2 * forward, elementwise: 5 * s.classes },
      outputElements: 1,
      savedElements: s.inFeatures,
    };
  },
  patch_embedding(s) {
    const N = patchCount(s),
      F = s.channels * s.patchSize[0] * s.patchSize[1],
      T = N + (s.clsToken ? 1 : 0);
    const forward = mm(N, s.hidden, F);
    return {
      // the first layer: its backward computes the weight gradient only
      flops: { forward, backward: forward, elementwise: T * s.hidden * (s.dropout > 0 ? 2 : 1) },
      outputElements: T * s.hidden,
      savedElements: N * F,
    };
  },
  task_head(s, c) {
    const R = taskRowsPerSample(s, c);
    const H = s.hidden;
    const forward = (s.pooler ? mm(R, H, H) : 0) + mm(R, s.classes, H);
    return {
      flops: {
        forward,
        backward: 2 * forward,
        // tanh, dropout and the softmax cross-entropy
        elementwise: (s.pooler ? R * H : 0) + (s.dropout > 0 ? R * H : 0) + 5 * R * s.classes,
      },
      outputElements: 1,
      savedElements: (s.pooler ? 3 : 2) * R * H,
    };
  },
};

/** Rows per sample a fine-tuning head classifies: 1 (sequence), T (token, span), the sentences (sentence). */
export function taskRowsPerSample(s: Extract<LayerSpec, { kind: "task_head" }>, c: CostContext): number {
  if (s.task === "sequence") return 1;
  if (s.task === "sentence") return c.sentences ?? 1;
  return c.seqLen;
}

/** Per-sample FLOPs and activation sizes of a layer. */
export function layerCost(spec: LayerSpec, c: CostContext): LayerCost {
  const rule = COST[spec.kind] as CostRule<LayerKind>;
  return rule(spec as never, c);
}
