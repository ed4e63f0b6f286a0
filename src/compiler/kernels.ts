// Wafer kernels: what each IR layer kind executes as on the wafer (a registry keyed by layer kind), and the
// cycle cost of a kernel on a rectangle of PEs, derived from the hardware in src/hw (SIMD widths, SRAM ports,
// fabric links). The costs are mechanism only: no efficiency factor is applied here (that is perf/'s job).
//
// Shapes per sample: T = tokens, H = hidden, F = feed-forward width, V = vocabulary, D = head size,
// heads = attention heads. A matrix product is (M x K) times (K x N): M rows (tokens), K the contraction.
import type { SimdOp, WaferSpec } from "../hw/index.js";
import { attentionWidth, headSizeOf, isGated, patchCount, qkvWidth } from "../numerics/layers/spec.js";
import type { LayerKind, LayerSpec } from "../numerics/layers/spec.js";
import type { ComputeDtype, LayerIR } from "../model/index.js";

/** Kinds of wafer kernel. One line each: what it does on the wafer. */
export const KERNEL_OPS = {
  /** matrix product with one operand resident in SRAM and the other streamed through the fabric */
  gemm: "gemm",
  /** attention matrix products: both operands are activations (Q K^T, then P V), per head */
  attention: "attention",
  /** element-wise vector work: norms, softmax, activations, residual adds, dropout, rotary, loss */
  elementwise: "elementwise",
  /** row gather from a table (embedding lookup) and, backward, its scatter-add */
  gather: "gather",
} as const;
export type KernelOp = keyof typeof KERNEL_OPS;

/** One wafer kernel of a layer, sized per sample. */
export interface WaferKernel {
  readonly name: string;
  readonly op: KernelOp;
  /** Matrix products (gemm, attention): M x K times K x N per sample, repeated `count` times. */
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly count: number;
  /** Element-wise and gather kernels: vector element operations per sample. */
  readonly elementOps: number;
  /** Parameters the kernel uses (streamed in weight streaming, resident in pipelined). */
  readonly weights: number;
}

/** What a kernel costs on a set of PEs: cycles per bounding resource and the bound. */
export interface KernelCost {
  /** Vector-unit cycles (SIMD width of the op). */
  readonly compute: number;
  /** Cycles the SRAM ports need (2 reads + 1 write per cycle of `sramPortBits` each). */
  readonly sram: number;
  /** Cycles the fabric links need (one wavelet per link per cycle) plus the fill across the rectangle. */
  readonly fabric: number;
  /** max(compute, sram, fabric). */
  readonly cycles: number;
  readonly bound: "compute" | "SRAM" | "fabric";
}

/** Which operand a matrix kernel keeps resident: activations (weight streaming) or weights (pipelined). */
export type Residency = "activations" | "weights";

/** Bytes per element of a compute format. */
export function dtypeBytes(d: ComputeDtype): number {
  return d === "fp32" ? 4 : 2;
}

function fmacOp(d: ComputeDtype): SimdOp {
  return d === "fp32" ? "fmac.fp32" : "fmac.fp16";
}
function addOp(d: ComputeDtype): SimdOp {
  return d === "fp32" ? "add.fp32" : "add.fp16";
}
function movOp(d: ComputeDtype): SimdOp {
  return d === "fp32" ? "mov.fp32" : "mov.fp16";
}

function withBound(compute: number, sram: number, fabric: number): KernelCost {
  const cycles = Math.max(compute, sram, fabric);
  const bound = cycles === compute ? "compute" : cycles === sram ? "SRAM" : "fabric";
  return { compute, sram, fabric, cycles, bound };
}

/** SRAM cycles for `reads` and `writes` bytes on one PE. */
function sramCycles(w: WaferSpec, reads: number, writes: number): number {
  const port = w.sramPortBits / 8;
  return Math.max(reads / (w.sramReadPorts * port), writes / (w.sramWritePorts * port));
}

/** Candidate numbers of grid columns the contraction dimension K is split over. */
function columnCandidates(k: number, pes: number): number[] {
  const max = Math.min(k, pes);
  const out: number[] = [];
  for (let c = 1; c <= max; c = c < 64 ? c + 1 : Math.ceil(c * 1.08)) out.push(c);
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}

