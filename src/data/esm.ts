// ESM-2's protein tokenizer: one token per residue over the ESM alphabet (vocab/esm2_t_UR50D.txt), a sequence
// as <cls> residues <eos>, as Hugging Face's facebook/esm2 tokenizers encode it (Model Zoo's ESM-2 data
// preprocessing uses them). Residues outside the alphabet are <unk>; lower-case letters are read upper-case.
import { fileURLToPath } from "node:url";
import { readRegularFile } from "../util/fs.js";
import { DataError } from "./errors.js";

/** The shipped ESM-2 vocabulary. */
export const ESM_VOCAB = fileURLToPath(new URL("../../vocab/esm2_t_UR50D.txt", import.meta.url));

export class EsmAlphabet {
  readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  constructor(
    tokens: readonly string[],
    readonly source: string,
  ) {
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
    for (const t of ["<cls>", "<pad>", "<eos>", "<unk>", "<mask>"])
      if (!this.ids.has(t)) throw new DataError(`${source}: the ESM vocabulary has no ${t} token`);
  }

  static fromFile(path = ESM_VOCAB): EsmAlphabet {
    let text: string;
    try {
      text = readRegularFile(path, { maxBytes: 1 << 20 }).toString("utf8");
    } catch (e) {
      throw new DataError(`vocab_file ${(e as Error).message}`);
    }
    return new EsmAlphabet(
      text
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
      path,
    );
  }

  id(token: string): number {
    return this.ids.get(token) ?? this.ids.get("<unk>")!;
  }

  /** The residues of a sequence as ids (no <cls> or <eos>). */
  encode(sequence: string): number[] {
    return [...sequence.replace(/\s+/g, "").toUpperCase()].map((c) => this.id(c));
  }
}

/** The records of a FASTA file: `>name` lines, each followed by its sequence's lines. */
export function readFasta(text: string, where: string): { name: string; sequence: string }[] {
  const out: { name: string; sequence: string }[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(">")) out.push({ name: line.slice(1).trim(), sequence: "" });
    else if (line.trim()) {
      if (out.length === 0)
        throw new DataError(`${where}: sequence data before the first ">" header; not FASTA`);
      out[out.length - 1].sequence += line.trim();
    }
  }
  return out;
}
