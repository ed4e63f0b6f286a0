// loadParams: a Model Zoo params file (either layout) -> { model IR, run config, ignored keys, warnings }.
// Every problem of the file (unknown keys, wrong types, values out of range, unsupported options and
// inconsistent values) is collected and thrown at once as one ConfigError with paths and lines.
import type { ModelFamily, ModelIR } from "../../model/index.js";
import { ConfigError } from "../../util/errors.js";
import type { ConfigIssue } from "../../util/errors.js";
import { parseYaml, readConfigFile, toConfigIssues, formatPath, formatValue } from "../yaml-config.js";
import { MODEL_BUILDERS } from "./build-model.js";
import type { ModelInputs } from "./build-model.js";
import { ParamsContext } from "./context.js";
import { chooseFamily, modelKeysKind } from "./family.js";
import type { FamilyChoice } from "./family.js";
import { detectLayout, documentSchema, getIn, inputPaths, modelPath, sectionsOf } from "./layout.js";
import type { Layout, PathKey } from "./layout.js";
import { newRunConfig, oldRunConfig } from "./run-config.js";
import type { RunConfig } from "./run-config.js";

/** What the command line can override on top of a params file. */
export interface ParamsOverrides {
  /** Model family, as `--model` (stands in for Model Zoo's per-model run.py). */
  readonly model?: string;
  readonly maxSteps?: number;
  readonly evalSteps?: number;
  readonly modelDir?: string;
  readonly checkpointPath?: string;
  readonly seed?: number;
}

/** A key that only tunes the real hardware's compiler, runtime or logging, accepted and listed. */
export interface IgnoredKey {
  readonly path: string;
  readonly line?: number;
  readonly reason: string;
}

export interface LoadedParams {
  readonly file: string;
  readonly layout: Layout;
  readonly family: FamilyChoice;
  readonly model: ModelIR;
  readonly run: RunConfig;
  readonly ignored: readonly IgnoredKey[];
  readonly warnings: readonly string[];
  /** The file's content as parsed (for train/params_train.yaml). */
  readonly raw: unknown;
}

