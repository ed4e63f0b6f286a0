// Counter-based random numbers: every draw is a pure function of its key and counter, never of a stream
// position. Dropout masks are keyed by (seed, step, layer, site, global sample index) and indexed by the
// element, so a batch split across systems or micro-batches draws exactly the masks of the whole batch, and
// parameter initialisation is keyed by (seed, full parameter name), so it does not depend on creation order.
//
// The mixer is `lowbias32` (a 32-bit integer hash with full avalanche); keys are built by hashing each
// component into the previous key. Uniforms have 32 bits of resolution (or 24 for float32 init draws).

/** 32-bit avalanche hash (lowbias32). Returns an unsigned 32-bit integer. */
export function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Folds integer components into one 32-bit key. Components may be any safe integers (high bits folded). */
export function mixKey(...parts: readonly number[]): number {
  let h = 0x6a09e667;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = hash32((h ^ lo) + 0x9e3779b9);
    if (hi !== 0) h = hash32((h ^ hi) + 0x7f4a7c15);
  }
  return h;
}

/** FNV-1a over the UTF-16 code units of a string, then mixed: a stable 32-bit key for a name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return hash32(h);
}

/** The i-th uniform draw in [0, 2^32) of the stream `key`. */
export function drawU32(key: number, i: number): number {
  return hash32((key + Math.imul(i, 0x9e3779b1)) ^ Math.imul(i >>> 16, 0x85ebca6b));
}

/**
 * Fills `out` with N(0, std^2) draws of the stream keyed by `key` (Box-Muller on counter-based uniforms):
 * element i uses draws 2*floor(i/2) and 2*floor(i/2)+1.
 */
export function fillNormal(out: Float32Array, key: number, std: number): void {
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    // u1 in (0, 1], u2 in [0, 1)
    const u1 = (drawU32(key, i) + 1) / 4294967296;
    const u2 = drawU32(key, i + 1) / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    const a = 2 * Math.PI * u2;
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
}

/** Fills `out` with uniform draws in [lo, hi) of the stream `key`. */
export function fillUniform(out: Float32Array, key: number, lo: number, hi: number): void {
  const scale = (hi - lo) / 4294967296;
  for (let i = 0; i < out.length; i++) out[i] = lo + drawU32(key, i) * scale;
}
