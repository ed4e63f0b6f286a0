// transformer_block: attention and MLP with residuals, in the three arrangements of spec.residual.
//   pre:      x2 = x + drop(attn(norm1(x)));  y = x2 + drop(mlp(norm2(x2)))        (GPT-2/3, LLaMA)
//   post:     x2 = norm1(x + drop(attn(x)));  y = norm2(x2 + drop(mlp(x2)))        (BERT)
//   parallel: h = norm1(x);  y = x + drop(attn(h)) + drop(mlp(h))                   (GPT-J)
//             untied: y = x + drop(attn(norm1(x))) + drop(mlp(norm2(x)))            (GPT-NeoX)
//   pre with sandwich norms: x2 = x + norm1_post(drop(attn(norm1(x)))), y = x2 + norm2_post(drop(mlp(norm2(x2))))
//             (Gemma 2)
// attn(h) = out_proj(attention(qkv_proj(h))) with the fused qkv [3H, H] ordered q, k, v (N D wide queries and
// an output projection from N D when spec.headSize makes the attention narrower or wider than H).
// The MLP is a mixture of experts when spec.moe is set (./moe.ts).
// Shapes: B batch, T sequence, H hidden, R = B*T rows. Dropout sites: 0 attention probabilities, 1 attention
// output, 2 MLP output.
import { alibiSlopes, attentionBackward, attentionForward, attentionSavedBuffers } from "../ops/attention.js";
import type { AttentionConfig, AttentionSaved } from "../ops/attention.js";
import { dropoutApply } from "../ops/dropout.js";
import { rotaryTables } from "../ops/rotary.js";
import type { RotaryTables } from "../ops/rotary.js";
import { NumericsValueError } from "../errors.js";
import { give, take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel, NormSaved, ParamMap } from "./kernel.js";
import {
  batchField,
  dropoutSite,
  gradIn,
  input,
  normBackward,
  normForward,
  projBackward,
  projForward,
  rate,
} from "./kernel.js";
import type { MlpSaved } from "./mlp.js";
import { mlpBackward, mlpForward } from "./mlp.js";
import type { MoeSaved } from "./moe.js";
import { moeBackward, moeForward } from "./moe.js";
import { attentionWidth, headSizeOf, kvHeadsOf, qkvWidth } from "./spec.js";
import type { Batch, StepContext, TransformerBlockSpec } from "./spec.js";

const K = "transformer_block" as const;

interface AttnSaved {
  readonly h: Float32Array;
  readonly qkv: Float32Array;
  readonly att: AttentionSaved;
  readonly a: Float32Array;
  readonly cfg: AttentionConfig;
}

interface BlockSaved {
  readonly n1: NormSaved;
  readonly n2: NormSaved | null;
  /** The sandwich's norms after the attention and after the MLP (spec.sandwichNorms). */
  readonly p1?: NormSaved;
  readonly p2?: NormSaved;
  readonly attn: AttnSaved;
  /** The dense MLP's, or the mixture of experts' (spec.moe). */
  readonly mlp: MlpSaved | MoeSaved;
  /** Pooled activations the forward allocated besides those of attn and mlp (given back by the backward). */
  readonly own: Float32Array[];
}

const rotaryCache = new Map<string, RotaryTables>();

function rotaryFor(spec: TransformerBlockSpec, seqLen: number): RotaryTables | null {
  if (spec.rotaryDim <= 0) return null;
  const d = headSizeOf(spec);
  if (spec.rotaryDim > d || spec.rotaryDim % 2 !== 0) {
    throw new NumericsValueError(
      `transformer_block: rotaryDim ${spec.rotaryDim} must be even and at most the head size ${d} ` +
        `(hidden ${spec.hidden} / heads ${spec.heads}); GPT-J uses 64, LLaMA the whole head`,
    );
  }
  const scaling = spec.rotaryScaling ?? null;
  const key = `${seqLen}/${spec.rotaryDim}/${spec.rotaryBase}/${spec.rotaryStyle}/${JSON.stringify(scaling)}`;
  let t = rotaryCache.get(key);
  if (!t) {
    t = rotaryTables(seqLen, spec.rotaryDim, spec.rotaryBase, spec.rotaryStyle, scaling);
    rotaryCache.set(key, t);
  }
  return t;
}

