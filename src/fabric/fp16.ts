// IEEE 754 binary16 (fp16) conversions. The wafer stores fp16 values as raw 16-bit patterns; arithmetic on
// them is done in double precision and rounded once to fp16 (round to nearest, ties to even), as a fused
// hardware operation would.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** fp16 bit pattern -> its value as a number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 31) return man ? NaN : sign * Infinity;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** Every fp16 pattern's value, for fast decoding in vector loops. */
export const HALF_TO_FLOAT: Float32Array = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfToFloat(h);
  return t;
})();

/** A number -> the nearest fp16 bit pattern (round to nearest, ties to even; overflow to infinity). */
export function floatToHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  let a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  // Largest finite fp16 is 65504; values at or past the rounding midpoint to 65536 overflow.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: units of 2^-24, rounded to nearest even.
    const q = a * 2 ** 24;
    let m = Math.floor(q);
    const r = q - m;
    if (r > 0.5 || (r === 0.5 && (m & 1) === 1)) m++;
    return sign | m; // m == 1024 rolls into the smallest normal, which is the right pattern
  }
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one near powers of two; fix it exactly.
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  a = a / 2 ** e - 1; // fraction in [0, 1)
  const q = a * 1024;
  let m = Math.floor(q);
  const r = q - m;
  if (r > 0.5 || (r === 0.5 && (m & 1) === 1)) m++;
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** Round a number to the nearest fp16 value. */
export function roundHalf(v: number): number {
  return HALF_TO_FLOAT[floatToHalf(v)];
}

/** The bit pattern of a number rounded to fp32. */
export function floatBits(v: number): number {
  f32[0] = v;
  return u32[0];
}

/** The fp32 value of a 32-bit pattern. */
export function bitsToFloat(bits: number): number {
  u32[0] = bits;
  return f32[0];
}
