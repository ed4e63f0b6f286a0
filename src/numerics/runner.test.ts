// Invariants of the reference runner and the layer kernels it drives: sharding and micro-batching give the
// whole batch's loss and gradients (dropout included), results do not depend on the thread count, seeded
// initialisation is a pure function of (seed, name), loss scaling is undone exactly, and bad input is a
// typed error naming the key.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NumericsValueError, ShapeError } from "./errors.js";
import { GEMM_BACKENDS } from "./gemm.js";
import { LOGITS_LIMITS, VOCAB_LOSS } from "./layers/heads.js";
import { initLayerParams, paramsFromDecls } from "./layers/init.js";
import type { Batch, LayerSpec, TransformerBlockSpec } from "./layers/spec.js";
import { layerParams } from "./layers/spec.js";
import { Optimizer } from "./optim/optimizers.js";
import { drawU32 } from "./rng.js";
import type { ModelLayer } from "./runner.js";
import { buildModel, forwardBackward, optimParams, trainStep } from "./runner.js";
import { bitwiseEqual, relMaxError } from "./testing.js";

const V = 40,
  H = 16,
  T = 6;
const STDS = { std: 0.2, outputStd: 0.1 };

function block(over: Partial<TransformerBlockSpec> = {}): TransformerBlockSpec {
  return {
    kind: "transformer_block",
    hidden: H,
    heads: 2,
    ffn: 32,
    norm: "layernorm",
    normEps: 1e-5,
    activation: "gelu",
    residual: "pre",
    attentionBias: true,
    mlpBias: true,
    causal: true,
    rotaryDim: 0,
    rotaryBase: 10000,
    rotaryStyle: "half",
    dropout: 0.1,
    attentionDropout: 0.1,
    ...over,
  };
}

function gptModel(seed = 7): ModelLayer[] {
  const specs: { name: string; spec: LayerSpec }[] = [
    {
      name: "emb",
      spec: {
        kind: "embedding",
        vocabSize: V,
        hidden: H,
        positionEmbedding: "learned",
        maxPositions: 8,
        typeVocabSize: 0,
        norm: null,
        normEps: 1e-5,
        dropout: 0.1,
      },
    },
    { name: "h0", spec: block() },
    { name: "h1", spec: block({ residual: "parallel", rotaryDim: 4, rotaryStyle: "interleaved" }) },
    { name: "ln_f", spec: { kind: "final_norm", hidden: H, norm: "layernorm", normEps: 1e-5 } },
    {
      name: "head",
      spec: {
        kind: "lm_head",
        hidden: H,
        vocabSize: V,
        bias: false,
        tied: true,
        lossScaling: "num_tokens",
        lossWeight: 1,
      },
    },
  ];
  return buildModel(specs, STDS, seed);
}

function bertModel(): ModelLayer[] {
  return buildModel(
    [
      {
        name: "emb",
        spec: {
          kind: "embedding",
          vocabSize: V,
          hidden: H,
          positionEmbedding: "learned",
          maxPositions: 8,
          typeVocabSize: 2,
          norm: "layernorm",
          normEps: 1e-12,
          dropout: 0.1,
        },
      },
      { name: "h0", spec: block({ residual: "post", causal: false }) },
      {
        name: "mlm",
        spec: {
          kind: "mlm_head",
          hidden: H,
          vocabSize: V,
          activation: "gelu",
          norm: "layernorm",
          normEps: 1e-12,
          tied: true,
          lossScaling: "num_tokens",
          lossWeight: 1,
        },
      },
      { name: "nsp", spec: { kind: "nsp_head", hidden: H, lossWeight: 1 } },
    ],
    STDS,
    3,
  );
}

/** A global batch of B rows with deterministic contents. */
function globalBatch(B: number): Batch {
  const n = B * T;
  const ids = Int32Array.from({ length: n }, (_, i) => drawU32(1, i) % V);
  const labels = Int32Array.from({ length: n }, (_, i) => drawU32(2, i) % V);
  const lossMask = Float32Array.from({ length: n }, (_, i) => (drawU32(3, i) % 3 === 0 ? 0 : 1));
  const attentionMask = Float32Array.from({ length: n }, (_, i) => (i % T < T - (i % 2) * 2 ? 1 : 0));
  let tokens = 0;
  for (const m of lossMask) tokens += m;
  return {
    size: B,
    seqLen: T,
    sampleOffset: 0,
    globalBatchSize: B,
    globalLossTokens: tokens,
    inputIds: ids,
    labels,
    lossMask,
    attentionMask,
    tokenTypeIds: Int32Array.from({ length: n }, (_, i) => (i % T >= T / 2 ? 1 : 0)),
    nspLabels: Int32Array.from({ length: B }, (_, i) => i % 2),
  };
}

