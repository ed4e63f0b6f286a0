// Every kernel against its reference on several sizes, including non-square and 1-wide rectangles, and the
// shape of runKernel's result that the performance model reads.
import { describe, expect, it } from "vitest";
import { WSE2, WSE3, peakFlops } from "../hw/index.js";
import { KERNELS, KernelParamError, reduceReference, runKernel, stencilReference } from "./index.js";
import { EPS32, compareOrdered } from "./check.js";
import { orderedReference, weight } from "./wafer-reduce.js";

const SIZES: [number, number][] = [
  [1, 1],
  [4, 3],
  [1, 5],
  [6, 1],
  [5, 5],
];

// Small parameters keep the suite fast; defaults are exercised by the CLI tests.
const SMALL: Record<string, Record<string, number>> = {
  gemv: { mt: 5, nt: 3 },
  gemm: { mt: 3, nt: 2, kt: 4 },
  reduce: { n: 5 },
  allreduce: { n: 5 },
  stencil: { n: 4, iters: 3 },
  bandwidth: { n: 16 },
  "wafer-reduce": { n: 4, loops: 3 },
};

describe("every kernel matches its reference", () => {
  for (const [name, def] of Object.entries(KERNELS))
    for (const [w, h] of SIZES)
      it(`${name} on ${w} x ${h}`, () => {
        const r = runKernel(def, { width: w, height: h, ...SMALL[name] }, WSE2);
        expect(r.ok, `${r.check}: max error ${r.maxAbsErr} > ${r.tolerance}`).toBe(true);
        expect(r.busyCyclesPerPE.length).toBe(w * h);
        expect(r.cycles).toBeGreaterThan(0);
      });
  for (const axis of [0, 1, 2])
    for (const all of ["reduce", "allreduce"])
      it(`${all} along axis ${axis} on 7 x 4`, () => {
        const r = runKernel(KERNELS[all], { width: 7, height: 4, n: 3, axis }, WSE2);
        expect(r.ok).toBe(true);
      });
  it("gemm with more panels than PEs per row and column (steps = 7 on 3 x 2)", () => {
    expect(runKernel(KERNELS.gemm, { width: 3, height: 2, mt: 2, nt: 3, kt: 2, steps: 7 }, WSE2).ok).toBe(
      true,
    );
  });
  it("kernels run on a WSE-3 as well", () => {
    expect(runKernel(KERNELS.gemv, { width: 3, height: 2, mt: 4, nt: 4 }, WSE3).ok).toBe(true);
  });
});

describe("references", () => {
  it("wafer-reduce's fp32 reference sees one lost PE of the full rectangle, which the float64 bound does not", () => {
    const [W, H, loops] = [750, 994, 4];
    const v = [0.75];
    const all = orderedReference(v, W, H, loops)[0];
    const lost = orderedReference(v, W, H, loops, (x, y) => (x === 123 && y === 456 ? 0 : weight(x, y)))[0];
    let wsum = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) wsum += weight(x, y);
    const bound = 2 * (W * H + loops) * EPS32 * loops * wsum * v[0];
    expect(Math.abs(lost - all)).toBeGreaterThan(0);
    expect(Math.abs(lost - all)).toBeLessThan(bound);
    // and on a small rectangle the reference is the exact sum: weights are multiples of 1/16, v is 0.75
    const small = orderedReference(v, 5, 3, 2)[0];
    let exact = 0;
    for (let y = 0; y < 3; y++) for (let x = 0; x < 5; x++) exact += 2 * 0.75 * weight(x, y);
    expect(small).toBe(exact);
  });
  it("reduce along rows puts each row's sum on its east PE", () => {
    const v = Float32Array.from([1, 2, 3, 10, 20, 30]); // 3 x 2, n = 1
    const { want } = reduceReference(v, 3, 2, 1, "row", false);
    expect([want[2], want[5]]).toEqual([6, 60]);
    expect(Number.isNaN(want[0])).toBe(true);
  });
  it("the fp32 reference of a reduction adds in the kernel's order: rows first, then the east column", () => {
    // 2 x 2, n = 1: 2^24 + 1 is not an fp32; the rows round before the column adds them
    const v = Float32Array.from([2 ** 24, 1, 1, 1]);
    const { want, exact } = reduceReference(v, 2, 2, 1, "rect", false);
    expect(want[3]).toBe(2 ** 24 + 3);
    expect(exact[3]).toBe(Math.fround(Math.fround(2 ** 24 + 1) + 2)); // 2^24 + 2
  });
  it("compareOrdered fails a result inside the float64 bound that is not the ordered fp32 sum", () => {
    const ok = compareOrdered([2], [2], [0.5], [2], "x");
    const off = compareOrdered([2.25], [2], [0.5], [2], "x");
    expect([ok.ok, off.ok]).toEqual([true, false]);
    expect(off.what).toContain("which differs by up to 0.25");
  });
  it("one stencil step on 3 x 1: c0 u + c1 (neighbours)", () => {
    const u = stencilReference(Float32Array.from([1, 2, 4]), 3, 1, 1, 1);
    expect(Array.from(u)).toEqual([0.5 + 0.125 * 2, 1 + 0.125 * 5, 2 + 0.125 * 2]);
  });
});

describe("cycle counts the performance model compares against", () => {
  it("gemv on one PE: mt-long FMACs, one per column, plus the zeroing move and b", () => {
    const mt = 12;
    const nt = 5;
    const w = WSE2.simd;
    const r = runKernel(KERNELS.gemv, { width: 1, height: 1, mt, nt }, WSE2);
    // fmovs y = 0, nt FMACs, fadds y += b; all memory operations on one PE.
    const want =
      Math.ceil(mt / w["mov.fp32"]) + nt * Math.ceil(mt / w["fmac.fp32"]) + Math.ceil(mt / w["add.fp32"]);
    expect(r.cycles).toBe(want);
    expect(r.flops).toBe(2 * mt * nt + mt);
  });
  it("reports FLOP/s against the rectangle's peak from src/hw", () => {
    const r = runKernel(KERNELS.gemm, { width: 2, height: 2, mt: 4, nt: 4, kt: 4 }, WSE2);
    expect(r.peakFlopsPerSec).toBe(peakFlops(WSE2, "fmac.fp32", 4));
    expect(r.achievedFlopsPerSec).toBeCloseTo(r.flops / (r.cycles / WSE2.clockHz), 0);
    expect(r.achievedFlopsPerSec).toBeLessThanOrEqual(r.peakFlopsPerSec);
  });
  it("the bandwidth test reports transfer cycles and rates", () => {
    const r = runKernel(KERNELS.bandwidth, { width: 2, height: 2, n: 64 }, WSE2);
    expect(r.extra.h2dCycles).toBeGreaterThanOrEqual(4 * 64);
    expect(r.extra.h2dBytesPerSec).toBeGreaterThan(0);
  });
});

describe("kernel parameters", () => {
  it("an unknown parameter names the known ones", () => {
    expect(() => runKernel(KERNELS.gemv, { width: 1, height: 1, mm: 3 }, WSE2)).toThrow(KernelParamError);
    expect(() => runKernel(KERNELS.gemv, { width: 1, height: 1, mm: 3 }, WSE2)).toThrow(
      /has no parameter "mm" \(it has: mt, nt\)/,
    );
  });
  it("a value out of range names the range", () => {
    expect(() => runKernel(KERNELS.reduce, { width: 1, height: 1, n: 0 }, WSE2)).toThrow(
      /n = 0 is out of range: must be an integer in 1..4096/,
    );
  });
});
