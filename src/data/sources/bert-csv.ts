// Model Zoo's BERT CSV pre-training data, as its create_csv.py writes it and BertCSVDynamicMaskDataProcessor
// reads it: each data folder holds `meta.dat` (one line per CSV file: its name and its number of rows) and the
// CSV files, with the columns
//   tokens         the WordPiece tokens of one example, [CLS] A [SEP] B [SEP], as a Python list literal;
//   segment_ids    its token types (0 for [CLS] A [SEP], 1 for B [SEP]), a list literal of integers;
//   is_random_next 1 (or True) when B is a random sentence: the next-sentence label.
// Masking is dynamic, as the processor's create_masked_lm_predictions does it: of the example's n tokens,
// min(max_predictions_per_seq, max(1, round(n * masked_lm_prob))) positions that are not [CLS], [SEP], [PAD]
// or [MASK] are drawn; each becomes [MASK] with probability 0.8, a random token of the vocabulary outside
// those four with 0.1, or stays with 0.1. Labels are the original ids there and the loss mask is 1 there.
// Rows are padded to max_sequence_length with [PAD] (attention mask 0). Every draw is keyed by (seed, epoch,
// example), so a sample is the same however the batch is split, and a resumed run sees the same masks.
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { FileRefusedError, readRegularFile } from "../../util/fs.js";
import { DataError } from "../errors.js";
import { Stream, key } from "../random.js";
import type { BatchFields, SampleSource } from "../source.js";
import type { WordPiece } from "../wordpiece.js";
import { bertBatch, maskTokens } from "./bert-mlm.js";
import type { BertOptions, BertSample } from "./bert-mlm.js";

interface Example {
  readonly ids: Int32Array;
  readonly types: Int32Array;
  readonly next: number;
}

const EXCLUDED = ["[CLS]", "[SEP]", "[PAD]", "[MASK]"];

/** A Python list literal of strings or integers, as str(list) writes it ("['a', \"b's\"]", "[0, 1]"). */
export function parsePythonList(text: string, where: string): (string | number)[] {
  const s = text.trim();
  const bad = (why: string): never => {
    throw new DataError(
      `${where}: ${why} in ${JSON.stringify(s.slice(0, 60))}; expected a Python list literal`,
    );
  };
  if (!s.startsWith("[") || !s.endsWith("]")) bad("no [ ... ]");
  const out: (string | number)[] = [];
  let i = 1;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  ws();
  if (s[i] === "]") return out;
  for (;;) {
    ws();
    const q = s[i];
    if (q === "'" || q === '"') {
      let v = "";
      i++;
      while (i < s.length && s[i] !== q) {
        if (s[i] === "\\") {
          const e = s[i + 1];
          const simple: Record<string, string> = {
            n: "\n",
            t: "\t",
            r: "\r",
            "\\": "\\",
            "'": "'",
            '"': '"',
          };
          if (e in simple) {
            v += simple[e];
            i += 2;
          } else if (e === "x" || e === "u" || e === "U") {
            const n = e === "x" ? 2 : e === "u" ? 4 : 8;
            v += String.fromCodePoint(parseInt(s.slice(i + 2, i + 2 + n), 16));
            i += 2 + n;
          } else bad(`unknown escape \\${e}`);
        } else v += s[i++];
      }
      if (s[i] !== q) bad("an unterminated string");
      i++;
      out.push(v);
    } else {
      const m = /^-?\d+/.exec(s.slice(i));
      if (!m) bad(`an unexpected ${JSON.stringify(s[i] ?? "end")}`);
      out.push(Number(m![0]));
      i += m![0].length;
    }
    ws();
    if (s[i] === ",") {
      i++;
      ws();
      if (s[i] === "]") break;
      continue;
    }
    if (s[i] === "]") break;
    bad(`an unexpected ${JSON.stringify(s[i] ?? "end")}`);
  }
  if (i !== s.length - 1) bad("text after the list");
  return out;
}

/** The CSV files of the folders' meta.dat files, with their row counts (Model Zoo's get_meta_data). */
export function metaFiles(dirs: readonly string[], section: string): { path: string; rows: number }[] {
  const out: { path: string; rows: number }[] = [];
  for (const d of dirs) {
    const meta = join(d, "meta.dat");
    let text: string;
    try {
      text = readRegularFile(meta, { maxBytes: 16 << 20 }).toString("utf8");
    } catch (e) {
      if (!(e instanceof FileRefusedError && e.refusal === "ENOENT"))
        throw new DataError(`${section}.data_dir: ${(e as Error).message}`);
      throw new DataError(
        `${section}.data_dir: ${d} has no meta.dat, which Model Zoo's BERT CSV folders carry ` +
          "(one line per CSV file: its name and row count); prepare it with wsc data prepare --format bert_csv",
      );
    }
    text.split("\n").forEach((line, n) => {
      const f = line.trim().split(/\s+/);
      if (f.length === 1 && f[0] === "") return;
      const rows = Number(f[1]);
      if (f.length !== 2 || !Number.isInteger(rows) || rows < 0)
        throw new DataError(
          `${meta}:${n + 1}: expected "FILE ROWS", got ${JSON.stringify(line.slice(0, 80))}`,
        );
      out.push({ path: join(d, f[0]), rows });
    });
  }
  return out;
}

