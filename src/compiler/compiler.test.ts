// The passes, the plans they make and the errors they give, on small models with a plain cycle-count time
// model (no performance model needed), plus the compile hash and cache.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kernelRect, WSE2 } from "../hw/index.js";
import { compileHash } from "./artifact.js";
import { CompileError } from "./errors.js";
import { trainingStateBytesPerParam } from "./memory.js";
import { compile, compileCached, PASSES } from "./passes.js";
import { divisorsDescending } from "./placement.js";
import { NULL_TARGET } from "./targets.js";
import { CYCLES_TIME_MODEL, inputFor, smallGpt, smallMlp } from "./test-models.js";
import type { PipelinePlan, WeightStreamingPlan } from "./types.js";

const time = CYCLES_TIME_MODEL;

function compileError(f: () => unknown): CompileError {
  try {
    f();
  } catch (e) {
    if (e instanceof CompileError) return e;
    throw e;
  }
  throw new Error("expected a CompileError");
}

describe("the pass list", () => {
  it("is validate, kernel-matching, mode-selection, placement, routing, artifact, each with a purpose", () => {
    expect(PASSES.map((p) => p.name)).toEqual([
      "validate",
      "kernel-matching",
      "mode-selection",
      "placement",
      "routing",
      "artifact",
    ]);
    for (const p of PASSES) expect(p.purpose.length).toBeGreaterThan(20);
  });
  it("validate_only stops after kernel matching and makes no plan", () => {
    const r = compile(inputFor(smallGpt()), { time, stopAfter: "kernel-matching" });
    expect(r.passes.map((p) => p.name)).toEqual(["validate", "kernel-matching"]);
    expect(r.state.layers?.length).toBe(7);
    expect(r.state.plan).toBeUndefined();
    expect(r.artifact).toBeUndefined();
  });
  it("a full compile records a summary for every pass and an artifact the null target takes", () => {
    const r = compile(inputFor(smallGpt()), { time });
    expect(r.passes).toHaveLength(6);
    expect(r.artifact?.passes).toHaveLength(6);
    expect(NULL_TARGET.load(r.artifact!)).toEqual({ hash: r.artifact!.hash, executed: false });
  });
});

describe("training state per parameter", () => {
  it("fp16 Adam holds 2 + 4 master + 2 gradient + 8 moments = 16 bytes", () => {
    expect(trainingStateBytesPerParam({ mode: "train", globalBatch: 1, optimizer: "AdamW" }, "fp16")).toBe(
      16,
    );
  });
  it("fp16 SGD holds 8 bytes, 12 with momentum; fp32 Adam 4 + 4 + 8 = 16", () => {
    expect(trainingStateBytesPerParam({ mode: "train", globalBatch: 1, optimizer: "SGD" }, "fp16")).toBe(8);
    expect(
      trainingStateBytesPerParam({ mode: "train", globalBatch: 1, optimizer: "SGD", momentum: 0.9 }, "fp16"),
    ).toBe(12);
    expect(trainingStateBytesPerParam({ mode: "train", globalBatch: 1, optimizer: "Adam" }, "fp32")).toBe(16);
  });
  it("an unknown optimizer is an error naming it and the known ones", () => {
    const e = compileError(() => compile(inputFor(smallGpt(), { optimizer: "Shampoo" }), { time }));
    expect(e.message).toContain('optimizer "Shampoo" is not known');
    expect(e.message).toContain("AdamW");
  });
});

describe("validation", () => {
  it("a batch that does not split over the systems is an error with the nearest multiple", () => {
    const e = compileError(() => compile(inputFor(smallGpt(), { globalBatch: 30 }, 4), { time }));
    expect(e.pass).toBe("validate");
    expect(e.message).toContain("batch_size 30 does not split evenly over 4 systems");
    expect(e.message).toContain("multiple of 4");
  });
  it("a batch of 0 is an error", () => {
    expect(compileError(() => compile(inputFor(smallGpt(), { globalBatch: 0 }), { time })).message).toContain(
      "batch_size 0",
    );
  });
});

describe("pipelined placement", () => {
  const r = compile(inputFor(smallGpt(), { executionStrategy: "pipeline" }), { time });
  const plan = r.artifact!.plan as PipelinePlan;
  const area = kernelRect(WSE2);
  it("gives every layer one full-height strip, left to right in layer order, within the kernel area", () => {
    expect(plan.stages.map((s) => s.layer)).toEqual(r.artifact!.layers.map((l) => l.name));
    let x = 0;
    for (const s of plan.stages) {
      expect(s.rect).toMatchObject({ x, y: 0, height: area.height });
      expect(s.pes).toBe(s.rect.width * area.height);
      x += s.rect.width;
    }
    expect(x).toBeLessThanOrEqual(area.width);
    expect(plan.idlePEs).toBe((area.width - x) * area.height);
  });
  it("keeps every PE within its 48 KiB", () => {
    for (const s of plan.stages) expect(s.memory.total).toBeLessThanOrEqual(48 * 1024);
  });
  it("balances the identical blocks: their times per sample are within 25% of each other", () => {
    const blocks = plan.stages.filter((s) => s.layer.startsWith("block."));
    const t = blocks.map((s) => s.cyclesPerSample);
    expect(Math.max(...t) / Math.min(...t)).toBeLessThan(1.25);
  });
  it("links consecutive stages on alternating color pairs, a strip's width apart", () => {
    const routes = r.artifact!.routing.routes.filter((x) => x.what === "activations");
    expect(routes).toHaveLength(plan.stages.length - 1);
    routes.forEach((x, i) => {
      const a = plan.stages[i].rect;
      const b = plan.stages[i + 1].rect;
      expect(x.hops).toBe(Math.round((a.width + b.width) / 2));
    });
    expect(r.artifact!.routing.colorsUsed).toBeLessThanOrEqual(WSE2.colors);
  });
  it("in-flight samples fall from 2S - 1 at the first stage to 1 at the last", () => {
    const S = plan.stages.length;
    expect(plan.stages[0].inFlight).toBe(2 * S - 1);
    expect(plan.stages[S - 1].inFlight).toBe(1);
  });
});

