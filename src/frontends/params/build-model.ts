// From a params file's model section to the model IR, one builder per family kind (decoder LM, BERT, MLP),
// registered by kind. Each applies Model Zoo's defaults for keys a file leaves out, checks what the schema
// cannot (heads dividing the hidden size, sequences longer than the learned positions, ...) and reports every
// problem through the context rather than stopping at the first.
import {
  BERT_DEFAULTS,
  DECODER_DEFAULTS,
  buildBert,
  buildDecoderLM,
  buildMlp,
  buildVit,
} from "../../model/index.js";
import type {
  BertConfig,
  ComputeDtype,
  DecoderLMConfig,
  ModelFamily,
  ModelIR,
  MupSettings,
} from "../../model/index.js";
import type {
  Activation,
  FineTuningTask,
  LossScaling,
  MoeSpec,
  TaskHeadSpec,
} from "../../numerics/layers/spec.js";
import type { RotaryScaling } from "../../numerics/ops/rotary.js";
import type { ParamsContext } from "./context.js";
import { FEATURES } from "./keys.js";
import type { ModelKeysKind } from "./keys.js";
import type { PathKey } from "./layout.js";

/** What the model builders need from outside the model section. */
export interface ModelInputs {
  /** Tokens per sample from the input sections (max_sequence_length), where one gives it. */
  readonly seqLen?: number;
  readonly seqPath?: readonly PathKey[];
  /** vocab_size as the input sections give it, to check against the model's. */
  readonly inputVocab: readonly { value: number; path: readonly PathKey[] }[];
  /** Features per sample from the input section (MLP). */
  readonly inputSize?: number;
  readonly numClasses?: number;
  /** Masked positions per sample the MLM head predicts (input `max_predictions_per_seq`), for costs. */
  readonly mlmPredictions?: number;
  /** No NSP pairs in the data (input `disable_nsp`). */
  readonly inputDisablesNsp: boolean;
  /** The input normalises the MLM loss by each batch's masked tokens (`dynamic_mlm_scale`, `scale_mlm_weights`). */
  readonly inputMlmPerMasked: boolean;
  /** The optimizer's muP learning-rate multipliers (`adjust_learning_rate`) and where they are. */
  readonly adjustLr?: { readonly path: readonly PathKey[]; readonly value: Readonly<Record<string, number>> };
  /** The vocabulary size the input's `vocab_file` gives (TensorFlow BERT reads the model's from it). */
  readonly vocabFromFile?: { value: number; path: readonly PathKey[] };
  /** Precision from outside the model section (new layout `precision`): overrides the model's keys. */
  readonly precisionEnabled?: boolean;
  readonly fp16Type?: string;
  /** The 2.x layout (trainer:), whose token classifier divides a padded loss by T (Model Zoo 2.5 on). */
  readonly newLayout?: boolean;
  /** BERT fine-tuning: the task head the family chooser found (model.name, data processor or keys). */
  readonly task?: FineTuningTask;
  /** Sentences per sample of the summarization reader (max_cls_tokens) and where it is. */
  readonly maxClsTokens?: { value: number; path: readonly PathKey[] };
}

type Builder = (
  ctx: ParamsContext,
  at: readonly PathKey[],
  family: ModelFamily,
  inp: ModelInputs,
) => ModelIR | undefined;

const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  gelu: "gelu",
  gelu_new: "gelu_tanh",
  relu: "relu",
  silu: "silu",
  swiglu: "swiglu",
  geglu: "geglu",
  tanh: "tanh",
};

/** The number format on the wafer from mixed_precision / use_bfloat16 / fp16_type (and new-layout precision). */
function computeDtype(ctx: ParamsContext, at: readonly PathKey[], inp: ModelInputs): ComputeDtype {
  const mixed =
    inp.precisionEnabled ?? ctx.bool([...at, "mixed_precision"]) ?? ctx.bool([...at, "to_float16"]);
  if (mixed === false) return "fp32";
  const t = inp.fp16Type ?? ctx.str([...at, "fp16_type"]);
  if (t === "bfloat16") return "bf16";
  if (t === "cbfloat16") return "cb16";
  if (t === "float16") return "fp16";
  if (ctx.bool([...at, "use_bfloat16"])) return "bf16";
  return mixed === true ? "fp16" : "fp32";
}

function checkVocab(ctx: ParamsContext, vocab: number | undefined, at: readonly PathKey[], inp: ModelInputs) {
  if (vocab === undefined) return;
  for (const v of inp.inputVocab) {
    if (v.value !== vocab) {
      ctx.issue(
        v.path,
        `${v.value} differs from ${[...at, "vocab_size"].join(".")} = ${vocab}; they must be equal`,
      );
    }
  }
}

/** TensorFlow's embedding_size: wsc's embeddings are hidden_size wide, as every Model Zoo config has them. */
function checkEmbeddingSize(ctx: ParamsContext, at: readonly PathKey[], hidden?: number) {
  const e = ctx.num([...at, "embedding_size"]);
  if (e !== undefined && hidden !== undefined && e !== hidden)
    ctx.issue(
      [...at, "embedding_size"],
      `${e}: embeddings narrower or wider than hidden_size (${hidden}) are not implemented in wsc`,
    );
}

function checkHeads(ctx: ParamsContext, at: readonly PathKey[], hidden?: number, heads?: number) {
  if (hidden !== undefined && heads !== undefined && hidden % heads !== 0) {
    ctx.issue(
      [...at, "num_heads"],
      `${heads} heads do not divide hidden_size ${hidden}: the head size must be a whole number ` +
        `(use a divisor of ${hidden}, e.g. ${largestDivisorAtMost(hidden, heads)})`,
    );
  }
}

