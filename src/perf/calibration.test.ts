// The calibration rows within 15% of the measured samples/s, and the committed parameters equal to the fit
// scripts/calibrate-perf.ts re-derives.
import { describe, expect, it } from "vitest";
import { calibrate, predictRow } from "./calibrate.js";
import { CALIBRATION_ROWS } from "./calibration.js";
import { CALIBRATED, CALIBRATED_KEYS } from "./params.js";

describe("calibration rows (facts/measured-throughput.md)", () => {
  for (const r of CALIBRATION_ROWS) {
    it(`${r.id}: ${r.what} is within 15% of ${r.measuredSamplesPerSec} samples/s`, () => {
      const p = predictRow(r, CALIBRATED);
      expect(Math.abs(p.error)).toBeLessThan(0.15);
      expect(p.artifact.decision.mode).toBe(r.input().run.executionStrategy);
    });
  }
  it("the committed parameters are the fit's, to 0.1%", () => {
    const fit = calibrate();
    for (const k of CALIBRATED_KEYS) expect(CALIBRATED[k] / fit.params[k]).toBeCloseTo(1, 3);
  });
  it("the fitted parameters are physical: efficiencies in (0, 1], a layer switch under 10 ms", () => {
    expect(CALIBRATED.kernelEfficiency).toBeGreaterThan(0);
    expect(CALIBRATED.kernelEfficiency).toBeLessThanOrEqual(1);
    expect(CALIBRATED.pipelineStageEfficiency).toBeGreaterThan(0);
    expect(CALIBRATED.pipelineStageEfficiency).toBeLessThanOrEqual(1);
    expect(CALIBRATED.layerSwitchSeconds).toBeGreaterThanOrEqual(0);
    expect(CALIBRATED.layerSwitchSeconds).toBeLessThan(0.01);
  });
});
