// The run configuration: everything a run needs besides the model, typed, from either layout. Model Zoo's
// defaults fill what a file leaves out; each default is named here.
import type { ModelFamily } from "../../model/index.js";
import { constantSchedule } from "../../numerics/optim/schedules.js";
import type { LrSchedule, ScheduleKind, ScheduleSegment } from "../../numerics/optim/schedules.js";
import type { ParamsContext } from "./context.js";
import type { Layout, PathKey } from "./layout.js";
import {
  FEATURES,
  NEW_OPTIMIZER_CLASSES,
  NEW_SCHEDULER_NAMES,
  OTHER_SCHEDULER_NAMES,
  UNBUILT_SCHEDULERS,
} from "./keys.js";

export type ExecutionStrategy = "pipeline" | "weight_streaming";

/** How a data source reads its samples (see src/data). */
export type DataSourceKind =
  | "gpt_hdf5"
  | "gpt_tfrecords"
  | "bert_mlm"
  | "bert_csv"
  | "bert_tfrecords"
  | "bert_hdf5"
  | "glue_tsv"
  | "ner_csv"
  | "bertsum_csv"
  | "squad_csv"
  | "synthetic"
  | "mnist"
  | "image_folder";

/** Data processor names a params file may give, and the source each means. */
export const DATA_PROCESSORS: Readonly<Record<string, DataSourceKind>> = {
  GptHDF5DataProcessor: "gpt_hdf5",
  GptHDF5MapDataProcessor: "gpt_hdf5",
  GptHDF5IterableDataProcessor: "gpt_hdf5",
  BertHDF5DynamicMaskDataProcessor: "bert_mlm",
  BertCSVDynamicMaskDataProcessor: "bert_csv",
  BertCSVDataProcessor: "bert_csv",
  // Model Zoo's MLM HDF5 (its data_preprocessing pipeline's, ESM-2's training data): loads and compiles; a run
  // needs a reader wsc has (docs/data.md)
  BertHDF5DataProcessor: "bert_hdf5",
  // the BERT fine-tuning readers (src/data/sources/bert-tasks.ts)
  SST2DataProcessor: "glue_tsv",
  MNLIDataProcessor: "glue_tsv",
  BertTokenClassifierDataProcessor: "ner_csv",
  BertSumCSVDataProcessor: "bertsum_csv",
  BertQADataProcessor: "squad_csv",
  // TensorFlow Model Zoo's readers: GPT TFRecords are read; BERT's load and compile, and training them
  // needs HDF5 (docs/data.md)
  GptTfRecordsProcessor: "gpt_tfrecords",
  BertTfRecordsProcessor: "bert_tfrecords",
  BertMlmOnlyTfRecordsDynamicMaskProcessor: "bert_tfrecords",
  BertMlmOnlyTfRecordsStaticMaskProcessor: "bert_tfrecords",
  DummyDataProcessor: "synthetic",
  DummyIterableDataProcessor: "synthetic",
  SyntheticDataProcessor: "synthetic",
  MNISTDataProcessor: "mnist",
  // the vision readers: torchvision's ImageFolder layout (src/data/sources/images.ts)
  ImageNet1KProcessor: "image_folder",
};

const DEFAULT_PROCESSOR: Readonly<Record<ModelFamily, string>> = {
  gpt2: "GptHDF5DataProcessor",
  gpt3: "GptHDF5DataProcessor",
  gptj: "GptHDF5DataProcessor",
  llama: "GptHDF5DataProcessor",
  bert: "BertHDF5DynamicMaskDataProcessor",
  mlp: "MNISTDataProcessor",
  vit: "ImageNet1KProcessor",
};

