// Tokenizers for `wsc data prepare`, registered by name:
//   gpt2 - GPT-2's byte-pair encoding (r50k_base, 50257 tokens, <|endoftext|> = 50256) from gpt-tokenizer,
//          which ships the vocabulary, so it works offline;
//   byte - one token per UTF-8 byte (0..255) and four specials: <|endoftext|> 256, [CLS] 257, [SEP] 258,
//          [MASK] 259 (vocabulary 260). Tiny models train fast on it, and BERT needs its [MASK].
import { createRequire } from "node:module";
import type * as R50k from "gpt-tokenizer/encoding/r50k_base";
import { DataError } from "./errors.js";

// GPT-2's encoder, loaded on first use (its vocabulary takes a moment to load).
type Bpe = typeof R50k;
let bpe: Bpe | null = null;
const r50k = (): Bpe => (bpe ??= createRequire(import.meta.url)("gpt-tokenizer/encoding/r50k_base") as Bpe);

/** Special token ids a BERT source needs; a tokenizer without them cannot feed BERT. */
export interface BertSpecials {
  readonly cls: number;
  readonly sep: number;
  readonly mask: number;
}

export interface Tokenizer {
  readonly name: string;
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  /** Ids BERT masking uses, when the vocabulary has them. */
  readonly bert: BertSpecials | null;
  /** Ids of ordinary tokens are [0, regularTokens): what BERT's random replacement draws from. */
  readonly regularTokens: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

const gpt2: Tokenizer = {
  name: "gpt2",
  vocabSize: 50257,
  eosId: 50256,
  padId: 0,
  bert: null,
  regularTokens: 50256,
  encode: (text) => r50k().encode(text, { allowedSpecial: new Set() }),
  decode: (ids) => r50k().decode([...ids]),
};

const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

const byte: Tokenizer = {
  name: "byte",
  vocabSize: 260,
  eosId: 256,
  padId: 0,
  bert: { cls: 257, sep: 258, mask: 259 },
  regularTokens: 256,
  encode: (text) => [...utf8.encode(text)],
  decode: (ids) => utf8d.decode(Uint8Array.from(ids.filter((i) => i < 256))),
};

export const TOKENIZERS: Readonly<Record<string, Tokenizer>> = { gpt2, byte };

export function tokenizer(name: string): Tokenizer {
  const t = TOKENIZERS[name];
  if (!t)
    throw new DataError(
      `"${name}" is not a tokenizer wsc has; use one of ${Object.keys(TOKENIZERS).join(", ")}`,
    );
  return t;
}
