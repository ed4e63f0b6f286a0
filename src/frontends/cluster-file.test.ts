// Cluster files: what they build, and the exact message of every kind of validation error.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../util/errors.js";
import { loadCluster, parseClusterFile } from "./cluster-file.js";

function errorOf(text: string): ConfigError {
  try {
    parseClusterFile("c.yaml", text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("cluster file contents", () => {
  it("an empty file is ALCF's 2 x CS-2", () => {
    const c = parseClusterFile("c.yaml", "");
    expect(c.numSystems).toBe(2);
    expect(c.system.wafer.fabricWidth).toBe(757);
    expect(c.name).toBe("ALCF CS-2 cluster");
  });
  it("system: cs3 gives a WSE-3 of 762 x 1172", () => {
    const c = parseClusterFile("c.yaml", "system: cs3\nnum_systems: 4\n");
    expect(c.system.wafer.name).toBe("WSE-3");
    expect(c.system.wafer.fabricHeight).toBe(1172);
    expect(c.numSystems).toBe(4);
  });
  it("wafer overrides change the spec: SRAM, clock, SIMD", () => {
    const c = parseClusterFile(
      "c.yaml",
      "wafer:\n  sram_kib_per_pe: 96\n  clock_ghz: 0.85\n  simd:\n    fmac.fp16: 8\n",
    );
    expect(c.system.wafer.sramBytesPerPE).toBe(96 * 1024);
    expect(c.system.wafer.clockHz).toBeCloseTo(0.85e9);
    expect(c.system.wafer.simd["fmac.fp16"]).toBe(8);
    expect(c.system.wafer.simd["fmac.fp32"]).toBe(1);
  });
  it("command-line overrides win over the file", () => {
    const c = parseClusterFile("c.yaml", "system: cs2\n", { system: "cs3" });
    expect(c.system.kind).toBe("cs3");
  });
  it("memoryx, swarmx and input worker settings", () => {
    const c = parseClusterFile(
      "c.yaml",
      "memoryx: {capacity_tb: 2400, io_gbps: 2400}\nswarmx: {fanout: 2}\ninput_workers_per_system: 3\n",
    );
    expect(c.memoryx.capacityBytes).toBe(2.4e15);
    expect(c.memoryx.ioBitsPerSec).toBe(2.4e12);
    expect(c.swarmx.fanout).toBe(2);
    expect(c.inputWorkersPerSystem).toBe(3);
  });
});

describe("cluster file errors name the key, the value and the limit", () => {
  it("unknown top-level key, with a suggestion and the line", () => {
    const e = errorOf("name: x\nnum_system: 2\n");
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0].path).toBe("num_system");
    expect(e.issues[0].line).toBe(2);
    expect(e.issues[0].message).toMatch(
      /^unknown key; did you mean "num_systems"\? Allowed keys: name, system,/,
    );
  });
  it("unknown nested key names its section", () => {
    const e = errorOf("wafer:\n  sram_kb: 48\n");
    expect(e.issues[0].path).toBe("wafer.sram_kb");
    expect(e.issues[0].line).toBe(2);
    expect(e.issues[0].message).toContain(
      "Allowed keys under wafer: fabric_width, fabric_height, sram_kib_per_pe",
    );
  });
  it("out of range: number of systems", () => {
    const e = errorOf("num_systems: 500\n");
    expect(e.issues[0]).toEqual({
      path: "num_systems",
      line: 1,
      message:
        "500 is out of range: must be an integer in 1..192 (CS-X systems; SwarmX connects at most 192)",
    });
  });
  it("out of range: zero systems", () => {
    expect(errorOf("num_systems: 0\n").issues[0].message).toMatch(
      /^0 is out of range: must be an integer in 1..192/,
    );
  });
  it("not an integer", () => {
    expect(errorOf("num_systems: 1.5\n").issues[0].message).toMatch(/wrong type: expected integer|1.5 is/);
  });
  it("wrong type", () => {
    expect(errorOf("num_systems: two\n").issues[0].message).toBe(
      'wrong type: expected number, got string "two" (CS-X systems; SwarmX connects at most 192)',
    );
  });
  it("value not among the allowed ones", () => {
    expect(errorOf("system: cs4\n").issues[0]).toEqual({
      path: "system",
      line: 1,
      message: '"cs4" is not allowed: expected one of "cs2", "cs3" (system type)',
    });
  });
  it("port width must be one of the listed widths", () => {
    expect(errorOf("wafer: {sram_port_bits: 48}\n").issues[0].message).toBe(
      "48 is not allowed: expected one of 16, 32, 64, 128 (SRAM port width in bits)",
    );
  });
  it("exclusive lower bound on rates", () => {
    expect(errorOf("wafer: {clock_ghz: 0}\n").issues[0].message).toBe(
      "0 is out of range: must be a number > 0 and <= 10 (clock in GHz)",
    );
  });
  it("a section of the wrong type", () => {
    expect(errorOf("wafer: 3\n").issues[0].message).toBe("wrong type: expected object, got number 3");
  });
  it("all problems are reported at once, each with its line", () => {
    const e = errorOf("system: cs4\nnum_systems: 0\nwafer:\n  clock: 1\n");
    expect(e.issues.map((i) => [i.path, i.line])).toEqual([
      ["system", 1],
      ["num_systems", 2],
      ["wafer.clock", 4],
    ]);
    expect(e.message.split("\n")[0]).toBe("c.yaml: 3 problems");
    expect(e.message).toContain("  c.yaml:4: wafer.clock: unknown key");
  });
  it("a YAML syntax error gives its line", () => {
    const e = errorOf("system: cs2\nwafer: {clock_ghz: 1\n");
    expect(e.issues[0].message).toMatch(/^YAML syntax error/);
    expect(e.issues[0].line).toBeGreaterThanOrEqual(2);
  });
  it("a duplicated key is a syntax error", () => {
    expect(errorOf("system: cs2\nsystem: cs3\n").issues[0].message).toMatch(
      /YAML syntax error: the key "system" appears twice in one mapping \(lines 1 and 2\); keep one/,
    );
  });
  it("a fabric too small for the halo", () => {
    expect(() => parseClusterFile("c.yaml", "wafer: {fabric_width: 8, fabric_height: 8}\n")).not.toThrow();
    expect(() => loadCluster("/nonexistent/cluster.yaml")).toThrow(
      "cannot read cluster file /nonexistent/cluster.yaml: ENOENT",
    );
  });
});
