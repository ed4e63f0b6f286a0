// Model Zoo's BERT CSV format: the Python list literals its create_csv.py writes, the folder layout (meta.dat),
// and the dynamic masking of BertCSVDynamicMaskDataProcessor, checked by hand on a small folder.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareBertCsv, pythonRepr } from "./prepare-bert.js";
import { BertCsvSource, parsePythonList } from "./sources/bert-csv.js";
import { DEFAULT_VOCAB, WordPiece } from "./wordpiece.js";

const wp = WordPiece.fromFile(DEFAULT_VOCAB);
const opts = {
  seqLen: 16,
  maxPredictions: 3,
  maskedLmProb: 0.15,
  nsp: true,
  seed: 7,
  section: "train_input",
};

function folder(rows: string[], meta?: string): string {
  const d = mkdtempSync(join(tmpdir(), "wsc-bertcsv-"));
  writeFileSync(join(d, "a.csv"), ["tokens,segment_ids,is_random_next", ...rows].join("\r\n") + "\r\n");
  writeFileSync(join(d, "meta.dat"), meta ?? `a.csv ${rows.length}\n`);
  return d;
}

describe("Python list literals as str(list) writes them", () => {
  it("reads quotes, escapes and integers", () => {
    expect(parsePythonList(`['[CLS]', "'", 'a\\\\b', '\\'', 'x\\ny', '\\xe9']`, "t")).toEqual([
      "[CLS]",
      "'",
      "a\\b",
      "'",
      "x\ny",
      "\u00e9",
    ]);
    expect(parsePythonList("[0, 0, 1]", "t")).toEqual([0, 0, 1]);
    expect(parsePythonList("[]", "t")).toEqual([]);
  });
  it("round-trips what pythonRepr writes", () => {
    const xs = ["plain", "it's", 'say "hi"', `both ' and "`, "back\\slash", "tab\there"];
    expect(parsePythonList(`[${xs.map(pythonRepr).join(", ")}]`, "t")).toEqual(xs);
    // Python's own repr choices: double quotes only for a string with ' and no "
    expect(pythonRepr("it's")).toBe(`"it's"`);
    expect(pythonRepr(`both ' and "`)).toBe(`'both \\' and "'`);
  });
  it("refuses what is not a list literal, naming where", () => {
    expect(() => parsePythonList("['a', b]", "row 3 tokens")).toThrow(/row 3 tokens: .*Python list literal/);
    expect(() => parsePythonList("'a'", "x")).toThrow(/no \[ \.\.\. \]/);
  });
});

