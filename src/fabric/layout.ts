// Layouts, modeled on CSL's layout block: a rectangle of PEs, the code and parameters of each PE
// (@set_tile_code), the route of each color at each PE's router (@set_color_config with rx and tx sets), and
// the names the host may use (@export_name). `build` checks everything and returns what the fabric runs.
//
// Coordinates: x is the column (0 at the west edge), y the row (0 at the north edge); PE index p = y * width + x.
import { kernelRect } from "../hw/index.js";
import type { WaferSpec } from "../hw/index.js";
import {
  DIRECTION_NAMES,
  DX,
  DY,
  LINKS_OF_MASK,
  OPPOSITE,
  RAMP,
  directionCode,
  maskNames,
} from "./directions.js";
import type { Direction } from "./directions.js";
import { FabricProgramError, RouteError, SramOverflowError } from "./errors.js";
import { CompiledProgram, PeBuilder } from "./program.js";
import type { Program } from "./program.js";

export interface ColorConfig {
  /** Links a wavelet of this color is accepted from. */
  readonly rx: readonly Direction[];
  /** Links it is sent out on (several: multicast; RAMP delivers it to this PE). */
  readonly tx: readonly Direction[];
}

/** A checked layout: the rectangle, per-PE code and routes. */
export interface BuiltLayout {
  readonly wafer: WaferSpec;
  readonly width: number;
  readonly height: number;
  /** Where the rectangle's north-west PE sits on the fabric grid (inside the host-transfer halo). */
  readonly fabricX: number;
  readonly fabricY: number;
  /** rx and tx masks per (PE, color), index p * colors + color. */
  readonly rx: Uint8Array;
  readonly tx: Uint8Array;
  /** Index into `programs` of each PE's code, or -1 for a PE without code. */
  readonly code: Int32Array;
  readonly programs: readonly CompiledProgram[];
  readonly exports: ReadonlySet<string>;
}

export class LayoutBuilder {
  private w = 0;
  private h = 0;
  private rxMask = new Uint8Array(0);
  private txMask = new Uint8Array(0);
  private code = new Int32Array(0);
  private readonly programs: CompiledProgram[] = [];
  private readonly cache = new Map<Program<never>, Map<unknown, number>>();
  private readonly exportNames = new Set<string>();
  private fabricX = 0;
  private fabricY = 0;

  constructor(readonly wafer: WaferSpec) {}

  get width(): number {
    return this.w;
  }
  get height(): number {
    return this.h;
  }

  /** The rectangle of PEs the program uses, at most the wafer's kernel rectangle. */
  setRectangle(width: number, height: number): void {
    const k = kernelRect(this.wafer);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new FabricProgramError(`rectangle ${width} x ${height}: width and height must be integers >= 1.`);
    if (width > k.width || height > k.height)
      throw new FabricProgramError(
        `rectangle ${width} x ${height} does not fit the ${this.wafer.name} kernel rectangle of ` +
          `${k.width} x ${k.height} PEs (the fabric less the host-transfer halo).`,
      );
    this.w = width;
    this.h = height;
    const n = width * height;
    this.rxMask = new Uint8Array(n * this.wafer.colors);
    this.txMask = new Uint8Array(n * this.wafer.colors);
    this.code = new Int32Array(n).fill(-1);
    this.fabricX = this.wafer.halo.west;
    this.fabricY = this.wafer.halo.north;
  }

