// wafer-reduce: broadcast a vector to every PE, run a per-PE FMAC loop, and reduce the results to one PE.
// It touches every PE of the rectangle, so on 750 x 994 it exercises the whole WSE-2 kernel rectangle.
//   1. The host puts v (n values) on PE (0, 0), which sends it on one color down a tree: along row 0
//      eastward and from every PE of row 0 southward; every PE keeps a copy as it passes (multicast).
//   2. Each PE computes acc = sum over `loops` of v * w(x, y), one FMAC per loop, with its own weight w.
//   3. Rows reduce acc eastward, then column W-1 southward: the total lands on PE (W-1, H-1).
// Each PE receives v asynchronously; its completion activates the compute task (the FMACs and its part of
// the reduction), so a PE issues its operations only once its data is there.
// Shapes: n = vector length; result[k] = sum over PEs of loops * w(x, y) * v[k].
import { defineProgram, mem1d } from "../fabric/index.js";
import type { AsyncOpts, LayoutBuilder } from "../fabric/index.js";
import { EPS32, compareOrdered, randomF32 } from "./check.js";
import type { KernelDefinition, KernelSize } from "./kernel.js";
import { columnLine, lineDsds, reduceOps, reduceRoutes, rowLine } from "./lines.js";

const BCAST = 0;
const ROW: [number, number] = [1, 2];
const COL: [number, number] = [3, 4];
const T_COMPUTE = 30; // a local task: no data task uses ID 30
/** The broadcast's asynchronous operations: receiving v runs the compute task; the root's send runs none. */
const RECV_OPTS: AsyncOpts = { async: true, activate: T_COMPUTE };
const SEND_OPTS: AsyncOpts = { async: true };

/** Each PE's weight: a multiple of 1/16 in [1, 2), from its coordinates. */
export function weight(x: number, y: number): number {
  return 1 + ((x * 7 + y * 13) % 16) / 16;
}

interface Params {
  readonly n: number;
  readonly loops: number;
}

const program = defineProgram<Params>("wafer-reduce", (pe, p) => {
  const v = pe.f32("v", p.n);
  const acc = pe.f32("acc", p.n);
  const V = mem1d(v);
  const ACC = mem1d(acc);
  const bin = pe.fabin(BCAST, p.n);
  const bout = pe.fabout(BCAST, p.n);
  const row = lineDsds(pe, ROW, p.n);
  const col = lineDsds(pe, COL, p.n);
  // The FMAC loop and the reduction, once this PE holds v.
  pe.localTask(T_COMPUTE, (ctx) => {
    const { x, y, width: W, height: H } = ctx;
    ctx.fmovs(ACC, 0);
    const w = weight(x, y);
    for (let i = 0; i < p.loops; i++) ctx.fmacs(ACC, ACC, V, w);
    reduceOps(ctx, x, W, ACC, row);
    if (x === W - 1) reduceOps(ctx, y, H, ACC, col);
  });
  pe.fn("compute", (ctx) => {
    const root = ctx.x === 0 && ctx.y === 0;
    if (!root) ctx.fmovs(V, bin, RECV_OPTS);
    else {
      if (ctx.width * ctx.height > 1) ctx.fmovs(bout, V, SEND_OPTS);
      ctx.activate(T_COMPUTE);
    }
  });
});

function layout(l: LayoutBuilder, s: KernelSize, p: Params): void {
  const { width: W, height: H } = s;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) l.setTileCode(x, y, program, p);
  if (W * H > 1)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const down = y < H - 1 ? ["SOUTH" as const] : [];
        if (y === 0) {
          const east = x < W - 1 ? ["EAST" as const] : [];
          if (x === 0) l.setColorConfig(x, y, BCAST, { rx: ["RAMP"], tx: [...east, ...down] });
          else l.setColorConfig(x, y, BCAST, { rx: ["WEST"], tx: ["RAMP", ...east, ...down] });
        } else l.setColorConfig(x, y, BCAST, { rx: ["NORTH"], tx: ["RAMP", ...down] });
      }
  for (let y = 0; y < H; y++) reduceRoutes(l, rowLine(W, y), ROW);
  reduceRoutes(l, columnLine(H, W - 1), COL);
  for (const n of ["v", "acc", "compute"]) l.exportName(n);
}

export const waferReduceKernel: KernelDefinition = {
  name: "wafer-reduce",
  summary: "broadcast a vector to every PE, a per-PE FMAC loop, and a reduction of all PEs to one",
  params: {
    n: { default: 8, min: 1, max: 2048, description: "vector length" },
    loops: { default: 4, min: 0, max: 10000, description: "FMACs per PE" },
  },
  peakOp: "fmac.fp32",
  layout: (l, s, q) => layout(l, s, { n: q.n, loops: q.loops }),
  run(rt, s, q) {
    const { width: W, height: H } = s;
    const v = randomF32(q.n, 41 + q.n);
    rt.memcpyH2D("v", v, 0, 0, 1, 1, q.n);
    rt.launch("compute");
    const got = rt.memcpyD2H("acc", W - 1, H - 1, 1, 1, q.n);
    let wsum = 0;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) wsum += weight(x, y);
    const want = Array.from(v, (vk) => q.loops * wsum * vk);
    const tol = Array.from(v, (vk) => 2 * (W * H + q.loops) * EPS32 * q.loops * wsum * Math.abs(vk) + 1e-30);
    return compareOrdered(
      got,
      want,
      tol,
      orderedReference(v, W, H, q.loops),
      `the reduced vector on PE (${W - 1}, ${H - 1})`,
    );
  },
};

/**
 * What the kernel computes in fp32, in its order: each PE's `loops` fused multiply-adds from 0, each row
 * summed west to east, the row sums north to south. `weightOf` is the per-PE weight (tests drop a PE).
 */
export function orderedReference(
  v: ArrayLike<number>,
  W: number,
  H: number,
  loops: number,
  weightOf: (x: number, y: number) => number = weight,
): Float32Array {
  const out = new Float32Array(v.length);
  for (let k = 0; k < v.length; k++) {
    let col = 0;
    for (let y = 0; y < H; y++) {
      let row = 0;
      for (let x = 0; x < W; x++) {
        const w = weightOf(x, y);
        let acc = 0;
        for (let i = 0; i < loops; i++) acc = Math.fround(acc + v[k] * w);
        row = x === 0 ? acc : Math.fround(row + acc);
      }
      col = y === 0 ? row : Math.fround(col + row);
    }
    out[k] = col;
  }
  return out;
}
