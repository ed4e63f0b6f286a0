// The input pipeline against hand-derived values and an h5py-written file: the GPT HDF5 format both ways,
// resumable seeded shuffling, exact sharding, BERT masking as BERT does it, and the shipped corpus.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { hdf5Ready, readGptHdf5 } from "./hdf5.js";
import { prepareText, samplesFromStream } from "./prepare.js";
import { BatchStream, shardRows } from "./source.js";
import type { SampleSource } from "./source.js";
import { BertMlmSource } from "./sources/bert-mlm.js";
import { GptHdf5Source } from "./sources/gpt-hdf5.js";
import { SyntheticClusters, SyntheticTokens } from "./sources/synthetic.js";
import { TOKENIZERS } from "./tokenizers.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const CORPUS = here("../../datasets/kjv-genesis/");

beforeAll(() => hdf5Ready());

describe("samples from a token stream", () => {
  it("overlap by one token: labels are the inputs shifted, the last sample padded with mask 0", () => {
    const { data, n } = samplesFromStream([10, 11, 12, 13, 14, 15], 2, 0);
    // stream of 6 tokens, T = 2: (10,11|11,12) (12,13|13,14) (14,15|15,pad)
    expect(n).toBe(3);
    expect(Array.from(data)).toEqual([10, 11, 1, 1, 11, 12, 12, 13, 1, 1, 13, 14, 14, 15, 1, 0, 15, 0]);
  });
});

describe("GPT HDF5 format", () => {
  it("reads a file h5py wrote as Model Zoo does, padded tail and all", () => {
    const src = new GptHdf5Source([here("fixtures/h5py-gpt")], 8, 50257, "train_input");
    expect(src.numSamples).toBe(5);
    const b = src.read([0, 4]);
    // stream[k] = (37 k + 11) mod 50257: sample 0 holds stream[0..7], labels stream[1..8]
    expect(Array.from(b.inputIds!.subarray(0, 8))).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => 37 * k + 11));
    expect(Array.from(b.labels!.subarray(0, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => 37 * k + 11));
    expect(Array.from(b.lossMask!.subarray(8))).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(src.lossTokens(4)).toBe(5);
  });
  it("round-trips text through prepare, with the tokenizer's end-of-text between documents", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-data-"));
    writeFileSync(join(dir, "a.txt"), "abc");
    writeFileSync(join(dir, "b.txt"), "de");
    const r = await prepareText({
      inputs: [join(dir, "a.txt"), join(dir, "b.txt")],
      outDir: join(dir, "out"),
      tokenizer: "byte",
      seqLen: 3,
    });
    // a b c <eos> d e <eos> = 7 tokens -> ceil(6 / 3) = 2 samples
    expect([r.tokens, r.samples]).toEqual([7, 2]);
    const f = readGptHdf5(r.files[0]);
    expect([f.n, f.seqLen]).toEqual([2, 3]);
    expect(Array.from(f.data)).toEqual([
      97, 98, 99, 1, 1, 1, 98, 99, 256, 256, 100, 101, 1, 1, 1, 100, 101, 256,
    ]);
  });
  it("names the file and the fix when the sequence length differs from the config's", () => {
    expect(() => new GptHdf5Source([here("fixtures/h5py-gpt")], 16, 50257, "train_input")).toThrow(
      /samples of 8 tokens, but train_input\.max_sequence_length is 16/,
    );
  });
  it("a *.h5 file that is not HDF5 is named with the fix, before the library reads it", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-data-"));
    writeFileSync(join(dir, "x.h5"), "not hdf5");
    expect(() => readGptHdf5(join(dir, "x.h5"))).toThrow(
      `${join(dir, "x.h5")} is not an HDF5 file (no HDF5 signature): remove it from the data folder`,
    );
  });
  it("refuses token ids beyond the model's vocabulary", () => {
    expect(() => new GptHdf5Source([join(CORPUS, "gpt2/val")], 64, 260, "eval_input")).toThrow(
      /vocabulary of 50257 .* larger than the model's vocab_size 260/,
    );
  });
});

describe("the shipped corpus", () => {
  it("is Genesis (KJV) in GPT-2 BPE: sample 0 decodes to its first words", () => {
    const src = new GptHdf5Source([join(CORPUS, "gpt2/train")], 64, 50257, "train_input");
    const text = TOKENIZERS.gpt2.decode(Array.from(src.rows(0).ids));
    expect(text.startsWith("Genesis 1\n\nIn the beginning God created the heaven and the earth.")).toBe(true);
  });
});

function counting(n: number): SampleSource {
  return {
    description: "counting",
    numSamples: n,
    seqLen: 1,
    lossTokens: (i) => i % 3,
    read: (idx) => ({
      inputIds: Int32Array.from(idx),
      labels: Int32Array.from(idx),
      lossMask: new Float32Array(idx.length),
    }),
  };
}

