// MNIST as fc_mnist reads it: the IDX files of a folder (train-images-idx3-ubyte and train-labels-idx1-ubyte,
// or the t10k-* pair; gzip-compressed *.gz files too). Pixels are scaled to [0, 1] and flattened to 784
// features. wsc does not download MNIST.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { DataError } from "../errors.js";
import { classBatch } from "../source.js";
import type { BatchFields, SampleSource } from "../source.js";

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  let buf = readFileSync(path);
  if (path.endsWith(".gz")) buf = gunzipSync(buf);
  if (buf.length < 8 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) {
    throw new DataError(`${path} is not an IDX file of unsigned bytes (magic 0x0000080N)`);
  }
  const nd = buf[3];
  const dims = Array.from({ length: nd }, (_, k) => buf.readUInt32BE(4 + 4 * k));
  const start = 4 + 4 * nd;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - start < size)
    throw new DataError(`${path}: truncated (${buf.length - start} of ${size} bytes)`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + start, size) };
}

function find(dir: string, names: readonly string[]): string | undefined {
  for (const n of names)
    for (const ext of ["", ".gz"]) if (existsSync(join(dir, n + ext))) return join(dir, n + ext);
  return undefined;
}

export class MnistSource implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  readonly seqLen = 1;
  private readonly images: Uint8Array;
  private readonly labels: Uint8Array;
  private readonly features: number;

  constructor(dir: string, section: string) {
    const img = find(dir, [
      "train-images-idx3-ubyte",
      "t10k-images-idx3-ubyte",
      "train-images.idx3-ubyte",
      "t10k-images.idx3-ubyte",
    ]);
    const lab = find(dir, [
      "train-labels-idx1-ubyte",
      "t10k-labels-idx1-ubyte",
      "train-labels.idx1-ubyte",
      "t10k-labels.idx1-ubyte",
    ]);
    if (!img || !lab) {
      throw new DataError(
        `${section}.data_dir ${dir}: no MNIST IDX files (train-images-idx3-ubyte and train-labels-idx1-ubyte, or ` +
          `t10k-*); wsc does not download MNIST: put the files there, or use data_processor: SyntheticDataProcessor`,
      );
    }
    const i = readIdx(img);
    const l = readIdx(lab);
    if (i.dims[0] !== l.dims[0])
      throw new DataError(`${img} has ${i.dims[0]} images but ${lab} ${l.dims[0]} labels`);
    this.images = i.data;
    this.labels = l.data;
    this.numSamples = i.dims[0];
    this.features = i.dims.slice(1).reduce((a, b) => a * b, 1);
    this.description = `MNIST (${dir}): ${this.numSamples} images of ${this.features} pixels`;
  }

  lossTokens(): number {
    return 1;
  }

  read(indices: readonly number[]): BatchFields {
    const F = this.features;
    return classBatch(indices, F, (i, row) => {
      for (let f = 0; f < F; f++) row[f] = this.images[i * F + f] / 255;
      return this.labels[i];
    });
  }
}
