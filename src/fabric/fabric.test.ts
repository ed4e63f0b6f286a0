// The fabric's timing and semantics pinned to hand-derived figures, and its errors.
import { describe, expect, it } from "vitest";
import { WSE2 } from "../hw/index.js";
import type { WaferSpec } from "../hw/index.js";
import {
  DeadlockError,
  FabricProgramError,
  HostRuntime,
  LayoutBuilder,
  RouteError,
  SramOverflowError,
  defineProgram,
  floatToHalf,
  halfToFloat,
  mem1d,
  roundHalf,
} from "./index.js";

function runtime(l: LayoutBuilder): HostRuntime {
  return new HostRuntime(l.build());
}

/** One PE running `go` once. */
function onePe(wafer: WaferSpec, setup: Parameters<typeof defineProgram>[1]) {
  const l = new LayoutBuilder(wafer);
  l.setRectangle(1, 1);
  l.setTileCode(0, 0, defineProgram("t", setup));
  l.exportName("go");
  return runtime(l);
}

describe("vector operations take ceil(n / SIMD width) cycles", () => {
  for (const n of [1, 7, 64, 1000])
    it(`fp32 FMAC of length ${n} at width ${WSE2.simd["fmac.fp32"]}: ${Math.ceil(n / WSE2.simd["fmac.fp32"])} cycles, dst = a + b * s`, () => {
      let y: Float32Array | null = null;
      const rt = onePe(WSE2, (pe) => {
        const Y = pe.f32("y", n, 1);
        const X = pe.f32(
          "x",
          n,
          Array.from({ length: n }, (_, i) => i),
        );
        pe.fn("go", (ctx) => {
          ctx.fmacs(mem1d(Y), mem1d(Y), mem1d(X), 0.5);
          y = ctx.f32(Y);
        });
      });
      expect(rt.launch("go")).toBe(Math.ceil(n / WSE2.simd["fmac.fp32"]));
      expect(Array.from(y!)).toEqual(Array.from({ length: n }, (_, i) => 1 + i * 0.5));
    });
  it("a what-if wafer with fp32 FMAC width 4 takes ceil(n / 4)", () => {
    const wide = { ...WSE2, simd: { ...WSE2.simd, "fmac.fp32": 4 } };
    const rt = onePe(wide, (pe) => {
      const Y = mem1d(pe.f32("y", 10));
      pe.fn("go", (ctx) => ctx.fmacs(Y, Y, Y, 2));
    });
    expect(rt.launch("go")).toBe(3);
  });
  it(`fp16 FMAC at width ${WSE2.simd["fmac.fp16"]}, each result rounded once to fp16`, () => {
    let out: number[] = [];
    const a = [0.1, 1 / 3, 1000.7, -2.2, 65000];
    const b = [3, 0.3, 0.001, 7.77, 500];
    const rt = onePe(WSE2, (pe) => {
      const A = pe.f16("a", 5, a);
      const B = pe.f16("b", 5, b);
      pe.fn("go", function* (ctx) {
        ctx.fmach(mem1d(A), mem1d(A), mem1d(B), 1.5);
        yield; // wait for the FMAC before reading its result
        out = Array.from(ctx.f16bits(A), halfToFloat);
      });
    });
    expect(rt.launch("go")).toBe(Math.ceil(5 / WSE2.simd["fmac.fp16"]));
    const want = a.map((v, i) => roundHalf(roundHalf(v) + roundHalf(b[i]) * 1.5));
    expect(out).toEqual(want);
    expect(out[4]).toBe(Infinity); // 64992 + 750 overflows fp16
  });
});

describe("fp16 conversion", () => {
  it("rounds to nearest even, with subnormals and overflow", () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(1 / 3)).toBe(0x3555);
    expect(floatToHalf(2 ** -24)).toBe(1);
    expect(floatToHalf(2 ** -25)).toBe(0); // tie to even
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie to even (down)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie to even (up)
    for (let h = 0; h < 0x7c00; h += 37) expect(floatToHalf(halfToFloat(h))).toBe(h);
  });
});

/** A row of k + 1 PEs: PE 0 sends `n` values on color 0 to PE k, which reads them with `recv`. */
function line(wafer: WaferSpec, k: number, n: number, recv: Parameters<typeof defineProgram>[1]) {
  const send = defineProgram("send", (pe) => {
    const out = pe.fabout(0, n);
    const V = mem1d(
      pe.f32(
        "v",
        n,
        Array.from({ length: n }, (_, i) => i + 1),
      ),
    );
    pe.fn("go", (ctx) => ctx.fmovs(out, V));
  });
  const l = new LayoutBuilder(wafer);
  l.setRectangle(k + 1, 1);
  l.setTileCode(0, 0, send);
  l.setTileCode(k, 0, defineProgram("recv", recv));
  for (let x = 0; x <= k; x++)
    l.setColorConfig(x, 0, 0, { rx: [x === 0 ? "RAMP" : "WEST"], tx: [x === k ? "RAMP" : "EAST"] });
  l.exportName("go");
  return runtime(l);
}