/**
 * A matrix product on `pes` PEs, laid out as an R x C grid (R * C <= pes). The resident operand is split
 * `split` rows over R and the contraction K over C; the streamed operand (`stream` columns of K elements)
 * is broadcast down the grid columns and partial sums are reduced along the grid rows. Per PE:
 *   compute = ceil(split/R) * ceil(K/C) * stream / SIMD width       (FMACs)
 *   SRAM    = 2 reads (resident operand, partial sum) and 1 write (partial sum) per FMAC
 *   fabric  = max(streamed elements in, partial sums out) / elements per wavelet, plus the fill: the hops
 *             across the rectangle (width + height, taken as a square's)
 * C is chosen to minimise the largest of the three, as a placer would.
 */
export function matmulCost(
  w: WaferSpec,
  dtype: ComputeDtype,
  pes: number,
  split: number,
  k: number,
  stream: number,
): KernelCost {
  let memo = MATMUL_MEMO.get(w);
  if (!memo) MATMUL_MEMO.set(w, (memo = new Map()));
  const key = `${dtype}|${pes}|${split}|${k}|${stream}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const cost = matmulSearch(w, dtype, pes, split, k, stream);
  memo.set(key, cost);
  return cost;
}

/** Costs already searched, per wafer spec (a what-if spec is another object and gets its own table). */
const MATMUL_MEMO = new WeakMap<WaferSpec, Map<string, KernelCost>>();

function matmulSearch(
  w: WaferSpec,
  dtype: ComputeDtype,
  pes: number,
  split: number,
  k: number,
  stream: number,
): KernelCost {
  const bytes = dtypeBytes(dtype);
  const perWavelet = Math.max(1, w.waveletPayloadBits / 8 / bytes);
  const simd = w.simd[fmacOp(dtype)];
  // the first wavelet crosses the rectangle before the last PE can start: width + height hops, taken as
  // those of a square of the same area
  const fill = 2 * Math.ceil(Math.sqrt(pes)) * w.hopLatencyCycles;
  let best: KernelCost | null = null;
  for (const c of columnCandidates(k, pes)) {
    const r = Math.floor(pes / c);
    if (r < 1) break;
    const a = Math.ceil(split / r);
    const kc = Math.ceil(k / c);
    const macs = a * kc * stream;
    const compute = macs / simd;
    const sram = sramCycles(w, 2 * macs * bytes, macs * bytes);
    const streamIn = (kc * stream) / perWavelet / w.waveletsPerLinkPerCycle;
    const reduceOut = c > 1 ? (a * stream) / perWavelet / w.waveletsPerLinkPerCycle : 0;
    const fabric = Math.max(streamIn, reduceOut) + fill;
    const cost = withBound(compute, sram, fabric);
    if (!best || cost.cycles < best.cycles) best = cost;
  }
  return best as KernelCost;
}

/** Element-wise vector work: `ops` element operations, each reading one element and writing one. */
export function elementwiseCost(w: WaferSpec, dtype: ComputeDtype, pes: number, ops: number): KernelCost {
  const perPE = Math.ceil(ops / pes);
  const bytes = dtypeBytes(dtype);
  return withBound(perPE / w.simd[addOp(dtype)], sramCycles(w, perPE * bytes, perPE * bytes), 0);
}

/** A gather: `elements` copied from table rows into the activations (a vector move per element). */
export function gatherCost(w: WaferSpec, dtype: ComputeDtype, pes: number, elements: number): KernelCost {
  const perPE = Math.ceil(elements / pes);
  const bytes = dtypeBytes(dtype);
  const perWavelet = Math.max(1, w.waveletPayloadBits / 8 / bytes);
  return withBound(
    perPE / w.simd[movOp(dtype)],
    sramCycles(w, perPE * bytes, perPE * bytes),
    perPE / perWavelet,
  );
}

/**
 * Forward cost of one kernel for `samples` samples on `pes` PEs. Weight streaming keeps activations resident
 * (all samples' rows split over the grid, weights streamed); pipelined keeps weights resident (output features
 * split over the grid, the samples' tokens streamed).
 */
export function kernelCost(
  w: WaferSpec,
  dtype: ComputeDtype,
  kernel: WaferKernel,
  pes: number,
  samples: number,
  residency: Residency,
): KernelCost {
  switch (kernel.op) {
    case "gemm":
      return residency === "activations"
        ? matmulCost(w, dtype, pes, samples * kernel.m * kernel.count, kernel.k, kernel.n)
        : matmulCost(w, dtype, pes, kernel.n * kernel.count, kernel.k, samples * kernel.m);
    case "attention":
      // activation x activation: rows of the left operand of every (sample, head) split over the grid
      return matmulCost(w, dtype, pes, samples * kernel.count * kernel.m, kernel.k, kernel.n);
    case "elementwise":
      return elementwiseCost(w, dtype, pes, samples * kernel.elementOps);
    case "gather":
      return gatherCost(w, dtype, pes, samples * kernel.elementOps);
  }
}

/** Backward of a kernel costs this many times its forward: activation and weight gradients of a product. */
export const BACKWARD_FACTOR: Readonly<Record<KernelOp, number>> = {
  gemm: 2,
  attention: 2,
  elementwise: 2,
  gather: 1,
};

// ---- Kernel matching: the registry of what each layer kind executes as. ----

const gemm = (name: string, m: number, k: number, n: number, weights: number, count = 1): WaferKernel => ({
  name,
  op: "gemm",
  m,
  k,
  n,
  count,
  elementOps: 0,
  weights,
});
const vector = (
  name: string,
  op: "elementwise" | "gather",
  elementOps: number,
  weights = 0,
): WaferKernel => ({
  name,
  op,
  m: 0,
  k: 0,
  n: 0,
  count: 0,
  elementOps,
  weights,
});

type KernelRule<K extends LayerKind> = (
  spec: Extract<LayerSpec, { kind: K }>,
  layer: LayerIR,
  seqLen: number,
) => WaferKernel[];

const paramCount = (l: LayerIR) => l.params.reduce((a, p) => a + p.numel, 0);

/** Layer kind -> the wafer kernels it runs as (forward); backward costs follow BACKWARD_FACTOR. */
export const KERNEL_RULES: { [K in LayerKind]: KernelRule<K> } = {
  embedding(s, l, T) {
    const tables = 1 + (s.positionEmbedding === "learned" ? 1 : 0) + (s.typeVocabSize > 0 ? 1 : 0);
    return [
      vector("lookup", "gather", tables * T * s.hidden, paramCount(l)),
      vector("sum_norm_dropout", "elementwise", l.flops.elementwise),
    ];
  },
  transformer_block(s, l, T) {
    const H = s.hidden;
    const F = s.ffn;
    const D = headSizeOf(s);
    const A = attentionWidth(s);
    const wb = (n: number, k = H) => n * k + (s.attentionBias ? n : 0);
    const mb = (n: number, k: number) => n * k + (s.mlpBias ? n : 0);
    // grouped-query attention: the k and v projections are G x D wide; every query head still scores T x T
    const W = qkvWidth(s);
    const Tk = s.slidingWindow !== undefined ? Math.min(T, s.slidingWindow) : T;
    const ks: WaferKernel[] = [
      gemm("qkv", T, H, W, wb(W)),
      // over the keys a query sees: a sliding window's when shorter than the sequence (src/model/flops.ts)
      { ...gemm("scores", T, D, Tk, 0, s.heads), op: "attention" },
      { ...gemm("values", T, Tk, D, 0, s.heads), op: "attention" },
      gemm("attn_out", T, A, H, wb(H, A)),
    ];
    // The MLP's products, run `count` times on `rows` tokens each, holding `copies` weight sets.
    const mlp = (tag: string, rows: number, count: number, copies: number) => {
      if (isGated(s.activation)) {
        ks.push(
          gemm(`${tag}_gate`, rows, H, F, copies * mb(F, H), count),
          gemm(`${tag}_up`, rows, H, F, copies * mb(F, H), count),
        );
      } else {
        ks.push(gemm(`${tag}_fc1`, rows, H, F, copies * mb(F, H), count));
      }
      ks.push(gemm(`${tag}_fc2`, rows, F, H, copies * mb(H, F), count));
    };
    if (s.moe) {
      // Mixture of experts: every expert's weights stream (each is chosen by some token of a batch of
      // thousands), but each token is computed by its top-k experts only. With the load-balancing loss the
      // routing is close to even, so each expert sees T k / E tokens of every sample: E products of that many
      // rows, the experts' weights together. Shared experts see every token.
      const E = s.moe.experts;
      ks.push(gemm("moe_router", T, H, E, E * H));
      mlp("expert", (T * s.moe.topK) / E, E, E);
      if (s.moe.shared > 0) mlp("shared_expert", T, s.moe.shared, s.moe.shared);
    } else mlp("mlp", T, 1, 1);
    const norms = paramCount(l) - ks.reduce((a, k) => a + k.weights, 0);
    ks.push(vector("norm_softmax_act_residual", "elementwise", l.flops.elementwise, norms));
    return ks;
  },
  final_norm(_s, l) {
    return [vector("norm", "elementwise", l.flops.elementwise, paramCount(l))];
  },
  lm_head(s, l, T) {
    const weights = s.vocabSize * s.hidden + (s.bias ? s.vocabSize : 0);
    return [
      gemm("logits", T, s.hidden, s.vocabSize, weights),
      vector("softmax_cross_entropy", "elementwise", l.flops.elementwise),
    ];
  },
  mlm_head(s, l) {
    // predictions per sample M, recovered from the IR's forward FLOPs 2 M H (H + V)
    const M = Math.round(l.flops.forward / (2 * s.hidden * (s.hidden + s.vocabSize)));
    return [
      gemm("transform", M, s.hidden, s.hidden, s.hidden * s.hidden + s.hidden),
      gemm("decoder", M, s.hidden, s.vocabSize, s.vocabSize * s.hidden + s.vocabSize),
      vector("act_norm_softmax_cross_entropy", "elementwise", l.flops.elementwise, 2 * s.hidden),
    ];
  },
  nsp_head(s, l) {
    return [
      gemm("pooler", 1, s.hidden, s.hidden, s.hidden * s.hidden + s.hidden),
      gemm("classifier", 1, s.hidden, 2, 2 * s.hidden + 2),
      vector("tanh_cross_entropy", "elementwise", l.flops.elementwise),
    ];
  },
  dense(s, l) {
    return [
      gemm("fc", 1, s.inFeatures, s.outFeatures, paramCount(l)),
      vector("activation", "elementwise", l.flops.elementwise),
    ];
  },
  classifier_head(s, l) {
    return [
      gemm("fc", 1, s.inFeatures, s.classes, paramCount(l)),
      vector("softmax_cross_entropy", "elementwise", l.flops.elementwise),
    ];
  },
  patch_embedding(s, l) {
    const N = patchCount(s),
      F = s.channels * s.patchSize[0] * s.patchSize[1];
    return [
      gemm("patch_proj", N, F, s.hidden, s.hidden * F + s.hidden),
      vector(
        "cls_positions_dropout",
        "elementwise",
        l.flops.elementwise,
        paramCount(l) - s.hidden * F - s.hidden,
      ),
    ];
  },
  task_head(s, l) {
    // rows per sample R, recovered from the IR's forward FLOPs 2 R H (H if pooled + C)
    const H = s.hidden;
    const R = Math.round(l.flops.forward / (2 * H * ((s.pooler ? H : 0) + s.classes)));
    const ks: WaferKernel[] = [];
    if (s.pooler) ks.push(gemm("pooler", R, H, H, H * H + H));
    ks.push(gemm("classifier", R, H, s.classes, s.classes * H + (s.bias ? s.classes : 0)));
    ks.push(vector("tanh_dropout_cross_entropy", "elementwise", l.flops.elementwise));
    return ks;
  },
};

/** The wafer kernels of one IR layer. */
export function matchKernels(layer: LayerIR, seqLen: number): WaferKernel[] {
  const rule = KERNEL_RULES[layer.kind] as KernelRule<LayerKind> | undefined;
  if (!rule) throw new Error(`no wafer kernel is registered for layer kind "${layer.kind}"`);
  return rule(layer.spec as never, layer, seqLen);
}

/** Matrix-product FLOPs per sample of a kernel list (2 M K N per product): equals the IR's forward FLOPs. */
export function kernelFlops(kernels: readonly WaferKernel[]): number {
  return kernels.reduce(
    (a, k) => a + (k.op === "gemm" || k.op === "attention" ? 2 * k.m * k.k * k.n * k.count : 0),
    0,
  );
}

/** Forward + backward (or forward only) cycles of a layer's kernels, and the resource bounding the largest. */
export function layerCycles(
  w: WaferSpec,
  dtype: ComputeDtype,
  kernels: readonly WaferKernel[],
  pes: number,
  samples: number,
  residency: Residency,
  passes: { forward: number; backward: number },
): { cycles: number; compute: number; sram: number; fabric: number; bound: KernelCost["bound"] } {
  let cycles = 0;
  const by = { compute: 0, SRAM: 0, fabric: 0 };
  let compute = 0;
  let sram = 0;
  let fabric = 0;
  for (const k of kernels) {
    const c = kernelCost(w, dtype, k, pes, samples, residency);
    const times = passes.forward + passes.backward * BACKWARD_FACTOR[k.op];
    cycles += times * c.cycles;
    compute += times * c.compute;
    sram += times * c.sram;
    fabric += times * c.fabric;
    by[c.bound] += times * c.cycles;
  }
  const bound = (Object.keys(by) as KernelCost["bound"][]).reduce((a, b) => (by[b] > by[a] ? b : a));
  return { cycles, compute, sram, fabric, bound };
}
