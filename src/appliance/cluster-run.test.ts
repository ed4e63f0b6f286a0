// The cluster really trains: a tiny GPT with dropout on, trained through MemoryX, SwarmX, input workers and
// CS-X systems, ends with the weights of the numerics reference runner trained on the whole batch, in
// pipelined mode on 1 system and weight streaming on 1, 2 and 4 (global batch held).
import { describe, expect, it } from "vitest";
import { CS2, makeCluster } from "../hw/index.js";
import { compile } from "../compiler/index.js";
import type { ExecutionMode } from "../compiler/index.js";
import { buildDecoderLM, DECODER_DEFAULTS } from "../model/index.js";
import type { ModelIR } from "../model/index.js";
import { Optimizer, hash32, optimParams, paramsFromDecls, trainStep } from "../numerics/index.js";
import type { Batch, ModelLayer, OptimizerConfig } from "../numerics/index.js";
import { estimateStep, perfTimeModel } from "../perf/index.js";
import { ClusterRun } from "./cluster-run.js";
import type { GlobalBatchRef, ShardSource } from "./roles/input-worker.js";

const B = 8;
const T = 16;
const V = 64;
const SEED = 1234;
const STEPS = 3;
const OPT: OptimizerConfig = { kind: "AdamW", weightDecay: 0.01 };
const lrAt = (s: number) => 1e-2 * (1 - s / 10);

function tinyGpt(): ModelIR {
  return buildDecoderLM({
    ...DECODER_DEFAULTS.gpt2,
    vocabSize: V,
    hidden: 32,
    layers: 2,
    heads: 2,
    ffn: 64,
    maxPositions: T,
    seqLen: T,
    computeDtype: "fp32",
  });
}

/** Step s's global batch: samples s*B .. s*B+B-1 of an endless synthetic set. */
const batchOf = (s: number): GlobalBatchRef => ({
  epoch: 0,
  samples: Array.from({ length: B }, (_, i) => s * B + i),
  globalLossTokens: B * T,
});

/** Tokens of sample g: a pure function of (g, position), so any shard reads the same. */
const source: ShardSource = {
  read(g, start, end): Batch {
    const size = end - start;
    const offset = start;
    const step = g.samples[0] / B;
    const ids = new Int32Array(size * T);
    const labels = new Int32Array(size * T);
    for (let r = 0; r < size; r++)
      for (let t = 0; t < T; t++) {
        ids[r * T + t] = hash32(step * 7919 + (offset + r) * 131 + t) % V;
        labels[r * T + t] = hash32(step * 7919 + (offset + r) * 131 + t + 1) % V;
      }
    return {
      size,
      seqLen: T,
      sampleOffset: offset,
      globalBatchSize: B,
      globalLossTokens: B * T,
      inputIds: ids,
      labels,
      lossMask: new Float32Array(size * T).fill(1),
    };
  },
};

function reference(model: ModelIR): Record<string, Float32Array> {
  const layers: ModelLayer[] = model.layers.map((l) => ({
    name: l.name,
    spec: l.spec,
    params: paramsFromDecls(l.params, SEED, l.name),
  }));
  const opt = new Optimizer(OPT);
  const params = optimParams(layers);
  for (let s = 0; s < STEPS; s++)
    trainStep(layers, [source.read(batchOf(s), 0, B)], opt, params, {
      seed: SEED,
      step: s,
      lr: lrAt(s),
      maxGradNorm: 1,
    });
  return Object.fromEntries(params.map((p) => [p.name, p.value.data]));
}

async function train(model: ModelIR, mode: ExecutionMode, systems: number, workers = 1) {
  const cluster = makeCluster(CS2, systems);
  const r = compile(
    { model, run: { mode: "train", globalBatch: B, executionStrategy: mode, optimizer: "AdamW" }, cluster },
    { time: perfTimeModel() },
  );
  const artifact = r.artifact!;
  const run = await ClusterRun.start({
    model,
    artifact,
    cluster,
    estimate: estimateStep(artifact, cluster),
    seed: SEED,
    optimizer: OPT,
    source,
    workersPerSystem: workers,
  });
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++)
    losses.push((await run.trainStep(s, batchOf(s), { lr: lrAt(s), maxGradNorm: 1 })).loss);
  return { run, weights: (await run.snapshot()).params, losses, artifact };
}

/**
 * Relative L2 error of the weights: the worst tensor's ||a - b|| / ||a|| and the whole model's. (An
 * element-wise bound would not hold: Adam divides each gradient by its running RMS, so an element whose exact
 * gradient is zero, such as the attention key bias, moves by rounding noise that depends on summation order.)
 */
function weightError(a: Record<string, Float32Array>, b: Record<string, Float32Array>) {
  let worst = 0;
  let dAll = 0;
  let wAll = 0;
  for (const k of Object.keys(a)) {
    const x = a[k];
    const y = b[k];
    expect(y, k).toBeDefined();
    let d = 0;
    let w = 0;
    for (let i = 0; i < x.length; i++) {
      d += (x[i] - y[i]) ** 2;
      w += x[i] ** 2;
    }
    worst = Math.max(worst, Math.sqrt(d / w));
    dAll += d;
    wAll += w;
  }
  return { worstTensor: worst, model: Math.sqrt(dAll / wAll) };
}

describe("the cluster trains like the reference runner", () => {
  const model = tinyGpt();
  const ref = reference(model);
  for (const [mode, systems] of [
    ["pipeline", 1],
    ["weight_streaming", 1],
    ["weight_streaming", 2],
    ["weight_streaming", 4],
  ] as const) {
    it(`${mode} on ${systems} system(s): same weights after ${STEPS} steps (relative L2: 1e-3 per tensor, 1e-5 whole model)`, async () => {
      const { weights, artifact, run } = await train(model, mode, systems, 2);
      expect(artifact.plan.mode).toBe(mode);
      const e = weightError(ref, weights);
      expect(e.worstTensor).toBeLessThan(1e-3);
      expect(e.model).toBeLessThan(1e-5);
      expect(run.deviceClock).toBeGreaterThan(0);
    });
  }
  it("weight streaming on 1 system gives the reference's weights bit for bit (same order of additions)", async () => {
    const { weights } = await train(model, "weight_streaming", 1);
    for (const [k, v] of Object.entries(ref)) expect(weights[k], k).toEqual(v);
  });
});
