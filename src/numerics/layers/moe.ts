// The mixture of experts that replaces a block's MLP (spec.moe; the semantics are in spec.ts's MoeSpec).
// Forward: router logits and their softmax for every row, each row's top-k experts and weights, then per
// expert the rows routed to it gathered into one matrix, run through that expert's MLP and added back,
// weighted; shared experts run over every row. Only routed rows are computed, as on the wafer.
// Backward: the experts' MLP backward on their gathered rows, the weights' gradient <dout, expert output>
// through the normalisation and the softmax to the router, plus the load-balancing loss's gradient on the
// routing probabilities (./aux-loss.ts).
// Shapes: R = B*T rows, H hidden, E routed experts, k top-k.
import { softmaxForward } from "../ops/softmax.js";
import { give, take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { GradMap, ParamMap } from "./kernel.js";
import { projBackward, projForward } from "./kernel.js";
import type { MlpSaved } from "./mlp.js";
import { mlpBackward, mlpForward } from "./mlp.js";
import { isGated } from "./spec.js";
import type { Batch, MoeSpec, StepContext, TransformerBlockSpec } from "./spec.js";

const K = "transformer_block" as const;

interface ExpertSaved {
  /** Rows routed to this expert, in row order, and which of the row's k slots chose it. */
  readonly rows: Int32Array;
  readonly slots: Int32Array;
  /** The expert's output for those rows [n, H] (its weight not applied). */
  readonly y: Float32Array;
  readonly mlp: MlpSaved;
}

export interface MoeSaved {
  readonly x: Float32Array;
  /** Routing probabilities [R, E]. */
  readonly p: Float32Array;
  /** Each row's chosen experts [R, k], most probable first, and their weights [R, k]. */
  readonly chosen: Int32Array;
  readonly weight: Float32Array;
  /** Sum of the chosen probabilities (+ null-expert bias) per row: the normalisation's denominator. */
  readonly denom: Float32Array;
  readonly experts: (ExpertSaved | null)[];
  readonly shared: MlpSaved[];
  /** Loss-mask weight of each row for the load-balancing statistics (1 / counted tokens of its sample). */
  readonly lbWeight: Float32Array | null;
}

/** The layer's MoE settings and sizes: hidden H, rows R, experts E, top-k k. */
function dims(spec: TransformerBlockSpec, batch: Batch) {
  const m = spec.moe as MoeSpec;
  return { m, H: spec.hidden, R: batch.size * batch.seqLen, E: m.experts, k: m.topK };
}

/** Each row's top-k experts by probability (ties: the lower index), most probable first. */
function topK(p: Float32Array, rows: number, e: number, k: number, chosen: Int32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * e;
    for (let s = 0; s < k; s++) {
      let best = -1;
      let bv = -Infinity;
      for (let j = 0; j < e; j++) {
        let taken = false;
        for (let q = 0; q < s; q++) if (chosen[r * k + q] === j) taken = true;
        if (!taken && p[o + j] > bv) {
          bv = p[o + j];
          best = j;
        }
      }
      chosen[r * k + s] = best;
    }
  }
}

/** The loss-mask weight of each row in its sample's averages: mask / (mask tokens of the sample). */
function rowWeights(batch: Batch): Float32Array {
  const { size: B, seqLen: T } = batch;
  const w = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    let n = 0;
    for (let t = 0; t < T; t++) n += batch.lossMask ? batch.lossMask[b * T + t] : 1;
    // a sample with no counted token contributes nothing (Model Zoo would divide 0 by 0)
    if (n > 0)
      for (let t = 0; t < T; t++) w[b * T + t] = (batch.lossMask ? batch.lossMask[b * T + t] : 1) / n;
  }
  return w;
}

/** out [R,H] = moe(x [R,H]); adds the load-balancing statistics to ctx.aux when training. */
export function moeForward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  x: Float32Array,
  batch: Batch,
  ctx: StepContext,
  out: Float32Array,
): MoeSaved {
  const { m, H, R, E, k } = dims(spec, batch);
  const p = take(R * E, false);
  projForward(params, K, "moe.router", false, x, R, H, E, p);
  softmaxForward(p, R, E, p);
  const chosen = new Int32Array(R * k);
  topK(p, R, E, k, chosen);
  const weight = new Float32Array(R * k);
  const denom = new Float32Array(R);
  for (let r = 0; r < R; r++) {
    let d = m.nullExpertBias;
    for (let s = 0; s < k; s++) d += p[r * E + chosen[r * k + s]];
    denom[r] = d;
    for (let s = 0; s < k; s++) {
      const pe = p[r * E + chosen[r * k + s]];
      weight[r * k + s] = m.normalize ? pe / d : pe;
    }
  }
  out.fill(0);
  const shared: MlpSaved[] = [];
  if (m.shared > 0) {
    const ys = take(R * H, false);
    for (let s = 0; s < m.shared; s++) {
      shared.push(mlpForward(spec, params, x, R, ys, `moe.shared.${s}`));
      for (let i = 0; i < R * H; i++) out[i] += ys[i];
    }
    give(ys);
  }
  // rows routed to each expert, in row order
  const counts = new Int32Array(E);
  for (let i = 0; i < R * k; i++) counts[chosen[i]]++;
  const experts: (ExpertSaved | null)[] = [];
  for (let e = 0; e < E; e++) {
    const n = counts[e];
    if (n === 0) {
      experts.push(null);
      continue;
    }
    const rows = new Int32Array(n);
    const slots = new Int32Array(n);
    let c = 0;
    for (let r = 0; r < R; r++) {
      for (let s = 0; s < k; s++) {
        if (chosen[r * k + s] === e) {
          rows[c] = r;
          slots[c++] = s;
        }
      }
    }
    const xe = take(n * H, false);
    for (let i = 0; i < n; i++) xe.set(x.subarray(rows[i] * H, rows[i] * H + H), i * H);
    const y = take(n * H, false);
    const mlp = mlpForward(spec, params, xe, n, y, `moe.expert.${e}`);
    for (let i = 0; i < n; i++) {
      const w = weight[rows[i] * k + slots[i]];
      const o = rows[i] * H;
      for (let j = 0; j < H; j++) out[o + j] += w * y[i * H + j];
    }
    experts.push({ rows, slots, y, mlp });
  }
  let lbWeight: Float32Array | null = null;
  if (ctx.training && ctx.aux && m.loadBalancingCoef > 0) {
    lbWeight = rowWeights(batch);
    const B = batch.size;
    const T = batch.seqLen;
    const probs = new Float64Array(B * E);
    const routed = new Float64Array(B * E);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const r = b * T + t;
        const w = lbWeight[r];
        if (w === 0) continue;
        for (let e = 0; e < E; e++) probs[b * E + e] += w * p[r * E + e];
        for (let s = 0; s < k; s++) routed[b * E + chosen[r * k + s]] += w;
      }
    }
    ctx.aux.addLoadBalance(probs, routed, E, m.loadBalancingCoef);
  }
  return { x, p, chosen, weight, denom, experts, shared, lbWeight };
}

