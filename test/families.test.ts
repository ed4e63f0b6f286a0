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
  });
});