function largestDivisorAtMost(n: number, k: number): number {
  for (let d = Math.min(n, k); d > 1; d--) if (n % d === 0) return d;
  return 1;
}

interface Sizes {
  readonly hidden: number;
  readonly heads: number;
  readonly layers: number;
  readonly vocabSize: number;
  readonly ffn: number;
}

/** The transformer sizes every decoder and BERT config gives, checked (heads divide hidden, vocabularies agree). */
function transformerSizes(ctx: ParamsContext, at: readonly PathKey[], inp: ModelInputs): Partial<Sizes> {
  const k = (key: string) => [...at, key];
  const s = {
    hidden: ctx.num(k("hidden_size")),
    heads: ctx.num(k("num_heads")),
    layers: ctx.num(k("num_hidden_layers")),
    vocabSize: ctx.num(k("vocab_size")) ?? vocabFromInput(ctx, at, inp),
    ffn: ctx.num(k("filter_size")),
  };
  checkHeads(ctx, at, s.hidden, s.heads);
  checkEmbeddingSize(ctx, at, s.hidden);
  checkVocab(ctx, s.vocabSize, at, inp);
  return s;
}

/**
 * A model section without vocab_size: TensorFlow's BERT takes the size from the input's vocab_size or its
 * vocab_file (Model Zoo's get_vocab_size). Decoders require the key.
 */
function vocabFromInput(ctx: ParamsContext, at: readonly PathKey[], inp: ModelInputs): number | undefined {
  const fromInput = inp.inputVocab[0]?.value ?? inp.vocabFromFile?.value;
  if (fromInput !== undefined && ctx.get([...at, "vocab_size"]) === undefined) return fromInput;
  return undefined;
}

/** The sizes when all are there and no problem was found so far; otherwise nothing is built. */
function complete(ctx: ParamsContext, s: Partial<Sizes>): Sizes | undefined {
  const all = Object.values(s).every((v) => v !== undefined);
  return all && ctx.issues.length === 0 ? (s as Sizes) : undefined;
}

/**
 * muP as Model Zoo applies it to its GPT-2/GPT-3 (and GPT-J) classes, from either generation's keys:
 *   2.3+: mup_base_hidden_size hb and mup_base_filter_size fb give w = H / hb and wf = F / fb; the logits are
 *         scaled by output_logits_alpha / w (scale_output_logits_by_d, the default; else / sqrt w); the
 *         attention and MLP-input weights learn at lr / w, the MLP output at lr / wf; the blocks' initial std
 *         is scaled by w^-1/2 (output projections also by (2L)^-1/2);
 *   1.x:  output_logits_scale, and the optimizer's adjust_learning_rate {decoder_kernel: x} for every block
 *         weight (decoder_attention, decoder_input_ffn, decoder_output_ffn name the groups one by one);
 *   both: embeddings_scale multiplies the embeddings; scale_qk_dot_by_d divides the attention scores by D
 *         instead of sqrt D, and attention_logits_alpha multiplies them.
 * Undefined when the file uses none of it.
 */
function mupSettings(
  ctx: ParamsContext,
  at: readonly PathKey[],
  inp: ModelInputs,
  sizes: Partial<Sizes>,
  defaultRange: number,
  initStd: number,
): MupSettings | undefined {
  const k = (key: string) => [...at, key];
  const n = (key: string) => ctx.num(k(key));
  const hb = n("mup_base_hidden_size");
  const fb = n("mup_base_filter_size");
  const qkd = ctx.bool(k("scale_qk_dot_by_d")) === true;
  const alpha = n("attention_logits_alpha") ?? 1;
  const emb = n("embeddings_scale") ?? 1;
  const legacyLogits = n("output_logits_scale");
  const adjust = inp.adjustLr;
  const any =
    hb !== undefined ||
    fb !== undefined ||
    qkd ||
    alpha !== 1 ||
    emb !== 1 ||
    legacyLogits !== undefined ||
    adjust;
  const { hidden: H, ffn: F, heads, layers: L } = sizes;
  if (!any || H === undefined || F === undefined || heads === undefined || L === undefined) return undefined;
  if ((hb === undefined) !== (fb === undefined))
    ctx.issue(
      k(hb === undefined ? "mup_base_hidden_size" : "mup_base_filter_size"),
      "required key for muP is missing: Model Zoo's muP takes both mup_base_hidden_size and mup_base_filter_size",
    );
  if (hb !== undefined && legacyLogits !== undefined)
    ctx.issue(
      k("output_logits_scale"),
      `${legacyLogits}: the 1.x output_logits_scale with the 2.3+ mup_base_hidden_size, which Model Zoo refuses; ` +
        "give output_logits_alpha",
    );
  const w = hb !== undefined ? H / hb : 1;
  const wf = fb !== undefined ? F / fb : 1;
  const byD = ctx.bool(k("scale_output_logits_by_d")) ?? true;
  const logitsScale =
    hb !== undefined ? (n("output_logits_alpha") ?? 1) / (byD ? w : Math.sqrt(w)) : (legacyLogits ?? 1);
  const D = (n("attention_inner_dim") ?? H) / heads;
  const lr = { attention: 1 / w, ffnIn: 1 / w, ffnOut: 1 / wf };
  if (adjust) {
    const groups: Record<string, (keyof typeof lr)[]> = {
      decoder_kernel: ["attention", "ffnIn", "ffnOut"],
      decoder_attention: ["attention"],
      decoder_input_ffn: ["ffnIn"],
      decoder_output_ffn: ["ffnOut"],
    };
    for (const [group, x] of Object.entries(adjust.value)) {
      const targets = groups[group];
      if (!targets) {
        ctx.issue(
          [...adjust.path, group],
          `${x}: ${FEATURES.mupGroups} is not implemented in wsc; wsc scales ${Object.keys(groups).join(", ")}`,
        );
        continue;
      }
      for (const t of targets) lr[t] *= x;
    }
  }
  const std = initStd ?? defaultRange;
  const outStd = initializerStd(ctx, k("output_layer_initializer")) ?? std;
  const blockInit =
    hb !== undefined
      ? { std: std / Math.sqrt(w), outputStd: outStd / Math.sqrt(w) / Math.sqrt(2 * L) }
      : { std, outputStd: initializerStd(ctx, k("output_layer_initializer")) ?? std / Math.sqrt(2 * L) };
  if (hb !== undefined && fb !== undefined && wf !== w)
    ctx.warnings.push(
      `${ctx.where(k("mup_base_filter_size"))}: wsc initialises the MLP output projection as the attention ` +
        `output (std x w^-1/2 x (2L)^-1/2, w = ${w}), not by the filter multiplier ${wf}`,
    );
  return {
    embeddingsScale: emb,
    logitsScale,
    scoreScale: alpha / (qkd ? D : Math.sqrt(D)),
    lrScales: lr,
    blockInit,
  };
}

