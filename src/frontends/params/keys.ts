// The keys of Model Zoo params files, section by section, each in one of three classes:
//   supported   - validated (type and range) and used to build the model or the run;
//   ignored     - accepted because real configs carry them, but they only tune the real hardware's compiler,
//                 runtime or logging; reported as ignored with the reason, never silently dropped;
//   unsupported - Model Zoo options that change what is computed and that wsc does not build: the file is
//                 refused naming the feature the key belongs to, unless the value is the one that means "off".
//                 Never "remove the key": dropping it would give a different model than the file describes.
// The tables hold every key the params files of Model Zoo releases 1.8 to 2.10 (PyTorch and TensorFlow) use
// for the families wsc builds; scripts/modelzoo-corpus.ts checks that against the real files. Anything else is
// an unknown key: an error with a "did you mean" suggestion (a real typo).
import { z } from "zod";

/**
 * A Model Zoo option wsc does not build; `feature` names what it belongs to (one of FEATURES), `off` tells
 * whether a value leaves it switched off.
 */
export interface Unsupported {
  /** The feature, or for a key whose values select different features, the feature of a value. */
  readonly feature: string | ((v: unknown) => string);
  readonly off?: (v: unknown) => boolean;
}

/** One section of a params file: its supported keys (zod schemas), ignored keys and unsupported keys. */
export interface SectionKeys {
  readonly supported: Readonly<Record<string, z.ZodType>>;
  readonly ignored: Readonly<Record<string, string>>;
  readonly unsupported: Readonly<Record<string, Unsupported>>;
}

/** The largest count (steps, batches, samples) a params file, or a flag overriding one, may give. */
export const MAX_COUNT = 1_000_000_000_000;
const BIG = MAX_COUNT;
export const int = (min: number, max: number, what: string) =>
  z.number().int().min(min).max(max).describe(what);
export const num = (min: number, max: number, what: string) => z.number().min(min).max(max).describe(what);
const bool = (what: string) => z.boolean().describe(what);
const rate = (what: string) => num(0, 1, what).optional();
const isFalse = (v: unknown) => v === false || v === undefined || v === null;
const isNull = (v: unknown) => v === undefined || v === null;
const isZero = (v: unknown) => isNull(v) || v === 0;

/** A Model Zoo initializer: `{name, mean, std, a, b}`. */
/** Initializer kinds of Model Zoo (PyTorch) and its TensorFlow models; wsc draws normal ones (see build-model). */
export const INITIALIZER_NAMES = [
  "normal",
  "truncated_normal",
  "variance_scaling",
  "scaled_init_normal",
  "glorot_uniform",
  "glorot_normal",
  "xavier_uniform",
  "xavier_normal",
  "lecun_normal",
  "lecun_uniform",
  "uniform",
  "zeros",
  "ones",
] as const;
const oneInitializer = z
  .strictObject({
    name: z.enum(INITIALIZER_NAMES).describe("initializer kind"),
    mean: num(-BIG, BIG, "mean").optional(),
    std: num(0, 100, "standard deviation").optional(),
    stddev: num(0, 100, "standard deviation (TensorFlow's name)").optional(),
    a: num(-BIG, BIG, "lower truncation bound").optional(),
    b: num(-BIG, BIG, "upper truncation bound").optional(),
    scale: num(0, BIG, "variance scale").optional(),
    mode: z.enum(["fan_in", "fan_out", "fan_avg"]).describe("variance-scaling fan").optional(),
    distribution: z
      .enum(["truncated_normal", "normal", "untruncated_normal", "uniform"])
      .describe("variance-scaling distribution")
      .optional(),
    scale_type: z.string().describe("scaled_init_normal's scaling").optional(),
    key: z.string().describe("scaled_init_normal's reference key").optional(),
    minval: num(-BIG, BIG, "uniform lower bound").optional(),
    maxval: num(-BIG, BIG, "uniform upper bound").optional(),
    gain: num(0, BIG, "gain").optional(),
  })
  .describe("an initializer {name, mean, std, a, b, ...}");
/** A Model Zoo initializer: `{name, mean, std, a, b}`, or TensorFlow's one-entry list of one. */
export const initializerSchema = z
  .union([oneInitializer, z.array(oneInitializer).length(1)])
  .describe("an initializer {name, mean, std, ...} or a list of one");

/** The Model Zoo features wsc does not build, by the names refusals give them (docs/configs.md counts them). */
export const FEATURES = {
  mup: "muP (keys mup_base_*, *_logits_alpha, embeddings_scale, output_logits_scale, scale_qk_dot_by_d, adjust_learning_rate)",
  bertMup:
    "muP for BERT (mup_base_*, embeddings_scale, scale_qk_dot_by_d, adjust_learning_rate in a BERT config)",
  mupGroups:
    "custom muP learning-rate groups (lr_adjustment_groups, adjust_learning_rate groups other than decoder_*)",
  gqa: "grouped-query and multi-query attention (extra_attention_params.num_kv_groups, attention_module)",
  ropeScaling: "RoPE position scaling (pos_scaling_factor, pos_scaling_type, pos_scaling_extra_args)",
  ropeScalingOther: "RoPE scaling of types yarn and longrope (pos_scaling_type)",
  slidingWindow: "attention sinks (attention_sink_tokens, use_sink_token)",
  sparsity: "weight sparsity (section sparsity)",
  moe: "mixture of experts outside a decoder's moe section (num_experts, moe_params)",
  moeRouting:
    "mixture-of-experts routing other than learned softmax top-k (moe.routing_algorithm hash or uniform, " +
    "sinkhorn or sigmoid nonlinearities, router_use_bias, probability_before_ffn)",
  alibi: "trainable ALiBi slopes (alibi_trainable_slopes)",
  sparseAttention: "fixed sparse attention (fixed_sparse_attention)",
  embeddingNorm: "a layer norm after a decoder's embeddings (embedding_layer_norm)",
  fixedPositions: "fixed sinusoidal position embeddings (position_embedding_type fixed)",
  bertNoBias: "BERT without attention or feed-forward biases",
  clipByValue: "gradient clipping by value (max_gradient_value)",
  sgdDampening: "SGD dampening",
  amsgrad: "AMSGrad",
  maximize: "maximising optimizers (maximize)",
  epochs: "epoch-based run lengths (num_epochs, max_epochs)",
  numSteps: "num_steps as the run length (give max_steps)",
  samplers: "custom samplers",
  optimizerAccum: "gradient accumulation as an optimizer setting (grad_accum_steps)",
  wholeWordMasking: "whole-word masking",
  cyclingSchedules: "cycling learning-rate schedules (cycle true)",
  vsl: "variable sequence length packing (use_vsl)",
  chunkedAttention: "chunked attention (attention_chunk_size)",
  qkNorm: "query and key norms (attention_qk_norm_layer)",
  constantPositions: "constant position embeddings (constant_pos_embedding)",
  crossAttention: "cross attention (cross_attention_layers)",
  ffnVariants: "feed-forward variants (extra_ffn_params)",
  lora: "LoRA (lora_params)",
  memoryTokens: "memory tokens (memory_tokens_config)",
  extraVocab: "extra input vocabulary tokens (num_extra_input_vocab_tokens)",
  positionOffset: "position id offsets (position_embedding_offset)",
  layerScaledAttention: "attention scaled by layer index (scale_qk_dot_by_layer_idx)",
  selectiveGrad: "selective gradients (selective_grad)",
  compression: "weight compression (compression)",
  relativePositions: "relative position biases (position_embedding_type relative)",
  labelSmoothing: "label smoothing (label_smoothing)",
  bertVariants:
    "BERT variants: no pooler, pre-norm, a final norm, no embedding norm, MLM or NSP without biases",
  postNorm: "post-norm decoders (use_pre_normalization false)",
  backboneOnly: "a GPT-J backbone without its LM head (backbone_only)",
  dataMixtures: "data mixtures and subsets (mixture, dataset, data_subset, num_samples, training_objective)",
  multimodal: "multimodal inputs (images)",
  weightDecayExclusions: "per-parameter weight-decay exclusions (exclude_from_weight_decay)",
  paramGroups: "per-parameter-group optimizer settings (optim_params, params)",
  tfSteps: "TensorFlow's steps (train N more steps; give max_steps)",
  tfFineTuning:
    "TensorFlow BERT fine-tuning (a model section that points at its pre-training params, pretrain_params_path, " +
    "and the TensorFlow task readers)",
  vitVariants: "ViT variants (a norm after the embeddings, DINOv2's classifier, masked patches)",
  esmClassifier:
    "ESM-2 sequence classification (Model Zoo 2.3's esm2 classifier, with classifier_dropout and freeze_pretrained_model)",
  regression:
    "sequence regression and multi-label classification (problem_type other than single_label_classification)",
} as const;

