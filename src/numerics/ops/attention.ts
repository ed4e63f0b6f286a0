// Multi-head scaled dot-product attention on a fused qkv projection, forward and backward, as batched GEMMs
// over (batch, head). Shapes: B batch, T sequence, H = N D the query width (the hidden size unless a block
// sets its head size), N heads, D = H / N head size, G key/value heads
// (grouped-query attention; G = N is multi-head, G = 1 multi-query), W = H + 2 G D.
//   qkv [B*T, W]: q = columns [0, H), k = [H, H + GD), v = [H + GD, W); head h is columns h*D .. h*D + D of
//   q, and query head h reads key/value head g = floor(h / (N / G)).
// Grouped heads are expanded to N heads on the way in (as repeat_kv does) and their gradients summed over the
// group on the way out, so the core is the multi-head one.
//   out [B*T, H]: heads concatenated, ready for the output projection.
// Inside, q, k, v are laid out head-major [B, N, T, D] (rotary applied to q and k on the way), scores and
// probabilities are [B, N, T, T]. Masking: causal (key j > query i) and/or a key padding mask [B*T] (0 = pad);
// masked probabilities are exactly 0, as with PyTorch's additive mask of the most negative float. A query
// whose every key is masked gets zero output.
import { ShapeError } from "../errors.js";
import { nativeKernels, sgemmBatched } from "../gemm.js";
import { give, take } from "../pool.js";
import type { DropoutSite } from "./dropout.js";
import { dropoutApply } from "./dropout.js";
import type { RotaryTables } from "./rotary.js";
import { rotate } from "./rotary.js";

export interface AttentionConfig {
  readonly batch: number;
  readonly seqLen: number;
  readonly hidden: number;
  readonly heads: number;
  /** Key/value heads G (dividing `heads`); absent: `heads`. */
  readonly kvHeads?: number;
  /** Scale of the scores q.k; absent: 1 / sqrt(D). */
  readonly scoreScale?: number;
  /** Sliding window (causal only): query i attends keys j with i - j < window; absent: all j <= i. */
  readonly window?: number;
  /** Soft-capping of the scaled scores: s -> c tanh(s / c), before any position bias and the mask. */
  readonly softcap?: number;
  /** ALiBi: per head h a slope m_h; the scores get - m_h |i - j| added. Absent: no position bias. */
  readonly alibiSlopes?: Float32Array;
  readonly causal: boolean;
  /** [B*T] 1 = real key, 0 = padding; null for none. */
  readonly keyMask: Float32Array | null;
  /** Rotary tables for q and k, or null. */
  readonly rotary: RotaryTables | null;
  /** Dropout on the probabilities (0 = none) and where its mask is drawn. */
  readonly dropout: number;
  readonly dropoutSite: DropoutSite | null;
}

/**
 * What the backward needs: rotated q, k, v head-major and the probabilities (and the dropped ones). The
 * arrays come from the buffer pool; `attentionSavedBuffers` lists them for giving back after the backward.
 */
export interface AttentionSaved {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly p: Float32Array;
  /** p after dropout (same array as p when there is no dropout). */
  readonly pd: Float32Array;
  /** With soft-capping: tanh(s / c) of every score, for the backward's 1 - tanh^2. */
  readonly cap: Float32Array | null;
}

/** The pooled arrays of a saved attention (pd only when distinct from p). */
export function attentionSavedBuffers(s: AttentionSaved): Float32Array[] {
  const out = s.pd === s.p ? [s.q, s.k, s.v, s.p] : [s.q, s.k, s.v, s.p, s.pd];
  if (s.cap) out.push(s.cap);
  return out;
}

function dims(cfg: AttentionConfig) {
  const { batch: b, seqLen: t, hidden: h, heads: n } = cfg;
  if (h % n !== 0) throw new ShapeError(`attention: hidden ${h} is not a multiple of heads ${n}`);
  const g = cfg.kvHeads ?? n;
  if (!(g >= 1 && n % g === 0))
    throw new ShapeError(`attention: ${g} key/value heads do not divide ${n} heads`);
  const d = h / n;
  return { b, t, h, n, d, g, w: h + 2 * g * d, group: n / g };
}

/** Copies qkv [B*T, W] into head-major q, k, v [B, N, T, D] (k, v expanded over groups), rotating q and k. */
function splitHeads(
  qkv: Float32Array,
  cfg: AttentionConfig,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
): void {
  const { b, t, h, n, d, g, w, group } = dims(cfg);
  const rot = cfg.rotary;
  for (let bi = 0; bi < b; bi++) {
    for (let ti = 0; ti < t; ti++) {
      const src = (bi * t + ti) * w;
      for (let hi = 0; hi < n; hi++) {
        const dst = ((bi * n + hi) * t + ti) * d;
        const s = src + hi * d;
        const kv = src + h + Math.floor(hi / group) * d;
        for (let j = 0; j < d; j++) {
          q[dst + j] = qkv[s + j];
          k[dst + j] = qkv[kv + j];
          v[dst + j] = qkv[kv + g * d + j];
        }
        if (rot) {
          rotate(q, dst, ti, rot, 1);
          rotate(k, dst, ti, rot, 1);
        }
      }
    }
  }
}

