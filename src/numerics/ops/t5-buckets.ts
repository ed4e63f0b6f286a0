// T5's relative position buckets (Raffel et al.; Model Zoo's RelativePositionEmbeddingLayer): the bucket of
// a key at j for a query at i, from the relative position r = j - i. Bidirectional (the encoder): half the
// buckets for r > 0, the other half for r <= 0, on |r|; unidirectional (the decoder): r > 0 is bucket 0, and
// -r for the rest. Within a half of B buckets, distances below B / 2 are exact; larger ones are spaced
// logarithmically up to max_distance, and everything beyond shares the last bucket. The position bias of head
// n is then table[bucket(i, j), n], a learned table [buckets, heads] shared by a stack's blocks.
import { ShapeError } from "../errors.js";

export function relativeBucket(
  r: number,
  bidirectional: boolean,
  buckets: number,
  maxDistance: number,
): number {
  let n = buckets;
  let out = 0;
  let rel: number;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (r > 0) out += n;
    rel = Math.abs(r);
  } else rel = -Math.min(r, 0);
  const exact = Math.floor(n / 2);
  if (rel < exact) return out + rel;
  const large = exact + Math.floor((Math.log(rel / exact) / Math.log(maxDistance / exact)) * (n - exact));
  return out + Math.min(large, n - 1);
}

/** bias [N, Tq, Tk] from table [buckets, N] for queries 0..Tq-1 and keys 0..Tk-1. */
export function positionBias(
  table: Float32Array,
  buckets: number,
  heads: number,
  tq: number,
  tk: number,
  bidirectional: boolean,
  maxDistance: number,
): Float32Array {
  if (table.length !== buckets * heads)
    throw new ShapeError(`position bias: the table has ${table.length} values, not ${buckets} x ${heads}`);
  const out = new Float32Array(heads * tq * tk);
  for (let i = 0; i < tq; i++)
    for (let j = 0; j < tk; j++) {
      const k = relativeBucket(j - i, bidirectional, buckets, maxDistance);
      for (let n = 0; n < heads; n++) out[(n * tq + i) * tk + j] = table[k * heads + n];
    }
  return out;
}

/** The table's gradient from the bias's: dtable[bucket(i, j), n] += dbias[n, i, j]. */
export function positionBiasBackward(
  dbias: Float32Array,
  buckets: number,
  heads: number,
  tq: number,
  tk: number,
  bidirectional: boolean,
  maxDistance: number,
  dtable: Float32Array,
): void {
  for (let i = 0; i < tq; i++)
    for (let j = 0; j < tk; j++) {
      const k = relativeBucket(j - i, bidirectional, buckets, maxDistance);
      for (let n = 0; n < heads; n++) dtable[k * heads + n] += dbias[(n * tq + i) * tk + j];
    }
}
