// BERT-Large end to end on Model Zoo's BERT CSV data: the shipped corpus prepared by wsc data prepare --format
// bert_csv (datasets/kjv-genesis/bert_csv), read by BertCSVDynamicMaskDataProcessor with the shipped WordPiece
// vocabulary: configs/bert/bert_large_MSL128.yaml with only data_dir and batch_size changed trains two steps on
// the appliance. (The tiny BERT and RoBERTa on the same data are in families.test.ts.)
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wscAsync } from "./helpers.js";

const losses = (log: string) => [...log.matchAll(/Step=\d+, Loss=([\d.]+)/g)].map((m) => Number(m[1]));

describe("BERT-Large MSL128 end to end", () => {
  it("run CSX -m train --max_steps 2 with only data_dir and batch_size changed", async () => {
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
    const r = await wscAsync(
      ["run", "CSX", "-p", params, "-m", "train", "--max_steps", "2", "-o", join(d, "m")],
      {
        cwd: join(ROOT, "configs/bert"),
        env: { WSC_HOME: join(d, "home") },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const l = losses(r.stdout + r.stderr);
    expect(l).toHaveLength(2);
    for (const x of l) expect(Number.isFinite(x) && x > 0).toBe(true);
    expect(r.stdout + r.stderr).toMatch(/336,226,108 parameters|Training completed successfully/);
  }, 600_000);
});