describe("mode selection", () => {
  it("more than one system forces weight streaming and says why", () => {
    const r = compile(inputFor(smallGpt(), {}, 2), { time });
    expect(r.artifact!.decision.mode).toBe("weight_streaming");
    expect(r.artifact!.decision.why).toContain("more than one system requires weight streaming");
  });
  it("a forced pipeline on two systems is an error saying so", () => {
    const e = compileError(() =>
      compile(inputFor(smallGpt(), { executionStrategy: "pipeline" }, 2), { time }),
    );
    expect(e.pass).toBe("mode-selection");
    expect(e.message).toContain("execution_strategy pipeline cannot run");
    expect(e.message).toContain("the cluster has 2");
  });
  it("a forced pipeline whose state exceeds the SRAM is an error with the bytes and the columns", () => {
    const big = smallGpt({ hidden: 2048, layers: 48, vocab: 50257 });
    const e = compileError(() => compile(inputFor(big, { executionStrategy: "pipeline" }), { time }));
    expect(e.message).toMatch(/pipelined mode needs [\d.]+ GiB of SRAM/);
    expect(e.message).toMatch(/\d+ of 750 columns at 40 KiB usable per PE/);
  });
  it("without a forced mode, the faster feasible one by the time model", () => {
    const r = compile(inputFor(smallMlp(), { globalBatch: 256 }), { time });
    const d = r.artifact!.decision;
    const [p, w] = d.candidates;
    expect(p.feasible && w.feasible).toBe(true);
    expect(d.mode).toBe(p.stepSeconds! < w.stepSeconds! ? "pipeline" : "weight_streaming");
    expect(d.why).toContain("predicted faster");
  });
});

describe("weight streaming micro-batch search", () => {
  it("keeps the whole per-system batch as one micro-batch when it fits", () => {
    const plan = compile(inputFor(smallGpt(), { globalBatch: 8, executionStrategy: "weight_streaming" }), {
      time,
    }).artifact!.plan as WeightStreamingPlan;
    expect(plan).toMatchObject({ perSystemBatch: 8, microBatch: 8, microBatches: 1, recompute: false });
  });
  it("splits a batch whose activations do not fit into micro-batches that divide it", () => {
    const m = smallGpt({ hidden: 1024, layers: 8, seqLen: 2048 });
    const plan = compile(inputFor(m, { globalBatch: 512, executionStrategy: "weight_streaming" }), { time })
      .artifact!.plan as WeightStreamingPlan;
    expect(plan.microBatch).toBeLessThan(512);
    expect(512 % plan.microBatch).toBe(0);
    expect(plan.microBatches * plan.microBatch).toBe(512);
    expect(plan.memory.total).toBeLessThanOrEqual(plan.memory.limit);
  });
  it("a layer too large even at micro-batch 1 is an error naming it, its bytes per PE and the limit", () => {
    // attention probabilities alone: 4 heads x 65536^2 tokens x 2 B = 32 GiB for one sample
    const m = smallGpt({ hidden: 256, layers: 2, seqLen: 65536 });
    const e = compileError(() =>
      compile(inputFor(m, { globalBatch: 1, executionStrategy: "weight_streaming" }), { time }),
    );
    expect(e.message).toContain("weight streaming does not fit even at micro-batch 1: layer block.");
    expect(e.message).toMatch(/needs [\d.]+ KiB per PE .* and a PE has 48 KiB/);
  });
  it("divisors come largest first", () => {
    expect(divisorsDescending(12)).toEqual([12, 6, 4, 3, 2, 1]);
    expect(divisorsDescending(1)).toEqual([1]);
  });
});

describe("compile hash and cache", () => {
  it("the hash is cs_ and digits, the same for the same input and different for another batch or system", () => {
    const a = compileHash(inputFor(smallGpt()), time.id);
    expect(a).toMatch(/^cs_\d+$/);
    expect(compileHash(inputFor(smallGpt()), time.id)).toBe(a);
    expect(compileHash(inputFor(smallGpt(), { globalBatch: 32 }), time.id)).not.toBe(a);
    expect(compileHash(inputFor(smallGpt(), {}, 2), time.id)).not.toBe(a);
    expect(compileHash(inputFor(smallGpt()), "another-time-model")).not.toBe(a);
  });
  it("a second compile of the same input is found in the cache and runs no pass", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-cc-"));
    let passes = 0;
    const o = { time, onPass: () => passes++ };
    const first = compileCached(inputFor(smallGpt()), dir, o);
    expect(first.cached).toBe(false);
    expect(passes).toBe(6);
    const second = compileCached(inputFor(smallGpt()), dir, o);
    expect(second.cached).toBe(true);
    expect(passes).toBe(6);
    expect(second.artifact).toEqual(first.artifact);
    expect(second.path).toBe(join(dir, first.artifact.hash, "artifact.json"));
  });
  it("a compile_dir that cannot be written is a CompileError naming the folder, the reason and the flag", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-cc-"));
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const e = compileError(() => compileCached(inputFor(smallGpt()), join(file, "cache"), { time }));
    expect(e.pass).toBe("artifact");
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(
      `cannot write the compile artifact under compile_dir ${join(file, "cache")}: ENOTDIR; give a writable folder with -c/--compile_dir`,
    );
  });
});
