// Fingerprints of fabric runs: everything a run's timing and values produce (cycles, every event counter,
// busy cycles of every PE, the bits of every value copied back to the host, and the start and end cycle of
// every task and vector operation), folded into a few numbers. Two simulator versions that agree on the
// fingerprints of a set of runs agree cycle for cycle on those runs: the golden test compares the simulator
// with the fingerprints its first version recorded (scripts/fabric-fingerprints.ts writes them).
import { WSE2, WSE3 } from "../hw/index.js";
import type { WaferSpec } from "../hw/index.js";
import { HostRuntime, LayoutBuilder, defineProgram, mem1d } from "../fabric/index.js";
import type { FabricStats, FabricTracer } from "../fabric/index.js";
import { KERNELS } from "./index.js";
import type { KernelDefinition } from "./kernel.js";

/** What a run produced, hashed where it is long: the fabric's counters, cycles and the rest. */
export interface Fingerprint extends Omit<FabricStats, "cycles"> {
  readonly ok: boolean;
  /** Cycles of the launched work, and modeled host-transfer cycles. */
  readonly cycles: number;
  readonly hostCycles: number;
  /** Hash of the busy cycles of every PE, row-major. */
  readonly busy: number;
  /** Hash of the fp32 bits of everything memcpyD2H returned, in order. */
  readonly out: number;
  /** Number of trace spans, and an order-independent hash of them (PE, name, start, end). */
  readonly spans: number;
  readonly trace: number;
}

/** One run to fingerprint: a kernel (built-in or one of the fabric probes below) on a wafer. */
export interface FingerprintCase {
  readonly name: string;
  readonly kernel: KernelDefinition;
  readonly wafer: WaferSpec;
  readonly width: number;
  readonly height: number;
  readonly params: Readonly<Record<string, number>>;
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x01000193);
  h = Math.imul(h ^ Math.floor(v / 2 ** 32), 0x01000193);
  return h >>> 0;
}

