// The shipped BERT fine-tuning samples: small data sets in the formats Model Zoo's fine-tuning readers take,
// made from the shipped public-domain corpus (datasets/kjv-genesis/text, the King James Version of Genesis;
// chapters 1-24 for training, 25-27 for evaluation) with labels given by stated rules, so that each task is
// learnable and its labels can be checked by hand:
//   glue/SST-2   train.tsv, dev.tsv (sentence, label): 1 when the verse holds direct speech ("said"), else 0;
//   glue/MNLI    train.tsv, dev_matched.tsv, dev_mismatched.tsv (sentence1, sentence2, gold_label): for each
//                verse, in turn, entailment (a clause of the verse), contradiction ("It is not true that" and
//                the clause) or neutral (a clause of another verse);
//   ner          train/, dev/ (every fifth verse of the book; meta.dat, CSV tokens and labels, label2id.json) as write_csv_ner.py writes
//                them: B for a personal name of Genesis (and for "LORD" of "LORD God", whose "God" is I), O
//                elsewhere, X for a word's later WordPiece pieces, [CLS] and [SEP] around;
//   bertsum      train/, dev/ (meta.dat, CSV input_token_ids, labels, segment_ids, cls_indices): documents of
//                4 verses (one starting at every verse), [CLS] verse [SEP] each, token types alternating per sentence; a sentence is in the
//                summary (label 1) when it holds direct speech;
//   squad        train/, dev/ (meta.dat, CSV input_ids, input_mask, segment_ids, start_position,
//                end_position, unique_id) as write_csv_qa.py writes them: [CLS] question [SEP] verse [SEP] for
//                the verses "X lived N years, and begat Y" (Whom did X beget? / How long did X live before he
//                begat Y?), "X begat Y" (Whom did X beget?) and "called his name Y" (What was his name called?).
//
//   npx tsx scripts/make-task-samples.ts [--out datasets/kjv-genesis]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvField, pyList, writeCsvFolder } from "../src/data/prepare-bert.js";
import { DEFAULT_VOCAB, WordPiece, basicTokens } from "../src/data/wordpiece.js";

const args = process.argv.slice(2);
const OUT =
  args[args.indexOf("--out") + 1] && args.includes("--out")
    ? args[args.indexOf("--out") + 1]
    : "datasets/kjv-genesis";
const vocab = WordPiece.fromFile(DEFAULT_VOCAB, true);

const verses = (split: "train" | "val") =>
  readFileSync(join(OUT, "text", `${split}.txt`), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^Genesis \d+$/.test(l));
const TRAIN = verses("train");
const DEV = verses("val");

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}

/** A CSV folder: one file and meta.dat, as Model Zoo's writers lay them out. */
function csvFolder(dir: string, header: string[], rows: string[][]): void {
  const lines = rows.map((r) => r.map(csvField).join(","));
  writeCsvFolder(dir, header.join(","), lines, lines.length, () => "examples-1.csv");
}

const speech = (v: string) => (/\bsaid\b/.test(v) ? 1 : 0);

// ---- GLUE: SST-2 and MNLI ----------------------------------------------------------------------------------
const tsv = (header: string[], rows: (string | number)[][]) =>
  [header, ...rows].map((r) => r.join("\t")).join("\n") + "\n";
write(
  join(OUT, "glue/SST-2/train.tsv"),
  tsv(
    ["sentence", "label"],
    TRAIN.map((v) => [v, speech(v)]),
  ),
);
write(
  join(OUT, "glue/SST-2/dev.tsv"),
  tsv(
    ["sentence", "label"],
    DEV.map((v) => [v, speech(v)]),
  ),
);

const clauses = (v: string) =>
  v
    .split(/[,;:.?]/)
    .map((c) => c.trim().replace(/^(and|but|that|for) /i, ""))
    .filter((c) => c.split(/\s+/).length >= 4);