describe("wavelets cross one hop per hop latency", () => {
  for (const hop of [1, 3])
    for (const k of [1, 4, 9])
      it(`sent at cycle 0, it reaches a PE ${k} hops away at (k + 1) * ${hop} = ${(k + 1) * hop}`, () => {
        const arrivals: number[] = [];
        const rt = line({ ...WSE2, hopLatencyCycles: hop }, k, 1, (pe) => {
          pe.dataTask(0, (ctx, v) => {
            arrivals.push(ctx.cycle, v);
          });
          pe.fn("go", () => {});
        });
        rt.launch("go");
        expect(arrivals).toEqual([(k + 1) * hop, 1]);
      });
  it("a stream of n wavelets arrives one per cycle, in order", () => {
    const got: number[] = [];
    const at: number[] = [];
    const rt = line(WSE2, 3, 20, (pe) => {
      pe.dataTask(0, (ctx, v) => {
        got.push(v);
        at.push(ctx.cycle);
      });
      pe.fn("go", () => {});
    });
    rt.launch("go");
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(at).toEqual(Array.from({ length: 20 }, (_, i) => 4 + i));
  });
});

describe("back-pressure: a full queue stalls the sender, nothing is dropped", () => {
  it("a receiver taking 4 cycles per wavelet paces the sender to one wavelet per 4 cycles", () => {
    const n = 60;
    let count = 0;
    let sum = 0;
    const rt = line(WSE2, 2, n, (pe) => {
      const scratch = mem1d(pe.f32("s", 4 * WSE2.simd["mul.fp32"]));
      pe.dataTask(0, (ctx, v) => {
        count++;
        sum += v;
        ctx.fmuls(scratch, scratch, 1); // 4 cycles of work per wavelet
      });
      pe.fn("go", () => {});
    });
    const cycles = rt.launch("go");
    expect(count).toBe(n);
    expect(sum).toBe((n * (n + 1)) / 2);
    // First arrival at (2 + 1) hops, then one every 4 cycles, the last task takes 4 cycles.
    expect(cycles).toBe(3 + 4 * n);
  });
  it("a sender to a PE that never reads stops after (k + 2) * depth wavelets and the deadlock names PEs, colors and queues", () => {
    const k = 2;
    const D = WSE2.inputQueueDepth;
    const rt = line(WSE2, k, 200, (pe) => {
      pe.fabin(0, 1); // declares the color, never reads it
      pe.fn("go", () => {});
    });
    let err: unknown;
    try {
      rt.launch("go");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeadlockError);
    const d = err as DeadlockError;
    // Router queues of PEs 0..k hold D each, the receiver's input queue D: (k + 2) * D sent.
    expect(d.message).toContain(
      `PE (0, 0): main thread: fmovs (element ${(k + 2) * D} of 200) waits to send on color 0`,
    );
    expect(d.message).toContain(
      `PE (${k}, 0): input queue of color 0 holds ${D} wavelet(s); nothing reads it`,
    );
    expect(d.message).toMatch(
      /PE \(1, 0\): router queue of color 0 holds 14 wavelet\(s\) bound for \{EAST\}; full downstream: EAST/,
    );
    expect(d.waiting.length).toBe(1);
    expect(d.queues.length).toBe(k + 2);
  });
  it("two colors sharing one link take turns: each gets half of it", () => {
    const n = 40;
    const build = (colors: number[]) => {
      const send = defineProgram("send2", (pe) => {
        const V = mem1d(pe.f32("v", n, 1));
        const outs = colors.map((c) => pe.fabout(c, n));
        pe.fn("go", (ctx) => outs.forEach((o) => ctx.fmovs(o, V, { async: true })));
      });
      const recv = defineProgram("recv2", (pe) => {
        const bufs = colors.map((c, i) => [pe.fabin(c, n), mem1d(pe.f32(`b${i}`, n))] as const);
        pe.fn("go", (ctx) => bufs.forEach(([i, b]) => ctx.fmovs(b, i, { async: true })));
      });
      const l = new LayoutBuilder(WSE2);
      l.setRectangle(2, 1);
      l.setTileCode(0, 0, send);
      l.setTileCode(1, 0, recv);
      for (const c of colors) {
        l.setColorConfig(0, 0, c, { rx: ["RAMP"], tx: ["EAST"] });
        l.setColorConfig(1, 0, c, { rx: ["WEST"], tx: ["RAMP"] });
      }
      l.exportName("go");
      return runtime(l).launch("go");
    };
    const one = build([0]);
    const two = build([0, 1]);
    expect(one).toBe(n + 2);
    expect(two).toBeGreaterThanOrEqual(2 * n);
    expect(two).toBeLessThanOrEqual(2 * n + 3);
  });
});