/**
 * Key/value heads: Model Zoo's `attention_module: multiquery_attention` with `extra_attention_params:
 * {num_kv_groups: G}` (G = 1 when not given: multi-query); multi-head attention otherwise (undefined).
 */
function kvHeadsOf(
  ctx: ParamsContext,
  at: readonly PathKey[],
  heads: number | undefined,
): number | undefined {
  const k = (key: string) => [...at, key];
  const groups = ctx.num([...at, "extra_attention_params", "num_kv_groups"]);
  if (ctx.str(k("attention_module")) !== "multiquery_attention") {
    if (groups !== undefined)
      ctx.issue(
        [...at, "extra_attention_params", "num_kv_groups"],
        `${groups}: key/value groups apply to attention_module: multiquery_attention, as Model Zoo reads them; ` +
          "give that module or drop num_kv_groups",
      );
    return undefined;
  }
  const g = groups ?? 1;
  if (heads !== undefined && heads % g !== 0) {
    ctx.issue(
      [...at, "extra_attention_params", "num_kv_groups"],
      `${g} key/value groups do not divide num_heads ${heads}: each group serves heads / groups query heads`,
    );
    return undefined;
  }
  return g;
}

/**
 * The mixture of experts of Model Zoo's `moe` section (2.3+): on when num_experts + num_shared_experts > 1, as
 * Model Zoo's models decide; its defaults are Model Zoo's (top_k 1, no load-balancing loss, no null-expert
 * bias, normalised weights).
 */
function moeOf(ctx: ParamsContext, at: readonly PathKey[]): MoeSpec | undefined {
  const k = (key: string) => [...at, "moe", key];
  const experts = ctx.num(k("num_experts")) ?? 0;
  const shared = ctx.num(k("num_shared_experts")) ?? 0;
  if (experts + shared <= 1) return undefined;
  const topK = ctx.num(k("top_k")) ?? 1;
  if (topK > experts) {
    ctx.issue(
      k("top_k"),
      `${topK}: a token is routed to at most num_experts (${experts}) experts; give top_k from 1 to ${experts}`,
    );
    return undefined;
  }
  return {
    experts,
    topK,
    shared,
    normalize: ctx.bool(k("expert_weighting_normalization")) ?? true,
    nullExpertBias: ctx.num(k("null_expert_bias")) ?? 0,
    loadBalancingCoef: ctx.num(k("load_balancing_loss_coef")) ?? 0,
  };
}

/**
 * Gemma 2's mechanisms, each a key of Model Zoo's GPT-2 config: attention_inner_dim (the head size is it over
 * num_heads), soft-capping of the scores and the logits, sandwich norms, and the sliding window on every
 * other block (full attention first unless the pattern says otherwise).
 */
function gemmaOptions(
  ctx: ParamsContext,
  at: readonly PathKey[],
  heads: number | undefined,
  window: number | undefined,
): Partial<DecoderLMConfig> {
  const k = (key: string) => [...at, key];
  const out: {
    -readonly [K in keyof DecoderLMConfig]?: DecoderLMConfig[K];
  } = {};
  const inner = ctx.num(k("attention_inner_dim"));
  if (inner !== undefined && heads !== undefined) {
    if (inner % heads !== 0)
      ctx.issue(
        k("attention_inner_dim"),
        `${inner} is not a multiple of num_heads ${heads}: each head is attention_inner_dim / num_heads wide`,
      );
    else out.headSize = inner / heads;
  }
  const attnCap = ctx.num(k("attention_logit_softcapping"));
  if (attnCap !== undefined) out.attentionSoftcap = attnCap;
  const logitCap = ctx.num(k("final_logit_softcapping"));
  if (logitCap !== undefined) out.logitsSoftcap = logitCap;
  if (ctx.bool(k("norm_first_sandwich")) === true) out.sandwichNorms = true;
  if (ctx.bool(k("sliding_window_every_other_decoder_layer")) === true) {
    if (window === undefined)
      ctx.issue(
        k("sliding_window_every_other_decoder_layer"),
        "true without attention_sliding_window_length: give the window's length, as Model Zoo requires",
      );
    const first = ctx.str(k("sliding_window_every_other_decoder_layer_pattern")) ?? "full_attention_first";
    out.slidingWindowLayers = first === "sliding_window_first" ? "even" : "odd";
  } else if (ctx.get(k("sliding_window_every_other_decoder_layer_pattern")) != null) {
    ctx.warnings.push(
      `${ctx.where(k("sliding_window_every_other_decoder_layer_pattern"))} has no effect without ` +
        "sliding_window_every_other_decoder_layer: true",
    );
  }
  return out;
}

