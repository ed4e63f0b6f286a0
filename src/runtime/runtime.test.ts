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
import { parseParams } from "../frontends/index.js";
import { listCheckpoints, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { LayerExecutor } from "./executor.js";
import { logNumber, trainLogLine } from "./log-lines.js";
import { checkRunInputs, resumeCheckpoint } from "./run-setup.js";
import { HostWeights } from "./weights.js";

describe("checkpoints", () => {
  it("round-trip weights, optimizer state, step, data position and loss scale exactly", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-ckpt-"));
    const w = Float32Array.from([1.5, -2.25, Math.PI, 1e-30]);
    const m = Float32Array.from([0.1, 0.2, -0.3, 4e-9]);
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

describe("what every run shares", () => {
  it("log lines have Model Zoo's shape: 6 significant digits, trailing zeros dropped", () => {
    // the line of interfaces.md's sample run, rebuilt from its numbers
    expect(trainLogLine("CSX", 2000, 2.34778, 395.69, 431.83)).toBe(
      "| Train Device=CSX, Step=2000, Loss=2.34778, Rate=395.69 samples/sec, GlobalRate=431.83 samples/sec",
    );
    expect([1000, 0.5, 2.3477812, 431.8300004, NaN].map(logNumber)).toEqual([
      "1000",
      "0.5",
      "2.34778",
      "431.83",
      "NaN",
    ]);
  });

  it("a mode the params file cannot serve fails before anything runs, naming the file and the section", () => {
    const text = [
      "train_input: { data_processor: SyntheticDataProcessor, batch_size: 4, input_size: 4, num_classes: 2 }",
      "model: { name: fc_mnist, hidden_sizes: [4] }",
      "optimizer: { optimizer_type: SGD, learning_rate: 0.1 }",
    ].join("\n");
    const p = parseParams("p.yaml", text);
    expect(() => checkRunInputs(p, "eval")).toThrow(
      "p.yaml: --mode eval needs an evaluation input section (eval_input or trainer.fit.val_dataloader)",
    );
    expect(() => checkRunInputs(p, "train")).toThrow(
      /p\.yaml: training needs max_steps: set runconfig\.max_steps/,
    );
    const ok = parseParams("p.yaml", `${text}\nrunconfig: { max_steps: 2 }`);
    expect(() => checkRunInputs(ok, "train")).not.toThrow();
  });

  it("resumes from --checkpoint_path only when it holds this model", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-resume-"));
    const model = buildDecoderLM({
      ...DECODER_DEFAULTS.gpt2,
      vocabSize: 11,
      hidden: 8,
      layers: 1,
      heads: 2,
      ffn: 16,
      maxPositions: 4,
      seqLen: 4,
    });
    const path = writeCheckpoint(join(dir, "checkpoint_3.mdl"), {
      step: 3,
      model: { family: "gpt2", name: "other", paramCount: model.paramCount + 1 },
      weights: new Map(),
      optimizer: null,
      data: { train: null },
      seed: 0,
      lossScale: { scale: 1, goodSteps: 0 },
    });
    const run = { checkpointPath: path, autoloadLastCheckpoint: true, modelDir: dir };
    expect(() => resumeCheckpoint(run, model)).toThrow(
      `${path}: it holds a model of ${model.paramCount + 1} parameters; this one has ${model.paramCount}; it was written for another model (other)`,
    );
    const none = { checkpointPath: null, autoloadLastCheckpoint: false, modelDir: dir };
    expect(resumeCheckpoint(none, model)).toBeNull();
  });
});
