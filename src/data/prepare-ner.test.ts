// `wsc data prepare --format ner_csv`: BIO text -> write_csv_ner.py's CSV, checked by hand against Model Zoo's
// NERProcessor._read_data and get_tokens_and_labels, and read back by the token classifier's reader.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NER_LABELS, prepareNerCsv, readBio } from "./prepare-ner.js";
import { nerSource, readLabelMap } from "./sources/bert-tasks.js";
import { WordPiece } from "./wordpiece.js";

const VOCAB = new WordPiece(
  [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "drug",
    "aspirin",
    "as",
    "##pi",
    "##rin",
    "helps",
    ".",
  ],
  true,
  "test vocab",
);

describe("BIO text", () => {
  it("cuts a sentence of more than 30 words after the last O among its first 30", () => {
    // 35 words: labels O at 0..27, B at 28, I at 29, O at 30..34 -> first chunk ends at the O at 27 (28 words)
    const lines = Array.from({ length: 35 }, (_, i) => `w${i}\t${i === 28 ? "B" : i === 29 ? "I" : "O"}`);
    const s = readBio(lines.join("\n") + "\n\n", "t.tsv");
    expect(s.map((x) => x.words.length)).toEqual([28, 7]);
    expect(s[1].labels.slice(0, 2)).toEqual(["B", "I"]);
    // no O among the first 30: a chunk of one word, as Model Zoo's loop leaves it
    const noO = Array.from({ length: 31 }, (_, i) => `w${i} B`).join("\n");
    expect(readBio(noO, "t.tsv").map((x) => x.words.length)).toEqual([1, 30]);
    expect(readBio("-DOCSTART- O\n\nthe O\n", "t.tsv")).toEqual([{ words: ["the"], labels: ["O"] }]);
    expect(() => readBio("lonely\n", "t.tsv")).toThrow(/t\.tsv:1: expected "WORD LABEL"/);
  });

  it("writes [CLS] pieces [SEP] with X on later pieces, label2id.json, and the reader takes it", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ner-"));
    writeFileSync(join(d, "train.tsv"), "The\tO\nAspirin\tB\nhelps\tO\n.\tO\n");
    const r = prepareNerCsv({
      inputs: [join(d, "train.tsv")],
      outDir: join(d, "out"),
      vocab: VOCAB,
      seqLen: 16,
    });
    expect(r.sentences).toBe(1);
    const csv = readFileSync(join(d, "out", "examples-1.csv"), "utf8").split("\r\n");
    expect(csv[0]).toBe("tokens,labels");
    // "aspirin" is in the vocabulary whole; the labels follow the pieces
    expect(csv[1]).toBe("[CLS] the aspirin helps . [SEP],[CLS] O B O O [SEP]");
    const labels = readLabelMap(join(d, "out", "label2id.json"), "label_vocab_file");
    expect([...labels.keys()]).toEqual([...NER_LABELS]);
    const src = nerSource([join(d, "out")], VOCAB, labels, false, {
      seqLen: 16,
      section: "train_input",
      isTraining: true,
    });
    expect([...src.read([0]).taskLabels!.subarray(0, 6)]).toEqual([5, 3, 1, 3, 3, 6]);
  });

  it("keeps at most max_sequence_length - 2 pieces and names a label outside B, I, O", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ner2-"));
    writeFileSync(join(d, "a.tsv"), "the O\ndrug O\nhelps O\n. O\n");
    prepareNerCsv({ inputs: [join(d, "a.tsv")], outDir: join(d, "o"), vocab: VOCAB, seqLen: 4 });
    expect(readFileSync(join(d, "o", "examples-1.csv"), "utf8").split("\r\n")[1]).toBe(
      "[CLS] the drug [SEP],[CLS] O O [SEP]",
    );
    writeFileSync(join(d, "b.tsv"), "the O\naspirin B-Chemical\n");
    expect(() =>
      prepareNerCsv({ inputs: [join(d, "b.tsv")], outDir: join(d, "p"), vocab: VOCAB, seqLen: 8 }),
    ).toThrow(/label "B-Chemical" of "aspirin" is not one of Model Zoo's NER labels/);
  });
});
