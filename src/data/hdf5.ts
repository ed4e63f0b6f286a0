// Model Zoo's GPT pretraining data format, read and written through h5wasm (the HDF5 C library compiled to
// WebAssembly). A dataset is a folder of `*.h5` files and a `data_params.json`. Each file has an attribute
// `n_examples` and one int32 dataset `data` of shape (n_examples, 3, max_seq_length) whose three rows per
// sample are input_ids, attention_mask (really a loss mask: 1 where the label counts) and labels (input_ids
// shifted by one). Padding is 0 with mask 0. wsc writes gzip-compressed chunks, which h5py and Model Zoo read.
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type H5 from "h5wasm/node";
import { DataError } from "./errors.js";
import { dataFilesIn } from "./files.js";

// The library is loaded on first use, not at import: it costs a few hundred milliseconds to start, which every
// `wsc` command would otherwise pay.
let h5wasm: typeof H5 = undefined as unknown as typeof H5;
let ready: Promise<void> | null = null;

/** Load the HDF5 library once (it is WebAssembly and starts asynchronously). */
export async function hdf5Ready(): Promise<void> {
  ready ??= import("h5wasm/node").then(async (m) => {
    await m.default.ready;
    h5wasm = m.default;
  });
  return ready;
}

/** One GPT HDF5 file, its samples in memory: [n, 3, T] int32, row-major. */
export interface GptHdf5File {
  readonly path: string;
  readonly n: number;
  readonly seqLen: number;
  readonly data: Int32Array;
}

/** HDF5's format signature; it stands at byte 0 or, after a user block, at 512, 1024, 2048, ... */
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether the file carries HDF5's signature (checked first: the library prints pages of diagnostics otherwise). */
function hasHdf5Signature(path: string): boolean {
  const head = Buffer.alloc(1 << 16);
  const fd = openSync(path, "r");
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    for (let at = 0; at + HDF5_SIGNATURE.length <= n; at = at === 0 ? 512 : at * 2) {
      if (head.subarray(at, at + HDF5_SIGNATURE.length).equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Read a GPT HDF5 file (after `hdf5Ready()`). */
export function readGptHdf5(path: string): GptHdf5File {
  let f: InstanceType<typeof h5wasm.File>;
  try {
    if (!hasHdf5Signature(path))
      throw new DataError(`${path} is not an HDF5 file (no HDF5 signature): remove it from the data folder`);
    f = new h5wasm.File(path, "r");
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(
      `cannot open ${path} as HDF5: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    const d = f.get("data");
    if (!d || !(d instanceof h5wasm.Dataset)) {
      throw new DataError(
        `${path}: no dataset "data" (a Model Zoo GPT HDF5 file has data: int32 [n, 3, seq])`,
      );
    }
    const shape = d.shape ?? [];
    if (shape.length !== 3 || shape[1] !== 3) {
      throw new DataError(
        `${path}: dataset "data" has shape [${shape.join(", ")}], expected [n, 3, max_seq_length]`,
      );
    }
    const raw = d.value;
    const data = raw instanceof Int32Array ? raw : Int32Array.from(raw as ArrayLike<number>);
    return { path, n: shape[0], seqLen: shape[2], data };
  } finally {
    f.close();
  }
}

/** Write samples [n, 3, T] as one GPT HDF5 file (after `hdf5Ready()`). */
export function writeGptHdf5(path: string, data: Int32Array, n: number, seqLen: number): void {
  if (data.length !== n * 3 * seqLen)
    throw new DataError(`internal: ${data.length} values for [${n}, 3, ${seqLen}]`);
  const f = new h5wasm.File(path, "w");
  try {
    f.create_dataset({
      name: "data",
      data,
      shape: [n, 3, seqLen],
      dtype: "<i4",
      chunks: [Math.min(n, Math.max(1, Math.floor(65536 / (3 * seqLen)))), 3, seqLen],
      compression: "gzip",
      compression_opts: 6,
    });
    f.create_attribute("n_examples", Int32Array.of(n), [], "<i4");
  } finally {
    f.close();
  }
}

/** The `*.h5` files of a folder, sorted by name. */
export function h5FilesIn(dir: string): string[] {
  return dataFilesIn(dir, "*.h5", (n) => n.endsWith(".h5"));
}

/** `data_params.json` as Model Zoo writes it, with wsc's tokenizer section. */
export interface DataParams {
  readonly "post-process": {
    readonly n_examples: number;
    readonly eos_id: number;
    readonly pad_id: number;
    readonly vocab_size: number;
    readonly max_seq_length?: number;
  };
  /** wsc: the tokenizer the data was prepared with ("gpt2" or "byte"), and where the text came from. */
  readonly wsc?: { readonly tokenizer: string; readonly inputs: readonly string[]; readonly tokens: number };
}

export function readDataParams(dir: string): DataParams | null {
  let text: string;
  try {
    text = readFileSync(join(dir, "data_params.json"), "utf8");
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as DataParams;
  } catch (e) {
    throw new DataError(`${join(dir, "data_params.json")} is not valid JSON: ${(e as Error).message}`);
  }
}

export function writeDataParams(dir: string, p: DataParams): void {
  writeFileSync(join(dir, "data_params.json"), `${JSON.stringify(p, null, 2)}\n`);
}
