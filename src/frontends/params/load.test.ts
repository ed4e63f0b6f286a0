// The shipped Model Zoo configs load unchanged with the published parameter counts; families are chosen as
// documented; ignored keys are listed; run settings come out typed with Model Zoo's defaults.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../util/errors.js";
import { loadParams, parseParams } from "./load.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/param-counts.json", import.meta.url), "utf8"),
) as {
  counts: Record<string, number>;
};
const load = (rel: string) => loadParams(`${ROOT}${rel}`);

describe("the shipped configs load with the parameter counts of an independent PyTorch build", () => {
  for (const [file, count] of Object.entries(fixture.counts).filter(([f]) => f.startsWith("configs/"))) {
    it(`${file} has ${count.toLocaleString("en-US")} parameters`, () => {
      expect(load(file).model.paramCount).toBe(count);
    });
  }
});

describe("parameter counts equal the published figures", () => {
  it("GPT-2 small: 124,439,808 at 1024 positions, plus 1024 x 768 more rows at Model Zoo's 2048", () => {
    expect(fixture.counts.gpt2_small_1024_positions).toBe(124_439_808);
    expect(load("configs/gpt2/params_gpt2_small.yaml").model.paramCount).toBe(124_439_808 + 1024 * 768);
  });
  it("GPT-3 XL: GPT-Neo 1.3B's 1,315,575,808 (same sizes, no q/k/v biases) plus 24 x 3 x 2048 q/k/v biases", () => {
    expect(load("configs/gpt3/params_gpt3_xl.yaml").model.paramCount).toBe(1_315_575_808 + 24 * 3 * 2048);
  });
  it("GPT-J 6B: Hugging Face's 6,050,882,784 at vocab 50400, less 143 rows of both tables and the head bias", () => {
    expect(fixture.counts.gptj_6b_vocab_50400).toBe(6_050_882_784);
    expect(load("configs/gptj/params_gptj_6B.yaml").model.paramCount).toBe(
      6_050_882_784 - 143 * (2 * 4096 + 1),
    );
  });
  it("LLaMA-7B and Llama 2 7B: 6,738,415,616", () => {
    expect(load("configs/llama/params_llama_7b.yaml").model.paramCount).toBe(6_738_415_616);
    expect(load("configs/llama/params_llama2_7b.yaml").model.paramCount).toBe(6_738_415_616);
  });
  it("BERT-Large: BertModel's 335,141,888 plus the MLM transform, decoder bias and NSP classifier", () => {
    expect(fixture.counts.bert_large_model_with_pooler).toBe(335_141_888);
    const H = 1024;
    expect(load("configs/bert/bert_large_MSL128.yaml").model.paramCount).toBe(
      335_141_888 + (H * H + H) + 2 * H + 30522 + (2 * H + 2),
    );
  });
  it("Cerebras-GPT 111M: 111,050,496 (12 H^2 L + 13 H L + (V + P) H + 2 H)", () => {
    const H = 768;
    const L = 10;
    expect(load("configs/gpt3/Cerebras_GPT/111m.yaml").model.paramCount).toBe(
      12 * H * H * L + 13 * H * L + (50257 + 2048) * H + 2 * H,
    );
  });
});

describe("the model family is chosen from --model, then model.name, then the keys", () => {
  it("new-layout files name it: Cerebras-GPT 111M is gpt3 from trainer.init.model.name", () => {
    const p = load("configs/gpt3/Cerebras_GPT/111m.yaml");
    expect([p.layout, p.family.family, p.family.source]).toEqual(["new", "gpt3", "model.name"]);
  });
  it("old-layout files are told apart by their keys", () => {
    const fam = (f: string) => load(f).family;
    expect(fam("configs/gptj/params_gptj_6B.yaml")).toMatchObject({ family: "gptj", source: "keys" });
    expect(fam("configs/llama/params_llama_7b.yaml")).toMatchObject({ family: "llama", source: "keys" });
    expect(fam("configs/bert/bert_large_MSL128.yaml")).toMatchObject({ family: "bert", source: "keys" });
    expect(fam("configs/gpt2/params_gpt2_small.yaml")).toMatchObject({ family: "gpt2", source: "keys" });
    expect(fam("configs/fc_mnist/params.yaml")).toMatchObject({ family: "mlp", source: "model.name" });
  });
  it("--model labels a GPT-2-architecture file as gpt3", () => {
    const p = loadParams(`${ROOT}configs/gpt3/params_gpt3_xl.yaml`, { model: "gpt3" });
    expect([p.family.family, p.family.source, p.model.family]).toEqual(["gpt3", "flag", "gpt3"]);
  });
  it("--model that contradicts model.name is an error naming both", () => {
    expect(() => loadParams(`${ROOT}configs/llama/params_llama2_7b.yaml`, { model: "bert" })).toThrow(
      /trainer\.init\.model\.name: names family "llama" but --model says "bert"/,
    );
  });
});

