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
    // Hugging Face's task models: bert-base-uncased's, google/vit-base-patch16-224's
    expect(fixture.counts.bert_base_sequence_classification_2).toBe(109_483_778);
    expect(fixture.counts.bert_base_question_answering).toBe(108_893_186);
    expect(fixture.counts.vit_base_patch16_224).toBe(86_567_656);
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

/** The issues of a file that fails to load. */
function issuesOf(text: string) {
  try {
    parseParams("f.yaml", text);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error("the file loaded");
}

const GPT = (model: string[], rest: string[] = []) =>
  [
    "train_input:",
    "  data_processor: GptHDF5MapDataProcessor",
    "  data_dir: ./d",
    "  batch_size: 8",
    "  max_sequence_length: 64",
    "model:",
    "  vocab_size: 100",
    "  hidden_size: 64",
    "  num_hidden_layers: 2",
    "  num_heads: 4",
    "  filter_size: 256",
    "  max_position_embeddings: 64",
    ...model.map((l) => `  ${l}`),
    ...rest,
  ].join("\n");

const ADAM = ["optimizer:", "  optimizer_type: adamw", "  learning_rate: 1.0e-4"];

describe("Model Zoo's spellings across releases and frameworks", () => {
  it("TensorFlow's run keys: save_checkpoints_steps, tf_random_seed, keep_checkpoint_max 0 (keep all)", () => {
    const rc = ["runconfig:", "  max_steps: 10", "  save_checkpoints_steps: 5", "  tf_random_seed: 7"];
    const p = parseParams("f.yaml", GPT([], [...ADAM, ...rc, "  keep_checkpoint_max: 0"]));
    expect([p.run.checkpointSteps, p.run.seed, p.run.keepCheckpointMax]).toEqual([5, 7, null]);
  });
  it("the run length is the smallest of max_steps, num_steps and num_epochs x steps_per_epoch", () => {
    const rc = ["runconfig:", "  max_steps: 10000", "  num_epochs: 1", "  steps_per_epoch: 1000"];
    expect(parseParams("f.yaml", GPT([], [...ADAM, ...rc])).run.maxSteps).toBe(1000);
    const noEpochLength = issuesOf(GPT([], [...ADAM, "runconfig:", "  num_epochs: 2"]));
    expect(noEpochLength[0].message).toMatch(
      /epoch-based run lengths without steps_per_epoch .* not implemented in wsc/,
    );
  });
  it("TensorFlow's names: beta_1/beta_2, the momentum optimizer, a cosine decay's alpha", () => {
    const opt = [
      "optimizer:",
      "  optimizer_type: adam",
      "  beta_1: 0.8",
      "  beta_2: 0.9",
      "  learning_rate:",
      "    - {scheduler: Linear, initial_learning_rate: 0.0, end_learning_rate: 1.0e-3, steps: 10}",
      "    - {scheduler: CosineDecay, initial_learning_rate: 1.0e-3, alpha: 0.1, steps: 90}",
    ];
    const p = parseParams("f.yaml", GPT([], opt));
    expect([p.run.optimizer?.beta1, p.run.optimizer?.beta2]).toEqual([0.8, 0.9]);
    expect(p.run.optimizer?.learningRate.segments[1]).toMatchObject({ kind: "cosine", initial: 1e-3 });
    expect(p.run.optimizer?.learningRate.segments[1].end).toBeCloseTo(1e-4, 12);
    const momentum = ["optimizer:", "  optimizer_type: momentum", "  momentum: 0.9", "  learning_rate: 0.1"];
    expect(parseParams("f.yaml", GPT([], momentum)).run.optimizer).toMatchObject({
      kind: "sgd",
      momentum: 0.9,
    });
  });
  it("TensorFlow's BERT takes its vocabulary size from a vocab_file Model Zoo ships", () => {
    const text = [
      "train_input:",
      "  data_processor: BertTfRecordsProcessor",
      "  data_dir: ./d",
      '  vocab_file: "../../vocab/google_research_uncased_L-12_H-768_A-12.txt"',
      "  max_sequence_length: 128",
      "  max_predictions_per_seq: 20",
      "  batch_size: 8",
      "model:",
      "  hidden_size: 64",
      "  num_hidden_layers: 2",
      "  num_heads: 4",
      "  filter_size: 256",
      "  encoder_nonlinearity: gelu",
      "  use_segment_embedding: True",
      ...ADAM,
    ].join("\n");
    expect(parseParams("f.yaml", text).model.vocabSize).toBe(30522);
    const missing = issuesOf(text.replace(/ {2}vocab_file: .*\n/, ""));
    expect(missing.map((i) => [i.path, i.message.split(":")[0]])).toEqual([
      ["model.vocab_size", "required key vocab_size is missing"],
    ]);
    expect(missing[0].line).toBe(7);
  });
  it("new-layout class names in any case: adamw, cosinedecaylr", () => {
    const text = [
      "trainer:",
      "  init:",
      "    model: {name: gpt2, vocab_size: 100, hidden_size: 64, num_hidden_layers: 2, num_heads: 4, filter_size: 256}",
      "    optimizer: {adamw: {betas: [0.9, 0.95]}}",
      "    schedulers:",
      "      - cosinedecaylr: {initial_learning_rate: 1.0e-3, end_learning_rate: 1.0e-4, total_iters: 10}",
      "    loop: {max_steps: 10}",
    ].join("\n");
    const p = parseParams("f.yaml", text);
    expect(p.run.optimizer).toMatchObject({ kind: "adamw", beta2: 0.95 });
    expect(p.run.optimizer?.learningRate.segments[0].kind).toBe("cosine");
  });
  it("fc_mnist without optimizer_type is Adam, as TensorFlow's fc_mnist builds it; other models require the key", () => {
    const mlp = ["model:", "  hidden_sizes: [16]", "optimizer:", "  learning_rate: 0.001", "  beta1: 0.9"];
    expect(parseParams("f.yaml", mlp.join("\n")).run.optimizer?.kind).toBe("adam");
    const gpt = issuesOf(GPT([], ["optimizer:", "  learning_rate: 0.001"]));
    expect(gpt[0]).toMatchObject({ path: "optimizer.optimizer_type", line: 13 });
    expect(gpt[0].message).toMatch(/^required key optimizer_type is missing/);
  });
});

describe("features wsc does not build are refused by name; the advice never changes the model", () => {
  it("grouped-query attention is built: 4 query heads on 2 key/value heads shrink k and v; no groups without the module", () => {
    const gqa = ["attention_module: multiquery_attention", "extra_attention_params:", "    num_kv_groups: 2"];
    const mha = parseParams("f.yaml", GPT([], ADAM)).model.paramCount;
    const p = parseParams("f.yaml", GPT(gqa, ADAM));
    // each of 2 blocks loses half of its k and v rows: 2 x 2 x (64 - 32) x 64 weights and 2 x 2 x 32 biases
    expect(mha - p.model.paramCount).toBe(2 * 2 * 32 * 64 + 2 * 2 * 32);
    const block = p.model.layers.find((l) => l.kind === "transformer_block")!.spec as { kvHeads?: number };
    expect(block.kvHeads).toBe(2);
    const mqa = parseParams("f.yaml", GPT(["attention_module: multiquery_attention"], ADAM)).model.layers[1]
      .spec;
    expect((mqa as { kvHeads?: number }).kvHeads).toBe(1);
    const stray = issuesOf(GPT(gqa.slice(1), ADAM));
    expect(stray[0].message).toMatch(/key\/value groups apply to attention_module: multiquery_attention/);
    expect(issuesOf(GPT([...gqa.slice(0, 2), "    num_kv_groups: 3"], ADAM))[0].message).toMatch(
      /3 key\/value groups do not divide num_heads 4/,
    );
  });
  it("other RoPE scalings, sparsity and BERT fine-tuning each name their feature", () => {
    const rope = ["position_embedding_type: rotary", "pos_scaling_factor: 8.0"];
    expect(issuesOf(GPT([...rope, "pos_scaling_type: yarn"], ADAM))[0].message).toMatch(
      /RoPE scaling of types yarn and longrope \(pos_scaling_type\) is not implemented in wsc/,
    );
    const llama3 = parseParams("f.yaml", GPT([...rope, "pos_scaling_type: llama3"], ADAM)).model.layers[1]
      .spec;
    expect(llama3).toMatchObject({
      rotaryScaling: {
        type: "llama3",
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositions: 8192,
      },
    });
    const sparse = issuesOf(GPT([], [...ADAM, "sparsity:", "  sparsity: 0.5"]));
    expect(sparse[0]).toMatchObject({ path: "sparsity" });
    expect(sparse[0].message).toMatch(/weight sparsity \(section sparsity\) is not implemented in wsc/);
    const tune = issuesOf(
      GPT(["pretrain_params_path: ../../configs/params_bert_base_msl128.yaml"], ADAM).replace(
        "GptHDF5MapDataProcessor",
        "Sst2DataProcessor",
      ),
    );
    expect(tune[0].message).toMatch(/^TensorFlow BERT fine-tuning \(.+\) is not implemented in wsc/);
    const named = issuesOf(
      GPT(["name: gpt2", "num_labels: 2"], ADAM).replace("GptHDF5MapDataProcessor", "SST2DataProcessor"),
    );
    expect(named[0].message).toMatch(
      /sequence classification \(bert\/classifier\) is a BERT head, but .+ gpt2/,
    );
  });
  it("a wrong list entry names its index and key; a real typo still gets 'did you mean'", () => {
    const opt = [
      "optimizer:",
      "  optimizer_type: adamw",
      "  learning_rate:",
      "    - {scheduler: Linear, initial_learning_rate: 0.0, end_learning_rate: 1.0e-3, steps: 10}",
      "    - {scheduler: Linear, initial_learning_rate: 1.0e-3, end_learning_rate: 0.0, stpes: 90}",
    ];
    const issues = issuesOf(GPT([], opt));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["optimizer.learning_rate[1].stpes", 17]]);
    expect(issues[0].message).toMatch(/^unknown key; did you mean "steps"\?/);
    const sched = issuesOf(
      GPT(
        [],
        opt.map((l) =>
          l
            .replace("stpes", "steps")
            .replace("Linear, initial_learning_rate: 1", "StepLR, initial_learning_rate: 1"),
        ),
      ),
    );
    expect(sched[0].path).toBe("optimizer.learning_rate[1]");
    expect(sched[0].message).toMatch(/the Step learning-rate scheduler is not implemented in wsc/);
  });
});

