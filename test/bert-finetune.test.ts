// BERT fine-tuning end to end, as a user runs it: each tiny task config (configs/tiny/bert_{sst2,mnli,ner,
// summarization,squad}.yaml, on the shipped samples of Model Zoo's formats) learns in run CPU (its evaluation
// loss falls well below the initial weights' and its metrics are Model Zoo's), run CSX trains the same steps
// to the same losses, and a pre-training checkpoint initialises the encoder.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadParams } from "../src/frontends/index.js";
import { paramsFromDecls } from "../src/numerics/index.js";
import { readCheckpoint } from "../src/runtime/checkpoint.js";
import { resumeCheckpoint } from "../src/runtime/run-setup.js";
import { ROOT, evalMetric as metric, trainLosses as losses, wscAsync } from "./helpers.js";

const evalLoss = (log: string) => Number(/Avg Eval Loss: ([\d.e-]+)/.exec(log)?.[1]);

const TASKS = [
  { name: "sst2", metrics: ["eval/accuracy", "eval/f1_score"] },
  { name: "mnli", metrics: ["eval/accuracy", "eval/accuracy_matched", "eval/accuracy_mismatched"] },
  { name: "ner", metrics: ["eval/f1_score"] },
  { name: "summarization", metrics: [] },
  { name: "squad", metrics: [] },
];

describe("BERT fine-tuning tiny configs", { timeout: 300_000 }, () => {
  for (const t of TASKS) {
    it(`${t.name}: run CPU learns (eval loss falls, Model Zoo's metrics); run CSX trains to the same losses`, async () => {
      const d = mkdtempSync(join(tmpdir(), `wsc-ft-${t.name}-`));
      const params = join(ROOT, `configs/tiny/bert_${t.name}.yaml`);
      const before = await wscAsync(["run", "CPU", "-p", params, "-m", "eval", "-o", join(d, "init")]);
      expect(before.code, before.stderr).toBe(0);
      const after = await wscAsync([
        "run",
        "CPU",
        "-p",
        params,
        "-m",
        "train_and_eval",
        "-o",
        join(d, "cpu"),
      ]);
      expect(after.code, after.stderr).toBe(0);
      const l0 = evalLoss(before.stdout),
        l1 = evalLoss(after.stdout);
      expect(l1, `eval loss ${l0} -> ${l1}`).toBeLessThan(0.75 * l0);
      for (const m of t.metrics) {
        const v = metric(after.stdout, m);
        expect(v >= 0 && v <= 1, `${m} = ${v}`).toBe(true);
      }
      if (t.name === "sst2") expect(metric(after.stdout, "eval/accuracy")).toBeGreaterThan(0.9);
      // the appliance runs the same steps to the same printed losses
      const steps = ["--max_steps", "25"];
      const cpu = await wscAsync(["run", "CPU", "-p", params, "-m", "train", ...steps, "-o", join(d, "c25")]);
      const csx = await wscAsync(
        ["run", "CSX", "-p", params, "-m", "train", ...steps, "-o", join(d, "x25")],
        {
          env: { WSC_HOME: join(d, "home") },
        },
      );
      expect(csx.code, csx.stderr).toBe(0);
      expect(losses(csx.stdout)).toEqual(losses(cpu.stdout));
      expect(losses(csx.stdout)).toHaveLength(1);
    });
  }

  it("a pre-training checkpoint initialises the encoder: blocks by name, the pooler from NSP's, the classifier from the seed", async () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-ft-warm-"));
    const pre = await wscAsync([
      "run",
      "CPU",
      "-p",
      join(ROOT, "configs/tiny/bert_wordpiece.yaml"),
      "-m",
      "train",
      "--max_steps",
      "20",
      "-o",
      join(d, "pre"),
    ]);
    expect(pre.code, pre.stderr).toBe(0);
    const ckpt = join(d, "pre", "checkpoint_20.mdl");
    const params = join(ROOT, "configs/tiny/bert_sst2.yaml");
    const loaded = loadParams(params);
    const r = resumeCheckpoint({ ...loaded.run, checkpointPath: ckpt }, loaded.model)!;
    const source = readCheckpoint(ckpt).weights;
    const w = r.checkpoint.weights;
    expect(r.checkpoint.step).toBe(0);
    expect(r.checkpoint.optimizer).toBeNull();
    expect(w.get("block.1.attn.qkv.weight")!.data).toEqual(source.get("block.1.attn.qkv.weight")!.data);
    expect(w.get("embedding.wte")!.data).toEqual(source.get("embedding.wte")!.data);
    expect(w.get("task_head.pooler.weight")!.data).toEqual(source.get("nsp_head.pooler.weight")!.data);
    const head = loaded.model.layers.find((l) => l.kind === "task_head")!;
    const seeded = paramsFromDecls(head.params, loaded.run.seed, head.name);
    expect(w.get("task_head.classifier.weight")!.data).toEqual(seeded.get("classifier.weight")!.data);
    expect(r.checkpoint.warnings.join("\n")).toMatch(
      /initialised the encoder from the pre-training checkpoint .+ task_head\.classifier\.weight, task_head\.classifier\.bias from the seed/,
    );

    // as a user runs it: the fine-tuning run starts at step 0 from the encoder, and a checkpoint of another
    // encoder is refused by name
    const run = await wscAsync([
      "run",
      "CPU",
      "-p",
      params,
      "-m",
      "train",
      "--max_steps",
      "5",
      "--checkpoint_path",
      ckpt,
      "-o",
      join(d, "ft"),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Loaded checkpoint .+checkpoint_20\.mdl \(step 0\)/);
    // Model Zoo's BERT-base SST-2 classifier has another encoder: refused, naming the tensor and both shapes
    const base = loadParams(
      join(ROOT, "test/fixtures/modelzoo/pytorch/bert/43a7d29ca3226cb3-bert_base_classifier_sst2.yaml"),
    );
    expect(() => resumeCheckpoint({ ...base.run, checkpointPath: ckpt }, base.model)).toThrow(
      /needs 'embedding\.wte' of shape \[30522, 768\], not \[30522, 64\]; initialise from a pre-training checkpoint of the same encoder/,
    );
  });
});
