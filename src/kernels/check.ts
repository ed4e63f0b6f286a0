// Comparing a kernel's output with its reference, and deterministic test data.
import type { KernelCheck } from "./kernel.js";

/** fp32 unit roundoff (2^-24). */
export const EPS32 = 2 ** -24;

/**
 * Compare `got` with `want` elementwise: ok when every |got - want| <= tol[i] (or tol if a number).
 * For a sum of `terms` fp32 values whose absolute values add to S, a bound is terms * EPS32 * S.
 */
export function compare(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: number | ArrayLike<number>,
  what: string,
  extra?: Record<string, number>,
): KernelCheck {
  if (got.length !== want.length)
    return {
      ok: false,
      maxAbsErr: Infinity,
      tolerance: 0,
      what: `${what}: ${got.length} values, expected ${want.length}`,
      extra,
    };
  let maxAbsErr = 0;
  let ok = true;
  let worstTol = typeof tol === "number" ? tol : 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    const t = typeof tol === "number" ? tol : tol[i];
    if (!(e <= t)) ok = false;
    if (e > maxAbsErr || Number.isNaN(e)) {
      maxAbsErr = Number.isNaN(e) ? Infinity : e;
      if (typeof tol !== "number") worstTol = t;
    }
  }
  return { ok, maxAbsErr, tolerance: worstTol, what, extra };
}

/**
 * Compare with a float64 reference within its rounding bound and, bit for bit, with an fp32 reference that
 * adds in the kernel's own order. The bound grows with the number of terms (on a full rectangle it can exceed
 * one PE's share of a sum); the ordered reference sees any lost or repeated term.
 */
export function compareOrdered(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: ArrayLike<number>,
  ordered: ArrayLike<number>,
  what: string,
): KernelCheck {
  const bound = compare(got, want, tol, what);
  const exact = compare(got, ordered, 0, what);
  return {
    ...bound,
    ok: bound.ok && exact.ok,
    what:
      `${what} against a float64 reference, and bit for bit against an fp32 reference summed in the ` +
      `kernel's order` +
      (exact.ok ? "" : ` (which differs by up to ${exact.maxAbsErr})`),
  };
}

/** A small deterministic PRNG (mulberry32): same seed, same data, on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values uniform in [-1, 1), rounded to fp32. */
export function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 2 * r() - 1;
  return out;
}