describe("YAML as PyYAML reads a params file", () => {
  const mlp = (extra: string[]) =>
    [
      "model:",
      "  hidden_sizes: [16]",
      ...extra,
      "optimizer:",
      "  optimizer_type: sgd",
      "  learning_rate: 0.1",
    ].join("\n");
  it("unquoted yes/no/on/off are booleans (YAML 1.1); quoted they stay strings", () => {
    expect(parseParams("f.yaml", mlp(["  use_bias: Off"])).model.layers[0].spec).toMatchObject({
      bias: false,
    });
    expect(parseParams("f.yaml", mlp(["  use_bias: yes"])).model.layers[0].spec).toMatchObject({
      bias: true,
    });
    expect(issuesOf(mlp(['  use_bias: "yes"']))[0].message).toMatch(
      /wrong type: expected boolean, got string "yes"/,
    );
  });
  it("a repeated key takes the last value, with a warning naming both lines", () => {
    const p = parseParams("f.yaml", mlp(["  dropout: 0.5", "  dropout: 0.25"]));
    expect(p.model.layers[0].spec).toMatchObject({ dropout: 0.25 });
    expect(p.warnings).toContain(
      'the key "dropout" appears twice in one mapping (lines 3 and 4); the last value (line 4) is used, as PyYAML reads it',
    );
  });
});

