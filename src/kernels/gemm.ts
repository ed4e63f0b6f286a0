// GEMM, C = A B, by SUMMA on a W x H rectangle.
// Shapes: M = mt * H, N = nt * W, K = kt * S with S = `steps` panels. A's block (i, k) (rows i*mt.., columns
// k*kt..) lives on PE (k % W, i); B's block (k, j) on PE (j, k % H). At step k the owner column broadcasts
// its A blocks along every row and the owner row its B blocks along every column; each PE then adds
// A(i, k) B(k, j) into its C tile with FMACs. Blocks are column-major (element (r, c) at c * rows + r).
//
// Broadcasts use fixed routes: an eastbound and a westbound color per row (southbound and northbound per
// column). Every router accepts a color from upstream and from its own PE, and delivers it to its PE, so the
// owner's wavelets reach everyone on its side and come back to the owner too; the owner drains both echoes.
// A PE starts a step's sends only after it has received the previous step's panels, so panels of different
// steps never mix on a color.
import { defineProgram, mem1d } from "../fabric/index.js";
import type { AsyncOpts, Dsd, LayoutBuilder, PeContext } from "../fabric/index.js";
import { EPS32, compare, randomF32 } from "./check.js";
import type { KernelDefinition, KernelSize } from "./kernel.js";

const A_EAST = 0;
const A_WEST = 1;
const B_SOUTH = 2;
const B_NORTH = 3;
// Local tasks: one per asynchronous operation a step may run, then compute and step.
const T_DONE_FIRST = 40; // 40..47: completion of receive/send operations
const T_COMPUTE = 50;
const T_STEP = 51;

/** The options of the asynchronous operation whose completion runs task T_DONE_FIRST + slot, made once. */
const DONE_OPTS: readonly AsyncOpts[] = Array.from({ length: 8 }, (_, slot) => ({
  async: true,
  activate: T_DONE_FIRST + slot,
}));

/** Post one asynchronous operation whose completion runs task T_DONE_FIRST + slot; returns 1 (to wait for). */
function post(ctx: PeContext, dst: Dsd, src: Dsd, slot: number): number {
  ctx.fmovs(dst, src, DONE_OPTS[slot]);
  return 1;
}

interface Params {
  readonly mt: number;
  readonly nt: number;
  readonly kt: number;
  readonly steps: number;
  readonly W: number;
  readonly H: number;
}

const program = defineProgram<Params>("gemm-summa", (pe, p) => {
  const aSize = p.mt * p.kt;
  const bSize = p.kt * p.nt;
  const ownA = Math.ceil(p.steps / p.W);
  const ownB = Math.ceil(p.steps / p.H);
  const A = pe.f32("A", ownA * aSize);
  const B = pe.f32("B", ownB * bSize);
  const Ar = pe.f32("Ar", aSize);
  const Br = pe.f32("Br", bSize);
  const Cs = pe.f32("C", p.mt * p.nt);
  const state = pe.u32("state", 2); // [step, pending completions]
  const aPanel = Array.from({ length: ownA }, (_, i) => mem1d(A, { offset: i * aSize, length: aSize }));
  const bPanel = Array.from({ length: ownB }, (_, i) => mem1d(B, { offset: i * bSize, length: bSize }));
  const AR = mem1d(Ar);
  const BR = mem1d(Br);
  const aCols = Array.from({ length: p.kt }, (_, c) => mem1d(Ar, { offset: c * p.mt, length: p.mt }));
  const cCols = Array.from({ length: p.nt }, (_, j) => mem1d(Cs, { offset: j * p.mt, length: p.mt }));
  const inA = [pe.fabin(A_EAST, aSize), pe.fabin(A_WEST, aSize)];
  const outA = [pe.fabout(A_EAST, aSize), pe.fabout(A_WEST, aSize)];
  const inB = [pe.fabin(B_SOUTH, bSize), pe.fabin(B_NORTH, bSize)];
  const outB = [pe.fabout(B_SOUTH, bSize), pe.fabout(B_NORTH, bSize)];

  const step = (ctx: PeContext) => {
    const st = ctx.u32(state);
    const k = st[0];
    const ownerX = k % p.W;
    const ownerY = k % p.H;
    let pending = 0;
    // A along the row: east of the owner reads the eastbound color, west of it the westbound one.
    if (ctx.x >= ownerX) pending += post(ctx, AR, inA[0], 0);
    if (ctx.x <= ownerX) pending += post(ctx, AR, inA[1], 1);
    if (ctx.x === ownerX) {
      const panel = aPanel[Math.floor(k / p.W)];
      pending += post(ctx, outA[0], panel, 2);
      pending += post(ctx, outA[1], panel, 3);
    }
    if (ctx.y >= ownerY) pending += post(ctx, BR, inB[0], 4);
    if (ctx.y <= ownerY) pending += post(ctx, BR, inB[1], 5);
    if (ctx.y === ownerY) {
      const panel = bPanel[Math.floor(k / p.H)];
      pending += post(ctx, outB[0], panel, 6);
      pending += post(ctx, outB[1], panel, 7);
    }
    st[1] = pending;
  };
  const done = (ctx: PeContext) => {
    const st = ctx.u32(state);
    if (--st[1] === 0) ctx.activate(T_COMPUTE);
  };
  for (let slot = 0; slot < 8; slot++) pe.localTask(T_DONE_FIRST + slot, done);
  pe.localTask(T_STEP, step);
  pe.localTask(T_COMPUTE, (ctx) => {
    const b = ctx.f32(Br);
    // C[:, j] += A[:, c] * B[c, j]
    for (let j = 0; j < p.nt; j++)
      for (let c = 0; c < p.kt; c++) ctx.fmacs(cCols[j], cCols[j], aCols[c], b[j * p.kt + c]);
    const st = ctx.u32(state);
    st[0]++;
    if (st[0] < p.steps) ctx.activate(T_STEP);
  });
  pe.fn("compute", (ctx) => {
    ctx.fmovs(mem1d(Cs), 0);
    ctx.u32(state)[0] = 0;
    ctx.activate(T_STEP);
  });
});

