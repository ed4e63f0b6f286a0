// Attention of Tq queries over Tk keys, the encoder-decoders' kind (T5, the transformer): a decoder block's
// cross attention reads its queries from the decoder and its keys and values from the encoder's output, so the
// two lengths differ; T5 also adds a learned position bias to the scores (its relative position buckets,
// looked up per head, ./t5-buckets.ts), whose gradient this op returns. Optionally causal (Tq = Tk: T5's
// decoder self-attention with its bias). No rotary, no grouped heads, no dropout.
//
// q [B*Tq, H] and kv [B*Tk, 2H] (keys, then values) are projected already; out [B*Tq, H]. Scores per head:
// s = scale q k^T + bias[n] (then masked softmax over the keys that count), o = p v.
import { ShapeError } from "../errors.js";
import { sgemmBatched } from "../gemm.js";

export interface CrossAttentionConfig {
  readonly batch: number;
  readonly queryLen: number;
  readonly keyLen: number;
  readonly hidden: number;
  readonly heads: number;
  /** Scale of q.k; absent: 1 / sqrt(D) (T5 uses 1: its initialisation folds the scale in). */
  readonly scoreScale?: number;
  /** [N * Tq * Tk] added to the scores (T5's position bias), or null. */
  readonly bias: Float32Array | null;
  /** Query i sees keys j <= i (Tq = Tk). */
  readonly causal: boolean;
  /** [B*Tk] 1 = real key, 0 = padding; null for none. */
  readonly keyMask: Float32Array | null;
}

export interface CrossAttentionSaved {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly p: Float32Array;
}

function dims(c: CrossAttentionConfig) {
  if (c.hidden % c.heads !== 0)
    throw new ShapeError(`attention: hidden ${c.hidden} is not a multiple of heads ${c.heads}`);
  if (c.causal && c.queryLen !== c.keyLen)
    throw new ShapeError(`attention: causal needs as many queries as keys (${c.queryLen} and ${c.keyLen})`);
  return { b: c.batch, tq: c.queryLen, tk: c.keyLen, h: c.hidden, n: c.heads, d: c.hidden / c.heads };
}

/** [B*T, W] rows, columns [off, off + H) -> head-major [B, N, T, D]. */
function heads(
  x: Float32Array,
  b: number,
  t: number,
  n: number,
  d: number,
  w: number,
  off: number,
): Float32Array {
  const out = new Float32Array(b * n * t * d);
  for (let bi = 0; bi < b; bi++)
    for (let ti = 0; ti < t; ti++)
      for (let hi = 0; hi < n; hi++) {
        const src = (bi * t + ti) * w + off + hi * d;
        const dst = ((bi * n + hi) * t + ti) * d;
        for (let j = 0; j < d; j++) out[dst + j] = x[src + j];
      }
  return out;
}

/** Head-major [B, N, T, D] back into [B*T, W] rows at columns [off, off + H). */
function unheads(
  x: Float32Array,
  b: number,
  t: number,
  n: number,
  d: number,
  out: Float32Array,
  w: number,
  off: number,
): void {
  for (let bi = 0; bi < b; bi++)
    for (let ti = 0; ti < t; ti++)
      for (let hi = 0; hi < n; hi++) {
        const src = ((bi * n + hi) * t + ti) * d;
        const dst = (bi * t + ti) * w + off + hi * d;
        for (let j = 0; j < d; j++) out[dst + j] = x[src + j];
      }
}