/** Model Zoo's optimizers wsc does not build, by optimizer_type (any case): refused by name. */
export const UNBUILT_OPTIMIZERS = [
  "adamax",
  "adadelta",
  "adafactor",
  "adagrad",
  "asgd",
  "lamb",
  "nadam",
  "radam",
  "rmsprop",
  "rprop",
] as const;

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === "object" && Object.keys(v as object).length === 0);
const GENERATION = "a generation (inference) setting; training does not use it";
const INIT_ONLY =
  "an initialiser of some weights; wsc draws them from initializer_range (the architecture is unchanged)";

// ---------------------------------------------------------------- model sections

const COMMON_MODEL_IGNORED: Record<string, string> = {
  precision_opt_level: "tunes the CS-2 compiler's numerics",
  attention_softmax_fp32: "selects the wafer's softmax precision; the host computes in fp32",
  attention_kernel: "selects a wafer attention kernel",
  boundary_casting: "tunes casts at layer boundaries on the wafer",
  tf_summary: "TensorBoard summaries of activations",
  enable_vts: "variable tensor shapes on the wafer (an optimisation)",
  use_vsl: "variable sequence length packing on the wafer (an optimisation)",
  weight_initialization_seed: "seeds the TensorFlow initialisers; wsc seeds them from the run's seed",
  enable_gpu_optimizations: "kernel choices of the GPU runner",
  dropout_seed: "seeds TensorFlow's dropout; wsc seeds it from the run's seed",
  fold_rope_consts: "folds RoPE constants into the wafer's kernels (an optimisation)",
  use_cache: "caches keys and values for generation; training does not use it",
  allow_multireplica: "replicates a small model over the wafer; the estimate is for one replica",
  dtype: "the parameters' dtype on the real runtime; the precision keys give the wafer's format",
  loop_dim: "tensor layout of the wafer's loops",
  pad_rope: "pads rotary tables for the wafer (an optimisation)",
  use_experimental_flex_api: "an experimental API of the real runtime",
  alibi_implementation: "how the real runtime materialises ALiBi (ALiBi itself is refused by name)",
  scale_glu_initialization: INIT_ONLY,
  ffn_initializer: INIT_ONLY,
  ffn_output_layer_initializer: INIT_ONLY,
  attention_initializer: INIT_ONLY,
  default_initializer: INIT_ONLY,
  embeddings_initializer: INIT_ONLY,
  position_embeddings_initializer: INIT_ONLY,
  segment_embeddings_initializer: INIT_ONLY,
  max_tokens: GENERATION,
  start_token: GENERATION,
  stop_sequences: GENERATION,
  temperature: GENERATION,
  top_k: GENERATION,
  top_p: GENERATION,
  num_relative_attention_buckets: "applies only to relative position biases (refused by name)",
  rel_distance_mode: "applies only to relative position biases (refused by name)",
  rel_distance_extra_args: "applies only to relative position biases (refused by name)",
  attention_qk_norm_eps: "applies only with attention_qk_norm_layer (refused by name)",
  bits_per_x_dataset: "a TensorFlow eval metric's normaliser",
  model_name: "a label of the 2.x model registry",
  cls: "a class path of the 2.x model registry",
  input_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
  segment_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
  embedding_pad_token_id: "the padding row of the embedding; wsc's data carries its own masks",
  pad_token_id: "the padding row of the embedding; wsc's data carries its own masks",
  multireplica: "replicates a small model over the wafer; the estimate is for one replica",
  pretrain_params_path: "the pre-training params of a fine-tuning run",
};

/** Whether a decoder's `moe` section asks only for what wsc builds: learned softmax top-k routing. */
function moeRoutingBuilt(v: unknown): boolean {
  if (isNull(v) || typeof v !== "object") return true;
  const m = v as Record<string, unknown>;
  const softmax = (x: unknown) => isNull(x) || x === "softmax";
  return (
    (isNull(m.routing_algorithm) || m.routing_algorithm === "learned") &&
    softmax(m.router_selection_nonlinearity) &&
    softmax(m.expert_weighting_nonlinearity) &&
    isFalse(m.router_use_bias) &&
    isFalse(m.probability_before_ffn)
  );
}

/** Model-section features every family refuses alike. */
const COMMON_UNSUPPORTED: Record<string, Unsupported> = {
  lora_params: { feature: FEATURES.lora, off: isEmpty },
  compression: { feature: FEATURES.compression, off: isEmpty },
  selective_grad: { feature: FEATURES.selectiveGrad, off: isEmpty },
  lr_adjustment_groups: { feature: FEATURES.mup, off: isNull },
  label_smoothing: { feature: FEATURES.labelSmoothing, off: isZero },
  moe_params: {
    feature: FEATURES.moe,
    off: (v) => isEmpty(v) || (v as { num_experts?: unknown }).num_experts === 1,
  },
  alibi_trainable_slopes: { feature: FEATURES.alibi, off: isFalse },
};

/** muP keys: every family Model Zoo gives muP to carries them the same way. */
const MUP_KEYS: Record<string, Unsupported> = {
  mup_base_hidden_size: { feature: FEATURES.bertMup, off: isNull },
  mup_base_filter_size: { feature: FEATURES.bertMup, off: isNull },
  output_logits_alpha: { feature: FEATURES.bertMup, off: isNull },
  attention_logits_alpha: { feature: FEATURES.bertMup, off: (v) => isNull(v) || v === 1 },
  embeddings_scale: { feature: FEATURES.bertMup, off: (v) => isNull(v) || v === 1 },
  output_logits_scale: { feature: FEATURES.bertMup, off: isNull },
  scale_qk_dot_by_d: { feature: FEATURES.bertMup, off: isFalse },
  scale_output_logits_by_d: { feature: FEATURES.bertMup, off: () => true },
};

const PRECISION_KEYS = {
  mixed_precision: bool("compute in 16-bit on the wafer").optional(),
  use_bfloat16: bool("bfloat16 instead of float16 (older releases)").optional(),
  fp16_type: z.enum(["float16", "bfloat16", "cbfloat16"]).describe("16-bit format on the wafer").optional(),
};