function mnli(vs: readonly string[], offset: number): (string | number)[][] {
  const rows: (string | number)[][] = [];
  vs.forEach((v, i) => {
    const own = clauses(v);
    if (own.length === 0) return;
    const c = own[i % own.length];
    const kind = (i + offset) % 3;
    const other = clauses(vs[(i * 7 + 3) % vs.length]);
    if (kind === 2 && (other.length === 0 || vs[(i * 7 + 3) % vs.length] === v)) return;
    const s2 =
      kind === 0 ? c : kind === 1 ? `It is not true that ${c[0].toLowerCase()}${c.slice(1)}` : other[0];
    rows.push([rows.length, v, s2, ["entailment", "contradiction", "neutral"][kind]]);
  });
  return rows;
}
const MNLI_HEADER = ["index", "sentence1", "sentence2", "gold_label"];
write(join(OUT, "glue/MNLI/train.tsv"), tsv(MNLI_HEADER, mnli(TRAIN, 0)));
const half = Math.floor(DEV.length / 2);
write(join(OUT, "glue/MNLI/dev_matched.tsv"), tsv(MNLI_HEADER, mnli(DEV.slice(0, half), 1)));
write(join(OUT, "glue/MNLI/dev_mismatched.tsv"), tsv(MNLI_HEADER, mnli(DEV.slice(half), 2)));

// ---- NER ---------------------------------------------------------------------------------------------------
const NAMES = new Set(
  (
    "Adam Eve Cain Abel Seth Enos Cainan Mahalaleel Jared Enoch Methuselah Lamech Noah Shem Ham Japheth Canaan " +
    "Nimrod Eber Peleg Terah Nahor Haran Abram Abraham Sarai Sarah Lot Milcah Iscah Hagar Ishmael Isaac " +
    "Melchizedek Eliezer Abimelech Bethuel Laban Rebekah Keturah Esau Jacob Leah Rachel Reuben Simeon Levi " +
    "Judah Dan Naphtali Gad Asher Issachar Zebulun Dinah Joseph Benjamin Bilhah Zilpah Shechem Hamor Tamar " +
    "Er Onan Shelah Pharez Zarah Potiphar Manasseh Ephraim Pharaoh Deborah Adah Zillah Jubal Tubalcain Naamah"
  ).split(" "),
);
const LABELS = ["[PAD]", "B", "I", "O", "X", "[CLS]", "[SEP]"];
function nerRows(vs: readonly string[]): string[][] {
  return vs.map((v) => {
    const words = v.match(/[A-Za-z']+|[^\sA-Za-z']/g) ?? [];
    const tokens: string[] = [];
    const labels: string[] = [];
    words.forEach((w, i) => {
      const label =
        NAMES.has(w) || (w === "LORD" && words[i + 1] === "God")
          ? "B"
          : w === "God" && words[i - 1] === "LORD"
            ? "I"
            : "O";
      vocab.tokenize(w).forEach((p, k) => {
        tokens.push(p);
        labels.push(k === 0 ? label : "X");
      });
    });
    // write_csv_ner.py: at most max_seq_length - 2 pieces, then [CLS] ... [SEP]
    const T = 128;
    return [
      ["[CLS]", ...tokens.slice(0, T - 2), "[SEP]"].join(" "),
      ["[CLS]", ...labels.slice(0, T - 2), "[SEP]"].join(" "),
    ];
  });
}
// names are learnt by heart (the text is lower-cased), so the NER splits interleave: every fifth verse of the
// book is held out for evaluation
const BOOK = [...TRAIN, ...DEV];
for (const [split, vs] of [
  ["train", BOOK.filter((_, i) => i % 5 !== 4)],
  ["dev", BOOK.filter((_, i) => i % 5 === 4)],
] as const) {
  csvFolder(join(OUT, "ner", split), ["tokens", "labels"], nerRows(vs));
  write(
    join(OUT, "ner", split, "label2id.json"),
    JSON.stringify(Object.fromEntries(LABELS.map((l, i) => [l, i]))),
  );
}

