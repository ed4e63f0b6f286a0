// Synthetic sources (Model Zoo's DummyDataProcessor; wsc's SyntheticDataProcessor), every value a pure
// function of (seed, sample):
//   language models: token ids uniform over the vocabulary, labels the next token, every position counted;
//   the MLP family: a classification set of Gaussian clusters: class c = a seeded draw, features
//   x = mu_c + 0.5 z with mu_c ~ N(0, I) fixed per class and z ~ N(0, I), so a classifier can learn it.
import { Stream, key } from "../random.js";
import { classBatch } from "../source.js";
import type { BatchFields, SampleSource } from "../source.js";

export class SyntheticTokens implements SampleSource {
  readonly description: string;
  constructor(
    readonly numSamples: number,
    readonly seqLen: number,
    private readonly vocabSize: number,
    private readonly seed: number,
  ) {
    this.description = `synthetic tokens: ${numSamples} samples of ${seqLen} uniform ids below ${vocabSize}`;
  }

  lossTokens(): number {
    return this.seqLen;
  }

  read(indices: readonly number[]): BatchFields {
    const T = this.seqLen;
    const inputIds = new Int32Array(indices.length * T);
    const labels = new Int32Array(indices.length * T);
    indices.forEach((i, r) => {
      const s = new Stream(key(this.seed, i, 0x70c));
      let prev = s.below(this.vocabSize);
      for (let t = 0; t < T; t++) {
        const nxt = s.below(this.vocabSize);
        inputIds[r * T + t] = prev;
        labels[r * T + t] = nxt;
        prev = nxt;
      }
    });
    return { inputIds, labels, lossMask: new Float32Array(indices.length * T).fill(1) };
  }
}

export class SyntheticClusters implements SampleSource {
  readonly description: string;
  readonly seqLen = 1;
  private readonly centers: Float32Array;
  constructor(
    readonly numSamples: number,
    private readonly features: number,
    private readonly classes: number,
    private readonly seed: number,
  ) {
    this.centers = new Float32Array(classes * features);
    const s = new Stream(key(seed, 0xc1a55));
    for (let k = 0; k < this.centers.length; k++) this.centers[k] = s.normal();
    this.description = `synthetic clusters: ${numSamples} samples, ${features} features, ${classes} classes`;
  }

  lossTokens(): number {
    return 1;
  }

  read(indices: readonly number[]): BatchFields {
    const F = this.features;
    return classBatch(indices, F, (i, row) => {
      const s = new Stream(key(this.seed, i, 0xfea7));
      const c = s.below(this.classes);
      for (let f = 0; f < F; f++) row[f] = this.centers[c * F + f] + 0.5 * s.normal();
      return c;
    });
  }
}
