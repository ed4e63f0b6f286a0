// Parameter counts against published figures, FLOPs against hand arithmetic, and no weight allocation.
import { describe, expect, it } from "vitest";
import { buildBert, buildDecoderLM, buildMlp } from "./builders.js";
import { BERT_DEFAULTS, DECODER_DEFAULTS } from "./presets.js";

const gpt2Small = (seq = 1024) =>
  buildDecoderLM({
    ...DECODER_DEFAULTS.gpt2,
    vocabSize: 50257,
    hidden: 768,
    layers: 12,
    heads: 12,
    ffn: 3072,
    maxPositions: 1024,
    seqLen: seq,
  });

describe("parameter counts equal the published ones", () => {
  it("GPT-2 small at 1024 positions has 124,439,808 parameters", () => {
    expect(gpt2Small().paramCount).toBe(124_439_808);
  });
  it("LLaMA-7B has 6,738,415,616 parameters", () => {
    const m = buildDecoderLM({
      ...DECODER_DEFAULTS.llama,
      vocabSize: 32000,
      hidden: 4096,
      layers: 32,
      heads: 32,
      ffn: 11008,
      maxPositions: 2048,
      seqLen: 2048,
    });
    expect(m.paramCount).toBe(6_738_415_616);
  });
  it("BERT-base (with pooler, MLM head tied) has HF's 110,106,428 parameters", () => {
    // HF BertForPreTraining bert-base-uncased: 109,482,240 (BertModel incl. pooler) + MLM transform 768*768+768
    // + 2*768 norm + 30522 decoder bias + NSP classifier 768*2+2 = 110,106,428
    const m = buildBert({
      ...BERT_DEFAULTS,
      vocabSize: 30522,
      hidden: 768,
      layers: 12,
      heads: 12,
      ffn: 3072,
      maxPositions: 512,
      seqLen: 128,
      normEps: 1e-12,
    });
    expect(m.paramCount).toBe(110_106_428);
  });
  it("an MLP 784-256-10 has 784*256+256 + 256*10+10 parameters", () => {
    const m = buildMlp({
      inFeatures: 784,
      hiddenSizes: [256],
      classes: 10,
      activation: "relu",
      bias: true,
      dropout: 0,
      initializerRange: 0.02,
      computeDtype: "fp32",
    });
    expect(m.paramCount).toBe(784 * 256 + 256 + 256 * 10 + 10);
  });
});

describe("IR structure", () => {
  it("GPT-2 small is embedding, 12 blocks, final norm and a head tied to the token table", () => {
    const m = gpt2Small();
    expect(m.layers.map((l) => l.name)).toEqual([
      "embedding",
      ...Array.from({ length: 12 }, (_, i) => `block.${i}`),
      "final_norm",
      "lm_head",
    ]);
    const head = m.layers[m.layers.length - 1];
    expect(head.params).toEqual([]);
    expect(head.tied).toEqual([{ local: "weight", owner: "embedding.wte" }]);
    expect(m.layers[1].params.map((p) => p.fullName)).toContain("block.0.attn.qkv.weight");
  });
  it("residual output projections get initializer_range / sqrt(2 L)", () => {
    const b = gpt2Small().layers[1];
    const out = b.params.find((p) => p.name === "attn.out.weight");
    expect(out?.init).toEqual({ kind: "normal", std: 0.02 / Math.sqrt(24) });
  });
});

describe("FLOPs per sample", () => {
  it("a GPT-2 small block at T=1024: 24 T H^2 + 4 T^2 H forward, twice that backward", () => {
    const T = 1024;
    const H = 768;
    const b = gpt2Small(T).layers[1];
    // qkv 2*T*3H*H + out 2*T*H*H + mlp 2 * 2*T*4H*H = 24 T H^2; scores and values 2 * 2 T^2 H
    expect(b.flops.forward).toBe(24 * T * H * H + 4 * T * T * H);
    expect(b.flops.backward).toBe(2 * b.flops.forward);
  });
  it("the LM head costs 2 T H V", () => {
    const m = gpt2Small(2048);
    expect(m.layers[m.layers.length - 1].flops.forward).toBe(2 * 2048 * 768 * 50257);
  });
});

describe("building an IR allocates no weights", () => {
  it("GPT-3 175B builds with little memory and counts 174.6 B parameters", () => {
    const before = process.memoryUsage().heapUsed;
    const m = buildDecoderLM({
      ...DECODER_DEFAULTS.gpt3,
      vocabSize: 50257,
      hidden: 12288,
      layers: 96,
      heads: 96,
      ffn: 4 * 12288,
      maxPositions: 2048,
      seqLen: 2048,
    });
    const grew = process.memoryUsage().heapUsed - before;
    // 12 H^2 L + 13 H L + V H + P H + 2 H, by hand (attention and MLP biases, norms, tables)
    const H = 12288;
    const L = 96;
    expect(m.paramCount).toBe(12 * H * H * L + 13 * H * L + 50257 * H + 2048 * H + 2 * H);
    expect(grew).toBeLessThan(50 * 1024 * 1024);
  });
});