describe("batch stream", () => {
  const opts = { batchSize: 4, shuffle: true, seed: 9, repeat: true };
  it("visits every sample once per epoch and drops the last partial batch", () => {
    const s = new BatchStream(counting(10), opts);
    const seen = [s.next()!, s.next()!].flatMap((g) => g.samples);
    expect(new Set(seen).size).toBe(8);
    const third = s.next()!;
    expect(third.epoch).toBe(1); // 2 samples left over: the epoch ends, the next starts
  });
  it("resumes from a saved position with the batches an uninterrupted stream gives", () => {
    const a = new BatchStream(counting(10), opts);
    for (let i = 0; i < 3; i++) a.next();
    const saved = a.position;
    const rest = [a.next(), a.next(), a.next()].map((g) => g!.samples);
    const b = new BatchStream(counting(10), opts, saved);
    expect([b.next(), b.next(), b.next()].map((g) => g!.samples)).toEqual(rest);
  });
  it("stops at the end without repeat", () => {
    const s = new BatchStream(counting(10), { ...opts, repeat: false });
    expect([s.next(), s.next(), s.next()].map((g) => g !== null)).toEqual([true, true, false]);
  });
  it("shards read separately make the whole batch, and each carries the global denominators", () => {
    const s = new BatchStream(counting(12), { ...opts, batchSize: 6 });
    const g = s.next()!;
    const whole = s.read(g);
    const parts = [0, 1, 2].map((k) => s.read(g, ...shardRows(6, 3, k)));
    expect(parts.flatMap((p) => Array.from(p.inputIds!))).toEqual(Array.from(whole.inputIds!));
    expect(parts.map((p) => [p.sampleOffset, p.size, p.globalBatchSize, p.globalLossTokens])).toEqual(
      [0, 2, 4].map((o) => [o, 2, 6, g.samples.reduce((a, i) => a + (i % 3), 0)]),
    );
    expect(() => shardRows(6, 4, 0)).toThrow(/batch_size 6 does not split evenly across 4 systems/);
  });
});

describe("BERT samples", () => {
  const rows = () => new GptHdf5Source([join(CORPUS, "byte/train")], 64, 260, "train_input");
  const bert = () =>
    new BertMlmSource(rows(), {
      seqLen: 64,
      maxPredictions: 10,
      maskedLmProb: 0.15,
      nsp: true,
      seed: 3,
      section: "train_input",
    });
  it("are [CLS] A [SEP] B [SEP] with token types 0 then 1 and round(61 x 0.15) = 9 masked positions", () => {
    const s = bert().sample(0, 0);
    const sp = TOKENIZERS.byte.bert!;
    expect([s.ids[0], s.ids[31], s.ids[63]]).toEqual([sp.cls, sp.sep, sp.sep]);
    expect(Array.from(s.types.subarray(0, 32)).every((t) => t === 0)).toBe(true);
    expect(Array.from(s.types.subarray(32)).every((t) => t === 1)).toBe(true);
    expect(s.mask.reduce((a, b) => a + b, 0)).toBe(9);
    expect([0, 31, 63].map((p) => s.mask[p])).toEqual([0, 0, 0]);
  });
  it("mask 80% / replace 10% / keep 10%, pair a random B half the time, and repeat exactly per (seed, epoch, i)", () => {
    const src = bert();
    const mask = TOKENIZERS.byte.bert!.mask;
    let masked = 0;
    let kept = 0;
    let total = 0;
    let notNext = 0;
    const n = 1200;
    for (let i = 0; i < n; i++) {
      const s = src.sample(i, 1);
      notNext += s.next;
      for (let p = 0; p < 64; p++) {
        if (!s.mask[p]) continue;
        total++;
        if (s.ids[p] === mask) masked++;
        else if (s.ids[p] === s.labels[p]) kept++;
      }
    }
    expect(masked / total).toBeCloseTo(0.8, 1);
    // kept: the 10% that stay plus random replacements that drew the same byte (~0.1/256)
    expect(kept / total).toBeCloseTo(0.1, 1);
    expect(notNext / n).toBeCloseTo(0.5, 1);
    expect(src.sample(5, 2)).toEqual(src.sample(5, 2));
    expect(src.sample(5, 2).ids).not.toEqual(src.sample(5, 3).ids);
  });
  it("refuses data whose tokenizer has no [MASK]", () => {
    const gpt = new GptHdf5Source([join(CORPUS, "gpt2/val")], 64, 50257, "train_input");
    expect(
      () =>
        new BertMlmSource(gpt, {
          seqLen: 64,
          maxPredictions: 10,
          maskedLmProb: 0.15,
          nsp: true,
          seed: 1,
          section: "train_input",
        }),
    ).toThrow(/BERT needs \[CLS\], \[SEP\] and \[MASK\] .* --tokenizer byte/);
  });
});

describe("synthetic sources", () => {
  it("tokens: labels are the next token, the same for the same seed and sample", () => {
    const s = new SyntheticTokens(8, 5, 100, 1).read([3]);
    expect(Array.from(s.inputIds!.subarray(1))).toEqual(Array.from(s.labels!.subarray(0, 4)));
    expect(new SyntheticTokens(8, 5, 100, 1).read([3])).toEqual(s);
  });
  it("clusters: samples lie nearer their class centre than the others on average", () => {
    const src = new SyntheticClusters(400, 16, 4, 2);
    const b = src.read(Array.from({ length: 400 }, (_, i) => i));
    const F = 16;
    const mean = Array.from({ length: 4 }, () => new Float64Array(F));
    const count = [0, 0, 0, 0];
    for (let r = 0; r < 400; r++) {
      const c = b.classLabels![r];
      count[c]++;
      for (let f = 0; f < F; f++) mean[c][f] += b.features![r * F + f];
    }
    const centres = mean.map((m, c) => m.map((v) => v / count[c]));
    let correct = 0;
    for (let r = 0; r < 400; r++) {
      const d = centres.map((m) => m.reduce((a, v, f) => a + (v - b.features![r * F + f]) ** 2, 0));
      if (d.indexOf(Math.min(...d)) === b.classLabels![r]) correct++;
    }
    expect(correct / 400).toBeGreaterThan(0.95);
  });
});
