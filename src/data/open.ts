// From a params file's input section to a data source, one opener per source kind.
//
// Relative data_dir paths are resolved as Model Zoo does, against the working directory; when a folder is not
// there, against the params file's folder (so the shipped tiny configs run from anywhere).
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { DataConfig, DataSourceKind } from "../frontends/params/index.js";
import type { ModelIR } from "../model/index.js";
import { DataError } from "./errors.js";
import { hdf5Ready } from "./hdf5.js";
import type { SampleSource } from "./source.js";
import { WordPiece } from "./wordpiece.js";
import { BertCsvSource, BertCsvStaticSource } from "./sources/bert-csv.js";
import { BertMlmSource } from "./sources/bert-mlm.js";
import { bertSumSource, glueSource, nerSource, readLabelMap, squadSource } from "./sources/bert-tasks.js";
import { GPT_TFRECORDS, GptHdf5Source } from "./sources/gpt-hdf5.js";
import { MnistSource } from "./sources/mnist.js";
import { SyntheticClusters, SyntheticTokens } from "./sources/synthetic.js";
import { ImageFolder, SyntheticImages } from "./sources/images.js";
import type { ImageShape } from "./sources/images.js";

export interface OpenOptions {
  /** Folder of the params file, the second place relative data_dir paths are looked for. */
  readonly paramsDir: string;
  /** Seed for masking and synthetic values (the run's seed; shuffling has its own). */
  readonly seed: number;
}

/** A data_dir as a folder that exists, or a clear error naming where it was looked for. */
export function resolveDataDir(dir: string, section: string, paramsDir: string): string {
  if (isAbsolute(dir)) {
    if (existsSync(dir)) return dir;
    throw new DataError(`${section}.data_dir: ${dir} does not exist`);
  }
  const fromCwd = resolve(dir);
  if (existsSync(fromCwd)) return fromCwd;
  const fromParams = resolve(paramsDir, dir);
  if (existsSync(fromParams)) return fromParams;
  throw new DataError(
    `${section}.data_dir: ${dir} does not exist (looked in ${fromCwd} and ${fromParams}); ` +
      `prepare data there with wsc data prepare, or fix the path`,
  );
}

