// ESM-2's protein data: the alphabet's ids, FASTA records, the statically masked MLM CSV that
// `wsc data prepare --format mlm_csv` writes (hand-checked: windows, masked counts, columns) read back by the
// BertCSVDataProcessor reader with the same ids, labels and masks.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EsmAlphabet, readFasta } from "./esm.js";
import { prepareMlmCsv } from "./prepare-mlm.js";
import { BertCsvStaticSource } from "./sources/bert-csv.js";

const A = EsmAlphabet.fromFile();

describe("ESM-2's alphabet and FASTA", () => {
  it("has Hugging Face's ids: <cls> 0, <pad> 1, <eos> 2, <unk> 3, L 4, A 5, <mask> 32", () => {
    expect(A.tokens).toHaveLength(33);
    expect(["<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "<mask>"].map((t) => A.id(t))).toEqual([
      0, 1, 2, 3, 4, 5, 32,
    ]);
    // one token per residue, lower case read upper, unknown letters <unk>
    expect(A.encode("la g\nJ")).toEqual([4, 5, 6, 3]);
  });
  it("reads FASTA records and refuses text that is not FASTA", () => {
    expect(readFasta(">a x\nLA\nG\n\n>b\nV\n", "f")).toEqual([
      { name: "a x", sequence: "LAG" },
      { name: "b", sequence: "V" },
    ]);
    expect(() => readFasta("LAG\n", "f.txt")).toThrow(
      /f\.txt: sequence data before the first ">" header; not FASTA/,
    );
  });
});

describe("statically masked MLM CSV (create_csv_mlm_only_static_masking.py's columns)", () => {
  it("writes <cls> residues <eos> windows with round(0.15 n) masked positions, and the reader reads them back", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-mlm-"));
    // 30 residues in windows of 16 tokens (14 residues each): 14 + 14 + 2
    writeFileSync(join(d, "p.fasta"), `>p\n${"LAGVSERTID".repeat(3)}\n`);
    const r = prepareMlmCsv({
      inputs: [join(d, "p.fasta")],
      outDir: join(d, "out"),
      alphabet: A,
      seqLen: 16,
      maxPredictions: 4,
      maskedLmProb: 0.15,
      seed: 7,
    });
    expect(r).toMatchObject({ sequences: 1, windows: 3 });
    // masked per window: min(4, max(1, round(14 x 0.15))) = 2, 2, and max(1, round(2 x 0.15)) = 1
    expect(r.masked).toBe(5);
    expect(readFileSync(join(d, "out", "meta.dat"), "utf8")).toBe("examples_0.csv 3\n");
    const csv = readFileSync(join(d, "out", "examples_0.csv"), "utf8").split("\r\n");
    expect(csv[0]).toBe("input_ids,masked_lm_weights,masked_lm_positions,attention_mask,labels");
    const src = new BertCsvStaticSource([join(d, "out")], {
      seqLen: 16,
      maxPredictions: 4,
      maskedLmProb: 0.15,
      nsp: false,
      seed: 0,
      section: "train_input",
    });
    expect(src.numSamples).toBe(3);
    const b = src.read([2]);
    // the last window: <cls> I D <eos> and 12 <pad>, attention on the 4 tokens
    const ids = [...b.inputIds!];
    expect(ids[0]).toBe(0);
    expect(ids[3]).toBe(2);
    expect(ids.slice(4)).toEqual(new Array(12).fill(1));
    expect([...b.attentionMask!]).toEqual([1, 1, 1, 1, ...new Array(12).fill(0)]);
    // its one masked position is residue I (12) or D (13), labelled with the original id
    const at = [...b.lossMask!].findIndex((m) => m === 1);
    expect([1, 2]).toContain(at);
    expect(b.labels![at]).toBe(at === 1 ? A.id("I") : A.id("D"));
    expect(src.lossTokens(0) + src.lossTokens(1) + src.lossTokens(2)).toBe(5);
  });

  it("names a row whose lists disagree", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-mlm-bad-"));
    writeFileSync(join(d, "meta.dat"), "a.csv 1\n");
    writeFileSync(
      join(d, "a.csv"),
      'input_ids,masked_lm_weights,masked_lm_positions,attention_mask,labels\n"[0, 4, 2, 1]","[1]","[1, 2]","[1, 1, 1, 0]","[4]"\n',
    );
    const o = {
      seqLen: 4,
      maxPredictions: 2,
      maskedLmProb: 0.15,
      nsp: false,
      seed: 0,
      section: "eval_input",
    };
    expect(() => new BertCsvStaticSource([d], o)).toThrow(
      /row 2: labels, masked_lm_positions and masked_lm_weights have 1, 2 and 1 entries/,
    );
  });
});