/** Rows [r0, r1) of a global batch as the shard a system (or a micro-batch) receives. */
function shard(g: Batch, r0: number, r1: number): Batch {
  const s = <T extends Int32Array | Float32Array>(a: T | undefined, w: number) =>
    a?.subarray(r0 * w, r1 * w) as T;
  return {
    ...g,
    size: r1 - r0,
    sampleOffset: g.sampleOffset + r0,
    inputIds: s(g.inputIds, T),
    labels: s(g.labels, T),
    lossMask: s(g.lossMask, T),
    attentionMask: s(g.attentionMask, T),
    tokenTypeIds: s(g.tokenTypeIds, T),
    nspLabels: s(g.nspLabels, 1),
  };
}

describe("sharded and micro-batched steps equal the whole batch", () => {
  for (const [name, make] of [
    ["GPT-style (tied head, dropout, parallel block with rotary)", gptModel],
    ["BERT-style (post-LN, padding mask, MLM + NSP heads)", bertModel],
  ] as const) {
    it(`${name}: shares of 3 shards sum to the whole loss and gradients`, () => {
      const model = make();
      const g = globalBatch(5);
      const whole = forwardBackward(model, g, { seed: 11, step: 2 });
      const sum = new Map();
      let loss = 0;
      for (const [r0, r1] of [
        [0, 2],
        [2, 3],
        [3, 5],
      ]) {
        loss += forwardBackward(model, shard(g, r0, r1), { seed: 11, step: 2 }, sum).loss;
      }
      expect(Math.abs(loss - whole.loss) / whole.loss).toBeLessThan(1e-6);
      for (const [k, t] of whole.grads) expect(relMaxError(sum.get(k).data, t.data), k).toBeLessThan(1e-5);
    });
  }

  it("dropout masks depend on the step: another step draws other masks", () => {
    const model = gptModel();
    const g = globalBatch(2);
    const a = forwardBackward(model, g, { seed: 11, step: 0 }).loss;
    const b = forwardBackward(model, g, { seed: 11, step: 1 }).loss;
    const c = forwardBackward(model, g, { seed: 11, step: 0 }).loss;
    expect(a).not.toBe(b);
    expect(a).toBe(c);
  });
});

describe("determinism", () => {
  function train(threads: number | null, seed = 7) {
    const be = GEMM_BACKENDS.get("openblas");
    const prev = be?.threads();
    if (be && threads) be.setThreads(threads);
    try {
      const model = gptModel(seed);
      const opt = new Optimizer({ kind: "AdamW", weightDecay: 0.01 });
      const params = optimParams(model);
      const losses = [0, 1, 2].map(
        (s) => trainStep(model, [globalBatch(4)], opt, params, { seed: 1, step: s, lr: 1e-2 }).loss,
      );
      return { losses, params };
    } finally {
      if (be && prev) be.setThreads(prev);
    }
  }

  it("same seed, same numbers; another seed, other numbers", () => {
    const a = train(null),
      b = train(null),
      c = train(null, 8);
    expect(a.losses).toEqual(b.losses);
    a.params.forEach((p, i) => expect(bitwiseEqual(p.value.data, b.params[i].value.data)).toBe(true));
    expect(c.losses[0]).not.toBe(a.losses[0]);
  });

  it.runIf(GEMM_BACKENDS.has("openblas"))("training steps are bit-identical with 1 and 2 threads", () => {
    const one = train(1),
      two = train(2);
    expect(one.losses).toEqual(two.losses);
    one.params.forEach((p, i) =>
      expect(bitwiseEqual(p.value.data, two.params[i].value.data), p.name).toBe(true),
    );
  });

  it.runIf(GEMM_BACKENDS.has("openblas"))(
    "OPENBLAS_NUM_THREADS sets the thread count of the OpenBLAS backend",
    () => {
      const gemm = fileURLToPath(new URL("./gemm.ts", import.meta.url));
      const code = `import("${gemm}").then((g) => console.log(g.gemmBackend().threads()))`;
      const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
        env: { ...process.env, OPENBLAS_NUM_THREADS: "1", WSC_THREADS: "" },
        encoding: "utf8",
      });
      expect(r.stdout.trim()).toBe("1");
    },
  );
});