describe("run settings", () => {
  it("GPT-J: rotary 64, parallel blocks, untied, biased head; batch 120 (row C3); three LR segments", () => {
    const p = load("configs/gptj/params_gptj_6B.yaml");
    const block = p.model.layers[1].spec;
    expect(block).toMatchObject({ rotaryDim: 64, residual: "parallel", attentionBias: false, mlpBias: true });
    expect(p.model.layers.at(-1)?.spec).toMatchObject({
      kind: "lm_head",
      bias: true,
      tied: false,
      lossScaling: "batch_size",
    });
    expect(p.run.train?.batchSize).toBe(120);
    expect(p.run.optimizer?.learningRate.segments.map((s) => [s.kind, s.steps])).toEqual([
      ["linear", 25886],
      ["cosine", 2588000],
      ["constant", null],
    ]);
    expect(p.run.optimizer).toMatchObject({ kind: "adamw", eps: 1e-6, weightDecay: 0.1, maxGradientNorm: 1 });
    expect(p.run.keepCheckpointMax).toBe(2);
  });
  it("BERT-Large MSL128: batch 1024 (rows C1/C2), 128 tokens, MLM weight 0.058, bf16 on the wafer", () => {
    const p = load("configs/bert/bert_large_MSL128.yaml");
    expect([p.run.train?.batchSize, p.model.seqLen, p.model.computeDtype]).toEqual([1024, 128, "bf16"]);
    expect(p.model.layers.find((l) => l.kind === "mlm_head")?.spec).toMatchObject({ lossWeight: 0.058 });
    expect(p.run.optimizer?.learningRate.resetSteps).toBe(false);
    expect(p.run.train?.kind).toBe("bert_csv");
  });
  it("the MLM head is costed on max_predictions_per_seq positions, not the whole sequence", () => {
    const head = load("configs/bert/bert_large_MSL128.yaml").model.layers.find((l) => l.kind === "mlm_head");
    // 20 predictions: transform 2*20*1024*1024, decoder 2*20*1024*30522
    expect(head?.flops.forward).toBe(2 * 20 * 1024 * 1024 + 2 * 20 * 1024 * 30522);
  });
  it("the new layout's loop, checkpoint, logging and precision sections fill the run", () => {
    const p = load("configs/llama/params_llama2_7b.yaml");
    expect(p.run).toMatchObject({
      maxSteps: 476837,
      evalFrequency: 10000,
      evalSteps: 89,
      checkpointSteps: 10000,
      logSteps: 100,
      saveInitialCheckpoint: true,
      seed: 1,
      backend: "CSX",
    });
    expect(p.run.precision.lossScaling.mode).toBe("dynamic");
    expect(p.model.computeDtype).toBe("cb16");
    expect(p.run.optimizer).toMatchObject({ beta1: 0.9, beta2: 0.95, eps: 1e-5, maxGradientNorm: 1 });
  });
  it("keys that only tune the hardware are listed as ignored with their lines", () => {
    const p = load("configs/llama/params_llama_7b.yaml");
    expect(p.ignored.map((i) => i.path)).toContain("runconfig.use_cs_grad_accum");
    expect(p.ignored.find((i) => i.path === "train_input.num_workers")?.line).toBe(10);
  });
  it("overrides replace max_steps, eval_steps and model_dir", () => {
    const p = loadParams(`${ROOT}configs/tiny/gpt2.yaml`, { maxSteps: 7, evalSteps: 2, modelDir: "/tmp/x" });
    expect([p.run.maxSteps, p.run.evalSteps, p.run.modelDir]).toEqual([7, 2, "/tmp/x"]);
  });
});

describe("bad files report every problem at once, with path and line", () => {
  it("three problems in one file come out together, in line order", () => {
    const text = [
      "model:",
      "  hidden_size: 66",
      "  num_heads: 4",
      "  num_hidden_layers: 2",
      "  vocab_size: 100",
      "  filter_size: 64",
      "  dropout_rat: 0.1",
      "runconfig:",
      "  max_steps: -1",
    ].join("\n");
    try {
      parseParams("bad.yaml", text);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const issues = (e as ConfigError).issues;
      expect(issues.map((i) => [i.path, i.line])).toEqual([
        ["model.num_heads", 3],
        ["model.dropout_rat", 7],
        ["runconfig.max_steps", 9],
      ]);
      expect(issues[1].message).toContain('did you mean "dropout_rate"?');
    }
  });
});