/**
 * The rows of a CSV (or, with `tsv`, a tab-separated file read as Python's csv.DictReader with QUOTE_NONE
 * reads GLUE's files) as objects keyed by the header; `expected` rows when meta.dat gives a count.
 */
export function readCsvRows(
  path: string,
  section: string,
  expected?: number,
  tsv = false,
): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(readRegularFile(path, { maxBytes: 1 << 30 }).toString("utf8"), {
      columns: true,
      skip_empty_lines: true,
      ...(tsv && { delimiter: "\t", quote: false, relax_column_count: true }),
    }) as Record<string, string>[];
  } catch (e) {
    if (e instanceof FileRefusedError) throw new DataError(`${section}.data_dir: ${e.message}`);
    throw new DataError(
      `${path}: not a readable ${tsv ? "TSV" : "CSV"} file (${(e as Error).message.split("\n")[0]})`,
    );
  }
  if (expected !== undefined && rows.length !== expected)
    throw new DataError(`${path}: ${rows.length} rows, but meta.dat says ${expected}`);
  return rows;
}

export class BertCsvSource implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  readonly seqLen: number;
  private readonly examples: Example[] = [];
  private readonly pool: Int32Array;
  private readonly excluded: Set<number>;
  private readonly maskId: number;
  private readonly masked: Int32Array;

  constructor(
    dirs: readonly string[],
    private readonly vocab: WordPiece,
    private readonly o: BertOptions,
  ) {
    const T = o.seqLen;
    this.seqLen = T;
    for (const f of metaFiles(dirs, o.section)) this.load(f.path, f.rows);
    this.numSamples = this.examples.length;
    if (this.numSamples === 0) throw new DataError(`${o.section}.data_dir: the CSV files hold no examples`);
    this.excluded = new Set(EXCLUDED.map((t) => vocab.id(t)));
    this.maskId = vocab.id("[MASK]");
    // positions masked per example: min(max_predictions, max(1, round(n x prob))), at most its maskable tokens
    this.masked = Int32Array.from(this.examples, (ex) => {
      const want = Math.min(o.maxPredictions, Math.max(1, Math.round(ex.ids.length * o.maskedLmProb)));
      let candidates = 0;
      for (const id of ex.ids) if (!this.excluded.has(id)) candidates++;
      return Math.min(want, candidates);
    });
    this.pool = Int32Array.from(
      Array.from({ length: vocab.tokens.length }, (_, i) => i).filter((i) => !this.excluded.has(i)),
    );
    this.description =
      `BERT CSV (${this.numSamples} examples, ${dirs.length} folder(s)), WordPiece ${vocab.source}, ` +
      `dynamic masking ${o.maskedLmProb} up to ${o.maxPredictions} per sample`;
  }

  private load(path: string, expected: number): void {
    const rows = readCsvRows(path, this.o.section, expected);
    const T = this.o.seqLen;
    rows.forEach((r, n) => {
      const where = `${path}: row ${n + 1}`;
      if (r.tokens === undefined || r.segment_ids === undefined)
        throw new DataError(
          `${where}: the columns tokens and segment_ids are required (Model Zoo's create_csv.py)`,
        );
      let tokens = parsePythonList(r.tokens, `${where} tokens`).map(String);
      let types = parsePythonList(r.segment_ids, `${where} segment_ids`).map(Number);
      if (tokens.length !== types.length)
        throw new DataError(`${where}: ${tokens.length} tokens but ${types.length} segment_ids`);
      if (this.vocab.lower) tokens = tokens.map((t) => (EXCLUDED.includes(t) ? t : t.toLowerCase()));
      if (tokens.length > T) {
        if (this.o.nsp)
          throw new DataError(
            `${where}: ${tokens.length} tokens exceed max_sequence_length ${T}, which the next-sentence ` +
              "head needs whole (as Model Zoo's processor asserts); prepare the data at this length",
          );
        tokens = tokens.slice(0, T);
        types = types.slice(0, T);
      }
      const next = r.is_random_next === undefined ? 0 : /^(1|true)$/i.test(r.is_random_next.trim()) ? 1 : 0;
      this.examples.push({
        ids: Int32Array.from(tokens, (t) => this.vocab.id(t)),
        types: Int32Array.from(types),
        next,
      });
    });
  }

  lossTokens(i: number): number {
    return this.masked[i];
  }

  /** One sample: ids, labels, loss mask, attention mask, token types, NSP label. */
  sample(i: number, epoch: number): BertSample & { readonly attention: Float32Array } {
    const T = this.seqLen;
    const ex = this.examples[i];
    const n = ex.ids.length;
    const ids = new Int32Array(T);
    ids.set(ex.ids);
    const types = new Int32Array(T);
    types.set(ex.types);
    const attention = new Float32Array(T);
    attention.fill(1, 0, n);
    const r = new Stream(key(this.o.seed, epoch, i, 0xbc5f));
    const positions: number[] = [];
    for (let t = 0; t < n; t++) if (!this.excluded.has(ex.ids[t])) positions.push(t);
    const { labels, mask } = maskTokens(
      r,
      ids,
      positions,
      this.lossTokens(i),
      this.maskId,
      () => this.pool[r.below(this.pool.length)],
    );
    return { ids, labels, mask, attention, types, next: ex.next };
  }

  read(indices: readonly number[], epoch: number): BatchFields {
    return bertBatch(indices, this.seqLen, this.o.nsp, (i) => this.sample(i, epoch));
  }
}

