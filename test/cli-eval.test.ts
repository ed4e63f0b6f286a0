// Evaluation as Model Zoo prints and records it, in every run mode: `run CPU`, `run CSX` pipelined on one
// system and weight streaming on two, for a decoder (lm head), BERT (mlm and nsp heads) and the fc_mnist MLP
// (classifier head). Each prints its `| Eval Device=..` line at the last step, `Avg Eval Loss`, the family's
// metrics, `Evaluation completed successfully!` and `Processed N sample(s)`, and writes the loss and the metrics
// to model_dir/eval's TensorBoard file; the values agree across devices.
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeEvent, readTfRecords } from "../src/util/tfevents.js";
import { ROOT, wsc } from "./helpers.js";

const cfg = (p: string) => join(ROOT, "configs", p);

/** The metric lines of a run's output, by name. */
function metricLines(out: string): Record<string, string> {
  const m: Record<string, string> = {};
  for (const [, k, v] of out.matchAll(/^\S+ \S+ INFO: {5}- (\S+) = (\S+)$/gm)) m[k] = v;
  return m;
}

/** The scalars of the newest event file in a folder, by step. */
function scalars(dir: string): Map<number, Record<string, number>> {
  const file = readdirSync(dir)
    .filter((f) => f.includes("tfevents"))
    .sort()
    .at(-1)!;
  const out = new Map<number, Record<string, number>>();
  for (const r of readTfRecords(readFileSync(join(dir, file)))) {
    const e = decodeEvent(r);
    if (Object.keys(e.scalars).length) out.set(e.step, { ...out.get(e.step), ...e.scalars });
  }
  return out;
}

const FAMILIES = [
  { config: "tiny/llama.yaml", steps: 4, samples: 32, metrics: ["eval/lm_perplexity", "eval/accuracy"] },
  {
    config: "tiny/bert.yaml",
    steps: 4,
    samples: 32,
    metrics: ["eval/mlm_perplexity", "eval/accuracy_masked_lm", "eval/accuracy_cls"],
  },
  { config: "tiny/mlp.yaml", steps: 8, samples: 256, metrics: ["eval/accuracy"] },
];
const RUNS = [
  { name: "run CPU", args: ["run", "CPU"], device: "CPU" },
  { name: "run CSX pipelined", args: ["run", "CSX", "--execution_strategy", "pipeline"], device: "CSX" },
  { name: "run CSX on 2 systems", args: ["run", "CSX", "--num_csx", "2"], device: "CSX" },
];

describe("evaluation output", () => {
  const root = mkdtempSync(join(tmpdir(), "wsc-eval-"));
  for (const f of FAMILIES) {
    it(`${f.config}: every run mode prints and records the same Model Zoo evaluation`, () => {
      const seen: Record<string, string>[] = [];
      const losses: string[] = [];
      for (const run of RUNS) {
        const dir = join(root, `${f.config.replace(/\W/g, "_")}-${run.device}-${seen.length}`);
        const cache = run.device === "CSX" ? ["-c", join(root, "cache")] : [];
        const r = wsc([...run.args, "-p", cfg(f.config), "-m", "eval", "-o", dir, ...cache]);
        expect(r.code, `${run.name}: ${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(
          new RegExp(
            `INFO: {3}\\| Eval Device=${run.device}, Step=${f.steps}, Loss=\\S+, Rate=\\S+ samples/sec, GlobalRate=\\S+ samples/sec`,
          ),
        );
        const loss = /Avg Eval Loss: (\S+)/.exec(r.stdout)?.[1];
        expect(loss).toBeDefined();
        losses.push(loss!);
        expect(r.stdout).toContain("Evaluation metrics:");
        const m = metricLines(r.stdout);
        expect(Object.keys(m).sort()).toEqual([...f.metrics].sort());
        seen.push(m);
        expect(r.stdout).toContain("Evaluation completed successfully!");
        expect(r.stdout).toMatch(
          new RegExp(`Processed ${f.samples} sample\\(s\\) in \\d+\\.\\d{9} seconds\\.`),
        );
        if (run.device === "CSX") expect(r.stdout).toContain(`these ${f.steps} evaluation step(s)`);
        // the eval event file: the loss and every metric at the step the weights are at (0: initial weights)
        const tb = scalars(join(dir, "eval")).get(0)!;
        expect(Object.keys(tb).sort()).toEqual(["loss", ...f.metrics].sort());
        // the log prints 6 significant digits; the event file holds the float32 value
        const near = (a: number, b: number) =>
          expect(Math.abs(a - b)).toBeLessThanOrEqual(5e-6 * Math.abs(b));
        near(tb.loss, Number(loss));
        for (const k of f.metrics) near(tb[k], Number(m[k]));
        for (const k of f.metrics.filter((n) => n.includes("accuracy"))) {
          expect(tb[k]).toBeGreaterThanOrEqual(0);
          expect(tb[k]).toBeLessThanOrEqual(1);
        }
      }
      // host and cluster evaluate the same weights on the same data: the printed figures agree
      expect(new Set(losses).size, losses.join(" ")).toBe(1);
      for (const m of seen.slice(1)) expect(m).toEqual(seen[0]);
    });
  }

  it("run CSX -m train_and_eval: training's Processed line, then the evaluation at the trained step", () => {
    const dir = join(root, "llama-tae");
    const r = wsc([
      "run",
      "CSX",
      "-p",
      cfg("tiny/llama.yaml"),
      "-m",
      "train_and_eval",
      "--max_steps",
      "5",
      "-o",
      dir,
      "-c",
      join(root, "cache"),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(at("Training completed successfully!")).toBeLessThan(at("Processed 40 sample(s)"));
    expect(at("Processed 40 sample(s)")).toBeLessThan(at("| Eval Device=CSX, Step=4"));
    expect(at("| Eval Device=CSX, Step=4")).toBeLessThan(at("Evaluation completed successfully!"));
    expect(lines.filter((l) => l.includes("Processed ")).length).toBe(1);
    const tb = scalars(join(dir, "eval"));
    expect([...tb.keys()]).toEqual([5]);
    expect(Object.keys(tb.get(5)!).sort()).toEqual(["eval/accuracy", "eval/lm_perplexity", "loss"]);
    expect(scalars(join(dir, "train")).get(5)?.loss).toBeGreaterThan(0);
  });
});