function processorsOf(data: unknown, paths: { train?: PathKey[]; eval?: PathKey[] }): string[] {
  return [paths.train, paths.eval]
    .map((p) => (p ? getIn(data, [...p, "data_processor"]) : undefined))
    .filter((v): v is string => typeof v === "string");
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Parse and check params text; `file` names it in messages. */
export function parseParams(file: string, text: string, overrides: ParamsOverrides = {}): LoadedParams {
  let parsed: ReturnType<typeof parseYaml>;
  try {
    parsed = parseYaml(file, text, "pyyaml");
  } catch (e) {
    // one syntax error makes the parser report several more after it: the first is the one to fix
    if (e instanceof ConfigError && e.issues.length > 1) throw new ConfigError(file, e.issues.slice(0, 1));
    throw e;
  }
  const { doc, lines, data } = parsed;
  if (!isMapping(data)) {
    throw new ConfigError(file, [
      {
        path: "",
        message: `a params file is a mapping of sections (model, train_input, ...); got ${formatValue(data)}`,
      },
    ]);
  }
  const layout = detectLayout(data);
  const ctx = new ParamsContext(data, doc, lines);
  ctx.warnings.push(...parsed.warnings);
  const mPath = modelPath(layout);
  const modelSection = getIn(data, mPath);
  if (!isMapping(modelSection)) {
    ctx.issue(
      mPath,
      modelSection === undefined
        ? `required section is missing: the model (${layout === "old" ? "model:" : "trainer.init.model:"} with hidden_size, num_hidden_layers, ...)`
        : `must be a mapping of model keys; got ${formatValue(modelSection)}`,
    );
    throw new ConfigError(file, ctx.issues);
  }
  const io = inputPaths(layout, data);
  const choice = chooseFamily(
    modelSection,
    processorsOf(data, io),
    overrides.model,
    formatPath([...mPath, "name"]),
    ctx.line([...mPath, "name"]),
  );
  if (!("family" in choice))
    throw new ConfigError(file, [{ ...choice, line: choice.line ?? ctx.line(mPath) }]);
  const kind = modelKeysKind(choice.family);

  // 1. schema: unknown keys, types, ranges
  const schema = documentSchema(layout, kind);
  const r = schema.safeParse(data);
  if (!r.success) ctx.issues.push(...tidy(toConfigIssues(r.error.issues, schema, data, doc, lines)));

  // 2. unsupported Model Zoo options; ignored keys
  const ignored: IgnoredKey[] = [];
  for (const s of sectionsOf(layout, data, kind)) {
    for (const [key, value] of Object.entries(s.value)) {
      const u = s.keys.unsupported[key];
      if (u && !(u.off?.(value) ?? false)) {
        const feature = typeof u.feature === "function" ? u.feature(value) : u.feature;
        ctx.issue(
          [...s.path, key],
          `${formatValue(value)}: ${feature} is not implemented in wsc; the file describes what wsc ` +
            `does not build, so it is refused rather than run as another model (docs/configs.md lists the features)`,
        );
      }
      const why = s.keys.ignored[key];
      if (why !== undefined)
        ignored.push({ path: formatPath([...s.path, key]), line: ctx.line([...s.path, key]), reason: why });
    }
  }

  // 3. the model and the run, with their consistency checks
  const inputs: ModelInputs = {
    ...modelInputs(ctx, layout, io),
    ...(choice.task && { task: choice.task }),
  };
  const model = MODEL_BUILDERS[kind](ctx, mPath, choice.family, inputs);
  const nsp = model?.layers.some((l) => l.kind === "nsp_head") ?? false;
  const first = model?.layers[0]?.spec;
  const last = model?.layers[model.layers.length - 1]?.spec;
  const runInputs = {
    family: choice.family as ModelFamily,
    trainPath: io.train,
    evalPath: io.eval,
    model: {
      seqLen: model?.seqLen ?? 1,
      vocabSize: model?.vocabSize ?? 0,
      inFeatures:
        first?.kind === "dense" ? first.inFeatures : first?.kind === "classifier_head" ? first.inFeatures : 0,
      classes: last?.kind === "classifier_head" || last?.kind === "task_head" ? last.classes : 0,
      ...(first?.kind === "patch_embedding" && {
        image: { channels: first.channels, size: first.imageSize },
      }),
      nsp,
      mixed: model ? model.computeDtype !== "fp32" : false,
      ...(ctx.str([...mPath, "label_vocab_file"]) !== undefined && {
        labelVocabFile: ctx.str([...mPath, "label_vocab_file"]),
      }),
      includePaddingInLoss: ctx.bool([...mPath, "include_padding_in_loss"]) === true,
    },
  };
  let run = layout === "old" ? oldRunConfig(ctx, runInputs) : newRunConfig(ctx, runInputs);

  if (ctx.issues.length > 0 || !model) {
    const sorted = [...ctx.issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    throw new ConfigError(file, dedupe(sorted));
  }
  run = applyOverrides(run, overrides);
  return { file, layout, family: choice, model, run, ignored, warnings: ctx.warnings, raw: data };
}

/**
 * A misspelt key makes two issues: the unknown key (with its "did you mean") and the missing required key it
 * was meant to be. Keep the first, which says both; and once a suggestion is made, drop the list of every key.
 */
function tidy(issues: ConfigIssue[]): ConfigIssue[] {
  const suggested = new Set<string>();
  const out = issues.map((i) => {
    const m = /^unknown key; did you mean "([^"]+)"\?/.exec(i.message);
    if (!m) return i;
    const parent = i.path.includes(".") ? i.path.slice(0, i.path.lastIndexOf(".") + 1) : "";
    suggested.add(parent + m[1]);
    return { ...i, message: m[0] };
  });
  return out.filter((i) => !(suggested.has(i.path) && /^required key \S+ is missing/.test(i.message)));
}

