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
  readonly feature: string;
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
  gqa: "grouped-query and multi-query attention (extra_attention_params.num_kv_groups, attention_module)",
  ropeScaling: "RoPE position scaling (pos_scaling_factor, pos_scaling_type, pos_scaling_extra_args)",
  slidingWindow: "sliding-window attention and attention sinks",
  sparsity: "weight sparsity (section sparsity)",
  untiedNorm: "parallel blocks with untied layer norms (GPT-NeoX, use_untied_layer_norm)",
  moe: "mixture of experts (num_experts, moe)",
  alibi: "ALiBi position biases",
  sparseAttention: "fixed sparse attention (fixed_sparse_attention)",
  embeddingNorm: "a layer norm after a decoder's embeddings (embedding_layer_norm)",
  robertaPositions: "RoBERTa position ids that skip padding (mask_padding_in_positional_embed)",
  segmentlessBert: "BERT without segment embeddings (use_segment_embedding false)",
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
  truncatedLoss: "loss over padding tokens (include_padding_in_loss)",
} as const;

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
};

/** muP keys: every family Model Zoo gives muP to carries them the same way. */
const MUP_KEYS: Record<string, Unsupported> = {
  mup_base_hidden_size: { feature: FEATURES.mup, off: isNull },
  mup_base_filter_size: { feature: FEATURES.mup, off: isNull },
  output_logits_alpha: { feature: FEATURES.mup, off: isNull },
  attention_logits_alpha: { feature: FEATURES.mup, off: isNull },
  embeddings_scale: { feature: FEATURES.mup, off: (v) => isNull(v) || v === 1 },
  output_logits_scale: { feature: FEATURES.mup, off: isNull },
  scale_qk_dot_by_d: { feature: FEATURES.mup, off: isFalse },
  scale_output_logits_by_d: { feature: FEATURES.mup, off: isFalse },
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
    position_embedding_type: z.enum(["learned", "rotary"]).describe("position embedding").optional(),
    use_position_embedding: z.literal(true).describe("position embeddings on (wsc needs them)").optional(),
    use_position_embeddings: z
      .boolean()
      .describe("a learned position table (TensorFlow GPT-J's name; false with rotary positions)")
      .optional(),
    rotary_dim: int(2, 1_000_000, "rotated dimensions per head").optional(),
    rope_theta: num(1, 1e12, "rotary base").optional(),
    share_embedding_weights: bool("LM head tied to the token embedding").optional(),
    embedding_dropout_rate: rate("dropout after the embeddings"),
    dropout_rate: rate("dropout rate"),
    residual_dropout_rate: rate("dropout on the residual branches (GPT-J)"),
    attention_dropout_rate: rate("dropout on attention probabilities"),
    layer_norm_epsilon: num(0, 1, "norm epsilon").optional(),
    norm_type: z.enum(["layernorm", "rmsnorm"]).describe("norm").optional(),
    use_rms_norm: bool("RMSNorm instead of LayerNorm (older LLaMA configs)").optional(),
    nonlinearity: z
      .enum(["gelu", "gelu_new", "relu", "silu", "swiglu"])
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
    use_untied_layer_norm: { feature: FEATURES.untiedNorm, off: isFalse },
    embedding_layer_norm: { feature: FEATURES.embeddingNorm, off: isFalse },
    alibi_trainable_slopes: { feature: FEATURES.alibi, off: isFalse },
    ...MUP_KEYS,
    num_experts: { feature: FEATURES.moe, off: (v) => isNull(v) || v === 1 },
    moe: { feature: FEATURES.moe, off: isNull },
    sliding_window_length: { feature: FEATURES.slidingWindow, off: isNull },
    attention_sliding_window_length: { feature: FEATURES.slidingWindow, off: isNull },
    attention_sink_tokens: { feature: FEATURES.slidingWindow, off: (v) => isNull(v) || v === 0 },
    pos_scaling_factor: { feature: FEATURES.ropeScaling, off: (v) => isNull(v) || v === 1 },
    pos_scaling_type: { feature: FEATURES.ropeScaling, off: (v) => isNull(v) || v === "linear" },
    pos_scaling_extra_args: { feature: FEATURES.ropeScaling, off: isNull },
    extra_attention_params: { feature: FEATURES.gqa, off: isNull },
    attention_module: {
      feature: FEATURES.gqa,
      off: (v) => isNull(v) || v === "aiayn_attention",
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
    position_embedding_type: z.enum(["learned", "fixed"]).describe("position embedding").optional(),
    num_segments: int(1, 1000, "token types (segments)").optional(),
    use_position_embedding: z.literal(true).describe("position embeddings on (BERT needs them)").optional(),
    use_segment_embedding: z.boolean().describe("segment (token type) embeddings").optional(),
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
    disable_nsp: bool("train without the next-sentence head").optional(),
    mlm_loss_weight: num(0, BIG, "MLM loss multiplier").optional(),
    mlm_loss_scaling: z.enum(["batch_size", "num_masked"]).describe("MLM loss normalisation").optional(),
    nsp_loss_weight: num(0, BIG, "NSP loss multiplier").optional(),
    initializer_range: num(0, 100, "std of the weight initialisation").optional(),
    attention_type: z.enum(["scaled_dot_product"]).describe("attention scoring").optional(),
    compute_eval_metrics: bool("compute eval metrics").optional(),
    ...PRECISION_KEYS,
  },
  ignored: COMMON_MODEL_IGNORED,
  unsupported: {
    use_projection_bias_in_attention: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    use_ffn_bias_in_attention: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    use_ffn_bias: { feature: FEATURES.bertNoBias, off: (v) => v !== false },
    use_segment_embedding: { feature: FEATURES.segmentlessBert, off: (v) => v !== false },
    position_embedding_type: { feature: FEATURES.fixedPositions, off: (v) => v !== "fixed" },
    mask_padding_in_positional_embed: { feature: FEATURES.robertaPositions, off: isFalse },
    num_experts: { feature: FEATURES.moe, off: (v) => isNull(v) || v === 1 },
    ...MUP_KEYS,
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
  ignored: COMMON_MODEL_IGNORED,
  unsupported: {},
};

/** Model-section keys per family kind. */
export const MODEL_KEYS = { decoder: DECODER_MODEL, bert: BERT_MODEL, mlp: MLP_MODEL } as const;
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
    disable_nsp: bool("no next-sentence pairs").optional(),
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
    use_multiple_workers: "TensorFlow input worker sharding",
    num_parallel_calls: "TensorFlow input pipeline parallelism",
    n_parallel_reads: "TensorFlow input pipeline parallelism",
    split: "the MNIST split a folder holds; wsc reads the split files in data_dir",
  },
  unsupported: {
    use_vsl: { feature: FEATURES.vsl, off: isFalse },
    sampler: { feature: FEATURES.samplers, off: isNull },
    data_transforms: { feature: FEATURES.slidingWindow, off: isNull },
    whole_word_masking: { feature: FEATURES.wholeWordMasking, off: isFalse },
    mask_whole_word: { feature: FEATURES.wholeWordMasking, off: isFalse },
  },
};