/** A file a section names, relative to the working directory or else to the params file's folder. */
function resolveFile(file: string, where: string, paramsDir: string): string {
  const candidates = isAbsolute(file) ? [file] : [resolve(file), resolve(paramsDir, file)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new DataError(`${where}: ${file} does not exist (looked in ${candidates.join(" and ")})`);
  return found;
}

/** The masking settings of a BERT input section. */
const bertOptions = (cfg: DataConfig, o: OpenOptions) => ({
  seqLen: cfg.seqLen,
  maxPredictions: cfg.maxPredictionsPerSeq ?? cfg.seqLen,
  maskedLmProb: cfg.maskedLmProb,
  nsp: cfg.nsp,
  seed: o.seed,
  section: cfg.section,
});

type Opener = (cfg: DataConfig, model: ModelIR, o: OpenOptions) => SampleSource;

/** The images a ViT takes (its patch embedding's), which the input section's image_size must match. */
function imageShape(cfg: DataConfig, model: ModelIR): ImageShape {
  const first = model.layers[0]?.spec;
  if (first?.kind !== "patch_embedding")
    throw new DataError(
      `${cfg.section}.data_processor: ${cfg.processor} feeds images, and ${model.name} takes none`,
    );
  return { channels: first.channels, size: first.imageSize };
}

/** The section's WordPiece vocabulary, required by the readers that tokenize or look tokens up. */
function vocabOf(cfg: DataConfig, o: OpenOptions): WordPiece {
  if (!cfg.vocabFile)
    throw new DataError(
      `${cfg.section}.vocab_file: required for ${cfg.processor}: the WordPiece vocabulary the text is ` +
        "tokenized with (vocab/google_research_uncased_L-12_H-768_A-12.txt ships with wsc)",
    );
  return WordPiece.fromFile(
    resolveFile(cfg.vocabFile, `${cfg.section}.vocab_file`, o.paramsDir),
    cfg.doLower,
  );
}

const taskOptions = (cfg: DataConfig) => ({
  seqLen: cfg.seqLen,
  section: cfg.section,
  isTraining: cfg.isTraining,
});

const dirs = (cfg: DataConfig, o: OpenOptions) =>
  cfg.dataDirs.map((d) => resolveDataDir(d, cfg.section, o.paramsDir));

const OPENERS: Readonly<Record<DataSourceKind, Opener>> = {
  gpt_hdf5: (cfg, model, o) => new GptHdf5Source(dirs(cfg, o), cfg.seqLen, model.vocabSize, cfg.section),
  bert_mlm: (cfg, model, o) =>
    new BertMlmSource(
      new GptHdf5Source(dirs(cfg, o), cfg.seqLen, model.vocabSize, cfg.section),
      bertOptions(cfg, o),
    ),
  bert_csv: (cfg, _model, o) => {
    if (cfg.processor === "BertCSVDataProcessor")
      return new BertCsvStaticSource(dirs(cfg, o), bertOptions(cfg, o));
    return new BertCsvSource(dirs(cfg, o), vocabOf(cfg, o), bertOptions(cfg, o));
  },
  glue_tsv: (cfg, _model, o) => glueSource(dirs(cfg, o), cfg.processor, vocabOf(cfg, o), taskOptions(cfg)),
  ner_csv: (cfg, _model, o) => {
    if (!cfg.labelVocabFile)
      throw new DataError(
        `${cfg.section}.label_vocab_file: required for ${cfg.processor}: the label2id.json of the labels ` +
          "(give it here or as the model's label_vocab_file)",
      );
    const where = `${cfg.section}.label_vocab_file`;
    const labels = readLabelMap(resolveFile(cfg.labelVocabFile, where, o.paramsDir), where);
    return nerSource(dirs(cfg, o), vocabOf(cfg, o), labels, cfg.includePaddingInLoss, taskOptions(cfg));
  },
  bertsum_csv: (cfg, _model, o) => {
    if (cfg.maxClsTokens === null)
      throw new DataError(
        `${cfg.section}.max_cls_tokens: required for ${cfg.processor}: sentences per sample`,
      );
    const pad = cfg.vocabFile ? vocabOf(cfg, o).id("[PAD]") : 0;
    return bertSumSource(dirs(cfg, o), cfg.maxClsTokens, pad, taskOptions(cfg));
  },
  squad_csv: (cfg, _model, o) => squadSource(dirs(cfg, o), taskOptions(cfg)),
  gpt_tfrecords: (cfg, model, o) =>
    new GptHdf5Source(dirs(cfg, o), cfg.seqLen, model.vocabSize, cfg.section, GPT_TFRECORDS),
  bert_tfrecords: (cfg) => {
    throw new DataError(
      `${cfg.section}.data_processor: ${cfg.processor} reads TensorFlow BERT TFRecords (statically masked), which ` +
        "wsc does not read; prepare the text with wsc data prepare and use data_processor: " +
        "BertHDF5DynamicMaskDataProcessor (wsc model and run CSX --compile_only need no data)",
    );
  },
  bert_hdf5: (cfg) => {
    throw new DataError(
      `${cfg.section}.data_processor: ${cfg.processor} reads Model Zoo's MLM HDF5 (its data_preprocessing ` +
        "pipeline's), which wsc does not read; use BertCSVDataProcessor on statically masked CSV (wsc data " +
        "prepare --format bert_csv --static_masking writes it; wsc model and run CSX --compile_only need no data)",
    );
  },
  synthetic: (cfg, model, o) =>
    model.family === "mlp"
      ? new SyntheticClusters(cfg.numExamples ?? 4096, cfg.inputSize, cfg.numClasses, o.seed)
      : model.family === "vit"
        ? new SyntheticImages(
            cfg.numExamples ?? 4096,
            imageShape(cfg, model),
            cfg.numClasses,
            model.seqLen,
            o.seed,
            cfg.isTraining,
          )
        : new SyntheticTokens(cfg.numExamples ?? 4096, cfg.seqLen, model.vocabSize, o.seed),
  image_folder: (cfg, model, o) => {
    const d = dirs(cfg, o);
    if (d.length !== 1)
      throw new DataError(`${cfg.section}.data_dir: ${cfg.processor} reads one folder; got ${d.length}`);
    const split = cfg.split ?? (cfg.isTraining ? "train" : "val");
    return new ImageFolder(join(d[0], split), imageShape(cfg, model), model.seqLen, cfg.section);
  },
  mnist: (cfg, _model, o) => {
    const d = dirs(cfg, o);
    if (d.length !== 1)
      throw new DataError(`${cfg.section}.data_dir: MNIST reads one folder; got ${d.length}`);
    return new MnistSource(d[0], cfg.section);
  },
};

/** Open the source an input section describes for a model. */
export async function openSource(cfg: DataConfig, model: ModelIR, o: OpenOptions): Promise<SampleSource> {
  const wantsSeq = model.family !== "mlp" && model.family !== "vit" && cfg.seqLen !== model.seqLen;
  if (wantsSeq) {
    throw new DataError(
      `${cfg.section}.max_sequence_length ${cfg.seqLen} differs from the model's ${model.seqLen} tokens per sample`,
    );
  }
  if (cfg.kind === "gpt_hdf5" || cfg.kind === "bert_mlm") await hdf5Ready();
  return OPENERS[cfg.kind](cfg, model, o);
}
