// Rotary position embedding (RoPE) on head vectors. The first `rotaryDim` dimensions of each head are rotated
// in pairs by angle t * base^(-2i / rotaryDim) for position t and pair i; the rest pass through.
//   "interleaved" pairs (2i, 2i+1)            (GPT-J, rotate_every_two)
//   "half"        pairs (i, i + rotaryDim/2)  (GPT-NeoX, LLaMA, rotate_half)
// The backward is the inverse rotation (the transpose of an orthogonal map).
import { NumericsValueError } from "../errors.js";

export type RotaryStyle = "interleaved" | "half";

/**
 * RoPE position scaling, as Model Zoo's RotaryPositionEmbeddingHelper applies it (pos_scaling_type):
 *   linear: positions divided by `factor` (every frequency / factor);
 *   llama3: Llama 3.1's per-frequency scaling: wavelengths shorter than original / highFreqFactor keep their
 *           frequency, longer than original / lowFreqFactor divide it by `factor`, and those between blend
 *           the two by smooth = (original / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor).
 */
export type RotaryScaling =
  | { readonly type: "linear"; readonly factor: number }
  | {
      readonly type: "llama3";
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositions: number;
    };

/** The inverse frequency of pair i after scaling (float32, as PyTorch computes it). */
function scaledInvFreq(invFreq: number, s: RotaryScaling | null | undefined): number {
  if (!s) return invFreq;
  if (s.type === "linear") return Math.fround(invFreq / s.factor);
  const scaled = Math.fround(invFreq / s.factor);
  const wavelen = Math.fround((2 * Math.PI) / invFreq);
  const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositions / s.highFreqFactor;
  if (wavelen < highWavelen) return invFreq;
  if (wavelen > lowWavelen) return scaled;
  const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
  return Math.fround((1 - smooth) * scaled + smooth * invFreq);
}

export interface RotaryTables {
  readonly rotaryDim: number;
  readonly style: RotaryStyle;
  /** [T, rotaryDim/2] */
  readonly cos: Float32Array;
  readonly sin: Float32Array;
}

/**
 * cos/sin tables for positions 0..T-1. Frequencies and angles are rounded to float32 as PyTorch computes
 * them (inv_freq in float32, t * inv_freq in float32), so long sequences agree with it.
 */
export function rotaryTables(
  seqLen: number,
  rotaryDim: number,
  base: number,
  style: RotaryStyle,
  scaling: RotaryScaling | null = null,
): RotaryTables {
  if (rotaryDim <= 0 || rotaryDim % 2 !== 0) {
    throw new NumericsValueError(`rotaryDim ${rotaryDim} must be a positive even number`);
  }
  const half = rotaryDim / 2;
  const cos = new Float32Array(seqLen * half);
  const sin = new Float32Array(seqLen * half);
  for (let i = 0; i < half; i++) {
    const invFreq = scaledInvFreq(
      Math.fround(1 / Math.fround(Math.pow(base, Math.fround((2 * i) / rotaryDim)))),
      scaling,
    );
    for (let t = 0; t < seqLen; t++) {
      const a = Math.fround(t * invFreq);
      cos[t * half + i] = Math.cos(a);
      sin[t * half + i] = Math.sin(a);
    }
  }
  return { rotaryDim, style, cos, sin };
}

/**
 * Rotates one head vector in place: buf[o .. o + rotaryDim) at position t. `sign` = 1 forward, -1 inverse.
 */
export function rotate(buf: Float32Array, o: number, t: number, tab: RotaryTables, sign: 1 | -1): void {
  const half = tab.rotaryDim / 2;
  const tb = t * half;
  if (tab.style === "interleaved") {
    for (let i = 0; i < half; i++) {
      const c = tab.cos[tb + i],
        s = sign * tab.sin[tb + i];
      const x0 = buf[o + 2 * i],
        x1 = buf[o + 2 * i + 1];
      buf[o + 2 * i] = x0 * c - x1 * s;
      buf[o + 2 * i + 1] = x1 * c + x0 * s;
    }
  } else {
    for (let i = 0; i < half; i++) {
      const c = tab.cos[tb + i],
        s = sign * tab.sin[tb + i];
      const x0 = buf[o + i],
        x1 = buf[o + i + half];
      buf[o + i] = x0 * c - x1 * s;
      buf[o + i + half] = x1 * c + x0 * s;
    }
  }
}

/**
 * Applies RoPE to x [B, T, N, D] (heads interleaved in the hidden dimension, as q and k come out of the qkv
 * projection) in place. `sign` -1 applies the inverse (the backward).
 */
export function rotaryApply(
  x: Float32Array,
  batch: number,
  seqLen: number,
  heads: number,
  headDim: number,
  tab: RotaryTables,
  sign: 1 | -1 = 1,
): void {
  if (tab.rotaryDim > headDim) {
    throw new NumericsValueError(`rotaryDim ${tab.rotaryDim} exceeds the head size ${headDim}`);
  }
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < seqLen; t++) {
      const base = (b * seqLen + t) * heads * headDim;
      for (let h = 0; h < heads; h++) rotate(x, base + h * headDim, t, tab, sign);
    }
  }
}