const DECODER_MODEL: SectionKeys = {
  supported: {
    name: z.string().describe("model family").optional(),
    vocab_size: int(
      1,
      10_000_000,
      "vocabulary size (else the input's vocab_size, as TensorFlow's GPT reads it)",
    ).optional(),
    hidden_size: int(1, 1_000_000, "hidden size"),
    num_hidden_layers: int(1, 100_000, "decoder blocks"),
    num_heads: int(1, 100_000, "attention heads"),
    filter_size: int(1, 10_000_000, "feed-forward width"),
    max_position_embeddings: int(1, 100_000_000, "positions of the learned table").optional(),
    position_embedding_type: z
      .enum(["learned", "rotary", "relative", "alibi", "fixed"])
      .describe("position embedding (wsc builds learned and rotary)")
      .optional(),
    use_position_embedding: z.literal(true).describe("position embeddings on (wsc needs them)").optional(),
    embd_pdrop: rate("dropout after the embeddings (2.x name)"),
    embedding_size: int(1, 1_000_000, "embedding width (must equal hidden_size)").optional(),
    use_position_embeddings: z
      .boolean()
      .describe("a learned position table (TensorFlow GPT-J's name; false with rotary positions)")
      .optional(),
    rotary_dim: int(2, 1_000_000, "rotated dimensions per head").optional(),
    rope_theta: num(1, 1e12, "rotary base").optional(),
    use_untied_layer_norm: bool("parallel blocks with a norm for each branch (GPT-NeoX)").optional(),
    embedding_layer_norm: bool("a norm after the embeddings (BLOOM)").optional(),
    attention_sliding_window_length: int(1, 100_000_000, "sliding-window attention: keys per query")
      .nullable()
      .optional(),
    sliding_window_every_other_decoder_layer: bool(
      "the sliding window on every other block (Gemma 2)",
    ).optional(),
    sliding_window_every_other_decoder_layer_pattern: z
      .enum(["full_attention_first", "sliding_window_first"])
      .describe("which blocks get the window when every other does")
      .nullable()
      .optional(),
    attention_inner_dim: int(1, 10_000_000, "width of the attention (heads x head size)")
      .nullable()
      .optional(),
    attention_logit_softcapping: num(1e-6, 1e9, "soft-capping of the attention scores").nullable().optional(),
    final_logit_softcapping: num(1e-6, 1e9, "soft-capping of the logits").nullable().optional(),
    norm_first_sandwich: bool("norms after the attention and the MLP too (Gemma 2)").optional(),
    // muP (docs/configs.md): 2.3+ base sizes and multipliers, 1.x scales
    mup_base_hidden_size: num(1, 1e9, "muP base width").optional(),
    mup_base_filter_size: num(1, 1e9, "muP base feed-forward width").optional(),
    output_logits_alpha: num(0, 1e6, "muP output logits multiplier").nullable().optional(),
    attention_logits_alpha: num(0, 1e6, "attention logits multiplier").nullable().optional(),
    embeddings_scale: num(0, 1e6, "muP embeddings multiplier").nullable().optional(),
    output_logits_scale: num(0, 1e6, "logits multiplier (1.x muP)").nullable().optional(),
    scale_qk_dot_by_d: bool("attention scores over the head size instead of its square root (muP)")
      .nullable()
      .optional(),
    scale_output_logits_by_d: bool("muP logits over the width multiplier (else its square root)")
      .nullable()
      .optional(),
    attention_module: z
      .enum(["aiayn_attention", "multiquery_attention"])
      .describe("attention: multi-head (aiayn_attention) or grouped-query / multi-query")
      .optional(),
    extra_attention_params: z
      .strictObject({
        num_kv_groups: int(1, 100_000, "key/value heads of grouped-query attention").optional(),
      })
      .describe("extra attention parameters {num_kv_groups}")
      .nullable()
      .optional(),
    moe: z
      .strictObject({
        num_experts: int(0, 65_536, "routed experts (0 or 1: no mixture of experts)").optional(),
        num_shared_experts: int(1, 65_536, "experts every token goes through").nullable().optional(),
        top_k: int(1, 65_536, "experts each token is routed to").optional(),
        load_balancing_loss_coef: num(0, 1e6, "weight of the load-balancing loss").optional(),
        null_expert_bias: num(0, 1e6, "added to the routing normalisation's denominator")
          .nullable()
          .optional(),
        expert_weighting_normalization: bool("normalise the chosen experts' weights").nullable().optional(),
        routing_algorithm: z.enum(["learned", "hash", "uniform"]).describe("routing").optional(),
        router_selection_nonlinearity: z
          .enum(["softmax", "sinkhorn", "sigmoid"])
          .describe("routing nonlinearity")
          .nullable()
          .optional(),
        expert_weighting_nonlinearity: z
          .enum(["softmax", "sinkhorn", "sigmoid"])
          .describe("expert weighting nonlinearity")
          .nullable()
          .optional(),
        router_use_bias: bool("bias in the router").nullable().optional(),
        probability_before_ffn: bool("weight the experts' inputs instead of their outputs").optional(),
        // accepted, no effect on what wsc computes: the host computes in fp32, every implementation of Model
        // Zoo's computes the same function, and the router is initialised as the other weights
        router_fp32: bool("router in fp32 (the host always is)").optional(),
        moe_implementation: z
          .enum(["functional", "optimized", "experimental", "forge_experimental", "expert_parallel"])
          .describe("which of Model Zoo's equivalent implementations runs")
          .optional(),
        sinkhorn_n_iters: int(1, 1000, "sinkhorn iterations (sinkhorn routing only)").nullable().optional(),
        gate_initializer: initializerSchema.nullable().optional(),
      })
      .describe("mixture of experts {num_experts, top_k, load_balancing_loss_coef, ...}")
      .nullable()
      .optional(),
    pos_scaling_factor: num(1, 1e6, "RoPE position scaling factor").optional(),
    pos_scaling_type: z
      .enum(["linear", "llama3", "yarn", "longrope"])
      .describe("RoPE position scaling (wsc builds linear and llama3)")
      .optional(),
    pos_scaling_extra_args: z
      .object({
        low_freq_factor: num(0, 1e6, "llama3 scaling: low-frequency factor").optional(),
        high_freq_factor: num(0, 1e6, "llama3 scaling: high-frequency factor").optional(),
        original_max_position_embeddings: int(
          1,
          100_000_000,
          "llama3 scaling: the pre-training context",
        ).optional(),
      })
      .describe("RoPE scaling arguments")
      .nullable()
      .optional(),
    share_embedding_weights: bool("LM head tied to the token embedding").optional(),
    embedding_dropout_rate: rate("dropout after the embeddings"),
    dropout_rate: rate("dropout rate"),
    residual_dropout_rate: rate("dropout on the residual branches (GPT-J)"),
    attention_dropout_rate: rate("dropout on attention probabilities"),
    layer_norm_epsilon: num(0, 1, "norm epsilon").optional(),
    norm_type: z.enum(["layernorm", "rmsnorm", "biasless-layernorm"]).describe("norm").optional(),
    use_rms_norm: bool("RMSNorm instead of LayerNorm (older LLaMA configs)").optional(),
    use_biasless_norm: bool("LayerNorm without bias (MPT, older releases)").optional(),
    nonlinearity: z
      .enum(["gelu", "gelu_new", "relu", "silu", "swiglu", "geglu"])
      .describe("feed-forward activation")
      .optional(),
    attention_type: z
      .enum(["scaled_dot_product"])
      .describe("attention scoring (wsc scales by 1/sqrt(head size))")
      .optional(),
    use_projection_bias_in_attention: bool("bias on the q/k/v projections").optional(),
    use_ffn_bias_in_attention: bool("bias on the attention output projection").optional(),
    use_ffn_bias: bool("biases in the feed-forward layers").optional(),
    use_bias_in_output: bool("bias on the LM head").optional(),
    norm_first: z.literal(true).describe("pre-norm blocks (the only kind decoders use)").optional(),
    initializer_range: num(0, 100, "std of the weight initialisation").optional(),
    embedding_initializer: initializerSchema.optional(),
    initializer: initializerSchema.optional(),
    output_layer_initializer: initializerSchema.optional(),
    loss_scaling: z.enum(["num_tokens", "batch_size"]).describe("loss normalisation").optional(),
    loss_weight: num(0, BIG, "loss multiplier").optional(),
    compute_eval_metrics: bool("compute eval metrics").optional(),
    ...PRECISION_KEYS,
  },
  ignored: COMMON_MODEL_IGNORED,
  unsupported: {
    fixed_sparse_attention: { feature: FEATURES.sparseAttention, off: isNull },
    alibi_trainable_slopes: { feature: FEATURES.alibi, off: isFalse },
    num_experts: { feature: FEATURES.moe, off: (v) => isNull(v) || v === 1 },
    moe: { feature: FEATURES.moeRouting, off: moeRoutingBuilt },
    attention_sink_tokens: { feature: FEATURES.slidingWindow, off: (v) => isNull(v) || v === 0 },
    ...COMMON_UNSUPPORTED,
    pos_scaling_type: {
      feature: FEATURES.ropeScalingOther,
      off: (v) => isNull(v) || v === "linear" || v === "llama3",
    },
    attention_chunk_size: { feature: FEATURES.chunkedAttention, off: isNull },
    attention_qk_norm_layer: { feature: FEATURES.qkNorm, off: isNull },
    attention_vertical_column_spacing: { feature: FEATURES.sparseAttention, off: isNull },
    attention_vertical_column_width: { feature: FEATURES.sparseAttention, off: isNull },
    constant_pos_embedding: { feature: FEATURES.constantPositions, off: isNull },
    cross_attention_layers: { feature: FEATURES.crossAttention, off: isEmpty },
    extra_ffn_params: { feature: FEATURES.ffnVariants, off: isEmpty },
    memory_tokens_config: { feature: FEATURES.memoryTokens, off: isEmpty },
    memory_tokens: { feature: FEATURES.memoryTokens, off: isEmpty },
    num_memory_tokens_per_chunk: { feature: FEATURES.memoryTokens, off: isNull },
    attn_memory_chunk_size: { feature: FEATURES.memoryTokens, off: isNull },
    num_extra_input_vocab_tokens: { feature: FEATURES.extraVocab, off: isZero },
    position_embedding_offset: { feature: FEATURES.positionOffset, off: isZero },
    scale_qk_dot_by_layer_idx: { feature: FEATURES.layerScaledAttention, off: isFalse },
    scale_by_layer_index: { feature: FEATURES.layerScaledAttention, off: isFalse },
    use_sink_token: { feature: FEATURES.slidingWindow, off: isFalse },
    use_pre_normalization: { feature: FEATURES.postNorm, off: (v) => v !== false },
    backbone_only: { feature: FEATURES.backboneOnly, off: isFalse },
    position_embedding_type: {
      feature: (v) => (v === "fixed" ? FEATURES.fixedPositions : FEATURES.relativePositions),
      off: (v) => v === undefined || v === "learned" || v === "rotary" || v === "alibi",
    },
  },
};

