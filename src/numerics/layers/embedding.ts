// embedding: token (+ learned position) (+ token type) embeddings, optional norm, dropout (site 0).
// ids [B, T] from the batch -> y [B, T, H]. Position ids are 0..T-1 in every row, or with spec.paddingPositions
// (RoBERTa, Model Zoo's mask_padding_in_positional_embed) t + 1 for a token and 0 for padding (id 0). With
// spec.tokenDropout (ESM-2) the token embeddings are scaled per row before the other tables are added.
import { dropoutApply } from "../ops/dropout.js";
import { embeddingGather, embeddingScatterAdd } from "../ops/embedding.js";
import { ShapeError } from "../errors.js";
import { give, take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel, NormSaved } from "./kernel.js";
import type { Batch, EmbeddingSpec } from "./spec.js";
import { batchField, dropoutSite, gradIn, normBackward, normForward, param, rate } from "./kernel.js";

const K = "embedding" as const;

interface EmbeddingSaved {
  readonly norm: NormSaved | null;
  /** ESM-2's token-dropout factor of each row (0 for a mask token), or null. */
  readonly tokenScale: Float32Array | null;
  /** Each row's position id (learned positions only). */
  readonly pos: Int32Array | null;
}

/** Each row's position id: t, or with paddingPositions t + 1 for a token and 0 for padding. */
function positionIds(spec: EmbeddingSpec, ids: Int32Array, T: number): Int32Array {
  const pos = new Int32Array(ids.length);
  for (let r = 0; r < ids.length; r++)
    pos[r] = spec.paddingPositions ? (ids[r] !== 0 ? (r % T) + 1 : 0) : r % T;
  if (spec.paddingPositions && T >= spec.maxPositions && pos.some((p) => p >= spec.maxPositions))
    throw new ShapeError(
      `embedding: a sample of ${T} tokens takes position id ${T} (positions start at 1, padding takes 0), ` +
        `beyond max_position_embeddings ${spec.maxPositions}; give max_position_embeddings ${T + 1} or more, ` +
        `or shorter sequences`,
    );
  return pos;
}

/** ESM-2's token dropout: each row's factor on its token embedding (0 at a mask token). */
function tokenScales(spec: EmbeddingSpec, ids: Int32Array, batch: Batch, B: number, T: number): Float32Array {
  const mask = spec.tokenDropout!.maskTokenId;
  const attn = batch.attentionMask ? batchField<Float32Array>(batch, K, "attentionMask", B * T) : null;
  const f = new Float32Array(B * T);
  const train = 0.15 * 0.8;
  for (let b = 0; b < B; b++) {
    let n = 0,
      m = 0;
    for (let t = 0; t < T; t++) {
      n += attn ? attn[b * T + t] : 1;
      if (ids[b * T + t] === mask) m++;
    }
    const observed = 1 - m / n;
    for (let t = 0; t < T; t++) f[b * T + t] = ids[b * T + t] === mask ? 0 : (1 - train) / observed;
  }
  return f;
}

export const embeddingKernel: LayerKernel<"embedding"> = {
  isHead: false,
  forward(spec, params, _x, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const R = B * T;
    const ids = batchField<Int32Array>(batch, K, "inputIds", R);
    const wte = param(params, K, "wte", [spec.vocabSize, H]);
    const sum = take(R * H, false);
    embeddingGather(wte, spec.vocabSize, H, ids, sum);
    const tokenScale = spec.tokenDropout ? tokenScales(spec, ids, batch, B, T) : null;
    if (tokenScale) for (let r = 0; r < R; r++) for (let j = 0; j < H; j++) sum[r * H + j] *= tokenScale[r];
    let pos: Int32Array | null = null;
    if (spec.positionEmbedding === "learned") {
      if (T > spec.maxPositions) {
        throw new ShapeError(
          `embedding: sequence length ${T} exceeds max_position_embeddings ${spec.maxPositions}; ` +
            `shorten the sequences or raise max_position_embeddings`,
        );
      }
      const wpe = param(params, K, "wpe", [spec.maxPositions, H]);
      pos = positionIds(spec, ids, T);
      for (let r = 0; r < R; r++) {
        const o = r * H,
          p = pos[r] * H;
        for (let j = 0; j < H; j++) sum[o + j] += wpe[p + j];
      }
    }
    if (spec.typeVocabSize > 0) {
      const types = batch.tokenTypeIds
        ? batchField<Int32Array>(batch, K, "tokenTypeIds", R)
        : new Int32Array(R);
      const wtt = param(params, K, "wtt", [spec.typeVocabSize, H]);
      embeddingGather(wtt, spec.typeVocabSize, H, types, sum, true, "token type id");
    }
    let y = sum;
    let norm: NormSaved | null = null;
    if (spec.norm) {
      y = take(R * H, false);
      norm = normForward(spec.norm, params, K, "norm.", spec.normEps, sum, R, H, y);
    }
    const scale = spec.scale ?? 1;
    if (scale !== 1) for (let i = 0; i < y.length; i++) y[i] *= scale;
    dropoutApply(y, B, T * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    return { y: new Tensor([B, T, H], y), saved: { norm, pos, tokenScale } satisfies EmbeddingSaved };
  },

  backward(spec, params, saved, dy, batch, ctx) {
    const { size: B, seqLen: T } = batch;
    const H = spec.hidden;
    const R = B * T;
    const s = saved as EmbeddingSaved;
    const grads: GradMap = new Map();
    const g = gradIn(dy, K, [B, T, H]);
    let d = take(g.length, false);
    d.set(g);
    dropoutApply(d, B, T * H, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    const scale = spec.scale ?? 1;
    if (scale !== 1) for (let i = 0; i < d.length; i++) d[i] *= scale;
    if (spec.norm && s.norm) {
      const dsum = take(R * H, false);
      normBackward(spec.norm, params, K, "norm.", s.norm, d, R, H, dsum, grads, false);
      give(d, s.norm.x);
      d = dsum;
    }
    const ids = batchField<Int32Array>(batch, K, "inputIds", R);
    const dwte = new Tensor([spec.vocabSize, H], take(spec.vocabSize * H));
    if (s.tokenScale) {
      const dt = take(R * H, false);
      for (let r = 0; r < R; r++) for (let j = 0; j < H; j++) dt[r * H + j] = d[r * H + j] * s.tokenScale[r];
      embeddingScatterAdd(dt, H, ids, dwte.data);
      give(dt);
    } else embeddingScatterAdd(d, H, ids, dwte.data);
    grads.set("wte", dwte);
    if (spec.positionEmbedding === "learned") {
      const dwpe = new Tensor([spec.maxPositions, H], take(spec.maxPositions * H));
      const pos = s.pos!;
      for (let r = 0; r < R; r++) {
        const o = r * H,
          p = pos[r] * H;
        for (let j = 0; j < H; j++) dwpe.data[p + j] += d[o + j];
      }
      grads.set("wpe", dwpe);
    }
    if (spec.typeVocabSize > 0) {
      const types = batch.tokenTypeIds
        ? batchField<Int32Array>(batch, K, "tokenTypeIds", R)
        : new Int32Array(R);
      const dwtt = new Tensor([spec.typeVocabSize, H]);
      embeddingScatterAdd(d, H, types, dwtt.data);
      grads.set("wtt", dwtt);
    }
    give(d);
    return { dx: null, grads };
  },
};
