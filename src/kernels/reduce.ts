// Reduce and all-reduce of a vector held by every PE, along rows, columns or the whole rectangle.
//   reduce    row:    each row's sum lands on its east PE (column W-1)
//             column: each column's sum lands on its south PE (row H-1)
//             rect:   rows reduce east, then column W-1 reduces south: the total lands on (W-1, H-1)
//   allreduce the same, then the sums are broadcast back so every PE of the row, column or rectangle holds it.
// Shapes: n = elements per PE; v[y][x][k] is PE (x, y)'s vector.
import { defineProgram, mem1d } from "../fabric/index.js";
import type { LayoutBuilder } from "../fabric/index.js";
import { EPS32, compareOrdered, randomF32 } from "./check.js";
import type { KernelDefinition, KernelSize } from "./kernel.js";
import { KernelParamError } from "./kernel.js";
import {
  broadcastOps,
  broadcastRoutes,
  columnLine,
  lineDsds,
  reduceOps,
  reduceRoutes,
  rowLine,
} from "./lines.js";

export const AXES = ["row", "column", "rect"] as const;
export type Axis = (typeof AXES)[number];

// Colors: row reduce 0/1, column reduce 2/3, column broadcast 4, row broadcast 5.
const ROW: [number, number] = [0, 1];
const COL: [number, number] = [2, 3];
const COL_BCAST = 4;
const ROW_BCAST = 5;

interface Params {
  readonly n: number;
  readonly axis: Axis;
  readonly all: boolean;
}

/** The reduction program: one compiled program for every PE; each PE finds its part from its coordinates. */
const program = defineProgram<Params>("reduce", (pe, p) => {
  const v = pe.f32("v", p.n);
  const acc = mem1d(v);
  const rowUse = p.axis !== "column";
  const colUse = p.axis !== "row";
  const row = rowUse ? lineDsds(pe, ROW, p.n) : null;
  const col = colUse ? lineDsds(pe, COL, p.n) : null;
  const rb = p.all && rowUse ? [pe.fabin(ROW_BCAST, p.n), pe.fabout(ROW_BCAST, p.n)] : null;
  const cb = p.all && colUse ? [pe.fabin(COL_BCAST, p.n), pe.fabout(COL_BCAST, p.n)] : null;
  pe.fn("compute", (ctx) => {
    const { x, y, width: W, height: H } = ctx;
    if (p.axis === "row") {
      reduceOps(ctx, x, W, acc, row!);
      if (p.all) broadcastOps(ctx, x, W, acc, rb![0], rb![1]);
    } else if (p.axis === "column") {
      reduceOps(ctx, y, H, acc, col!);
      if (p.all) broadcastOps(ctx, y, H, acc, cb![0], cb![1]);
    } else {
      reduceOps(ctx, x, W, acc, row!);
      if (x === W - 1) reduceOps(ctx, y, H, acc, col!);
      if (p.all) {
        if (x === W - 1) broadcastOps(ctx, y, H, acc, cb![0], cb![1]);
        broadcastOps(ctx, x, W, acc, rb![0], rb![1]);
      }
    }
  });
});

function layout(l: LayoutBuilder, s: KernelSize, p: Params): void {
  const { width: W, height: H } = s;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) l.setTileCode(x, y, program, p);
  if (p.axis !== "column") for (let y = 0; y < H; y++) reduceRoutes(l, rowLine(W, y), ROW);
  if (p.axis === "column") for (let x = 0; x < W; x++) reduceRoutes(l, columnLine(H, x), COL);
  if (p.axis === "rect") reduceRoutes(l, columnLine(H, W - 1), COL);
  if (p.all) {
    if (p.axis !== "column") for (let y = 0; y < H; y++) broadcastRoutes(l, rowLine(W, y), ROW_BCAST);
    if (p.axis === "column") for (let x = 0; x < W; x++) broadcastRoutes(l, columnLine(H, x), COL_BCAST);
    if (p.axis === "rect") broadcastRoutes(l, columnLine(H, W - 1), COL_BCAST);
  }
  l.exportName("v");
  l.exportName("compute");
}

/**
 * Reference: for each PE, the sum it should hold after the kernel (NaN where the kernel leaves nothing
 * defined), and the tolerance of an fp32 chain sum of those terms.
 */
