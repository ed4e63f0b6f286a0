// `wsc data prepare`: text files -> a Model Zoo GPT HDF5 dataset, as Model Zoo's language-model preprocessing
// does it. Each input file is one document; documents are tokenized, each followed by the end-of-text token,
// and concatenated into one stream, which is cut into samples of T+1 tokens overlapping by one: input_ids are
// the first T, labels the last T, the loss mask is 1 on every real label. The last, shorter sample is padded
// (pad id, mask 0). Samples go into files of `samplesPerFile` each, with data_params.json beside them.
import { mkdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { errnoCode } from "../util/errors.js";
import { DataError } from "./errors.js";
import { hdf5Ready, writeDataParams, writeGptHdf5 } from "./hdf5.js";
import { tokenizer } from "./tokenizers.js";

export interface PrepareOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  /** "gpt2" or "byte". */
  readonly tokenizer: string;
  /** T: tokens per sample (max_sequence_length). */
  readonly seqLen: number;
  readonly samplesPerFile?: number;
}

export interface PrepareResult {
  readonly files: readonly string[];
  readonly samples: number;
  readonly tokens: number;
}

/** Samples [n, 3, T] from a token stream: input_ids, loss mask, labels. */
export function samplesFromStream(
  stream: readonly number[],
  T: number,
  padId: number,
): { data: Int32Array; n: number } {
  const n = stream.length > 1 ? Math.ceil((stream.length - 1) / T) : 0;
  const data = new Int32Array(n * 3 * T);
  for (let s = 0; s < n; s++) {
    const base = s * 3 * T;
    for (let t = 0; t < T; t++) {
      const i = s * T + t;
      const hasLabel = i + 1 < stream.length;
      data[base + t] = i < stream.length ? stream[i] : padId;
      data[base + T + t] = hasLabel ? 1 : 0;
      data[base + 2 * T + t] = hasLabel ? stream[i + 1] : padId;
    }
  }
  return { data, n };
}

export async function prepareText(o: PrepareOptions): Promise<PrepareResult> {
  const tok = tokenizer(o.tokenizer);
  if (!Number.isInteger(o.seqLen) || o.seqLen < 2)
    throw new DataError(`--max_sequence_length ${o.seqLen} must be an integer >= 2`);
  if (o.inputs.length === 0) throw new DataError("no input text files given");
  const stream: number[] = [];
  for (const f of o.inputs) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch (e) {
      throw new DataError(`cannot read input ${f}: ${errnoCode(e)}`);
    }
    for (const id of tok.encode(text)) stream.push(id);
    stream.push(tok.eosId);
  }
  const T = o.seqLen;
  const { data, n } = samplesFromStream(stream, T, tok.padId);
  if (n === 0) throw new DataError(`the inputs hold ${stream.length} token(s): too few for one sample`);
  await hdf5Ready();
  try {
    mkdirSync(o.outDir, { recursive: true });
  } catch (e) {
    throw new DataError(
      `cannot create the output folder ${o.outDir}: ${errnoCode(e)}; give a writable folder with -o`,
    );
  }
  const per = o.samplesPerFile ?? 2048;
  const files: string[] = [];
  for (let start = 0, k = 0; start < n; start += per, k++) {
    const m = Math.min(per, n - start);
    const path = join(o.outDir, `data-${String(k).padStart(5, "0")}.h5`);
    writeGptHdf5(path, data.subarray(start * 3 * T, (start + m) * 3 * T), m, T);
    files.push(path);
  }
  writeDataParams(o.outDir, {
    "post-process": {
      n_examples: n,
      eos_id: tok.eosId,
      pad_id: tok.padId,
      vocab_size: tok.vocabSize,
      max_seq_length: T,
    },
    wsc: { tokenizer: tok.name, inputs: o.inputs.map((f) => basename(f)), tokens: stream.length },
  });
  return { files, samples: n, tokens: stream.length };
}
