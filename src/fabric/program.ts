// PE programs, modeled on CSL: a program declares its symbols (arrays in the PE's SRAM), its data structure
// descriptors (DSDs: memory vectors and fabric input/output on a color) and its tasks (data tasks bound to a
// color, local tasks activated by `activate`, control tasks triggered by control wavelets, and functions the
// host launches). Task bodies call vector builtins on a PeContext (fabric.ts runs them cycle by cycle).
//
// A program is set up once per distinct parameter object (as the SDK compiles one binary per distinct set of
// tile parameters); PEs with the same program and the same params object share symbols, DSDs and tasks, and
// differ only in their SRAM contents and task state.
import type { WaferSpec } from "../hw/index.js";
import { FabricProgramError } from "./errors.js";

export type Dtype = "f32" | "f16" | "u32";
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { f32: 4, f16: 2, u32: 4 };

/** An array in a PE's SRAM. */
export interface Sym {
  readonly name: string;
  readonly dtype: Dtype;
  readonly length: number;
  /** Bytes from the start of the PE's data memory (4-byte aligned). */
  readonly byteOffset: number;
  /** Its place among its program's symbols, in the order they were declared. */
  readonly index: number;
}

export const DSD_MEM = 0;
export const DSD_FABIN = 1;
export const DSD_FABOUT = 2;

/**
 * A data structure descriptor: a strided vector in memory (mem1d_dsd), or a stream of wavelets in from or out
 * to the fabric on a color (fabin_dsd, fabout_dsd). Immutable; `withOffset` and `withLength` return new ones
 * (CSL's @increment_dsd_offset and @set_dsd_length).
 */
export class Dsd {
  constructor(
    readonly kind: number,
    readonly dtype: Dtype,
    readonly length: number,
    /** Memory DSDs: first element index, in elements of dtype, from the start of the PE's memory. */
    readonly elemBase: number,
    readonly stride: number,
    /** Fabric DSDs: the color. */
    readonly color: number,
    readonly sym: Sym | null,
  ) {}

  /** Move a memory DSD's start by `k` elements of its symbol. */
  withOffset(k: number): Dsd {
    if (!this.sym) throw new FabricProgramError("withOffset applies to memory DSDs only.");
    const first = this.elemBase - this.sym.byteOffset / DTYPE_BYTES[this.dtype] + k;
    return mem1d(this.sym, { offset: first, length: this.length, stride: this.stride });
  }

  withLength(n: number): Dsd {
    if (this.sym) {
      const first = this.elemBase - this.sym.byteOffset / DTYPE_BYTES[this.dtype];
      return mem1d(this.sym, { offset: first, length: n, stride: this.stride });
    }
    checkLength(n);
    return new Dsd(this.kind, this.dtype, n, 0, 1, this.color, null);
  }
}

function checkLength(n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new FabricProgramError(`DSD length ${n} is not a non-negative integer.`);
}

/** A memory DSD over symbol `sym`: elements offset, offset + stride, ... (length of them). */
export function mem1d(sym: Sym, o: { offset?: number; length?: number; stride?: number } = {}): Dsd {
  const offset = o.offset ?? 0;
  const length = o.length ?? sym.length - offset;
  const stride = o.stride ?? 1;
  checkLength(length);
  const last = offset + (length - 1) * stride;
  if (length > 0 && (offset < 0 || offset >= sym.length || last < 0 || last >= sym.length))
    throw new FabricProgramError(
      `DSD over ${sym.name}[${sym.length}] with offset ${offset}, length ${length}, stride ${stride} reaches ` +
        `element ${offset < 0 || offset >= sym.length ? offset : last}, outside 0..${sym.length - 1}.`,
    );
  return new Dsd(
    DSD_MEM,
    sym.dtype,
    length,
    sym.byteOffset / DTYPE_BYTES[sym.dtype] + offset,
    stride,
    -1,
    sym,
  );
}