const BERT_MODEL: SectionKeys = {
  supported: {
    name: z.string().describe("model family").optional(),
    vocab_size: int(1, 10_000_000, "vocabulary size (else the input's vocab_size or vocab_file)").optional(),
    hidden_size: int(1, 1_000_000, "hidden size"),
    num_hidden_layers: int(1, 100_000, "encoder blocks"),
    num_heads: int(1, 100_000, "attention heads"),
    filter_size: int(1, 10_000_000, "feed-forward width"),
    max_position_embeddings: int(1, 100_000_000, "positions of the learned table").optional(),
    position_embedding_type: z.enum(["learned", "fixed", "rotary"]).describe("position embedding").optional(),
    rotary_dim: int(2, 1_000_000, "rotated dimensions of a head (rotary positions)").optional(),
    rope_theta: num(1, 1e12, "rotary base").optional(),
    // ESM-2 (Model Zoo's esm2: its BERT config with these set)
    norm_first: bool("pre-norm blocks").optional(),
    use_final_layer_norm: bool("a norm after the last block").optional(),
    embedding_layer_norm: bool("a norm after the embeddings (BERT: true)").optional(),
    token_dropout: bool("ESM-2's token dropout (mask tokens zeroed, the rest rescaled)").optional(),
    mask_token_id: int(0, 10_000_000, "the id of the mask token (token dropout)").optional(),
    num_segments: int(1, 1000, "token types (segments)").optional(),
    use_position_embedding: z.literal(true).describe("position embeddings on (BERT needs them)").optional(),
    use_segment_embedding: z.boolean().describe("segment (token type) embeddings").optional(),
    nonlinearity: z
      .enum(["gelu", "gelu_new", "relu", "silu"])
      .describe("feed-forward activation (2.x name)")
      .optional(),
    nsp_nonlinearity: z.enum(["tanh"]).describe("pooler activation (TensorFlow's name)").optional(),
    to_float16: bool("compute in 16-bit (older releases)").optional(),
    embedding_initializer: initializerSchema.optional(),
    initializer: initializerSchema.optional(),
    embedding_size: int(1, 1_000_000, "embedding width (must equal hidden_size)").optional(),
    encoder_nonlinearity: z
      .enum(["gelu", "gelu_new", "relu", "silu"])
      .describe("feed-forward activation")
      .optional(),
    mlm_nonlinearity: z.enum(["gelu", "gelu_new", "relu", "silu"]).describe("MLM head activation").optional(),
    pooler_nonlinearity: z.enum(["tanh"]).describe("pooler activation").optional(),
    dropout_rate: rate("dropout rate"),
    embedding_dropout_rate: rate("dropout after the embeddings"),
    attention_dropout_rate: rate("dropout on attention probabilities"),
    layer_norm_epsilon: num(0, 1, "norm epsilon").optional(),
    share_embedding_weights: bool("MLM decoder tied to the token embedding").optional(),
    mask_padding_in_positional_embed: bool("position ids that skip padding (RoBERTa)").optional(),
    disable_nsp: bool("train without the next-sentence head").optional(),
    mlm_loss_weight: num(0, BIG, "MLM loss multiplier").optional(),
    mlm_loss_scaling: z.enum(["batch_size", "num_masked"]).describe("MLM loss normalisation").optional(),
    nsp_loss_weight: num(0, BIG, "NSP loss multiplier").optional(),
    initializer_range: num(0, 100, "std of the weight initialisation").optional(),
    attention_type: z.enum(["scaled_dot_product"]).describe("attention scoring").optional(),
    compute_eval_metrics: bool("compute eval metrics").optional(),
    // the fine-tuning heads (bert/classifier, token_classifier, extractive_summarization, qa)
    num_labels: int(1, 1_000_000, "classes of the sequence classifier").optional(),
    problem_type: z
      .enum(["single_label_classification", "regression", "multi_label_classification"])
      .describe("the sequence classifier's loss")
      .optional(),
    task_dropout: rate("dropout on the pooled output (classifier)"),
    encoder_output_dropout_rate: rate("dropout on the encoder output (token classifier)"),
    num_classes: int(1, 1_000_000, "classes of the token classifier (2 in pre-training: NSP)").optional(),
    include_padding_in_loss: bool(
      "token classifier: padding positions in the loss, weight over T",
    ).optional(),
    label_vocab_file: z.string().describe("the token classifier's label2id.json").optional(),
    loss_weight: num(0, BIG, "multiplier on the task loss").optional(),
    use_cls_bias: bool("bias of the summarization classifier").optional(),
    ...PRECISION_KEYS,
  },
  ignored: {
    ...COMMON_MODEL_IGNORED,
    vocab_file:
      "the tokenizer's vocabulary; the model takes vocab_size (the input section's vocab_file is read)",
    freeze_ffn_bias_in_glu: "applies only to gated feed-forward layers, which BERT does not use",
  },
  unsupported: {
    use_projection_bias_in_attention: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    use_ffn_bias_in_attention: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    use_ffn_bias: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    position_embedding_type: { feature: FEATURES.fixedPositions, off: (v) => v !== "fixed" },
    num_experts: { feature: FEATURES.moe, off: (v) => isNull(v) || v === 1 },
    ...MUP_KEYS,
    ...COMMON_UNSUPPORTED,
    attention_module: { feature: FEATURES.gqa, off: (v) => isNull(v) || v === "aiayn_attention" },
    extra_attention_params: { feature: FEATURES.gqa, off: isEmpty },
    pos_scaling_factor: { feature: FEATURES.ropeScaling, off: (v) => isNull(v) || v === 1 },
    pos_scaling_type: { feature: FEATURES.ropeScaling, off: (v) => isNull(v) || v === "linear" },
    pos_scaling_extra_args: { feature: FEATURES.ropeScaling, off: isEmpty },
    add_pooling_layer: { feature: FEATURES.bertVariants, off: (v) => v !== false },
    use_pre_normalization: { feature: FEATURES.bertVariants, off: isFalse },
    use_ffn_bias_in_mlm: { feature: FEATURES.bertVariants, off: (v) => v !== false },
    use_output_bias_in_mlm: { feature: FEATURES.bertVariants, off: (v) => v !== false },
    use_nsp_bias: { feature: FEATURES.bertVariants, off: (v) => v !== false },
    num_cls_classes: { feature: FEATURES.bertVariants, off: (v) => isNull(v) || v === 2 },
    pooler_type: { feature: FEATURES.bertVariants, off: (v) => isNull(v) || v === "first" },
  },
};

