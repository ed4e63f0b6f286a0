// The dashboard reads a model_dir's files only when they are regular files really inside it: a symbolic
// link a user put there (to /etc/passwd, to a folder outside) reads as absent, so the routes answer 404.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJobFile, readLines, tailStart } from "./job-files.js";

describe("files of a model_dir the dashboard serves", () => {
  const root = mkdtempSync(join(tmpdir(), "wsc-served-"));
  const dir = join(root, "model_dir");
  const outside = join(root, "secret");
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(join(outside, "passwd"), "root:x:0:0\n");
  writeFileSync(join(dir, "wafer_map.png"), "PNG");
  writeFileSync(join(dir, "run_20261203_000000.log"), "one\ntwo\n");
  symlinkSync(join(outside, "passwd"), join(dir, "compile_report.json"));
  symlinkSync("/etc/passwd", join(dir, "run_20261203_000001.log"));
  symlinkSync(outside, join(dir, "cerebras_logs"));
  symlinkSync("/dev/zero", join(dir, "performance.json"));

  it("a regular file inside is read", () => {
    expect(readJobFile(dir, "wafer_map.png")?.toString()).toBe("PNG");
    expect(readLines(join(dir, "run_20261203_000000.log"), 0).lines).toEqual(["one", "two"]);
  });

  it("a link to a file outside, a file behind a linked folder and a device read as absent", () => {
    expect(readJobFile(dir, "compile_report.json")).toBeNull();
    expect(readJobFile(dir, "cerebras_logs/passwd")).toBeNull();
    expect(readJobFile(dir, "performance.json")).toBeNull();
    expect(readLines(join(dir, "run_20261203_000001.log"), 0).lines).toEqual([]);
    expect(tailStart(join(dir, "run_20261203_000001.log"))).toBe(0);
  });

  it("a file larger than allowed reads as absent", () => {
    expect(readJobFile(dir, "wafer_map.png", 2)).toBeNull();
  });
});