/**
 * RoPE position scaling: `pos_scaling_factor` with `pos_scaling_type` linear (the default) or llama3 (and its
 * `pos_scaling_extra_args`, defaults as Model Zoo's: low 1, high 4, original 8192). Factor 1 is none.
 */
function ropeScaling(ctx: ParamsContext, at: readonly PathKey[], pos: string): RotaryScaling | undefined {
  const k = (key: string) => [...at, key];
  const factor = ctx.num(k("pos_scaling_factor")) ?? 1;
  const type = ctx.str(k("pos_scaling_type")) ?? "linear";
  if (factor === 1 && type !== "llama3") return undefined;
  if (pos !== "rotary") {
    ctx.warnings.push(`${ctx.where(k("pos_scaling_factor"))} has no effect: positions are "${pos}"`);
    return undefined;
  }
  if (type === "linear") return { type: "linear", factor };
  if (type !== "llama3") return undefined; // refused by name (yarn, longrope)
  const x = (key: string) => ctx.num([...at, "pos_scaling_extra_args", key]);
  const lowFreqFactor = x("low_freq_factor") ?? 1;
  const highFreqFactor = x("high_freq_factor") ?? 4;
  if (highFreqFactor <= lowFreqFactor)
    ctx.issue(
      [...at, "pos_scaling_extra_args", "high_freq_factor"],
      `${highFreqFactor} must exceed low_freq_factor ${lowFreqFactor} (llama3 scaling blends between them)`,
    );
  return {
    type: "llama3",
    factor,
    lowFreqFactor,
    highFreqFactor,
    originalMaxPositions: x("original_max_position_embeddings") ?? 8192,
  };
}

/** An initializer as a file gives it: a mapping, or TensorFlow's one-entry list of one. */
function oneInitializer(
  v: unknown,
): { name?: string; a?: number; std?: number; stddev?: number } | undefined {
  const one = Array.isArray(v) ? v[0] : v;
  return one !== null && typeof one === "object" ? (one as { name?: string }) : undefined;
}

/** The std of a normal or truncated-normal initializer (`std`, or TensorFlow's `stddev`). */
function initializerStd(ctx: ParamsContext, at: readonly PathKey[]): number | undefined {
  const v = ctx.get(at);
  const base = Array.isArray(v) ? [...at, 0] : at;
  const init = oneInitializer(v);
  if (init?.name !== "normal" && init?.name !== "truncated_normal") return undefined;
  return ctx.num([...base, "std"]) ?? ctx.num([...base, "stddev"]);
}

/** Model Zoo's defaults for keys a decoder config leaves out, per family (from its model classes). */
const DECODER_KEY_DEFAULTS: Readonly<Record<string, Partial<DecoderLMConfig>>> = {
  gpt2: {},
  gpt3: {},
  // Model Zoo's GPT-J class: tied embeddings, no MLP biases, attention biases on, unless the file says
  // otherwise (the real 6B config does).
  gptj: { tiedEmbeddings: true, mlpBias: false, attentionBias: true, headBias: false },
  llama: {},
};