const MLP_MODEL: SectionKeys = {
  supported: {
    name: z.string().describe("model family").optional(),
    depth: int(1, 10_000, "hidden layers (each hidden_size wide)").optional(),
    hidden_size: int(1, 10_000_000, "width of every hidden layer").optional(),
    hidden_sizes: z
      .array(int(1, 10_000_000, "hidden layer width"))
      .min(1)
      .optional(),
    input_size: int(1, 100_000_000, "input features (784 for MNIST)").optional(),
    num_classes: int(2, 1_000_000, "classes (10 for MNIST)").optional(),
    dropout: num(0, 1, "dropout after each hidden layer").optional(),
    activation_fn: z.enum(["relu", "gelu", "silu", "tanh"]).describe("hidden activation").optional(),
    use_bias: bool("biases on the dense layers").optional(),
    initializer_range: num(0, 100, "std of the weight initialisation").optional(),
    compute_eval_metrics: z
      .union([z.boolean(), z.array(z.string())])
      .describe("eval metrics")
      .optional(),
    to_float16: bool("compute in 16-bit").optional(),
    ...PRECISION_KEYS,
  },
  ignored: {
    ...COMMON_MODEL_IGNORED,
    disable_softmax: "applies to the model's eval outputs; the loss is the same",
  },
  unsupported: {},
};

/** Model-section keys per family kind. */
const size2 = (what: string) =>
  z
    .union([int(1, 1_000_000, what), z.tuple([int(1, 1_000_000, what), int(1, 1_000_000, what)])])
    .describe(`${what}: N or [height, width]`);

const VIT_MODEL: SectionKeys = {
  supported: {
    name: z.string().describe("model family").optional(),
    hidden_size: int(1, 1_000_000, "hidden size"),
    num_hidden_layers: int(1, 100_000, "encoder blocks"),
    num_heads: int(1, 100_000, "attention heads"),
    filter_size: int(1, 10_000_000, "feed-forward width"),
    num_classes: int(1, 10_000_000, "classes").optional(),
    image_size: size2("image size").optional(),
    patch_size: size2("patch size").optional(),
    num_channels: int(1, 1000, "image channels").optional(),
    position_embedding_type: z.enum(["learned"]).describe("position embedding").optional(),
    prepend_cls_token: z.literal(true).describe("the class token (the classifier reads it)").optional(),
    use_conv_patchified_embedding: bool(
      "patches projected by a Conv2d (the same product as a Linear)",
    ).optional(),
    use_encoder_pooler_layer: bool("the pooler (dense + tanh) on the class token").optional(),
    pooler_nonlinearity: z.enum(["tanh"]).describe("pooler activation").optional(),
    nonlinearity: z.enum(["gelu", "gelu_new", "relu", "silu"]).describe("feed-forward activation").optional(),
    norm_first: bool("pre-norm blocks (ViT: true)").optional(),
    use_final_layer_norm: bool("a norm after the last block").optional(),
    layer_norm_epsilon: num(0, 1, "norm epsilon").optional(),
    dropout_rate: rate("dropout rate"),
    embedding_dropout_rate: rate("dropout after the embeddings"),
    attention_dropout_rate: rate("dropout on attention probabilities"),
    use_projection_bias_in_attention: bool("q, k, v biases").optional(),
    use_ffn_bias_in_attention: bool("attention output bias").optional(),
    use_ffn_bias: bool("feed-forward biases").optional(),
    attention_type: z.enum(["scaled_dot_product"]).describe("attention scoring").optional(),
    initializer_range: num(0, 100, "std of the weight initialisation").optional(),
    compute_eval_metrics: bool("compute eval metrics").optional(),
    ...PRECISION_KEYS,
  },
  ignored: { ...COMMON_MODEL_IGNORED },
  unsupported: {
    use_post_embed_layer_norm: { feature: FEATURES.vitVariants, off: isFalse },
    use_dinov2_classifier: { feature: FEATURES.vitVariants, off: isFalse },
    use_masked_patches: { feature: FEATURES.vitVariants, off: isFalse },
  },
};

export const MODEL_KEYS = {
  decoder: DECODER_MODEL,
  bert: BERT_MODEL,
  mlp: MLP_MODEL,
  vit: VIT_MODEL,
} as const;
export type ModelKeysKind = keyof typeof MODEL_KEYS;

// ---------------------------------------------------------------- input (dataloader) sections

export const INPUT_KEYS: SectionKeys = {
  supported: {
    data_processor: z.string().min(1).describe("data processor class").optional(),
    data_dir: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe("data folder(s)")
      .optional(),
    batch_size: int(1, 100_000_000, "global batch size"),
    shuffle: bool("shuffle samples").optional(),
    shuffle_seed: int(0, 2 ** 32 - 1, "shuffle seed").optional(),
    max_sequence_length: int(1, 100_000_000, "tokens per sample").optional(),
    vocab_size: int(1, 10_000_000, "vocabulary size").optional(),
    repeat: bool("cycle through the data").optional(),
    drop_last_batch: z.literal(true).describe("drop a last partial batch (the only behaviour)").optional(),
    drop_last: z.literal(true).describe("drop a last partial batch (the only behaviour)").optional(),
    // BERT MLM
    max_predictions_per_seq: int(1, 100_000_000, "masked positions per sample").optional(),
    masked_lm_prob: num(0, 1, "fraction of tokens masked").optional(),
    whole_word_masking: bool("whole-word masking").optional(),
    mask_whole_word: bool("whole-word masking").optional(),
    vocab_file: z.string().describe("WordPiece vocabulary (the data's tokenizer is used)").optional(),
    do_lower: bool("lower-case text").optional(),
    // the BERT fine-tuning readers
    is_training: bool("the train split (train.tsv) or the evaluation split (dev.tsv)").optional(),
    label_vocab_file: z.string().describe("label2id.json of the token classifier's labels").optional(),
    max_cls_tokens: int(1, 100_000, "sentences per sample (BertSum)").optional(),
    // the vision readers (ViT)
    image_size: size2("image size").optional(),
    image_channels: int(1, 1000, "image channels").optional(),
    patch_size: size2("the model's patch size (the input's copy)").optional(),
    split: z
      .string()
      .min(1)
      .describe("the ImageFolder split read (data_dir/split); MNIST reads the split files in data_dir")
      .optional(),
    disable_nsp: bool("no next-sentence pairs").optional(),
    use_fake_data: bool("synthetic data instead of data_dir").optional(),
    dynamic_mlm_scale: bool("normalise the MLM loss by the masked tokens of each batch").optional(),
    scale_mlm_weights: bool(
      "normalise the MLM loss by the masked tokens of each batch (TensorFlow)",
    ).optional(),
    // synthetic and MLP sources
    num_examples: int(1, 1_000_000_000, "samples of a synthetic source").optional(),
    input_size: int(1, 100_000_000, "features per sample").optional(),
    num_classes: int(2, 1_000_000, "classes").optional(),
  },
  ignored: {
    num_workers: "input worker processes; wsc streams from one",
    prefetch_factor: "input prefetch depth",
    persistent_workers: "input worker lifetime",
    micro_batch_size: "micro-batching on the wafer; the loss and gradients do not depend on it",
    use_worker_index_as_seed: "per-worker seeding; wsc shards deterministically",
    shuffle_buffer: "the streaming shuffle buffer; wsc shuffles whole epochs",
    pad_last: "padding of the last batch",
    mixed_precision: "input casting",
    to_float16: "input casting",
    num_workers_per_csx: "input workers per system",
    buckets: "sequence-length buckets of the real input pipeline (variable sequence length)",
    add_special_tokens: "special tokens the TensorFlow text readers add; wsc reads tokenized data",
    attn_mask_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
    input_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
    labels_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
    segment_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
    mlm_pad_id: "pad ids of the real input pipeline; wsc's data carries its own masks",
    cerebras: "settings of the CS-1 era input pipeline",
    document_separator_token: "tokens of Model Zoo's CSV reader; wsc's reader uses its tokenizer's",
    exclude_from_masking: "tokens of Model Zoo's CSV reader; wsc's reader uses its tokenizer's",
    mask_token: "tokens of Model Zoo's CSV reader; wsc's reader uses its tokenizer's",
    oov_token: "tokens of Model Zoo's CSV reader; wsc's reader uses its tokenizer's",
    features: "the HDF5 feature names of Model Zoo's writers; wsc reads its own layout (docs/data.md)",
    features_list: "the HDF5 feature names of Model Zoo's writers; wsc reads its own layout (docs/data.md)",
    data_0_features: "the HDF5 feature names of Model Zoo's writers; wsc reads its own layout (docs/data.md)",
    fp16_type: "input casting",
    transforms: "image augmentation of the real input pipeline; wsc's images are read at the configured size",
    gather_mlm_labels: "how the wafer gathers MLM labels (an optimisation)",
    mlm_with_gather: "how the wafer gathers MLM labels (an optimisation)",
    max_position_embeddings: "the model's; the input section's copy is not used",
    nan_index: "a debugging aid of the real input pipeline",
    params: "a nested copy of the params of the real input pipeline",
    sort_files: "file order; wsc reads a folder's files in sorted order",
    steps: "the real input pipeline's own step count; the run's length is the runconfig's",
    use_worker_cache: "the real cluster's worker-side data cache",
    fake_data_seed: "seeds the synthetic data; wsc seeds it from the run's seed",
    eval_batch_size: "TensorFlow's eval batch (the eval section's batch_size is used)",
    train_batch_size: "TensorFlow's train batch (the train section's batch_size is used)",
    random_seed: "seeds TensorFlow's input pipeline; wsc seeds it from the run's seed",
    skip_steps: "TensorFlow input skipping on restart; wsc resumes its sampler from the checkpoint",
    sort_within_batch: "TensorFlow input ordering",
    total_samples: "TensorFlow synthetic data size",
    disable_eval_metrics: "TensorFlow eval metrics",
    feature_function: "TensorFlow synthetic data",
    feature_high: "TensorFlow synthetic data",
    feature_low: "TensorFlow synthetic data",
    feature_shape: "TensorFlow synthetic data",
    feature_type: "TensorFlow synthetic data",
    label_high: "TensorFlow synthetic data",
    label_low: "TensorFlow synthetic data",
    label_shape: "TensorFlow synthetic data",
    label_type: "TensorFlow synthetic data",
    use_multiple_workers: "TensorFlow input worker sharding",
    num_parallel_calls: "TensorFlow input pipeline parallelism",
    n_parallel_reads: "TensorFlow input pipeline parallelism",
  },
  unsupported: {
    use_vsl: { feature: FEATURES.vsl, off: isFalse },
    sampler: { feature: FEATURES.samplers, off: isNull },
    data_transforms: { feature: FEATURES.slidingWindow, off: isNull },
    whole_word_masking: { feature: FEATURES.wholeWordMasking, off: isFalse },
    mixture: { feature: FEATURES.dataMixtures, off: isEmpty },
    dataset: { feature: FEATURES.dataMixtures, off: isEmpty },
    dataset_map_fn: { feature: FEATURES.dataMixtures, off: isEmpty },
    data_subset: { feature: FEATURES.dataMixtures, off: isEmpty },
    num_samples: { feature: FEATURES.dataMixtures, off: isNull },
    training_objective: { feature: FEATURES.dataMixtures, off: isNull },
    image_data_size: { feature: FEATURES.multimodal, off: isNull },
    img_data_dir: { feature: FEATURES.multimodal, off: isNull },
    max_num_img: { feature: FEATURES.multimodal, off: isNull },
    num_patches: { feature: FEATURES.multimodal, off: isNull },
    mask_whole_word: { feature: FEATURES.wholeWordMasking, off: isFalse },
  },
};