function hashString(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

/** Sums span hashes, so the order the simulator emits spans in does not matter. */
class HashTracer implements FabricTracer {
  count = 0;
  sum = 0;
  span(x: number, y: number, name: string, start: number, end: number): void {
    let h = hashString(name);
    h = mix(mix(mix(mix(h, x), y), start), end);
    this.sum = (this.sum + h) >>> 0;
    this.count++;
  }
}

/**
 * Run one case and fingerprint it. With `traced` (the default) a tracer hashes every span; without it the
 * run takes the simulator's untraced paths and `spans` and `trace` are 0.
 */
export function fingerprint(c: FingerprintCase, traced = true): Fingerprint {
  const def = c.kernel;
  const params: Record<string, number> = {};
  for (const [k, spec] of Object.entries(def.params)) params[k] = c.params[k] ?? spec.default;
  const size = { width: c.width, height: c.height };
  const l = new LayoutBuilder(c.wafer);
  l.setRectangle(c.width, c.height);
  def.layout(l, size, params);
  const tracer = new HashTracer();
  const rt = new HostRuntime(l.build(), traced ? { tracer } : {});
  let out = 0x811c9dc5;
  const d2h = rt.memcpyD2H.bind(rt);
  rt.memcpyD2H = (name, x0, y0, w, h, n) => {
    const r = d2h(name, x0, y0, w, h, n);
    const bits = new Uint32Array(r.buffer, r.byteOffset, r.length);
    for (let i = 0; i < bits.length; i++) out = mix(out, bits[i]);
    return r;
  };
  const check = def.run(rt, size, params);
  const { cycles: _end, ...st } = rt.stats();
  let busy = 0x811c9dc5;
  for (const b of rt.fabric.busyCycles()) busy = mix(busy, b);
  return {
    ok: check.ok,
    cycles: rt.kernelCycles,
    hostCycles: rt.hostCycles,
    ...st,
    busy,
    out,
    spans: tracer.count,
    trace: tracer.sum,
  };
}

// ---- probes: fabric features no built-in kernel uses ------------------------------------------------------

const PROBE_C = [5, 6];
const PROBE_CTL = 7;
const T_CTL = 40;
const T_NEXT = 41;

/**
 * A row pipeline in fp16 and mixed precision: PE 0 streams fp16 values east; each PE scales what arrives with
 * an fp16 FMAC in a generator task that yields before reading its result, accumulates it in fp32 (fmachs) and
 * passes it on; control wavelets follow the data and count the rows' progress in a control task.
 */
const probeProgram = defineProgram<{ n: number }>("probe-fp16-control", (pe, p) => {
  const v = pe.f16("v", p.n);
  const buf = pe.f16("buf", p.n);
  const acc = pe.f32("acc", p.n);
  const seen = pe.u32("seen", 1);
  const ins = PROBE_C.map((c) => pe.fabin(c, p.n, "f16"));
  const outs = PROBE_C.map((c) => pe.fabout(c, p.n, "f16"));
  pe.controlOut(PROBE_CTL);
  pe.fabin(PROBE_CTL, 1);
  pe.controlTask(T_CTL, (ctx) => {
    ctx.u32(seen)[0]++;
  });
  pe.localTask(T_NEXT, function* (ctx) {
    const { x, width } = ctx;
    ctx.fmach(mem1d(buf), mem1d(buf), mem1d(buf), 0.5);
    yield;
    const first = ctx.f16bits(buf)[0];
    ctx.fmachs(mem1d(acc), mem1d(acc), mem1d(buf), first === 0 ? 1 : 0.25);
    if (x < width - 1) {
      ctx.fmovh(outs[x % 2], mem1d(buf), { async: true });
      ctx.sendControl(PROBE_CTL, T_CTL, { async: true });
    }
  });
  pe.fn("go", (ctx) => {
    const { x, width } = ctx;
    if (x === 0) {
      ctx.fmovh(mem1d(buf), mem1d(v));
      ctx.activate(T_NEXT);
    } else if (width > 1) ctx.fmovh(mem1d(buf), ins[(x - 1) % 2], { async: true, activate: T_NEXT });
  });
});

const probeKernel: KernelDefinition = {
  name: "probe-fp16-control",
  summary: "fp16 streams, mixed-precision FMACs, generator tasks and control wavelets along each row",
  params: { n: { default: 9, min: 1, max: 64, description: "values per PE" } },
  peakOp: "fmac.fp16",
  layout(l, { width, height }, q) {
    const p = { n: q.n };
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        l.setTileCode(x, y, probeProgram, p);
        if (x < width - 1) {
          l.setColorConfig(x, y, PROBE_C[x % 2], { rx: ["RAMP"], tx: ["EAST"] });
          l.setColorConfig(x, y, PROBE_CTL, {
            rx: x > 0 ? ["WEST", "RAMP"] : ["RAMP"],
            tx: x > 0 ? ["EAST", "RAMP"] : ["EAST"],
          });
        } else if (x > 0) l.setColorConfig(x, y, PROBE_CTL, { rx: ["WEST"], tx: ["RAMP"] });
        if (x > 0) l.setColorConfig(x, y, PROBE_C[(x - 1) % 2], { rx: ["WEST"], tx: ["RAMP"] });
      }
    for (const s of ["v", "acc", "seen", "go"]) l.exportName(s);
  },
  run(rt, { width, height }, q) {
    const v = Array.from({ length: width * height * q.n }, (_, i) => ((i * 37) % 101) / 16 - 3);
    rt.memcpyH2D("v", v, 0, 0, width, height, q.n);
    rt.launch("go");
    rt.memcpyD2H("acc", 0, 0, width, height, q.n);
    const seen = rt.memcpyD2H("seen", 0, 0, width, height, 1);
    // PE x > 0 sees the control wavelet of each PE west of it, and a middle PE its own too (its route
    // delivers the color it sends to its own RAMP as well).
    let ok = true;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        if (seen[y * width + x] !== (x === 0 ? 0 : x + (x < width - 1 ? 1 : 0))) ok = false;
    return { ok, maxAbsErr: 0, tolerance: 0, what: "control wavelets seen per PE" };
  },
};

