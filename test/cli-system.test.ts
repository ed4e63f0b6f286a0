// `wsc system` as a user runs it: the built CLI, its JSON, its tables and its errors.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { wsc } from "./helpers.js";

describe("wsc system", () => {
  it("--json reports the WSE-2 fabric as 757 x 996 PEs with 48 KB per PE", () => {
    const r = wsc(["system", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cluster.system.wafer.fabricWidth).toBe(757);
    expect(j.cluster.system.wafer.fabricHeight).toBe(996);
    expect(j.cluster.system.wafer.sramBytesPerPE).toBe(48 * 1024);
    expect(j.cluster.numSystems).toBe(2);
    expect(j.derived.wafer.fabricPEs).toBe(753_972);
  });
  it("--system cs3 reports 762 x 1172", () => {
    const j = JSON.parse(wsc(["system", "--system", "cs3", "--json"]).stdout);
    expect([j.cluster.system.wafer.fabricWidth, j.cluster.system.wafer.fabricHeight]).toEqual([762, 1172]);
  });
  it("prints a diagram of the roles and the figures tables", () => {
    const r = wsc(["system"]);
    expect(r.code).toBe(0);
    for (const role of [
      "login nodes",
      "management node",
      "MemoryX",
      "SwarmX",
      "cs2-01 (CS-2)",
      "cs2-02 (CS-2)",
      "input workers",
    ]) {
      expect(r.stdout).toContain(role);
    }
    expect(r.stdout).toMatch(/fabric grid \(SDK\)\s+757 x 996 = 753,972 PEs/);
    expect(r.stdout).toMatch(/peak fp16 \(marketed cores\)\s+7\.48 PFLOP\/s/);
  });
  it("a cluster file with 16 systems draws the first, the last and how many are between", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-"));
    const f = join(dir, "c.yaml");
    writeFileSync(f, "num_systems: 16\n");
    const r = wsc(["system", "--cluster", f]);
    expect(r.stdout).toContain("cs2-16 (CS-2)");
    expect(r.stdout).toContain("... 13 more");
    expect(r.stdout).toMatch(/SwarmX\s+.*depth 2/);
  });
  it("names the systems as wsc ctl and the dashboard do: cs2-01, cs2-02", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-"));
    const drawn = [...wsc(["system"]).stdout.matchAll(/│ (cs2-\d\d) \(CS-2\)/g)].map((m) => m[1]);
    const listed = wsc(["ctl", "get", "cluster"], { env: { WSC_HOME: dir } })
      .stdout.split("\n")
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter((n) => /^cs2-/.test(n));
    expect(drawn).toEqual(["cs2-01", "cs2-02"]);
    expect(listed).toEqual(drawn);
  });
  it("a bad cluster file exits 2 with the key, the line and the limit, and no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-"));
    const f = join(dir, "c.yaml");
    writeFileSync(f, "num_systems: 500\n");
    const r = wsc(["system", "--cluster", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:1: num_systems: 500 is out of range: must be an integer in 1..192`);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
  it("a bad option value names the allowed values", () => {
    const r = wsc(["system", "--system", "cs9"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"cs9" is not a system type: use cs2 or cs3.');
  });
  it("--help lists the options", () => {
    const r = wsc(["system", "--help"]);
    expect(r.stdout).toContain("--cluster <file>");
    expect(r.stdout).toContain("--json");
  });
});
