// A 2D five-point stencil (Jacobi iterations) on a W x H rectangle, one grid point per PE, each point a
// vector of n independent values (a column of a 3D grid, as in the SDK's stencil examples):
//   u'(x, y) = c0 u(x, y) + c1 (u(x-1, y) + u(x+1, y) + u(x, y-1) + u(x, y+1)), zero outside the rectangle.
// Every iteration each PE sends u to its neighbours and receives theirs, all asynchronously; when its four
// receives and sends are done it computes. Each direction uses two colors alternating with the parity of the
// sender's column (row), so no router receives and sends one color on one line.
import { defineProgram, mem1d } from "../fabric/index.js";
import type { Dsd, LayoutBuilder, PeContext } from "../fabric/index.js";
import { compare, randomF32 } from "./check.js";
import type { KernelDefinition, KernelSize } from "./kernel.js";

// Colors: east-going 0/1, west-going 2/3, south-going 4/5, north-going 6/7 (by sender parity).
const EAST_C = [0, 1];
const WEST_C = [2, 3];
const SOUTH_C = [4, 5];
const NORTH_C = [6, 7];
const T_DONE = 40; // 40..47
const T_COMPUTE = 50;
const T_ITER = 51;

/** Stencil weights: fp32-exact so the reference can follow the PEs' arithmetic step for step. */
export const C0 = 0.5;
export const C1 = 0.125;

interface Params {
  readonly n: number;
  readonly iters: number;
}

const program = defineProgram<Params>("stencil", (pe, p) => {
  const u = pe.f32("u", p.n);
  const un = pe.f32("unew", p.n);
  const acc = pe.f32("acc", p.n);
  const halo = ["hW", "hE", "hN", "hS"].map((h) => mem1d(pe.f32(h, p.n)));
  const state = pe.u32("state", 2); // [iteration, pending]
  const U = mem1d(u);
  const UN = mem1d(un);
  const ACC = mem1d(acc);
  const fin = (cs: number[]) => cs.map((c) => pe.fabin(c, p.n));
  const fout = (cs: number[]) => cs.map((c) => pe.fabout(c, p.n));
  const inFromW = fin(EAST_C); // sent east by the west neighbour
  const inFromE = fin(WEST_C);
  const inFromN = fin(SOUTH_C);
  const inFromS = fin(NORTH_C);
  const outE = fout(EAST_C);
  const outW = fout(WEST_C);
  const outS = fout(SOUTH_C);
  const outN = fout(NORTH_C);
  const post = (ctx: PeContext, dst: Dsd, src: Dsd, slot: number) =>
    ctx.fmovs(dst, src, { async: true, activate: T_DONE + slot });
  const neighbours = (ctx: PeContext) => [
    ctx.x > 0,
    ctx.x < ctx.width - 1,
    ctx.y > 0,
    ctx.y < ctx.height - 1,
  ];
  pe.localTask(T_ITER, (ctx) => {
    const [w, e, n, s] = neighbours(ctx);
    const px = ctx.x % 2;
    const py = ctx.y % 2;
    let pending = 0;
    // Exchange with neighbour i: receive its u into halo i, send ours; completions run tasks 2i and 2i+1.
    const exchange = (i: number, from: Dsd, to: Dsd) => {
      post(ctx, halo[i], from, 2 * i);
      post(ctx, to, U, 2 * i + 1);
      pending += 2;
    };
    if (w) exchange(0, inFromW[1 - px], outW[px]);
    if (e) exchange(1, inFromE[1 - px], outE[px]);
    if (n) exchange(2, inFromN[1 - py], outN[py]);
    if (s) exchange(3, inFromS[1 - py], outS[py]);
    const st = ctx.u32(state);
    st[1] = pending;
    if (pending === 0) ctx.activate(T_COMPUTE);
  });
  for (let i = 0; i < 8; i++)
    pe.localTask(T_DONE + i, (ctx) => {
      const st = ctx.u32(state);
      if (--st[1] === 0) ctx.activate(T_COMPUTE);
    });
  pe.localTask(T_COMPUTE, (ctx) => {
    const has = neighbours(ctx);
    ctx.fmovs(ACC, 0);
    for (let i = 0; i < 4; i++) if (has[i]) ctx.fadds(ACC, ACC, halo[i]);
    ctx.fmuls(UN, U, C0);
    ctx.fmacs(UN, UN, ACC, C1);
    ctx.fmovs(U, UN);
    const st = ctx.u32(state);
    if (++st[0] < p.iters) ctx.activate(T_ITER);
  });
  pe.fn("compute", (ctx) => {
    ctx.u32(state)[0] = 0;
    if (p.iters > 0) ctx.activate(T_ITER);
  });
});