describe("tasks", () => {
  it("a blocked task waits for the asynchronous operation that unblocks it; activate runs a local task once", () => {
    const log: string[] = [];
    const rt = onePe(WSE2, (pe) => {
      const A = mem1d(pe.f32("a", 8, 2));
      const B = mem1d(pe.f32("b", 8));
      pe.block(10);
      pe.localTask(10, (ctx) => {
        log.push(`t10@${ctx.cycle}:${ctx.f32(pe.compiled.syms.get("b")!)[0]}`);
      });
      pe.localTask(11, (ctx) => {
        log.push(`t11@${ctx.cycle}`);
      });
      pe.fn("go", (ctx) => {
        ctx.fmovs(B, A, { async: true, unblock: 10 });
        ctx.activate(10);
        ctx.activate(11);
        ctx.activate(11);
      });
    });
    rt.launch("go");
    // t11 runs at cycle 1 (one dispatch per cycle); t10 once the 8-cycle move unblocks it at cycle 8.
    expect(log).toEqual(["t11@1", "t10@8:2"]);
  });
  it("a control wavelet runs the control task it names", () => {
    const ran: number[] = [];
    const send = defineProgram("ctl-send", (pe) => {
      pe.controlOut(3);
      pe.fn("go", (ctx) => ctx.sendControl(3, 42));
    });
    const recv = defineProgram("ctl-recv", (pe) => {
      pe.fabin(3, 1);
      pe.controlTask(42, (ctx) => {
        ran.push(ctx.cycle);
      });
    });
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(1, 2);
    l.setTileCode(0, 0, send);
    l.setTileCode(0, 1, recv);
    l.setColorConfig(0, 0, 3, { rx: ["RAMP"], tx: ["SOUTH"] });
    l.setColorConfig(0, 1, 3, { rx: ["NORTH"], tx: ["RAMP"] });
    l.exportName("go");
    runtime(l).launch("go");
    expect(ran).toEqual([2]);
  });
});

describe("errors name the PE, the symbols, the color and the fix", () => {
  it("a program over 48 KB names the PE, its symbols and the bytes over", () => {
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(3, 2);
    const big = defineProgram("big", (pe) => {
      pe.f32("weights", 12_200);
      pe.f16("acts", 200);
      pe.u32("flags", 3);
    });
    l.setTileCode(2, 1, big);
    expect(() => l.build()).toThrow(SramOverflowError);
    try {
      l.build();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toContain(
        'PE (2, 1) running program "big" needs 49212 bytes of SRAM but a PE has 49152: 60 bytes over',
      );
      expect(m).toContain("Symbols: weights 48800 B, acts 400 B, flags 12 B");
    }
    const l2 = new LayoutBuilder(WSE2);
    l2.setRectangle(1, 1);
    l2.setTileCode(
      0,
      0,
      defineProgram("over", (pe) => pe.f32("w", 12_289)),
    );
    expect(() => l2.build()).toThrow(/49156 bytes of SRAM but a PE has 49152: 4 bytes over/);
  });
  it("a route that sends a color back out on the link it came in on is illegal", () => {
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(3, 1);
    l.setColorConfig(1, 0, 5, { rx: ["EAST"], tx: ["EAST", "RAMP"] });
    expect(() => l.build()).toThrow(RouteError);
    expect(() => l.build()).toThrow(
      /PE \(1, 0\) color 5 \(rx \{EAST\}, tx \{RAMP, EAST\}\): receives from and transmits to \{EAST\}/,
    );
  });
  it("a route leaving the rectangle, or not met by the neighbour's route, is illegal", () => {
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(2, 2);
    l.setColorConfig(1, 1, 0, { rx: ["RAMP"], tx: ["SOUTH"] });
    expect(() => l.build()).toThrow(/PE \(1, 1\) color 0 .*the SOUTH link leaves the 2 x 2 rectangle/);
    const l2 = new LayoutBuilder(WSE2);
    l2.setRectangle(2, 1);
    l2.setColorConfig(0, 0, 2, { rx: ["RAMP"], tx: ["EAST"] });
    l2.setColorConfig(1, 0, 2, { rx: ["NORTH"], tx: ["RAMP"] });
    expect(() => l2.build()).toThrow(
      /sends EAST to PE \(1, 0\), whose route for color 2 does not receive from WEST/,
    );
  });
  it("a color or task ID outside the wafer's ranges is named with its range", () => {
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(1, 1);
    expect(() => l.setColorConfig(0, 0, 24, { rx: ["RAMP"], tx: ["RAMP"] })).toThrow(
      /color 24 is outside 0..23/,
    );
    expect(() =>
      l.setTileCode(
        0,
        0,
        defineProgram("bad", (pe) => pe.localTask(64, () => {})),
      ),
    ).toThrow(/task ID 64 is outside 0..63/);
    expect(() => l.setRectangle(751, 10)).toThrow(/does not fit the WSE-2 kernel rectangle of 750 x 994/);
  });
  it("a what-if wafer beyond 32 colors or 64 task IDs is refused with the limit", () => {
    const l = new LayoutBuilder({ ...WSE2, colors: 40 });
    l.setRectangle(1, 1);
    expect(() => runtime(l)).toThrow(
      /has 40 colors and 64 task IDs; the simulator supports at most 32 colors/,
    );
  });
  it("reading a color the router does not deliver fails when the operation is issued", () => {
    const rt = onePe(WSE2, (pe) => {
      const i = pe.fabin(7, 4);
      const B = mem1d(pe.f32("b", 4));
      pe.fn("go", (ctx) => ctx.fmovs(B, i));
    });
    expect(() => rt.launch("go")).toThrow(FabricProgramError);
  });
});

