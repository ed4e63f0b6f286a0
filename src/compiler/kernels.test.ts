// Kernel costs against hand arithmetic from the hardware figures, and kernel matching against the IR's FLOPs.
import { describe, expect, it } from "vitest";
import { WSE2 } from "../hw/index.js";
import { BERT_DEFAULTS, buildBert, buildDecoderLM, DECODER_DEFAULTS } from "../model/index.js";
import { elementwiseCost, gatherCost, kernelFlops, matchKernels, matmulCost } from "./kernels.js";
import { smallMlp } from "./test-models.js";

describe("matrix product cost", () => {
  it("an fp16 FMAC with 32-bit SRAM ports is SRAM-bound at 2 per cycle, half the SIMD width", () => {
    // 4 PEs, 8 x 8 resident, K = 8, 8 streamed: 128 FMACs per PE whatever the grid.
    // compute 128 / 4 = 32; SRAM reads 2 x 128 x 2 B over 2 x 4 B = 64, writes 128 x 2 B over 4 B = 64
    const c = matmulCost(WSE2, "fp16", 4, 8, 8, 8);
    expect(c.compute).toBe(32);
    expect(c.sram).toBe(64);
    expect(c.cycles).toBe(64);
    expect(c.bound).toBe("SRAM");
  });
  it("64-bit SRAM ports lift it to the SIMD width: 32 cycles, compute-bound on a 2 x 2 grid", () => {
    // 2 x 2 grid: 4 x 4 resident per PE; streamed in 4 x 8 / 2 per wavelet = 16; partial sums out 4 x 8 / 2 = 16;
    // fill 2 x sqrt(4) = 4 hops -> fabric 20 < 32
    const c = matmulCost({ ...WSE2, sramPortBits: 64 }, "fp16", 4, 8, 8, 8);
    expect(c.cycles).toBe(32);
    expect(c.fabric).toBe(20);
    expect(c.bound).toBe("compute");
  });
  it("fp32 uses the 1-wide fp32 FMAC and one element per wavelet", () => {
    // one PE: 2 x 2 x 2 = 8 FMACs at 1 per cycle; SRAM reads 2 x 8 x 4 B / 8 B = 8, writes 8 x 4 / 4 = 8
    const c = matmulCost(WSE2, "fp32", 1, 2, 2, 2);
    expect(c.compute).toBe(8);
    expect(c.sram).toBe(8);
    // streamed 2 x 2 elements at 1 per wavelet + fill 2 hops
    expect(c.fabric).toBe(6);
  });
  it("a product too thin to feed the PEs is fabric-bound", () => {
    // K = 1 on 1024 PEs: each PE multiplies its one row by 4096 streamed values: 4096 FMACs, SRAM 2048,
    // but 4096 values / 2 per wavelet must arrive over one link, plus a 64-hop fill
    const c = matmulCost(WSE2, "fp16", 1024, 1024, 1, 4096);
    expect(c.bound).toBe("fabric");
    expect(c.fabric).toBe(2048 + 64);
  });
});

describe("vector kernels", () => {
  it("element-wise work runs at the fp16 add width, SRAM-bound with 32-bit ports", () => {
    // 1000 ops on 10 PEs: 100 each; compute 100 / 4 = 25; SRAM: 200 B read over 8 B/cycle = 25, 200 B write over 4 = 50
    const c = elementwiseCost(WSE2, "fp16", 10, 1000);
    expect(c.compute).toBe(25);
    expect(c.sram).toBe(50);
  });
  it("a gather moves 2 fp16 per cycle and per wavelet", () => {
    const c = gatherCost(WSE2, "fp16", 1, 100);
    expect(c.compute).toBe(50);
    expect(c.fabric).toBe(50);
  });
});

describe("kernel matching computes the IR's forward FLOPs and holds the layer's parameters", () => {
  const models = {
    gptj: buildDecoderLM({
      ...DECODER_DEFAULTS.gptj,
      vocabSize: 1000,
      hidden: 256,
      layers: 2,
      heads: 4,
      ffn: 1024,
      maxPositions: 64,
      seqLen: 64,
    }),
    llama: buildDecoderLM({
      ...DECODER_DEFAULTS.llama,
      vocabSize: 1000,
      hidden: 256,
      layers: 2,
      heads: 4,
      ffn: 688,
      maxPositions: 64,
      seqLen: 64,
    }),
    bert: buildBert({
      ...BERT_DEFAULTS,
      vocabSize: 1000,
      hidden: 128,
      layers: 2,
      heads: 2,
      ffn: 512,
      maxPositions: 64,
      seqLen: 64,
      normEps: 1e-12,
      mlmPredictions: 10,
    }),
    mlp: smallMlp(),
  };
  for (const [name, m] of Object.entries(models)) {
    it(`${name}: every layer's kernels`, () => {
      for (const l of m.layers) {
        const ks = matchKernels(l, m.seqLen);
        expect(kernelFlops(ks)).toBe(l.flops.forward);
        const own = l.params.reduce((a, p) => a + p.numel, 0);
        const tied = l.tied.length > 0;
        // a tied head's kernel uses the owner's table on top of what the layer owns
        if (!tied) expect(ks.reduce((a, k) => a + k.weights, 0)).toBe(own);
      }
    });
  }
});
