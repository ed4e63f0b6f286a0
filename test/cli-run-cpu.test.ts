// `wsc run CPU` as a user runs it: a tiny GPT-2 trains on the shipped corpus with falling loss and writes
// model_dir as Model Zoo does; a run interrupted (stopped at a checkpoint, or killed for real) and resumed
// ends with weights bit-identical to an uninterrupted run's; eval mode reports loss and perplexity.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointDifferences } from "../src/runtime/checkpoint.js";
import { ROOT, WSC, wsc } from "./helpers.js";

// configs/tiny/gpt2.yaml on the byte-level tokenization of the same corpus (vocabulary 260), so a step takes
// milliseconds: the GPT-2 architecture is unchanged.
const TINY = readFileSync(join(ROOT, "configs/tiny/gpt2.yaml"), "utf8")
  .replaceAll("../../datasets/kjv-genesis/gpt2/", `${join(ROOT, "datasets/kjv-genesis/byte")}/`)
  .replace("vocab_size: 50257", "vocab_size: 260")
  .replace("checkpoint_steps: 20", "checkpoint_steps: 5");

function setup(): { dir: string; params: string } {
  const dir = mkdtempSync(join(tmpdir(), "wsc-run-"));
  const params = join(dir, "tiny_gpt2.yaml");
  writeFileSync(params, TINY);
  return { dir, params };
}

const losses = (out: string) =>
  [
    ...out.matchAll(
      /\| Train Device=CPU, Step=(\d+), Loss=([\d.e+-]+), Rate=[\d.e+-]+ samples\/sec, GlobalRate=[\d.e+-]+ samples\/sec/g,
    ),
  ].map((m) => [Number(m[1]), Number(m[2])] as const);

function sameWeights(a: string, b: string): void {
  expect(checkpointDifferences(a, b)).toEqual([]);
}

