// The data of Model Zoo's BERT fine-tuning models, read as its PyTorch data processors read it:
//   SST2DataProcessor, MNLIDataProcessor   GLUE's TSV files (train.tsv, dev.tsv; MNLI's dev_matched.tsv and
//                                          dev_mismatched.tsv), tokenized with WordPiece as the processor does:
//                                          [CLS] A [SEP] (B [SEP]), the longer text truncated one token at a
//                                          time; token types 1 from index len(A) for len(B) tokens (the
//                                          processor's own offsets, kept so that a sample is the same);
//   BertTokenClassifierDataProcessor       meta.dat + CSV with the columns tokens and labels (space-separated
//                                          WordPiece tokens and their labels, [CLS] ... [SEP], as Model Zoo's
//                                          write_csv_ner.py writes them), label2id.json for the label ids; the
//                                          loss mask is the attention mask, or every position with
//                                          include_padding_in_loss;
//   BertSumCSVDataProcessor                meta.dat + CSV with input_token_ids, labels, segment_ids and
//                                          cls_indices (Python list literals); the sentence positions and
//                                          labels padded to max_cls_tokens with the pad id, a position's
//                                          weight 1 where its index is not the pad id (so, as in Model Zoo, the
//                                          first sentence's [CLS] at index 0 carries weight 0);
//   BertQADataProcessor                    meta.dat + CSV with input_ids, input_mask, segment_ids (lists of
//                                          max_sequence_length) and start_position, end_position; a label's
//                                          weight is 1 when it lies inside the sequence.
// Every source gives ids, attention mask and token types, and the task head's labels and weights.
import { basename, join } from "node:path";
import { FileRefusedError, readRegularFile } from "../../util/fs.js";
import { DataError } from "../errors.js";
import type { BatchFields, SampleSource } from "../source.js";
import type { WordPiece } from "../wordpiece.js";
import { metaFiles, parsePythonList, readCsvRows } from "./bert-csv.js";

/** One example: its tokens (n <= T) and the task head's labels (per labels per sample). */
interface TaskExample {
  readonly ids: Int32Array;
  readonly types: Int32Array;
  /** Attention mask of the n tokens (absent: all 1). */
  readonly attention?: Float32Array;
  readonly labels: Int32Array;
  readonly weights?: Float32Array;
  readonly positions?: Int32Array;
  readonly group?: number;
}

export interface TaskSourceOptions {
  readonly seqLen: number;
  readonly section: string;
  /** The train split (train.tsv) or the evaluation one. */
  readonly isTraining: boolean;
}

/** A fine-tuning data set held in memory: every example's tokens and labels. */
export class TaskSource implements SampleSource {
  readonly numSamples: number;

  constructor(
    readonly description: string,
    readonly seqLen: number,
    /** Labels per sample: 1 (sequence), T (token), M (sentence), 2 (span). */
    private readonly per: number,
    private readonly examples: readonly TaskExample[],
    private readonly padId: number,
    /** The labels the evaluation's F1 leaves out (SampleSource.evalIgnoreLabels). */
    readonly evalIgnoreLabels?: readonly number[],
  ) {
    this.numSamples = examples.length;
    if (this.numSamples === 0) throw new DataError(`${description}: no examples`);
  }

  lossTokens(i: number): number {
    const w = this.examples[i].weights;
    return w ? w.reduce((a, b) => a + b, 0) : this.per;
  }

  read(indices: readonly number[]): BatchFields {
    const T = this.seqLen,
      P = this.per,
      B = indices.length;
    const inputIds = new Int32Array(B * T).fill(this.padId);
    const attentionMask = new Float32Array(B * T);
    const tokenTypeIds = new Int32Array(B * T);
    const taskLabels = new Int32Array(B * P);
    const first = this.examples[indices[0]];
    const taskWeights = first?.weights ? new Float32Array(B * P) : undefined;
    const taskPositions = first?.positions ? new Int32Array(B * P) : undefined;
    const taskGroups = first?.group !== undefined ? new Int32Array(B) : undefined;
    indices.forEach((i, row) => {
      const ex = this.examples[i];
      inputIds.set(ex.ids, row * T);
      tokenTypeIds.set(ex.types, row * T);
      if (ex.attention) attentionMask.set(ex.attention, row * T);
      else attentionMask.fill(1, row * T, row * T + ex.ids.length);
      taskLabels.set(ex.labels, row * P);
      if (taskWeights && ex.weights) taskWeights.set(ex.weights, row * P);
      if (taskPositions && ex.positions) taskPositions.set(ex.positions, row * P);
      if (taskGroups) taskGroups[row] = ex.group ?? 0;
    });
    return {
      inputIds,
      attentionMask,
      tokenTypeIds,
      taskLabels,
      ...(taskWeights && { taskWeights }),
      ...(taskPositions && { taskPositions }),
      ...(taskGroups && { taskGroups }),
    };
  }
}

