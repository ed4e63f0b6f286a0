// The wafer, cycle by cycle: routers, queues and PEs of a built layout.
//
// Timing model (docs/fabric.md has the full statement):
// - A router forwards, per color, the head wavelet of that color's queue to every link in the color's tx set
//   at once (multicast). Each output link carries one wavelet per cycle; colors contending for a link take
//   turns (round robin). A wavelet moves only if every destination queue has room: back-pressure, never loss.
// - A wavelet sent on a link at cycle t is in the next router's queue, ready to move on, at t + hop latency.
//   A PE's send enters its own router the same way (RAMP up costs a hop); delivery to a PE (RAMP down) is part
//   of the router's forward. So a wavelet sent at cycle t reaches a PE k hops away at t + (k + 1) * hop.
// - Queues hold `inputQueueDepth` wavelets: one queue per color per router, and one input queue per color
//   per PE. A slot freed in cycle t can be refilled from cycle t + 1 (credits return after a cycle).
// - A PE runs one task at a time on its main thread; asynchronous operations run beside it on their own
//   microthreads. A vector operation over memory takes ceil(n / SIMD width) cycles; one that reads or writes
//   the fabric moves at most one wavelet per cycle per operand and waits when its queue is empty or full.
//   A task's first operation starts in the cycle the task is dispatched; a PE dispatches at most one task
//   per cycle.
// - Only routers with queued wavelets and PEs with work are visited: idle parts of the wafer cost nothing.
//
// State lives in typed arrays (records.ts): a block per PE with its router, task and queue state, a pool of
// queue slots, and an arena of vector operations. Task functions, generators and contexts are the only JS
// objects, kept in tables by PE index and touched only when a task runs.
import type { SimdOp, WaferSpec } from "../hw/index.js";
import { DIRECTION_NAMES, DX, DY, LINKS_OF_MASK, NUM_LINKS, RAMP, maskNames } from "./directions.js";
import { CycleLimitError, DeadlockError, FabricProgramError } from "./errors.js";
import type { StuckItem } from "./errors.js";
import { HALF_TO_FLOAT, floatToHalf } from "./fp16.js";
import type { BuiltLayout } from "./layout.js";
import { DSD_FABIN, DSD_FABOUT, TASK_CONTROL, TASK_DATA, TASK_LOCAL } from "./program.js";
import type { AsyncOpts, CompiledProgram, DataTaskFn, Dsd, PeContext, Sym, TaskFn } from "./program.js";
import {
  F_GEN,
  F_INPUT,
  F_LAUNCH,
  HDR,
  H_ACTHI,
  H_ACTLO,
  H_BASE,
  H_BLKHI,
  H_BLKLO,
  H_BUSY,
  H_BUSYUNTIL,
  H_CHUNK,
  H_CUR,
  H_FLAGS,
  H_FREEAT,
  H_LASTDISP,
  H_MAINHEAD,
  H_MAINTAIL,
  H_MICRODONE,
  H_MICROHEAD,
  H_MICROTAIL,
  H_NB,
  H_NIQ,
  H_NONEMPTY,
  H_NQ,
  H_P,
  H_PADDED,
  H_PRAN,
  H_PROG,
  H_RADDED,
  H_RR,
  H_RRAN,
  H_RUNNING,
  H_TASKID,
  H_TASKSTART,
  H_WAITOUT,
  META_INPUT,
  ODS,
  OD_A,
  OD_B,
  OD_S,
  OS,
  O_A,
  O_ACT,
  O_AS,
  O_B,
  O_BS,
  O_CYCLES,
  O_D,
  O_DS,
  O_I,
  O_N,
  O_NEXT,
  O_SHAPE,
  O_START,
  O_UNB,
  O_WAIT,
  O_WAITQ,
  Q_DEST,
  Q_FREED,
  Q_HEAD,
  Q_HREADY,
  Q_LEN,
  Q_META,
  Q_OWNER,
  QHDR,
  Q_SLOTS,
  SH_A,
  SH_AF16,
  SH_B,
  SH_BF16,
  SH_D,
  SH_DF16,
  SH_GENERAL,
  SH_STREAM,
  X_FAB,
  X_MEM,
  X_NONE,
  X_SCALAR,
} from "./records.js";
import { TimingWheel } from "./wheel.js";

// Operation kinds and precisions.
const K_MOV = 0;
const K_ADD = 1;
const K_SUB = 2;
const K_MUL = 3;
const K_FMA = 4;
const K_CTL = 5;
const P32 = 0;
const P16 = 1;
const PMIX = 2;
const OP_NAMES = [
  ["fmovs", "fadds", "fsubs", "fmuls", "fmacs", "control"],
  ["fmovh", "faddh", "fsubh", "fmulh", "fmach", "control"],
  ["", "", "", "", "fmachs", ""],
];
const SIMD_KEY: (SimdOp | null)[][] = [
  ["mov.fp32", "add.fp32", "add.fp32", "mul.fp32", "fmac.fp32", "mov.fp32"],
  ["mov.fp16", "add.fp16", "add.fp16", "mul.fp16", "fmac.fp16", "mov.fp32"],
  [null, null, null, null, "fmac.fp16xfp32", null],
];
const FLOPS = [0, 1, 1, 1, 2, 0];
/** Links in each 5-bit tx mask: a router queue's destinations are kept in this order (RAMP first). */
const NDESTS = Uint8Array.from(LINKS_OF_MASK, (l) => l.length);

/** Why a thread waits. */
const W_NONE = 0;
const W_IN = 1;
const W_OUT = 2;

/** Receives spans of PE activity when a trace is requested. */
export interface FabricTracer {
  span(x: number, y: number, name: string, start: number, end: number): void;
}

export interface FabricStats {
  /** Cycle at which the last work ended. */
  readonly cycles: number;
  /** Simulated events: wavelet hops, fabric element transfers, vector operations issued, tasks dispatched. */
  readonly events: number;
  readonly hops: number;
  readonly streamElements: number;
  readonly vectorOps: number;
  readonly tasks: number;
  /** Floating-point operations performed (an FMAC counts two). */
  readonly flops: number;
}

const CHUNK_BYTES = 64 * 1024 * 1024;
/** A cycle later than any run reaches (a small integer, so it stays unboxed). */
const NEVER = 2 ** 30;
const TILE = 8;

export class Fabric {
  readonly wafer: WaferSpec;
  readonly width: number;
  readonly height: number;
  readonly layout: BuiltLayout;
  /** Queue depth and hop latency from the wafer spec. */
  private readonly D: number;
  private readonly hop: number;
  private readonly C: number;
  /** SIMD width of each operation, by precision * 6 + kind. */
  private readonly simdWidth: Float64Array;
  /** Number of queues: router queues (one per routed color per router) and PE input queues. */
  readonly nq: number;
  /**
   * Internal PE order: 8 x 8 tiles, row-major within and between tiles, so a wavefront crossing the wafer
   * along a row, a column or a diagonal touches few pages of the per-PE state. i2rm maps an internal index
   * to the row-major one (y * width + x), rm2i back.
   */
  private readonly i2rm: Int32Array;
  private readonly rm2i: Int32Array;
  /** Block offset in B of each PE, by internal index. */
  private readonly pb: Int32Array;
  /** PE blocks: header, router queues, input queues (records.ts). */
  private readonly B: Int32Array;
  /**
   * Queue slots: rings of `depth` slots (two ints each, records.ts), lent to a queue while it holds wavelets
   * and returned when it empties, so only the few queues in use at a time own slots. S as fp32 in SF; free
   * rings (their offsets in S) on a stack.
   */
  private S: Int32Array;
  private SF: Float32Array;
  private ringFree: Int32Array;
  private ringFreeN = 0;
  private ringTop = 0;
  /**
   * Vector operations: OS ints each in O, ODS doubles in OD. Records freed by the main thread go on a free
   * list through O_NEXT (taken again at once, while in cache); records of asynchronous operations are
   * freed into a bitmap and taken next-fit from a moving cursor, so the microthreads a cycle steps, issued
   * in visiting order, lie in ascending memory.
   */
  private O: Int32Array;
  private OD: Float64Array;
  private opFree = -1;
  private opTop = 0;
  private opBits = new Int32Array(32);
  private opBitsN = 0;
  private opCursor = 0;
  /** Block offsets of the PEs with code, in internal order. */
  private readonly coded: Int32Array;
  private readonly programs: readonly CompiledProgram[];
  private readonly memF32: Float32Array[] = [];
  /** Internal: PE memory chunks as 32-bit words (Ctx builds symbol views over them). */
  readonly memU32: Uint32Array[] = [];
  private readonly memU16: Uint16Array[] = [];
  /** Per PE (internal index): a running generator task, a pending launch, the task context. */
  private readonly gens: (Iterator<unknown> | null)[];
  private readonly launchFns: (TaskFn | null)[];
  private readonly ctxs: (Ctx | null)[];
  // Time.
  private readonly rw = new TimingWheel();
  private readonly pw = new TimingWheel();
  /** Queues popped this cycle (their credits return at its end). */
  private freed = new Int32Array(1024);
  private freedN = 0;
  now = -1;
  private workEnd = 0;
  tracer: FabricTracer | null = null;
  // Counters.
  private hops = 0;
  private streamElements = 0;
  private vectorOps = 0;
  private tasks = 0;
  private flops = 0;