export interface DataConfig {
  /** Where the section is in the file, e.g. "train_input" or "trainer.fit.train_dataloader". */
  readonly section: string;
  readonly processor: string;
  readonly kind: DataSourceKind;
  /** Folders as the file gives them (relative ones are resolved by the data layer; see docs/data.md). */
  readonly dataDirs: readonly string[];
  /** Global batch size (all systems). */
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly shuffleSeed: number | null;
  /** Tokens per sample (1 for the MLP family). */
  readonly seqLen: number;
  readonly vocabSize: number;
  /** Cycle through the data; otherwise stop at its end. */
  readonly repeat: boolean;
  /** BERT: masked positions per sample at most, fraction masked, and next-sentence pairs. */
  readonly maxPredictionsPerSeq: number | null;
  readonly maskedLmProb: number;
  readonly nsp: boolean;
  /** BERT CSV: the WordPiece vocabulary file (as the file gives it) and whether the text is lower-cased. */
  readonly vocabFile: string | null;
  readonly doLower: boolean;
  /** The fine-tuning readers: the train split or the evaluation one (is_training; else by section). */
  readonly isTraining: boolean;
  /** Token classifier: label2id.json (the input's label_vocab_file, else the model's). */
  readonly labelVocabFile: string | null;
  /** Token classifier: padding positions count in the loss (the model's include_padding_in_loss). */
  readonly includePaddingInLoss: boolean;
  /** Summarization: sentences per sample (max_cls_tokens). */
  readonly maxClsTokens: number | null;
  /** Vision: images' channels, height and width, and the ImageFolder split (train, val). */
  readonly image: { readonly channels: number; readonly size: readonly [number, number] } | null;
  readonly split: string | null;
  /** Synthetic sources: samples in the set. */
  readonly numExamples: number | null;
  /** MLP: features and classes. */
  readonly inputSize: number;
  readonly numClasses: number;
}

export type OptimizerKind = "adamw" | "adam" | "sgd";

export interface OptimizerConfig {
  readonly kind: OptimizerKind;
  readonly learningRate: LrSchedule;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** AdamW: decoupled decay; Adam and SGD: L2 added to the gradient (as torch does). */
  readonly weightDecay: number;
  readonly correctBias: boolean;
  readonly momentum: number;
  readonly nesterov: boolean;
  /** Clip the global gradient norm to this; null for no clipping. */
  readonly maxGradientNorm: number | null;
}

export interface LossScalingConfig {
  /** "none": scale 1; "static": a fixed scale; "dynamic": halve on overflow (and skip), double after a streak. */
  readonly mode: "none" | "static" | "dynamic";
  readonly initialScale: number;
  readonly maxScale: number;
  readonly minScale: number;
  readonly stepsPerIncrease: number;
}

export interface PrecisionConfig {
  /** 16-bit compute on the wafer; the host always computes in fp32. */
  readonly mixedPrecision: boolean;
  readonly lossScaling: LossScalingConfig;
}

export interface RunConfig {
  readonly layout: Layout;
  readonly train: DataConfig | null;
  readonly eval: DataConfig | null;
  /** Training steps; null when the file gives none (an eval-only config). */
  readonly maxSteps: number | null;
  /** Evaluation batches; null: the whole evaluation set once. */
  readonly evalSteps: number | null;
  /** Steps between evaluations in train_and_eval; null: once, at the end. */
  readonly evalFrequency: number | null;
  /** Steps between checkpoints; 0: only at the end. */
  readonly checkpointSteps: number;
  readonly logSteps: number;
  readonly saveInitialCheckpoint: boolean;
  readonly keepCheckpointMax: number | null;
  readonly autoloadLastCheckpoint: boolean;
  readonly seed: number;
  readonly modelDir: string;
  readonly checkpointPath: string | null;
  /**
   * What a checkpoint given by checkpoint_path restores (runconfig.load_checkpoint_states): null restores
   * everything; else a subset of model, optimizer, grad_scaler, lr_scheduler, dataloader, global_step.
   */
  readonly loadCheckpointStates: readonly string[] | null;
  readonly executionStrategy: ExecutionStrategy | null;
  /** backend_type (new layout), for reports. */
  readonly backend: string | null;
  readonly optimizer: OptimizerConfig | null;
  readonly precision: PrecisionConfig;
  readonly computeEvalMetrics: boolean;
}

// ---------------------------------------------------------------- readers

const SCHEDULER_KIND: Readonly<Record<string, ScheduleKind>> = {
  constant: "constant",
  linear: "linear",
  polynomial: "polynomial",
  cosine: "cosine",
  cosinedecay: "cosine",
  exponential: "exponential",
  constantlr: "constant",
  linearlr: "linear",
  polynomiallr: "polynomial",
  cosinedecaylr: "cosine",
  exponentiallr: "exponential",
};

