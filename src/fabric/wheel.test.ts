import { describe, expect, it } from "vitest";
import { TimingWheel } from "./wheel.js";

/** A deterministic linear congruential generator, so a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** `runs` ascending runs of random block offsets (duplicates allowed), n entries in all. */
function bucket(n: number, runs: number, rand: () => number): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs; r++) {
    const len = r === runs - 1 ? n - out.length : Math.floor(n / runs);
    const run = Array.from({ length: len }, () => Math.floor(rand() * 5000) * 16).sort((x, y) => x - y);
    out.push(...run);
  }
  return out;
}

function sortedByWheel(entries: number[], t: number): number[] {
  const w = new TimingWheel();
  for (const e of entries) w.add(t, e);
  w.sort(t);
  return Array.from(w.bucket(t).subarray(0, w.count(t)));
}

describe("the timing wheel visits a cycle's entries in ascending order", () => {
  const rand = lcg(7);
  for (const [n, runs] of [
    [1, 1],
    [30, 5],
    [48, 48],
    [49, 2],
    [200, 3],
    [1000, 17],
    [1000, 64],
    [1000, 65],
    [3000, 400],
  ])
    it(`${n} entries in ${runs} ascending runs come out sorted, as Array.prototype.sort sorts them`, () => {
      const entries = bucket(n, runs, rand);
      expect(sortedByWheel(entries, 5)).toEqual([...entries].sort((x, y) => x - y));
    });

  it("entries due beyond the ring come back sorted when their cycle is reached", () => {
    const w = new TimingWheel();
    const entries = bucket(300, 7, rand);
    for (const e of entries) w.add(1000, e);
    expect(w.next(0)).toBe(1000);
    w.sort(1000);
    expect(Array.from(w.bucket(1000).subarray(0, w.count(1000)))).toEqual([...entries].sort((x, y) => x - y));
  });
});
