// Shuffles are permutations, depend only on (seed, epoch), and draws are reproducible.
import { describe, expect, it } from "vitest";
import { Stream, key, permutation } from "./random.js";

describe("seeded shuffling", () => {
  it("is a permutation of 0..n-1", () => {
    const p = permutation(1000, 7, 3);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
  it("depends only on the seed and the epoch", () => {
    expect(permutation(50, 1, 2)).toEqual(permutation(50, 1, 2));
    expect(permutation(50, 1, 2)).not.toEqual(permutation(50, 1, 3));
    expect(permutation(50, 2, 2)).not.toEqual(permutation(50, 1, 2));
  });
  it("draws uniforms in [0, 1) with mean 1/2 and normals with variance 1", () => {
    const s = new Stream(key(1, 2, 3));
    let m = 0;
    let v = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = s.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      m += u / n;
      const z = s.normal();
      v += (z * z) / n;
    }
    expect(Math.abs(m - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(v - 1)).toBeLessThan(0.05);
  });
});