// ---------------------------------------------------------------- optimizer (old layout)

/** muP's learning-rate multipliers by group (1.x files give decoder_kernel; Model Zoo's groups by name). */
const ADJUST_LR = z
  .record(z.string(), num(0, 1e6, "learning-rate multiplier"))
  .describe("learning-rate multipliers by group {decoder_kernel: x, ...}")
  .optional();

/**
 * Keys of Model Zoo's schedulers that wsc does not build (StepLR's gamma, CyclicLR's base_lr, ...): accepted
 * so a file naming such a scheduler is refused by the scheduler's name; on a built one they have no effect.
 */
export const OTHER_SCHEDULER_NAMES = [
  "anneal_strategy",
  "base_lr",
  "boundaries",
  "coefficient",
  "eta_min",
  "final_div_factor",
  "gamma",
  "main_scheduler",
  "max_lr",
  "milestones",
  "mode",
  "pct_start",
  "scale",
  "scale_mode",
  "step_exponent",
  "step_size",
  "step_size_down",
  "step_size_up",
  "t_0",
  "t_max",
  "t_mult",
  "three_phase",
  "total_steps",
  "values",
  "warmup_steps",
] as const;
const OTHER_SCHEDULER_KEYS = Object.fromEntries(
  OTHER_SCHEDULER_NAMES.map((k) => [k, z.unknown().optional()]),
);

const scheduleSegment = z
  .strictObject({
    scheduler: z
      .string()
      .describe("learning-rate scheduler (Constant, Linear, Polynomial, CosineDecay, Exponential; any case)"),
    learning_rate: num(0, 100, "constant learning rate").optional(),
    initial_learning_rate: num(0, 100, "learning rate at the segment start").optional(),
    end_learning_rate: num(0, 100, "learning rate at the segment end").optional(),
    steps: int(1, BIG, "segment length in steps").optional(),
    total_iters: int(1, BIG, "segment length in steps").optional(),
    decay_steps: int(1, BIG, "segment length in steps").optional(),
    decay_rate: num(0, 100, "exponential decay factor").optional(),
    staircase: bool("decay in whole periods").optional(),
    power: num(0, 100, "polynomial power").optional(),
    alpha: num(0, 1, "cosine decay's final fraction of the initial rate (TensorFlow)").optional(),
    cycle: bool("cycle the schedule (refused when true)").optional(),
    ...OTHER_SCHEDULER_KEYS,
  })
  .describe("a scheduler segment {scheduler, initial_learning_rate, end_learning_rate, steps}");

export const learningRateSchema = z
  .union([num(0, 100, "learning rate"), z.array(scheduleSegment).min(1), scheduleSegment])
  .describe("a learning rate: a number, a scheduler segment or a list of segments");

const lossScaleKeys = {
  loss_scaling_factor: z
    .union([num(0, 1e12, "static loss scale"), z.literal("dynamic")])
    .describe('a static loss scale or "dynamic"')
    .optional(),
  initial_loss_scale: num(1, 1e40, "first dynamic loss scale").optional(),
  max_loss_scale: num(1, 1e40, "largest dynamic loss scale").optional(),
  min_loss_scale: num(0, 1e40, "smallest dynamic loss scale").optional(),
  steps_per_increase: int(1, BIG, "good steps before the dynamic scale doubles").optional(),
};

