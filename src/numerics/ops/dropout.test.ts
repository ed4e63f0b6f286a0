// Dropout from the counter-based generator: the rate, the scale, and masks as a pure function of the key.
import { describe, expect, it } from "vitest";
import { NumericsValueError } from "../errors.js";
import type { DropoutSite } from "./dropout.js";
import { dropoutApply } from "./dropout.js";

const site: DropoutSite = { seed: 42, step: 3, layerIndex: 1, site: 2, sampleOffset: 0 };

function masked(p: number, s: DropoutSite, samples = 4, per = 25_000): Float32Array {
  const a = new Float32Array(samples * per).fill(1);
  dropoutApply(a, samples, per, p, s);
  return a;
}

describe("dropout", () => {
  it("drops a fraction p (within 1% on 100,000 draws) and scales the kept ones by 1 / (1 - p)", () => {
    for (const p of [0.1, 0.5]) {
      const a = masked(p, site);
      const dropped = a.filter((x) => x === 0).length / a.length;
      expect(Math.abs(dropped - p)).toBeLessThan(0.01);
      expect(a.every((x) => x === 0 || Math.abs(x - 1 / (1 - p)) < 1e-6)).toBe(true);
    }
  });

  it("a sample's mask depends on its global index, not on where it sits in the buffer", () => {
    const whole = masked(0.3, site, 4, 1000);
    const tail = masked(0.3, { ...site, sampleOffset: 2 }, 2, 1000);
    expect(tail).toEqual(whole.subarray(2000));
  });

  it("other seeds, steps, layers and sites draw other masks", () => {
    const base = masked(0.3, site, 1, 1000);
    for (const change of [{ seed: 43 }, { step: 4 }, { layerIndex: 2 }, { site: 1 }]) {
      expect(masked(0.3, { ...site, ...change }, 1, 1000)).not.toEqual(base);
    }
  });

  it("rate 0 is a no-op; a rate outside [0, 1) is an error naming it", () => {
    expect(masked(0, site, 1, 10).every((x) => x === 1)).toBe(true);
    expect(() => masked(1, site, 1, 10)).toThrow(NumericsValueError);
    expect(() => masked(1, site, 1, 10)).toThrow(/dropout rate 1 must be in \[0, 1\)/);
  });
});