/**
 * ALiBi's slopes for N heads, as the paper and Model Zoo's AlibiPositionEmbeddingLayer define them: for N a
 * power of two, m_h = s^(h+1) with s = 2^(-8 / N); otherwise those of the nearest lower power of two,
 * followed by every other slope of twice that power.
 */
export function alibiSlopes(n: number): number[] {
  const pow2 = (k: number) => {
    const start = Math.pow(2, -Math.pow(2, -(Math.log2(k) - 3)));
    return Array.from({ length: k }, (_, i) => start * Math.pow(start, i));
  };
  if (Number.isInteger(Math.log2(n))) return pow2(n);
  const closest = Math.pow(2, Math.floor(Math.log2(n)));
  return [
    ...pow2(closest),
    ...alibiSlopes(2 * closest)
      .filter((_, i) => i % 2 === 0)
      .slice(0, n - closest),
  ];
}

/** Adds ALiBi's bias - m_h |i - j| to the scores s [B, N, T, T] (the bias has no parameters: no backward). */
function addAlibi(s: Float32Array, slopes: Float32Array, b: number, n: number, t: number): void {
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < n; hi++) {
      const m = slopes[hi];
      for (let i = 0; i < t; i++) {
        const o = ((bi * n + hi) * t + i) * t;
        for (let j = 0; j < t; j++) s[o + j] -= m * Math.abs(i - j);
      }
    }
  }
}

/** Masked softmax of scaled scores, in place on s [B, N, T, T]. */
function maskedSoftmax(s: Float32Array, cfg: AttentionConfig): void {
  const { b, t, n } = dims(cfg);
  const win = cfg.causal && cfg.window !== undefined && cfg.window < t ? cfg.window : 0;
  const nk = win ? null : nativeKernels();
  if (nk) return nk.attnSoftmax(s, b, n, t, cfg.causal, cfg.keyMask);
  const km = cfg.keyMask;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < n; hi++) {
      for (let i = 0; i < t; i++) {
        const o = ((bi * n + hi) * t + i) * t;
        const end = cfg.causal ? i + 1 : t;
        // keys before the window get probability 0, as masked keys do
        const start = win ? Math.max(0, i - win + 1) : 0;
        if (start > 0) s.fill(0, o, o + start);
        let mx = -Infinity;
        for (let j = start; j < end; j++) {
          if (km && km[bi * t + j] === 0) continue;
          if (s[o + j] > mx) mx = s[o + j];
        }
        if (mx === -Infinity) {
          s.fill(0, o, o + t);
          continue;
        }
        let sum = 0;
        for (let j = start; j < end; j++) {
          if (km && km[bi * t + j] === 0) {
            s[o + j] = 0;
            continue;
          }
          const e = Math.exp(s[o + j] - mx);
          s[o + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = start; j < end; j++) s[o + j] *= inv;
        for (let j = end; j < t; j++) s[o + j] = 0;
      }
    }
  }
}

/** Forward: out [B*T, H] from qkv [B*T, W]. Returns what the backward needs. */
export function attentionForward(qkv: Float32Array, cfg: AttentionConfig, out: Float32Array): AttentionSaved {
  const { b, t, h, n, d, w } = dims(cfg);
  if (qkv.length !== b * t * w) {
    throw new ShapeError(`attention: qkv has ${qkv.length} elements, expected B*T*(H + 2GD) = ${b * t * w}`);
  }
  const bn = b * n;
  const q = take(b * t * h, false);
  const k = take(b * t * h, false);
  const v = take(b * t * h, false);
  splitHeads(qkv, cfg, q, k, v);
  const p = take(bn * t * t, false);
  // scores = q k^T / sqrt(D) (or the configured scale)
  const scale = cfg.scoreScale ?? 1 / Math.sqrt(d);
  sgemmBatched(false, true, t, t, d, scale, q, 0, d, t * d, k, 0, d, t * d, 0, p, 0, t, t * t, bn);
  let cap: Float32Array | null = null;
  if (cfg.softcap !== undefined) {
    const c = cfg.softcap;
    cap = take(p.length, false);
    for (let i = 0; i < p.length; i++) {
      const th = Math.tanh(p[i] / c);
      cap[i] = th;
      p[i] = c * th;
    }
  }
  if (cfg.alibiSlopes) addAlibi(p, cfg.alibiSlopes, b, n, t);
  maskedSoftmax(p, cfg);
  let pd = p;
  if (cfg.dropout > 0 && cfg.dropoutSite) {
    pd = take(p.length, false);
    pd.set(p);
    dropoutApply(pd, b, n * t * t, cfg.dropout, cfg.dropoutSite);
  }
  // o = pd v, head-major, written straight into out's [B, T, N, D] layout via the leading dimension:
  // for (b, h), rows t of o land at out[(b*T + t)*H + h*D], i.e. ldc = H, offset b*T*H + h*D.
  for (let bi = 0; bi < b; bi++) {
    sgemmBatched(
      false,
      false,
      t,
      d,
      t,
      1,
      pd,
      bi * n * t * t,
      t,
      t * t,
      v,
      bi * n * t * d,
      d,
      t * d,
      0,
      out,
      bi * t * h,
      h,
      d,
      n,
    );
  }
  return { q, k, v, p, pd, cap };
}

