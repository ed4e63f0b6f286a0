// ESM-2 end to end: the tiny config (configs/tiny/esm2.yaml, Model Zoo 2.x's layout) learns on the shipped
// UniRef50 sample read by BertCSVDataProcessor in run CPU, and run CSX trains the same steps to the same losses.
// (The numerics are checked against PyTorch in src/numerics/models.test.ts, the data in src/data/esm.test.ts,
// Model Zoo's ESM-2 files in test/modelzoo-corpus.test.ts.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cpuAndCsx, evalMetric as metric, trainLosses as losses, wscAsync } from "./helpers.js";

describe("ESM-2 tiny config", () => {
  it("run CPU: the evaluation perplexity falls well below the initial weights'; run CSX: the same losses", async () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-esm2-"));
    const params = join(ROOT, "configs/tiny/esm2.yaml");
    const before = await wscAsync(["run", "CPU", "-p", params, "-m", "eval", "-o", join(d, "init")]);
    expect(before.code, before.stderr).toBe(0);
    const after = await wscAsync(["run", "CPU", "-p", params, "-m", "train_and_eval", "-o", join(d, "cpu")]);
    expect(after.code, after.stderr).toBe(0);
    const p0 = metric(before.stdout, "eval/mlm_perplexity"),
      p1 = metric(after.stdout, "eval/mlm_perplexity");
    // 33 tokens: the initial weights are near uniform; the trained ones know the residues' frequencies
    expect(p0).toBeGreaterThan(25);
    expect(p1, `perplexity ${p0} -> ${p1}`).toBeLessThan(0.75 * p0);
    const { cpu, csx } = await cpuAndCsx(params, d, 20);
    expect(csx.code, csx.stderr).toBe(0);
    expect(losses(csx.stdout)).toHaveLength(2);
    expect(losses(csx.stdout)).toEqual(losses(cpu.stdout));
  }, 300_000);
});
