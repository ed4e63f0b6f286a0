// The compile report as a user reads it: the CSX compile-only flow on builder-made models writes the report,
// the wafer map and performance.json; a second compile is found in the cache.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { smallMlp } from "../compiler/test-models.js";
import { bertLargeMsl128 } from "../perf/index.js";
import { runCsx } from "./commands/run-csx.js";
import type { CsxJob } from "./commands/run-csx.js";

const mlp = smallMlp();

function job(model = mlp, batch = 256): CsxJob {
  return { paramsFile: "test", model, run: { mode: "train", globalBatch: batch, optimizer: "AdamW" } };
}

describe("run CSX --compile_only", () => {
  const dir = mkdtempSync(join(tmpdir(), "wsc-csx-"));
  const o = {
    mode: "train" as const,
    compileOnly: true,
    modelDir: join(dir, "md"),
    compileDir: join(dir, "cd"),
  };
  const lines: string[] = [];
  const first = runCsx(job(bertLargeMsl128(), 1024), o, (l) => lines.push(l));
  it("prints the real compile messages and the hash line", () => {
    expect(lines[0]).toBe("Compiling the model. This may take a few minutes.");
    expect(lines[1]).toMatch(
      /^Compile artifacts successfully written to remote compile directory\. Compile hash is: cs_\d+$/,
    );
    expect(lines).toContain("Compile was successful!");
  });
  it("writes performance.json with est_samples_per_sec equal to the report's estimate", () => {
    const perf = JSON.parse(readFileSync(join(o.modelDir, "performance.json"), "utf8"));
    const rep = JSON.parse(readFileSync(join(o.modelDir, "compile_report.json"), "utf8"));
    expect(perf.est_samples_per_sec).toBe(rep.estimate.samplesPerSec);
    expect(perf.execution_strategy).toBe("pipeline");
    expect(perf.compile_hash).toBe(first.artifact!.hash);
  });
  it("the text report shows mode, batch, SRAM per PE, the wafer map and the breakdown", () => {
    const text = readFileSync(join(o.modelDir, "compile_report.txt"), "utf8");
    expect(text).toMatch(/mode\s+pipeline: pipeline predicted faster/);
    expect(text).toMatch(/SRAM\/PE\s+[\d.]+ KiB of 48 KiB/);
    expect(text).toContain("block.3..23 (x21)");
    expect(text).toMatch(/^\|0[0-9A-Q]+\|$/m);
    expect(text).toContain("modeled device time");
  });
  it("the wafer map is a PNG with the fabric drawn at 0.8 pixel per PE", () => {
    const png = PNG.sync.read(readFileSync(join(o.modelDir, "wafer_map.png")));
    expect(png.height).toBeGreaterThanOrEqual(Math.ceil(996 * 0.8));
    expect(png.width).toBeGreaterThan(757 * 0.8);
  });
  it("a second compile is found in the cache", () => {
    const again: string[] = [];
    const second = runCsx(job(bertLargeMsl128(), 1024), o, (l) => again.push(l));
    expect(again[1]).toBe(`Found existing cached compile with hash: "${first.artifact!.hash}"`);
    expect(second.artifact).toEqual(first.artifact);
  });
});

describe("run CSX errors", () => {
  const o = { mode: "train" as const, modelDir: "unused", compileDir: "unused" };
  it("--validate_only and --compile_only together are refused", () => {
    expect(() => runCsx(job(), { ...o, validateOnly: true, compileOnly: true }, () => {})).toThrow(
      /mutually exclusive/,
    );
  });
  it("--num_csx beyond the cluster's systems names both and the fix", () => {
    expect(() => runCsx(job(), { ...o, compileOnly: true, numCsx: 4 }, () => {})).toThrow(
      /the job needs 4 CS-X systems \(--num_csx=4\) but the cluster has 2: use --num_csx between 1 and 2, .*num_systems: 4/,
    );
  });
  it("--validate_only checks without compiling to an artifact", () => {
    const lines: string[] = [];
    const r = runCsx(job(), { ...o, validateOnly: true }, (l) => lines.push(l));
    expect(r.artifact).toBeUndefined();
    expect(lines.at(-1)).toBe("Validation was successful!");
    expect(lines.some((l) => l.startsWith("  kernel-matching:"))).toBe(true);
  });
});
