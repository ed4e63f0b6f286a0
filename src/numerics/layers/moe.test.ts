// One mixture-of-experts layer against PyTorch (scripts/fixtures/numerics_fixtures.py, case "moe" of the ops
// fixture): each token's chosen experts, the output, the load-balancing loss, and every gradient of
// sum(out * dy) + coef * LB. And the load-balancing loss of a batch split in two adds up to the whole's.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FixtureFile } from "../fixture-file.js";
import type { Tensor } from "../tensor.js";
import { relMaxError } from "../testing.js";
import { AuxLosses } from "./aux-loss.js";
import type { GradMap } from "./kernel.js";
import { moeBackward, moeForward } from "./moe.js";
import type { Batch, StepContext, TransformerBlockSpec } from "./spec.js";
import { layerParams } from "./spec.js";

const ops = new FixtureFile(fileURLToPath(new URL("../fixtures/ops", import.meta.url)));
const c = (ops.meta as { cases: Record<string, Record<string, number>> }).cases.moe;

const spec: TransformerBlockSpec = {
  kind: "transformer_block",
  hidden: c.hidden,
  heads: 1,
  ffn: c.ffn,
  norm: "layernorm",
  normEps: 1e-5,
  activation: "gelu",
  residual: "pre",
  attentionBias: false,
  mlpBias: true,
  causal: true,
  rotaryDim: 0,
  rotaryBase: 10000,
  rotaryStyle: "half",
  moe: {
    experts: c.experts,
    topK: c.topK,
    shared: 0,
    normalize: true,
    nullExpertBias: c.nullExpertBias,
    loadBalancingCoef: c.loadBalancingCoef,
  },
  dropout: 0,
  attentionDropout: 0,
};

const params = new Map<string, Tensor>();
for (const d of layerParams(spec, { std: 1, outputStd: 1 })) {
  if (d.name.startsWith("moe.")) params.set(d.name, ops.f32(`moe.param.${d.name}`));
}

function batchOf(rows: number[], mask: Float32Array): Batch {
  const T = c.seqLen;
  const lossMask = new Float32Array(rows.length * T);
  rows.forEach((r, i) => lossMask.set(mask.subarray(r * T, r * T + T), i * T));
  return {
    size: rows.length,
    seqLen: T,
    sampleOffset: rows[0],
    globalBatchSize: c.batch,
    globalLossTokens: 0,
    lossMask,
  };
}

function run(rows: number[]) {
  const H = c.hidden;
  const T = c.seqLen;
  const xAll = ops.f32("moe.x").data;
  const dyAll = ops.f32("moe.dy").data;
  const pick = (a: Float32Array, w: number) => {
    const o = new Float32Array(rows.length * w);
    rows.forEach((r, i) => o.set(a.subarray(r * w, r * w + w), i * w));
    return o;
  };
  const x = pick(xAll, T * H);
  const batch = batchOf(rows, ops.f32("moe.mask").data);
  const aux = new AuxLosses();
  const ctx: StepContext = { training: true, seed: 0, step: 0, layerIndex: 0, aux };
  const out = new Float32Array(x.length);
  const saved = moeForward(spec, params, x, batch, ctx, out);
  const chosen = saved.chosen.slice();
  const lb = aux.loss(c.batch);
  const dx = new Float32Array(x.length);
  const grads: GradMap = new Map();
  moeBackward(spec, params, saved, pick(dyAll, T * H), batch, ctx, dx, grads, false, 1);
  return { out, chosen, lb, dx, grads };
}

describe("a mixture-of-experts layer matches PyTorch (Model Zoo's SparseMoEBlock)", () => {
  const r = run([0, 1]);

  it("routes every token to the same experts, in the same order", () => {
    expect(Array.from(r.chosen)).toEqual(Array.from(ops.i32("moe.chosen")));
  });

  it("output and load-balancing loss", () => {
    expect(relMaxError(r.out, ops.f32("moe.out").data)).toBeLessThan(2e-5);
    // Model Zoo's loss as PyTorch computes it: E^2 * mean(P * M) over rows and experts, times the coefficient
    expect(Math.abs(r.lb - c.loadBalancingCoef * c.loadBalancingLoss) / r.lb).toBeLessThan(1e-5);
  });

  it("gradients of the input, the router and every expert", () => {
    expect(relMaxError(r.dx, ops.f32("moe.dx").data), "dx").toBeLessThan(2e-5);
    expect(r.grads.size).toBe(params.size);
    for (const name of params.keys()) {
      expect(relMaxError(r.grads.get(name)!.data, ops.f32(`moe.grad.${name}`).data), name).toBeLessThan(2e-5);
    }
  });

  it("the shares of two shards of the batch add up to the whole batch's loss and gradients", () => {
    const a = run([0]);
    const b = run([1]);
    expect(Math.abs(a.lb + b.lb - r.lb) / r.lb).toBeLessThan(1e-6);
    const router = "moe.router.weight";
    const sum = Float32Array.from(a.grads.get(router)!.data, (v, i) => v + b.grads.get(router)!.data[i]);
    expect(relMaxError(sum, r.grads.get(router)!.data)).toBeLessThan(1e-5);
  });
});