function segment(
  ctx: ParamsContext,
  at: readonly PathKey[],
  name: string,
  isLast: boolean,
): ScheduleSegment | undefined {
  const kind = SCHEDULER_KIND[name.toLowerCase()];
  if (!kind) {
    const base = name.toLowerCase().replace(/lr$/, "");
    const unbuilt = UNBUILT_SCHEDULERS[base];
    ctx.issue(
      at,
      unbuilt
        ? `${JSON.stringify(name)}: the ${unbuilt} learning-rate scheduler is not implemented in wsc`
        : `${JSON.stringify(name)} is not a Model Zoo learning-rate scheduler; use one of Constant, Linear, ` +
            "Polynomial, CosineDecay, Exponential (old layout) or ConstantLR, LinearLR, PolynomialLR, " +
            "CosineDecayLR, ExponentialLR, SequentialLR (trainer layout), in any case",
    );
    return undefined;
  }
  const n = (key: string) => ctx.num([...at, key]);
  if (ctx.bool([...at, "cycle"]) === true)
    ctx.issue([...at, "cycle"], `true: ${FEATURES.cyclingSchedules} is not implemented in wsc`);
  const stray = OTHER_SCHEDULER_NAMES.filter((key) => ctx.get([...at, key]) !== undefined);
  if (stray.length)
    ctx.warnings.push(
      `${stray.map((key) => ctx.where([...at, key])).join(", ")}: no effect on a ${name} segment`,
    );
  const steps = n("steps") ?? n("total_iters") ?? n("decay_steps") ?? null;
  if (steps === null && !isLast && kind !== "constant") {
    ctx.issue(at, `a ${name} segment before the last needs its length: steps (or total_iters / decay_steps)`);
  }
  if (steps === null && !isLast && kind === "constant") {
    ctx.issue(at, `a Constant segment before the last needs its length: steps (or total_iters)`);
  }
  const lr = n("learning_rate");
  const initial = n("initial_learning_rate") ?? lr;
  if (initial === undefined) {
    ctx.issue(
      at,
      `the ${name} segment needs initial_learning_rate${kind === "constant" ? " (or learning_rate)" : ""}`,
    );
    return undefined;
  }
  let end = n("end_learning_rate");
  const alpha = n("alpha");
  if (end === undefined && alpha !== undefined && kind === "cosine") end = initial * alpha;
  if (alpha !== undefined && kind !== "cosine")
    ctx.warnings.push(
      `${ctx.where([...at, "alpha"])} has no effect: only a cosine decay ends at alpha x its start`,
    );
  if (end === undefined) {
    if (kind === "linear" || kind === "polynomial" || kind === "cosine") {
      ctx.issue(
        at,
        `required key end_learning_rate is missing: the ${name} segment decays to it` +
          (kind === "cosine" ? " (or give alpha, the final fraction of initial_learning_rate)" : ""),
      );
      return undefined;
    }
    end = initial;
  }
  return {
    kind,
    initial,
    end,
    steps,
    decayRate: n("decay_rate") ?? 1,
    decaySteps: n("decay_steps") ?? steps ?? 1,
    staircase: ctx.bool([...at, "staircase"]) ?? false,
    power: n("power") ?? 1,
  };
}

function oldSchedule(ctx: ParamsContext, at: readonly PathKey[]): LrSchedule | undefined {
  const lr = ctx.get(at);
  const resetSteps = !(ctx.bool(["optimizer", "disable_lr_steps_reset"]) ?? false);
  if (typeof lr === "number") return { ...constantSchedule(lr), resetSteps };
  const list = Array.isArray(lr) ? lr : lr && typeof lr === "object" ? [lr] : [];
  const base = Array.isArray(lr) ? at : null;
  const segs: ScheduleSegment[] = [];
  list.forEach((s, i) => {
    const p = base ? [...base, i] : at;
    const name = (s as { scheduler?: unknown }).scheduler;
    if (typeof name !== "string") return;
    const seg = segment(ctx, p, name, i === list.length - 1);
    if (seg) segs.push(seg);
  });
  return segs.length === list.length && segs.length > 0 ? { segments: segs, resetSteps } : undefined;
}

