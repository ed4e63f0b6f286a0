// GEMV, y = A x + b, on a W x H rectangle (one PE when 1 x 1).
// Shapes: M = mt * H rows, N = nt * W columns. PE (px, py) holds the tile A[py*mt .. +mt, px*nt .. +nt]
// (column-major: element (i, j) at j * mt + i) and x[px*nt .. +nt]; it computes its partial y tile with one
// FMAC per column, the row of PEs sums the partials eastward as they stream, and PE (W-1, py) adds b and
// holds y[py*mt .. +mt].
import { defineProgram, mem1d } from "../fabric/index.js";
import { EPS32, compare, randomF32 } from "./check.js";
import type { KernelDefinition } from "./kernel.js";
import { lineDsds, reduceOps, reduceRoutes, rowLine } from "./lines.js";

const ROW: [number, number] = [0, 1];

interface Params {
  readonly mt: number;
  readonly nt: number;
}

const program = defineProgram<Params>("gemv", (pe, p) => {
  const A = pe.f32("A", p.mt * p.nt);
  const x = pe.f32("x", p.nt);
  const y = pe.f32("y", p.mt);
  const b = pe.f32("b", p.mt);
  const Y = mem1d(y);
  const B = mem1d(b);
  const cols = Array.from({ length: p.nt }, (_, j) => mem1d(A, { offset: j * p.mt, length: p.mt }));
  const row = lineDsds(pe, ROW, p.mt);
  pe.fn("compute", (ctx) => {
    const xs = ctx.f32(x);
    ctx.fmovs(Y, 0);
    for (let j = 0; j < p.nt; j++) ctx.fmacs(Y, Y, cols[j], xs[j]);
    reduceOps(ctx, ctx.x, ctx.width, Y, row);
    if (ctx.x === ctx.width - 1) ctx.fadds(Y, Y, B);
  });
});

/** Reference y = A x + b in float64 with the fp32 error bound of each row's sum. */
export function gemvReference(A: Float32Array, x: Float32Array, b: Float32Array, M: number, N: number) {
  const y = new Float64Array(M);
  const tol = new Float64Array(M);
  for (let i = 0; i < M; i++) {
    let s = b[i];
    let a = Math.abs(b[i]);
    for (let j = 0; j < N; j++) {
      s += A[i * N + j] * x[j];
      a += Math.abs(A[i * N + j] * x[j]);
    }
    y[i] = s;
    tol[i] = 2 * (N + 2) * EPS32 * a + 1e-30;
  }
  return { y, tol };
}

export const gemvKernel: KernelDefinition = {
  name: "gemv",
  summary: "y = A x + b: an A tile per PE, one FMAC per column, partial sums reduced along each row",
  params: {
    mt: { default: 32, min: 1, max: 2048, description: "rows of A per PE" },
    nt: { default: 32, min: 1, max: 2048, description: "columns of A per PE" },
  },
  peakOp: "fmac.fp32",
  layout(l, s, q) {
    const p: Params = { mt: q.mt, nt: q.nt };
    for (let y = 0; y < s.height; y++) for (let x = 0; x < s.width; x++) l.setTileCode(x, y, program, p);
    for (let y = 0; y < s.height; y++) reduceRoutes(l, rowLine(s.width, y), ROW);
    for (const n of ["A", "x", "b", "y", "compute"]) l.exportName(n);
  },
  run(rt, s, q) {
    const { width: W, height: H } = s;
    const { mt, nt } = q;
    const M = mt * H;
    const N = nt * W;
    const A = randomF32(M * N, 11 + M * 7 + N);
    const x = randomF32(N, 13 + N);
    const b = randomF32(M, 17 + M);
    // Per-PE tiles in memcpy order: PE (px, py) gets its A tile column-major, its slice of x.
    const tiles = new Float32Array(M * N);
    const xs = new Float32Array(W * H * nt);
    for (let py = 0; py < H; py++)
      for (let px = 0; px < W; px++) {
        const o = (py * W + px) * mt * nt;
        for (let j = 0; j < nt; j++)
          for (let i = 0; i < mt; i++) tiles[o + j * mt + i] = A[(py * mt + i) * N + px * nt + j];
        xs.set(x.subarray(px * nt, px * nt + nt), (py * W + px) * nt);
      }
    rt.memcpyH2D("A", tiles, 0, 0, W, H, mt * nt);
    rt.memcpyH2D("x", xs, 0, 0, W, H, nt);
    rt.memcpyH2D("b", b, W - 1, 0, 1, H, mt);
    rt.launch("compute");
    const got = rt.memcpyD2H("y", W - 1, 0, 1, H, mt);
    const ref = gemvReference(A, x, b, M, N);
    return compare(got, ref.y, ref.tol, `y = A x + b (${M} x ${N}) against a float64 reference`);
  },
};