describe("idle PEs cost nothing", () => {
  it("the same two-PE program in a 2 x 1 and a 300 x 300 rectangle takes the same cycles and events", () => {
    const run = (W: number, H: number) => {
      const send = defineProgram("s", (pe) => {
        const out = pe.fabout(0, 50);
        pe.fn("go", (ctx) => ctx.fmovs(out, 1));
      });
      const recv = defineProgram("r", (pe) => {
        const i = pe.fabin(0, 50);
        const B = mem1d(pe.f32("b", 50));
        pe.fn("go", (ctx) => ctx.fmovs(B, i));
      });
      const l = new LayoutBuilder(WSE2);
      l.setRectangle(W, H);
      l.setTileCode(0, 0, send);
      l.setTileCode(1, 0, recv);
      l.setColorConfig(0, 0, 0, { rx: ["RAMP"], tx: ["EAST"] });
      l.setColorConfig(1, 0, 0, { rx: ["WEST"], tx: ["RAMP"] });
      l.exportName("go");
      const rt = runtime(l);
      const cycles = rt.launch("go");
      return { cycles, events: rt.stats().events };
    };
    expect(run(300, 300)).toEqual(run(2, 1));
  });
});

describe("queue slots come from a pool that grows as more queues hold wavelets", () => {
  /** `rows` rows, each streaming n values from PE (0, y) to PE (k, y); returns cycles, events and what arrived. */
  function rows(count: number, k: number, n: number) {
    const send = defineProgram("send", (pe) => {
      const out = pe.fabout(0, n);
      const V = mem1d(pe.f32("v", n));
      pe.fn("go", (ctx) => ctx.fmovs(out, V));
    });
    const recv = defineProgram("recv", (pe) => {
      const i = pe.fabin(0, n);
      const B = mem1d(pe.f32("b", n));
      pe.fn("go", (ctx) => ctx.fmovs(B, i));
    });
    const l = new LayoutBuilder(WSE2);
    l.setRectangle(k + 1, count);
    for (let y = 0; y < count; y++) {
      l.setTileCode(0, y, send);
      l.setTileCode(k, y, recv);
      for (let x = 0; x <= k; x++)
        l.setColorConfig(x, y, 0, { rx: [x === 0 ? "RAMP" : "WEST"], tx: [x === k ? "RAMP" : "EAST"] });
    }
    for (const name of ["go", "v", "b"]) l.exportName(name);
    const rt = runtime(l);
    const sent = Float32Array.from({ length: count * n }, (_, i) => i + 0.5);
    for (let y = 0; y < count; y++) rt.memcpyH2D("v", sent.subarray(y * n), 0, y, 1, 1, n);
    const cycles = rt.launch("go");
    const got = rt.memcpyD2H("b", k, 0, 1, count, n);
    const rings = (rt.fabric as unknown as { ringTop: number }).ringTop;
    return { cycles, events: rt.stats().events, sent, got, rings };
  }

  it("100 independent rows take the cycles of one and 100 times its events, every value delivered in order", () => {
    const one = rows(1, 60, 80);
    // Each row's 61 queues all hold wavelets once its stream is under way: 6,100 at once, more than the
    // 4,096 rings the pool starts with.
    const many = rows(100, 60, 80);
    expect(many.rings).toBeGreaterThan(4096);
    expect(many.cycles).toBe(one.cycles);
    expect(many.events).toBe(100 * one.events);
    expect(Array.from(many.got)).toEqual(Array.from(many.sent));
  });
});
