// ViT end to end: the tiny config (configs/tiny/vit.yaml, Model Zoo 2.x's layout, synthetic images of the
// configured size) learns in run CPU, and run CSX trains the same steps to the same losses; configs/tiny/vit_digits.yaml
// learns the UCI digits, a real image set read as an ImageFolder of PNG. (The numerics are
// checked against PyTorch in src/numerics/models.test.ts, the image readers in src/data/images.test.ts, Model
// Zoo's ViT files, with ViT-Base/16's published 86,567,656 parameters, in test/modelzoo-corpus.test.ts.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, cpuAndCsx, evalMetric as metric, trainLosses as losses, wscAsync } from "./helpers.js";

describe("ViT tiny config", () => {
  it("run CPU: evaluation accuracy near 1 after training (a quarter before); run CSX: the same losses", async () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-vit-"));
    const params = join(ROOT, "configs/tiny/vit.yaml");
    const before = await wscAsync(["run", "CPU", "-p", params, "-m", "eval", "-o", join(d, "init")]);
    expect(before.code, before.stderr).toBe(0);
    const after = await wscAsync(["run", "CPU", "-p", params, "-m", "train_and_eval", "-o", join(d, "cpu")]);
    expect(after.code, after.stderr).toBe(0);
    expect(metric(before.stdout, "eval/accuracy")).toBeLessThan(0.5);
    expect(metric(after.stdout, "eval/accuracy")).toBeGreaterThan(0.9);
    const { cpu, csx } = await cpuAndCsx(params, d, 20);
    expect(csx.code, csx.stderr).toBe(0);
    expect(losses(csx.stdout)).toHaveLength(2);
    expect(losses(csx.stdout)).toEqual(losses(cpu.stdout));
  }, 300_000);

  it("on real images: the UCI digits in an ImageFolder of PNG, from a tenth right to nearly nine in ten", async () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-vitd-"));
    const params = join(ROOT, "configs/tiny/vit_digits.yaml");
    const before = await wscAsync(["run", "CPU", "-p", params, "-m", "eval", "-o", join(d, "init")]);
    const after = await wscAsync(["run", "CPU", "-p", params, "-m", "train_and_eval", "-o", join(d, "cpu")]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/ImageFolder .+uci-digits\/png\/train \(1438 PNG images, 10 classes\)/);
    expect(metric(before.stdout, "eval/accuracy")).toBeLessThan(0.25);
    expect(metric(after.stdout, "eval/accuracy")).toBeGreaterThan(0.85);
  }, 300_000);
});