describe("wsc run CPU", () => {
  const base = setup();
  const full = join(base.dir, "full");
  let fullOut = "";

  it("trains a tiny GPT-2 on the shipped corpus with falling loss, in Model Zoo's log format", () => {
    const r = wsc([
      "run",
      "CPU",
      "--params",
      base.params,
      "--mode",
      "train",
      "--model_dir",
      full,
      "--max_steps",
      "20",
    ]);
    expect(r.code, r.stderr).toBe(0);
    fullOut = r.stdout;
    const l = losses(r.stdout);
    expect(l.map(([s]) => s)).toEqual([5, 10, 15, 20]);
    // an untrained model over 260 tokens starts near ln 260 = 5.56; 20 steps of AdamW bring it well below
    expect(l[0][1]).toBeGreaterThan(4);
    expect(l[3][1]).toBeLessThan(l[0][1] - 1);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO: {3}\| Train Device=CPU, Step=5, /m);
    expect(r.stdout).toContain(`Saved checkpoint ${join(full, "checkpoint_20.mdl")}`);
    expect(r.stdout).toContain("Training completed successfully!");
    expect(r.stdout).toMatch(/Processed 160 sample\(s\) in [\d.]+ seconds\./);
  });

  it("writes model_dir as Model Zoo does", () => {
    const names = readdirSync(full);
    for (const n of [
      "checkpoint_5.mdl",
      "checkpoint_20.mdl",
      "performance.json",
      "latest_run.log",
      "train",
      "cerebras_logs",
    ]) {
      expect(names).toContain(n);
    }
    expect(names.some((n) => /^run_\d{8}_\d{6}\.log$/.test(n))).toBe(true);
    expect(existsSync(join(full, "train/params_train.yaml"))).toBe(true);
    expect(existsSync(join(full, "cerebras_logs/latest/run.log"))).toBe(true);
    expect(readFileSync(join(full, "latest_run.log"), "utf8")).toContain("Step=20");
    const perf = JSON.parse(readFileSync(join(full, "performance.json"), "utf8"));
    expect(perf.total_samples).toBe(160);
    expect(perf.samples_per_sec).toBeCloseTo(perf.total_samples / perf.total_time, 6);
    expect(Object.keys(perf)).toEqual(
      expect.arrayContaining(["total_time", "compile_time", "programming_time", "est_samples_per_sec"]),
    );
  });

  it("stopped at step 10 and started again in the same model_dir, it resumes and ends bit-identical", () => {
    const d = join(base.dir, "resumed");
    expect(wsc(["run", "CPU", "-p", base.params, "-m", "train", "-o", d, "--max_steps", "10"]).code).toBe(0);
    const r = wsc(["run", "CPU", "-p", base.params, "-m", "train", "-o", d, "--max_steps", "20"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Loaded checkpoint ${join(d, "checkpoint_10.mdl")} (step 10)`);
    expect(losses(r.stdout)).toEqual(losses(fullOut).filter(([s]) => s > 10));
    sameWeights(join(d, "checkpoint_20.mdl"), join(full, "checkpoint_20.mdl"));
  });

  it("killed for real during training, it resumes from its last checkpoint and ends bit-identical", async () => {
    const d = join(base.dir, "killed");
    const child = spawn(
      process.execPath,
      [WSC, "run", "CPU", "-p", base.params, "-m", "train", "-o", d, "--max_steps", "20"],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(d, "checkpoint_10.mdl")) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    expect(existsSync(join(d, "checkpoint_20.mdl"))).toBe(false);
    const r = wsc(["run", "CPU", "-p", base.params, "-m", "train", "-o", d, "--max_steps", "20"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Loaded checkpoint .*checkpoint_(10|15)\.mdl/);
    expect(readdirSync(d).filter((n) => n.includes(".tmp-"))).toEqual([]);
    sameWeights(join(d, "checkpoint_20.mdl"), join(full, "checkpoint_20.mdl"));
  });

  it("--mode eval loads the latest checkpoint and reports Avg Eval Loss and perplexity", () => {
    const r = wsc(["run", "CPU", "-p", base.params, "-m", "eval", "-o", full, "--eval_steps", "3"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Loaded checkpoint ${join(full, "checkpoint_20.mdl")} (step 20)`);
    const avg = Number(/Avg Eval Loss: ([\d.]+)/.exec(r.stdout)![1]);
    const ppl = Number(/- eval\/lm_perplexity = ([\d.]+)/.exec(r.stdout)![1]);
    // loss_scaling num_tokens: the average loss is per token, and equal batches make exp(avg) the perplexity
    expect(ppl).toBeCloseTo(Math.exp(avg), 1);
    expect(r.stdout).toContain("Evaluation completed successfully!");
  });

  it("bad flags and missing data are clear errors without a stack trace", () => {
    const m = wsc(["run", "CPU", "-p", base.params, "-m", "predict"]);
    expect(m.code).not.toBe(0);
    expect(m.stderr).toContain("Allowed choices are train, eval, train_and_eval");
    const bad = join(base.dir, "nodata.yaml");
    writeFileSync(
      bad,
      TINY.replaceAll(`${join(ROOT, "datasets/kjv-genesis/byte")}/train`, "./no/such/folder"),
    );
    const r = wsc(["run", "CPU", "-p", bad, "-m", "train", "-o", join(base.dir, "x")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("train_input.data_dir: ./no/such/folder does not exist");
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });
});

describe("run CPU refuses what the host cannot hold, before allocating", () => {
  const gpt2 = readFileSync(join(ROOT, "configs/tiny/gpt2.yaml"), "utf8").replaceAll(
    "../../datasets",
    join(ROOT, "datasets"),
  );
  const dir = mkdtempSync(join(tmpdir(), "wsc-mem-"));

  it("a tensor over the typed-array limit names the tensor, its shape and the limit", () => {
    const f = join(dir, "wide.yaml");
    writeFileSync(f, gpt2.replace("hidden_size: 64", "hidden_size: 100000"));
    const r = wsc(["run", "CPU", "-p", f, "-m", "train", "-o", join(dir, "a")]);
    expect(r.code).toBe(2);
    // 50257 x 100000 = 5.03e9 > 2^32
    expect(r.stderr).toContain(
      "parameter embedding.wte [50257, 100000] has 5.03e+9 elements, more than the 4294967296 one host tensor can hold",
    );
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
    expect(existsSync(join(dir, "a")), "the model_dir is not created").toBe(false);
  });

  it("a model larger than the machine's memory gives the figure, the limit and the fix", () => {
    const f = join(dir, "deep.yaml");
    writeFileSync(f, gpt2.replace("num_hidden_layers: 2", "num_hidden_layers: 100000"));
    const r = wsc(["run", "CPU", "-p", f, "-m", "train", "-o", join(dir, "b")]);
    expect(r.code).toBe(2);
    // 5.0e9 parameters x 16 bytes (weight, gradient, two Adam moments) = 74.5 GiB before activations
    const m = /needs at least ([\d.]+) GiB .* this machine has ([\d.]+) GiB: make the model smaller/.exec(
      r.stderr,
    );
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(74.5);
    expect(existsSync(join(dir, "b")), "the model_dir is not created").toBe(false);
  });
});