function newSchedule(
  ctx: ParamsContext,
  fallbackLr: number | undefined,
  optPath: readonly PathKey[],
): LrSchedule | undefined {
  const at: PathKey[] = ["trainer", "init", "schedulers"];
  const list = ctx.get(at);
  if (!Array.isArray(list) || list.length === 0) {
    if (fallbackLr === undefined) {
      ctx.issue(optPath, "no learning rate: give trainer.init.schedulers or the optimizer's learning_rate");
      return undefined;
    }
    return constantSchedule(fallbackLr);
  }
  if (list.length > 1) {
    ctx.issue([...at, 1], `one scheduler (or one SequentialLR of several) is expected; found ${list.length}`);
    return undefined;
  }
  // ScalePerParamLR wraps a schedule to apply muP's per-group adjust_learning_rate, which wsc applies to
  // every schedule (ParamDecl.lrScale): the schedule is its inner one
  let base: PathKey[] = [...at, 0];
  let item = list[0] as Record<string, unknown>;
  if (item && typeof item === "object" && Object.keys(item).length === 1 && "ScalePerParamLR" in item) {
    base = [...base, "ScalePerParamLR", "scheduler"];
    item = ctx.get(base) as Record<string, unknown>;
  }
  const names = Object.keys(item ?? {});
  if (names.length !== 1) {
    ctx.issue(
      base,
      `one scheduler name is expected (${[...NEW_SCHEDULER_NAMES, "SequentialLR"].join(", ")}); found ${names.length}`,
    );
    return undefined;
  }
  const pieces: { path: PathKey[]; name: string }[] = [];
  if (names[0] === "SequentialLR") {
    const inner = ctx.get([...base, "SequentialLR", "schedulers"]);
    if (!Array.isArray(inner)) return undefined;
    inner.forEach((s, i) => {
      const n = Object.keys((s as Record<string, unknown>) ?? {});
      if (n.length !== 1) {
        ctx.issue([...base, "SequentialLR", "schedulers", i], "one scheduler name is expected per entry");
        return;
      }
      pieces.push({ path: [...base, "SequentialLR", "schedulers", i, n[0]], name: n[0] });
    });
  } else {
    pieces.push({ path: [...base, names[0]], name: names[0] });
  }
  const segs = pieces.map((p, i) => segment(ctx, p.path, p.name, i === pieces.length - 1));
  if (segs.some((s) => !s)) return undefined;
  return { segments: segs as ScheduleSegment[], resetSteps: true };
}

function lossScaling(ctx: ParamsContext, at: readonly PathKey[], mixed: boolean): LossScalingConfig {
  const f = ctx.get([...at, "loss_scaling_factor"]);
  const initial = ctx.num([...at, "initial_loss_scale"]);
  const max = ctx.num([...at, "max_loss_scale"]);
  const common = {
    maxScale: max ?? 2 ** 31,
    minScale: ctx.num([...at, "min_loss_scale"]) ?? 1,
    stepsPerIncrease: ctx.num([...at, "steps_per_increase"]) ?? 2000,
  };
  if (f === "dynamic") return { mode: "dynamic", initialScale: initial ?? 2 ** 15, ...common };
  if (typeof f === "number") return { mode: f === 1 ? "none" : "static", initialScale: f, ...common };
  // Model Zoo: mixed precision without a factor uses a static scale of 1 (no scaling).
  void mixed;
  return { mode: "none", initialScale: 1, ...common };
}