const buildDecoder: Builder = (ctx, at, family, inp) => {
  const k = (key: string) => [...at, key];
  const fam = family as DecoderLMConfig["family"];
  const base = { ...DECODER_DEFAULTS[fam], ...DECODER_KEY_DEFAULTS[fam] };
  const sizes = transformerSizes(ctx, at, inp);
  const { hidden, heads } = sizes;
  if (sizes.vocabSize === undefined && ctx.get(k("vocab_size")) === undefined)
    ctx.issue(k("vocab_size"), "required key vocab_size is missing: give it here or in the input section");

  const rmsFlag = ctx.bool(k("use_rms_norm"));
  const normType = ctx.str(k("norm_type"));
  if (rmsFlag !== undefined && normType !== undefined && (rmsFlag ? "rmsnorm" : "layernorm") !== normType) {
    ctx.issue(k("use_rms_norm"), `${rmsFlag} contradicts norm_type "${normType}"; keep one of them`);
  }
  const norm =
    normType === "rmsnorm" || rmsFlag === true
      ? "rmsnorm"
      : normType === "biasless-layernorm" || ctx.bool(k("use_biasless_norm")) === true
        ? "biasless_layernorm"
        : normType === "layernorm" || rmsFlag === false
          ? "layernorm"
          : base.norm;
  const pos =
    (ctx.str(k("position_embedding_type")) as "learned" | "rotary" | "alibi" | undefined) ??
    base.positionEmbedding;
  if (ctx.bool(k("use_position_embeddings")) === false && pos === "learned")
    ctx.issue(
      k("use_position_embeddings"),
      "false: a decoder without position embeddings is not implemented in wsc; give rotary positions " +
        "(position_embedding_type: rotary) if that is the model",
    );
  const maxPositions = ctx.num(k("max_position_embeddings")) ?? 1024;
  const seqLen = inp.seqLen ?? maxPositions;
  if (pos === "learned" && seqLen > maxPositions) {
    ctx.issue(
      inp.seqPath ?? k("max_position_embeddings"),
      `${seqLen} tokens per sample exceed max_position_embeddings = ${maxPositions} learned positions; ` +
        `raise max_position_embeddings or shorten the sequences`,
    );
  }
  const width = ctx.num(k("attention_inner_dim")) ?? hidden;
  const headDim = width !== undefined && heads !== undefined ? width / heads : undefined;
  const rotaryDim = ctx.num(k("rotary_dim"));
  if (rotaryDim !== undefined && pos !== "rotary") {
    ctx.warnings.push(`${ctx.where(k("rotary_dim"))} has no effect: positions are "${pos}"`);
  }
  if (pos === "rotary" && rotaryDim !== undefined && headDim !== undefined && Number.isInteger(headDim)) {
    if (rotaryDim > headDim || rotaryDim % 2 !== 0) {
      ctx.issue(
        k("rotary_dim"),
        `${rotaryDim} must be even and at most the head size ${headDim} ` +
          `(${ctx.num(k("attention_inner_dim")) !== undefined ? "attention_inner_dim" : "hidden_size"} / num_heads)`,
      );
    }
  }
  const qkvBias = ctx.bool(k("use_projection_bias_in_attention"));
  const outBias = ctx.bool(k("use_ffn_bias_in_attention"));
  if (qkvBias !== undefined && outBias !== undefined && qkvBias !== outBias) {
    ctx.issue(
      k("use_ffn_bias_in_attention"),
      `${outBias} differs from use_projection_bias_in_attention = ${qkvBias}; wsc gives the q/k/v and output ` +
        `projections biases together: set both to the same value`,
    );
  }
  const activationKey = ctx.str(k("nonlinearity"));
  const activation = activationKey ? ACTIVATIONS[activationKey] : base.activation;

  let lossScaling = (ctx.str(k("loss_scaling")) as LossScaling | undefined) ?? base.lossScaling;
  const lossWeight = ctx.num(k("loss_weight")) ?? 1;
  if (lossWeight !== 1 && lossScaling === "num_tokens") {
    // Model Zoo's GPT-2 class does the same, with a warning.
    lossScaling = "batch_size";
    ctx.warnings.push(
      `${ctx.where(k("loss_weight"))} = ${lossWeight} with loss_scaling "num_tokens": Model Zoo falls back to ` +
        `"batch_size", and so does wsc`,
    );
  }
  const dropout = ctx.num(k("residual_dropout_rate")) ?? ctx.num(k("dropout_rate")) ?? base.dropout;
  const embeddingDropout =
    ctx.num(k("embedding_dropout_rate")) ??
    ctx.num(k("embd_pdrop")) ??
    ctx.num(k("dropout_rate")) ??
    base.embeddingDropout;
  const attentionDropout =
    ctx.num(k("attention_dropout_rate")) ?? ctx.num(k("dropout_rate")) ?? base.attentionDropout;

  const std = (name: string) => initializerStd(ctx, k(name));
  const inits = ["embedding_initializer", "initializer", "output_layer_initializer"];
  const truncated = inits.filter((name) => {
    const init = oneInitializer(ctx.get(k(name)));
    return init !== undefined && (init.name === "truncated_normal" || init.a !== undefined);
  });
  if (truncated.length) {
    ctx.warnings.push(
      `${truncated.map((n) => ctx.where(k(n))).join(", ")}: truncated normal initialisers are drawn as ` +
        `N(0, std^2) without the truncation (their std is kept)`,
    );
  }
  const otherKinds = inits.filter((name) => {
    const kind = oneInitializer(ctx.get(k(name)))?.name;
    return kind !== undefined && kind !== "normal" && kind !== "truncated_normal";
  });
  if (otherKinds.length) {
    ctx.warnings.push(
      `${otherKinds.map((n) => `${ctx.where(k(n))} (${oneInitializer(ctx.get(k(n)))?.name})`).join(", ")}: ` +
        `wsc draws these weights as N(0, initializer_range^2); the architecture and the parameter count are unchanged`,
    );
  }
  const initializerRange = std("initializer") ?? ctx.num(k("initializer_range")) ?? base.initializerRange;
  const window = ctx.num(k("attention_sliding_window_length"));
  const kvHeads = kvHeadsOf(ctx, at, heads);
  const moe = moeOf(ctx, at);
  const gemma = gemmaOptions(ctx, at, heads, window);
  const untied = ctx.bool(k("use_untied_layer_norm")) === true;
  const mup = mupSettings(ctx, at, inp, sizes, base.initializerRange, initializerRange);
  if (untied && base.residual !== "parallel")
    ctx.warnings.push(
      `${ctx.where(k("use_untied_layer_norm"))} has no effect: ${fam}'s blocks already have a norm per sublayer`,
    );
  const rotaryScaling = ropeScaling(ctx, at, pos);

  const ok = complete(ctx, sizes);
  if (!ok) return undefined;
  return buildDecoderLM({
    ...(kvHeads !== undefined && { kvHeads }),
    ...(moe && { moe }),
    ...gemma,
    ...(untied && { untiedNorms: true }),
    ...(window !== undefined && { slidingWindow: window }),
    ...(ctx.bool(k("embedding_layer_norm")) === true && { embeddingNorm: true }),
    ...(pos === "alibi" && { alibiScale: ctx.num(k("pos_scaling_factor")) ?? 1 }),
    ...(mup && { mup }),
    ...(rotaryScaling && { rotaryScaling }),
    ...base,
    ...ok,
    maxPositions,
    seqLen,
    positionEmbedding: pos,
    // Model Zoo's GPT-J rotates a quarter of each head when the file gives no rotary_dim (64 of GPT-J 6B's
    // 256), rounded down to an even count here (rotary pairs dimensions)
    rotaryDim:
      rotaryDim ??
      (pos !== "rotary"
        ? 0
        : fam === "gptj" && headDim !== undefined
          ? 2 * Math.floor(headDim / 8)
          : base.rotaryDim),
    rotaryBase: ctx.num(k("rope_theta")) ?? base.rotaryBase,
    norm,
    normEps: ctx.num(k("layer_norm_epsilon")) ?? base.normEps,
    activation,
    attentionBias: qkvBias ?? outBias ?? base.attentionBias,
    mlpBias: ctx.bool(k("use_ffn_bias")) ?? base.mlpBias,
    headBias: ctx.bool(k("use_bias_in_output")) ?? base.headBias,
    tiedEmbeddings: ctx.bool(k("share_embedding_weights")) ?? base.tiedEmbeddings,
    embeddingDropout,
    dropout,
    attentionDropout,
    lossScaling,
    lossWeight,
    initializerRange,
    outputInitStd: std("output_layer_initializer"),
    embeddingInitStd: std("embedding_initializer"),
    computeDtype: computeDtype(ctx, at, inp),
  });
};

