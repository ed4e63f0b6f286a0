// BERT end to end on Model Zoo's BERT CSV data: the shipped corpus prepared by wsc data prepare --format
// bert_csv (datasets/kjv-genesis/bert_csv), read by BertCSVDynamicMaskDataProcessor with the shipped WordPiece
// vocabulary. The tiny BERT trains in seconds; BERT-Large (configs/bert/bert_large_MSL128.yaml with only
// data_dir and batch_size changed) trains two steps on the appliance.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

const losses = (log: string) => [...log.matchAll(/Step=\d+, Loss=([\d.]+)/g)].map((m) => Number(m[1]));

describe("tiny BERT on Model Zoo's BERT CSV with WordPiece (configs/tiny/bert_wordpiece.yaml)", () => {
  const params = join(ROOT, "configs/tiny/bert_wordpiece.yaml");
  it("run CPU: 60 steps, the loss falls; run CSX: the same loss at step 5", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-bert-"));
    const cpu = wsc(["run", "CPU", "-p", params, "-m", "train", "-o", join(d, "cpu")]);
    expect(cpu.code, cpu.stderr).toBe(0);
    const l = losses(cpu.stdout + cpu.stderr);
    expect(l).toHaveLength(12);
    expect(l[11]).toBeLessThan(l[0] * 0.7);
    expect(cpu.stdout + cpu.stderr).toMatch(/BERT CSV \(238 examples/);
    const env = { WSC_HOME: join(d, "home") };
    const csx = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", join(d, "csx"), "--max_steps", "5"], {
      env,
    });
    expect(csx.code, csx.stderr).toBe(0);
    expect(losses(csx.stdout + csx.stderr)).toEqual([l[0]]);
  });
});

describe("tiny RoBERTa (configs/tiny/roberta.yaml): positions that skip padding, no NSP", () => {
  it("run CPU: the loss falls; run CSX: the same loss at step 5", () => {
    const params = join(ROOT, "configs/tiny/roberta.yaml");
    const d = mkdtempSync(join(tmpdir(), "wsc-roberta-"));
    const cpu = wsc(["run", "CPU", "-p", params, "-m", "train", "-o", join(d, "cpu")]);
    expect(cpu.code, cpu.stderr).toBe(0);
    const l = losses(cpu.stdout + cpu.stderr);
    expect(l[11]).toBeLessThan(l[0] * 0.7);
    const env = { WSC_HOME: join(d, "home") };
    const csx = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", join(d, "csx"), "--max_steps", "5"], {
      env,
    });
    expect(csx.code, csx.stderr).toBe(0);
    expect(losses(csx.stdout + csx.stderr)).toEqual([l[0]]);
  });
});

describe("BERT-Large MSL128 end to end", () => {
  it("run CSX -m train --max_steps 2 with only data_dir and batch_size changed", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-bertl-"));
    const text = readFileSync(join(ROOT, "configs/bert/bert_large_MSL128.yaml"), "utf8");
    const edited = text
      .replace(
        'data_dir: "./language/datasets/owt_pretraining_csv/train_512k_uncased_msl128/"',
        `data_dir: "${join(ROOT, "datasets/kjv-genesis/bert_csv/train")}"`,
      )
      .replace(
        'data_dir: "./language/datasets/owt_pretraining_csv/val_uncased_msl128/"',
        `data_dir: "${join(ROOT, "datasets/kjv-genesis/bert_csv/val")}"`,
      )
      .replace("batch_size: 1024", "batch_size: 2")
      .replace("batch_size: 256", "batch_size: 2");
    const changed = edited.split("\n").filter((l, i) => l !== text.split("\n")[i]);
    expect(changed.map((l) => l.trim().split(":")[0])).toEqual([
      "data_dir",
      "batch_size",
      "data_dir",
      "batch_size",
    ]);
    const params = join(d, "bert_large_MSL128.yaml");
    writeFileSync(params, edited);
    // the file's vocab_file (../../vocab/...) is relative to configs/bert, where Model Zoo users run from
    const r = wsc(["run", "CSX", "-p", params, "-m", "train", "--max_steps", "2", "-o", join(d, "m")], {
      cwd: join(ROOT, "configs/bert"),
      env: { WSC_HOME: join(d, "home") },
    });
    expect(r.code, r.stderr).toBe(0);
    const l = losses(r.stdout + r.stderr);
    expect(l).toHaveLength(2);
    for (const x of l) expect(Number.isFinite(x) && x > 0).toBe(true);
    expect(r.stdout + r.stderr).toMatch(/336,226,108 parameters|Training completed successfully/);
  }, 600_000);
});