/** The bench's stream workload, small: `rows` rows each sending n wavelets k hops east to a fabin. */
const streamsKernel: KernelDefinition = {
  name: "probe-streams",
  summary: "rows of point-to-point streams over k hops",
  params: {
    k: { default: 6, min: 1, max: 100, description: "hops" },
    n: { default: 40, min: 1, max: 1000, description: "wavelets per row" },
  },
  peakOp: "mov.fp32",
  layout(l, { height }, q) {
    const p = { n: q.n };
    const send = defineProgram<{ n: number }>("send", (pe, s) => {
      const out = pe.fabout(0, s.n);
      const V = mem1d(pe.f32("v", s.n, 1));
      pe.fn("go", (ctx) => ctx.fmovs(out, V));
    });
    const recv = defineProgram<{ n: number }>("recv", (pe, s) => {
      const i = pe.fabin(0, s.n);
      const B = mem1d(pe.f32("b", s.n));
      pe.fn("go", (ctx) => ctx.fmovs(B, i));
    });
    for (let y = 0; y < height; y++) {
      l.setTileCode(0, y, send, p);
      l.setTileCode(q.k, y, recv, p);
      for (let x = 0; x <= q.k; x++)
        l.setColorConfig(x, y, 0, { rx: [x === 0 ? "RAMP" : "WEST"], tx: [x === q.k ? "RAMP" : "EAST"] });
    }
    l.exportName("go");
    l.exportName("b");
  },
  run(rt, { height }, q) {
    rt.launch("go");
    const b = rt.memcpyD2H("b", q.k, 0, 1, height, q.n);
    const ok = b.every((x) => x === 1);
    return { ok, maxAbsErr: 0, tolerance: 0, what: "every wavelet arrived" };
  },
};

/** A what-if machine with slow hops and shallow queues: back-pressure and latency everywhere. */
const SLOW: WaferSpec = { ...WSE2, name: "WSE-2 (hop 2, depth 3)", hopLatencyCycles: 2, inputQueueDepth: 3 };
const TIGHT: WaferSpec = { ...WSE2, name: "WSE-2 (hop 3, depth 1)", hopLatencyCycles: 3, inputQueueDepth: 1 };

/** The runs the golden test pins: every kernel at several sizes, on the WSE-2, the WSE-3 and what-if wafers. */
export function fingerprintCases(): FingerprintCase[] {
  const k = KERNELS;
  const cases: FingerprintCase[] = [];
  const add = (
    kernel: KernelDefinition,
    wafer: WaferSpec,
    width: number,
    height: number,
    params: Record<string, number> = {},
  ) => {
    const ps = Object.entries(params)
      .map(([a, b]) => `${a}=${b}`)
      .join(",");
    cases.push({
      name: `${kernel.name} ${width}x${height}${ps ? ` ${ps}` : ""} on ${wafer.name}`,
      kernel,
      wafer,
      width,
      height,
      params,
    });
  };
  for (const [w, h] of [
    [1, 1],
    [4, 3],
    [1, 5],
    [6, 1],
    [5, 5],
  ]) {
    add(k.gemv, WSE2, w, h, { mt: 5, nt: 3 });
    add(k.gemm, WSE2, w, h, { mt: 3, nt: 2, kt: 4 });
    add(k.stencil, WSE2, w, h, { n: 4, iters: 3 });
    add(k.bandwidth, WSE2, w, h, { n: 16 });
    add(k["wafer-reduce"], WSE2, w, h, { n: 4, loops: 3 });
    add(probeKernel, WSE2, w, h);
  }
  for (const axis of [0, 1, 2]) {
    add(k.reduce, WSE2, 7, 4, { n: 3, axis });
    add(k.allreduce, WSE2, 7, 4, { n: 3, axis });
    add(k.reduce, SLOW, 5, 3, { n: 20, axis });
    add(k.allreduce, TIGHT, 5, 3, { n: 20, axis });
  }
  add(k.gemm, WSE2, 3, 2, { mt: 2, nt: 3, kt: 2, steps: 7 });
  add(k.gemm, WSE2, 8, 8, { mt: 4, nt: 4, kt: 4 });
  add(k.stencil, WSE2, 16, 12, { n: 16, iters: 2 });
  add(k["wafer-reduce"], WSE2, 30, 20);
  add(streamsKernel, WSE2, 8, 5);
  for (const wafer of [SLOW, TIGHT, WSE3]) {
    add(k.gemv, wafer, 4, 3, { mt: 6, nt: 5 });
    add(k.gemm, wafer, 4, 3, { mt: 3, nt: 5, kt: 4 });
    add(k.stencil, wafer, 5, 4, { n: 20, iters: 2 });
    add(k["wafer-reduce"], wafer, 6, 4, { n: 24, loops: 2 });
    add(probeKernel, wafer, 5, 2, { n: 20 });
    add(streamsKernel, wafer, 8, 3, { k: 4, n: 30 });
  }
  return cases;
}
