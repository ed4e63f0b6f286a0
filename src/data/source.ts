// The contract of a data source, and the batch stream every source is read through.
//
// A source holds `numSamples` samples, addressed by index. The stream decides which samples make each global
// batch: an epoch's order is a seeded permutation (or 0..n-1 without shuffling), batches are consecutive runs
// of that order, a last partial batch is dropped (Model Zoo's drop_last), and with `repeat` the next epoch
// follows with a fresh permutation. The stream's position {epoch, offset} is all it needs to resume: it is
// saved in checkpoints. Any row range of a global batch can be read on its own (`read(batch, start, end)`),
// so input workers of N systems, or micro-batches, each stream one shard, and the loss denominators of the
// whole global batch ride along in every shard.
//
// Shapes: B = rows of a (micro-)batch, T = tokens per sample (1 for the MLP family), F = features.
import type { Batch } from "../numerics/layers/spec.js";
import { DataError } from "./errors.js";
import { permutation } from "./random.js";

/** The fields a source fills for some samples (everything of a Batch but its sizes and denominators). */
export type BatchFields = Omit<
  Batch,
  "size" | "seqLen" | "sampleOffset" | "globalBatchSize" | "globalLossTokens"
>;

export interface SampleSource {
  /** What it reads, for logs: "GPT HDF5, 3 files, 1,204 samples of 64 tokens". */
  readonly description: string;
  readonly numSamples: number;
  /** T (1 for the MLP family). */
  readonly seqLen: number;
  /**
   * Labels the evaluation's F1 leaves out (the token classifier's labels that do not begin or continue an
   * entity: O, X, [CLS], [SEP], [PAD], as Model Zoo's eval does).
   */
  readonly evalIgnoreLabels?: readonly number[];
  /** Tokens of sample `i` whose loss counts (the sum of its loss mask) in epoch `epoch`. */
  lossTokens(i: number, epoch: number): number;
  /** The fields of samples `indices` (in that order) as they are in epoch `epoch`. */
  read(indices: readonly number[], epoch: number): BatchFields;
}

/** Where a stream is: the epoch and how many samples of it were consumed. Saved in checkpoints. */
export interface DataPosition {
  readonly epoch: number;
  readonly offset: number;
}

export interface StreamOptions {
  /** Global batch size (all systems). */
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  /** Go on to the next epoch at the end of one; otherwise `next` returns null there. */
  readonly repeat: boolean;
}

/** One global batch: which samples, from which epoch, and its loss denominators. */
export interface GlobalBatch {
  readonly epoch: number;
  readonly samples: readonly number[];
  readonly globalLossTokens: number;
}

export class BatchStream {
  private pos: DataPosition;
  private order: Uint32Array | null = null;
  private orderEpoch = -1;

  constructor(
    readonly source: SampleSource,
    readonly opts: StreamOptions,
    start: DataPosition = { epoch: 0, offset: 0 },
  ) {
    if (source.numSamples < opts.batchSize) {
      throw new DataError(
        `${source.description}: ${source.numSamples} samples, fewer than batch_size ${opts.batchSize}; ` +
          `lower batch_size or give more data`,
      );
    }
    this.pos = start;
  }

  get position(): DataPosition {
    return this.pos;
  }

  private orderOf(epoch: number): Uint32Array {
    if (this.orderEpoch !== epoch || !this.order) {
      const n = this.source.numSamples;
      this.order = this.opts.shuffle
        ? permutation(n, this.opts.seed, epoch)
        : Uint32Array.from({ length: n }, (_, i) => i);
      this.orderEpoch = epoch;
    }
    return this.order;
  }

  /** The next global batch and the position after it; null at the end of the data without `repeat`. */
  next(): GlobalBatch | null {
    const B = this.opts.batchSize;
    let { epoch, offset } = this.pos;
    if (offset + B > this.source.numSamples) {
      if (!this.opts.repeat) return null;
      epoch += 1;
      offset = 0;
    }
    const order = this.orderOf(epoch);
    const samples = Array.from(order.subarray(offset, offset + B));
    let tokens = 0;
    for (const s of samples) tokens += this.source.lossTokens(s, epoch);
    this.pos = { epoch, offset: offset + B };
    return { epoch, samples, globalLossTokens: tokens };
  }

  /** Rows [start, end) of a global batch as a Batch (the whole batch by default). */
  read(g: GlobalBatch, start = 0, end = g.samples.length): Batch {
    const fields = this.source.read(g.samples.slice(start, end), g.epoch);
    return {
      ...fields,
      size: end - start,
      seqLen: this.source.seqLen,
      sampleOffset: start,
      globalBatchSize: g.samples.length,
      globalLossTokens: g.globalLossTokens,
    };
  }
}

/** Rows [start, end) of shard `k` of `n` of a global batch of `b` rows; the batch must split evenly. */
export function shardRows(b: number, n: number, k: number): [number, number] {
  if (b % n !== 0) {
    throw new DataError(`batch_size ${b} does not split evenly across ${n} systems; use a multiple of ${n}`);
  }
  const per = b / n;
  return [k * per, (k + 1) * per];
}

/** Fields of a classification batch: `fill(i, row)` writes sample i's F features into `row`, returns its class. */
export function classBatch(
  indices: readonly number[],
  F: number,
  fill: (i: number, row: Float32Array) => number,
): BatchFields {
  const features = new Float32Array(indices.length * F);
  const classLabels = new Int32Array(indices.length);
  indices.forEach((i, r) => {
    classLabels[r] = fill(i, features.subarray(r * F, (r + 1) * F));
  });
  return { features, classLabels };
}