const alibiCache = new Map<string, Float32Array>();

/** The block's ALiBi slopes (divided by its scale), made once per head count and scale. */
function alibiFor(spec: TransformerBlockSpec): Float32Array {
  const key = `${spec.heads}/${spec.alibiScale ?? 1}`;
  let s = alibiCache.get(key);
  if (!s) {
    s = Float32Array.from(alibiSlopes(spec.heads), (m) => m / (spec.alibiScale ?? 1));
    alibiCache.set(key, s);
  }
  return s;
}

function attnConfig(spec: TransformerBlockSpec, batch: Batch, ctx: StepContext): AttentionConfig {
  const rows = batch.size * batch.seqLen;
  return {
    batch: batch.size,
    seqLen: batch.seqLen,
    hidden: attentionWidth(spec),
    heads: spec.heads,
    kvHeads: kvHeadsOf(spec),
    ...(spec.scoreScale !== undefined && { scoreScale: spec.scoreScale }),
    ...(spec.slidingWindow !== undefined && { window: spec.slidingWindow }),
    ...(spec.attentionSoftcap !== undefined && { softcap: spec.attentionSoftcap }),
    ...(spec.alibi && { alibiSlopes: alibiFor(spec) }),
    causal: spec.causal,
    keyMask: spec.causal
      ? null
      : batch.attentionMask
        ? batchField<Float32Array>(batch, K, "attentionMask", rows)
        : null,
    rotary: rotaryFor(spec, batch.seqLen),
    dropout: rate(spec.attentionDropout, ctx),
    dropoutSite: dropoutSite(ctx, batch, 0),
  };
}

/** out = drop(out_proj(attention(qkv_proj(h)))) */
function attnForward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  h: Float32Array,
  batch: Batch,
  ctx: StepContext,
  out: Float32Array,
): AttnSaved {
  const H = spec.hidden;
  const A = attentionWidth(spec);
  const rows = batch.size * batch.seqLen;
  const W = qkvWidth(spec);
  const qkv = take(rows * W, false);
  projForward(params, K, "attn.qkv", spec.attentionBias, h, rows, H, W, qkv);
  const cfg = attnConfig(spec, batch, ctx);
  const a = take(rows * A, false);
  const att = attentionForward(qkv, cfg, a);
  projForward(params, K, "attn.out", spec.attentionBias, a, rows, A, H, out);
  dropoutApply(out, batch.size, batch.seqLen * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 1));
  return { h, qkv, att, a, cfg };
}

/** dh from dout (dout is consumed: dropout is undone in place). */
function attnBackward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  s: AttnSaved,
  dout: Float32Array,
  batch: Batch,
  ctx: StepContext,
  dh: Float32Array,
  grads: GradMap,
  accumulate: boolean,
): void {
  const H = spec.hidden;
  const rows = batch.size * batch.seqLen;
  dropoutApply(dout, batch.size, batch.seqLen * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 1));
  const A = attentionWidth(spec);
  const da = take(rows * A, false);
  projBackward(params, K, "attn.out", spec.attentionBias, dout, s.a, rows, A, H, da, grads);
  const W = qkvWidth(spec);
  const dqkv = take(rows * W, false);
  attentionBackward(da, s.att, s.cfg, dqkv);
  projBackward(params, K, "attn.qkv", spec.attentionBias, dqkv, s.h, rows, H, W, dh, grads, accumulate);
  give(da, dqkv, s.qkv, s.a, ...attentionSavedBuffers(s.att));
}