/**
 * dx [R,H] from dout [R,H]: written, or added to when `accumulate`. Sets the router's and the experts'
 * gradients; gives back what the forward saved (not s.x, which its caller owns).
 */
export function moeBackward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  s: MoeSaved,
  dout: Float32Array,
  batch: Batch,
  ctx: StepContext,
  dx: Float32Array,
  grads: GradMap,
  accumulate: boolean,
  lossScale: number,
): void {
  const { m, H, R, E, k } = dims(spec, batch);
  if (!accumulate) dx.fill(0);
  for (let e = 0; e < m.shared; e++)
    mlpBackward(spec, params, s.shared[e], dout, R, dx, grads, true, `moe.shared.${e}`);
  // d(weight) per row and slot, and each expert's backward on its rows
  const dw = new Float64Array(R * k);
  for (let e = 0; e < E; e++) {
    const ex = s.experts[e];
    if (!ex) {
      zeroExpertGrads(spec, grads, `moe.expert.${e}`);
      continue;
    }
    const n = ex.rows.length;
    const dy = take(n * H, false);
    for (let i = 0; i < n; i++) {
      const r = ex.rows[i];
      const w = s.weight[r * k + ex.slots[i]];
      let g = 0;
      for (let j = 0; j < H; j++) {
        const d = dout[r * H + j];
        g += d * ex.y[i * H + j];
        dy[i * H + j] = w * d;
      }
      dw[r * k + ex.slots[i]] = g;
    }
    const dxe = take(n * H, false);
    mlpBackward(spec, params, ex.mlp, dy, n, dxe, grads, false, `moe.expert.${e}`);
    for (let i = 0; i < n; i++) {
      const o = ex.rows[i] * H;
      for (let j = 0; j < H; j++) dx[o + j] += dxe[i * H + j];
    }
    give(dy, dxe, ex.y, ex.mlp.x);
  }
  // d(probabilities): through the weights' normalisation, and the load-balancing loss's gradient
  const dp = new Float64Array(R * E);
  for (let r = 0; r < R; r++) {
    if (m.normalize) {
      // w_s = p_s / D, D = sum of chosen p + bias: dp_j = g_j / D - (sum_s g_s p_s) / D^2 for chosen j
      const D = s.denom[r];
      let gp = 0;
      for (let q = 0; q < k; q++) gp += dw[r * k + q] * s.p[r * E + s.chosen[r * k + q]];
      for (let q = 0; q < k; q++) dp[r * E + s.chosen[r * k + q]] += dw[r * k + q] / D - gp / (D * D);
    } else {
      for (let q = 0; q < k; q++) dp[r * E + s.chosen[r * k + q]] += dw[r * k + q];
    }
  }
  const lb = s.lbWeight && ctx.aux ? ctx.aux.routingGrad(batch.globalBatchSize) : null;
  if (lb && s.lbWeight) {
    const T = batch.seqLen;
    for (let r = 0; r < R; r++) {
      const w = s.lbWeight[r] * lossScale;
      if (w === 0) continue;
      const b = Math.floor(r / T);
      for (let e = 0; e < E; e++) dp[r * E + e] += w * lb[b * E + e];
    }
  }
  // softmax backward to the router logits
  const dz = take(R * E, false);
  for (let r = 0; r < R; r++) {
    let dot = 0;
    for (let e = 0; e < E; e++) dot += dp[r * E + e] * s.p[r * E + e];
    for (let e = 0; e < E; e++) dz[r * E + e] = s.p[r * E + e] * (dp[r * E + e] - dot);
  }
  projBackward(params, K, "moe.router", false, dz, s.x, R, H, E, dx, grads, true);
  give(dz, s.p);
}

/** An expert no row was routed to still returns (zero) gradients for every parameter it has. */
function zeroExpertGrads(spec: TransformerBlockSpec, grads: GradMap, prefix: string): void {
  const names = isGated(spec.activation) ? ["gate", "up"] : ["fc1"];
  const F = spec.ffn;
  const H = spec.hidden;
  const shapes: [string, number[]][] = names.map((n) => [`${prefix}.${n}`, [F, H]]);
  shapes.push([`${prefix}.fc2`, [H, F]]);
  for (const [name, shape] of shapes) {
    grads.set(`${name}.weight`, new Tensor(shape));
    if (spec.mlpBias) grads.set(`${name}.bias`, new Tensor([shape[0]]));
  }
}
