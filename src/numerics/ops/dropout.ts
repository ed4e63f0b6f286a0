// Dropout from the counter-based generator (../rng.ts). A mask element is a pure function of
// (seed, step, layer index, site within the layer, global sample index, element index within the sample), so
// a batch split across systems or micro-batches draws the same masks as the whole batch, and the backward
// regenerates the mask instead of storing it.
import { NumericsValueError } from "../errors.js";
import { drawU32, mixKey } from "../rng.js";

/** Where a dropout mask is drawn: the layer's position and the site inside it. */
export interface DropoutSite {
  readonly seed: number;
  readonly step: number;
  readonly layerIndex: number;
  /** Site inside the layer (e.g. 0 attention probabilities, 1 attention output, 2 MLP output). */
  readonly site: number;
  /** Global index of the buffer's first sample (Batch.sampleOffset). */
  readonly sampleOffset: number;
}

/**
 * Applies dropout in place to `buf` laid out [samples, perSample]: each element is zeroed with probability p
 * and otherwise scaled by 1 / (1 - p). Used for the forward (on activations) and the backward (on gradients:
 * the same mask and scale). p = 0 is a no-op.
 */
export function dropoutApply(
  buf: Float32Array,
  samples: number,
  perSample: number,
  p: number,
  site: DropoutSite,
): void {
  if (p === 0) return;
  if (!(p > 0 && p < 1)) throw new NumericsValueError(`dropout rate ${p} must be in [0, 1)`);
  const threshold = Math.floor(p * 4294967296);
  const scale = 1 / (1 - p);
  for (let s = 0; s < samples; s++) {
    const key = mixKey(site.seed, site.step, site.layerIndex, site.site, site.sampleOffset + s);
    const o = s * perSample;
    for (let e = 0; e < perSample; e++) {
      buf[o + e] = drawU32(key, e) < threshold ? 0 : buf[o + e] * scale;
    }
  }
}
