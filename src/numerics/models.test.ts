// Whole small models against PyTorch (scripts/fixtures/numerics_fixtures.py): the loss, every gradient, and
// the loss and weights after several AdamW steps, on both GEMM backends.
//
// Tolerances: float32 with different summation orders (BLAS blocking, float64 row statistics here vs float32
// reductions in PyTorch) differs by a few ulp per op; through two blocks and a head that stays below 1e-5
// relative for the loss and 2e-4 of each gradient's largest element. After 5 AdamW steps (lr 1e-2) the
// differences are amplified by Adam's normalisation of tiny gradients, so the final weights are compared at
// 2e-3 of their scale and the losses at 2e-4.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FixtureFile } from "./fixture-file.js";
import { GEMM_BACKENDS, useGemmBackend } from "./gemm.js";
import type { Batch, LayerSpec } from "./layers/spec.js";
import { Optimizer } from "./optim/optimizers.js";
import type { ModelLayer } from "./runner.js";
import { forwardBackward, forwardLoss, optimParams, trainStep } from "./runner.js";
import type { Tensor } from "./tensor.js";
import { relMaxError } from "./testing.js";

const DIR = fileURLToPath(new URL("./fixtures/", import.meta.url));

function load(name: string) {
  const f = new FixtureFile(DIR + name);
  const meta = f.meta as {
    layers: { name: string; spec: LayerSpec }[];
    batch: Record<string, number>;
    loss: number;
    optimizer: {
      lr: number;
      beta1: number;
      beta2: number;
      eps: number;
      weightDecay: number;
      steps: number;
      maxGradNorm?: number;
    };
    stepLosses: number[];
    finalLoss: number;
  };
  const layers: ModelLayer[] = meta.layers.map(({ name: ln, spec }) => {
    const params = new Map<string, Tensor>();
    for (const full of f.names(`param.${ln}.`)) params.set(full.slice(`param.${ln}.`.length), f.f32(full));
    return { name: ln, spec, params };
  });
  const opt = (n: string) => (f.has(`batch.${n}`) ? f : null);
  const batch: Batch = {
    size: meta.batch.size,
    seqLen: meta.batch.seqLen,
    sampleOffset: meta.batch.sampleOffset,
    globalBatchSize: meta.batch.globalBatchSize,
    globalLossTokens: meta.batch.globalLossTokens,
    inputIds: opt("inputIds")?.i32("batch.inputIds"),
    labels: opt("labels")?.i32("batch.labels"),
    lossMask: opt("lossMask")?.f32("batch.lossMask").data,
    features: opt("features")?.f32("batch.features").data,
    classLabels: opt("classLabels")?.i32("batch.classLabels"),
    attentionMask: opt("attentionMask")?.f32("batch.attentionMask").data,
    tokenTypeIds: opt("tokenTypeIds")?.i32("batch.tokenTypeIds"),
    nspLabels: opt("nspLabels")?.i32("batch.nspLabels"),
    taskLabels: opt("taskLabels")?.i32("batch.taskLabels"),
    taskWeights: opt("taskWeights")?.f32("batch.taskWeights").data,
    taskPositions: opt("taskPositions")?.i32("batch.taskPositions"),
    images: opt("images")?.f32("batch.images").data,
  };
  return { f, meta, layers, batch };
}

const MODELS = [
  "gpt2",
  "llama",
  "llama3",
  "mistral",
  "mixtral",
  "moe_shared",
  "gemma2",
  "mpt",
  "falcon",
  "starcoder",
  "btlm",
  "bloom",
  "gptj",
  "neox",
  "mup",
  "bert",
  "roberta",
  "esm2",
  "vit",
  "bert_classifier",
  "bert_token",
  "bert_summarization",
  "bert_qa",
  "mlp",
];

/**
 * Parameters whose true gradient is exactly zero, compared absolutely (and skipped after AdamW, which turns
 * rounding noise into full-size steps): the question-answering head's softmax runs over the positions, and the
 * last block's output norm bias and the classifier's bias shift every position's logits alike, which such a
 * softmax ignores.
 */
const ZERO_GRADIENT: Readonly<Record<string, RegExp>> = {
  bert_qa: /^(h1\.norm2\.bias|task\.classifier\.bias)$/,
};

for (const backend of GEMM_BACKENDS.keys()) {
  describe(`whole models match PyTorch (${backend} GEMM)`, () => {
    for (const model of MODELS) {
      it(`${model}: loss and every gradient match autograd`, () => {
        const prev = useGemmBackend(backend);
        try {
          const { f, meta, layers, batch } = load(model);
          const { loss, grads } = forwardBackward(layers, batch, { seed: 0, step: 0 });
          expect(Math.abs(loss - meta.loss) / meta.loss).toBeLessThan(1e-5);
          const expected = f.names("grad.");
          expect([...grads.keys()].sort()).toEqual(expected.map((n) => n.slice(5)).sort());
          for (const n of expected) {
            const ours = grads.get(n.slice(5))!.data;
            if (ZERO_GRADIENT[model]?.test(n.slice(5))) {
              expect(Math.max(...ours.map(Math.abs)), n).toBeLessThan(1e-5);
              continue;
            }
            const err = relMaxError(ours, f.f32(n).data);
            expect(err, n).toBeLessThan(2e-4);
          }
        } finally {
          useGemmBackend(prev);
        }
      });

      it(`${model}: loss and weights after ${"AdamW"} steps match torch.optim.AdamW`, () => {
        const prev = useGemmBackend(backend);
        try {
          const { f, meta, layers, batch } = load(model);
          const o = meta.optimizer;
          const opt = new Optimizer({
            kind: "AdamW",
            beta1: o.beta1,
            beta2: o.beta2,
            eps: o.eps,
            weightDecay: o.weightDecay,
          });
          const params = optimParams(layers);
          const losses: number[] = [];
          for (let s = 0; s < o.steps; s++) {
            const r = trainStep(layers, [batch], opt, params, {
              seed: 0,
              step: s,
              lr: o.lr,
              maxGradNorm: o.maxGradNorm,
            });
            losses.push(r.loss);
          }
          for (let s = 0; s < o.steps; s++) {
            expect(Math.abs(losses[s] - meta.stepLosses[s]) / meta.stepLosses[s], `step ${s}`).toBeLessThan(
              2e-4,
            );
          }
          // the fixture's final loss is the training loss (with the experts' load balancing); no dropout is set
          const final = forwardLoss(layers, batch, { seed: 0, step: o.steps, training: true });
          expect(Math.abs(final - meta.finalLoss) / meta.finalLoss).toBeLessThan(2e-4);
          for (const p of params) {
            if (ZERO_GRADIENT[model]?.test(p.name)) continue;
            let ours = p.value.data,
              ref = f.f32(`final.${p.name}`).data;
            if (p.name.endsWith("attn.qkv.bias")) {
              // The key bias has an exactly zero gradient (softmax is invariant to a score shift shared by
              // all keys), so Adam turns rounding noise into full-size steps there: compare q and v only.
              const h = ours.length / 3;
              const qv = (a: Float32Array) => Float32Array.from([...a.subarray(0, h), ...a.subarray(2 * h)]);
              ours = qv(ours);
              ref = qv(ref);
            }
            expect(relMaxError(ours, ref), p.name).toBeLessThan(2e-3);
          }
        } finally {
          useGemmBackend(prev);
        }
      });
    }
  });
}