export function crossAttentionForward(
  q: Float32Array,
  kv: Float32Array,
  c: CrossAttentionConfig,
  out: Float32Array,
): CrossAttentionSaved {
  const { b, tq, tk, h, n, d } = dims(c);
  if (q.length !== b * tq * h)
    throw new ShapeError(`attention: q has ${q.length} elements, expected ${b * tq * h}`);
  if (kv.length !== b * tk * 2 * h)
    throw new ShapeError(`attention: kv has ${kv.length} elements, expected ${b * tk * 2 * h}`);
  const qh = heads(q, b, tq, n, d, h, 0);
  const kh = heads(kv, b, tk, n, d, 2 * h, 0);
  const vh = heads(kv, b, tk, n, d, 2 * h, h);
  const bn = b * n;
  const p = new Float32Array(bn * tq * tk);
  const scale = c.scoreScale ?? 1 / Math.sqrt(d);
  sgemmBatched(false, true, tq, tk, d, scale, qh, 0, d, tq * d, kh, 0, d, tk * d, 0, p, 0, tk, tq * tk, bn);
  for (let bi = 0; bi < b; bi++)
    for (let hi = 0; hi < n; hi++)
      for (let i = 0; i < tq; i++) {
        const o = ((bi * n + hi) * tq + i) * tk;
        const bo = (hi * tq + i) * tk;
        let mx = -Infinity;
        for (let j = 0; j < tk; j++) {
          if (c.bias) p[o + j] += c.bias[bo + j];
          const seen = (!c.causal || j <= i) && (!c.keyMask || c.keyMask[bi * tk + j] !== 0);
          if (!seen) p[o + j] = -Infinity;
          else if (p[o + j] > mx) mx = p[o + j];
        }
        if (mx === -Infinity) {
          p.fill(0, o, o + tk);
          continue;
        }
        let sum = 0;
        for (let j = 0; j < tk; j++) {
          const e = p[o + j] === -Infinity ? 0 : Math.exp(p[o + j] - mx);
          p[o + j] = e;
          sum += e;
        }
        for (let j = 0; j < tk; j++) p[o + j] /= sum;
      }
  const oh = new Float32Array(bn * tq * d);
  sgemmBatched(false, false, tq, d, tk, 1, p, 0, tk, tq * tk, vh, 0, d, tk * d, 0, oh, 0, d, tq * d, bn);
  unheads(oh, b, tq, n, d, out, h, 0);
  return { q: qh, k: kh, v: vh, p };
}

/** dq [B*Tq, H] and dkv [B*Tk, 2H] (written); dbias [N*Tq*Tk] (added to) when the config has a bias. */
export function crossAttentionBackward(
  dout: Float32Array,
  s: CrossAttentionSaved,
  c: CrossAttentionConfig,
  dq: Float32Array,
  dkv: Float32Array,
  dbias: Float32Array | null,
): void {
  const { b, tq, tk, h, n, d } = dims(c);
  const bn = b * n;
  const doh = heads(dout, b, tq, n, d, h, 0);
  const dp = new Float32Array(bn * tq * tk);
  // dP = dO V^T, dV = P^T dO
  sgemmBatched(false, true, tq, tk, d, 1, doh, 0, d, tq * d, s.v, 0, d, tk * d, 0, dp, 0, tk, tq * tk, bn);
  const dv = new Float32Array(bn * tk * d);
  sgemmBatched(true, false, tk, d, tq, 1, s.p, 0, tk, tq * tk, doh, 0, d, tq * d, 0, dv, 0, d, tk * d, bn);
  // dS = P (dP - rowsum(dP P)); the bias takes dS, q.k takes it times the scale
  for (let r = 0; r < bn * tq; r++) {
    const o = r * tk;
    let sum = 0;
    for (let j = 0; j < tk; j++) sum += dp[o + j] * s.p[o + j];
    for (let j = 0; j < tk; j++) dp[o + j] = s.p[o + j] * (dp[o + j] - sum);
  }
  if (dbias) {
    for (let bi = 0; bi < b; bi++) for (let x = 0; x < n * tq * tk; x++) dbias[x] += dp[bi * n * tq * tk + x];
  }
  const scale = c.scoreScale ?? 1 / Math.sqrt(d);
  const dqh = new Float32Array(bn * tq * d);
  const dkh = new Float32Array(bn * tk * d);
  sgemmBatched(
    false,
    false,
    tq,
    d,
    tk,
    scale,
    dp,
    0,
    tk,
    tq * tk,
    s.k,
    0,
    d,
    tk * d,
    0,
    dqh,
    0,
    d,
    tq * d,
    bn,
  );
  sgemmBatched(
    true,
    false,
    tk,
    d,
    tq,
    scale,
    dp,
    0,
    tk,
    tq * tk,
    s.q,
    0,
    d,
    tq * d,
    0,
    dkh,
    0,
    d,
    tk * d,
    bn,
  );
  unheads(dqh, b, tq, n, d, dq, h, 0);
  unheads(dkh, b, tk, n, d, dkv, 2 * h, 0);
  unheads(dv, b, tk, n, d, dkv, 2 * h, h);
}
