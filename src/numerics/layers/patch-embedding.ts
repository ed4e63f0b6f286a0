// patch_embedding: ViT's input layer. images [B, C, h, w] from the batch -> y [B, 1 + N, H]: each of the
// N = (h / ph)(w / pw) patches (row-major, as Conv2d's output flattened) is the product of its C x ph x pw
// values (channel, then row, then column: the Conv2d weight's layout) with proj.weight^T plus proj.bias; the
// class token `cls` is row 0; the learned positions `wpe` are added to every row; dropout (site 0).
import { dropoutApply } from "../ops/dropout.js";
import { linearBackward, linearForward } from "../ops/linear.js";
import { ShapeError } from "../errors.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel } from "./kernel.js";
import { batchField, dropoutSite, gradIn, param, rate } from "./kernel.js";
import type { PatchEmbeddingSpec } from "./spec.js";
import { patchCount } from "./spec.js";

const K = "patch_embedding" as const;

/** The patches of B images as rows [B*N, C*ph*pw]. */
function patchify(s: PatchEmbeddingSpec, images: Float32Array, B: number): Float32Array {
  const C = s.channels,
    [h, w] = s.imageSize,
    [ph, pw] = s.patchSize;
  const gw = w / pw,
    N = patchCount(s),
    F = C * ph * pw;
  const out = new Float32Array(B * N * F);
  for (let b = 0; b < B; b++)
    for (let n = 0; n < N; n++) {
      const r0 = Math.floor(n / gw) * ph,
        c0 = (n % gw) * pw;
      let o = (b * N + n) * F;
      for (let c = 0; c < C; c++)
        for (let i = 0; i < ph; i++) {
          const src = ((b * C + c) * h + r0 + i) * w + c0;
          for (let j = 0; j < pw; j++) out[o++] = images[src + j];
        }
    }
  return out;
}

/** H, the patches N, a patch's values F, the class token's row (lead 1 or 0) and the rows T = lead + N. */
function shapeOf(s: PatchEmbeddingSpec) {
  const [h, w] = s.imageSize,
    [ph, pw] = s.patchSize;
  if (h % ph !== 0 || w % pw !== 0)
    throw new ShapeError(`${K}: image ${h}x${w} is not a whole number of ${ph}x${pw} patches`);
  const N = patchCount(s),
    lead = s.clsToken ? 1 : 0;
  return { H: s.hidden, N, F: s.channels * ph * pw, lead, T: N + lead };
}

export const patchEmbeddingKernel: LayerKernel<"patch_embedding"> = {
  isHead: false,
  forward(spec, params, _x, batch, ctx) {
    const B = batch.size;
    const { H, N, F, lead, T } = shapeOf(spec);
    if (batch.seqLen !== T)
      throw new ShapeError(
        `${K}: the batch has ${batch.seqLen} positions per sample; ${N} patches make ${T}`,
      );
    const images = batchField<Float32Array>(
      batch,
      K,
      "images",
      B * spec.channels * spec.imageSize[0] * spec.imageSize[1],
    );
    const x = patchify(spec, images, B);
    const proj = new Float32Array(B * N * H);
    linearForward(
      x,
      B * N,
      F,
      param(params, K, "proj.weight", [H, spec.channels, ...spec.patchSize]),
      param(params, K, "proj.bias", [H]),
      H,
      proj,
    );
    const wpe = param(params, K, "wpe", [T, H]);
    const cls = spec.clsToken ? param(params, K, "cls", [H]) : null;
    const y = new Float32Array(B * T * H);
    for (let b = 0; b < B; b++) {
      if (cls) for (let j = 0; j < H; j++) y[b * T * H + j] = cls[j] + wpe[j];
      for (let n = 0; n < N; n++) {
        const o = (b * T + lead + n) * H,
          p = (b * N + n) * H,
          q = (lead + n) * H;
        for (let j = 0; j < H; j++) y[o + j] = proj[p + j] + wpe[q + j];
      }
    }
    dropoutApply(y, B, T * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    return { y: new Tensor([B, T, H], y), saved: x };
  },
  backward(spec, params, saved, dy, batch, ctx) {
    const B = batch.size;
    const { H, N, F, lead, T } = shapeOf(spec);
    const d = Float32Array.from(gradIn(dy, K, [B, T, H]));
    dropoutApply(d, B, T * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    const grads: GradMap = new Map();
    const dwpe = new Tensor([T, H]);
    const dproj = new Float32Array(B * N * H);
    const dcls = lead ? new Tensor([H]) : null;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) dwpe.data[t * H + j] += d[(b * T + t) * H + j];
      if (dcls) for (let j = 0; j < H; j++) dcls.data[j] += d[b * T * H + j];
      dproj.set(d.subarray((b * T + lead) * H, (b * T + T) * H), b * N * H);
    }
    const w = param(params, K, "proj.weight", [H, spec.channels, ...spec.patchSize]);
    const dw = new Tensor([H, spec.channels, ...spec.patchSize]);
    const db = new Tensor([H]);
    linearBackward(dproj, saved as Float32Array, B * N, F, w, H, null, dw.data, db.data, false);
    grads.set("proj.weight", dw);
    grads.set("proj.bias", db);
    if (dcls) grads.set("cls", dcls);
    grads.set("wpe", dwpe);
    return { dx: null, grads };
  },
};
