// The BERT fine-tuning readers against values derived by hand from Model Zoo's processors
// (BertClassifierDataProcessor.py, BertTokenClassifierDataProcessor.py, BertSumCSVDataProcessor.py,
// BertQADataProcessor.py), and their errors.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import {
  bertSumSource,
  encodePair,
  glueSource,
  nerSource,
  readLabelMap,
  squadSource,
} from "./sources/bert-tasks.js";
import { WordPiece } from "./wordpiece.js";

// a vocabulary of the pieces the examples use: [PAD] 0, [UNK] 1, [CLS] 2, [SEP] 3, [MASK] 4, then words
const VOCAB = new WordPiece(
  [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "the",
    "cat",
    "sat",
    "a",
    "dog",
    "ran",
    "on",
    "mat",
    "##s",
    ".",
  ],
  true,
  "test vocab",
);
const id = (t: string) => VOCAB.id(t);

function folder(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "wsc-tasks-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, ".."), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

describe("GLUE TSV (SST2DataProcessor, MNLIDataProcessor)", () => {
  it("encodes [CLS] A [SEP] B [SEP] with Model Zoo's token-type offsets", () => {
    const { ids, types } = encodePair(VOCAB, "The cat sat", "a dog", 16);
    expect([...ids]).toEqual(["[CLS]", "the", "cat", "sat", "[SEP]", "a", "dog", "[SEP]"].map(id));
    // segment_ids[len(A) : len(A) + len(B)] = 1, as the processor writes it (A has 3 tokens, B 2)
    expect([...types]).toEqual([0, 0, 0, 1, 1, 0, 0, 0]);
  });

  it("truncates the longer text one token at a time, B when they are as long", () => {
    // 8 tokens leave 5 for the texts: (3, 3) -> B loses one -> (3, 2)
    const { ids } = encodePair(VOCAB, "the cat sat", "a dog ran", 8);
    expect([...ids]).toEqual(["[CLS]", "the", "cat", "sat", "[SEP]", "a", "dog", "[SEP]"].map(id));
    // one text: at most T - 2 tokens
    expect([...encodePair(VOCAB, "the cat sat on the mat", null, 5).ids]).toEqual(
      ["[CLS]", "the", "cat", "sat", "[SEP]"].map(id),
    );
  });

  it("reads SST-2's train.tsv or dev.tsv by is_training, quotes kept as text (QUOTE_NONE)", () => {
    const d = folder({
      "train.tsv": 'sentence\tlabel\nthe "cat" sat\t1\na dog\t0\n',
      "dev.tsv": "sentence\tlabel\nthe mat\t0\n",
    });
    const o = { seqLen: 8, section: "train_input" };
    const train = glueSource([d], "SST2DataProcessor", VOCAB, { ...o, isTraining: true });
    expect(train.numSamples).toBe(2);
    const b = train.read([0, 1]);
    // the quote characters are tokens of their own, unknown to this vocabulary
    expect([...b.inputIds!.subarray(0, 8)]).toEqual(
      ["[CLS]", "the", "[UNK]", "cat", "[UNK]", "sat", "[SEP]", "[PAD]"].map(id),
    );
    expect([...b.attentionMask!.subarray(0, 8)]).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
    expect([...b.taskLabels!]).toEqual([1, 0]);
    expect(glueSource([d], "SST2DataProcessor", VOCAB, { ...o, isTraining: false }).numSamples).toBe(1);
  });

  it("reads MNLI's two dev sets with the matched group, and names a bad gold label", () => {
    const head = "index\tsentence1\tsentence2\tgold_label\n";
    const d = folder({
      "dev_matched.tsv": `${head}0\tthe cat\ta dog\tneutral\n`,
      "dev_mismatched.tsv": `${head}0\tthe mat\tthe cat\tcontradiction\n1\ta\tthe\tentailment\n`,
      "train.tsv": `${head}0\tthe cat\ta dog\tmaybe\n`,
    });
    const o = { seqLen: 8, section: "eval_input" };
    const dev = glueSource([d], "MNLIDataProcessor", VOCAB, { ...o, isTraining: false });
    const b = dev.read([0, 1, 2]);
    expect([...b.taskLabels!]).toEqual([1, 2, 0]);
    expect([...b.taskGroups!]).toEqual([1, 0, 0]);
    expect(() => glueSource([d], "MNLIDataProcessor", VOCAB, { ...o, isTraining: true })).toThrow(
      /train\.tsv: row 2: gold_label "maybe" is not entailment, neutral or contradiction/,
    );
  });

  it("names a missing column and a missing file", () => {
    const d = folder({ "train.tsv": "text\tlabel\nthe cat\t1\n" });
    const o = { seqLen: 8, section: "train_input", isTraining: true };
    expect(() => glueSource([d], "SST2DataProcessor", VOCAB, o)).toThrow(
      /no column sentence \(columns: text, label\)/,
    );
    expect(() => glueSource([d], "SST2DataProcessor", VOCAB, { ...o, isTraining: false })).toThrow(DataError);
  });
});

describe("NER CSV (BertTokenClassifierDataProcessor)", () => {
  const LABELS = JSON.stringify({ "[PAD]": 0, B: 1, I: 2, O: 3, X: 4, "[CLS]": 5, "[SEP]": 6 });
  const csv = "tokens,labels\n[CLS] the cat ##s sat [SEP],[CLS] O B X O [SEP]\n";

  it("looks up the tokens and labels; loss mask = attention mask, or all with include_padding_in_loss", () => {
    const d = folder({ "meta.dat": "a.csv 1\n", "a.csv": csv, "label2id.json": LABELS });
    const labels = readLabelMap(join(d, "label2id.json"), "model.label_vocab_file");
    const o = { seqLen: 8, section: "train_input", isTraining: true };
    const b = nerSource([d], VOCAB, labels, false, o).read([0]);
    expect([...b.inputIds!]).toEqual(
      ["[CLS]", "the", "cat", "##s", "sat", "[SEP]", "[PAD]", "[PAD]"].map(id),
    );
    // labels padded with the vocabulary's [PAD] id (Model Zoo's labels_pad_id default)
    expect([...b.taskLabels!]).toEqual([5, 3, 1, 4, 3, 6, 0, 0]);
    expect([...b.taskWeights!]).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect([...b.tokenTypeIds!]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const padded = nerSource([d], VOCAB, labels, true, o);
    expect([...padded.read([0]).taskWeights!]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // F1 ignores the labels that neither begin nor continue an entity
    expect(padded.evalIgnoreLabels).toEqual([0, 3, 4, 5, 6]);
  });

  it("names a label the map lacks, and tokens and labels that differ in number", () => {
    const labels = new Map([["O", 0]]);
    const o = { seqLen: 8, section: "train_input", isTraining: true };
    const bad = folder({ "meta.dat": "a.csv 1\n", "a.csv": "tokens,labels\nthe cat,O Z\n" });
    expect(() => nerSource([bad], VOCAB, labels, false, o)).toThrow(
      /label "Z" is not in label_vocab_file \(O\)/,
    );
    const odd = folder({ "meta.dat": "a.csv 1\n", "a.csv": "tokens,labels\nthe cat,O\n" });
    expect(() => nerSource([odd], VOCAB, labels, false, o)).toThrow(/2 tokens but 1 labels/);
  });
});

describe("BertSum CSV (BertSumCSVDataProcessor)", () => {
  it("pads to max_cls_tokens with the pad id; a position's weight is 0 where its index is the pad id", () => {
    const row = '"[2, 5, 3, 2, 6, 3]","[1, 0]","[0, 0, 0, 1, 1, 1]","[0, 3]"';
    const d = folder({
      "meta.dat": "a.csv 1\n",
      "a.csv": `input_token_ids,labels,segment_ids,cls_indices\n${row}\n`,
    });
    const b = bertSumSource([d], 3, 0, { seqLen: 8, section: "train_input", isTraining: true }).read([0]);
    expect([...b.inputIds!]).toEqual([2, 5, 3, 2, 6, 3, 0, 0]);
    expect([...b.attentionMask!]).toEqual([1, 1, 1, 1, 1, 1, 0, 0]);
    expect([...b.taskPositions!]).toEqual([0, 3, 0]);
    expect([...b.taskLabels!]).toEqual([1, 0, 0]);
    // as in Model Zoo, the first sentence's [CLS] (index 0 = the pad id) carries weight 0
    expect([...b.taskWeights!]).toEqual([0, 1, 0]);
  });

  it("names more sentences than max_cls_tokens", () => {
    const d = folder({
      "meta.dat": "a.csv 1\n",
      "a.csv": 'input_token_ids,labels,segment_ids,cls_indices\n"[2, 3]","[1, 0, 1]","[0, 0]","[0, 1, 1]"\n',
    });
    expect(() => bertSumSource([d], 2, 0, { seqLen: 8, section: "train_input", isTraining: true })).toThrow(
      /3 labels \(sentences\) exceed 2/,
    );
  });
});

describe("SQuAD CSV (BertQADataProcessor)", () => {
  const head = "input_ids,input_mask,segment_ids,start_position,end_position,unique_id\n";
  const lists = '"[2, 5, 3, 6, 7, 3, 0, 0]","[1, 1, 1, 1, 1, 1, 0, 0]","[0, 0, 0, 1, 1, 1, 0, 0]"';

  it("reads the windows; a position outside the sequence has weight 0", () => {
    const d = folder({ "meta.dat": "a.csv 2\n", "a.csv": `${head}${lists},3,4,1\n${lists},9,9,2\n` });
    const b = squadSource([d], { seqLen: 8, section: "train_input", isTraining: true }).read([0, 1]);
    expect([...b.inputIds!.subarray(0, 8)]).toEqual([2, 5, 3, 6, 7, 3, 0, 0]);
    expect([...b.tokenTypeIds!.subarray(0, 8)]).toEqual([0, 0, 0, 1, 1, 1, 0, 0]);
    expect([...b.taskLabels!]).toEqual([3, 4, 7, 7]);
    expect([...b.taskWeights!]).toEqual([1, 1, 0, 0]);
  });

  it("refuses prediction rows and lists of the wrong length", () => {
    const pred = folder({ "meta.dat": "a.csv 1\n", "a.csv": `${head}${lists},,,5\n` });
    const o = { seqLen: 8, section: "eval_input", isTraining: false };
    expect(() => squadSource([pred], o)).toThrow(/no start_position: a prediction row/);
    const short = folder({ "meta.dat": "a.csv 1\n", "a.csv": `${head}"[2]","[1]","[0]",0,0,1\n` });
    expect(() => squadSource([short], o)).toThrow(/input_ids has 1 entries, not max_sequence_length 8/);
  });
});
