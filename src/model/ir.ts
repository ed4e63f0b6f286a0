// The model IR: a model as the sequence of layers it executes as, each with its spec (what it computes, from
// numerics/layers/spec.ts), its parameter declarations and its per-sample costs. Building an IR allocates no
// weights: a 175 B-parameter model is a few hundred small objects. Weights are created only when a run needs
// them (see init.ts).
//
// Shapes per sample: T = sequence length, H = hidden, V = vocabulary, F = feed-forward width.
import type { LayerKind, LayerSpec, ParamDecl } from "../numerics/layers/spec.js";

/** Model families the builders know, as users name them. */
export type ModelFamily = "gpt2" | "gpt3" | "gptj" | "llama" | "bert" | "mlp" | "vit";

/** Number formats a model can compute in on the wafer. */
export type ComputeDtype = "fp32" | "fp16" | "bf16" | "cb16";

/** A parameter of the model: a layer's declaration under its full name. */
export interface ParamIR extends ParamDecl {
  /** Full name: `<layer>.<local>`, e.g. "block.3.attn.qkv.weight". */
  readonly fullName: string;
  /** Elements. */
  readonly numel: number;
}

/** A parameter a layer uses but does not own (tied weights): the layer's local name and the owner's full name. */
export interface TiedParam {
  readonly local: string;
  readonly owner: string;
}

/** FLOPs of one sample through a layer. Matrix products count 2 m n k; element-wise work is counted apart. */
export interface LayerFlops {
  /** Forward matrix-product FLOPs (projections, attention scores and values, heads). */
  readonly forward: number;
  /** Backward matrix-product FLOPs: activation gradients and weight gradients. */
  readonly backward: number;
  /** Element-wise operations forward (norms, activations, softmax, residual adds), an estimate per element. */
  readonly elementwise: number;
}

export interface LayerIR {
  /** Position in the model, 0-based; forward runs in this order, backward in reverse. */
  readonly index: number;
  /** "embedding", "block.0", ..., "final_norm", "lm_head". */
  readonly name: string;
  readonly kind: LayerKind;
  readonly spec: LayerSpec;
  /** Parameters this layer owns. */
  readonly params: readonly ParamIR[];
  /** Parameters it uses from another layer (a tied head uses the embedding's token table). */
  readonly tied: readonly TiedParam[];
  readonly flops: LayerFlops;
  /** Elements of the layer's output per sample (T*H for most; 1 for a head's loss). */
  readonly outputElements: number;
  /**
   * Elements per sample the layer keeps from forward for its backward (inputs, normalised values, attention
   * probabilities, MLP pre-activations): what must stay resident between forward and backward.
   */
  readonly savedElements: number;
}

export interface ModelIR {
  readonly family: ModelFamily;
  /** A name for reports, e.g. "gpt2 (h768, L12)". */
  readonly name: string;
  readonly layers: readonly LayerIR[];
  /** Tokens per sample (1 for the MLP family). */
  readonly seqLen: number;
  /** Vocabulary size (0 for the MLP family). */
  readonly vocabSize: number;
  readonly hidden: number;
  /** Number format on the wafer (from mixed_precision / fp16_type); the host always computes in fp32. */
  readonly computeDtype: ComputeDtype;
  /** Parameters in all (tied ones once). */
  readonly paramCount: number;
  /** Sum of the layers' per-sample FLOPs. */
  readonly flopsPerSample: LayerFlops;
}
