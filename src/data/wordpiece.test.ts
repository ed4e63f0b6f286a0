// WordPiece against the examples Google's BERT documents for the uncased BERT-Base vocabulary, and the ids the
// vocabulary file gives its special tokens.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { WordPiece, basicTokens } from "./wordpiece.js";

const VOCAB = fileURLToPath(
  new URL("../../vocab/google_research_uncased_L-12_H-768_A-12.txt", import.meta.url),
);
const wp = WordPiece.fromFile(VOCAB);

describe("WordPiece with BERT-Base uncased's vocabulary", () => {
  it("has 30,522 tokens with the special ids BERT uses", () => {
    expect(wp.tokens).toHaveLength(30522);
    expect(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((t) => wp.id(t))).toEqual([
      0, 100, 101, 102, 103,
    ]);
  });

  it("tokenises BERT's README example and tokenization.py's", () => {
    // README, "Tokenization": John Johanson's house -> john johan ##son ' s house
    expect(wp.tokenize("John Johanson's house")).toEqual(["john", "johan", "##son", "'", "s", "house"]);
    // tokenization.py's WordpieceTokenizer docstring, on its toy vocabulary: unaffable -> un ##aff ##able
    const toy = new WordPiece(["[UNK]", "un", "##aff", "##able", "runn", "##ing", ","], true, "toy");
    expect(toy.tokenize("unaffable")).toEqual(["un", "##aff", "##able"]);
    expect(toy.tokenize("UNwant\u00E9d,running")).toEqual(["[UNK]", ",", "runn", "##ing"]);
  });

  it("basic tokenisation: lower case, accents stripped, punctuation split, CJK spaced, controls dropped", () => {
    expect(basicTokens(" \tHeLLo!How  \n Are yoU?  ", true)).toEqual([
      "hello",
      "!",
      "how",
      "are",
      "you",
      "?",
    ]);
    expect(basicTokens("H\u00E9llo", true)).toEqual(["hello"]);
    expect(basicTokens("ah\u535A\u63A8zz", true)).toEqual(["ah", "\u535A", "\u63A8", "zz"]);
    expect(basicTokens("a\u0000b\u200bc", true)).toEqual(["abc"]);
    expect(basicTokens("HeLLo", false)).toEqual(["HeLLo"]);
  });

  it("an unknown word or an overlong one is [UNK]; decode glues the pieces back", () => {
    expect(wp.tokenize("\u2603\u2603")).toEqual(["[UNK]"]);
    expect(wp.wordPieces("a".repeat(101))).toEqual(["[UNK]"]);
    expect(wp.decode(wp.encode("unaffable johanson"))).toBe("unaffable johanson");
  });
});
