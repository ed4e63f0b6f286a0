// `wsc model` as a user runs it, and a dozen malformed params files: each gives one clear error that names
// the key (with its line), exits 2 and prints no stack trace.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

describe("wsc model", () => {
  it("prints the family, the exact parameter count, the layer table and the ignored keys", () => {
    const r = wsc(["model", "--params", "configs/llama/params_llama_7b.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/family\s+llama \(inferred/);
    expect(r.stdout).toMatch(/parameters\s+6,738,415,616/);
    expect(r.stdout).toMatch(/block\.0\.\.31\s+transformer_block\s+x32/);
    expect(r.stdout).toMatch(/sequence length\s+2,048 tokens/);
    expect(r.stdout).toContain("runconfig.use_cs_grad_accum");
  });
  it("--json carries the count, FLOPs per sample, batch and ignored keys", () => {
    const j = JSON.parse(wsc(["model", "-p", "configs/bert/bert_large_MSL128.yaml", "--json"]).stdout);
    expect(j.family).toBe("bert");
    expect(j.paramCount).toBe(336_226_108);
    expect(j.batch).toEqual({ train: 1024, eval: 256 });
    expect(j.flopsPerSample.training).toBe(j.flopsPerSample.forward + j.flopsPerSample.backward);
    expect(j.ignored.map((i: { path: string }) => i.path)).toContain("runconfig.use_cs_grad_accum");
  });
  it("a missing file is one clear error", () => {
    const r = wsc(["model", "-p", "nope.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot read params file nope.yaml: ENOENT");
  });
});

// Each case: an edit of configs/tiny/gpt2.yaml (or a whole text), the key path and line the error must name,
// and a fragment of the message.
const TINY = readFileSync(join(ROOT, "configs/tiny/gpt2.yaml"), "utf8");
const edit = (from: string, to: string) => {
  if (!TINY.includes(from)) throw new Error(`test setup: "${from}" is not in tiny/gpt2.yaml`);
  return TINY.replace(from, to);
};
const lineOf = (text: string, fragment: string) =>
  text.split("\n").findIndex((l) => l.includes(fragment)) + 1;

const CASES: { name: string; text: string; key: string; at: string; says: RegExp }[] = [
  {
    name: "a misspelt key",
    text: edit("num_heads: 4", "num_head: 4"),
    key: "model.num_head",
    at: "num_head:",
    says: /unknown key; did you mean "num_heads"\?/,
  },
  {
    name: "heads not dividing the hidden size",
    text: edit("num_heads: 4", "num_heads: 5"),
    key: "model.num_heads",
    at: "num_heads: 5",
    says: /5 heads do not divide hidden_size 64/,
  },
  {
    name: "a sequence longer than the learned positions",
    text: edit("max_sequence_length: 64\n\neval", "max_sequence_length: 128\n\neval"),
    key: "train_input.max_sequence_length",
    at: "max_sequence_length: 128",
    says: /128 tokens per sample exceed max_position_embeddings = 64/,
  },
  {
    name: "a string where a number belongs",
    text: edit("hidden_size: 64", 'hidden_size: "64"'),
    key: "model.hidden_size",
    at: "hidden_size:",
    says: /wrong type: expected number, got string "64"/,
  },
  {
    name: "a negative batch size",
    text: edit("batch_size: 8\n    shuffle: True", "batch_size: -8\n    shuffle: True"),
    key: "train_input.batch_size",
    at: "batch_size: -8",
    says: /-8 is out of range: must be an integer in 1\.\./,
  },
  {
    name: "a dropout rate above 1",
    text: edit("dropout_rate: 0.0", "dropout_rate: 1.5"),
    key: "model.dropout_rate",
    at: "dropout_rate: 1.5",
    says: /1\.5 is out of range: must be a number in 0\.\.1/,
  },
  {
    name: "an unknown nonlinearity",
    text: edit('nonlinearity: "gelu"', 'nonlinearity: "mish"'),
    key: "model.nonlinearity",
    at: "nonlinearity:",
    says: /"mish" is not allowed: expected one of "gelu", "gelu_new", "relu", "silu", "swiglu"/,
  },
  {
    name: "an unknown optimizer",
    text: edit('optimizer_type: "AdamW"', 'optimizer_type: "Lion"'),
    key: "optimizer.optimizer_type",
    at: "optimizer_type:",
    says: /"Lion" is not allowed/,
  },
  {
    name: "a scheduler segment without its length before the last",
    text: edit("        steps: 10\n", ""),
    key: "optimizer.learning_rate[0]",
    at: 'scheduler: "Linear"',
    says: /needs its length: steps/,
  },
  {
    name: "a Model Zoo feature wsc does not build, refused by name (never 'remove the key')",
    text: edit(
      "    mixed_precision: False",
      '    mixed_precision: False\n    moe:\n        num_experts: 8\n        routing_algorithm: "hash"',
    ),
    key: "model.moe",
    at: "moe:",
    says: /: mixture-of-experts routing other than learned softmax top-k \(moe.routing_algorithm hash or uniform, .*\) is not implemented in wsc; the file describes what wsc does not build/,
  },
  {
    name: "input vocabulary differing from the model's",
    text: edit(
      "    max_sequence_length: 64\n\neval",
      "    max_sequence_length: 64\n    vocab_size: 50000\n\neval",
    ),
    key: "train_input.vocab_size",
    at: "vocab_size: 50000",
    says: /50000 differs from model\.vocab_size = 50257/,
  },
  {
    name: "an unknown data processor",
    text: edit(
      'data_processor: "GptHDF5DataProcessor"\n    data_dir: "../../datasets/kjv-genesis/gpt2/train"',
      'data_processor: "GptTFRecordsProcessor"\n    data_dir: "../../datasets/kjv-genesis/gpt2/train"',
    ),
    key: "train_input.data_processor",
    at: "GptTFRecordsProcessor",
    says: /"GptTFRecordsProcessor" is not a data processor wsc reads/,
  },
  {
    name: "a model family wsc does not build",
    text: edit("model:\n", 'model:\n    name: "t5"\n'),
    key: "model.name",
    at: 'name: "t5"',
    says: /"t5": the T5 family is not implemented in wsc; wsc builds gpt2/,
  },
  {
    name: "a YAML syntax error",
    text: edit("    num_heads: 4", "    num_heads: [4"),
    key: "(top level)",
    at: "num_heads: [4",
    says: /YAML syntax error/,
  },
];

describe("a malformed params file gives one clear error naming the key, exit 2, no stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsc-params-"));
  for (const c of CASES) {
    it(c.name, () => {
      const f = join(dir, `${c.name.replace(/\W+/g, "_")}.yaml`);
      writeFileSync(f, c.text);
      const r = wsc(["model", "--params", f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${f}: 1 problem\n`);
      const line = lineOf(c.text, c.at);
      if (c.key !== "(top level)") expect(r.stderr).toContain(`${f}:${line}: ${c.key}: `);
      expect(r.stderr).toMatch(c.says);
      expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    });
  }
});