// ---------------------------------------------------------------- optimizer (old layout)

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
    cycle: z.literal(false).describe("cycling schedules (not implemented)").optional(),
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
      .regex(/^(adamw|adam|sgd|momentum)$/i, "one of AdamW, Adam, SGD, momentum (any case)")
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
    max_gradient_norm: num(0, 1e12, "global gradient-norm clip").optional(),
    disable_lr_steps_reset: bool("schedule segments see the global step instead of their own").optional(),
    ...lossScaleKeys,
  },
  ignored: {
    log_summaries: "TensorBoard summaries of optimizer state",
    ws_optimizer: "selects where the weight-streaming optimizer runs",
    ws_summary: "weight-streaming optimizer summaries",
  },
  unsupported: {
    max_gradient_value: { feature: FEATURES.clipByValue, off: isNull },
    dampening: { feature: FEATURES.sgdDampening, off: (v) => isNull(v) || v === 0 },
    adjust_learning_rate: { feature: FEATURES.mup, off: isNull },
    grad_accum_steps: {
      feature: FEATURES.optimizerAccum,
      off: (v) => isNull(v) || v === 1,
    },
  },
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
    num_steps: int(
      1,
      BIG,
      "training steps (the run stops at the smaller of num_steps and max_steps)",
    ).optional(),
    num_epochs: int(1, BIG, "epochs (with steps_per_epoch: num_epochs x steps_per_epoch steps)").optional(),
    steps_per_epoch: int(1, BIG, "steps per epoch").optional(),
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
  },
  unsupported: {
    sparsity: { feature: FEATURES.sparsity, off: isNull },
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
  },
  ignored: {},
  unsupported: {
    amsgrad: { feature: FEATURES.amsgrad, off: isFalse },
    dampening: { feature: FEATURES.sgdDampening, off: (v) => isNull(v) || v === 0 },
    maximize: { feature: FEATURES.maximize, off: isFalse },
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
    cycle: z.literal(false).describe("cycling schedules (not implemented)").optional(),
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
  },
  ignored: {
    grad_accum_steps: "micro-batching; the loss and gradients do not depend on it",
  },
  unsupported: {
    num_steps: { feature: FEATURES.numSteps, off: isNull },
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
