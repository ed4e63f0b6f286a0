// `wsc data prepare` and `wsc data info` as a user runs them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wsc } from "./helpers.js";

describe("wsc data", () => {
  it("prepare writes a GPT HDF5 folder that info describes", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-data-"));
    writeFileSync(join(dir, "t.txt"), "In the beginning God created the heaven and the earth.\n");
    const out = join(dir, "out");
    const p = wsc([
      "data",
      "prepare",
      "-i",
      join(dir, "t.txt"),
      "-o",
      out,
      "--tokenizer",
      "gpt2",
      "--max_sequence_length",
      "4",
    ]);
    expect(p.code).toBe(0);
    // 12 BPE tokens + <|endoftext|> = 13 -> ceil(12 / 4) = 3 samples
    expect(p.stdout).toContain("13 tokens (gpt2) -> 3 samples of 4 in 1 file(s)");
    const j = JSON.parse(wsc(["data", "info", out, "--json"]).stdout);
    expect([j.samples, j.seqLen, j.lossTokens, j.params["post-process"].eos_id]).toEqual([3, 4, 12, 50256]);
  });
  it("an unknown tokenizer is a clear error", () => {
    const r = wsc(["data", "prepare", "-i", "x.txt", "-o", "/tmp/x", "--tokenizer", "sentencepiece"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"sentencepiece" is not a tokenizer wsc has; use one of gpt2, byte');
  });
});
