// The emulation contract: the performance model's per-kernel cycle costs against the cycle-level fabric
// simulator's counts for the same products on small rectangles. The model's figure is the mechanistic bound
// (no efficiency applied), so the simulator may only be slower, by its task, synchronisation and fill
// overheads; on tiles of 16 or more elements a side it stays within 1.5x, and the calibrated kernel
// efficiency (the fraction of the bound the real wafer sustains) falls inside the range the simulator shows.
import { describe, expect, it } from "vitest";
import { WSE2 } from "../hw/index.js";
import { matmulCost } from "../compiler/index.js";
import { gemmKernel, gemvKernel, runKernel } from "../kernels/index.js";
import { CALIBRATED } from "./params.js";

const ratios: number[] = [];

describe("per-kernel cycles: model bound vs fabric simulator", () => {
  for (const [W, H, mt, nt] of [
    [4, 4, 32, 32],
    [4, 4, 64, 64],
  ]) {
    it(`GEMV ${mt * H} x ${nt * W} on ${W} x ${H} PEs: simulated within 1.0x..1.5x of the model`, () => {
      const sim = runKernel(gemvKernel, { width: W, height: H, mt, nt }, WSE2);
      expect(sim.ok).toBe(true);
      // resident A split by rows over the grid, K = N columns, one streamed column (x)
      const model = matmulCost(WSE2, "fp32", W * H, mt * H, nt * W, 1);
      const r = sim.cycles / model.cycles;
      ratios.push(r);
      expect(r).toBeGreaterThanOrEqual(1);
      expect(r).toBeLessThan(1.5);
    });
  }
  for (const [W, H, t, steps] of [
    [4, 4, 16, 4],
    [8, 8, 8, 8],
  ]) {
    const M = t * H;
    const N = t * W;
    const K = t * steps;
    it(`SUMMA GEMM ${M} x ${K} x ${N} on ${W} x ${H} PEs: simulated within 1.0x..1.5x of the model`, () => {
      const sim = runKernel(gemmKernel, { width: W, height: H, mt: t, nt: t, kt: t, steps }, WSE2);
      expect(sim.ok).toBe(true);
      const model = matmulCost(WSE2, "fp32", W * H, M, K, N);
      const r = sim.cycles / model.cycles;
      ratios.push(r);
      expect(r).toBeGreaterThanOrEqual(1);
      expect(r).toBeLessThan(1.5);
    });
  }
  it("the calibrated kernel efficiency lies within the simulator's range of bound / simulated", () => {
    const eff = ratios.map((r) => 1 / r);
    expect(CALIBRATED.kernelEfficiency).toBeGreaterThanOrEqual(Math.min(...eff) - 0.05);
    expect(CALIBRATED.kernelEfficiency).toBeLessThanOrEqual(Math.max(...eff) + 0.05);
  });
});