function layout(l: LayoutBuilder, s: KernelSize, p: Params): void {
  const { width: W, height: H } = s;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      l.setTileCode(x, y, program, p);
      // Sends from this PE, and receives from each neighbour on the color of that neighbour's parity.
      if (x < W - 1) l.setColorConfig(x, y, EAST_C[x % 2], { rx: ["RAMP"], tx: ["EAST"] });
      if (x > 0) l.setColorConfig(x, y, EAST_C[(x - 1) % 2], { rx: ["WEST"], tx: ["RAMP"] });
      if (x > 0) l.setColorConfig(x, y, WEST_C[x % 2], { rx: ["RAMP"], tx: ["WEST"] });
      if (x < W - 1) l.setColorConfig(x, y, WEST_C[(x + 1) % 2], { rx: ["EAST"], tx: ["RAMP"] });
      if (y < H - 1) l.setColorConfig(x, y, SOUTH_C[y % 2], { rx: ["RAMP"], tx: ["SOUTH"] });
      if (y > 0) l.setColorConfig(x, y, SOUTH_C[(y - 1) % 2], { rx: ["NORTH"], tx: ["RAMP"] });
      if (y > 0) l.setColorConfig(x, y, NORTH_C[y % 2], { rx: ["RAMP"], tx: ["NORTH"] });
      if (y < H - 1) l.setColorConfig(x, y, NORTH_C[(y + 1) % 2], { rx: ["SOUTH"], tx: ["RAMP"] });
    }
  l.exportName("u");
  l.exportName("compute");
}

/** Reference: the same iterations in fp32, in the PEs' order of operations (W, E, N, S neighbours). */
export function stencilReference(
  u0: Float32Array,
  W: number,
  H: number,
  n: number,
  iters: number,
): Float32Array {
  let u = Float32Array.from(u0);
  const f = Math.fround;
  for (let it = 0; it < iters; it++) {
    const next = new Float32Array(u.length);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        for (let k = 0; k < n; k++) {
          let acc = 0;
          if (x > 0) acc = f(acc + u[(y * W + x - 1) * n + k]);
          if (x < W - 1) acc = f(acc + u[(y * W + x + 1) * n + k]);
          if (y > 0) acc = f(acc + u[((y - 1) * W + x) * n + k]);
          if (y < H - 1) acc = f(acc + u[((y + 1) * W + x) * n + k]);
          const c = f(u[(y * W + x) * n + k] * C0);
          next[(y * W + x) * n + k] = f(c + acc * C1);
        }
    u = next;
  }
  return u;
}

export const stencilKernel: KernelDefinition = {
  name: "stencil",
  summary:
    "five-point Jacobi stencil, one grid point (a vector of n values) per PE, halo exchange every iteration",
  params: {
    n: { default: 16, min: 1, max: 2048, description: "values per PE (the third grid dimension)" },
    iters: { default: 8, min: 0, max: 10000, description: "iterations" },
  },
  peakOp: "fmac.fp32",
  layout: (l, s, q) => layout(l, s, { n: q.n, iters: q.iters }),
  run(rt, s, q) {
    const { width: W, height: H } = s;
    const u0 = randomF32(W * H * q.n, 31 + W * 3 + H);
    rt.memcpyH2D("u", u0, 0, 0, W, H, q.n);
    rt.launch("compute");
    const got = rt.memcpyD2H("u", 0, 0, W, H, q.n);
    const want = stencilReference(u0, W, H, q.n, q.iters);
    return compare(
      got,
      want,
      1e-6,
      `u after ${q.iters} iterations against an fp32 reference in the same order`,
    );
  },
};
