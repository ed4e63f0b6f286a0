// `wsc data prepare --format ner_csv --tokenizer wordpiece`: BIO-tagged text (one "WORD ... LABEL" line per
// token, a blank line between sentences, as BioBERT's NER data and Model Zoo's ner_data_processor.py read it)
// -> the CSV folder write_csv_ner.py writes and BertTokenClassifierDataProcessor reads: columns tokens and
// labels (space-separated), meta.dat, label2id.json. As Model Zoo does it: a sentence of more than 30 words is
// cut after the last "O" among its first 30 (a chunk of one word when there is none), sentences holding
// "-DOCSTART-" are skipped, each word becomes its WordPiece pieces (the first labelled with the word's label,
// the others "X"), at most max_sequence_length - 2 pieces are kept, and [CLS] ... [SEP] go around them. The
// labels are Model Zoo's: [PAD] B I O X [CLS] [SEP] (ids 0..6). Unlike Model Zoo's reader, a last sentence
// without a blank line after it is kept.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRegularFile } from "../util/fs.js";
import { DataError } from "./errors.js";
import { csvField, writeCsvFolder } from "./prepare-bert.js";
import type { WordPiece } from "./wordpiece.js";

export const NER_LABELS = ["[PAD]", "B", "I", "O", "X", "[CLS]", "[SEP]"] as const;

export interface PrepareNerOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly vocab: WordPiece;
  readonly seqLen: number;
  readonly rowsPerFile?: number;
}

export interface PrepareNerResult {
  readonly files: readonly string[];
  readonly sentences: number;
  readonly tokens: number;
}

/** Model Zoo's NERProcessor._read_data: (words, labels) per sentence, long ones cut as it cuts them. */
export function readBio(text: string, where: string): { words: string[]; labels: string[] }[] {
  const out: { words: string[]; labels: string[] }[] = [];
  let words: string[] = [];
  let labels: string[] = [];
  const flush = () => {
    while (words.length > 30) {
      const tmp = labels.slice(0, 30);
      while (tmp.length > 0) if (tmp.pop() === "O") break;
      const n = tmp.length + 1;
      out.push({ words: words.slice(0, n), labels: labels.slice(0, n) });
      words = words.slice(n);
      labels = labels.slice(n);
    }
    if (words.length > 0) out.push({ words, labels });
    words = [];
    labels = [];
  };
  text.split(/\r?\n/).forEach((line, n) => {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === "") return flush();
    if (f.length < 2)
      throw new DataError(
        `${where}:${n + 1}: expected "WORD LABEL" (BIO, one token per line), got ${JSON.stringify(line.slice(0, 60))}`,
      );
    words.push(f[0]);
    labels.push(f[f.length - 1]);
  });
  flush();
  return out.filter((s) => !s.words.join(" ").includes("-DOCSTART-"));
}

export function prepareNerCsv(o: PrepareNerOptions): PrepareNerResult {
  if (!Number.isInteger(o.seqLen) || o.seqLen < 3)
    throw new DataError(`--max_sequence_length ${o.seqLen}: a sentence needs [CLS], a token and [SEP]`);
  if (o.inputs.length === 0) throw new DataError("no input BIO files given");
  const known = new Set<string>(NER_LABELS);
  const rows: string[] = [];
  let tokens = 0;
  for (const file of o.inputs) {
    let text: string;
    try {
      text = readRegularFile(file, { maxBytes: 1 << 30 }).toString("utf8");
    } catch (e) {
      throw new DataError(`--input ${(e as Error).message}`);
    }
    for (const s of readBio(text, file)) {
      const pieces: string[] = [];
      const labels: string[] = [];
      s.words.forEach((w, i) => {
        if (!known.has(s.labels[i]))
          throw new DataError(
            `${file}: label ${JSON.stringify(s.labels[i])} of "${w}" is not one of Model Zoo's NER labels (B, I, O)`,
          );
        o.vocab.tokenize(w).forEach((p, k) => {
          pieces.push(p);
          labels.push(k === 0 ? s.labels[i] : "X");
        });
      });
      const keep = pieces.length >= o.seqLen - 1 ? o.seqLen - 2 : pieces.length;
      const t = ["[CLS]", ...pieces.slice(0, keep), "[SEP]"];
      const l = ["[CLS]", ...labels.slice(0, keep), "[SEP]"];
      rows.push([t.join(" "), l.join(" ")].map(csvField).join(","));
      tokens += t.length;
    }
  }
  if (rows.length === 0) throw new DataError("the input files hold no sentences");
  // write_csv_ner.py names its files PREFIX-1.csv, ...
  const files = writeCsvFolder(
    o.outDir,
    "tokens,labels",
    rows,
    o.rowsPerFile,
    (k) => `examples-${k + 1}.csv`,
  );
  writeFileSync(
    join(o.outDir, "label2id.json"),
    JSON.stringify(Object.fromEntries(NER_LABELS.map((l, i) => [l, i]))),
  );
  return { files, sentences: rows.length, tokens };
}