  constructor(layout: BuiltLayout) {
    this.layout = layout;
    const w = (this.wafer = layout.wafer);
    if (!(w.hopLatencyCycles >= 1) || !Number.isInteger(w.hopLatencyCycles))
      throw new FabricProgramError(
        `hop latency ${w.hopLatencyCycles} cycles: the simulator needs an integer >= 1.`,
      );
    if (!(w.inputQueueDepth >= 1) || !Number.isInteger(w.inputQueueDepth))
      throw new FabricProgramError(`input queue depth ${w.inputQueueDepth}: must be an integer >= 1.`);
    if (w.colors > 32 || w.taskIds > 64)
      throw new FabricProgramError(
        `${w.name} has ${w.colors} colors and ${w.taskIds} task IDs; the simulator supports at most 32 colors ` +
          "and 64 task IDs (it packs them into 5-bit fields and 64-bit masks).",
      );
    this.D = w.inputQueueDepth;
    this.hop = w.hopLatencyCycles;
    this.C = w.colors;
    this.simdWidth = Float64Array.from(SIMD_KEY.flat(), (k) => (k ? w.simd[k] : 1));
    this.programs = layout.programs;
    const W = (this.width = layout.width);
    const H = (this.height = layout.height);
    const N = W * H;
    const C = this.C;
    const { rx, tx, code } = layout;
    const i2rm = (this.i2rm = new Int32Array(N));
    const rm2i = (this.rm2i = new Int32Array(N));
    for (let k = 0, ty = 0; ty < H; ty += TILE)
      for (let tx0 = 0; tx0 < W; tx0 += TILE)
        for (let y = ty; y < Math.min(H, ty + TILE); y++)
          for (let x = tx0; x < Math.min(W, tx0 + TILE); x++, k++) {
            i2rm[k] = y * W + x;
            rm2i[y * W + x] = k;
          }
    // Size the blocks: the header, a queue header per routed color and per color delivered to the PE; each
    // block rounded up to a cache line.
    const pb = (this.pb = new Int32Array(N));
    const nrOf = new Uint8Array(N);
    const niOf = new Uint8Array(N);
    let size = 0;
    let nq = 0;
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      let nr = 0;
      let ni = 0;
      for (let c = 0; c < C; c++) {
        const t = tx[rm * C + c];
        if (t) nr++;
        if (t & (1 << RAMP)) ni++;
      }
      nrOf[p] = nr;
      niOf[p] = ni;
      pb[p] = size;
      size += (HDR + (nr + ni) * QHDR + 15) & ~15;
      nq += nr + ni;
    }
    this.nq = nq;
    if (size > 2 ** 31 - 1)
      throw new FabricProgramError(
        `the ${W} x ${H} layout routes ${nq} queues: ${size * 4} bytes of router state, ` +
          `more than the simulator addresses (${(2 ** 31 - 1) * 4} bytes). Route fewer colors per PE, or use a ` +
          "smaller rectangle or queue depth.",
      );
    const B = (this.B = new Int32Array(size));
    const rings = Math.max(16, Math.min(nq, 4096));
    this.S = new Int32Array(rings * 2 * this.D);
    this.SF = new Float32Array(this.S.buffer);
    this.ringFree = new Int32Array(rings);
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      const b = pb[p];
      B[b + H_P] = p;
      B[b + H_RADDED] = -1;
      B[b + H_RRAN] = -1;
      B[b + H_PADDED] = -1;
      B[b + H_PRAN] = -1;
      B[b + H_PROG] = -1;
      B[b + H_CUR] = -1;
      B[b + H_MAINHEAD] = -1;
      B[b + H_MAINTAIL] = -1;
      B[b + H_MICROHEAD] = -1;
      B[b + H_MICROTAIL] = -1;
      B[b + H_MICRODONE] = NEVER;
      B[b + H_LASTDISP] = -1;
      B[b + H_TASKID] = -1;
      const x = rm % W;
      const y = (rm - x) / W;
      for (let d = 1; d < NUM_LINKS; d++) {
        const nx = x + DX[d];
        const ny = y + DY[d];
        B[b + H_NB - 1 + d] = nx >= 0 && ny >= 0 && nx < W && ny < H ? pb[rm2i[ny * W + nx]] : -1;
      }
      const nr = (B[b + H_NQ] = nrOf[p]);
      B[b + H_NIQ] = niOf[p];
      let q = b + HDR;
      let iq = b + HDR + nr * QHDR;
      for (let c = 0, j = 0; c < C; c++) {
        const t = tx[rm * C + c];
        if (t) {
          B[q + Q_OWNER] = b;
          B[q + Q_SLOTS] = -1;
          B[q + Q_META] = t | (rx[rm * C + c] << 5) | (c << 10) | (j << 16);
          j++;
          q += QHDR;
        }
        if (t & (1 << RAMP)) {
          B[iq + Q_OWNER] = b;
          B[iq + Q_SLOTS] = -1;
          B[iq + Q_META] = (c << 10) | META_INPUT;
          iq += QHDR;
        }
      }
    }
    // Each router queue's destination per link of its tx set: the PE's input queue (RAMP) or the
    // neighbour's router queue of the same color.
    for (let p = 0; p < N; p++) {
      const b = pb[p];
      for (let k = 0; k < B[b + H_NQ]; k++) {
        const q = b + HDR + k * QHDR;
        const meta = B[q + Q_META];
        const c = (meta >> 10) & 31;
        for (let d = 0; d < NUM_LINKS; d++) B[q + Q_DEST + d] = -1;
        const links = LINKS_OF_MASK[meta & 31];
        for (let i = 0; i < links.length; i++) {
          const d = links[i];
          if (d === RAMP) B[q + Q_DEST + i] = this.inputQueue(b, c);
          else B[q + Q_DEST + i] = this.routerQueue(B[b + H_NB - 1 + d], c);
        }
      }
    }
    this.O = new Int32Array(1024 * OS);
    this.OD = new Float64Array(1024 * ODS);
    // PEs with code get memory sized by their program, packed into shared chunks.
    this.gens = new Array<Iterator<unknown> | null>(N).fill(null);
    this.launchFns = new Array<TaskFn | null>(N).fill(null);
    this.ctxs = new Array<Ctx | null>(N).fill(null);
    const coded: number[] = [];
    let chunk = -1;
    let used = CHUNK_BYTES;
    // Bytes of the PEs not placed yet: a chunk is no larger than what it will hold.
    let left = 0;
    for (let rm = 0; rm < N; rm++) if (code[rm] >= 0) left += layout.programs[code[rm]].bytes;
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      const ci = code[rm];
      if (ci < 0) continue;
      const prog = layout.programs[ci];
      const bytes = prog.bytes;
      if (used + bytes > CHUNK_BYTES) {
        const buf = new ArrayBuffer(Math.max(bytes, Math.min(CHUNK_BYTES, left)));
        this.memF32.push(new Float32Array(buf));
        this.memU32.push(new Uint32Array(buf));
        this.memU16.push(new Uint16Array(buf));
        chunk++;
        used = 0;
      }
      const b = pb[p];
      B[b + H_PROG] = ci;
      if (prog.dataColors.length || prog.hasControl) B[b + H_FLAGS] = F_INPUT;
      B[b + H_CHUNK] = chunk;
      B[b + H_BASE] = used;
      B[b + H_BLKLO] = prog.blockedLo;
      B[b + H_BLKHI] = prog.blockedHi;
      used += bytes;
      left -= bytes;
      coded.push(b);
      for (const init of prog.inits) this.fill(b, init.sym, init.values);
    }
    this.coded = Int32Array.from(coded);
  }

  /** Router queue of color c of the PE at block b, or -1. */
  private routerQueue(b: number, c: number): number {
    const B = this.B;
    const n = B[b + H_NQ];
    for (let k = 0, q = b + HDR; k < n; k++, q += QHDR) if (((B[q + Q_META] >> 10) & 31) === c) return q;
    return -1;
  }

  /** Input queue of color c of the PE at block b, or -1. */
  private inputQueue(b: number, c: number): number {
    const B = this.B;
    const n = B[b + H_NIQ];
    for (let k = 0, q = b + HDR + B[b + H_NQ] * QHDR; k < n; k++, q += QHDR)
      if (((B[q + Q_META] >> 10) & 31) === c) return q;
    return -1;
  }

  /** Column and row of the PE at block b. */
  private xy(b: number): [number, number] {
    const rm = this.i2rm[this.B[b + H_P]];
    const x = rm % this.width;
    return [x, (rm - x) / this.width];
  }

  private prog(b: number): CompiledProgram {
    return this.programs[this.B[b + H_PROG]];
  }

  // ---- memory ---------------------------------------------------------------------------------------------

  private fill(b: number, sym: Sym, values: ArrayLike<number> | number): void {
    if (typeof values === "number")
      this.store(b, sym, new Float64Array(sym.length).fill(values), 0, sym.length);
    else this.store(b, sym, values, 0, values.length);
  }

  /** Store n values of src from `from` into symbol sym of the PE at b (fp16 symbols rounded to fp16). */
  private store(b: number, sym: Sym, src: ArrayLike<number>, from: number, n: number): void {
    const chunk = this.B[b + H_CHUNK];
    const base = this.B[b + H_BASE];
    if (sym.dtype === "f16") {
      const a = this.memU16[chunk];
      const o = (base + sym.byteOffset) / 2;
      for (let i = 0; i < n; i++) a[o + i] = floatToHalf(src[from + i]);
    } else {
      const a = sym.dtype === "f32" ? this.memF32[chunk] : this.memU32[chunk];
      const o = (base + sym.byteOffset) / 4;
      for (let i = 0; i < n; i++) a[o + i] = src[from + i];
    }
  }

  /** The block of the PE at (x, y), or throws if it has no code. */
  private peAt(x: number, y: number): number {
    const b =
      x >= 0 && y >= 0 && x < this.width && y < this.height ? this.pb[this.rm2i[y * this.width + x]] : -1;
    if (b < 0 || this.B[b + H_PROG] < 0)
      throw new FabricProgramError(`PE (${x}, ${y}) has no code in this layout.`);
    return b;
  }

  /** The symbol `name` of PE (x, y). */
  symbol(x: number, y: number, name: string): Sym {
    const prog = this.prog(this.peAt(x, y));
    const s = prog.syms.get(name);
    if (!s)
      throw new FabricProgramError(
        `PE (${x}, ${y}) runs "${prog.name}", which has no symbol "${name}" (it has: ${[...prog.syms.keys()].join(", ") || "none"}).`,
      );
    return s;
  }

  /** Write `n` values of `src` from `from` into symbol `name` of PE (x, y), starting at element 0. */
  write(x: number, y: number, name: string, src: ArrayLike<number>, from: number, n: number): void {
    const b = this.peAt(x, y);
    const s = this.symbol(x, y, name);
    if (n > s.length)
      throw new FabricProgramError(
        `${n} elements do not fit symbol "${name}" of ${s.length} on PE (${x}, ${y}).`,
      );
    this.store(b, s, src, from, n);
  }

  /** Read `n` elements of symbol `name` of PE (x, y) into `dst` at `at` (fp16 decoded to numbers). */
  read(x: number, y: number, name: string, dst: Float32Array | Float64Array, at: number, n: number): void {
    const b = this.peAt(x, y);
    const s = this.symbol(x, y, name);
    if (n > s.length)
      throw new FabricProgramError(
        `${n} elements asked of symbol "${name}" of ${s.length} on PE (${x}, ${y}).`,
      );
    const chunk = this.B[b + H_CHUNK];
    const base = this.B[b + H_BASE];
    if (s.dtype === "f16") {
      const a = this.memU16[chunk];
      const o = (base + s.byteOffset) / 2;
      for (let i = 0; i < n; i++) dst[at + i] = HALF_TO_FLOAT[a[o + i]];
    } else {
      const a = s.dtype === "f32" ? this.memF32[chunk] : this.memU32[chunk];
      const o = (base + s.byteOffset) / 4;
      for (let i = 0; i < n; i++) dst[at + i] = a[o + i];
    }
  }

  // ---- running --------------------------------------------------------------------------------------------

  /** Launch host-callable function `name` on every PE whose program has it; returns how many PEs. */
  launch(name: string): number {
    const start = this.startCycle();
    let n = 0;
    const B = this.B;
    for (let i = 0; i < this.coded.length; i++) {
      const b = this.coded[i];
      const fn = this.prog(b).fns.get(name);
      if (!fn) continue;
      this.launchFns[B[b + H_P]] = fn;
      B[b + H_FLAGS] |= F_LAUNCH;
      this.schedP(b, start);
      n++;
    }
    if (n === 0) {
      const names = new Set<string>();
      for (const pr of this.layout.programs) for (const f of pr.fns.keys()) names.add(f);
      throw new FabricProgramError(
        `no PE has a function "${name}" to launch (functions: ${[...names].join(", ") || "none"}).`,
      );
    }
    return n;
  }

  /** The cycle the next launch starts at: after all earlier work. */
  startCycle(): number {
    return Math.max(this.workEnd, this.now + 1);
  }

  /**
   * Run until nothing is left to do. Throws DeadlockError when operations or wavelets remain but nothing can
   * move, and CycleLimitError past `maxCycles`.
   */
  run(maxCycles = 2e9): void {
    const limit = Math.min(maxCycles, 2 ** 30 - 1e6); // ready cycles are stored doubled in 31 bits
    const B = this.B;
    let t = Math.max(this.now, 0);
    for (;;) {
      const tr = this.rw.next(t);
      const tp = this.pw.next(t);
      if (tr < 0 && tp < 0) break;
      t = tr < 0 ? tp : tp < 0 ? tr : Math.min(tr, tp);
      if (t > limit) throw new CycleLimitError(limit);
      this.now = t;
      // Routers first: they deliver to PEs in the same cycle.
      if (tr === t) {
        this.rw.sort(t);
        const bk = this.rw.bucket(t);
        const n = this.rw.count(t); // routers never schedule routers for the cycle they run in
        for (let i = 0; i < n; i++) {
          const r = bk[i];
          if (B[r + H_RRAN] !== t) {
            B[r + H_RRAN] = t;
            this.runRouter(r, t);
          }
        }
        this.rw.done(t);
      }
      this.pw.sort(t);
      const bk = this.pw.bucket(t);
      const n = this.pw.count(t); // PEs schedule themselves and each other for later cycles only
      for (let i = 0; i < n; i++) {
        const b = bk[i];
        if (B[b + H_PRAN] !== t) {
          B[b + H_PRAN] = t;
          this.stepPe(b, t);
        }
      }
      this.pw.done(t);
      if (this.freedN) this.applyFrees(t);
      t++;
    }
    this.checkQuiet();
  }

  private schedR(r: number, t: number): void {
    if (this.B[r + H_RADDED] === t) return;
    this.B[r + H_RADDED] = t;
    this.rw.add(t, r);
  }

  private schedP(b: number, t: number): void {
    if (this.B[b + H_PADDED] === t) return;
    this.B[b + H_PADDED] = t;
    this.pw.add(t, b);
  }

  private applyFrees(t: number): void {
    const f = this.freed;
    const B = this.B;
    for (let i = 0; i < this.freedN; i++) {
      const q = f[i];
      B[q + Q_FREED] = 0;
      const owner = B[q + Q_OWNER];
      const meta = B[q + Q_META];
      if (meta & META_INPUT) {
        this.wakeR(owner, t + 1); // an input queue: its router may deliver again
        continue;
      }
      const rxl = LINKS_OF_MASK[(meta >> 5) & 31];
      for (let k = 0; k < rxl.length; k++) {
        const d = rxl[k];
        if (d === RAMP) {
          if (B[owner + H_WAITOUT]) this.schedP(owner, t + 1);
        } else this.wakeR(B[owner + H_NB - 1 + d], t + 1);
      }
    }
    this.freedN = 0;
  }

  /**
   * Schedule router r for cycle t (the next cycle) because a queue it sends to freed a slot. A router with no
   * wavelets would only turn its round robin in that visit (wavelets reaching it in cycle t are not ready
   * before t + hop), so that is done here instead of visiting it.
   */
  private wakeR(r: number, t: number): void {
    const B = this.B;
    if (B[r + H_RADDED] === t) return;
    B[r + H_RADDED] = t;
    if (B[r + H_NONEMPTY] !== 0) {
      this.rw.add(t, r);
      return;
    }
    B[r + H_RRAN] = t;
    const n = B[r + H_NQ];
    if (n > 0) {
      const rot = B[r + H_RR];
      B[r + H_RR] = rot + 1 >= n ? 0 : rot + 1;
    }
  }

  /** Offset in S of queue q's head slot (q must not be empty). */
  private headSlot(q: number): number {
    return this.B[q + Q_SLOTS] + 2 * this.B[q + Q_HEAD];
  }

  /**
   * Append a wavelet to queue q; returns the offset in S of its slot, whose payload the caller writes (read
   * this.S or this.SF after the call: taking a ring may grow S).
   */
  private push(q: number, ready2: number): number {
    const B = this.B;
    const len = B[q + Q_LEN];
    B[q + Q_LEN] = len + 1;
    if (len === 0) {
      const ring = this.ringFreeN ? this.ringFree[--this.ringFreeN] : this.newRing();
      B[q + Q_SLOTS] = ring;
      B[q + Q_HEAD] = 0;
      B[q + Q_HREADY] = ready2;
      this.S[ring + 1] = ready2;
      const meta = B[q + Q_META];
      if (!(meta & META_INPUT)) B[B[q + Q_OWNER] + H_NONEMPTY] |= 1 << (meta >> 16);
      return ring;
    }
    let at = B[q + Q_HEAD] + len;
    if (at >= this.D) at -= this.D;
    const slot = B[q + Q_SLOTS] + 2 * at;
    this.S[slot + 1] = ready2;
    return slot;
  }

  /** A ring never used before, growing S (and the free stack) when all are taken. */
  private newRing(): number {
    const size = 2 * this.D;
    if ((this.ringTop + 1) * size > this.S.length) {
      const g = new Int32Array(this.S.length * 2);
      g.set(this.S);
      this.S = g;
      this.SF = new Float32Array(g.buffer);
      const f = new Int32Array(this.ringFree.length * 2);
      f.set(this.ringFree);
      this.ringFree = f;
    }
    return this.ringTop++ * size;
  }

  private pop(q: number): void {
    const B = this.B;
    let h = B[q + Q_HEAD] + 1;
    if (h >= this.D) h = 0;
    B[q + Q_HEAD] = h;
    if (--B[q + Q_LEN] === 0) {
      // Its last wavelet was read before the pop: the ring goes back to the pool.
      this.ringFree[this.ringFreeN++] = B[q + Q_SLOTS];
      B[q + Q_SLOTS] = -1;
      const meta = B[q + Q_META];
      if (!(meta & META_INPUT)) B[B[q + Q_OWNER] + H_NONEMPTY] &= ~(1 << (meta >> 16));
    } else B[q + Q_HREADY] = this.S[B[q + Q_SLOTS] + 2 * h + 1];
    if (B[q + Q_FREED]++ === 0) {
      if (this.freedN === this.freed.length) {
        const g = new Int32Array(this.freedN * 2);
        g.set(this.freed);
        this.freed = g;
      }
      this.freed[this.freedN++] = q;
    }
  }

  private runRouter(r: number, t: number): void {
    const B = this.B;
    const n = B[r + H_NQ];
    if (n === 0) return;
    const D = this.D;
    const rot = B[r + H_RR];
    B[r + H_RR] = rot + 1 >= n ? 0 : rot + 1;
    const nonEmpty = B[r + H_NONEMPTY];
    if (nonEmpty === 0) return;
    // Visit the non-empty queues in round-robin order: from queue `rot` up, then from 0 up to rot - 1.
    const below = rot === 0 ? 0 : nonEmpty & ((1 << rot) - 1);
    let todo = nonEmpty & ~below;
    let rest = below;
    let used = 0;
    let again = false;
    for (;;) {
      if (todo === 0) {
        if (rest === 0) break;
        todo = rest;
        rest = 0;
      }
      const j = 31 - Math.clz32(todo & -todo);
      todo &= todo - 1;
      const q = r + HDR + j * QHDR;
      const len = B[q + Q_LEN];
      const ready2 = B[q + Q_HREADY];
      if (ready2 >> 1 > t) continue;
      const txm = B[q + Q_META] & 31;
      if (txm & used) {
        again = true;
        continue;
      }
      const nd = NDESTS[txm];
      let ok = true;
      for (let i = 0; i < nd; i++) {
        const dq = B[q + Q_DEST + i];
        if (B[dq + Q_LEN] + B[dq + Q_FREED] >= D) {
          ok = false;
          break;
        }
      }
      if (!ok) continue; // woken when the full queue frees a slot
      const bits = this.S[B[q + Q_SLOTS] + 2 * B[q + Q_HEAD]];
      const ctl = ready2 & 1;
      this.pop(q);
      for (let i = 0; i < nd; i++) {
        // RAMP (first when in the tx set): the PE's input queue, ready now; a link: ready after the hop.
        const dq = B[q + Q_DEST + i];
        const ramp = i === 0 && (txm & 1) !== 0;
        const ready = ramp ? t : t + this.hop;
        const slot = this.push(dq, 2 * ready + ctl);
        this.S[slot] = bits;
        if (ramp) this.schedP(r, t);
        else this.schedR(B[dq + Q_OWNER], ready);
      }
      this.hops += nd;
      used |= txm;
      if (len > 1) again = true;
    }
    if (used && t + 1 > this.workEnd) this.workEnd = t + 1;
    if (again) this.schedR(r, t + 1);
  }

  // ---- PEs ------------------------------------------------------------------------------------------------

  private busyFor(b: number, s: number, e: number): void {
    const B = this.B;
    const until = B[b + H_BUSYUNTIL];
    if (e > until) {
      B[b + H_BUSY] += e - (s > until ? s : until);
      B[b + H_BUSYUNTIL] = e;
      if (e > this.workEnd) this.workEnd = e;
    }
  }

  private stepPe(b: number, t: number): void {
    const B = this.B;
    B[b + H_WAITOUT] = 0;
    if (t >= B[b + H_MICRODONE]) this.completeMicros(b, t);
    this.advanceMain(b, t);
    if (B[b + H_MICROHEAD] >= 0) this.advanceMicros(b, t);
  }

  /** Retire the asynchronous operations finished by cycle t (called only when one is: t >= H_MICRODONE). */
  private completeMicros(b: number, t: number): void {
    const B = this.B;
    const O = this.O;
    let prev = -1;
    let k = B[b + H_MICROHEAD];
    let next = NEVER;
    while (k >= 0) {
      const o = k * OS;
      const after = O[o + O_NEXT];
      if (O[o + O_I] >= O[o + O_N]) {
        // finished: O_START holds its completion cycle
        const done = O[o + O_START];
        if (done <= t) {
          const act = O[o + O_ACT];
          const unb = O[o + O_UNB];
          if (act >= 0) {
            if (act < 32) B[b + H_ACTLO] |= 1 << act;
            else B[b + H_ACTHI] |= 1 << (act - 32);
          }
          if (unb >= 0) {
            if (unb < 32) B[b + H_BLKLO] &= ~(1 << unb);
            else B[b + H_BLKHI] &= ~(1 << (unb - 32));
          }
          if (prev < 0) B[b + H_MICROHEAD] = after;
          else O[prev * OS + O_NEXT] = after;
          if (after < 0) B[b + H_MICROTAIL] = prev;
          this.freeAsyncOp(k);
          k = after;
          continue;
        }
        if (done < next) next = done;
      }
      prev = k;
      k = after;
    }
    B[b + H_MICRODONE] = next;
  }

  private advanceMicros(b: number, t: number): void {
    const B = this.B;
    const O = this.O;
    for (let k = B[b + H_MICROHEAD]; k >= 0; k = O[k * OS + O_NEXT]) {
      const o = k * OS;
      if (O[o + O_I] >= O[o + O_N]) continue;
      if (!(O[o + O_SHAPE] & SH_STREAM)) continue;
      if (O[o + O_WAIT] === W_IN) {
        // Still no ready wavelet on the first input it waits for: streamStep would only find that again.
        const q = O[o + O_WAITQ];
        if (q === O[o + O_A] && (B[q + Q_LEN] === 0 || B[q + Q_HREADY] > 2 * t)) continue;
      }
      this.streamStep(b, k, t);
      if (O[o + O_I] >= O[o + O_N]) {
        O[o + O_WAIT] = W_NONE;
        if (this.tracer) this.traceOp(b, k, t + 1);
        O[o + O_START] = t + 1; // completion cycle
        if (t + 1 < B[b + H_MICRODONE]) B[b + H_MICRODONE] = t + 1;
        this.schedP(b, t + 1);
      }
    }
  }

  private advanceMain(b: number, t: number): void {
    const B = this.B;
    for (;;) {
      const cur = B[b + H_CUR];
      if (cur >= 0) {
        this.streamStep(b, cur, t);
        const o = cur * OS;
        if (this.O[o + O_I] >= this.O[o + O_N]) {
          B[b + H_CUR] = -1;
          B[b + H_FREEAT] = t + 1;
          if (this.tracer) this.traceOp(b, cur, t + 1);
          this.freeOp(cur);
          this.schedP(b, t + 1);
        }
        return;
      }
      let freeAt = B[b + H_FREEAT];
      if (freeAt > t) {
        this.schedP(b, freeAt);
        return;
      }
      let k = B[b + H_MAINHEAD];
      if (k >= 0) {
        const O = this.O;
        this.unlinkMain(b, k);
        if (O[k * OS + O_SHAPE] & SH_STREAM) {
          O[k * OS + O_START] = t;
          B[b + H_CUR] = k;
          continue;
        }
        this.execMem(b, k, t);
        freeAt = t + O[k * OS + O_CYCLES];
        this.freeOp(k);
        // Run the memory operations that follow back to back in this visit, each at its own start cycle:
        // with no microthread on this PE nothing else can touch its memory in between, so values, cycles and
        // busy time are exactly those of separate visits.
        while (B[b + H_MICROHEAD] < 0 && (k = B[b + H_MAINHEAD]) >= 0 && !(O[k * OS + O_SHAPE] & SH_STREAM)) {
          this.unlinkMain(b, k);
          this.execMem(b, k, freeAt);
          freeAt += O[k * OS + O_CYCLES];
          this.freeOp(k);
        }
        B[b + H_FREEAT] = freeAt;
        if (freeAt > t) {
          this.schedP(b, freeAt);
          return;
        }
        continue;
      }
      if (B[b + H_FLAGS] & F_GEN) {
        const p = B[b + H_P];
        const r = (this.gens[p] as Iterator<unknown>).next();
        if (r.done) {
          this.gens[p] = null;
          B[b + H_FLAGS] &= ~F_GEN;
        }
        continue;
      }
      if (B[b + H_RUNNING]) {
        B[b + H_RUNNING] = 0;
        if (this.tracer) {
          const [x, y] = this.xy(b);
          const start = B[b + H_TASKSTART];
          this.tracer.span(x, y, taskLabel(this.prog(b), B[b + H_TASKID]), start, Math.max(t, start + 1));
        }
      }
      // Nothing to dispatch unless a launch is pending, a task is activated and not blocked, or the program
      // has tasks that wavelets trigger (dispatch and runnable look at its input queues then).
      if (
        !(B[b + H_FLAGS] & (F_LAUNCH | F_INPUT)) &&
        (B[b + H_ACTLO] & ~B[b + H_BLKLO]) === 0 &&
        (B[b + H_ACTHI] & ~B[b + H_BLKHI]) === 0
      )
        return;
      if (B[b + H_LASTDISP] >= t) {
        if (this.runnable(b, t) >= 0 || B[b + H_FLAGS] & F_LAUNCH) this.schedP(b, t + 1);
        return;
      }
      if (!this.dispatch(b, t)) return;
    }
  }

  /** Take operation k (the head) off the PE's main list. */
  private unlinkMain(b: number, k: number): void {
    const next = this.O[k * OS + O_NEXT];
    this.B[b + H_MAINHEAD] = next;
    if (next < 0) this.B[b + H_MAINTAIL] = -1;
  }

  /** The task ID that would run next, or -1. */
  private runnable(b: number, t: number): number {
    const B = this.B;
    let best = 64;
    const lo = B[b + H_ACTLO] & ~B[b + H_BLKLO];
    const hi = B[b + H_ACTHI] & ~B[b + H_BLKHI];
    if (lo) best = 31 - Math.clz32(lo & -lo);
    else if (hi) best = 32 + 31 - Math.clz32(hi & -hi);
    const dc = this.prog(b).dataColors;
    for (let i = 0; i < dc.length; i++) {
      const c = dc[i];
      if (c >= best) continue;
      const q = this.inputQueue(b, c);
      if (q < 0 || B[q + Q_LEN] === 0) continue;
      if (B[q + Q_HREADY] > 2 * t) continue; // not ready, or a control wavelet
      if (c < 32 ? B[b + H_BLKLO] & (1 << c) : B[b + H_BLKHI] & (1 << (c - 32))) continue;
      best = c;
    }
    return best < 64 ? best : -1;
  }

  /** A control wavelet at the head of one of the PE's input queues, or -1. */
  private controlQueue(b: number, t: number): number {
    for (const c of this.prog(b).inColors) {
      const q = this.inputQueue(b, c);
      if (q < 0 || this.B[q + Q_LEN] === 0) continue;
      const m = this.B[q + Q_HREADY];
      if (m & 1 && m >> 1 <= t) return q;
    }
    return -1;
  }

  private dispatch(b: number, t: number): boolean {
    const B = this.B;
    const p = B[b + H_P];
    const prog = this.prog(b);
    let fn: TaskFn | DataTaskFn | null;
    let value = 0;
    let id: number;
    if (B[b + H_FLAGS] & F_LAUNCH) {
      fn = this.launchFns[p];
      this.launchFns[p] = null;
      B[b + H_FLAGS] &= ~F_LAUNCH;
      id = -1;
    } else {
      const cq = prog.hasControl ? this.controlQueue(b, t) : -1;
      if (cq >= 0) {
        id = this.S[this.headSlot(cq)] >>> 0;
        this.pop(cq);
        if (id >= prog.taskKind.length || prog.taskKind[id] !== TASK_CONTROL) {
          const [x, y] = this.xy(b);
          throw new FabricProgramError(
            `PE (${x}, ${y}) received a control wavelet for task ${id} on color ${(B[cq + Q_META] >> 10) & 31} but its ` +
              `program "${prog.name}" binds no control task ${id}.`,
          );
        }
        fn = prog.taskFns[id];
      } else {
        id = this.runnable(b, t);
        if (id < 0) return false;
        fn = prog.taskFns[id];
        const kind = prog.taskKind[id];
        if (kind === TASK_DATA) {
          const q = this.inputQueue(b, id);
          value = this.SF[this.headSlot(q)];
          this.pop(q);
        } else {
          if (id < 32) B[b + H_ACTLO] &= ~(1 << id);
          else B[b + H_ACTHI] &= ~(1 << (id - 32));
          if (kind !== TASK_LOCAL || !fn) {
            const [x, y] = this.xy(b);
            throw new FabricProgramError(
              `PE (${x}, ${y}): task ${id} was activated but program "${prog.name}" binds no local task ${id}.`,
            );
          }
        }
      }
    }
    B[b + H_LASTDISP] = t;
    this.tasks++;
    this.busyFor(b, t, t + 1);
    B[b + H_RUNNING] = 1;
    B[b + H_TASKID] = id;
    B[b + H_TASKSTART] = t;
    const ctx = this.ctxs[p] ?? (this.ctxs[p] = new Ctx(this, b));
    const r = (fn as DataTaskFn)(ctx, value);
    if (r && typeof (r as Iterator<unknown>).next === "function") {
      this.gens[p] = r as Iterator<unknown>;
      B[b + H_FLAGS] |= F_GEN;
    }
    return true;
  }

  // ---- vector operations ----------------------------------------------------------------------------------

  /**
   * A free operation record: for the main thread the last one it freed if any; for an asynchronous operation
   * the next free one in the bitmap from the cursor (wrapping); else a new one.
   */
  private newOp(async: boolean): number {
    let k = this.opFree;
    if (k >= 0 && !async) {
      this.opFree = this.O[k * OS + O_NEXT];
      return k;
    }
    if (this.opBitsN > 0) {
      const bits = this.opBits;
      const nw = (this.opTop + 31) >> 5;
      let w = this.opCursor < nw ? this.opCursor : 0;
      while (bits[w] === 0) if (++w >= nw) w = 0;
      const v = bits[w];
      const j = 31 - Math.clz32(v & -v);
      bits[w] = v & (v - 1);
      this.opBitsN--;
      this.opCursor = w;
      return (w << 5) + j;
    }
    if (k >= 0) {
      this.opFree = this.O[k * OS + O_NEXT];
      return k;
    }
    k = this.opTop++;
    if ((k + 1) * OS > this.O.length) {
      const g = new Int32Array(this.O.length * 2);
      g.set(this.O);
      this.O = g;
      const gd = new Float64Array(this.OD.length * 2);
      gd.set(this.OD);
      this.OD = gd;
    }
    if (k >> 5 >= this.opBits.length) {
      const g = new Int32Array(this.opBits.length * 2);
      g.set(this.opBits);
      this.opBits = g;
    }
    return k;
  }

  /** Free main-thread operation k: onto the free list. */
  private freeOp(k: number): void {
    this.O[k * OS + O_NEXT] = this.opFree;
    this.opFree = k;
  }

  /** Free asynchronous operation k: into the bitmap. */
  private freeAsyncOp(k: number): void {
    this.opBits[k >> 5] |= 1 << (k & 31);
    this.opBitsN++;
  }

  /** Issue an operation from a task running on the PE at block b. */
  issue(
    b: number,
    kind: number,
    prec: number,
    dst: Dsd | null,
    a: Dsd | number | null,
    bsrc: Dsd | number | null,
    s: number,
    opts: AsyncOpts | undefined,
  ): void {
    const B = this.B;
    let n = 1;
    let dq = -1;
    let aq = -1;
    let bq = -1;
    if (kind === K_CTL) {
      dq = this.routerQueue(b, s);
      if (dq < 0 || !((B[dq + Q_META] >> 5) & 31 & (1 << RAMP)))
        throw this.opError(b, kind, prec, `its router does not accept color ${s} from the PE`);
    } else {
      const d = dst as Dsd;
      const want = prec === P16 ? "f16" : "f32";
      if (d.kind === DSD_FABIN) throw this.opError(b, kind, prec, "the destination is a fabin DSD");
      if (d.dtype !== want)
        throw this.opError(b, kind, prec, `the destination is a ${d.dtype} DSD; it writes ${want}`);
      n = d.length;
      if (d.kind === DSD_FABOUT) {
        dq = this.routerQueue(b, d.color);
        if (dq < 0 || !((B[dq + Q_META] >> 5) & 31 & (1 << RAMP)))
          throw this.opError(
            b,
            kind,
            prec,
            `it sends on color ${d.color}, but the router's route for color ${d.color} does not accept it from the PE ` +
              `(rx ${maskNames(dq < 0 ? 0 : (B[dq + Q_META] >> 5) & 31)}); add RAMP to the rx set`,
          );
      }
      if (a !== null && typeof a !== "number")
        aq = this.operand(b, kind, prec, a, n, "first", prec === PMIX ? "f32" : want);
      if (bsrc !== null && typeof bsrc !== "number")
        bq = this.operand(b, kind, prec, bsrc, n, "second", prec === PMIX ? "f16" : want);
    }
    const width = this.simdWidth[prec * 6 + kind];
    const stream = dq >= 0 || aq >= 0 || bq >= 0;
    const async = opts !== undefined && opts.async === true;
    const activate = opts?.activate ?? -1;
    const unblock = opts?.unblock ?? -1;
    if (!async && (activate >= 0 || unblock >= 0))
      throw this.opError(b, kind, prec, "activate and unblock options need async: true");
    const k = this.newOp(async);
    const O = this.O;
    const OD = this.OD;
    const o = k * OS;
    const base = B[b + H_BASE];
    let shape = kind | (prec << 3) | (stream ? SH_STREAM : 0);
    // The destination: a queue, or memory.
    if (dq >= 0) {
      shape |= X_FAB << SH_D;
      if (dst !== null && dst.dtype === "f16") shape |= SH_DF16;
      O[o + O_D] = dq;
    } else {
      const d = dst as Dsd;
      shape |= X_MEM << SH_D;
      if (d.dtype === "f16") shape |= SH_DF16;
      O[o + O_D] = (d.dtype === "f16" ? base >> 1 : base >> 2) + d.elemBase;
      O[o + O_DS] = d.stride;
    }
    shape |= this.encode(k, base, a, aq, O_A, OD_A) << SH_A;
    if (a !== null && typeof a !== "number" && a.dtype === "f16") shape |= SH_AF16;
    shape |= this.encode(k, base, bsrc, bq, O_B, OD_B) << SH_B;
    if (bsrc !== null && typeof bsrc !== "number" && bsrc.dtype === "f16") shape |= SH_BF16;
    if (kind === K_CTL || prec !== P32 || shape & (SH_AF16 | SH_BF16 | SH_DF16)) shape |= SH_GENERAL;
    O[o + O_NEXT] = -1;
    O[o + O_SHAPE] = shape;
    O[o + O_N] = n;
    O[o + O_I] = 0;
    O[o + O_CYCLES] = Math.ceil(n / width);
    O[o + O_START] = 0;
    O[o + O_WAIT] = W_NONE;
    O[o + O_WAITQ] = -1;
    O[o + O_ACT] = activate;
    O[o + O_UNB] = unblock;
    OD[k * ODS + OD_S] = s;
    if (!async) {
      const tail = B[b + H_MAINTAIL];
      if (tail < 0) B[b + H_MAINHEAD] = k;
      else O[tail * OS + O_NEXT] = k;
      B[b + H_MAINTAIL] = k;
      return;
    }
    const t = this.now;
    O[o + O_START] = t;
    const tail = B[b + H_MICROTAIL];
    if (tail < 0) B[b + H_MICROHEAD] = k;
    else O[tail * OS + O_NEXT] = k;
    B[b + H_MICROTAIL] = k;
    if (!stream) {
      this.execMem(b, k, t);
      O[o + O_I] = n;
      O[o + O_START] = t + O[o + O_CYCLES]; // completion cycle
      this.schedP(b, t + Math.max(1, O[o + O_CYCLES]));
    }
    // A fabric microthread starts moving in this cycle's advanceMicros (one of length 0 is done at once).
    if (O[o + O_I] >= n && O[o + O_START] < B[b + H_MICRODONE]) B[b + H_MICRODONE] = O[o + O_START];
  }

  /**
   * Record a source operand of operation k in its fields `at`, `at + 1` (and OD `atD`); returns its kind:
   * none, a scalar (in OD), memory (element index in the PE's chunk, stride) or a fabric input queue.
   */
  private encode(
    k: number,
    base: number,
    src: Dsd | number | null,
    q: number,
    at: number,
    atD: number,
  ): number {
    if (src === null) return X_NONE;
    if (typeof src === "number") {
      this.OD[k * ODS + atD] = src;
      return X_SCALAR;
    }
    const o = k * OS;
    if (q >= 0) {
      this.O[o + at] = q;
      return X_FAB;
    }
    this.O[o + at] = (src.dtype === "f16" ? base >> 1 : base >> 2) + src.elemBase;
    this.O[o + at + 1] = src.stride;
    return X_MEM;
  }

  private operand(
    b: number,
    kind: number,
    prec: number,
    o: Dsd,
    n: number,
    role: string,
    dtype: string,
  ): number {
    if (o.dtype !== dtype)
      throw this.opError(b, kind, prec, `the ${role} source is a ${o.dtype} DSD; it takes ${dtype}`);
    if (o.length !== n)
      throw this.opError(
        b,
        kind,
        prec,
        `the ${role} source has length ${o.length} but the destination ${n}; give all DSDs one length`,
      );
    if (o.kind === DSD_FABOUT) throw this.opError(b, kind, prec, `the ${role} source is a fabout DSD`);
    if (o.kind !== DSD_FABIN) return -1;
    const q = this.inputQueue(b, o.color);
    if (q < 0)
      throw this.opError(
        b,
        kind,
        prec,
        `it reads color ${o.color}, but the router does not deliver color ${o.color} to the PE; add RAMP to the tx set`,
      );
    return q;
  }

  private opError(b: number, kind: number, prec: number, what: string): FabricProgramError {
    const [x, y] = this.xy(b);
    return new FabricProgramError(`PE (${x}, ${y}) "${this.prog(b).name}" ${OP_NAMES[prec][kind]}: ${what}.`);
  }

  /** Run a memory-only operation: values now, its cycles on the clock. */
  private execMem(b: number, k: number, t: number): void {
    const O = this.O;
    const o = k * OS;
    const n = O[o + O_N];
    const sh = O[o + O_SHAPE];
    const kind = sh & 7;
    const prec = (sh >> 3) & 3;
    const cycles = O[o + O_CYCLES];
    this.vectorOps++;
    this.flops += FLOPS[kind] * n;
    this.busyFor(b, t, t + cycles);
    if (this.tracer && cycles > 0) {
      const [x, y] = this.xy(b);
      this.tracer.span(x, y, OP_NAMES[prec][kind], t, t + cycles);
    }
    if (prec === P32) {
      const OD = this.OD;
      const M = this.memF32[this.B[b + H_CHUNK]];
      const d0 = O[o + O_D];
      const ds = O[o + O_DS];
      const aK = (sh >> SH_A) & 3;
      const bK = (sh >> SH_B) & 3;
      const aNum = aK === X_SCALAR;
      const bNum = bK === X_SCALAR;
      const a0 = aK === X_MEM ? O[o + O_A] : 0;
      const as = aK === X_MEM ? O[o + O_AS] : 0;
      const b0 = bK === X_MEM ? O[o + O_B] : 0;
      const bs = bK === X_MEM ? O[o + O_BS] : 0;
      const av = aNum ? OD[k * ODS + OD_A] : 0;
      const bv = bNum ? OD[k * ODS + OD_B] : 0;
      const s = OD[k * ODS + OD_S];
      switch (kind) {
        case K_MOV:
          for (let i = 0; i < n; i++) M[d0 + i * ds] = aNum ? av : M[a0 + i * as];
          break;
        case K_ADD:
          for (let i = 0; i < n; i++)
            M[d0 + i * ds] = (aNum ? av : M[a0 + i * as]) + (bNum ? bv : M[b0 + i * bs]);
          break;
        case K_SUB:
          for (let i = 0; i < n; i++)
            M[d0 + i * ds] = (aNum ? av : M[a0 + i * as]) - (bNum ? bv : M[b0 + i * bs]);
          break;
        case K_MUL:
          for (let i = 0; i < n; i++)
            M[d0 + i * ds] = (aNum ? av : M[a0 + i * as]) * (bNum ? bv : M[b0 + i * bs]);
          break;
        case K_FMA:
          for (let i = 0; i < n; i++)
            M[d0 + i * ds] = (aNum ? av : M[a0 + i * as]) + (bNum ? bv : M[b0 + i * bs]) * s;
          break;
      }
      return;
    }
    // fp16 and mixed: element by element through the general path.
    for (let i = 0; i < n; i++) this.writeElem(b, k, i, this.compute(b, k, i));
  }

  /** Source operand element i of operation k (kind xk, fields at, OD atD); fabric sources pop a wavelet. */
  private readSrc(
    b: number,
    k: number,
    xk: number,
    f16: number,
    at: number,
    atD: number,
    i: number,
    dtype: number,
  ): number {
    if (xk === X_NONE) return 0;
    if (xk === X_SCALAR) {
      const v = this.OD[k * ODS + atD];
      return dtype === P16 ? HALF_TO_FLOAT[floatToHalf(v)] : Math.fround(v);
    }
    const o = k * OS;
    if (xk === X_FAB) {
      const q = this.O[o + at];
      const slot = this.headSlot(q);
      const v = f16 ? HALF_TO_FLOAT[this.S[slot] & 0xffff] : this.SF[slot];
      this.pop(q);
      return v;
    }
    const idx = this.O[o + at] + i * this.O[o + at + 1];
    const chunk = this.B[b + H_CHUNK];
    return f16 ? HALF_TO_FLOAT[this.memU16[chunk][idx]] : this.memF32[chunk][idx];
  }

  /** Element i of operation k by the general path (any precision), its sources read (and popped). */
  private compute(b: number, k: number, i: number): number {
    const sh = this.O[k * OS + O_SHAPE];
    const kind = sh & 7;
    const prec = (sh >> 3) & 3;
    const pa = prec === PMIX ? P32 : prec;
    const pb = prec === PMIX ? P16 : prec;
    const a = this.readSrc(b, k, (sh >> SH_A) & 3, sh & SH_AF16, O_A, OD_A, i, pa);
    const v =
      kind === K_MOV || kind === K_CTL
        ? 0
        : this.readSrc(b, k, (sh >> SH_B) & 3, sh & SH_BF16, O_B, OD_B, i, pb);
    const s0 = this.OD[k * ODS + OD_S];
    const s = prec === P32 || kind !== K_FMA ? s0 : HALF_TO_FLOAT[floatToHalf(s0)];
    switch (kind) {
      case K_MOV:
      case K_CTL:
        return a;
      case K_ADD:
        return a + v;
      case K_SUB:
        return a - v;
      case K_MUL:
        return a * v;
      default:
        return a + v * s;
    }
  }

  /** Write element i of operation k by the general path: to its fabric queue or to memory. */
  private writeElem(b: number, k: number, i: number, v: number): void {
    const o = k * OS;
    const sh = this.O[o + O_SHAPE];
    const kind = sh & 7;
    if (((sh >> SH_D) & 3) === X_FAB) {
      const bits = sh & SH_DF16 ? floatToHalf(v) : kind === K_CTL ? v >>> 0 : floatBitsOf(v);
      const ready = this.now + this.hop;
      const slot = this.push(this.O[o + O_D], 2 * ready + (kind === K_CTL ? 1 : 0));
      this.S[slot] = bits;
      this.schedR(b, ready);
      return;
    }
    const idx = this.O[o + O_D] + i * this.O[o + O_DS];
    const chunk = this.B[b + H_CHUNK];
    if (sh & SH_DF16) this.memU16[chunk][idx] = floatToHalf(v);
    else this.memF32[chunk][idx] = v;
  }

  /** Whether the head of input queue q holds a data wavelet ready at cycle t. */
  private inReady(q: number, t: number): boolean {
    if (this.B[q + Q_LEN] === 0) return false;
    return this.B[q + Q_HREADY] <= 2 * t; // ready, not control
  }

  /** Move fabric operation k of the PE at b on by one element if its queues allow. */
  private streamStep(b: number, k: number, t: number): void {
    const O = this.O;
    const B = this.B;
    const o = k * OS;
    const sh = O[o + O_SHAPE];
    const aK = (sh >> SH_A) & 3;
    const bK = (sh >> SH_B) & 3;
    const dK = (sh >> SH_D) & 3;
    if (aK === X_FAB && !this.inReady(O[o + O_A], t)) {
      O[o + O_WAIT] = W_IN;
      O[o + O_WAITQ] = O[o + O_A];
      return; // woken when the router delivers
    }
    if (bK === X_FAB && !this.inReady(O[o + O_B], t)) {
      O[o + O_WAIT] = W_IN;
      O[o + O_WAITQ] = O[o + O_B];
      return;
    }
    if (dK === X_FAB) {
      const q = O[o + O_D];
      if (B[q + Q_LEN] + B[q + Q_FREED] >= this.D) {
        O[o + O_WAIT] = W_OUT;
        O[o + O_WAITQ] = q;
        B[b + H_WAITOUT] = 1;
        return; // woken when the router frees a slot
      }
    }
    O[o + O_WAIT] = W_NONE;
    const i = O[o + O_I];
    const kind = sh & 7;
    if (sh & SH_GENERAL) this.writeElem(b, k, i, this.compute(b, k, i));
    else {
      // fp32: the sources (popping fabric ones, a before b), the result, and its destination.
      let av = 0;
      if (aK === X_FAB) {
        const q = O[o + O_A];
        av = this.SF[B[q + Q_SLOTS] + 2 * B[q + Q_HEAD]];
        this.pop(q);
      } else if (aK === X_MEM) av = this.memF32[B[b + H_CHUNK]][O[o + O_A] + i * O[o + O_AS]];
      else if (aK === X_SCALAR) av = Math.fround(this.OD[k * ODS + OD_A]);
      let bv = 0;
      if (kind !== K_MOV) {
        if (bK === X_FAB) {
          const q = O[o + O_B];
          bv = this.SF[B[q + Q_SLOTS] + 2 * B[q + Q_HEAD]];
          this.pop(q);
        } else if (bK === X_MEM) bv = this.memF32[B[b + H_CHUNK]][O[o + O_B] + i * O[o + O_BS]];
        else if (bK === X_SCALAR) bv = Math.fround(this.OD[k * ODS + OD_B]);
      }
      const v =
        kind === K_MOV
          ? av
          : kind === K_ADD
            ? av + bv
            : kind === K_SUB
              ? av - bv
              : kind === K_MUL
                ? av * bv
                : av + bv * this.OD[k * ODS + OD_S];
      if (dK === X_FAB) {
        const ready = this.now + this.hop;
        const slot = this.push(O[o + O_D], 2 * ready);
        this.SF[slot] = v;
        this.schedR(b, ready);
      } else this.memF32[B[b + H_CHUNK]][O[o + O_D] + i * O[o + O_DS]] = v;
    }
    O[o + O_I] = i + 1;
    this.streamElements++;
    this.flops += FLOPS[kind];
    this.busyFor(b, t, t + 1);
    if (i + 1 < O[o + O_N]) this.schedP(b, t + 1);
  }

  private traceOp(b: number, k: number, end: number): void {
    if (!this.tracer) return;
    const [x, y] = this.xy(b);
    const o = k * OS;
    const sh = this.O[o + O_SHAPE];
    this.tracer.span(x, y, OP_NAMES[(sh >> 3) & 3][sh & 7], this.O[o + O_START], end);
  }

  // ---- task state, for contexts ---------------------------------------------------------------------------

  /** Internal: mark task `id` of the PE at block b activated. */
  activateTask(b: number, id: number): void {
    if (id < 32) this.B[b + H_ACTLO] |= 1 << id;
    else this.B[b + H_ACTHI] |= 1 << (id - 32);
  }

  /** Internal: block (on) or unblock task `id` of the PE at block b. */
  blockTask(b: number, id: number, on: boolean): void {
    const f = id < 32 ? H_BLKLO : H_BLKHI;
    const bit = 1 << (id < 32 ? id : id - 32);
    if (on) this.B[b + f] |= bit;
    else this.B[b + f] &= ~bit;
  }

  /** Internal: the memory chunk and byte offset of the PE at block b. */
  memoryOf(b: number): [number, number] {
    return [this.B[b + H_CHUNK], this.B[b + H_BASE]];
  }

  /** Internal: column, row and program of the PE at block b. */
  placeOf(b: number): [number, number, CompiledProgram] {
    const [x, y] = this.xy(b);
    return [x, y, this.prog(b)];
  }

  // ---- results --------------------------------------------------------------------------------------------

  stats(): FabricStats {
    const events = this.hops + this.streamElements + this.vectorOps + this.tasks;
    return {
      cycles: this.workEnd,
      events,
      hops: this.hops,
      streamElements: this.streamElements,
      vectorOps: this.vectorOps,
      tasks: this.tasks,
      flops: this.flops,
    };
  }

  /** Cycles each PE of the rectangle was busy (any thread working), row-major. */
  busyCycles(): Float64Array {
    const out = new Float64Array(this.width * this.height);
    for (let i = 0; i < this.coded.length; i++) {
      const b = this.coded[i];
      out[this.i2rm[this.B[b + H_P]]] = this.B[b + H_BUSY];
    }
    return out;
  }

  /** When nothing is scheduled: fine if nothing waits, else a deadlock report. */
  private checkQuiet(): void {
    const B = this.B;
    const O = this.O;
    const waiting: StuckItem[] = [];
    const queues: StuckItem[] = [];
    const MAX = 200;
    let more = 0;
    const add = (list: StuckItem[], b: number, what: string) => {
      const [x, y] = this.xy(b);
      if (list.length < MAX) list.push({ x, y, what });
      else more++;
    };
    const describeWait = (k: number): string => {
      const o = k * OS;
      const sh = O[o + O_SHAPE];
      const name = OP_NAMES[(sh >> 3) & 3][sh & 7];
      const wq = O[o + O_WAITQ];
      const c = wq >= 0 ? (B[wq + Q_META] >> 10) & 31 : -1;
      const i = O[o + O_I];
      const n = O[o + O_N];
      if (O[o + O_WAIT] === W_IN)
        return `${name} (element ${i} of ${n}) waits for a wavelet on color ${c}: its input queue is empty`;
      if (O[o + O_WAIT] === W_OUT)
        return `${name} (element ${i} of ${n}) waits to send on color ${c}: the router queue is full (${B[wq + Q_LEN]}/${this.D})`;
      return `${name} (element ${i} of ${n}) has not finished`;
    };
    for (let j = 0; j < this.coded.length; j++) {
      const b = this.coded[j];
      if (B[b + H_CUR] >= 0) add(waiting, b, `main thread: ${describeWait(B[b + H_CUR])}`);
      else if (B[b + H_MAINHEAD] >= 0 || B[b + H_FLAGS] & F_GEN)
        add(waiting, b, `main thread: task has unfinished work`);
      for (let k = B[b + H_MICROHEAD]; k >= 0; k = O[k * OS + O_NEXT])
        if (O[k * OS + O_I] < O[k * OS + O_N]) add(waiting, b, `async ${describeWait(k)}`);
    }
    const N = this.width * this.height;
    for (let p = 0; p < N; p++) {
      const b = this.pb[p];
      const nr = B[b + H_NQ];
      const all = nr + B[b + H_NIQ];
      for (let j = 0; j < all; j++) {
        const q = b + HDR + j * QHDR;
        const len = B[q + Q_LEN];
        if (!len) continue;
        const meta = B[q + Q_META];
        const c = (meta >> 10) & 31;
        if (meta & META_INPUT) {
          const prog = B[b + H_PROG] >= 0 ? this.prog(b) : null;
          const reader =
            prog && prog.dataTaskOfColor[c] >= 0 ? `data task ${c} is blocked` : "nothing reads it";
          add(queues, b, `input queue of color ${c} holds ${len} wavelet(s); ${reader}`);
        } else {
          const full = LINKS_OF_MASK[meta & 31]
            .filter((_, i) => {
              const dq = B[q + Q_DEST + i];
              return B[dq + Q_LEN] + B[dq + Q_FREED] >= this.D;
            })
            .map((d) => DIRECTION_NAMES[d]);
          add(
            queues,
            b,
            `router queue of color ${c} holds ${len} wavelet(s) bound for ${maskNames(meta & 31)}` +
              (full.length ? `; full downstream: ${full.join(", ")}` : ""),
          );
        }
      }
    }
    const byPlace = (u: StuckItem, v: StuckItem) => u.y - v.y || u.x - v.x;
    waiting.sort(byPlace);
    queues.sort(byPlace);
    if (waiting.length || queues.length) throw new DeadlockError(this.now, waiting, queues, more);
  }
}