  private pe(x: number, y: number, what: string): number {
    if (this.w === 0) throw new FabricProgramError(`${what}: call setRectangle first.`);
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= this.w || y >= this.h)
      throw new FabricProgramError(
        `${what}: PE (${x}, ${y}) is outside the ${this.w} x ${this.h} rectangle (x 0..${this.w - 1}, y 0..${this.h - 1}).`,
      );
    return y * this.w + x;
  }

  /**
   * Give PE (x, y) its code. PEs given the same program and the same params object share one compiled
   * program; pass distinct objects only where the parameters really differ.
   */
  setTileCode<P>(x: number, y: number, program: Program<P>, params: P = {} as P): void {
    const p = this.pe(x, y, `setTileCode("${program.name}")`);
    let byParams = this.cache.get(program as Program<never>);
    if (!byParams) this.cache.set(program as Program<never>, (byParams = new Map()));
    let idx = byParams.get(params);
    if (idx === undefined) {
      const c = new CompiledProgram(program.name, params as Record<string, unknown>, this.wafer);
      program.setup(new PeBuilder(c), params);
      idx = this.programs.length;
      this.programs.push(c);
      byParams.set(params, idx);
    }
    this.code[p] = idx;
  }

  /** Route `color` at PE (x, y): accept it from the rx links, send it out on the tx links. */
  setColorConfig(x: number, y: number, color: number, cfg: ColorConfig): void {
    const p = this.pe(x, y, `setColorConfig(color ${color})`);
    const C = this.wafer.colors;
    if (!Number.isInteger(color) || color < 0 || color >= C)
      throw new RouteError(
        `PE (${x}, ${y}): color ${color} is outside 0..${C - 1} (${this.wafer.name} routes ${C} colors).`,
      );
    const mask = (dirs: readonly Direction[], which: string) => {
      let m = 0;
      for (const d of dirs) {
        const c = directionCode(String(d));
        if (c < 0)
          throw new RouteError(
            `PE (${x}, ${y}) color ${color}: ${which} link "${d}" is not one of RAMP, NORTH, SOUTH, EAST, WEST.`,
          );
        m |= 1 << c;
      }
      return m;
    };
    this.rxMask[p * C + color] = mask(cfg.rx, "rx");
    this.txMask[p * C + color] = mask(cfg.tx, "tx");
  }

  /** Let the host copy to and from symbol `name` and launch function `name`. */
  exportName(name: string): void {
    this.exportNames.add(name);
  }

  /** Check the layout and return what the fabric runs. */
  build(): BuiltLayout {
    if (this.w === 0)
      throw new FabricProgramError("the layout has no rectangle: call setRectangle(width, height).");
    const { w, h } = this;
    const C = this.wafer.colors;
    const rx = this.rxMask;
    const tx = this.txMask;
    const at = (p: number) => `PE (${p % w}, ${Math.floor(p / w)})`;
    for (let p = 0; p < w * h; p++) {
      const x = p % w;
      const y = (p - x) / w;
      for (let c = 0; c < C; c++) {
        const r = rx[p * C + c];
        const t = tx[p * C + c];
        if (r === 0 && t === 0) continue;
        // Named only in an error: building this string for every routed color of a full wafer costs seconds.
        const here = () => `${at(p)} color ${c} (rx ${maskNames(r)}, tx ${maskNames(t)})`;
        const both = r & t & ~(1 << RAMP);
        if (both)
          throw new RouteError(
            `${here()}: receives from and transmits to ${maskNames(both)}; a color cannot go back out on the link ` +
              "it came in on. Use a second color for the return direction.",
          );
        if (r === 0)
          throw new RouteError(`${here()}: transmits but receives from no link; add the rx link(s).`);
        if (t === 0)
          throw new RouteError(
            `${here()}: receives but transmits to no link; add RAMP to deliver it to the PE.`,
          );
        for (const d of LINKS_OF_MASK[r | t]) {
          if (d === RAMP) continue;
          const nx = x + DX[d];
          const ny = y + DY[d];
          if (nx < 0 || ny < 0 || nx >= w || ny >= h)
            throw new RouteError(
              `${here()}: the ${DIRECTION_NAMES[d]} link leaves the ${w} x ${h} rectangle; routes stay inside it ` +
                "(the host reaches PEs through memcpy, not through routes).",
            );
        }
        for (const d of LINKS_OF_MASK[t]) {
          if (d === RAMP) continue;
          const q = (y + DY[d]) * w + x + DX[d];
          if (!(rx[q * C + c] & (1 << OPPOSITE[d])))
            throw new RouteError(
              `${here()}: sends ${DIRECTION_NAMES[d]} to ${at(q)}, whose route for color ${c} does not receive from ` +
                `${DIRECTION_NAMES[OPPOSITE[d]]} (its rx is ${maskNames(rx[q * C + c])}).`,
            );
        }
      }
    }
    // Programs: SRAM. (Colors a program reads or writes are checked when an operation uses them, since a
    // program shared by many PEs may declare DSDs that only some of them use.)
    const limit = this.wafer.sramBytesPerPE;
    const count = new Map<number, number>();
    for (let p = 0; p < w * h; p++)
      if (this.code[p] >= 0) count.set(this.code[p], (count.get(this.code[p]) ?? 0) + 1);
    for (let p = 0; p < w * h; p++) {
      const i = this.code[p];
      if (i < 0) continue;
      const prog = this.programs[i];
      if (prog.bytes > limit) {
        const syms = [...prog.syms.values()].map((s) => ({
          name: s.name,
          bytes: Math.ceil((s.length * (s.dtype === "f16" ? 2 : 4)) / 4) * 4,
        }));
        throw new SramOverflowError(
          { x: p % w, y: Math.floor(p / w) },
          prog.name,
          syms,
          prog.bytes,
          limit,
          count.get(i) ?? 1,
        );
      }
    }
    for (const name of this.exportNames) {
      const found = this.programs.some((pr) => pr.syms.has(name) || pr.fns.has(name));
      if (!found)
        throw new FabricProgramError(
          `exportName("${name}"): no program declares a symbol or function "${name}".`,
        );
    }
    return {
      wafer: this.wafer,
      width: w,
      height: h,
      fabricX: this.fabricX,
      fabricY: this.fabricY,
      rx,
      tx,
      code: this.code,
      programs: this.programs,
      exports: new Set(this.exportNames),
    };
  }
}