function mlpWithDropout(
  spec: TransformerBlockSpec,
  params: ParamMap,
  h: Float32Array,
  batch: Batch,
  ctx: StepContext,
  out: Float32Array,
): MlpSaved | MoeSaved {
  const s = spec.moe
    ? moeForward(spec, params, h, batch, ctx, out)
    : mlpForward(spec, params, h, batch.size * batch.seqLen, out);
  dropoutApply(
    out,
    batch.size,
    batch.seqLen * spec.hidden,
    rate(spec.dropout, ctx),
    dropoutSite(ctx, batch, 2),
  );
  return s;
}

function mlpWithDropoutBackward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  s: MlpSaved | MoeSaved,
  dout: Float32Array,
  batch: Batch,
  ctx: StepContext,
  dh: Float32Array,
  grads: GradMap,
  accumulate: boolean,
  lossScale: number,
): void {
  dropoutApply(
    dout,
    batch.size,
    batch.seqLen * spec.hidden,
    rate(spec.dropout, ctx),
    dropoutSite(ctx, batch, 2),
  );
  if (spec.moe) moeBackward(spec, params, s as MoeSaved, dout, batch, ctx, dh, grads, accumulate, lossScale);
  else mlpBackward(spec, params, s as MlpSaved, dout, batch.size * batch.seqLen, dh, grads, accumulate);
}

