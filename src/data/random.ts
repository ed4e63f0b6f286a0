// Seeded random numbers for the input pipeline: a counter-based generator, so that what a sample looks like
// (its masking, its synthetic values, its position in an epoch) is a pure function of (seed, epoch, sample)
// and never of how many draws came before. That is what makes shuffling resumable and sharding exact.
// The mixer is the numerics layer's (lowbias32).
import { hash32 } from "../numerics/rng.js";

/** A key from several integer parts. */
export function key(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) h = hash32(h ^ hash32((p >>> 0) + Math.floor(p / 2 ** 32)));
  return h;
}

/** A small stream generator seeded from a key (for drawing several numbers for one sample). */
export class Stream {
  private counter = 0;
  constructor(private readonly k: number) {}

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    return hash32(this.k ^ hash32(this.counter++ + 0x632be5ab));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** The order of samples 0..n-1 in an epoch: a Fisher-Yates shuffle seeded by (seed, epoch). */
export function permutation(n: number, seed: number, epoch: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const s = new Stream(key(seed, epoch, 0x5f));
  for (let i = n - 1; i > 0; i--) {
    const j = s.below(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