function layout(l: LayoutBuilder, s: KernelSize, p: Params): void {
  const { width: W, height: H } = s;
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      l.setTileCode(x, y, program, p);
      const west = x > 0;
      const east = x < W - 1;
      const north = y > 0;
      const south = y < H - 1;
      l.setColorConfig(x, y, A_EAST, {
        rx: west ? ["WEST", "RAMP"] : ["RAMP"],
        tx: east ? ["EAST", "RAMP"] : ["RAMP"],
      });
      l.setColorConfig(x, y, A_WEST, {
        rx: east ? ["EAST", "RAMP"] : ["RAMP"],
        tx: west ? ["WEST", "RAMP"] : ["RAMP"],
      });
      l.setColorConfig(x, y, B_SOUTH, {
        rx: north ? ["NORTH", "RAMP"] : ["RAMP"],
        tx: south ? ["SOUTH", "RAMP"] : ["RAMP"],
      });
      l.setColorConfig(x, y, B_NORTH, {
        rx: south ? ["SOUTH", "RAMP"] : ["RAMP"],
        tx: north ? ["NORTH", "RAMP"] : ["RAMP"],
      });
    }
  for (const n of ["A", "B", "C", "compute"]) l.exportName(n);
}

/** Reference C = A B in float64, with the fp32 bound of each element's sum of K products. */
export function gemmReference(A: Float32Array, B: Float32Array, M: number, N: number, K: number) {
  const C = new Float64Array(M * N);
  const tol = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      let a = 0;
      for (let k = 0; k < K; k++) {
        s += A[i * K + k] * B[k * N + j];
        a += Math.abs(A[i * K + k] * B[k * N + j]);
      }
      C[i * N + j] = s;
      tol[i * N + j] = 2 * (K + 1) * EPS32 * a + 1e-30;
    }
  return { C, tol };
}

export const gemmKernel: KernelDefinition = {
  name: "gemm",
  summary:
    "C = A B by SUMMA: per step, the owner column broadcasts A blocks along rows and the owner row B blocks along columns",
  params: {
    mt: { default: 8, min: 1, max: 512, description: "rows of C per PE" },
    nt: { default: 8, min: 1, max: 512, description: "columns of C per PE" },
    kt: { default: 8, min: 1, max: 512, description: "inner dimension of one panel" },
    steps: { default: 0, min: 0, max: 4096, description: "panels (K = kt * steps); 0 = max(width, height)" },
  },
  peakOp: "fmac.fp32",
  layout(l, s, q) {
    layout(l, s, params(s, q));
  },
  run(rt, s, q) {
    const p = params(s, q);
    const { W, H, mt, nt, kt, steps } = p;
    const M = mt * H;
    const N = nt * W;
    const K = kt * steps;
    const A = randomF32(M * K, 23 + M + K);
    const B = randomF32(K * N, 29 + K + N);
    const ownA = Math.ceil(steps / W);
    const ownB = Math.ceil(steps / H);
    const aT = new Float32Array(W * H * ownA * mt * kt);
    const bT = new Float32Array(W * H * ownB * kt * nt);
    for (let py = 0; py < H; py++)
      for (let px = 0; px < W; px++) {
        const pe = py * W + px;
        for (let k = px, i = 0; k < steps; k += W, i++)
          for (let c = 0; c < kt; c++)
            for (let r = 0; r < mt; r++)
              aT[(pe * ownA + i) * mt * kt + c * mt + r] = A[(py * mt + r) * K + k * kt + c];
        for (let k = py, i = 0; k < steps; k += H, i++)
          for (let j = 0; j < nt; j++)
            for (let c = 0; c < kt; c++)
              bT[(pe * ownB + i) * kt * nt + j * kt + c] = B[(k * kt + c) * N + px * nt + j];
      }
    rt.memcpyH2D("A", aT, 0, 0, W, H, ownA * mt * kt);
    rt.memcpyH2D("B", bT, 0, 0, W, H, ownB * kt * nt);
    rt.launch("compute");
    const tiles = rt.memcpyD2H("C", 0, 0, W, H, mt * nt);
    const got = new Float32Array(M * N);
    for (let py = 0; py < H; py++)
      for (let px = 0; px < W; px++)
        for (let j = 0; j < nt; j++)
          for (let r = 0; r < mt; r++)
            got[(py * mt + r) * N + px * nt + j] = tiles[(py * W + px) * mt * nt + j * mt + r];
    const ref = gemmReference(A, B, M, N, K);
    return compare(
      got,
      ref.C,
      ref.tol,
      `C = A B (${M} x ${K} times ${K} x ${N}) against a float64 reference`,
    );
  },
};

function params(s: KernelSize, q: Readonly<Record<string, number>>): Params {
  return {
    mt: q.mt,
    nt: q.nt,
    kt: q.kt,
    steps: q.steps > 0 ? q.steps : Math.max(s.width, s.height),
    W: s.width,
    H: s.height,
  };
}