/**
 * The fine-tuning head of a BERT file, as Model Zoo's fine-tuning models configure it:
 *   classifier          pooler + task_dropout + Linear(H, num_labels), cross-entropy (single-label only);
 *   token_classifier    encoder_output_dropout_rate + Linear(H, num_classes), loss_weight (over T with
 *                       include_padding_in_loss in the 2.x layout, as Model Zoo 2.5 on divides it);
 *   summarization       Linear(H, num_labels = 2, bias use_cls_bias) on the sentence positions, loss_weight;
 *   qa                  Linear(H, 2): start and end logits over the positions.
 */
function taskHead(
  ctx: ParamsContext,
  at: readonly PathKey[],
  task: FineTuningTask,
  inp: ModelInputs,
  seqLen: number,
  dropout: number,
): (Omit<TaskHeadSpec, "kind" | "hidden"> & { sentences?: number }) | undefined {
  const k = (key: string) => [...at, key];
  const required = (key: string, what: string) => {
    const v = ctx.num(k(key));
    if (v === undefined) ctx.issue(k(key), `required key ${key} is missing: ${what}`);
    return v;
  };
  const weight = ctx.num(k("loss_weight")) ?? 1;
  switch (task) {
    case "sequence": {
      const classes = required("num_labels", "the classifier's classes (2 for SST-2, 3 for MNLI)");
      const problem = ctx.str(k("problem_type"));
      if (problem !== undefined && problem !== "single_label_classification")
        ctx.issue(k("problem_type"), `"${problem}": ${FEATURES.regression} is not implemented in wsc`);
      else if (problem === undefined && classes === 1)
        ctx.issue(
          k("num_labels"),
          `1 label without problem_type is Model Zoo's regression: ${FEATURES.regression} is not implemented in wsc`,
        );
      if (classes === undefined) return undefined;
      const p = ctx.num(k("task_dropout")) ?? dropout;
      return { task, classes, bias: true, pooler: true, dropout: p, lossWeight: 1 };
    }
    case "token": {
      const classes = required("num_classes", "the token classifier's labels (label2id.json's entries)");
      if (classes === undefined) return undefined;
      const padded = ctx.bool(k("include_padding_in_loss")) === true;
      const p = ctx.num(k("encoder_output_dropout_rate")) ?? dropout;
      const lossWeight = padded && inp.newLayout ? weight / seqLen : weight;
      return { task, classes, bias: true, pooler: false, dropout: p, lossWeight };
    }
    case "sentence": {
      const classes = ctx.num(k("num_labels")) ?? 2;
      if (classes > 2) ctx.issue(k("num_labels"), `${classes}: the summarization head takes 1 or 2 labels`);
      return {
        task,
        classes,
        bias: ctx.bool(k("use_cls_bias")) ?? true,
        pooler: false,
        dropout: 0,
        lossWeight: weight,
        ...(inp.maxClsTokens && { sentences: inp.maxClsTokens.value }),
      };
    }
    case "span":
      return { task, classes: 2, bias: true, pooler: false, dropout: 0, lossWeight: 1 };
  }
}

/**
 * The encoder options ESM-2's files set on Model Zoo's BERT config: norm_first (pre-norm blocks),
 * use_final_layer_norm, embedding_layer_norm, rotary positions (rotary_dim, by default a quarter of the head as
 * Model Zoo sets it, and rope_theta) and token_dropout with its mask_token_id.
 */
type EsmOptions = Partial<
  Pick<BertConfig, "preNorm" | "finalNorm" | "embeddingNorm" | "rotary" | "tokenDropout">
>;

function esmEncoder(
  ctx: ParamsContext,
  at: readonly PathKey[],
  hidden: number | undefined,
  heads: number | undefined,
): EsmOptions {
  const k = (key: string) => [...at, key];
  const out: { -readonly [K in keyof EsmOptions]: EsmOptions[K] } = {};
  if (ctx.bool(k("norm_first")) === true) out.preNorm = true;
  if (ctx.bool(k("use_final_layer_norm")) === true) out.finalNorm = true;
  if (ctx.bool(k("embedding_layer_norm")) === false) out.embeddingNorm = false;
  if (ctx.str(k("position_embedding_type")) === "rotary" && hidden !== undefined && heads !== undefined) {
    const D = hidden / heads;
    const dim = ctx.num(k("rotary_dim")) ?? Math.floor(D * 0.25);
    if (dim > D || dim % 2 !== 0)
      ctx.issue(k("rotary_dim"), `${dim} must be even and at most the head size ${D}, as Model Zoo requires`);
    out.rotary = { dim, base: ctx.num(k("rope_theta")) ?? 10000 };
  }
  if (ctx.bool(k("token_dropout")) === true) {
    const mask = ctx.num(k("mask_token_id"));
    if (mask === undefined)
      ctx.issue(
        k("mask_token_id"),
        "token_dropout needs mask_token_id (the id of <mask>), as Model Zoo requires",
      );
    else out.tokenDropout = { maskTokenId: mask };
  }
  return out;
}

