// Model Zoo GPT data: the `*.h5` files of one or more folders (GptHDF5DataProcessor), or TensorFlow Model Zoo's
// `*.tfrecord*` files (GptTfRecordsProcessor, src/data/tfrecords.ts), read into memory when the source is
// opened, with every token id checked against the model's vocabulary. Samples are numbered across the files in
// folder order, then file name order.
import { DataError } from "../errors.js";
import { h5FilesIn, readDataParams, readGptHdf5 } from "../hdf5.js";
import { readGptTfRecords, tfRecordFilesIn } from "../tfrecords.js";
import type { DataParams, GptHdf5File } from "../hdf5.js";
import type { BatchFields, SampleSource } from "../source.js";

interface FileEntry {
  readonly path: string;
  readonly first: number;
  readonly n: number;
  loaded: GptHdf5File | null;
  lossTokens: Int32Array | null;
}

/** A file format of GPT token rows: how a folder's files are found and read. */
export interface TokenRowsFormat {
  readonly name: string;
  readonly pattern: string;
  list(dir: string): string[];
  read(path: string, seqLen: number): GptHdf5File;
}

export const GPT_HDF5: TokenRowsFormat = {
  name: "GPT HDF5",
  pattern: "*.h5",
  list: h5FilesIn,
  read: (path) => readGptHdf5(path),
};

export const GPT_TFRECORDS: TokenRowsFormat = {
  name: "GPT TFRecords",
  pattern: "*.tfrecord*",
  list: tfRecordFilesIn,
  read: readGptTfRecords,
};

/** The token rows of a GPT dataset (HDF5 or TFRecords); also the raw material of the BERT source. */
export class GptHdf5Source implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  readonly seqLen: number;
  readonly params: DataParams | null;
  private readonly files: FileEntry[];

  /** Open the folders (after `hdf5Ready()`); `seqLen` and `vocabSize` are what the params file expects. */
  constructor(
    dirs: readonly string[],
    seqLen: number,
    vocabSize: number,
    section: string,
    private readonly format: TokenRowsFormat = GPT_HDF5,
  ) {
    const entries: FileEntry[] = [];
    let total = 0;
    let params: DataParams | null = null;
    for (const dir of dirs) {
      params ??= readDataParams(dir);
      for (const path of format.list(dir)) {
        const f = format.read(path, seqLen);
        if (f.seqLen !== seqLen) {
          throw new DataError(
            `${path}: samples of ${f.seqLen} tokens, but ${section}.max_sequence_length is ${seqLen}; ` +
              `prepare the data with --max_sequence_length ${seqLen} or set max_sequence_length: ${f.seqLen}`,
          );
        }
        entries.push({ path, first: total, n: f.n, loaded: f, lossTokens: null });
        total += f.n;
      }
    }
    if (entries.length === 0)
      throw new DataError(`${section}.data_dir: no ${format.pattern} files in ${dirs.join(", ")}`);
    const dataVocab = params?.["post-process"]?.vocab_size;
    if (dataVocab !== undefined && dataVocab > vocabSize) {
      throw new DataError(
        `the data in ${dirs[0]} has a vocabulary of ${dataVocab} (data_params.json), larger than the model's ` +
          `vocab_size ${vocabSize}; use a model with vocab_size >= ${dataVocab} or data prepared with a smaller tokenizer`,
      );
    }
    this.files = entries;
    this.numSamples = total;
    this.seqLen = seqLen;
    this.params = params;
    this.description = `${format.name} (${dirs.join(", ")}): ${entries.length} file(s), ${total} samples of ${seqLen} tokens`;
    this.checkIds(vocabSize);
  }

  private checkIds(vocabSize: number): void {
    for (const e of this.files) {
      const f = this.file(e);
      const T = this.seqLen;
      for (let s = 0; s < f.n; s++) {
        for (const row of [0, 2]) {
          const off = s * 3 * T + row * T;
          for (let t = 0; t < T; t++) {
            const id = f.data[off + t];
            if (id < 0 || id >= vocabSize) {
              throw new DataError(
                `${e.path}: sample ${s} has token id ${id} in ${row === 0 ? "input_ids" : "labels"}, outside the ` +
                  `model's vocabulary 0..${vocabSize - 1}; the data was prepared for another vocabulary`,
              );
            }
          }
        }
      }
    }
  }

  private file(e: FileEntry): GptHdf5File {
    e.loaded ??= this.format.read(e.path, this.seqLen);
    return e.loaded;
  }

  private locate(i: number): { e: FileEntry; row: number } {
    if (!(i >= 0 && i < this.numSamples)) throw new DataError(`internal: sample ${i} of ${this.numSamples}`);
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.files[mid].first <= i) lo = mid;
      else hi = mid - 1;
    }
    const e = this.files[lo];
    return { e, row: i - e.first };
  }

  /** The three rows of sample i: [input_ids, loss mask, labels], each T long (views, not copies). */
  rows(i: number): { ids: Int32Array; mask: Int32Array; labels: Int32Array } {
    const { e, row } = this.locate(i);
    const T = this.seqLen;
    const d = this.file(e).data;
    const o = row * 3 * T;
    return {
      ids: d.subarray(o, o + T),
      mask: d.subarray(o + T, o + 2 * T),
      labels: d.subarray(o + 2 * T, o + 3 * T),
    };
  }

  lossTokens(i: number): number {
    const { e, row } = this.locate(i);
    if (!e.lossTokens) {
      const f = this.file(e);
      const T = this.seqLen;
      const counts = new Int32Array(f.n);
      for (let s = 0; s < f.n; s++) {
        let c = 0;
        for (let t = 0; t < T; t++) c += f.data[s * 3 * T + T + t] !== 0 ? 1 : 0;
        counts[s] = c;
      }
      e.lossTokens = counts;
    }
    return e.lossTokens[row];
  }

  read(indices: readonly number[]): BatchFields {
    const T = this.seqLen;
    const B = indices.length;
    const inputIds = new Int32Array(B * T);
    const labels = new Int32Array(B * T);
    const lossMask = new Float32Array(B * T);
    indices.forEach((i, r) => {
      const s = this.rows(i);
      inputIds.set(s.ids, r * T);
      labels.set(s.labels, r * T);
      for (let t = 0; t < T; t++) lossMask[r * T + t] = s.mask[t] !== 0 ? 1 : 0;
    });
    return { inputIds, labels, lossMask };
  }
}
