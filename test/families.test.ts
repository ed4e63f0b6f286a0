// The families users train today, as tiny configs of the shipped ones' mechanisms: each trains on the shipped
// corpus with falling loss in run CPU and on the appliance in run CSX.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

const losses = (log: string) => [...log.matchAll(/Step=\d+, Loss=([\d.]+)/g)].map((m) => Number(m[1]));

describe("tiny Llama 3.1: grouped-query attention and llama3 RoPE scaling", () => {
  const params = join(ROOT, "configs/tiny/llama3.yaml");
  it("run CPU: 60 steps, the loss falls by more than half", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-fam-"));
    const r = wsc(["run", "CPU", "-p", params, "-m", "train", "-o", join(d, "m")]);
    expect(r.code, r.stderr).toBe(0);
    const l = losses(r.stdout + r.stderr);
    expect(l).toHaveLength(12);
    expect(l[11]).toBeLessThan(l[0] / 2);
  });
  it("run CSX: the appliance trains it and compiles it in weight streaming with its 16-wide k/v projections", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-fam-"));
    const env = { WSC_HOME: join(d, "home") };
    const r = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", join(d, "m"), "--max_steps", "10"], {
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const l = losses(r.stdout + r.stderr);
    expect(l[l.length - 1]).toBeLessThan(l[0]);
    const c = wsc(["run", "CSX", "-p", params, "-m", "train", "--compile_only", "-o", join(d, "c")], { env });
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/120,128 parameters/);
    const m = wsc(["model", "-p", params]);
    expect(m.stdout).toMatch(
      /attention +8 query heads on 2 key\/value heads \(grouped-query\); rotary on 8 of 8 dims, base 500000, llama3 scaling x8/,
    );
  });
});

describe("tiny configs of the other families train in run CPU and run CSX", () => {
  const cases = [
    ["bloom.yaml", "BLOOM: ALiBi and the embedding norm"],
    ["mistral.yaml", "Mistral: grouped-query and sliding-window attention"],
    ["mixtral.yaml", "Mixtral: 4 experts, top-2 routing and the load-balancing loss"],
    ["gemma2.yaml", "Gemma 2: soft-capping, sandwich norms, GeGLU, wide heads, alternating windows"],
    ["mpt.yaml", "MPT: ALiBi, LayerNorms without bias, no biases"],
    ["starcoder.yaml", "StarCoder and SantaCoder: multi-query attention with learned positions"],
    ["falcon.yaml", "Falcon: parallel blocks with grouped-query attention"],
    ["btlm.yaml", "BTLM and JAIS: ALiBi, SwiGLU and muP"],
    ["neox.yaml", "GPT-NeoX: parallel blocks with untied norms"],
    ["mup.yaml", "GPT-3 with muP"],
    ["bert_wordpiece.yaml", "BERT on Model Zoo's BERT CSV with WordPiece"],
    ["roberta.yaml", "RoBERTa: positions that skip padding, no NSP"],
  ] as const;
  for (const [file, what] of cases) {
    it(`${what} (configs/tiny/${file})`, () => {
      const params = join(ROOT, "configs/tiny", file);
      const d = mkdtempSync(join(tmpdir(), "wsc-fam-"));
      const cpu = wsc(["run", "CPU", "-p", params, "-m", "train", "-o", join(d, "cpu")]);
      expect(cpu.code, cpu.stderr).toBe(0);
      const l = losses(cpu.stdout + cpu.stderr);
      expect(l).toHaveLength(12);
      expect(l[11]).toBeLessThan(l[0] * 0.7);
      const env = { WSC_HOME: join(d, "home") };
      const csx = wsc(["run", "CSX", "-p", params, "-m", "train", "-o", join(d, "csx"), "--max_steps", "5"], {
        env,
      });
      expect(csx.code, csx.stderr).toBe(0);
      // the appliance computes what run CPU computes: the same losses at the same steps
      expect(losses(csx.stdout + csx.stderr)).toEqual([l[0]]);
    });
  }
});

describe("tiny Mixtral on 2 systems: the load-balancing loss spans layers and is split over the systems", () => {
  it("data-parallel run CSX gives run CPU's losses at every logged step", () => {
    const params = join(ROOT, "configs/tiny/mixtral.yaml");
    const d = mkdtempSync(join(tmpdir(), "wsc-fam-"));
    const args = ["-p", params, "-m", "train", "--max_steps", "10"];
    const cpu = wsc(["run", "CPU", ...args, "-o", join(d, "cpu")]);
    expect(cpu.code, cpu.stderr).toBe(0);
    const env = { WSC_HOME: join(d, "home") };
    const csx = wsc(["run", "CSX", ...args, "-o", join(d, "csx"), "--num_csx", "2"], { env });
    expect(csx.code, csx.stderr).toBe(0);
    const l = losses(cpu.stdout + cpu.stderr);
    expect(l).toHaveLength(2);
    expect(losses(csx.stdout + csx.stderr)).toEqual(l);
  });
});
