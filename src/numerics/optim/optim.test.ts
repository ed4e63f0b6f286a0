// Optimizers, clipping and schedules against hand-derived numbers (PyTorch's and Model Zoo's formulas worked
// by hand for one parameter), and state save/restore.
import { describe, expect, it } from "vitest";
import { NumericsValueError } from "../errors.js";
import { GEMM_BACKENDS, gemmBackend, useGemmBackend } from "../gemm.js";
import { addInto } from "../ops/linear.js";
import { Tensor } from "../tensor.js";
import { relMaxError } from "../testing.js";
import { clipGradNorm, globalGradNorm } from "./clip.js";
import type { OptimParam } from "./optimizers.js";
import { Optimizer } from "./optimizers.js";
import type { LrSchedule, ScheduleSegment } from "./schedules.js";
import { constantSchedule, learningRateAt, scheduleSegment, validateSchedule } from "./schedules.js";

function one(value: number, decay = true): OptimParam {
  return { name: "p", value: Tensor.from([1], [value]), decay };
}
const grad = (g: number) => new Map([["p", Tensor.from([1], [g])]]);

describe("optimizer updates follow PyTorch's formulas", () => {
  it("SGD with momentum: b1 = g1, b2 = m b1 + g2, p -= lr b", () => {
    const p = one(1);
    const o = new Optimizer({ kind: "SGD", momentum: 0.9 });
    o.step([p], grad(0.5), { lr: 0.1 }); // b = 0.5, p = 1 - 0.05
    expect(p.value.data[0]).toBeCloseTo(0.95, 6);
    o.step([p], grad(0.25), { lr: 0.1 }); // b = 0.45 + 0.25 = 0.7, p = 0.95 - 0.07
    expect(p.value.data[0]).toBeCloseTo(0.88, 6);
  });

  it("SGD nesterov and L2 weight decay: g' = g + wd p, update g' + m b", () => {
    const p = one(2);
    const o = new Optimizer({ kind: "SGD", momentum: 0.5, nesterov: true, weightDecay: 0.1 });
    o.step([p], grad(1), { lr: 0.1 }); // g' = 1.2, b = 1.2, upd = 1.2 + 0.6 = 1.8, p = 2 - 0.18
    expect(p.value.data[0]).toBeCloseTo(1.82, 6);
  });

  it("Adam step 1 moves by lr * sign(g) (bias-corrected), L2 decay enters the gradient", () => {
    const p = one(1);
    const o = new Optimizer({ kind: "Adam", weightDecay: 0.5, eps: 0 });
    o.step([p], grad(0.2), { lr: 0.01 }); // g' = 0.7: mhat = 0.7, vhat = 0.49, step = 0.01
    expect(p.value.data[0]).toBeCloseTo(0.99, 6);
  });

  it("AdamW: decoupled decay p *= 1 - lr wd, then the Adam step; none on parameters without decay", () => {
    const a = one(1),
      b = { ...one(1, false), name: "q" };
    const o = new Optimizer({ kind: "AdamW", weightDecay: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    const g = new Map([
      ["p", Tensor.from([1], [0.3])],
      ["q", Tensor.from([1], [0.3])],
    ]);
    o.step([a, b], g, { lr: 0.01 });
    // p = 1 * (1 - 0.001) - 0.01 * 0.3 / (0.3 + 1e-8)
    expect(a.value.data[0]).toBeCloseTo(0.999 - 0.01, 6);
    expect(b.value.data[0]).toBeCloseTo(1 - 0.01, 6);
    // step 2, g = -0.1: m = 0.9*0.03 - 0.01 = 0.017, v = 0.999*0.00009 + 0.001*0.01 = 0.00009991
    o.step([a, b], new Map([["q", Tensor.from([1], [-0.1])]]), { lr: 0.01 });
    const m = 0.017 / (1 - 0.81),
      v = 0.00009991 / (1 - 0.998001);
    expect(b.value.data[0]).toBeCloseTo(0.99 - (0.01 * m) / (Math.sqrt(v) + 1e-8), 5);
  });

  it("correct_bias false drops the bias correction", () => {
    const p = one(0, false);
    const o = new Optimizer({ kind: "AdamW", correctBias: false, eps: 0 });
    o.step([p], grad(1), { lr: 1 }); // m = 0.1, v = 0.001: step = 0.1 / sqrt(0.001)
    expect(p.value.data[0]).toBeCloseTo(-0.1 / Math.sqrt(0.001), 4);
  });

  it("gradScale undoes a loss scale before the update", () => {
    const p = one(1, false),
      q = one(1, false);
    new Optimizer({ kind: "SGD" }).step([p], grad(0.5), { lr: 1 });
    new Optimizer({ kind: "SGD" }).step([q], grad(512), { lr: 1, gradScale: 1 / 1024 });
    expect(q.value.data[0]).toBe(p.value.data[0]);
  });

  for (const kind of ["SGD", "Adam", "AdamW"] as const) {
    it(`${kind}: saved and restored state continues exactly like the uninterrupted run`, () => {
      const cfg = { kind, momentum: 0.9, weightDecay: 0.01 };
      const p1 = one(1),
        p2 = one(1);
      const o1 = new Optimizer(cfg);
      for (const g of [0.3, -0.2, 0.5]) o1.step([p1], grad(g), { lr: 0.05 });
      const o2a = new Optimizer(cfg);
      for (const g of [0.3, -0.2]) o2a.step([p2], grad(g), { lr: 0.05 });
      const saved = o2a.state();
      const o2b = new Optimizer(cfg);
      o2b.loadState(saved);
      saved.buffers[Object.keys(saved.buffers)[0]]?.fill(99); // the optimizer holds a copy
      o2b.step([p2], grad(0.5), { lr: 0.05 });
      expect(p2.value.data[0]).toBe(p1.value.data[0]);
      expect(o2b.steps).toBe(3);
    });
  }

  it("bad hyper-parameters and mismatched state are NumericsValueErrors naming the key", () => {
    expect(() => new Optimizer({ kind: "AdamW", beta2: 1 })).toThrow(/beta2 1 must be in \[0, 1\)/);
    expect(() => new Optimizer({ kind: "Lamb" as never })).toThrow(NumericsValueError);
    const s = new Optimizer({ kind: "SGD" }).state();
    expect(() => new Optimizer({ kind: "AdamW" }).loadState(s)).toThrow(/state is for SGD/);
  });
});

describe("clipping by global norm (torch.nn.utils.clip_grad_norm_)", () => {
  it("scales every gradient by max / (norm + 1e-6) when the norm exceeds max, and returns the norm", () => {
    const a = Tensor.from([2], [3, 0]),
      b = Tensor.from([1], [4]);
    const norm = clipGradNorm([a, b], 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(a.data[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    expect(b.data[0]).toBeCloseTo(4 / (5 + 1e-6), 6);
  });

  it("leaves gradients under the limit alone, and counts a pending loss scale in the norm", () => {
    const a = Tensor.from([1], [1024]);
    expect(clipGradNorm([a], 2, 1 / 1024)).toBeCloseTo(1, 6);
    expect(a.data[0]).toBe(1024);
    expect(globalGradNorm([Tensor.from([2], [1, 1])])).toBeCloseTo(Math.SQRT2, 6);
  });
});

describe("learning-rate schedules as Model Zoo computes them", () => {
  const warmupCosine: LrSchedule = {
    resetSteps: true,
    segments: [
      scheduleSegment({ kind: "linear", initial: 0, end: 1e-3, steps: 10 }),
      scheduleSegment({ kind: "cosine", initial: 1e-3, end: 1e-4, steps: 100 }),
    ],
  };

  it("Linear warm-up: lr(s) = end + (initial - end)(1 - s/steps)", () => {
    expect(learningRateAt(warmupCosine, 0)).toBe(0);
    expect(learningRateAt(warmupCosine, 5)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt(warmupCosine, 9)).toBeCloseTo(9e-4, 12);
  });

  it("CosineDecay counts from its own start: end + (initial - end) (1 + cos(pi s / steps)) / 2", () => {
    expect(learningRateAt(warmupCosine, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(warmupCosine, 60)).toBeCloseTo(1e-4 + 9e-4 * 0.5, 12);
    expect(learningRateAt(warmupCosine, 35)).toBeCloseTo(1e-4 + 9e-4 * 0.5 * (1 + Math.cos(Math.PI / 4)), 12);
  });

  it("the last piece holds its end value past its steps", () => {
    expect(learningRateAt(warmupCosine, 110)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(warmupCosine, 10_000)).toBeCloseTo(1e-4, 12);
  });

  it("Constant pieces and plain numbers", () => {
    const s: LrSchedule = {
      resetSteps: true,
      segments: [
        scheduleSegment({ kind: "constant", initial: 0.5, steps: 3 }),
        scheduleSegment({ kind: "linear", initial: 0.4, end: 0, steps: 4 }),
      ],
    };
    expect([0, 2, 3, 4, 7, 8].map((i) => learningRateAt(s, i))).toEqual([
      0.5, 0.5, 0.4, 0.30000000000000004, 0, 0,
    ]);
    expect(learningRateAt(2e-4, 123)).toBe(2e-4);
    expect(learningRateAt(constantSchedule(2e-4), 123)).toBe(2e-4);
  });

  it("invalid schedules name the piece and the key", () => {
    const of = (...segments: ScheduleSegment[]): LrSchedule => ({ segments, resetSteps: true });
    expect(() => validateSchedule(of())).toThrow(/empty list/);
    expect(() =>
      validateSchedule(
        of(
          scheduleSegment({ kind: "constant", initial: 1 }),
          scheduleSegment({ kind: "constant", initial: 1 }),
        ),
      ),
    ).toThrow(/learning_rate\[0\] \(Constant\): steps is required/);
    expect(() =>
      validateSchedule(of(scheduleSegment({ kind: "linear", initial: 1, end: 0, steps: 0 }))),
    ).toThrow(/steps 0 must be a whole number > 0/);
    expect(() => validateSchedule(-1)).toThrow(/learning_rate -1/);
    expect(() =>
      validateSchedule(of(scheduleSegment({ kind: "cosine", initial: -1, end: 0, steps: 5 }))),
    ).toThrow(/learning_rate\[0\] \(CosineDecay\): learning rates -1, 0 must be finite numbers >= 0/);
  });

  it("warm up linearly, then decay on a cosine counted from the segment's start, then hold the end", () => {
    expect(learningRateAt(warmupCosine, 0)).toBe(0);
    expect(learningRateAt(warmupCosine, 5)).toBeCloseTo(5e-4, 12);
    expect(learningRateAt(warmupCosine, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(warmupCosine, 60)).toBeCloseTo(1e-4 + 0.9e-3 * 0.5, 12); // halfway: cos(pi/2) = 0
    expect(learningRateAt(warmupCosine, 500)).toBeCloseTo(1e-4, 12);
  });

  it("with disable_lr_steps_reset the later segment sees the global step", () => {
    const s: LrSchedule = { ...warmupCosine, resetSteps: false };
    // global step 60 is 60/100 of the cosine
    expect(learningRateAt(s, 60)).toBeCloseTo(1e-4 + (0.9e-3 * (1 + Math.cos(0.6 * Math.PI))) / 2, 12);
  });

  it("exponential decay, staircase or smooth", () => {
    const e = (staircase: boolean): LrSchedule => ({
      resetSteps: true,
      segments: [
        scheduleSegment({
          kind: "exponential",
          initial: 1,
          end: 1,
          decayRate: 0.5,
          decaySteps: 10,
          staircase,
        }),
      ],
    });
    expect(learningRateAt(e(false), 15)).toBeCloseTo(0.5 ** 1.5, 12);
    expect(learningRateAt(e(true), 15)).toBe(0.5);
  });
});

describe.runIf(GEMM_BACKENDS.has("openblas"))("clipping and accumulation on the OpenBLAS backend", () => {
  const n = 300_001; // several chunks of 65,536 elements and a partial one
  const grad = () => Tensor.randn([n], 0.5, 3, "g");

  it("carries the kernels", () => {
    const k = GEMM_BACKENDS.get("openblas")!.kernels!;
    expect(typeof k.sumSquares).toBe("function");
    expect(typeof k.addInto).toBe("function");
  });

  it("the norm equals the TypeScript's to 1e-12 and is the same for 1 and 2 threads; clipping and addInto match it", () => {
    const be = GEMM_BACKENDS.get("openblas")!;
    const prev = gemmBackend().name;
    const prevThreads = be.threads();
    try {
      useGemmBackend("typescript");
      const ts = grad();
      const tsNorm = clipGradNorm([ts], 1);
      const tsSum = grad();
      addInto(tsSum.data, ts.data);
      useGemmBackend("openblas");
      const norms = [1, 2].map((t) => {
        be.setThreads(t);
        return globalGradNorm([grad()]);
      });
      expect(norms[0]).toBe(norms[1]);
      expect(Math.abs(norms[0] - tsNorm) / tsNorm).toBeLessThan(1e-12);
      const nat = grad();
      clipGradNorm([nat], 1);
      const natSum = grad();
      addInto(natSum.data, nat.data);
      expect(relMaxError(nat.data, ts.data)).toBeLessThan(1e-6);
      // the clipped values differ at most by the rounding of the coefficient (the norms differ by ~1e-16)
      expect(relMaxError(natSum.data, tsSum.data)).toBeLessThan(1e-6);
    } finally {
      useGemmBackend(prev);
      be.setThreads(prevThreads);
    }
  });
});