export const OLD_OPTIMIZER_KEYS: SectionKeys = {
  supported: {
    optimizer_type: z
      .string()
      .regex(
        new RegExp(`^(adamw|adam|sgd|momentum|${UNBUILT_OPTIMIZERS.join("|")})$`, "i"),
        "one of AdamW, Adam, SGD, momentum (any case)",
      )
      .describe("optimizer (AdamW, Adam, SGD or TensorFlow's momentum; any case)")
      .optional(),
    learning_rate: learningRateSchema,
    beta1: num(0, 1, "Adam beta1").optional(),
    beta2: num(0, 1, "Adam beta2").optional(),
    beta_1: num(0, 1, "Adam beta1 (TensorFlow's name)").optional(),
    beta_2: num(0, 1, "Adam beta2 (TensorFlow's name)").optional(),
    betas: z
      .tuple([num(0, 1, "beta1"), num(0, 1, "beta2")])
      .describe("Adam [beta1, beta2]")
      .optional(),
    eps: num(0, 1, "Adam epsilon").optional(),
    epsilon: num(0, 1, "Adam epsilon").optional(),
    weight_decay_rate: num(0, 100, "decoupled weight decay").optional(),
    weight_decay: num(0, 100, "weight decay").optional(),
    correct_bias: bool("Adam bias correction").optional(),
    use_bias_correction: bool("Adam bias correction").optional(),
    momentum: num(0, 1, "SGD momentum").optional(),
    nesterov: bool("Nesterov momentum").optional(),
    use_nesterov: bool("Nesterov momentum (TensorFlow's name)").optional(),
    max_gradient_norm: num(0, 1e12, "global gradient-norm clip").optional(),
    disable_lr_steps_reset: bool("schedule segments see the global step instead of their own").optional(),
    adjust_learning_rate: ADJUST_LR,
    ...lossScaleKeys,
  },
  ignored: {
    log_summaries: "TensorBoard summaries of optimizer state",
    ws_optimizer: "selects where the weight-streaming optimizer runs",
    ws_summary: "weight-streaming optimizer summaries",
    log_grads: "TensorBoard gradient summaries",
    log_hists: "TensorBoard histograms",
    overflow_tolerance: "TensorFlow's tolerance of loss-scale overflows",
    loss_scale: "an older spelling kept by 1.8's runner; loss_scaling_factor sets the scale",
    ...Object.fromEntries(
      [
        "alpha",
        "centered",
        "clip_threshold",
        "decay_rate",
        "eps1",
        "eps2",
        "eta1",
        "eta2",
        "initial_accumulator_value",
        "lambd",
        "lr_decay",
        "momentum_decay",
        "relative_step",
        "rho",
        "scale_parameter",
        "step_size_max",
        "step_size_min",
        "t0",
        "warmup_init",
        "adam",
        "rmsprop_decay",
        "rmsprop_momentum",
      ].map((k) => [
        k,
        "applies only to an optimizer wsc refuses by name (Adafactor, RMSProp, Rprop, ASGD, ...)",
      ]),
    ),
  },
  unsupported: {
    max_gradient_value: { feature: FEATURES.clipByValue, off: isNull },
    dampening: { feature: FEATURES.sgdDampening, off: (v) => isNull(v) || v === 0 },
    optimizer_type: {
      feature: (v) => `the ${String(v)} optimizer`,
      off: (v) =>
        typeof v !== "string" || !(UNBUILT_OPTIMIZERS as readonly string[]).includes(v.toLowerCase()),
    },
    amsgrad: { feature: FEATURES.amsgrad, off: isFalse },
    maximize: { feature: FEATURES.maximize, off: isFalse },
    exclude_from_weight_decay: { feature: FEATURES.weightDecayExclusions, off: isNull },
    optim_params: { feature: FEATURES.paramGroups, off: isEmpty },
    grad_accum_steps: {
      feature: FEATURES.optimizerAccum,
      off: (v) => isNull(v) || v === 1,
    },
  },
};

/** The run-length keys runconfig and trainer.init.loop share (run-config.ts's runLength reads either). */
const RUN_LENGTH_KEYS = {
  num_steps: int(
    1,
    BIG,
    "training steps (the run stops at the smaller of num_steps and max_steps)",
  ).optional(),
  num_epochs: int(1, BIG, "epochs (with steps_per_epoch: num_epochs x steps_per_epoch steps)").optional(),
  steps_per_epoch: int(1, BIG, "steps per epoch").optional(),
};

// ---------------------------------------------------------------- runconfig (old layout)

export const RUNCONFIG_KEYS: SectionKeys = {
  supported: {
    max_steps: int(1, BIG, "training steps").optional(),
    eval_steps: int(1, BIG, "evaluation batches").optional(),
    eval_frequency: int(1, BIG, "steps between evaluations in train_and_eval").optional(),
    checkpoint_steps: int(0, BIG, "steps between checkpoints (0 = only at the end)").optional(),
    save_checkpoint_steps: int(0, BIG, "steps between checkpoints (older name)").optional(),
    save_checkpoints_steps: int(0, BIG, "steps between checkpoints (TensorFlow's name)").optional(),
    ...RUN_LENGTH_KEYS,
    tf_random_seed: int(0, 2 ** 32 - 1, "random seed (TensorFlow's name)").optional(),
    max_checkpoints: int(0, BIG, "checkpoints kept in model_dir (0 = all)").optional(),
    load_checkpoint_states: z
      .string()
      .regex(
        /^(all|model|optimizer|grad_scaler|lr_scheduler|dataloader|global_step)(\s*,\s*(all|model|optimizer|grad_scaler|lr_scheduler|dataloader|global_step))*$/,
        "a comma-separated list of all, model, optimizer, grad_scaler, lr_scheduler, dataloader, global_step",
      )
      .describe("which states checkpoint_path restores")
      .optional(),
    log_steps: int(1, BIG, "steps between log lines").optional(),
    save_initial_checkpoint: bool("save checkpoint_0 before training").optional(),
    keep_checkpoint_max: int(
      0,
      BIG,
      "checkpoints kept in model_dir (0 = all, as TensorFlow reads it)",
    ).optional(),
    seed: int(0, 2 ** 32 - 1, "random seed").optional(),
    model_dir: z.string().min(1).describe("output folder").optional(),
    checkpoint_path: z.string().min(1).describe("checkpoint to initialise from").optional(),
    autoload_last_checkpoint: bool("resume from model_dir's latest checkpoint").optional(),
    execution_strategy: z.enum(["pipeline", "weight_streaming"]).describe("execution mode").optional(),
    mode: z.enum(["train", "eval", "train_and_eval", "eval_all"]).describe("run mode").optional(),
    num_csx: int(1, 192, "CS-X systems").optional(),
  },
  ignored: {
    save_summary_steps: "TensorBoard summary frequency",
    enable_distributed: "GPU data-parallel training",
    show_debug_metrics: "debug counters of the real runtime",
    save_losses: "writes per-step losses to a file on the real runtime",
    use_cs_grad_accum: "lets the CS-2 compiler pick micro-batches",
    use_appliance_data: "where the real appliance reads data from",
    precision_opt_level: "tunes the CS-2 compiler's numerics",
    log_summaries: "TensorBoard summaries",
    num_workers_per_csx: "input workers per system (a run CSX flag)",
    num_wgt_servers: "MemoryX servers (a run CSX flag)",
    num_act_servers: "activation servers (a run CSX flag)",
    compile_dir: "the compile folder on the real cluster",
    job_labels: "scheduler labels (a run CSX flag)",
    mount_dirs: "folders mounted into the real appliance",
    python_paths: "Python paths of the real appliance",
    credentials_path: "appliance credentials",
    mgmt_address: "management node address",
    transfer_processes: "checkpoint transfer processes",
    disable_strict_checkpoint_loading: "tolerance of missing checkpoint keys",
    dist_backend: "GPU distributed backend",
    init_method: "GPU distributed init",
    log_steps_per_summary: "TensorBoard",
    check_loss_values: "NaN checks of the real runtime",
    lazy_initialization: "deferred weight initialisation on the real runtime",
    experimental_api: "real runtime API selection",
    ini: "debug flags of the real runtime",
    throttle_secs: "seconds between TensorFlow evaluations",
    log_step_count_steps: "TensorFlow's steps/s log frequency",
    cs_ip: "the CS-1/CS-2 address of TensorFlow runs",
    multireplica: "replicates a small model over the wafer; the estimate is for one replica",
    execute_crd_memory_gi: "memory requested for the real cluster's execute job",
    compile_crd_memory_gi: "memory requested for the real cluster's compile job",
    compile_only: "a run CSX flag here: give --compile_only",
    validate_only: "a run CSX flag here: give --validate_only",
    job_priority: "a run CSX flag here: give --job_priority",
    ...Object.fromEntries(
      ["act_memory_gi", "chf_memory_gi", "cmd_memory_gi", "wgt_memory_gi", "wrk_memory_gi"].map((k) => [
        k,
        "memory requested for a role of the real cluster",
      ]),
    ),
    ...Object.fromEntries(
      [
        "cbcore_image",
        "config",
        "params",
        "debug_args",
        "debug_args_path",
        "disable_version_check",
        "dist_addr",
        "drop_data",
        "dump_activations",
        "enable_act_frequency",
        "experimental",
        "fabric_type_blacklist",
        "hf_cache_dir",
        "job_time_sec",
        "legacy_event_dirs",
        "log_initialization",
        "log_input_summaries",
        "logging",
        "main_process_id",
        "mgmt_namespace",
        "op_profiler_config",
        "retrace_every_iteration",
        "service_dir",
        "streamer_logging",
        "summary_dir",
        "sync_batchnorm",
        "target_device",
        "use_cstorch_optimizer_step",
        "wsc_log_level",
        "is_pretrained_checkpoint",
        "device_fn",
        "disable_input_pipeline_ckpt",
        "disable_standard_logs",
        "eval_distribute",
        "train_distribute",
        "ir_mode",
        "multiple_workers",
        "predict_steps",
      ].map((k) => [k, "a command-line flag or setting of the real runtime, its cluster or its logging"]),
    ),
  },
  unsupported: {
    sparsity: { feature: FEATURES.sparsity, off: isNull },
    steps: { feature: FEATURES.tfSteps, off: isNull },
  },
};