/** dS = P * (dP - rowsum(dP * P)) * scale, in place on dp; rows of length t (query i = row % t). */
function softmaxBackwardRows(
  p: Float32Array,
  dp: Float32Array,
  rows: number,
  t: number,
  causal: boolean,
  scale: number,
): void {
  const nk = nativeKernels();
  if (nk) return nk.attnSoftmaxBackward(p, dp, rows, t, causal, scale);
  for (let r = 0; r < rows; r++) {
    const o = r * t;
    const end = causal ? (r % t) + 1 : t;
    let s = 0;
    for (let j = 0; j < end; j++) s += dp[o + j] * p[o + j];
    for (let j = 0; j < end; j++) dp[o + j] = p[o + j] * (dp[o + j] - s) * scale;
    for (let j = end; j < t; j++) dp[o + j] = 0;
  }
}

/** Backward: dqkv [B*T, W] (overwritten) from dout [B*T, H]. */
export function attentionBackward(
  dout: Float32Array,
  saved: AttentionSaved,
  cfg: AttentionConfig,
  dqkv: Float32Array,
): void {
  const { b, t, h, n, d, g, w, group } = dims(cfg);
  const bn = b * n;
  const { q, k, v, p, pd } = saved;
  const dp = take(bn * t * t, false);
  const dq = take(b * t * h, false);
  const dk = take(b * t * h, false);
  const dv = take(b * t * h, false);
  for (let bi = 0; bi < b; bi++) {
    // dPd = dO V^T, with dO read in place from dout [B, T, N, D] (lda = H)
    sgemmBatched(
      false,
      true,
      t,
      t,
      d,
      1,
      dout,
      bi * t * h,
      h,
      d,
      v,
      bi * n * t * d,
      d,
      t * d,
      0,
      dp,
      bi * n * t * t,
      t,
      t * t,
      n,
    );
    // dV = Pd^T dO
    sgemmBatched(
      true,
      false,
      t,
      d,
      t,
      1,
      pd,
      bi * n * t * t,
      t,
      t * t,
      dout,
      bi * t * h,
      h,
      d,
      0,
      dv,
      bi * n * t * d,
      d,
      t * d,
      n,
    );
  }
  if (pd !== p && cfg.dropoutSite) dropoutApply(dp, b, n * t * t, cfg.dropout, cfg.dropoutSite);
  // dS = P * (dP - rowsum(dP * P)) * scale
  const scale = cfg.scoreScale ?? 1 / Math.sqrt(d);
  const cap = saved.cap;
  softmaxBackwardRows(p, dp, bn * t, t, cfg.causal, cap ? 1 : scale);
  // through the soft-capping: d(raw score) = d(capped) (1 - tanh^2) x scale
  if (cap) for (let i = 0; i < dp.length; i++) dp[i] *= (1 - cap[i] * cap[i]) * scale;
  // dQ = dS K, dK = dS^T Q
  sgemmBatched(false, false, t, d, t, 1, dp, 0, t, t * t, k, 0, d, t * d, 0, dq, 0, d, t * d, bn);
  sgemmBatched(true, false, t, d, t, 1, dp, 0, t, t * t, q, 0, d, t * d, 0, dk, 0, d, t * d, bn);
  // merge back to [B*T, W], undoing the rotation on q and k (and summing k, v over each group)
  const rot = cfg.rotary;
  const nk = g === n ? nativeKernels() : null;
  if (nk) {
    const r = rot ? ([rot.cos, rot.sin, rot.rotaryDim] as const) : ([null, null, 0] as const);
    nk.heads(dqkv, b, t, h, n, dq, dk, dv, r[0], r[1], r[2], rot?.style === "interleaved", false);
    give(dp, dq, dk, dv);
    return;
  }
  if (g !== n) dqkv.fill(0);
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < n; hi++) {
      const kvCol = h + Math.floor(hi / group) * d;
      for (let ti = 0; ti < t; ti++) {
        const src = ((bi * n + hi) * t + ti) * d;
        if (rot) {
          rotate(dq, src, ti, rot, -1);
          rotate(dk, src, ti, rot, -1);
        }
        const row = (bi * t + ti) * w;
        const dst = row + hi * d;
        const kv = row + kvCol;
        if (g === n) {
          for (let j = 0; j < d; j++) {
            dqkv[dst + j] = dq[src + j];
            dqkv[kv + j] = dk[src + j];
            dqkv[kv + g * d + j] = dv[src + j];
          }
        } else {
          for (let j = 0; j < d; j++) {
            dqkv[dst + j] = dq[src + j];
            dqkv[kv + j] += dk[src + j];
            dqkv[kv + g * d + j] += dv[src + j];
          }
        }
      }
    }
  }
  give(dp, dq, dk, dv);
}