const MNLI_LABELS: Readonly<Record<string, number>> = { entailment: 0, neutral: 1, contradiction: 2 };

/** The one folder a GLUE reader takes. */
function oneDir(dirs: readonly string[], section: string, processor: string): string {
  if (dirs.length !== 1)
    throw new DataError(
      `${section}.data_dir: ${processor} reads one folder (GLUE's task folder); got ${dirs.length}`,
    );
  return dirs[0];
}

/** A column of a TSV/CSV row, or a clear error naming the file, the row and the columns there are. */
function column(row: Record<string, string>, name: string, where: string): string {
  const v = row[name];
  if (v === undefined)
    throw new DataError(`${where}: no column ${name} (columns: ${Object.keys(row).join(", ")})`);
  return v;
}

/**
 * Model Zoo's ClassifierDataset.encode_sequence: [CLS] A [SEP] (B [SEP]) within T tokens, the longer text
 * losing its last token until the pair fits; token types 1 over [len(A), len(A) + len(B)).
 */
export function encodePair(
  vocab: WordPiece,
  text1: string,
  text2: string | null,
  T: number,
): { ids: Int32Array; types: Int32Array } {
  const maxTokens = T - (text2 ? 3 : 2);
  let a = vocab.tokenize(text1.trim());
  const b = text2 ? vocab.tokenize(text2.trim()) : [];
  if (text2) {
    while (a.length + b.length > maxTokens) {
      if (a.length > b.length) a.pop();
      else b.pop();
    }
  } else a = a.slice(0, Math.max(0, maxTokens));
  const ida = a.map((t) => vocab.id(t));
  const idb = b.map((t) => vocab.id(t));
  const cls = vocab.id("[CLS]"),
    sep = vocab.id("[SEP]");
  const ids = [cls, ...ida, sep, ...(text2 ? [...idb, sep] : [])];
  const types = new Int32Array(ids.length);
  if (text2) types.fill(1, ida.length, Math.min(ids.length, ida.length + idb.length));
  return { ids: Int32Array.from(ids), types };
}

/** SST2DataProcessor and MNLIDataProcessor: GLUE's TSV files of one task folder. */
export function glueSource(
  dirs: readonly string[],
  processor: string,
  vocab: WordPiece,
  o: TaskSourceOptions,
): TaskSource {
  const dir = oneDir(dirs, o.section, processor);
  const mnli = processor === "MNLIDataProcessor";
  const files = mnli
    ? o.isTraining
      ? [["train.tsv", 1]]
      : [
          ["dev_matched.tsv", 1],
          ["dev_mismatched.tsv", 0],
        ]
    : [[o.isTraining ? "train.tsv" : "dev.tsv", 1]];
  const examples: TaskExample[] = [];
  for (const [name, matched] of files as [string, number][]) {
    const path = join(dir, name);
    readCsvRows(path, o.section, undefined, true).forEach((row, n) => {
      const where = `${path}: row ${n + 2}`;
      let labels: Int32Array;
      let pair: { ids: Int32Array; types: Int32Array };
      if (mnli) {
        const gold = column(row, "gold_label", where);
        const l = MNLI_LABELS[gold];
        if (l === undefined)
          throw new DataError(
            `${where}: gold_label ${JSON.stringify(gold)} is not entailment, neutral or contradiction`,
          );
        labels = Int32Array.of(l);
        pair = encodePair(vocab, column(row, "sentence1", where), column(row, "sentence2", where), o.seqLen);
      } else {
        const raw = column(row, "label", where);
        const l = Number(raw);
        if (!Number.isInteger(l) || l < 0)
          throw new DataError(`${where}: label ${JSON.stringify(raw)} is not a class index (0, 1, ...)`);
        labels = Int32Array.of(l);
        pair = encodePair(vocab, column(row, "sentence", where), null, o.seqLen);
      }
      examples.push({ ...pair, labels, ...(mnli && !o.isTraining && { group: matched }) });
    });
  }
  const split = files.map((f) => f[0]).join(" + ");
  return new TaskSource(
    `${processor} ${dir} (${split}, ${examples.length} examples), WordPiece ${basename(vocab.source)}`,
    o.seqLen,
    1,
    examples,
    vocab.id("[PAD]"),
  );
}