function dataConfig(
  ctx: ParamsContext,
  at: readonly PathKey[] | undefined,
  family: ModelFamily,
  model: RunConfigInputs["model"],
  training: boolean,
): DataConfig | null {
  if (!at) return null;
  const k = (key: string) => [...at, key];
  // use_fake_data: Model Zoo's processors make synthetic samples of the configured shape instead of reading
  const fake = ctx.bool(k("use_fake_data")) === true;
  const processor = ctx.str(k("data_processor")) ?? DEFAULT_PROCESSOR[family];
  const kind = fake ? "synthetic" : DATA_PROCESSORS[processor];
  if (!kind) {
    ctx.issue(
      k("data_processor"),
      `"${processor}" is not a data processor wsc reads; use one of ${Object.keys(DATA_PROCESSORS).join(", ")}`,
    );
  }
  const dir = ctx.get(k("data_dir"));
  const dataDirs =
    typeof dir === "string"
      ? [dir]
      : Array.isArray(dir)
        ? dir.filter((d): d is string => typeof d === "string")
        : [];
  if (dataDirs.length === 0 && kind !== undefined && kind !== "synthetic") {
    ctx.issue(k("data_dir"), `required for ${processor}: the folder(s) holding the data`);
  }
  const seqLen = ctx.num(k("max_sequence_length")) ?? model.seqLen;
  // a vision section's image_size is the model's (Model Zoo's configs give both)
  const size = ctx.get(k("image_size"));
  const given = typeof size === "number" ? [size, size] : Array.isArray(size) ? size : null;
  if (model.image && given && (given[0] !== model.image.size[0] || given[1] !== model.image.size[1]))
    ctx.issue(
      k("image_size"),
      `[${given.join(", ")}] differs from the model's image_size [${model.image.size.join(", ")}]; make them agree`,
    );
  const maxPred = ctx.num(k("max_predictions_per_seq")) ?? null;
  if (maxPred !== null && maxPred > seqLen) {
    ctx.issue(k("max_predictions_per_seq"), `${maxPred} exceeds max_sequence_length ${seqLen}`);
  }
  return {
    section: at.join("."),
    processor,
    kind: kind ?? "synthetic",
    dataDirs,
    batchSize: ctx.num(k("batch_size")) ?? 1,
    shuffle: ctx.bool(k("shuffle")) ?? false,
    shuffleSeed: ctx.num(k("shuffle_seed")) ?? null,
    seqLen,
    vocabSize: ctx.num(k("vocab_size")) ?? model.vocabSize,
    repeat: ctx.bool(k("repeat")) ?? true,
    maxPredictionsPerSeq: maxPred,
    maskedLmProb: ctx.num(k("masked_lm_prob")) ?? 0.15,
    nsp: model.nsp && !(ctx.bool(k("disable_nsp")) ?? false),
    vocabFile: ctx.str(k("vocab_file")) ?? null,
    doLower: ctx.bool(k("do_lower")) ?? false,
    isTraining: ctx.bool(k("is_training")) ?? training,
    labelVocabFile: ctx.str(k("label_vocab_file")) ?? model.labelVocabFile ?? null,
    includePaddingInLoss: model.includePaddingInLoss ?? false,
    maxClsTokens: ctx.num(k("max_cls_tokens")) ?? null,
    image: model.image ?? null,
    split: ctx.str(k("split")) ?? null,
    numExamples: ctx.num(k("num_examples")) ?? null,
    inputSize: ctx.num(k("input_size")) ?? model.inFeatures,
    numClasses: ctx.num(k("num_classes")) ?? model.classes,
  };
}

export interface RunConfigInputs {
  readonly family: ModelFamily;
  readonly trainPath?: readonly PathKey[];
  readonly evalPath?: readonly PathKey[];
  readonly model: {
    seqLen: number;
    vocabSize: number;
    inFeatures: number;
    classes: number;
    nsp: boolean;
    mixed: boolean;
    /** The token classifier's label2id.json and include_padding_in_loss, from the model section. */
    labelVocabFile?: string;
    includePaddingInLoss?: boolean;
    /** ViT: the images the patch embedding takes. */
    image?: { readonly channels: number; readonly size: readonly [number, number] };
  };
}

/**
 * The training steps of a run (runconfig, or trainer.init.loop), as Model Zoo's runner counts them: the smallest of max_steps,
 * num_steps and num_epochs x steps_per_epoch. An epoch without steps_per_epoch is the data set's length,
 * which wsc knows only once the data is open: that is refused by name.
 */
function runLength(ctx: ParamsContext, section: readonly PathKey[] = ["runconfig"]): number | null {
  const rc = (key: string) => [...section, key];
  const max = ctx.num(rc("max_steps"));
  const numSteps = ctx.num(rc("num_steps"));
  const epochs = ctx.num(rc("num_epochs"));
  const perEpoch = ctx.num(rc("steps_per_epoch"));
  if (epochs !== undefined && numSteps !== undefined)
    ctx.issue(rc("num_steps"), "give one of num_epochs and num_steps, as Model Zoo requires");
  if (epochs !== undefined && perEpoch === undefined)
    ctx.issue(
      rc("num_epochs"),
      `${epochs}: epoch-based run lengths without steps_per_epoch (an epoch as long as the data set) are not ` +
        "implemented in wsc; give steps_per_epoch or max_steps",
    );
  const candidates = [
    max,
    numSteps,
    epochs !== undefined && perEpoch !== undefined ? epochs * perEpoch : undefined,
  ];
  const given = candidates.filter((v): v is number => v !== undefined);
  return given.length ? Math.min(...given) : null;
}