describe("Model Zoo's defaults for what a file leaves out", () => {
  it("GPT-J without rotary_dim rotates a quarter of each head, as its model class does", () => {
    const text = GPT(["position_embedding_type: rotary"], ADAM).replace(
      "max_position_embeddings: 64",
      "share_embedding_weights: False",
    );
    const p = parseParams("f.yaml", text, { model: "gptj" });
    const block = p.model.layers.find((l) => l.kind === "transformer_block")!.spec as { rotaryDim: number };
    expect(block.rotaryDim).toBe(4); // head size 64 / 4 = 16, a quarter of it
  });
});

describe("muP as Model Zoo applies it", () => {
  const spec = (text: string) => {
    const p = parseParams("f.yaml", text);
    const block = p.model.layers.find((l) => l.kind === "transformer_block")!;
    return {
      emb: p.model.layers[0].spec as { scale?: number },
      block: block.spec as { scoreScale?: number; lrScales?: Record<string, number> },
      head: p.model.layers.at(-1)!.spec as { logitsScale?: number },
      params: block.params,
    };
  };
  it("2.3+: base sizes give the logits, learning-rate and initialisation multipliers", () => {
    // hidden 64 over a base of 16: w = 4; filter 256 over 128: wf = 2; head size 16
    const mup = [
      "mup_base_hidden_size: 16",
      "mup_base_filter_size: 128",
      "output_logits_alpha: 2.0",
      "embeddings_scale: 10.0",
      "scale_qk_dot_by_d: True",
      "attention_logits_alpha: 4.0",
    ];
    const m = spec(GPT(mup, ADAM));
    expect(m.emb.scale).toBe(10);
    expect(m.head.logitsScale).toBe(2 / 4);
    expect(m.block.scoreScale).toBe(4 / 16);
    expect(m.block.lrScales).toEqual({ attention: 1 / 4, ffnIn: 1 / 4, ffnOut: 1 / 2 });
    const qkv = m.params.find((p) => p.name === "attn.qkv.weight")!;
    const fc2 = m.params.find((p) => p.name === "mlp.fc2.weight")!;
    expect(qkv.lrScale).toBe(0.25);
    expect(fc2.lrScale).toBe(0.5);
    // initializer_range 0.02 x w^-1/2; outputs also x (2 L)^-1/2, L = 2
    expect(qkv.init).toEqual({ kind: "normal", std: 0.02 / 2 });
    expect(fc2.init).toEqual({ kind: "normal", std: 0.02 / 2 / 2 });
    const bySqrt = spec(GPT([...mup, "scale_output_logits_by_d: False"], ADAM));
    expect(bySqrt.head.logitsScale ?? 1).toBe(2 / Math.sqrt(4));
  });
  it("1.x: output_logits_scale and the optimizer's adjust_learning_rate {decoder_kernel}", () => {
    const opt = [...ADAM, "  adjust_learning_rate:", "    decoder_kernel: 0.25"];
    const m = spec(
      GPT(["output_logits_scale: 0.25", "embeddings_scale: 10", "scale_qk_dot_by_d: True"], opt),
    );
    expect(m.head.logitsScale).toBe(0.25);
    expect(m.block.scoreScale).toBe(1 / 16);
    expect(m.block.lrScales).toEqual({ attention: 0.25, ffnIn: 0.25, ffnOut: 0.25 });
    const bad = issuesOf(
      GPT(["mup_base_hidden_size: 16"], [...ADAM, "  adjust_learning_rate:", "    embedding: 2"]),
    );
    expect(bad.map((i) => i.message)).toEqual([
      expect.stringMatching(/^required key for muP is missing: Model Zoo's muP takes both/),
      expect.stringMatching(/^2: custom muP learning-rate groups .* is not implemented in wsc/),
    ]);
  });
});

describe("ViT's model section", () => {
  const vit = (extra: string[]) =>
    [
      "trainer:",
      "  init:",
      "    model:",
      "      name: vision_transformer",
      "      hidden_size: 64",
      "      num_hidden_layers: 2",
      "      num_heads: 4",
      "      filter_size: 256",
      "      num_classes: 10",
      ...extra.map((l) => `      ${l}`),
      "    optimizer:",
      "      SGD: {}",
      "    schedulers:",
      "    - ConstantLR: {learning_rate: 0.1}",
      "  fit:",
      "    train_dataloader: {data_processor: ImageNet1KProcessor, use_fake_data: true, batch_size: 4}",
    ].join("\n");
  it("builds the patch embedding, the blocks, the final norm and the classifier with ViT's count", () => {
    const m = parseParams("v.yaml", vit(["image_size: [32, 32]", "patch_size: 8", "num_channels: 3"])).model;
    expect(m.layers.map((l) => l.kind)).toEqual([
      "patch_embedding",
      "transformer_block",
      "transformer_block",
      "final_norm",
      "task_head",
    ]);
    // 3x8x8 conv 64 + 64, class token 64, 17 positions x 64, 2 blocks, final norm, 64 x 10 + 10
    const block = 4 * 64 * 64 + 4 * 64 + 2 * 64 * 256 + 256 + 64 + 4 * 64;
    expect(m.paramCount).toBe(192 * 64 + 64 + 64 + 17 * 64 + 2 * block + 128 + 650);
    expect(m.seqLen).toBe(17);
  });
  it("names a patch size that does not divide the image, and attention biases that differ", () => {
    expect(issuesOf(vit(["image_size: 30", "patch_size: 8"]))[0].message).toMatch(
      /\[8, 8\] does not divide image_size \[30, 30\]/,
    );
    expect(
      issuesOf(vit(["use_projection_bias_in_attention: true", "use_ffn_bias_in_attention: false"]))[0]
        .message,
    ).toMatch(/one bias setting for q, k, v and the output projection/);
    const input = vit(["image_size: 32", "patch_size: 8"]).replace(
      "batch_size: 4}",
      "batch_size: 4, image_size: 64}",
    );
    expect(issuesOf(input)[0]).toMatchObject({
      path: "trainer.fit.train_dataloader.image_size",
      message: expect.stringMatching(/\[64, 64\] differs from the model's image_size \[32, 32\]/),
    });
  });
});