describe("seeded initialisation", () => {
  const spec = block();

  it("a parameter is a pure function of (seed, full name), whatever the declaration order", () => {
    const decls = layerParams(spec, STDS);
    const a = paramsFromDecls(decls, 5, "h3");
    const b = paramsFromDecls([...decls].reverse(), 5, "h3");
    for (const [k, t] of a) expect(bitwiseEqual(t.data, b.get(k)!.data), k).toBe(true);
    const other = paramsFromDecls(decls, 5, "h4");
    expect(bitwiseEqual(a.get("attn.qkv.weight")!.data, other.get("attn.qkv.weight")!.data)).toBe(false);
  });

  it("normal draws have the declared std, norm gains are ones and biases zeros", () => {
    const p = initLayerParams({ ...spec, hidden: 256, ffn: 512 }, { std: 0.02, outputStd: 0.005 }, 1, "h0");
    const stat = (a: Float32Array) => {
      let s = 0,
        s2 = 0,
        s4 = 0;
      for (const x of a) {
        s += x;
        s2 += x * x;
        s4 += x ** 4;
      }
      const v = s2 / a.length;
      return { mean: s / a.length, std: Math.sqrt(v), kurtosis: s4 / a.length / (v * v) };
    };
    // 196,608 draws: the std is within 1% (the sampling error is 0.16%), the mean near 0, kurtosis near 3.
    const q = stat(p.get("attn.qkv.weight")!.data);
    expect(Math.abs(q.std / 0.02 - 1)).toBeLessThan(0.01);
    expect(Math.abs(q.mean)).toBeLessThan(0.0005);
    expect(Math.abs(q.kurtosis - 3)).toBeLessThan(0.1);
    expect(Math.abs(stat(p.get("mlp.fc2.weight")!.data).std / 0.005 - 1)).toBeLessThan(0.01);
    expect([...p.get("norm1.weight")!.data].every((x) => x === 1)).toBe(true);
    expect([...p.get("attn.qkv.bias")!.data].every((x) => x === 0)).toBe(true);
  });
});

describe("chunked logits", () => {
  it("LM and MLM heads give the same loss and gradients when their logits are computed in chunks", () => {
    for (const make of [gptModel, bertModel]) {
      const g = globalBatch(3);
      const fused = VOCAB_LOSS.fused;
      VOCAB_LOSS.fused = false; // the reference path, whole then chunked
      const whole = forwardBackward(make(), g, { seed: 1, step: 0 });
      const saved = { ...LOGITS_LIMITS };
      Object.assign(LOGITS_LIMITS, { keep: 0, chunk: 2 * V + 5 });
      try {
        const chunked = forwardBackward(make(), g, { seed: 1, step: 0, lossScale: 2 });
        expect(Math.abs(chunked.loss - whole.loss) / whole.loss).toBeLessThan(1e-6);
        for (const [k, t] of whole.grads) {
          const half = Float32Array.from(chunked.grads.get(k)!.data, (x) => x / 2);
          expect(relMaxError(half, t.data), k).toBeLessThan(1e-5);
        }
      } finally {
        Object.assign(LOGITS_LIMITS, saved);
        VOCAB_LOSS.fused = fused;
      }
    }
  });
});

describe("loss scaling", () => {
  it("gradients carry the loss scale; the step with a loss scale equals the step without", () => {
    const g = globalBatch(2);
    const m1 = gptModel(),
      m2 = gptModel();
    const a = forwardBackward(m1, g, { seed: 0, step: 0 });
    const b = forwardBackward(m1, g, { seed: 0, step: 0, lossScale: 1024 });
    for (const [k, t] of a.grads) {
      const scaled = Float32Array.from(t.data, (x) => x * 1024);
      expect(relMaxError(b.grads.get(k)!.data, scaled), k).toBeLessThan(1e-6);
    }
    const o1 = new Optimizer({ kind: "AdamW" }),
      o2 = new Optimizer({ kind: "AdamW" });
    const p1 = optimParams(m1),
      p2 = optimParams(m2);
    trainStep(m1, [g], o1, p1, { seed: 0, step: 0, lr: 1e-3, maxGradNorm: 0.5 });
    trainStep(m2, [g], o2, p2, { seed: 0, step: 0, lr: 1e-3, maxGradNorm: 0.5, lossScale: 1024 });
    p1.forEach((p, i) => expect(relMaxError(p.value.data, p2[i].value.data), p.name).toBeLessThan(1e-5));
  });
});