/**
 * Model Zoo's statically masked BERT CSV, as BertCSVDataProcessor reads it (its create_csv_*static_masking.py
 * and create_csv_mlm_only_static_masking.py write it): per row the list literals input_ids and attention_mask
 * (max_sequence_length each) and labels with masked_lm_positions and masked_lm_weights (max_predictions_per_seq
 * each: the masked positions, their original ids and weight 1, padded with 0), or labels and
 * masked_lm_weights over all positions; with the NSP head also token_type_ids and next_sentence_label. The
 * masks are the file's: every epoch sees the same ones.
 */
export class BertCsvStaticSource implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  readonly seqLen: number;
  private readonly samples: BertSample[] = [];

  constructor(
    dirs: readonly string[],
    private readonly o: BertOptions,
  ) {
    this.seqLen = o.seqLen;
    for (const f of metaFiles(dirs, o.section)) this.load(f.path, f.rows);
    this.numSamples = this.samples.length;
    if (this.numSamples === 0) throw new DataError(`${o.section}.data_dir: the CSV files hold no examples`);
    this.description = `BERT CSV, statically masked (${this.numSamples} examples, ${dirs.length} folder(s))`;
  }

  private load(path: string, expected: number): void {
    const T = this.o.seqLen;
    readCsvRows(path, this.o.section, expected).forEach((r, n) => {
      const where = `${path}: row ${n + 2}`;
      const list = (name: string, required = true): number[] | null => {
        if (r[name] === undefined) {
          if (!required) return null;
          throw new DataError(
            `${where}: the column ${name} is required (BertCSVDataProcessor's input_ids, attention_mask, labels)`,
          );
        }
        const v = parsePythonList(r[name], `${where} ${name}`);
        if (!v.every((x) => typeof x === "number" && Number.isInteger(x)))
          throw new DataError(`${where}: ${name} must be a list of integers`);
        return v as number[];
      };
      const ids = list("input_ids")!;
      const attention = list("attention_mask")!;
      const labels = list("labels")!;
      const positions = list("masked_lm_positions", false);
      const weights = list("masked_lm_weights", false);
      for (const [name, v] of [
        ["input_ids", ids],
        ["attention_mask", attention],
      ] as const)
        if (v.length !== T)
          throw new DataError(`${where}: ${name} has ${v.length} entries, not max_sequence_length ${T}`);
      if (!weights)
        throw new DataError(`${where}: the column masked_lm_weights is required: it says which labels count`);
      const lab = new Int32Array(T);
      const mask = new Float32Array(T);
      if (positions) {
        if (labels.length !== positions.length || weights.length !== positions.length)
          throw new DataError(
            `${where}: labels, masked_lm_positions and masked_lm_weights have ${labels.length}, ` +
              `${positions.length} and ${weights.length} entries; they must be as long`,
          );
        positions.forEach((p, k) => {
          if (weights[k] === 0) return;
          if (p < 0 || p >= T)
            throw new DataError(`${where}: masked position ${p} is outside the ${T} tokens`);
          lab[p] = labels[k];
          mask[p] = weights[k];
        });
      } else {
        if (labels.length !== T || weights.length !== T)
          throw new DataError(
            `${where}: without masked_lm_positions, labels and masked_lm_weights need max_sequence_length ${T} entries`,
          );
        lab.set(labels);
        mask.set(weights);
      }
      const types = this.o.nsp ? list("token_type_ids") : null;
      const next = this.o.nsp ? list("next_sentence_label") : null;
      if (types && types.length !== T)
        throw new DataError(`${where}: token_type_ids has ${types.length} entries, not ${T}`);
      this.samples.push({
        ids: Int32Array.from(ids),
        labels: lab,
        mask,
        types: types ? Int32Array.from(types) : new Int32Array(T),
        attention: Float32Array.from(attention),
        next: next?.[0] ?? 0,
      });
    });
  }

  lossTokens(i: number): number {
    return this.samples[i].mask.reduce((a, b) => a + b, 0);
  }

  read(indices: readonly number[]): BatchFields {
    return bertBatch(indices, this.seqLen, this.o.nsp, (i) => this.samples[i]);
  }
}
