// `wsc data prepare --format mlm_csv --tokenizer esm2`: protein FASTA files -> Model Zoo's statically masked
// MLM CSV folder, the columns its create_csv_mlm_only_static_masking.py writes (input_ids, masked_lm_weights,
// masked_lm_positions, attention_mask, labels; meta.dat with each file's row count), which BertCSVDataProcessor
// reads (ESM-2's configs read their validation data so). Each sequence becomes <cls> residues <eos> windows of
// at most max_sequence_length tokens (a longer sequence is cut into consecutive windows), padded with <pad>.
// Masking as BERT's: of a window's residues, min(max_predictions_per_seq, max(1, round(n x masked_lm_prob)))
// positions drawn without replacement, each <mask> with probability 0.8, a random residue with 0.1, kept with
// 0.1; the positions, their original ids (labels) and weight 1 are listed, padded with 0 to
// max_predictions_per_seq. Draws come from a generator seeded by --seed, one stream per window.
import { readRegularFile } from "../util/fs.js";
import type { EsmAlphabet } from "./esm.js";
import { readFasta } from "./esm.js";
import { DataError } from "./errors.js";
import { csvField, pyList, writeCsvFolder } from "./prepare-bert.js";
import { Stream, key } from "./random.js";
import { maskTokens } from "./sources/bert-mlm.js";

export interface PrepareMlmOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly alphabet: EsmAlphabet;
  readonly seqLen: number;
  readonly maxPredictions: number;
  readonly maskedLmProb: number;
  readonly seed: number;
  readonly rowsPerFile?: number;
}

export interface PrepareMlmResult {
  readonly files: readonly string[];
  readonly sequences: number;
  readonly windows: number;
  readonly masked: number;
}

const SPECIAL = ["<cls>", "<pad>", "<eos>", "<unk>", "<mask>", "<null_1>"];

export function prepareMlmCsv(o: PrepareMlmOptions): PrepareMlmResult {
  if (!Number.isInteger(o.seqLen) || o.seqLen < 4)
    throw new DataError(`--max_sequence_length ${o.seqLen}: a window needs at least 4 tokens`);
  if (o.inputs.length === 0) throw new DataError("no input FASTA files given");
  const a = o.alphabet;
  const pad = a.id("<pad>"),
    maskId = a.id("<mask>");
  const excluded = new Set(SPECIAL.map((t) => a.id(t)));
  const residues = a.tokens.map((_, i) => i).filter((i) => !excluded.has(i) && /^[A-Z]$/.test(a.tokens[i]));
  const rows: string[] = [];
  let sequences = 0,
    masked = 0;
  for (const file of o.inputs) {
    let text: string;
    try {
      text = readRegularFile(file, { maxBytes: 1 << 30 }).toString("utf8");
    } catch (e) {
      throw new DataError(`--input ${(e as Error).message}`);
    }
    for (const rec of readFasta(text, file)) {
      const ids = a.encode(rec.sequence);
      if (ids.length === 0) continue;
      sequences++;
      const body = o.seqLen - 2;
      for (let s = 0; s < ids.length; s += body) {
        const win = Int32Array.from([a.id("<cls>"), ...ids.slice(s, s + body), a.id("<eos>")]);
        const positions: number[] = [];
        for (let t = 0; t < win.length; t++) if (!excluded.has(win[t])) positions.push(t);
        const k = Math.min(
          o.maxPredictions,
          positions.length,
          Math.max(1, Math.round(positions.length * o.maskedLmProb)),
        );
        const r = new Stream(key(o.seed, rows.length, 0, 0x3e5a));
        const { labels, mask } = maskTokens(
          r,
          win,
          positions,
          k,
          maskId,
          () => residues[r.below(residues.length)],
        );
        const pos: number[] = [];
        for (let t = 0; t < win.length; t++) if (mask[t] !== 0) pos.push(t);
        const fill = (v: number[]) => [...v, ...new Array<number>(o.maxPredictions - v.length).fill(0)];
        const inputIds = [...win, ...new Array<number>(o.seqLen - win.length).fill(pad)];
        const attention = inputIds.map((_, t) => (t < win.length ? 1 : 0));
        rows.push(
          [
            pyList(inputIds),
            pyList(fill(pos.map(() => 1))),
            pyList(fill(pos)),
            pyList(attention),
            pyList(fill(pos.map((t) => labels[t]))),
          ]
            .map(csvField)
            .join(","),
        );
        masked += pos.length;
      }
    }
  }
  if (rows.length === 0) throw new DataError("the input files hold no sequences");
  const header = "input_ids,masked_lm_weights,masked_lm_positions,attention_mask,labels";
  const files = writeCsvFolder(o.outDir, header, rows, o.rowsPerFile);
  return { files, sequences, windows: rows.length, masked };
}
