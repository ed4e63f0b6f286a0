// Building blocks for kernels that reduce or broadcast along lines of PEs (a row or a column).
//
// Reduce: the line's PEs 0..len-1 pass a running sum toward PE len-1. PE j sends on color colors[j % 2] and
// receives on colors[(j - 1) % 2], so no router both receives and sends one color on the same line.
// Broadcast: PE len-1 sends back toward PE 0 on one color; each PE on the way takes a copy (multicast to RAMP).
import type { Direction, Dsd, LayoutBuilder, PeBuilder, PeContext } from "../fabric/index.js";

/** A line of PEs: PE j of the line is at `at(j)`; wavelets toward its end leave by `forward`. */
export interface Line {
  readonly len: number;
  at(j: number): readonly [number, number];
  readonly forward: "EAST" | "SOUTH";
}

const BACK: Record<Line["forward"], Direction> = { EAST: "WEST", SOUTH: "NORTH" };

/** The row y of a width-W rectangle, west to east. */
export function rowLine(W: number, y: number): Line {
  return { len: W, at: (j) => [j, y], forward: "EAST" };
}

/** The column x of a height-H rectangle, north to south. */
export function columnLine(H: number, x: number): Line {
  return { len: H, at: (j) => [x, j], forward: "SOUTH" };
}

export function reduceRoutes(l: LayoutBuilder, line: Line, colors: readonly [number, number]): void {
  for (let j = 0; j < line.len; j++) {
    const [x, y] = line.at(j);
    if (j < line.len - 1) l.setColorConfig(x, y, colors[j % 2], { rx: ["RAMP"], tx: [line.forward] });
    if (j > 0) l.setColorConfig(x, y, colors[(j - 1) % 2], { rx: [BACK[line.forward]], tx: ["RAMP"] });
  }
}

export function broadcastRoutes(l: LayoutBuilder, line: Line, color: number): void {
  if (line.len < 2) return;
  const back = BACK[line.forward];
  for (let j = 0; j < line.len; j++) {
    const [x, y] = line.at(j);
    if (j === line.len - 1) l.setColorConfig(x, y, color, { rx: ["RAMP"], tx: [back] });
    else l.setColorConfig(x, y, color, { rx: [line.forward], tx: j === 0 ? ["RAMP"] : ["RAMP", back] });
  }
}

/** The fabric DSDs a PE of a line needs, declared once in a program's setup. */
export interface LineDsds {
  readonly ins: readonly [Dsd, Dsd];
  readonly outs: readonly [Dsd, Dsd];
}

export function lineDsds(pe: PeBuilder, colors: readonly [number, number], n: number): LineDsds {
  return {
    ins: [pe.fabin(colors[0], n), pe.fabin(colors[1], n)],
    outs: [pe.fabout(colors[0], n), pe.fabout(colors[1], n)],
  };
}

/**
 * Issue PE j's part of a line reduction of `acc` (synchronous): the first PE sends its vector, the middle ones
 * add theirs to what arrives and pass it on as it streams, the last one adds what arrives into acc.
 */
export function reduceOps(ctx: PeContext, j: number, len: number, acc: Dsd, d: LineDsds): void {
  if (len < 2) return;
  if (j === 0) ctx.fmovs(d.outs[0], acc);
  else if (j < len - 1) ctx.fadds(d.outs[j % 2], d.ins[(j - 1) % 2], acc);
  else ctx.fadds(acc, d.ins[(j - 1) % 2], acc);
}

/** Issue PE j's part of a broadcast of `acc` from the line's last PE (synchronous). */
export function broadcastOps(ctx: PeContext, j: number, len: number, acc: Dsd, bin: Dsd, bout: Dsd): void {
  if (len < 2) return;
  if (j === len - 1) ctx.fmovs(bout, acc);
  else ctx.fmovs(acc, bin);
}