/** Top-level keys of the old layout besides its five sections. */
export const OLD_TOP_KEYS: SectionKeys = {
  supported: {},
  ignored: {
    predict_input: "the input of predict mode, which wsc does not run",
    csconfig: "settings of the CS-1 era runtime",
    description: "a free-text description",
  },
  unsupported: {
    sparsity: { feature: FEATURES.sparsity, off: isNull },
  },
};

// ---------------------------------------------------------------- new layout (trainer / fit)

export const NEW_OPTIMIZER_CLASSES = ["AdamW", "Adam", "SGD"] as const;

export const NEW_OPTIMIZER_KEYS: SectionKeys = {
  supported: {
    learning_rate: num(0, 100, "learning rate without a scheduler").optional(),
    lr: num(0, 100, "learning rate without a scheduler").optional(),
    betas: z
      .tuple([num(0, 1, "beta1"), num(0, 1, "beta2")])
      .describe("Adam [beta1, beta2]")
      .optional(),
    eps: num(0, 1, "Adam epsilon").optional(),
    weight_decay: num(0, 100, "weight decay").optional(),
    correct_bias: bool("Adam bias correction").optional(),
    momentum: num(0, 1, "SGD momentum").optional(),
    nesterov: bool("Nesterov momentum").optional(),
    adjust_learning_rate: ADJUST_LR,
  },
  ignored: {},
  unsupported: {
    amsgrad: { feature: FEATURES.amsgrad, off: isFalse },
    dampening: { feature: FEATURES.sgdDampening, off: (v) => isNull(v) || v === 0 },
    maximize: { feature: FEATURES.maximize, off: isFalse },
    params: { feature: FEATURES.paramGroups, off: isEmpty },
  },
};

export const NEW_SCHEDULER_NAMES = [
  "ConstantLR",
  "LinearLR",
  "PolynomialLR",
  "CosineDecayLR",
  "ExponentialLR",
] as const;

/**
 * Model Zoo's other learning-rate schedulers (cerebras.pytorch's), by their names without "LR", lower case:
 * a file naming one is refused by name.
 */
export const UNBUILT_SCHEDULERS: Readonly<Record<string, string>> = {
  inverseexponentialtimedecay: "InverseExponentialTimeDecay",
  inversesquarerootdecay: "InverseSquareRootDecay",
  piecewiseconstant: "PiecewiseConstant",
  multistep: "MultiStep",
  step: "Step",
  cosineannealing: "CosineAnnealing",
  cosineannealingwarmrestarts: "CosineAnnealingWarmRestarts",
  lambda: "Lambda",
  multiplicative: "Multiplicative",
  chained: "ChainedScheduler",
  chainedscheduler: "ChainedScheduler",
  cyclic: "Cyclic",
  onecycle: "OneCycle",
};

export const newSchedulerSchema = z
  .strictObject({
    initial_learning_rate: num(0, 100, "learning rate at the segment start").optional(),
    end_learning_rate: num(0, 100, "learning rate at the segment end").optional(),
    learning_rate: num(0, 100, "constant learning rate").optional(),
    total_iters: int(1, BIG, "segment length in steps").optional(),
    decay_rate: num(0, 100, "exponential decay factor").optional(),
    staircase: bool("decay in whole periods").optional(),
    power: num(0, 100, "polynomial power").optional(),
    cycle: bool("cycle the schedule (refused when true)").optional(),
    ...OTHER_SCHEDULER_KEYS,
  })
  .describe("scheduler parameters");

export const NEW_PRECISION_KEYS: SectionKeys = {
  supported: {
    enabled: bool("mixed precision").optional(),
    fp16_type: z.enum(["float16", "bfloat16", "cbfloat16"]).describe("16-bit format on the wafer").optional(),
    max_gradient_norm: num(0, 1e12, "global gradient-norm clip").optional(),
    ...lossScaleKeys,
  },
  ignored: {
    precision_opt_level: "tunes the CS-2 compiler's numerics",
    log_loss_scale: "TensorBoard loss-scale summaries",
  },
  unsupported: {
    max_gradient_value: { feature: FEATURES.clipByValue, off: isNull },
  },
};

export const NEW_LOOP_KEYS: SectionKeys = {
  supported: {
    max_steps: int(1, BIG, "training steps").optional(),
    eval_frequency: int(1, BIG, "steps between evaluations").optional(),
    eval_steps: int(1, BIG, "evaluation batches").optional(),
    ...RUN_LENGTH_KEYS,
  },
  ignored: {
    grad_accum_steps: "micro-batching; the loss and gradients do not depend on it",
  },
  unsupported: {
    max_epochs: { feature: FEATURES.epochs, off: isNull },
  },
};

export const NEW_CHECKPOINT_KEYS: SectionKeys = {
  supported: {
    steps: int(0, BIG, "steps between checkpoints (0 = only at the end)").optional(),
    save_initial_checkpoint: bool("save checkpoint_0 before training").optional(),
    autoload_last_checkpoint: bool("resume from model_dir's latest checkpoint").optional(),
    keep_checkpoint_max: int(1, BIG, "checkpoints kept in model_dir").optional(),
  },
  ignored: {
    disable_strict_checkpoint_loading: "tolerance of missing checkpoint keys",
    checkpoint_root: "where the real runtime writes checkpoints",
    checkpoint_name: "file names of the real runtime's checkpoints (wsc writes checkpoint_<step>.mdl)",
    strict_version: "the real runtime's checkpoint version check",
  },
  unsupported: {},
};

export const NEW_LOGGING_KEYS: SectionKeys = {
  supported: {
    log_steps: int(1, BIG, "steps between log lines").optional(),
  },
  ignored: {
    log_level: "verbosity of the real runtime",
    enable_act_frequency: "activation logging on the real runtime",
    wsc_log_level: "verbosity of the real runtime",
  },
  unsupported: {},
};

export const NEW_INIT_KEYS: SectionKeys = {
  supported: {
    model_dir: z.string().min(1).describe("output folder").optional(),
    seed: int(0, 2 ** 32 - 1, "random seed").optional(),
  },
  ignored: {
    callbacks: "runtime callbacks (norm logging, debug hooks)",
    loggers: "TensorBoard and other loggers",
    autorestart: "restarts failed jobs on the real cluster",
    device: "device selection of the real runtime",
  },
  unsupported: {
    sparsity: { feature: FEATURES.sparsity, off: isNull },
  },
};

export const NEW_BACKEND_KEYS: SectionKeys = {
  supported: {
    backend_type: z.enum(["CSX", "CPU", "GPU"]).describe("where the run goes"),
  },
  ignored: {
    cluster_config: "the real cluster's connection settings",
    compile_dir: "the compile folder on the real cluster",
    compile_only: "a run CSX flag",
    validate_only: "a run CSX flag",
    retrace_every_iteration: "tracing of the real runtime",
    device: "device selection of the real runtime",
    dist_backend: "GPU distributed backend",
    enable_distributed: "GPU data-parallel training",
    init_method: "GPU distributed init",
    main_process_id: "GPU distributed settings",
    sync_batchnorm: "GPU distributed settings",
    "csx.debug.implicit_cast_cb16_to_fp32": "a debug flag of the real cluster's compiler (number formats)",
  },
  unsupported: {},
};

/** Build a strict zod object for a section: supported keys as given, ignored and unsupported as anything. */
export function sectionSchema(keys: SectionKeys, extra: Record<string, z.ZodType> = {}) {
  const shape: Record<string, z.ZodType> = { ...keys.supported, ...extra };
  for (const k of Object.keys(keys.ignored)) shape[k] = z.unknown().optional();
  for (const k of Object.keys(keys.unsupported))
    if (!(k in keys.supported)) shape[k] = z.unknown().optional();
  return z.strictObject(shape);
}
