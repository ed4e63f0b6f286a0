// The performance model's mechanisms, each pinned on its own: modes the bar asks for, data-parallel
// scaling, the SwarmX tree, host I/O, SRAM ports, and the breakdown adding up.
import { describe, expect, it } from "vitest";
import { CS2, CS3, makeCluster } from "../hw/index.js";
import type { ClusterSpec } from "../hw/index.js";
import { compile } from "../compiler/index.js";
import type { CompileArtifact, ExecutionMode } from "../compiler/index.js";
import type { ModelIR } from "../model/index.js";
import { bertLargeMsl128, gptj6b, llama7b } from "./calibration.js";
import { estimatePlan, estimateStep } from "./estimate.js";
import { perfTimeModel } from "./model.js";

const time = perfTimeModel();
const GPTJ = gptj6b();
const BERT = bertLargeMsl128();

function run(model: ModelIR, batch: number, cluster: ClusterSpec, force?: ExecutionMode) {
  const input = {
    model,
    run: { mode: "train" as const, globalBatch: batch, optimizer: "AdamW", executionStrategy: force },
    cluster,
  };
  const a = compile(input, { time }).artifact as CompileArtifact;
  return { a, e: estimatePlan(a.layers, a.plan, input) };
}
const cs2 = (n: number) => makeCluster(CS2, n);

describe("mode selection on the calibration models", () => {
  it("BERT-Large, batch 1024, one CS-2 compiles pipelined", () => {
    expect(run(BERT, 1024, cs2(1)).a.decision.mode).toBe("pipeline");
  });
  it("GPT-J 6B and LLaMA-7B compile in weight streaming", () => {
    expect(run(GPTJ, 120, cs2(1)).a.decision.mode).toBe("weight_streaming");
    expect(run(llama7b(), 120, cs2(1)).a.decision.mode).toBe("weight_streaming");
  });
  it("--num_csx 2 is always weight streaming, even for BERT", () => {
    expect(run(BERT, 1024, cs2(2)).a.decision.mode).toBe("weight_streaming");
  });
});

describe("data-parallel scaling of GPT-J 6B (60 samples per system, as in C3)", () => {
  const one = run(GPTJ, 60, cs2(1)).e.samplesPerSec;
  it("2 systems give 1.8x to 2.0x one system", () => {
    const r = run(GPTJ, 120, cs2(2)).e.samplesPerSec / one;
    expect(r).toBeGreaterThanOrEqual(1.8);
    expect(r).toBeLessThanOrEqual(2.0);
  });
  it("16 systems give at least 12x", () => {
    expect(run(GPTJ, 960, cs2(16)).e.samplesPerSec / one).toBeGreaterThanOrEqual(12);
  });
  it("at a fixed global batch of 120, 2 systems give 1.8x to 2.0x", () => {
    const r = run(GPTJ, 120, cs2(2)).e.samplesPerSec / run(GPTJ, 120, cs2(1)).e.samplesPerSec;
    expect(r).toBeGreaterThanOrEqual(1.8);
    expect(r).toBeLessThanOrEqual(2.0);
  });
});

describe("mechanisms", () => {
  it("the SwarmX tree adds 2 x 10 us per extra level at the step boundary", () => {
    // 4 systems: depth 1; 16: depth 2 (1:4 nodes). Same per-system batch, so only the tree differs.
    const s4 = run(GPTJ, 240, cs2(4)).e;
    const s16 = run(GPTJ, 960, cs2(16)).e;
    expect(s16.deviceSecondsPerStep - s4.deviceSecondsPerStep).toBeCloseTo(2 * 10e-6, 12);
  });
  it("a slow host link (100 Gb/s) makes weight streaming I/O-bound: the step is the weights' streaming time", () => {
    const slow: ClusterSpec = {
      ...cs2(1),
      system: { ...CS2, ethernetPorts: 1 },
      memoryx: { ...cs2(1).memoryx, ioBitsPerSec: 100e9 },
    };
    const fast = run(GPTJ, 60, cs2(1)).e;
    const e = run(GPTJ, 60, slow).e;
    expect(e.bound).toBe("I/O");
    // every block streams its 201 M fp16 weights in twice per micro-batch at 12.5 GB/s
    const block = e.layers.find((l) => l.layer === "block.5")!;
    const blockParams = 12 * 4096 * 4096 + 4096 * 2 + 16384 + 4096 + 2 * 4096;
    expect(block.ioSeconds).toBeCloseTo((2 * 2 * blockParams * 2) / 12.5e9, 3);
    // the step is then the weights' streaming time: 2 micro-batches x 2 passes x 2 bytes per parameter
    const streamed = (2 * 2 * GPTJ.paramCount * 2) / 12.5e9;
    expect(e.deviceSecondsPerStep).toBeGreaterThan(streamed);
    // plus the layer switches and the step boundary
    expect(e.deviceSecondsPerStep).toBeLessThan(1.2 * streamed);
    expect(e.deviceSecondsPerStep).toBeGreaterThan(fast.deviceSecondsPerStep);
  });
  it("64-bit SRAM ports (the talk summary's figure) make SRAM-bound kernels faster", () => {
    const base = run(GPTJ, 60, cs2(1)).e;
    const wide = cs2(1);
    const w64 = { ...wide, system: { ...CS2, wafer: { ...CS2.wafer, sramPortBits: 64 } } };
    expect(run(GPTJ, 60, w64).e.samplesPerSec).toBeGreaterThan(1.3 * base.samplesPerSec);
  });
  it("a CS-3 (twice the SIMD, more PEs, +30% I/O) is faster than a CS-2", () => {
    const a = run(GPTJ, 60, cs2(1)).e.samplesPerSec;
    const b = run(GPTJ, 60, makeCluster(CS3, 1)).e.samplesPerSec;
    expect(b).toBeGreaterThan(a);
  });
});

describe("the estimate", () => {
  it("is deterministic", () => {
    expect(run(BERT, 1024, cs2(1)).e).toEqual(run(BERT, 1024, cs2(1)).e);
  });
  it("weight streaming: the layers and the step boundary add up to the step", () => {
    const { e } = run(GPTJ, 120, cs2(2));
    const sum = e.layers.reduce((a, l) => a + l.seconds, 0) + e.stepOverhead.seconds;
    expect(sum).toBeCloseTo(e.deviceSecondsPerStep, 9);
    for (const l of e.layers) expect(["compute", "SRAM", "fabric", "I/O", "reduction"]).toContain(l.bound);
    expect(e.samplesPerSec).toBeCloseTo(120 / e.deviceSecondsPerStep, 9);
  });
  it("pipelined: the slowest stage sets the rate; fill and drain are 2 (S - 1) of its sample times", () => {
    const { a, e } = run(BERT, 1024, cs2(1));
    const plan = a.plan;
    if (plan.mode !== "pipeline") throw new Error("expected pipeline");
    const S = plan.stages.length;
    const slowest = Math.max(...e.layers.map((l) => l.seconds)) / 1024;
    const update = e.stepOverhead.seconds - 2 * (S - 1) * slowest;
    expect(update).toBeGreaterThan(0);
    expect(e.deviceSecondsPerStep).toBeCloseTo((1024 + 2 * (S - 1)) * slowest + update, 9);
  });
  it("estimateStep takes an artifact and its cluster, and refuses another cluster", () => {
    const { a, e } = run(GPTJ, 120, cs2(2));
    expect(estimateStep(a, cs2(2)).deviceSecondsPerStep).toBe(e.deviceSecondsPerStep);
    expect(() => estimateStep(a, cs2(4))).toThrow(/is for 2 x CS-2, not 4 x CS-2: compile again/);
  });
});
