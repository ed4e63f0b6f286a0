// `wsc data prepare --format bert_csv`: text files -> Model Zoo's BERT CSV pre-training folder, as its
// create_csv.py lays it out (columns tokens, segment_ids, is_random_next; meta.dat with each file's row count;
// read by BertCSVDynamicMaskDataProcessor, src/data/sources/bert-csv.ts). The examples are built as Google's
// create_pretraining_data (which create_csv.py follows) builds them, without its short-sequence sampling:
// a document is a block of non-empty lines (blank lines separate documents; a file is at least one), a line is
// a sentence. Sentences are gathered until they fill max_sequence_length - 3 WordPiece tokens; A is the first
// 1..n-1 of them (the split drawn at random); B is the rest or, with probability 1/2 (always when there is one
// sentence), a random stretch of another document (is_random_next 1), the unused sentences going back to be
// read again. The pair is cut from its longer side to fit. Draws come from a generator seeded by --seed.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { errnoCode } from "../util/errors.js";
import { makeDirs, readRegularFile } from "../util/fs.js";
import { DataError } from "./errors.js";
import { Stream, key } from "./random.js";
import type { WordPiece } from "./wordpiece.js";

export interface PrepareBertOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly vocab: WordPiece;
  readonly seqLen: number;
  readonly seed: number;
  /** Rows per CSV file. */
  readonly rowsPerFile?: number;
}

export interface PrepareBertResult {
  readonly files: readonly string[];
  readonly examples: number;
  readonly randomNext: number;
}

/** A string as Python's repr writes it in a list: single quotes unless it holds one and no double quote. */
export function pythonRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const c of s) {
    if (c === "\\") out += "\\\\";
    else if (c === q) out += `\\${q}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    else if (c === "\r") out += "\\r";
    else out += c;
  }
  return out + q;
}

export const pyList = (xs: readonly (string | number)[]) =>
  `[${xs.map((x) => (typeof x === "string" ? pythonRepr(x) : String(x))).join(", ")}]`;

/** RFC 4180 field: quoted when it holds a comma, quote or line break (Python's csv QUOTE_MINIMAL). */
export const csvField = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

function documents(inputs: readonly string[], vocab: WordPiece): string[][][] {
  const docs: string[][][] = [];
  for (const f of inputs) {
    let text: string;
    try {
      text = readRegularFile(f, { maxBytes: 1 << 30 }).toString("utf8");
    } catch (e) {
      throw new DataError(`--input ${(e as Error).message}`);
    }
    let cur: string[][] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") {
        if (cur.length) docs.push(cur);
        cur = [];
        continue;
      }
      const t = vocab.tokenize(line);
      if (t.length) cur.push(t);
    }
    if (cur.length) docs.push(cur);
  }
  return docs;
}

/** Cut the pair from its longer side until it fits `max` tokens. */
function truncatePair(a: string[], b: string[], max: number): void {
  while (a.length + b.length > max) (a.length > b.length ? a : b).pop();
}

export function prepareBertCsv(o: PrepareBertOptions): PrepareBertResult {
  if (!Number.isInteger(o.seqLen) || o.seqLen < 8)
    throw new DataError(`--max_sequence_length ${o.seqLen}: BERT examples need at least 8 tokens`);
  if (o.inputs.length === 0) throw new DataError("no input text files given");
  const docs = documents(o.inputs, o.vocab);
  if (docs.length === 0) throw new DataError("the input files hold no text");
  const target = o.seqLen - 3;
  const r = new Stream(key(o.seed, 0, 0, 0xc5a0));
  const rows: string[] = [];
  let randomNext = 0;
  docs.forEach((doc, d) => {
    let chunk: string[][] = [];
    let len = 0;
    for (let i = 0; i < doc.length; i++) {
      chunk.push(doc[i]);
      len += doc[i].length;
      if (i !== doc.length - 1 && len < target) continue;
      const aEnd = chunk.length >= 2 ? 1 + r.below(chunk.length - 1) : 1;
      const a = chunk.slice(0, aEnd).flat();
      let b: string[] = [];
      let isRandom = 0;
      if ((chunk.length === 1 || r.uniform() < 0.5) && docs.length > 1) {
        isRandom = 1;
        let other = r.below(docs.length - 1);
        if (other >= d) other += 1;
        const od = docs[other];
        for (let j = r.below(od.length); j < od.length && b.length < target - a.length; j++) b.push(...od[j]);
        i -= chunk.length - aEnd; // the sentences B did not use are read again
      } else {
        b = chunk.slice(aEnd).flat();
      }
      truncatePair(a, b, target);
      if (a.length > 0 && b.length > 0) {
        const tokens = ["[CLS]", ...a, "[SEP]", ...b, "[SEP]"];
        const segs = tokens.map((_, t) => (t < a.length + 2 ? 0 : 1));
        rows.push([pyList(tokens), pyList(segs), String(isRandom)].map(csvField).join(","));
        randomNext += isRandom;
      }
      chunk = [];
      len = 0;
    }
  });
  if (rows.length === 0) throw new DataError("the input text makes no sentence pairs");
  const files = writeCsvFolder(o.outDir, "tokens,segment_ids,is_random_next", rows, o.rowsPerFile);
  return { files, examples: rows.length, randomNext };
}

/**
 * A Model Zoo CSV folder: `rows` (CSV lines) under `header` in files of at most `rowsPerFile` rows (10,000),
 * named by `name(k)` for the k-th (0-based; Model Zoo's create_csv.py writes examples_0.csv ...), and meta.dat
 * with each file's name and row count. Returns the file names.
 */
export function writeCsvFolder(
  outDir: string,
  header: string,
  rows: readonly string[],
  rowsPerFile = 10_000,
  name: (k: number) => string = (k) => `examples_${k}.csv`,
): string[] {
  try {
    makeDirs(outDir);
  } catch (e) {
    throw new DataError(`--output ${outDir}: cannot create it (${errnoCode(e) ?? (e as Error).message})`);
  }
  const files: string[] = [];
  const meta: string[] = [];
  for (let s = 0, k = 0; s < rows.length; s += rowsPerFile, k++) {
    const file = name(k);
    const part = rows.slice(s, s + rowsPerFile);
    writeFileSync(join(outDir, file), [header, ...part].join("\r\n") + "\r\n");
    files.push(file);
    meta.push(`${file} ${part.length}`);
  }
  writeFileSync(join(outDir, "meta.dat"), meta.join("\n") + "\n");
  return files;
}