export function reduceReference(v: Float32Array, W: number, H: number, n: number, axis: Axis, all: boolean) {
  const want = new Float64Array(W * H * n).fill(NaN);
  const tol = new Float64Array(W * H * n);
  const exact = new Float64Array(W * H * n).fill(NaN);
  const sum = (cells: [number, number][], k: number) => {
    let s = 0;
    let a = 0;
    for (const [x, y] of cells) {
      s += v[(y * W + x) * n + k];
      a += Math.abs(v[(y * W + x) * n + k]);
    }
    return [s, 2 * cells.length * EPS32 * a + 1e-30];
  };
  // fp32, in the kernel's order: a chain along each line from its first PE; the rectangle chains its rows'
  // sums down the east column
  const chain = (cells: [number, number][], k: number) => {
    let s = 0;
    cells.forEach(([x, y], j) => {
      const t = v[(y * W + x) * n + k];
      s = j === 0 ? t : Math.fround(s + t);
    });
    return s;
  };
  const rowChain = (y: number, k: number) => {
    let s = v[y * W * n + k];
    for (let x = 1; x < W; x++) s = Math.fround(s + v[(y * W + x) * n + k]);
    return s;
  };
  const ordered = (cells: [number, number][], k: number) => {
    if (axis !== "rect") return chain(cells, k);
    let s = rowChain(0, k);
    for (let y = 1; y < H; y++) s = Math.fround(s + rowChain(y, k));
    return s;
  };
  const groups: { cells: [number, number][]; holders: [number, number][] }[] = [];
  const range = (m: number) => [...Array(m).keys()];
  if (axis === "row")
    for (const y of range(H)) {
      const cells = range(W).map((x) => [x, y] as [number, number]);
      groups.push({ cells, holders: all ? cells : [[W - 1, y]] });
    }
  else if (axis === "column")
    for (const x of range(W)) {
      const cells = range(H).map((y) => [x, y] as [number, number]);
      groups.push({ cells, holders: all ? cells : [[x, H - 1]] });
    }
  else {
    const cells = range(H).flatMap((y) => range(W).map((x) => [x, y] as [number, number]));
    groups.push({ cells, holders: all ? cells : [[W - 1, H - 1]] });
  }
  for (const g of groups)
    for (let k = 0; k < n; k++) {
      const [s, t] = sum(g.cells, k);
      const e = ordered(g.cells, k);
      for (const [x, y] of g.holders) {
        want[(y * W + x) * n + k] = s;
        tol[(y * W + x) * n + k] = t;
        exact[(y * W + x) * n + k] = e;
      }
    }
  return { want, tol, exact };
}

function makeKernel(all: boolean): KernelDefinition {
  const name = all ? "allreduce" : "reduce";
  const params = {
    n: { default: 16, min: 1, max: 4096, description: "elements per PE" },
    axis: { default: 2, min: 0, max: 2, description: "0 = rows, 1 = columns, 2 = the whole rectangle" },
  };
  const resolve = (q: Readonly<Record<string, number>>): Params => ({ n: q.n, axis: AXES[q.axis], all });
  return {
    name,
    summary: all
      ? "all-reduce (sum) of a vector per PE along rows, columns or the rectangle: every PE ends with the sum"
      : "reduce (sum) of a vector per PE along rows, columns or the rectangle to the east/south end PE",
    params,
    peakOp: "add.fp32",
    checkSize(_s, q) {
      if (!AXES[q.axis]) throw new KernelParamError(`kernel ${name}: axis ${q.axis} must be 0, 1 or 2.`);
    },
    layout: (l, s, q) => layout(l, s, resolve(q)),
    run(rt, s, q) {
      const p = resolve(q);
      const { width: W, height: H } = s;
      const v = randomF32(W * H * p.n, 7 + W * 131 + H);
      rt.memcpyH2D("v", v, 0, 0, W, H, p.n);
      rt.launch("compute");
      const got = rt.memcpyD2H("v", 0, 0, W, H, p.n);
      const { want, tol, exact } = reduceReference(v, W, H, p.n, p.axis, all);
      const g: number[] = [];
      const w: number[] = [];
      const t: number[] = [];
      const e: number[] = [];
      for (let i = 0; i < want.length; i++)
        if (!Number.isNaN(want[i])) {
          g.push(got[i]);
          w.push(want[i]);
          t.push(tol[i]);
          e.push(exact[i]);
        }
      return compareOrdered(
        g,
        w,
        t,
        e,
        `${all ? "all-reduced" : "reduced"} sums along ${p.axis === "rect" ? "the rectangle" : p.axis + "s"} (${w.length} values)`,
      );
    },
  };
}

export const reduceKernel = makeKernel(false);
export const allreduceKernel = makeKernel(true);