function taskLabel(prog: CompiledProgram, id: number): string {
  if (id < 0) return "launch";
  return ["", "data task ", "local task ", "control task "][prog.taskKind[id]] + id;
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
function floatBitsOf(v: number): number {
  f32buf[0] = v;
  return u32buf[0];
}

/** The PeContext a task body receives: one per PE, made when it first runs a task. */
class Ctx implements PeContext {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** Views of this PE's symbols made so far, by symbol index (tasks ask for the same few again and again). */
  private views: (ArrayBufferView | undefined)[] | null = null;
  private viewSyms: (Sym | undefined)[] | null = null;
  constructor(
    private readonly f: Fabric,
    private readonly b: number,
  ) {
    const [x, y, prog] = f.placeOf(b);
    this.x = x;
    this.y = y;
    this.width = f.width;
    this.height = f.height;
    this.params = prog.params;
  }
  get cycle(): number {
    return this.f.now;
  }
  private view(sym: Sym, dtype: string): ArrayBufferView {
    if (sym.dtype !== dtype)
      throw new FabricProgramError(
        `PE (${this.x}, ${this.y}): symbol "${sym.name}" is ${sym.dtype}, not ${dtype}.`,
      );
    const views = this.views ?? (this.views = []);
    const syms = this.viewSyms ?? (this.viewSyms = []);
    const i = sym.index;
    if (syms[i] === sym) return views[i] as ArrayBufferView;
    const [chunk, base] = this.f.memoryOf(this.b);
    const buf = this.f.memU32[chunk].buffer;
    const off = base + sym.byteOffset;
    const v =
      dtype === "f16"
        ? new Uint16Array(buf, off, sym.length)
        : dtype === "u32"
          ? new Uint32Array(buf, off, sym.length)
          : new Float32Array(buf, off, sym.length);
    views[i] = v;
    syms[i] = sym;
    return v;
  }
  f32(sym: Sym): Float32Array {
    return this.view(sym, "f32") as Float32Array;
  }
  u32(sym: Sym): Uint32Array {
    return this.view(sym, "u32") as Uint32Array;
  }
  f16bits(sym: Sym): Uint16Array {
    return this.view(sym, "f16") as Uint16Array;
  }
  private task(id: number): number {
    if (!Number.isInteger(id) || id < 0 || id >= this.f.wafer.taskIds)
      throw new FabricProgramError(
        `PE (${this.x}, ${this.y}): task ID ${id} is outside 0..${this.f.wafer.taskIds - 1}.`,
      );
    return id;
  }
  activate(id: number): void {
    this.f.activateTask(this.b, this.task(id));
  }
  block(id: number): void {
    this.f.blockTask(this.b, this.task(id), true);
  }
  unblock(id: number): void {
    this.f.blockTask(this.b, this.task(id), false);
  }
  fmovs(dst: Dsd, src: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_MOV, P32, dst, src, null, 0, o);
  }
  fadds(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_ADD, P32, dst, a, b, 0, o);
  }
  fsubs(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_SUB, P32, dst, a, b, 0, o);
  }
  fmuls(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_MUL, P32, dst, a, b, 0, o);
  }
  fmacs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_FMA, P32, dst, a, b, s, o);
  }
  fmovh(dst: Dsd, src: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_MOV, P16, dst, src, null, 0, o);
  }
  faddh(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_ADD, P16, dst, a, b, 0, o);
  }
  fmulh(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_MUL, P16, dst, a, b, 0, o);
  }
  fmach(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_FMA, P16, dst, a, b, s, o);
  }
  fmachs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.b, K_FMA, PMIX, dst, a, b, s, o);
  }
  sendControl(color: number, taskId: number, o?: AsyncOpts): void {
    this.task(taskId);
    this.f.issue(this.b, K_CTL, P32, null, taskId, null, color, o);
  }
}