function dedupe<T extends { path: string; message: string }>(xs: readonly T[]): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = `${x.path}\u0000${x.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function modelInputs(
  ctx: ParamsContext,
  layout: Layout,
  io: { train?: PathKey[]; eval?: PathKey[] },
): ModelInputs {
  const seqSources = [io.train, io.eval].filter((p): p is PathKey[] => !!p);
  const seqPath = seqSources.map((p) => [...p, "max_sequence_length"]).find((p) => ctx.num(p) !== undefined);
  const inputVocab = seqSources
    .map((p) => ({ path: [...p, "vocab_size"], value: ctx.num([...p, "vocab_size"]) }))
    .filter((v): v is { path: PathKey[]; value: number } => v.value !== undefined);
  const first = seqSources[0];
  const prec = ["trainer", "init", "precision"];
  return {
    seqLen: seqPath ? ctx.num(seqPath) : undefined,
    seqPath,
    inputVocab,
    inputSize: first ? ctx.num([...first, "input_size"]) : undefined,
    numClasses: first ? ctx.num([...first, "num_classes"]) : undefined,
    mlmPredictions: seqSources
      .map((p) => ctx.num([...p, "max_predictions_per_seq"]))
      .find((v) => v !== undefined),
    inputDisablesNsp: seqSources.some((p) => ctx.bool([...p, "disable_nsp"]) === true),
    inputMlmPerMasked: seqSources.some(
      (p) => ctx.bool([...p, "dynamic_mlm_scale"]) === true || ctx.bool([...p, "scale_mlm_weights"]) === true,
    ),
    vocabFromFile: vocabFileSize(ctx, seqSources),
    adjustLr: adjustLearningRate(ctx, layout),
    precisionEnabled: layout === "new" ? ctx.bool([...prec, "enabled"]) : undefined,
    newLayout: layout === "new",
    maxClsTokens: seqSources
      .map((p) => ({ path: [...p, "max_cls_tokens"], value: ctx.num([...p, "max_cls_tokens"]) }))
      .find((v): v is { path: PathKey[]; value: number } => v.value !== undefined),
    // the 2.3+ precision section's fp16_type defaults to bfloat16 (Model Zoo's MixedPrecision config)
    fp16Type:
      layout === "new"
        ? (ctx.str([...prec, "fp16_type"]) ?? (ctx.get(prec) !== undefined ? "bfloat16" : undefined))
        : undefined,
  };
}

/**
 * Entries of the vocabulary files Model Zoo ships (modelzoo/transformers/vocab, counted from the files of
 * release 1.8.0), by file name: TensorFlow BERT configs give the vocabulary as one of these instead of a size.
 */
export const MODEL_ZOO_VOCAB_SIZES: Readonly<Record<string, number>> = {
  "google_research_uncased_L-12_H-768_A-12.txt": 30522,
  "google_research_cased_L-12_H-768_A-12.txt": 28996,
  "google_research_wwm_uncased_L-24_H-1024_A-16.txt": 30522,
  "Pubmed_fulltext_vocab.txt": 30522,
  "uncased_pubmed_abstracts_and_fulltext_vocab.txt": 30522,
  "uncased_pubmed_abstracts_only_vocab.txt": 28895,
  "wikitext-103_50k_clean.txt": 50000,
};

/** The optimizer's adjust_learning_rate (old layout `optimizer`, or the 2.3+ optimizer class's section). */
function adjustLearningRate(ctx: ParamsContext, layout: Layout) {
  let path: PathKey[] = ["optimizer", "adjust_learning_rate"];
  if (layout === "new") {
    const opt = ctx.get(["trainer", "init", "optimizer"]);
    const cls = isMapping(opt) ? Object.keys(opt)[0] : undefined;
    if (cls === undefined) return undefined;
    path = ["trainer", "init", "optimizer", cls, "adjust_learning_rate"];
  }
  const v = ctx.get(path);
  if (!isMapping(v) || !Object.values(v).every((x) => typeof x === "number")) return undefined;
  return { path, value: v as Record<string, number> };
}

/** The size of the first input section's vocab_file when it is one Model Zoo ships. */
function vocabFileSize(ctx: ParamsContext, sources: readonly PathKey[][]) {
  for (const p of sources) {
    const file = ctx.str([...p, "vocab_file"]);
    if (file === undefined) continue;
    const size = MODEL_ZOO_VOCAB_SIZES[file.split(/[\\/]/).pop() ?? ""];
    if (size !== undefined) return { value: size, path: [...p, "vocab_file"] };
  }
  return undefined;
}

function applyOverrides(run: RunConfig, o: ParamsOverrides): RunConfig {
  return {
    ...run,
    ...(o.maxSteps !== undefined && { maxSteps: o.maxSteps }),
    ...(o.evalSteps !== undefined && { evalSteps: o.evalSteps }),
    ...(o.modelDir !== undefined && { modelDir: o.modelDir }),
    ...(o.checkpointPath !== undefined && { checkpointPath: o.checkpointPath }),
    ...(o.seed !== undefined && { seed: o.seed }),
  };
}

/** Read and check a params file: the one function the other layers call. */
export function loadParams(file: string, overrides: ParamsOverrides = {}): LoadedParams {
  return parseParams(file, readConfigFile(file, "params file", "--params"), overrides);
}