describe("bad input is a typed error naming the key and the fix", () => {
  it("a token id outside the vocabulary", () => {
    const g = globalBatch(1);
    const bad = { ...g, inputIds: Int32Array.from(g.inputIds!, (x, i) => (i === 3 ? V : x)) };
    expect(() => forwardBackward(gptModel(), bad, { seed: 0, step: 0 })).toThrow(NumericsValueError);
    expect(() => forwardBackward(gptModel(), bad, { seed: 0, step: 0 })).toThrow(
      /token id 40 at position 3 .* vocab_size/,
    );
  });

  it("a label outside the vocabulary where the loss counts (and none where it is masked out)", () => {
    const g = globalBatch(1);
    const i = g.lossMask!.findIndex((m) => m === 1),
      j = g.lossMask!.findIndex((m) => m === 0);
    const bad = { ...g, labels: Int32Array.from(g.labels!, (x, k) => (k === i ? -1 : x)) };
    expect(() => forwardBackward(gptModel(), bad, { seed: 0, step: 0 })).toThrow(NumericsValueError);
    expect(() => forwardBackward(gptModel(), bad, { seed: 0, step: 0 })).toThrow(
      new RegExp(`label -1 at position ${i}`),
    );
    const ignored = { ...g, labels: Int32Array.from(g.labels!, (x, k) => (k === j ? 99 : x)) };
    expect(forwardBackward(gptModel(), ignored, { seed: 0, step: 0 }).loss).toBeGreaterThan(0);
  });

  it("a sequence longer than max_position_embeddings", () => {
    const g = globalBatch(1);
    const long: Batch = {
      ...g,
      size: 1,
      seqLen: 2 * T,
      inputIds: new Int32Array(2 * T),
      labels: new Int32Array(2 * T),
      lossMask: new Float32Array(2 * T).fill(1),
    };
    expect(() => forwardBackward(gptModel(), long, { seed: 0, step: 0 })).toThrow(
      /sequence length 12 exceeds max_position_embeddings 8/,
    );
  });

  it("a missing or misshapen parameter, a missing batch field, a model without a head", () => {
    const m = gptModel();
    m[1].params.delete("attn.out.weight");
    expect(() => forwardBackward(m, globalBatch(1), { seed: 0, step: 0 })).toThrow(
      /parameter "attn.out.weight" missing/,
    );
    const m2 = gptModel();
    m2[3].params.set("weight", m2[3].params.get("bias")!.reshape([1, H]));
    expect(() => forwardBackward(m2, globalBatch(1), { seed: 0, step: 0 })).toThrow(ShapeError);
    const nolabels = { ...globalBatch(1), labels: undefined };
    expect(() => forwardBackward(gptModel(), nolabels, { seed: 0, step: 0 })).toThrow(/needs batch.labels/);
    expect(() => forwardBackward(gptModel().slice(0, 2), globalBatch(1), { seed: 0, step: 0 })).toThrow(
      /no loss head/,
    );
  });

  it("a rotary dimension larger than the head", () => {
    const m = buildModel([{ name: "h", spec: block({ rotaryDim: 10 }) }], STDS, 0);
    const x = { ...globalBatch(1) };
    expect(() =>
      forwardBackward([...gptModel().slice(0, 1), ...m, ...gptModel().slice(3)], x, { seed: 0, step: 0 }),
    ).toThrow(/rotaryDim 10 must be even and at most the head size 8/);
  });

  it("a zero loss denominator", () => {
    const g = { ...globalBatch(1), globalLossTokens: 0 };
    expect(() => forwardBackward(gptModel(), g, { seed: 0, step: 0 })).toThrow(
      /globalLossTokens, which is 0/,
    );
  });
});
