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

describe("a dense bucket of distinct ids is sorted through a bitmap, any other by merging", () => {
  const rand = lcg(11);
  /** n distinct multiples of 16 (plus `low`) from 0..span*16, in `runs` ascending runs. */
  function distinct(n: number, span: number, runs: number, low: number): number[] {
    const pool = Array.from({ length: span }, (_, i) => i * 16 + low);
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    const picked = pool.slice(0, n);
    const per = Math.ceil(n / runs);
    return Array.from({ length: runs }, (_, r) =>
      picked.slice(r * per, (r + 1) * per).sort((x, y) => x - y),
    ).flat();
  }
  for (const [n, span, runs, low] of [
    [49, 60, 7, 0], // one word per entry or fewer: the bitmap
    [500, 4000, 20, 0],
    [500, 4000, 80, 3], // ids alike modulo 16 but not multiples of it
    [2000, 2000, 300, 0], // every id of the span
    [100, 200_000, 9, 0], // spread over more words than entries: merged
  ])
    it(`${n} distinct ids over ${span} slots in ${runs} runs come out sorted`, () => {
      const entries = distinct(n, span, runs, low);
      expect(sortedByWheel(entries, 9)).toEqual([...entries].sort((x, y) => x - y));
    });

  it("ids differing modulo 16 are merged and come out sorted", () => {
    const entries = distinct(300, 1000, 10, 0).map((v, i) => v + (i % 3));
    expect(sortedByWheel(entries, 9)).toEqual([...entries].sort((x, y) => x - y));
  });
});
