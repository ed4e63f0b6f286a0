// Checkpoints round-trip exactly and are written atomically; the
// layer executor's loss and gradients equal the numerics reference runner's for a tied GPT and a BERT.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BERT_DEFAULTS, DECODER_DEFAULTS, buildBert, buildDecoderLM } from "../model/index.js";
import type { ModelIR } from "../model/index.js";
import { forwardBackward } from "../numerics/index.js";
import type { Batch, ModelLayer } from "../numerics/index.js";
import { listCheckpoints, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { LayerExecutor } from "./executor.js";
import { HostWeights } from "./weights.js";

describe("checkpoints", () => {
  it("round-trip weights, optimizer state, step, data position and loss scale exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-ckpt-"));
    const w = Float32Array.from([1.5, -2.25, Math.PI, 1e-30]);
    const m = Float32Array.from([0.1, 0.2]);
    const path = writeCheckpoint(join(dir, "checkpoint_7.mdl"), {
      step: 7,
      model: { family: "gpt2", name: "t", paramCount: 4 },
      weights: new Map([["a.weight", { shape: [2, 2], data: w }]]),
      optimizer: { kind: "AdamW", step: 7, buffers: { "exp_avg/a.weight": m } },
      data: { train: { epoch: 1, offset: 24 } },
      seed: 3,
      lossScale: { scale: 1024, goodSteps: 2 },
    });
    const c = readCheckpoint(path);
    expect(c.step).toBe(7);
    expect(Array.from(c.weights.get("a.weight")!.data)).toEqual(Array.from(w));
    expect(c.weights.get("a.weight")!.shape).toEqual([2, 2]);
    expect(Array.from(c.optimizer!.buffers["exp_avg/a.weight"])).toEqual(Array.from(m));
    expect([c.data.train, c.seed, c.lossScale]).toEqual([
      { epoch: 1, offset: 24 },
      3,
      { scale: 1024, goodSteps: 2 },
    ]);
    expect(readdirSync(dir)).toEqual(["checkpoint_7.mdl"]); // no temporary file left behind
    expect(listCheckpoints(dir)).toEqual([{ step: 7, path }]);
  });
  it("refuses a file that is not a checkpoint, naming it", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-ckpt-"));
    writeFileSync(join(dir, "checkpoint_1.mdl"), "not a checkpoint");
    expect(() => readCheckpoint(join(dir, "checkpoint_1.mdl"))).toThrow(/is not a wsc checkpoint/);
    expect(existsSync(join(dir, "checkpoint_1.mdl"))).toBe(true);
  });
});

function tokens(B: number, T: number, V: number): Batch {
  const n = B * T;
  const inputIds = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % V);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 5 + 1) % V);
  const lossMask = Float32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 1));
  const tokenTypeIds = Int32Array.from({ length: n }, (_, i) => (i % T >= T / 2 ? 1 : 0));
  return {
    size: B,
    seqLen: T,
    sampleOffset: 0,
    globalBatchSize: B,
    globalLossTokens: lossMask.reduce((a, b) => a + b, 0),
    inputIds,
    labels,
    lossMask,
    tokenTypeIds,
    attentionMask: new Float32Array(n).fill(1),
    nspLabels: Int32Array.from({ length: B }, (_, b) => b % 2),
  };
}

function againstReference(model: ModelIR): void {
  const w = new HostWeights(model, 5);
  const batch = tokens(2, 8, model.vocabSize);
  const r = new LayerExecutor(model, w).run(batch, { seed: 5, step: 0, training: true });
  // the reference runner holds the same tensors as layers (tied heads read the embedding's table)
  const layers: ModelLayer[] = model.layers.map((l) => ({
    name: l.name,
    spec: l.spec,
    params: new Map(l.params.map((p) => [p.name, w.params.get(p.fullName)!.clone()])),
  }));
  const ref = forwardBackward(layers, batch, { seed: 5, step: 0, training: true });
  expect(r.loss).toBeCloseTo(ref.loss, 10);
  expect([...w.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
  for (const [name, g] of ref.grads)
    expect(Array.from(w.grads.get(name)!.data), name).toEqual(Array.from(g.data));
}

describe("the layer executor", () => {
  it("gives the reference runner's loss and gradients for a GPT-2 with a tied head", () => {
    againstReference(
      buildDecoderLM({
        ...DECODER_DEFAULTS.gpt2,
        vocabSize: 31,
        hidden: 16,
        layers: 2,
        heads: 2,
        ffn: 32,
        maxPositions: 8,
        seqLen: 8,
        dropout: 0.1,
      }),
    );
  });
  it("gives the reference runner's loss and gradients for a BERT with MLM and NSP heads", () => {
    againstReference(
      buildBert({
        ...BERT_DEFAULTS,
        vocabSize: 29,
        hidden: 16,
        layers: 1,
        heads: 2,
        ffn: 32,
        maxPositions: 8,
        seqLen: 8,
        dropout: 0,
        attentionDropout: 0,
        lossWeight: 0.5,
        computeDtype: "fp32",
      }),
    );
  });
});