/** What a task body receives: the PE it runs on and the vector builtins. Implemented by the fabric. */
export interface PeContext {
  /** Column and row of this PE in the layout rectangle. */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The tile parameters given to setTileCode. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The current cycle. */
  readonly cycle: number;
  /** A symbol's storage on this PE, for scalar code (fp16 symbols as raw 16-bit patterns). */
  f32(sym: Sym): Float32Array;
  u32(sym: Sym): Uint32Array;
  f16bits(sym: Sym): Uint16Array;
  activate(taskId: number): void;
  block(taskId: number): void;
  unblock(taskId: number): void;
  /** fp32 vector builtins. Sources may be DSDs or numbers (a scalar repeated). */
  fmovs(dst: Dsd, src: Dsd | number, opts?: AsyncOpts): void;
  fadds(dst: Dsd, a: Dsd | number, b: Dsd | number, opts?: AsyncOpts): void;
  fsubs(dst: Dsd, a: Dsd | number, b: Dsd | number, opts?: AsyncOpts): void;
  fmuls(dst: Dsd, a: Dsd | number, b: Dsd | number, opts?: AsyncOpts): void;
  /** dst = a + b * s (CSL @fmacs). */
  fmacs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, opts?: AsyncOpts): void;
  /** fp16 builtins: each result rounded once to fp16. */
  fmovh(dst: Dsd, src: Dsd | number, opts?: AsyncOpts): void;
  faddh(dst: Dsd, a: Dsd | number, b: Dsd | number, opts?: AsyncOpts): void;
  fmulh(dst: Dsd, a: Dsd | number, b: Dsd | number, opts?: AsyncOpts): void;
  fmach(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, opts?: AsyncOpts): void;
  /** Mixed precision: fp32 dst = fp32 a + fp16 b * fp16 s (the fp16 x fp16 -> fp32 FMAC). */
  fmachs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, opts?: AsyncOpts): void;
  /** Send a control wavelet on `color` that triggers control task `taskId` where it is delivered. */
  sendControl(color: number, taskId: number, opts?: AsyncOpts): void;
}

/** Options of a vector builtin: run it asynchronously and, when it completes, activate or unblock a task. */
export interface AsyncOpts {
  readonly async?: boolean;
  readonly activate?: number;
  readonly unblock?: number;
}

/** A task body. A generator may `yield` to wait until the operations it issued so far have completed. */
export type TaskFn = (ctx: PeContext) => void | Iterator<unknown>;
export type DataTaskFn = (ctx: PeContext, value: number) => void | Iterator<unknown>;

export const TASK_NONE = 0;
export const TASK_DATA = 1;
export const TASK_LOCAL = 2;
export const TASK_CONTROL = 3;
const KIND_NAMES = ["none", "data", "local", "control"];

/** A PE program: a name and a setup function that declares its symbols, DSDs and tasks. */
export interface Program<P = Record<string, unknown>> {
  readonly name: string;
  setup(pe: PeBuilder, params: P): void;
}

export function defineProgram<P = Record<string, unknown>>(
  name: string,
  setup: (pe: PeBuilder, params: P) => void,
): Program<P> {
  return { name, setup };
}

/** A program set up with one parameter object: what PEs sharing that code run. */
export class CompiledProgram {
  readonly syms = new Map<string, Sym>();
  bytes = 0;
  readonly taskFns: (TaskFn | DataTaskFn | null)[];
  readonly taskKind: Uint8Array;
  /** Data task bound to each color, or -1. */
  readonly dataTaskOfColor: Int8Array;
  readonly dataColors: number[] = [];
  /** Colors this program reads (fabin DSDs, data tasks) and writes (fabout DSDs, control wavelets). */
  readonly inColors = new Set<number>();
  readonly outColors = new Set<number>();
  blockedLo = 0;
  blockedHi = 0;
  hasControl = false;
  readonly fns = new Map<string, TaskFn>();
  readonly inits: { sym: Sym; values: ArrayLike<number> | number }[] = [];
  constructor(
    readonly name: string,
    readonly params: Readonly<Record<string, unknown>>,
    readonly wafer: WaferSpec,
  ) {
    this.taskFns = new Array(wafer.taskIds).fill(null);
    this.taskKind = new Uint8Array(wafer.taskIds);
    this.dataTaskOfColor = new Int8Array(wafer.colors).fill(-1);
  }
}

/** What a program's setup function declares with. */
export class PeBuilder {
  constructor(readonly compiled: CompiledProgram) {}

  private get w(): WaferSpec {
    return this.compiled.wafer;
  }

  private symbol(name: string, dtype: Dtype, length: number, init?: ArrayLike<number> | number): Sym {
    const c = this.compiled;
    if (c.syms.has(name))
      throw new FabricProgramError(`program "${c.name}" declares symbol "${name}" twice.`);
    if (!Number.isInteger(length) || length < 0)
      throw new FabricProgramError(
        `symbol "${name}" of program "${c.name}": length ${length} is not an integer >= 0.`,
      );
    const sym: Sym = { name, dtype, length, byteOffset: c.bytes, index: c.syms.size };
    c.bytes += Math.ceil((length * DTYPE_BYTES[dtype]) / 4) * 4;
    c.syms.set(name, sym);
    if (init !== undefined) {
      if (typeof init !== "number" && init.length > length)
        throw new FabricProgramError(
          `symbol "${name}": ${init.length} initial values for ${length} elements.`,
        );
      c.inits.push({ sym, values: init });
    }
    return sym;
  }