describe("BertCSVDynamicMaskDataProcessor's samples", () => {
  const row = (tokens: string[], segs: number[], next: number) =>
    `"${`[${tokens.map(pythonRepr).join(", ")}]`.replace(/"/g, '""')}","[${segs.join(", ")}]",${next}`;
  const toks = ["[CLS]", "the", "earth", "was", "void", "[SEP]", "and", "god", "said", "[SEP]"];
  const segs = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
  const d = folder([row(toks, segs, 1), row(["[CLS]", "in", "[SEP]", "light", "[SEP]"], [0, 0, 0, 1, 1], 0)]);
  const src = new BertCsvSource([d], wp, opts);

  it("masks min(max_predictions, max(1, round(n x 0.15))) ordinary tokens, 80/10/10, padded to the length", () => {
    // 10 tokens: round(1.5) = 2 masked; 5 tokens: max(1, round(0.75)) = 1
    expect([src.lossTokens(0), src.lossTokens(1)]).toEqual([2, 1]);
    const ids = toks.map((t) => wp.id(t));
    for (let epoch = 0; epoch < 20; epoch++) {
      const s = src.sample(0, epoch);
      expect(Array.from(s.attention)).toEqual([...Array(10).fill(1), ...Array(6).fill(0)]);
      expect(Array.from(s.types)).toEqual([...segs, ...Array(6).fill(0)]);
      expect(s.next).toBe(1);
      const masked = [...s.mask.keys()].filter((t) => s.mask[t] === 1);
      expect(masked).toHaveLength(2);
      for (let t = 0; t < 16; t++) {
        if (s.mask[t] === 1) {
          expect([0, 5, 9]).not.toContain(t); // never [CLS] or [SEP]
          expect(s.labels[t]).toBe(ids[t]);
          // [MASK], the token itself, or a random one that is none of [PAD], [CLS], [SEP], [MASK]
          expect(s.ids[t] === 103 || s.ids[t] === ids[t] || ![0, 101, 102, 103].includes(s.ids[t])).toBe(
            true,
          );
        } else {
          expect(s.labels[t]).toBe(0);
          expect(s.ids[t]).toBe(t < 10 ? ids[t] : 0);
        }
      }
    }
  });

  it("draws the same masks for a sample however it is read, and others in another epoch", () => {
    const a = src.read([1, 0], 3);
    const b = src.read([0], 3);
    expect(Array.from(a.inputIds!.subarray(16, 32))).toEqual(Array.from(b.inputIds!));
    expect(Array.from(a.nspLabels!)).toEqual([0, 1]);
    const seen = new Set(Array.from({ length: 10 }, (_, e) => src.sample(0, e).mask.join("")));
    expect(seen.size).toBeGreaterThan(1);
  });

  it("meta.dat that disagrees with the files, or is missing, is a clear error", () => {
    expect(() => new BertCsvSource([folder([row(toks, segs, 0)], "a.csv 5\n")], wp, opts)).toThrow(
      /a\.csv: 1 rows, but meta\.dat says 5/,
    );
    const empty = mkdtempSync(join(tmpdir(), "wsc-bertcsv-"));
    expect(() => new BertCsvSource([empty], wp, opts)).toThrow(/has no meta\.dat/);
  });

  it("an example longer than the sequence is refused when the next-sentence head needs it whole", () => {
    const long = ["[CLS]", ...Array(20).fill("the"), "[SEP]", "a", "[SEP]"];
    const f = folder([
      row(
        long,
        long.map((_, i) => (i < 22 ? 0 : 1)),
        0,
      ),
    ]);
    expect(() => new BertCsvSource([f], wp, opts)).toThrow(/24 tokens exceed max_sequence_length 16/);
    expect(new BertCsvSource([f], wp, { ...opts, nsp: false }).sample(0, 0).attention[15]).toBe(1);
  });
});

describe("wsc data prepare --format bert_csv", () => {
  it("writes pairs that the reader reads back: [CLS] A [SEP] B [SEP], segments 0 then 1, within the length", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-bertprep-"));
    const text = join(d, "t.txt");
    writeFileSync(
      text,
      "In the beginning God created the heaven and the earth.\nAnd the earth was without form.\nAnd God said, Let there be light.\n\nA second document, its first line.\nIts second line.\n",
    );
    const r = prepareBertCsv({ inputs: [text], outDir: join(d, "out"), vocab: wp, seqLen: 24, seed: 1 });
    expect(r.examples).toBeGreaterThan(0);
    const src = new BertCsvSource([join(d, "out")], wp, { ...opts, seqLen: 24 });
    expect(src.numSamples).toBe(r.examples);
    for (let i = 0; i < src.numSamples; i++) {
      const s = src.sample(i, 0);
      const n = s.attention.reduce((a, b) => a + b, 0);
      const raw = Array.from(s.ids.subarray(0, n)).map((id, t) => (s.mask[t] ? s.labels[t] : id));
      expect(raw[0]).toBe(101);
      expect(raw[n - 1]).toBe(102);
      const sep = raw.indexOf(102);
      expect(sep).toBeGreaterThan(1);
      expect(Array.from(s.types.subarray(0, n))).toEqual(raw.map((_, t) => (t <= sep ? 0 : 1)));
    }
  });
});
