// BERT's WordPiece tokenizer, as Google's tokenization.py (and Hugging Face's BertTokenizer) define it, over a
// vocabulary file of one token per line (vocab/google_research_uncased_L-12_H-768_A-12.txt ships with wsc):
//   1. basic tokenisation: drop NUL, U+FFFD and control characters, turn whitespace into spaces, put spaces
//      around CJK ideographs, split on whitespace; lower-case and strip accents (NFD, drop combining marks)
//      when uncased; split every punctuation character off as a token of its own;
//   2. WordPiece: each word becomes its longest vocabulary prefix, then "##"-prefixed longest matches of the
//      rest; a word with a part that matches nothing (or longer than 100 characters) becomes [UNK].
import { fileURLToPath } from "node:url";
import { readRegularFile } from "../util/fs.js";
import { DataError } from "./errors.js";

const MAX_WORD = 100;

/** The vocabulary wsc ships: BERT-Base uncased's (vocab/README.md). */
export const DEFAULT_VOCAB = fileURLToPath(
  new URL("../../vocab/google_research_uncased_L-12_H-768_A-12.txt", import.meta.url),
);

function isWhitespace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || /\p{Zs}/u.test(c);
}

function isControl(c: string): boolean {
  if (c === "\t" || c === "\n" || c === "\r") return false;
  return /[\p{Cc}\p{Cf}]/u.test(c);
}

function isPunctuation(c: string): boolean {
  const cp = c.codePointAt(0)!;
  // ASCII non-letters and non-digits count as punctuation even where Unicode says symbol ($, ^, `)
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
    return true;
  return /\p{P}/u.test(c);
}

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Step 1: the words and punctuation of a text. */
export function basicTokens(text: string, lower: boolean): string[] {
  let clean = "";
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
    if (isWhitespace(c)) clean += " ";
    else if (isCjk(cp)) clean += ` ${c} `;
    else clean += c;
  }
  const out: string[] = [];
  for (let word of clean.split(" ")) {
    if (!word) continue;
    if (lower)
      word = word
        .toLowerCase()
        .normalize("NFD")
        .replace(/\p{Mn}/gu, "");
    let cur = "";
    for (const c of word) {
      if (isPunctuation(c)) {
        if (cur) out.push(cur);
        out.push(c);
        cur = "";
      } else cur += c;
    }
    if (cur) out.push(cur);
  }
  return out;
}

export class WordPiece {
  readonly vocab: ReadonlyMap<string, number>;
  readonly tokens: readonly string[];
  readonly unkId: number;

  constructor(
    tokens: readonly string[],
    readonly lower: boolean,
    readonly source: string,
  ) {
    this.tokens = tokens;
    const m = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (!m.has(t)) m.set(t, i);
    });
    this.vocab = m;
    const unk = m.get("[UNK]");
    if (unk === undefined) throw new DataError(`${source}: the vocabulary has no [UNK] token`);
    this.unkId = unk;
  }

  /** A vocabulary file: one token per line, its line number the id. */
  static fromFile(path: string, lower = true): WordPiece {
    let text: string;
    try {
      text = readRegularFile(path, { maxBytes: 64 << 20 }).toString("utf8");
    } catch (e) {
      throw new DataError(`vocab_file ${(e as Error).message}`);
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    return new WordPiece(
      lines.map((l) => l.replace(/\r$/, "").trim()),
      lower,
      path,
    );
  }

  /** The id of a token, or [UNK]'s. */
  id(token: string): number {
    return this.vocab.get(token) ?? this.unkId;
  }

  /** Step 2 for one word. */
  wordPieces(word: string): string[] {
    const chars = [...word];
    if (chars.length > MAX_WORD) return ["[UNK]"];
    const out: string[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let piece: string | null = null;
      while (start < end) {
        const s = (start > 0 ? "##" : "") + chars.slice(start, end).join("");
        if (this.vocab.has(s)) {
          piece = s;
          break;
        }
        end--;
      }
      if (piece === null) return ["[UNK]"];
      out.push(piece);
      start = end;
    }
    return out;
  }

  /** The WordPiece tokens of a text. */
  tokenize(text: string): string[] {
    return basicTokens(text, this.lower).flatMap((w) => this.wordPieces(w));
  }

  encode(text: string): number[] {
    return this.tokenize(text).map((t) => this.id(t));
  }

  /** Tokens joined back, "##" pieces glued to the one before. */
  decode(ids: readonly number[]): string {
    return ids
      .map((i) => this.tokens[i] ?? "[UNK]")
      .join(" ")
      .replace(/ ##/g, "");
  }
}