export const transformerBlockKernel: LayerKernel<"transformer_block"> = {
  isHead: false,
  forward(spec, params, x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const R = B * T;
    const xd = input(x, K, [B, T, H]);
    const norm = (prefix: string, v: Float32Array, y: Float32Array) =>
      normForward(spec.norm, params, K, prefix, spec.normEps, v, R, H, y);
    const buf = () => take(R * H, false);
    const y = buf();
    if (spec.residual === "pre") {
      const sw = spec.sandwichNorms === true;
      const h1 = buf();
      const n1 = norm("norm1.", xd, h1);
      const a1 = buf();
      const attn = attnForward(spec, params, h1, batch, ctx, a1);
      const x2 = sw ? buf() : a1;
      const p1 = sw ? norm("norm1_post.", a1, x2) : undefined;
      for (let i = 0; i < x2.length; i++) x2[i] += xd[i];
      const h2 = buf();
      const n2 = norm("norm2.", x2, h2);
      const m = sw ? buf() : y;
      const mlp = mlpWithDropout(spec, params, h2, batch, ctx, m);
      const p2 = sw ? norm("norm2_post.", m, y) : undefined;
      for (let i = 0; i < y.length; i++) y[i] += x2[i];
      const saved: BlockSaved = {
        n1,
        n2,
        ...(sw && { p1, p2 }),
        attn,
        mlp,
        own: sw ? [h1, a1, x2, h2, m] : [h1, x2, h2],
      };
      return { y: new Tensor([B, T, H], y), saved };
    }
    if (spec.residual === "post") {
      const s1 = buf();
      const attn = attnForward(spec, params, xd, batch, ctx, s1);
      for (let i = 0; i < s1.length; i++) s1[i] += xd[i];
      const x2 = buf();
      const n1 = norm("norm1.", s1, x2);
      const s2 = buf();
      const mlp = mlpWithDropout(spec, params, x2, batch, ctx, s2);
      for (let i = 0; i < s2.length; i++) s2[i] += x2[i];
      const n2 = norm("norm2.", s2, y);
      const saved: BlockSaved = { n1, n2, attn, mlp, own: [s1, x2, s2] };
      return { y: new Tensor([B, T, H], y), saved };
    }
    // parallel
    const h = buf();
    const n1 = norm("norm1.", xd, h);
    const attn = attnForward(spec, params, h, batch, ctx, y);
    const hm = spec.untiedNorms ? buf() : h;
    const n2 = spec.untiedNorms ? norm("norm2.", xd, hm) : null;
    const m = buf();
    const mlp = mlpWithDropout(spec, params, hm, batch, ctx, m);
    for (let i = 0; i < y.length; i++) y[i] += m[i] + xd[i];
    give(m);
    const saved: BlockSaved = { n1, n2, attn, mlp, own: hm === h ? [h] : [h, hm] };
    return { y: new Tensor([B, T, H], y), saved };
  },

  backward(spec, params, saved, dy, batch, ctx, lossScale = 1) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const R = B * T;
    const s = saved as BlockSaved;
    const g = gradIn(dy, K, [B, T, H]);
    const grads: GradMap = new Map();
    const normB = (prefix: string, ns: NormSaved, d: Float32Array, dx: Float32Array, acc: boolean) =>
      normBackward(spec.norm, params, K, prefix, ns, d, R, H, dx, grads, acc);
    const buf = () => take(R * H, false);
    const copy = (a: Float32Array) => {
      const c = buf();
      c.set(a);
      return c;
    };
    const dx = buf();
    if (spec.residual === "pre") {
      // y = x2 + [post2](mlp(norm2(x2))): dx2 = dy + norm2'(mlp'([post2'](dy)))
      const dm = s.p2 ? buf() : copy(g);
      if (s.p2) normB("norm2_post.", s.p2, g, dm, false);
      const dh2 = buf();
      mlpWithDropoutBackward(spec, params, s.mlp, dm, batch, ctx, dh2, grads, false, lossScale);
      const dx2 = copy(g);
      normB("norm2.", s.n2!, dh2, dx2, true);
      // x2 = x + [post1](attn(norm1(x))): dx = dx2 + norm1'(attn'([post1'](dx2)))
      dx.set(dx2);
      const da = s.p1 ? buf() : dx2;
      if (s.p1) normB("norm1_post.", s.p1, dx2, da, false);
      const dh1 = buf();
      attnBackward(spec, params, s.attn, da, batch, ctx, dh1, grads, false);
      normB("norm1.", s.n1, dh1, dx, true);
      give(dm, dh2, dx2, dh1);
      if (da !== dx2) give(da);
    } else if (spec.residual === "post") {
      const ds2 = buf();
      normB("norm2.", s.n2!, g, ds2, false);
      // s2 = x2 + mlp(x2)
      const dx2 = copy(ds2);
      mlpWithDropoutBackward(spec, params, s.mlp, ds2, batch, ctx, dx2, grads, true, lossScale);
      const ds1 = buf();
      normB("norm1.", s.n1, dx2, ds1, false);
      // s1 = x + attn(x)
      dx.set(ds1);
      attnBackward(spec, params, s.attn, ds1, batch, ctx, dx, grads, true);
      give(ds2, dx2, ds1);
    } else if (s.n2) {
      // untied: dx = dy + norm1'(attn'(dy)) + norm2'(mlp'(dy))
      const dha = buf();
      const d1 = copy(g);
      attnBackward(spec, params, s.attn, d1, batch, ctx, dha, grads, false);
      const dhm = buf();
      const d2 = copy(g);
      mlpWithDropoutBackward(spec, params, s.mlp, d2, batch, ctx, dhm, grads, false, lossScale);
      dx.set(g);
      normB("norm1.", s.n1, dha, dx, true);
      normB("norm2.", s.n2, dhm, dx, true);
      give(dha, d1, dhm, d2);
    } else {
      const dh = take(R * H);
      const d1 = copy(g);
      attnBackward(spec, params, s.attn, d1, batch, ctx, dh, grads, false);
      const d2 = copy(g);
      mlpWithDropoutBackward(spec, params, s.mlp, d2, batch, ctx, dh, grads, true, lossScale);
      dx.set(g);
      normB("norm1.", s.n1, dh, dx, true);
      give(dh, d1, d2);
    }
    give(...s.own);
    return { dx: new Tensor([B, T, H], dx), grads };
  },
};