// ---- BertSum -----------------------------------------------------------------------------------------------
function bertSumRows(vs: readonly string[], T: number): string[][] {
  const rows: string[][] = [];
  // documents start at every verse (they overlap), so the sample has as many documents as verses
  for (let d = 0; d + 4 <= vs.length; d++) {
    const ids: number[] = [];
    const types: number[] = [];
    const cls: number[] = [];
    const labels: number[] = [];
    vs.slice(d, d + 4).forEach((v, s) => {
      const piece = [vocab.id("[CLS]"), ...vocab.encode(v), vocab.id("[SEP]")];
      if (ids.length + piece.length > T) return;
      cls.push(ids.length);
      labels.push(speech(v));
      ids.push(...piece);
      types.push(...piece.map(() => s % 2));
    });
    if (cls.length >= 2) rows.push([pyList(ids), pyList(labels), pyList(types), pyList(cls)]);
  }
  return rows;
}
for (const [split, vs] of [
  ["train", TRAIN],
  ["dev", DEV],
] as const)
  csvFolder(
    join(OUT, "bertsum", split),
    ["input_token_ids", "labels", "segment_ids", "cls_indices"],
    bertSumRows(vs, 128),
  );

// ---- SQuAD -------------------------------------------------------------------------------------------------
interface Qa {
  readonly question: string;
  readonly context: string;
  readonly answer: string;
}
function questions(vs: readonly string[]): Qa[] {
  const out: Qa[] = [];
  for (const v of vs) {
    const m = /\b([A-Z][a-z]+) lived ([a-z ]+?) years, and begat ([A-Z][a-z]+)/.exec(v);
    if (m) {
      out.push({ question: `Whom did ${m[1]} beget?`, context: v, answer: m[3] });
      out.push({
        question: `How long did ${m[1]} live before he begat ${m[3]}?`,
        context: v,
        answer: `${m[2]} years`,
      });
    }
    for (const b of v.matchAll(/\b([A-Z][a-z]+) begat ([A-Z][a-z]+)/g))
      out.push({ question: `Whom did ${b[1]} beget?`, context: v, answer: b[2] });
    const n = /called (his|her) name ([A-Z][a-z]+)/.exec(v);
    if (n) out.push({ question: `What was ${n[1]} name called?`, context: v, answer: n[2] });
  }
  return out;
}
function squadRows(qs: readonly Qa[], T: number, first: number): string[][] {
  const rows: string[][] = [];
  qs.forEach((q, i) => {
    const qt = vocab.tokenize(q.question);
    const ct = vocab.tokenize(q.context);
    const at = basicTokens(q.answer, true).flatMap((w) => vocab.wordPieces(w));
    if (qt.length + ct.length + 3 > T) return;
    let s = -1;
    for (let k = 0; k + at.length <= ct.length && s < 0; k++) if (at.every((t, j) => ct[k + j] === t)) s = k;
    if (s < 0) return;
    const tokens = ["[CLS]", ...qt, "[SEP]", ...ct, "[SEP]"];
    const offset = qt.length + 2;
    const ids = tokens.map((t) => vocab.id(t));
    const pad = T - ids.length;
    const mask = [...ids.map(() => 1), ...new Array<number>(pad).fill(0)];
    const segs = [...tokens.map((_, k) => (k < offset ? 0 : 1)), ...new Array<number>(pad).fill(0)];
    rows.push([
      pyList([...ids, ...new Array<number>(pad).fill(0)]),
      pyList(mask),
      pyList(segs),
      String(offset + s),
      String(offset + s + at.length - 1),
      String(first + i),
    ]);
  });
  return rows;
}
const QA_HEADER = ["input_ids", "input_mask", "segment_ids", "start_position", "end_position", "unique_id"];
// the begat verses are in chapters 5 and 11: every fifth question is held out for evaluation
const all = questions([...TRAIN, ...DEV]);
csvFolder(
  join(OUT, "squad", "train"),
  QA_HEADER,
  squadRows(
    all.filter((_, i) => i % 5 !== 4),
    128,
    1000000000,
  ),
);
csvFolder(
  join(OUT, "squad", "dev"),
  QA_HEADER,
  squadRows(
    all.filter((_, i) => i % 5 === 4),
    128,
    1000100000,
  ),
);
console.log(`wrote ${OUT}/{glue/SST-2,glue/MNLI,ner,bertsum,squad}`);
