// BERT pretraining samples with dynamic masking, as Model Zoo's BertCSVDynamicMaskDataProcessor makes them,
// built from the token rows of a GPT HDF5 dataset (so `wsc data prepare` output serves GPT and BERT alike).
// wsc's processor name for it is BertHDF5DynamicMaskDataProcessor.
//
// Sample i of epoch e, with T tokens (T - 3 of text):
//   [CLS] A [SEP] B [SEP], A = the first floor((T-3)/2) tokens of row i, B = the next ones (IsNext, label 0)
//   or, with probability 1/2, as many tokens from the same place of another row (NotNext, label 1);
//   token types 0 for [CLS] A [SEP], 1 for B [SEP].
//   Masking: n = min(max_predictions_per_seq, max(1, round((T-3) * masked_lm_prob))) text positions, drawn
//   without replacement; each becomes [MASK] with probability 0.8, a random ordinary token with 0.1, or stays
//   with 0.1. Labels are the original tokens there, and the loss mask is 1 exactly there.
// Every draw is keyed by (seed, epoch, i), so a sample is the same however the batch is split, and a resumed
// run sees the masks an uninterrupted one would have.
import { DataError } from "../errors.js";
import { Stream, key } from "../random.js";
import type { BatchFields, SampleSource } from "../source.js";
import { TOKENIZERS } from "../tokenizers.js";
import type { BertSpecials } from "../tokenizers.js";
import type { GptHdf5Source } from "./gpt-hdf5.js";

export interface BertOptions {
  readonly seqLen: number;
  readonly maxPredictions: number;
  readonly maskedLmProb: number;
  readonly nsp: boolean;
  readonly seed: number;
  readonly section: string;
}

export class BertMlmSource implements SampleSource {
  readonly description: string;
  readonly numSamples: number;
  readonly seqLen: number;
  private readonly specials: BertSpecials;
  private readonly regular: number;
  private readonly aLen: number;
  private readonly bLen: number;
  private readonly masked: number;

  constructor(
    private readonly rows: GptHdf5Source,
    private readonly o: BertOptions,
  ) {
    const tokName = rows.params?.wsc?.tokenizer;
    const tok = tokName ? TOKENIZERS[tokName] : undefined;
    if (!tok?.bert) {
      throw new DataError(
        `${o.section}: BERT needs [CLS], [SEP] and [MASK] tokens, which the data's tokenizer ` +
          `(${tokName ?? "unknown: no data_params.json"}) lacks; prepare it with wsc data prepare --tokenizer byte`,
      );
    }
    const T = o.seqLen;
    if (T < 5)
      throw new DataError(`${o.section}.max_sequence_length ${T}: BERT samples need at least 5 tokens`);
    if (rows.seqLen < T - 3) {
      throw new DataError(
        `${o.section}: BERT samples of ${T} tokens need rows of at least ${T - 3} tokens; the data has ${rows.seqLen}`,
      );
    }
    this.specials = tok.bert;
    this.regular = tok.regularTokens;
    this.aLen = (T - 3) >> 1;
    this.bLen = T - 3 - this.aLen;
    this.masked = Math.min(o.maxPredictions, Math.max(1, Math.round((T - 3) * o.maskedLmProb)));
    this.numSamples = rows.numSamples;
    this.seqLen = T;
    this.description = `BERT MLM${o.nsp ? "+NSP" : ""} from ${rows.description}; ${this.masked} masked per sample`;
  }

  lossTokens(): number {
    return this.masked;
  }

  /** One sample: ids, labels, loss mask, token types and its NSP label. */
  sample(
    i: number,
    epoch: number,
  ): { ids: Int32Array; labels: Int32Array; mask: Float32Array; types: Int32Array; next: number } {
    const T = this.seqLen;
    const { cls, sep, mask: maskId } = this.specials;
    const r = new Stream(key(this.o.seed, epoch, i, 0xbe27));
    const a = this.rows.rows(i).ids;
    let bSrc = a;
    let next = 0;
    if (this.o.nsp && this.numSamples > 1 && r.uniform() < 0.5) {
      let j = r.below(this.numSamples - 1);
      if (j >= i) j += 1;
      bSrc = this.rows.rows(j).ids;
      next = 1;
    }
    const ids = new Int32Array(T);
    const types = new Int32Array(T);
    let p = 0;
    ids[p++] = cls;
    for (let t = 0; t < this.aLen; t++) ids[p++] = a[t];
    ids[p++] = sep;
    for (let t = 0; t < this.bLen; t++) {
      types[p] = 1;
      ids[p++] = bSrc[this.aLen + t];
    }
    types[p] = 1;
    ids[p] = sep;
    // text positions: 1..aLen and aLen+2..T-2
    const positions = [
      ...Array.from({ length: this.aLen }, (_, t) => 1 + t),
      ...Array.from({ length: this.bLen }, (_, t) => this.aLen + 2 + t),
    ];
    const { labels, mask } = maskTokens(r, ids, positions, this.masked, maskId, () => r.below(this.regular));
    return { ids, labels, mask, types, next };
  }

  read(indices: readonly number[], epoch: number): BatchFields {
    return bertBatch(indices, this.seqLen, this.o.nsp, (i) => this.sample(i, epoch));
  }
}

/** One BERT sample as the sources make it; `attention` absent: every position is a real token. */
export interface BertSample {
  readonly ids: Int32Array;
  readonly labels: Int32Array;
  readonly mask: Float32Array;
  readonly types: Int32Array;
  readonly attention?: Float32Array;
  readonly next: number;
}

/** The batch fields of samples `indices`, each T tokens, with NSP labels when `nsp`. */
export function bertBatch(
  indices: readonly number[],
  T: number,
  nsp: boolean,
  sample: (i: number) => BertSample,
): BatchFields {
  const B = indices.length;
  const inputIds = new Int32Array(B * T);
  const labels = new Int32Array(B * T);
  const lossMask = new Float32Array(B * T);
  const tokenTypeIds = new Int32Array(B * T);
  const attentionMask = new Float32Array(B * T).fill(1);
  const nspLabels = new Int32Array(B);
  indices.forEach((i, row) => {
    const s = sample(i);
    inputIds.set(s.ids, row * T);
    labels.set(s.labels, row * T);
    lossMask.set(s.mask, row * T);
    tokenTypeIds.set(s.types, row * T);
    if (s.attention) attentionMask.set(s.attention, row * T);
    nspLabels[row] = s.next;
  });
  return { inputIds, labels, lossMask, tokenTypeIds, attentionMask, ...(nsp && { nspLabels }) };
}

/**
 * BERT's masking, in place on `ids`: `k` of `positions` drawn without replacement (a partial Fisher-Yates on
 * `positions`), each then [MASK] with probability 0.8, `randomToken()` with 0.1, or left with 0.1. Returns the
 * labels (the original ids there, 0 elsewhere) and the loss mask (1 there).
 */
export function maskTokens(
  r: Stream,
  ids: Int32Array,
  positions: number[],
  k: number,
  maskId: number,
  randomToken: () => number,
): { labels: Int32Array; mask: Float32Array } {
  const labels = new Int32Array(ids.length);
  const mask = new Float32Array(ids.length);
  for (let j = 0; j < k; j++) {
    const pick = j + r.below(positions.length - j);
    const pos = positions[pick];
    positions[pick] = positions[j];
    positions[j] = pos;
    labels[pos] = ids[pos];
    mask[pos] = 1;
    const u = r.uniform();
    if (u < 0.8) ids[pos] = maskId;
    else if (u < 0.9) ids[pos] = randomToken();
  }
  return { labels, mask };
}
