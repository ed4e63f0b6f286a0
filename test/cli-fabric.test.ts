// `wsc fabric` as a user runs it: the built CLI, its report, its picture, its trace and its errors.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { ROOT, wsc } from "./helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "wsc-fabric-"));

describe("wsc fabric run", () => {
  it("runs gemv, checks it, prints cycles, modeled time and FLOP/s against the peak, and draws the wafer", () => {
    const dir = tmp();
    const png = join(dir, "w.png");
    const r = wsc([
      "fabric",
      "run",
      "gemv",
      "--size",
      "5x3",
      "--param",
      "mt=8",
      "--param",
      "nt=4",
      "--png",
      png,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^gemv on 5 x 3 PEs of a CS-2 \(WSE-2\), mt=8 nt=4/);
    expect(r.stdout).toMatch(/check\s+ok: y = A x \+ b \(24 x 20\)/);
    expect(r.stdout).toMatch(/simulated cycles\s+[\d,]+ \(the launched work\)/);
    expect(r.stdout).toMatch(/modeled time\s+[\d.]+ ns at 1\.1 GHz/);
    expect(r.stdout).toMatch(/achieved\s+.*% of the rectangle's fmac\.fp32 peak \(33 GFLOP\/s over 15 PEs\)/);
    const img = PNG.sync.read(readFileSync(png));
    expect(img.width).toBeGreaterThan(757);
    expect(img.height).toBeGreaterThan(996);
  });
  it("--json gives the result for scripts, --system cs3 runs on a WSE-3", () => {
    const r = wsc(["fabric", "run", "reduce", "--size", "4x1", "--system", "cs3", "--json", "--no-png"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      kernel: "reduce",
      wafer: "WSE-3",
      width: 4,
      height: 1,
      ok: true,
      picture: null,
    });
    expect(j.cycles).toBeGreaterThan(0);
  });
  it("runs a user's kernel module from examples/fabric", () => {
    const r = wsc([
      "fabric",
      "run",
      join(ROOT, "examples/fabric/scale-chain.mjs"),
      "--size",
      "6x2",
      "--no-png",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check\s+ok: 2 rows of 32 values scaled along 6 PEs/);
  });
  it("--trace writes a Chrome trace with a span per task and operation", () => {
    const dir = tmp();
    const f = join(dir, "t.json");
    const r = wsc([
      "fabric",
      "run",
      "stencil",
      "--size",
      "3x3",
      "--param",
      "iters=2",
      "--trace",
      f,
      "--no-png",
    ]);
    expect(r.code).toBe(0);
    const t = JSON.parse(readFileSync(f, "utf8"));
    expect(t.traceEvents.length).toBeGreaterThan(9);
    expect(t.traceEvents[0]).toMatchObject({ ph: "X" });
  });
  it("--trace into a path that cannot be written exits 2 naming the path and the flag", () => {
    const dir = tmp();
    const notADir = join(dir, "file");
    writeFileSync(notADir, "");
    const r = wsc(["fabric", "run", "gemv", "--size", "2x2", "--trace", join(notADir, "t.json"), "--no-png"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `cannot write ${join(notADir, "t.json")}: ENOTDIR; give a writable path with --trace`,
    );
  });
  it("a size beyond the kernel rectangle exits 2 with the limits, no stack trace", () => {
    const r = wsc(["fabric", "run", "gemv", "--size", "751x10"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--size 751x10 does not fit the WSE-2 kernel rectangle: width 1..750, height 1..994.",
    );
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
  it("an unknown kernel or a bad parameter names what is allowed", () => {
    const a = wsc(["fabric", "run", "fft", "--size", "2x2"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(
      '"fft" is neither a kernel (gemv, gemm, reduce, allreduce, stencil, bandwidth, wafer-reduce)',
    );
    const b = wsc(["fabric", "run", "gemv", "--size", "2x2", "--param", "mt=0"]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("mt = 0 is out of range: must be an integer in 1..2048");
  });
  it("a kernel module with a deadlock reports it with PEs and colors and exits 1", () => {
    const dir = tmp();
    const f = join(dir, "stuck.mjs");
    writeFileSync(
      f,
      `export default {
        name: "stuck",
        layout(l) {
          const p = { name: "p", setup(pe) { const i = pe.fabin(2, 4); const b = pe.mem1d(pe.f32("b", 4)); pe.fn("go", (ctx) => ctx.fmovs(b, i)); } };
          l.setTileCode(0, 0, p);
          l.setColorConfig(0, 0, 2, { rx: ["EAST"], tx: ["RAMP"] });
          l.setColorConfig(1, 0, 2, { rx: ["RAMP"], tx: ["WEST"] });
          l.exportName("go");
        },
        run(rt) { rt.launch("go"); return { ok: true, maxAbsErr: 0, tolerance: 0, what: "nothing" }; },
      };\n`,
    );
    const r = wsc(["fabric", "run", f, "--size", "2x1", "--no-png"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("deadlock at cycle");
    expect(r.stderr).toContain(
      "PE (0, 0): main thread: fmovs (element 0 of 4) waits for a wavelet on color 2",
    );
  });
  it("list names every kernel and its parameters", () => {
    const r = wsc(["fabric", "list"]);
    expect(r.code).toBe(0);
    for (const k of ["gemv", "gemm", "reduce", "allreduce", "stencil", "bandwidth", "wafer-reduce"])
      expect(r.stdout).toContain(k);
    expect(r.stdout).toContain("--param loops=4");
  });
});