const SPECIAL = ["[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]"];

/** label2id.json: {label: id}. */
export function readLabelMap(path: string, where: string): ReadonlyMap<string, number> {
  let j: unknown;
  try {
    j = JSON.parse(readRegularFile(path, { maxBytes: 16 << 20 }).toString("utf8"));
  } catch (e) {
    if (e instanceof FileRefusedError) throw new DataError(`${where}: ${e.message}`);
    throw new DataError(`${where}: ${path} is not JSON (${(e as Error).message})`);
  }
  if (typeof j !== "object" || j === null || Array.isArray(j))
    throw new DataError(`${where}: ${path} must map each label to its id, as label2id.json does`);
  const m = new Map<string, number>();
  for (const [k, v] of Object.entries(j)) {
    if (!Number.isInteger(v) || (v as number) < 0)
      throw new DataError(
        `${where}: ${path}: label ${JSON.stringify(k)} has id ${JSON.stringify(v)}, not an integer >= 0`,
      );
    m.set(k, v as number);
  }
  return m;
}

/** BertTokenClassifierDataProcessor: the NER CSV files of the folders' meta.dat. */
export function nerSource(
  dirs: readonly string[],
  vocab: WordPiece,
  labelMap: ReadonlyMap<string, number>,
  includePadding: boolean,
  o: TaskSourceOptions,
): TaskSource {
  const T = o.seqLen;
  const pad = vocab.id("[PAD]");
  const examples: TaskExample[] = [];
  for (const f of metaFiles(dirs, o.section)) {
    readCsvRows(f.path, o.section, f.rows).forEach((row, n) => {
      const where = `${f.path}: row ${n + 2}`;
      let tokens = column(row, "tokens", where).split(/\s+/).filter(Boolean);
      if (vocab.lower) tokens = tokens.map((t) => (SPECIAL.includes(t) ? t : t.toLowerCase()));
      const names = column(row, "labels", where).split(/\s+/).filter(Boolean);
      if (tokens.length > T)
        throw new DataError(
          `${where}: ${tokens.length} tokens exceed max_sequence_length ${T}; prepare the data at this length`,
        );
      if (names.length !== tokens.length)
        throw new DataError(`${where}: ${tokens.length} tokens but ${names.length} labels`);
      const labels = new Int32Array(T).fill(pad);
      names.forEach((l, t) => {
        const id = labelMap.get(l);
        if (id === undefined)
          throw new DataError(
            `${where}: label ${JSON.stringify(l)} is not in label_vocab_file (${[...labelMap.keys()].join(", ")})`,
          );
        labels[t] = id;
      });
      const weights = new Float32Array(T);
      weights.fill(1, 0, includePadding ? T : tokens.length);
      examples.push({
        ids: Int32Array.from(tokens, (t) => vocab.id(t)),
        types: new Int32Array(tokens.length),
        labels,
        weights,
      });
    });
  }
  // Model Zoo's token classifier scores F1 over the labels that begin (B) or continue (I) an entity
  const ignore = [...labelMap].filter(([k]) => !/^[BI]/.test(k)).map(([, v]) => v);
  return new TaskSource(
    `BertTokenClassifierDataProcessor (${examples.length} examples, ${dirs.length} folder(s), ${labelMap.size} labels)`,
    T,
    T,
    examples,
    pad,
    ignore,
  );
}