  /** An fp32 array in SRAM (CSL `var name: [length]f32`). */
  f32(name: string, length: number, init?: ArrayLike<number> | number): Sym {
    return this.symbol(name, "f32", length, init);
  }
  /** An fp16 array in SRAM; initial values are rounded to fp16. */
  f16(name: string, length: number, init?: ArrayLike<number> | number): Sym {
    return this.symbol(name, "f16", length, init);
  }
  u32(name: string, length: number, init?: ArrayLike<number> | number): Sym {
    return this.symbol(name, "u32", length, init);
  }

  mem1d(sym: Sym, o?: { offset?: number; length?: number; stride?: number }): Dsd {
    return mem1d(sym, o);
  }

  private color(color: number, what: string): number {
    if (!Number.isInteger(color) || color < 0 || color >= this.w.colors)
      throw new FabricProgramError(
        `program "${this.compiled.name}": ${what} color ${color} is outside 0..${this.w.colors - 1} (${this.w.name} has ${this.w.colors} colors).`,
      );
    return color;
  }

  /** Wavelets in on `color`, one element each (CSL fabin_dsd). */
  fabin(color: number, length: number, dtype: Dtype = "f32"): Dsd {
    this.compiled.inColors.add(this.color(color, "fabin"));
    checkLength(length);
    return new Dsd(DSD_FABIN, dtype, length, 0, 1, color, null);
  }

  /** Wavelets out on `color`, one element each (CSL fabout_dsd). */
  fabout(color: number, length: number, dtype: Dtype = "f32"): Dsd {
    this.compiled.outColors.add(this.color(color, "fabout"));
    checkLength(length);
    return new Dsd(DSD_FABOUT, dtype, length, 0, 1, color, null);
  }

  /** Declare that this program sends control wavelets on `color`. */
  controlOut(color: number): void {
    this.compiled.outColors.add(this.color(color, "control"));
  }

  private bind(id: number, kind: number, fn: TaskFn | DataTaskFn, what: string): void {
    const c = this.compiled;
    if (!Number.isInteger(id) || id < 0 || id >= this.w.taskIds)
      throw new FabricProgramError(
        `program "${c.name}": ${what} task ID ${id} is outside 0..${this.w.taskIds - 1}.`,
      );
    if (c.taskKind[id] !== TASK_NONE)
      throw new FabricProgramError(
        `program "${c.name}": task ID ${id} is already bound to a ${KIND_NAMES[c.taskKind[id]]} task; ` +
          `on ${this.w.name} a data task's ID is its color, so local and control tasks need IDs no data task uses.`,
      );
    c.taskKind[id] = kind;
    c.taskFns[id] = fn;
  }

  /** A task run for each wavelet arriving on `color`; its ID is the color (CSL @bind_data_task). */
  dataTask(color: number, fn: DataTaskFn): number {
    this.color(color, "data task");
    this.bind(color, TASK_DATA, fn, "data");
    this.compiled.dataTaskOfColor[color] = color;
    this.compiled.dataColors.push(color);
    this.compiled.inColors.add(color);
    return color;
  }

  /** A task run when activated (CSL @bind_local_task). */
  localTask(id: number, fn: TaskFn): number {
    this.bind(id, TASK_LOCAL, fn, "local");
    return id;
  }

  /** A task run when a control wavelet carrying its ID arrives (CSL @bind_control_task). */
  controlTask(id: number, fn: TaskFn): number {
    this.bind(id, TASK_CONTROL, fn, "control");
    this.compiled.hasControl = true;
    return id;
  }

  /** A function the host can launch (CSL @export_symbol on a fn, run by runner.launch). */
  fn(name: string, fn: TaskFn): void {
    if (this.compiled.fns.has(name))
      throw new FabricProgramError(`program "${this.compiled.name}" declares function "${name}" twice.`);
    this.compiled.fns.set(name, fn);
  }

  /** Start with task `id` blocked (CSL @block at comptime). */
  block(id: number): void {
    if (id < 32) this.compiled.blockedLo |= 1 << id;
    else this.compiled.blockedHi |= 1 << (id - 32);
  }
}