/** load_checkpoint_states as a list; "all" (or nothing) is null, everything. */
function checkpointStates(ctx: ParamsContext, at: readonly PathKey[]): readonly string[] | null {
  const v = ctx.str(at);
  if (v === undefined) return null;
  const states = v.split(",").map((s) => s.trim());
  if (states.includes("all")) return null;
  if (!states.includes("model"))
    ctx.issue(
      at,
      `${JSON.stringify(v)}: restoring a checkpoint without its model weights is not implemented in wsc`,
    );
  return states;
}

/** The run configuration of an old-layout file. */
export function oldRunConfig(ctx: ParamsContext, inp: RunConfigInputs): RunConfig {
  const rc = (key: string) => ["runconfig", key];
  const opt = (key: string) => ["optimizer", key];
  let optimizer: OptimizerConfig | null = null;
  // TensorFlow's fc_mnist builds Adam when the file names no optimizer_type; every other model requires it
  const type =
    ctx.str(opt("optimizer_type")) ??
    (inp.family === "mlp" && ctx.get(["optimizer"]) !== undefined ? "adam" : undefined);
  if (type === undefined && ctx.get(["optimizer"]) !== undefined)
    ctx.issue(opt("optimizer_type"), "required key optimizer_type is missing (AdamW, Adam or SGD)");
  if (type) {
    const schedule = oldSchedule(ctx, opt("learning_rate"));
    const betas = ctx.get(opt("betas")) as [number, number] | undefined;
    // TensorFlow's "momentum" optimizer is SGD with momentum
    const kind = (type.toLowerCase() === "momentum" ? "sgd" : type.toLowerCase()) as OptimizerKind;
    if (schedule) {
      optimizer = {
        kind,
        learningRate: schedule,
        beta1: ctx.num(opt("beta1")) ?? ctx.num(opt("beta_1")) ?? betas?.[0] ?? 0.9,
        beta2: ctx.num(opt("beta2")) ?? ctx.num(opt("beta_2")) ?? betas?.[1] ?? 0.999,
        eps: ctx.num(opt("eps")) ?? ctx.num(opt("epsilon")) ?? (kind === "sgd" ? 0 : 1e-6),
        weightDecay: ctx.num(opt("weight_decay_rate")) ?? ctx.num(opt("weight_decay")) ?? 0,
        correctBias: ctx.bool(opt("correct_bias")) ?? ctx.bool(opt("use_bias_correction")) ?? true,
        momentum: ctx.num(opt("momentum")) ?? 0,
        nesterov: ctx.bool(opt("nesterov")) ?? ctx.bool(opt("use_nesterov")) ?? false,
        maxGradientNorm: ctx.num(opt("max_gradient_norm")) ?? null,
      };
    }
  }
  const ckpt =
    ctx.num(rc("checkpoint_steps")) ??
    ctx.num(rc("save_checkpoint_steps")) ??
    ctx.num(rc("save_checkpoints_steps"));
  // keep_checkpoint_max (or max_checkpoints) 0 keeps every checkpoint, as TensorFlow reads it
  const keep = ctx.num(rc("keep_checkpoint_max")) ?? ctx.num(rc("max_checkpoints"));
  return {
    layout: "old",
    train: dataConfig(ctx, inp.trainPath, inp.family, inp.model, true),
    eval: dataConfig(ctx, inp.evalPath, inp.family, inp.model, false),
    maxSteps: runLength(ctx),
    evalSteps: ctx.num(rc("eval_steps")) ?? null,
    evalFrequency: ctx.num(rc("eval_frequency")) ?? null,
    checkpointSteps: ckpt ?? 0,
    logSteps: ctx.num(rc("log_steps")) ?? 1,
    saveInitialCheckpoint: ctx.bool(rc("save_initial_checkpoint")) ?? false,
    keepCheckpointMax: keep ? keep : null,
    autoloadLastCheckpoint: ctx.bool(rc("autoload_last_checkpoint")) ?? true,
    seed: ctx.num(rc("seed")) ?? ctx.num(rc("tf_random_seed")) ?? 0,
    modelDir: ctx.str(rc("model_dir")) ?? "./model_dir",
    checkpointPath: ctx.str(rc("checkpoint_path")) ?? null,
    loadCheckpointStates: checkpointStates(ctx, rc("load_checkpoint_states")),
    executionStrategy: (ctx.str(rc("execution_strategy")) as ExecutionStrategy | undefined) ?? null,
    backend: null,
    optimizer,
    precision: {
      mixedPrecision: inp.model.mixed,
      lossScaling: lossScaling(ctx, ["optimizer"], inp.model.mixed),
    },
    computeEvalMetrics: ctx.bool(["model", "compute_eval_metrics"]) ?? true,
  };
}