/** A list literal of integers of a CSV cell. */
function intList(row: Record<string, string>, name: string, where: string): number[] {
  const v = parsePythonList(column(row, name, where), `${where} ${name}`);
  if (!v.every((x) => typeof x === "number" && Number.isInteger(x)))
    throw new DataError(`${where}: ${name} must be a list of integers`);
  return v as number[];
}

/** Model Zoo's pad_input_sequence: the list padded to `n` with `pad`; longer is an error. */
function padTo(v: readonly number[], n: number, pad: number, what: string, where: string): Int32Array {
  if (v.length > n)
    throw new DataError(`${where}: ${v.length} ${what} exceed ${n}; prepare the data at this length`);
  const out = new Int32Array(n).fill(pad);
  out.set(v);
  return out;
}

/** BertSumCSVDataProcessor: the BertSum CSV files of the folders' meta.dat. */
export function bertSumSource(
  dirs: readonly string[],
  maxCls: number,
  padId: number,
  o: TaskSourceOptions,
): TaskSource {
  const T = o.seqLen;
  const examples: TaskExample[] = [];
  for (const f of metaFiles(dirs, o.section)) {
    readCsvRows(f.path, o.section, f.rows).forEach((row, n) => {
      const where = `${f.path}: row ${n + 2}`;
      const ids = padTo(intList(row, "input_token_ids", where), T, padId, "tokens", where);
      const types = padTo(intList(row, "segment_ids", where), T, padId, "segment ids", where);
      const labels = padTo(intList(row, "labels", where), maxCls, padId, "labels (sentences)", where);
      const positions = padTo(
        intList(row, "cls_indices", where),
        maxCls,
        padId,
        "cls_indices (sentences)",
        where,
      );
      for (const p of positions)
        if (p < 0 || p >= T) throw new DataError(`${where}: cls index ${p} is outside the ${T} tokens`);
      examples.push({
        ids,
        types,
        attention: Float32Array.from(ids, (id) => (id !== padId ? 1 : 0)),
        labels,
        weights: Float32Array.from(positions, (p) => (p !== padId ? 1 : 0)),
        positions,
      });
    });
  }
  return new TaskSource(
    `BertSumCSVDataProcessor (${examples.length} examples, ${dirs.length} folder(s), ${maxCls} sentences per sample)`,
    T,
    maxCls,
    examples,
    padId,
  );
}

/** BertQADataProcessor: the SQuAD CSV files of the folders' meta.dat. */
export function squadSource(dirs: readonly string[], o: TaskSourceOptions): TaskSource {
  const T = o.seqLen;
  const examples: TaskExample[] = [];
  for (const f of metaFiles(dirs, o.section)) {
    readCsvRows(f.path, o.section, f.rows).forEach((row, n) => {
      const where = `${f.path}: row ${n + 2}`;
      const lists = ["input_ids", "input_mask", "segment_ids"].map((c) => intList(row, c, where));
      lists.forEach((l, c) => {
        if (l.length !== T)
          throw new DataError(
            `${where}: ${["input_ids", "input_mask", "segment_ids"][c]} has ${l.length} entries, not max_sequence_length ${T}`,
          );
      });
      const start = column(row, "start_position", where).trim();
      const end = column(row, "end_position", where).trim();
      if (start === "" || end === "")
        throw new DataError(
          `${where}: no start_position: a prediction row (Model Zoo's run_prediction reads those); train and evaluate on rows with answers`,
        );
      const labels = Int32Array.of(Number(start), Number(end));
      if (!labels.every((v, i) => Number.isInteger(v) && String(v) === [start, end][i] && v >= 0))
        throw new DataError(
          `${where}: start_position ${start} and end_position ${end} must be integers >= 0`,
        );
      examples.push({
        ids: Int32Array.from(lists[0]),
        types: Int32Array.from(lists[2]),
        attention: Float32Array.from(lists[1]),
        labels: labels.map((v) => Math.min(v, T - 1)),
        weights: Float32Array.from(labels, (v) => (v < T ? 1 : 0)),
      });
    });
  }
  return new TaskSource(
    `BertQADataProcessor (${examples.length} examples, ${dirs.length} folder(s))`,
    T,
    2,
    examples,
    0,
  );
}