const buildBertModel: Builder = (ctx, at, _family, inp) => {
  const k = (key: string) => [...at, key];
  const sizes = transformerSizes(ctx, at, inp);
  const maxPositions = ctx.num(k("max_position_embeddings")) ?? 512;
  // ESM-2's files read their sequences from HDF5 and give no max_sequence_length: its data is prepared at
  // max_position_embeddings (1026), as Model Zoo's esm2 preprocessing config does
  // (2.2 and 2.3's ESM-2 files have no model.name: their keys token_dropout and mask_token_id are ESM-2's)
  const esm2 =
    String(ctx.get(k("name")) ?? "").toLowerCase() === "esm2" ||
    ctx.get(k("token_dropout")) !== undefined ||
    ctx.get(k("mask_token_id")) !== undefined;
  const seqLen = inp.seqLen ?? (esm2 ? maxPositions : 128);
  if (seqLen > maxPositions) {
    ctx.issue(
      inp.seqPath ?? k("max_position_embeddings"),
      `${seqLen} tokens per sample exceed max_position_embeddings = ${maxPositions}; raise it or shorten the ` +
        "sequences (Model Zoo's own model fails on such a file too: its position ids index past the table)",
    );
  }
  const act = ctx.str(k("encoder_nonlinearity")) ?? ctx.str(k("nonlinearity")) ?? BERT_DEFAULTS.activation;
  const mlmAct = ctx.str(k("mlm_nonlinearity"));
  if (mlmAct !== undefined && mlmAct !== act) {
    ctx.issue(
      k("mlm_nonlinearity"),
      `"${mlmAct}" differs from encoder_nonlinearity "${act}"; wsc's MLM head uses the encoder's activation: make them equal`,
    );
  }
  const mlmScaling = ctx.str(k("mlm_loss_scaling"));
  if (inp.adjustLr)
    ctx.issue(
      inp.adjustLr.path,
      `${JSON.stringify(inp.adjustLr.value)}: ${FEATURES.bertMup} is not implemented in wsc`,
    );
  if (sizes.vocabSize === undefined && ctx.get(k("vocab_size")) === undefined)
    ctx.issue(
      k("vocab_size"),
      "required key vocab_size is missing: give it here, or the input's vocab_size, or a vocab_file Model Zoo ships",
    );
  if (!inp.task) {
    const classes = ctx.num(k("num_classes"));
    if (classes !== undefined && classes !== 2)
      ctx.issue(k("num_classes"), `${classes}: ${FEATURES.bertVariants} is not implemented in wsc`);
    for (const key of ["include_padding_in_loss", "label_vocab_file", "num_labels"])
      if (ctx.get(k(key)) !== undefined && ctx.get(k(key)) !== false)
        ctx.issue(k(key), "applies to a fine-tuning head, but the file describes BERT pre-training");
  }
  const d = BERT_DEFAULTS;
  const dropout = ctx.num(k("dropout_rate")) ?? d.dropout;
  const task = inp.task ? taskHead(ctx, at, inp.task, inp, seqLen, dropout) : undefined;
  const esm = esmEncoder(ctx, at, sizes.hidden, sizes.heads);
  const ok = complete(ctx, sizes);
  if (!ok) return undefined;
  const nsp = !(ctx.bool(k("disable_nsp")) ?? inp.inputDisablesNsp);
  return buildBert({
    ...(task && { task }),
    ...esm,
    ...(esm2 && { label: "esm2" }),
    ...ok,
    maxPositions,
    seqLen,
    // use_segment_embedding: False (TensorFlow's RoBERTa) builds no token-type table; without it, Model Zoo's
    // PyTorch pre-training defaults num_segments to 2 only with the NSP head (RoBERTa, ESM-2: none), its
    // fine-tuning models to 2
    typeVocabSize:
      ctx.bool(k("use_segment_embedding")) === false
        ? 0
        : (ctx.num(k("num_segments")) ?? (task || nsp ? d.typeVocabSize : 0)),
    ...(ctx.bool(k("mask_padding_in_positional_embed")) === true && { paddingPositions: true }),
    normEps: ctx.num(k("layer_norm_epsilon")) ?? d.normEps,
    activation: ACTIVATIONS[act],
    dropout,
    attentionDropout: ctx.num(k("attention_dropout_rate")) ?? dropout,
    nsp,
    tiedEmbeddings: ctx.bool(k("share_embedding_weights")) ?? d.tiedEmbeddings,
    mlmPredictions: inp.mlmPredictions,
    // the MLM loss per masked token: mlm_loss_scaling num_masked, or the input's dynamic_mlm_scale
    // (PyTorch) / scale_mlm_weights (TensorFlow), which scale each batch's MLM weights by 1 / masked tokens
    lossScaling:
      mlmScaling === "num_masked" || (mlmScaling === undefined && inp.inputMlmPerMasked)
        ? "num_tokens"
        : d.lossScaling,
    lossWeight: ctx.num(k("mlm_loss_weight")) ?? d.lossWeight,
    nspLossWeight: ctx.num(k("nsp_loss_weight")) ?? 1,
    initializerRange: ctx.num(k("initializer_range")) ?? d.initializerRange,
    computeDtype: computeDtype(ctx, at, inp),
  });
};