/** The run configuration of a new-layout (trainer/fit) file. */
export function newRunConfig(ctx: ParamsContext, inp: RunConfigInputs): RunConfig {
  const init = ["trainer", "init"];
  const at = (...p: PathKey[]) => [...init, ...p];
  let optimizer: OptimizerConfig | null = null;
  const opt = ctx.get(at("optimizer"));
  if (opt && typeof opt === "object") {
    const classes = Object.keys(opt);
    if (classes.length !== 1) {
      ctx.issue(
        at("optimizer"),
        `one optimizer class is expected (${NEW_OPTIMIZER_CLASSES.join(", ")}); found ${classes.length}`,
      );
    } else {
      const cls = classes[0];
      const o = (key: string) => at("optimizer", cls, key);
      const kind = cls.toLowerCase() as OptimizerKind;
      const betas = ctx.get(o("betas")) as [number, number] | undefined;
      const schedule = newSchedule(
        ctx,
        ctx.num(o("learning_rate")) ?? ctx.num(o("lr")),
        at("optimizer", cls),
      );
      if (schedule) {
        optimizer = {
          kind,
          learningRate: schedule,
          beta1: betas?.[0] ?? 0.9,
          beta2: betas?.[1] ?? 0.999,
          eps: ctx.num(o("eps")) ?? (kind === "sgd" ? 0 : 1e-6),
          weightDecay: ctx.num(o("weight_decay")) ?? 0,
          correctBias: ctx.bool(o("correct_bias")) ?? true,
          momentum: ctx.num(o("momentum")) ?? 0,
          nesterov: ctx.bool(o("nesterov")) ?? false,
          maxGradientNorm: ctx.num(at("precision", "max_gradient_norm")) ?? null,
        };
      }
    }
  }
  const fitCkpt = ctx.str(["trainer", "fit", "ckpt_path"]) ?? ctx.str(["trainer", "validate", "ckpt_path"]);
  return {
    layout: "new",
    train: dataConfig(ctx, inp.trainPath, inp.family, inp.model, true),
    eval: dataConfig(ctx, inp.evalPath, inp.family, inp.model, false),
    maxSteps: runLength(ctx, at("loop")),
    evalSteps:
      ctx.num(at("loop", "eval_steps")) ??
      ctx.num(["trainer", "validate", "loop", "eval_steps"]) ??
      ctx.num(["trainer", "validate_all", "loop", "eval_steps"]) ??
      null,
    evalFrequency: ctx.num(at("loop", "eval_frequency")) ?? null,
    checkpointSteps: ctx.num(at("checkpoint", "steps")) ?? 0,
    logSteps: ctx.num(at("logging", "log_steps")) ?? 1,
    saveInitialCheckpoint: ctx.bool(at("checkpoint", "save_initial_checkpoint")) ?? false,
    keepCheckpointMax: ctx.num(at("checkpoint", "keep_checkpoint_max")) ?? null,
    autoloadLastCheckpoint: ctx.bool(at("checkpoint", "autoload_last_checkpoint")) ?? true,
    seed: ctx.num(at("seed")) ?? 0,
    modelDir: ctx.str(at("model_dir")) ?? "./model_dir",
    checkpointPath: fitCkpt ?? null,
    loadCheckpointStates: null,
    executionStrategy: null,
    backend: ctx.str(at("backend", "backend_type")) ?? null,
    optimizer,
    precision: {
      mixedPrecision: inp.model.mixed,
      lossScaling: lossScaling(ctx, at("precision"), inp.model.mixed),
    },
    computeEvalMetrics: ctx.bool([...init, "model", "compute_eval_metrics"]) ?? true,
  };
}
