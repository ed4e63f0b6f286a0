// A 2D five-point stencil (Jacobi iterations) on a W x H rectangle, one grid point per PE, each point a
// vector of n independent values (a column of a 3D grid, as in the SDK's stencil examples):
//   u'(x, y) = c0 u(x, y) + c1 (u(x-1, y) + u(x+1, y) + u(x, y-1) + u(x, y+1)), zero outside the rectangle.
// Every iteration each PE sends u to its neighbours and receives theirs, all asynchronously; when its four
// receives and sends are done it computes. Each direction uses two colors alternating with the parity of the
// sender's column (row), so no router receives and sends one color on one line.
import { defineProgram, mem1d } from "../fabric/index.js";
import type { AsyncOpts, Dsd, LayoutBuilder, PeContext } from "../fabric/index.js";
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

/** The options of the asynchronous operation whose completion runs task T_DONE + slot, made once. */
const DONE_OPTS: readonly AsyncOpts[] = Array.from({ length: 8 }, (_, slot) => ({
  async: true,
  activate: T_DONE + slot,
}));

/**
 * Exchange with neighbour i (0..3: W, E, N, S): receive its u into `halo` and send ours, both asynchronous;
 * their completions run tasks T_DONE + 2i and T_DONE + 2i + 1. Returns the completions to wait for (2).
 */
function exchange(ctx: PeContext, i: number, halo: Dsd, from: Dsd, to: Dsd, u: Dsd): number {
  ctx.fmovs(halo, from, DONE_OPTS[2 * i]);
  ctx.fmovs(to, u, DONE_OPTS[2 * i + 1]);
  return 2;
}

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
  pe.localTask(T_ITER, (ctx) => {
    const px = ctx.x % 2;
    const py = ctx.y % 2;
    let pending = 0;
    if (ctx.x > 0) pending += exchange(ctx, 0, halo[0], inFromW[1 - px], outW[px], U);
    if (ctx.x < ctx.width - 1) pending += exchange(ctx, 1, halo[1], inFromE[1 - px], outE[px], U);
    if (ctx.y > 0) pending += exchange(ctx, 2, halo[2], inFromN[1 - py], outN[py], U);
    if (ctx.y < ctx.height - 1) pending += exchange(ctx, 3, halo[3], inFromS[1 - py], outS[py], U);
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
    ctx.fmovs(ACC, 0);
    if (ctx.x > 0) ctx.fadds(ACC, ACC, halo[0]);
    if (ctx.x < ctx.width - 1) ctx.fadds(ACC, ACC, halo[1]);
    if (ctx.y > 0) ctx.fadds(ACC, ACC, halo[2]);
    if (ctx.y < ctx.height - 1) ctx.fadds(ACC, ACC, halo[3]);
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