const buildMlpModel: Builder = (ctx, at, _family, inp) => {
  const k = (key: string) => [...at, key];
  const sizes = ctx.get(k("hidden_sizes"));
  const depth = ctx.num(k("depth"));
  const width = ctx.num(k("hidden_size"));
  let hidden: number[] | undefined;
  if (Array.isArray(sizes)) {
    if (sizes.every((s) => typeof s === "number")) hidden = sizes as number[];
    if (depth !== undefined && depth !== sizes.length)
      ctx.issue(
        k("depth"),
        `${depth} differs from the ${sizes.length} entries of hidden_sizes; drop depth or make them agree`,
      );
  } else if (depth !== undefined && width !== undefined) {
    hidden = Array.from({ length: depth }, () => width);
  } else {
    ctx.issue(at, "the MLP needs hidden_sizes: [..] or depth and hidden_size (as fc_mnist takes them)");
  }
  const inFeatures = ctx.num(k("input_size")) ?? inp.inputSize ?? 784;
  const classes = ctx.num(k("num_classes")) ?? inp.numClasses ?? 10;
  if (!hidden || ctx.issues.length > 0) return undefined;
  return buildMlp({
    inFeatures,
    hiddenSizes: hidden,
    classes,
    activation: ACTIVATIONS[ctx.str(k("activation_fn")) ?? "relu"],
    bias: ctx.bool(k("use_bias")) ?? true,
    dropout: ctx.num(k("dropout")) ?? 0,
    initializerRange: ctx.num(k("initializer_range")) ?? 0.02,
    computeDtype: computeDtype(ctx, at, inp),
  });
};

/** A size key: N (square) or [height, width]. */
function pair(ctx: ParamsContext, path: readonly PathKey[]): [number, number] | undefined {
  const v = ctx.get(path);
  if (typeof v === "number") return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0], v[1]];
  return undefined;
}

const buildVitModel: Builder = (ctx, at, _family, inp) => {
  const k = (key: string) => [...at, key];
  const hidden = ctx.num(k("hidden_size"));
  const heads = ctx.num(k("num_heads"));
  const imageSize = pair(ctx, k("image_size")) ?? [224, 224];
  const patchSize = pair(ctx, k("patch_size")) ?? [16, 16];
  if (imageSize[0] % patchSize[0] !== 0 || imageSize[1] % patchSize[1] !== 0)
    ctx.issue(
      k("patch_size"),
      `[${patchSize.join(", ")}] does not divide image_size [${imageSize.join(", ")}]; give a patch size that does`,
    );
  if (hidden !== undefined && heads !== undefined && hidden % heads !== 0)
    ctx.issue(k("num_heads"), `${heads} heads do not divide hidden_size ${hidden}`);
  const n = (imageSize[0] / patchSize[0]) * (imageSize[1] / patchSize[1]) + 1;
  if (inp.seqLen !== undefined && inp.seqLen !== n)
    ctx.issue(
      inp.seqPath ?? k("image_size"),
      `${inp.seqLen} positions per sample, but ${imageSize.join("x")} images in ${patchSize.join("x")} patches ` +
        `make ${n} (the patches and the class token); make them agree`,
    );
  const layers = ctx.num(k("num_hidden_layers"));
  const ffn = ctx.num(k("filter_size"));
  const qkvBias = ctx.bool(k("use_projection_bias_in_attention")) ?? true;
  const outBias = ctx.bool(k("use_ffn_bias_in_attention")) ?? qkvBias;
  if (outBias !== qkvBias)
    ctx.issue(
      k("use_ffn_bias_in_attention"),
      `${outBias} differs from use_projection_bias_in_attention ${qkvBias}; wsc's attention has one bias setting ` +
        "for q, k, v and the output projection: make them equal",
    );
  const pooler = ctx.bool(k("use_encoder_pooler_layer")) === true;
  if (pooler && (ctx.str(k("pooler_nonlinearity")) ?? "tanh") !== "tanh")
    ctx.issue(k("pooler_nonlinearity"), "the pooler takes tanh");
  if (hidden === undefined || heads === undefined || layers === undefined || ffn === undefined)
    return undefined;
  if (ctx.issues.length > 0) return undefined;
  const dropout = ctx.num(k("dropout_rate")) ?? 0;
  return buildVit({
    channels: ctx.num(k("num_channels")) ?? 3,
    imageSize,
    patchSize,
    hidden,
    layers,
    heads,
    ffn,
    classes: ctx.num(k("num_classes")) ?? 2,
    normEps: ctx.num(k("layer_norm_epsilon")) ?? 1e-5,
    activation: ACTIVATIONS[ctx.str(k("nonlinearity")) ?? "gelu"],
    preNorm: ctx.bool(k("norm_first")) ?? true,
    finalNorm: ctx.bool(k("use_final_layer_norm")) ?? true,
    clsToken: true,
    embeddingDropout: ctx.num(k("embedding_dropout_rate")) ?? dropout,
    dropout,
    attentionDropout: ctx.num(k("attention_dropout_rate")) ?? dropout,
    attentionBias: qkvBias,
    mlpBias: ctx.bool(k("use_ffn_bias")) ?? true,
    pooler,
    initializerRange: ctx.num(k("initializer_range")) ?? 0.02,
    computeDtype: computeDtype(ctx, at, inp),
  });
};

/** The model builder of each family kind. */
export const MODEL_BUILDERS: Readonly<Record<ModelKeysKind, Builder>> = {
  decoder: buildDecoder,
  bert: buildBertModel,
  mlp: buildMlpModel,
  vit: buildVitModel,
};
