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
import type { SimdOp, WaferSpec } from "../hw/index.js";
import { DIRECTION_NAMES, DX, DY, LINKS_OF_MASK, NUM_LINKS, RAMP, maskNames } from "./directions.js";
import { CycleLimitError, DeadlockError, FabricProgramError } from "./errors.js";
import type { StuckItem } from "./errors.js";
import { HALF_TO_FLOAT, floatToHalf } from "./fp16.js";
import type { BuiltLayout } from "./layout.js";
import { DSD_FABIN, DSD_FABOUT, TASK_CONTROL, TASK_DATA, TASK_LOCAL } from "./program.js";
import type { AsyncOpts, CompiledProgram, DataTaskFn, Dsd, PeContext, Sym, TaskFn } from "./program.js";
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

/** Why a thread waits. */
const W_NONE = 0;
const W_IN = 1;
const W_OUT = 2;

/**
 * A vector operation issued by a task, with its fabric operands resolved to queues of its PE. Ops are pooled
 * and reused once finished: a full wafer issues millions of them.
 */
class Op {
  i = 0;
  start = 0;
  waitKind = W_NONE;
  waitQ = -1;
  kind = 0;
  prec = 0;
  dst: Dsd | null = null;
  a: Dsd | number | null = null;
  b: Dsd | number | null = null;
  s = 0;
  n = 0;
  cycles = 0;
  stream = false;
  dq = -1;
  aq = -1;
  bq = -1;
  activate = -1;
  unblock = -1;
}

/** The state of one PE with code. */
class Pe {
  blockedLo: number;
  blockedHi: number;
  activeLo = 0;
  activeHi = 0;
  readonly ops: Op[] = [];
  opIdx = 0;
  cur: Op | null = null;
  freeAt = 0;
  gen: Iterator<unknown> | null = null;
  taskRunning = false;
  /** The running task: its ID, or -1 for a launched function (for traces). */
  taskId = -1;
  taskStart = 0;
  micro: Op[] | null = null;
  lastDispatch = -1;
  busy = 0;
  busyUntil = 0;
  launch: TaskFn | null = null;
  ctx: Ctx | null = null;
  constructor(
    readonly p: number,
    readonly x: number,
    readonly y: number,
    readonly prog: CompiledProgram,
    readonly chunk: number,
    /** Byte offset of this PE's memory in its chunk. */
    readonly base: number,
  ) {
    this.blockedLo = prog.blockedLo;
    this.blockedHi = prog.blockedHi;
  }
}

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

// Queue record fields (QS ints per queue) and per-PE record fields (PS ints per PE).
const QS = 16;
const Q_LEN = 0;
const Q_HEAD = 1;
const Q_COUNT = 2;
const Q_FREED = 3;
const Q_OWNER = 4;
const Q_META = 5;
const Q_DEST = 6;
const Q_BLOCK = 11;
const PS = 16;
const P_START = 0;
const P_COUNT = 1;
const P_RR = 2;
const P_RADDED = 3;
const P_RRAN = 4;
const P_PADDED = 5;
const P_PRAN = 6;
const P_WAITOUT = 7;
const P_ISTART = 8;
const P_ICOUNT = 9;
/** Bit j set: the router's queue P_START + j holds wavelets. */
const P_NONEMPTY = 10;
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
  // Queues: router queues (one per routed color per router) and PE input queues (per color delivered to RAMP).
  readonly nq: number;
  /**
   * Internal PE order: 8 x 8 tiles, row-major within and between tiles, so a wavefront crossing the wafer
   * along a row, a column or a diagonal touches few pages of the per-PE and per-queue state. i2rm maps an
   * internal index to the row-major one (y * width + x), rm2i back.
   */
  private readonly i2rm: Int32Array;
  private readonly rm2i: Int32Array;
  /**
   * Queue records, QS ints each, one cache line: length, head, credits used, slots freed this cycle, owner
   * PE, meta (tx | rx << 5 | color << 10 | input << 15), destination queue per link.
   */
  private readonly Q: Int32Array;
  /**
   * Queue slots, two ints each: payload bits, ready cycle * 2 + control flag; SF views payloads as fp32.
   * A queue holds a block of `depth` slots only while it is not empty: blocks come from a free list, so the
   * slots in use stay few and warm however large the wafer.
   */
  private S: Int32Array;
  private SF: Float32Array;
  private freeBlocks: Int32Array;
  private freeN = 0;
  private blocks = 0;
  /**
   * Per-PE records, PS ints each: first router queue, router queue count, round-robin pointer, router last
   * added to the wheel, router last run, PE last added, PE last run, PE waits to send.
   */
  private readonly P: Int32Array;
  // PEs and their memory.
  private readonly pes: (Pe | null)[];
  private readonly coded: Pe[] = [];
  private readonly memF32: Float32Array[] = [];
  /** Internal: PE memory chunks as 32-bit words (Ctx builds symbol views over them). */
  readonly memU32: Uint32Array[] = [];
  private readonly memU16: Uint16Array[] = [];
  // Time.
  private readonly rw = new TimingWheel();
  private readonly pw = new TimingWheel();
  /** Queues popped this cycle (their credits return at its end). */
  private freed = new Int32Array(1024);
  private freedN = 0;
  private readonly opPool: Op[] = [];
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
    const W = (this.width = layout.width);
    const H = (this.height = layout.height);
    const N = W * H;
    const C = this.C;
    const { rx, tx } = layout;
    const i2rm = (this.i2rm = new Int32Array(N));
    const rm2i = (this.rm2i = new Int32Array(N));
    for (let k = 0, ty = 0; ty < H; ty += TILE)
      for (let tx0 = 0; tx0 < W; tx0 += TILE)
        for (let y = ty; y < Math.min(H, ty + TILE); y++)
          for (let x = tx0; x < Math.min(W, tx0 + TILE); x++, k++) {
            i2rm[k] = y * W + x;
            rm2i[y * W + x] = k;
          }
    // Number the queues PE by PE (its router queues, then its input queues, by color) so a PE's state sits
    // together; a PE's queue of a color is found by scanning its few queues.
    const P = (this.P = new Int32Array(N * PS));
    let nq = 0;
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      P[p * PS + P_START] = nq;
      for (let c = 0; c < C; c++) if (tx[rm * C + c]) nq++;
      P[p * PS + P_COUNT] = nq - P[p * PS + P_START];
      P[p * PS + P_ISTART] = nq;
      for (let c = 0; c < C; c++) if (tx[rm * C + c] & (1 << RAMP)) nq++;
      P[p * PS + P_ICOUNT] = nq - P[p * PS + P_ISTART];
      P[p * PS + P_RADDED] = -1;
      P[p * PS + P_RRAN] = -1;
      P[p * PS + P_PADDED] = -1;
      P[p * PS + P_PRAN] = -1;
    }
    this.nq = nq;
    const Q = (this.Q = new Int32Array(nq * QS));
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      let q = P[p * PS + P_START];
      let iq = P[p * PS + P_ISTART];
      for (let c = 0; c < C; c++) {
        const t = tx[rm * C + c];
        if (t) {
          Q[q * QS + Q_OWNER] = p;
          Q[q * QS + Q_META] = t | (rx[rm * C + c] << 5) | (c << 10);
          q++;
        }
        if (t & (1 << RAMP)) {
          Q[iq * QS + Q_OWNER] = p;
          Q[iq * QS + Q_META] = (c << 10) | (1 << 15);
          iq++;
        }
      }
    }
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      const x = rm % W;
      const y = (rm - x) / W;
      for (let k = 0; k < P[p * PS + P_COUNT]; k++) {
        const q = P[p * PS + P_START] + k;
        const meta = Q[q * QS + Q_META];
        const c = (meta >> 10) & 31;
        for (let d = 0; d < NUM_LINKS; d++) Q[q * QS + Q_DEST + d] = -1;
        for (const d of LINKS_OF_MASK[meta & 31]) {
          if (d === RAMP) Q[q * QS + Q_DEST + d] = this.inputQueue(p, c);
          else Q[q * QS + Q_DEST + d] = this.routerQueue(rm2i[(y + DY[d]) * W + x + DX[d]], c);
        }
      }
    }
    for (let q = 0; q < nq; q++) Q[q * QS + Q_BLOCK] = -1;
    this.S = new Int32Array(256 * this.D * 2);
    this.SF = new Float32Array(this.S.buffer);
    this.freeBlocks = new Int32Array(256);
    // PEs with code get memory sized by their program, packed into shared chunks.
    this.pes = new Array<Pe | null>(N).fill(null);
    let chunk = -1;
    let used = CHUNK_BYTES;
    for (let p = 0; p < N; p++) {
      const rm = i2rm[p];
      const ci = layout.code[rm];
      if (ci < 0) continue;
      const prog = layout.programs[ci];
      const bytes = prog.bytes;
      if (used + bytes > CHUNK_BYTES) {
        const buf = new ArrayBuffer(Math.max(CHUNK_BYTES, bytes));
        this.memF32.push(new Float32Array(buf));
        this.memU32.push(new Uint32Array(buf));
        this.memU16.push(new Uint16Array(buf));
        chunk++;
        used = 0;
      }
      const pe = new Pe(p, rm % W, Math.floor(rm / W), prog, chunk, used);
      used += bytes;
      this.pes[p] = pe;
      this.coded.push(pe);
      for (const init of prog.inits) this.fill(pe, init.sym, init.values);
    }
  }

  /** PE p's router queue of color c, or -1. */
  private routerQueue(p: number, c: number): number {
    const s = this.P[p * PS + P_START];
    const n = this.P[p * PS + P_COUNT];
    for (let q = s; q < s + n; q++) if (((this.Q[q * QS + Q_META] >> 10) & 31) === c) return q;
    return -1;
  }

  /** PE p's input queue of color c, or -1. */
  private inputQueue(p: number, c: number): number {
    const s = this.P[p * PS + P_ISTART];
    const n = this.P[p * PS + P_ICOUNT];
    for (let q = s; q < s + n; q++) if (((this.Q[q * QS + Q_META] >> 10) & 31) === c) return q;
    return -1;
  }

  // ---- memory ---------------------------------------------------------------------------------------------

  private fill(pe: Pe, sym: Sym, values: ArrayLike<number> | number): void {
    if (typeof values === "number")
      this.store(pe, sym, new Float64Array(sym.length).fill(values), 0, sym.length);
    else this.store(pe, sym, values, 0, values.length);
  }

  /** Store n values of src from `from` into symbol sym of pe (fp16 symbols rounded to fp16). */
  private store(pe: Pe, sym: Sym, src: ArrayLike<number>, from: number, n: number): void {
    if (sym.dtype === "f16") {
      const a = this.memU16[pe.chunk];
      const o = (pe.base + sym.byteOffset) / 2;
      for (let i = 0; i < n; i++) a[o + i] = floatToHalf(src[from + i]);
    } else {
      const a = sym.dtype === "f32" ? this.memF32[pe.chunk] : this.memU32[pe.chunk];
      const o = (pe.base + sym.byteOffset) / 4;
      for (let i = 0; i < n; i++) a[o + i] = src[from + i];
    }
  }

  /** The PE at (x, y), or throws if it has no code. */
  private peAt(x: number, y: number): Pe {
    const pe =
      x >= 0 && y >= 0 && x < this.width && y < this.height ? this.pes[this.rm2i[y * this.width + x]] : null;
    if (!pe) throw new FabricProgramError(`PE (${x}, ${y}) has no code in this layout.`);
    return pe;
  }

  /** The symbol `name` of PE (x, y). */
  symbol(x: number, y: number, name: string): Sym {
    const pe = this.peAt(x, y);
    const s = pe.prog.syms.get(name);
    if (!s)
      throw new FabricProgramError(
        `PE (${x}, ${y}) runs "${pe.prog.name}", which has no symbol "${name}" (it has: ${[...pe.prog.syms.keys()].join(", ") || "none"}).`,
      );
    return s;
  }

  /** Write `n` values of `src` from `from` into symbol `name` of PE (x, y), starting at element 0. */
  write(x: number, y: number, name: string, src: ArrayLike<number>, from: number, n: number): void {
    const pe = this.peAt(x, y);
    const s = this.symbol(x, y, name);
    if (n > s.length)
      throw new FabricProgramError(
        `${n} elements do not fit symbol "${name}" of ${s.length} on PE (${x}, ${y}).`,
      );
    this.store(pe, s, src, from, n);
  }

  /** Read `n` elements of symbol `name` of PE (x, y) into `dst` at `at` (fp16 decoded to numbers). */
  read(x: number, y: number, name: string, dst: Float32Array | Float64Array, at: number, n: number): void {
    const pe = this.peAt(x, y);
    const s = this.symbol(x, y, name);
    if (n > s.length)
      throw new FabricProgramError(
        `${n} elements asked of symbol "${name}" of ${s.length} on PE (${x}, ${y}).`,
      );
    if (s.dtype === "f16") {
      const a = this.memU16[pe.chunk];
      const o = (pe.base + s.byteOffset) / 2;
      for (let i = 0; i < n; i++) dst[at + i] = HALF_TO_FLOAT[a[o + i]];
    } else {
      const a = s.dtype === "f32" ? this.memF32[pe.chunk] : this.memU32[pe.chunk];
      const o = (pe.base + s.byteOffset) / 4;
      for (let i = 0; i < n; i++) dst[at + i] = a[o + i];
    }
  }

  // ---- running --------------------------------------------------------------------------------------------

  /** Launch host-callable function `name` on every PE whose program has it; returns how many PEs. */
  launch(name: string): number {
    const start = this.startCycle();
    let n = 0;
    for (const pe of this.coded) {
      const fn = pe.prog.fns.get(name);
      if (!fn) continue;
      pe.launch = fn;
      this.schedP(pe.p, start);
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
        const b = this.rw.bucket(t);
        const n = this.rw.count(t); // routers never schedule routers for the cycle they run in
        for (let i = 0; i < n; i++) {
          const r = b[i];
          if (this.P[r * PS + P_RRAN] !== t) {
            this.P[r * PS + P_RRAN] = t;
            this.runRouter(r, t);
          }
        }
        this.rw.done(t);
      }
      this.pw.sort(t);
      const b = this.pw.bucket(t);
      const n = this.pw.count(t); // PEs schedule themselves and each other for later cycles only
      for (let i = 0; i < n; i++) {
        const p = b[i];
        if (this.P[p * PS + P_PRAN] !== t) {
          this.P[p * PS + P_PRAN] = t;
          this.stepPe(this.pes[p] as Pe, t);
        }
      }
      this.pw.done(t);
      if (this.freedN) this.applyFrees(t);
      t++;
    }
    this.checkQuiet();
  }

  private schedR(r: number, t: number): void {
    if (this.P[r * PS + P_RADDED] === t) return;
    this.P[r * PS + P_RADDED] = t;
    this.rw.add(t, r);
  }

  private schedP(p: number, t: number): void {
    if (this.P[p * PS + P_PADDED] === t) return;
    this.P[p * PS + P_PADDED] = t;
    this.pw.add(t, p);
  }

  private applyFrees(t: number): void {
    const f = this.freed;
    const Q = this.Q;
    for (let i = 0; i < this.freedN; i++) {
      const q = f[i];
      Q[q * QS + Q_COUNT] -= Q[q * QS + Q_FREED];
      Q[q * QS + Q_FREED] = 0;
      const owner = Q[q * QS + Q_OWNER];
      const meta = Q[q * QS + Q_META];
      if (meta >> 15) {
        this.schedR(owner, t + 1); // an input queue: its router may deliver again
        continue;
      }
      const rxl = LINKS_OF_MASK[(meta >> 5) & 31];
      for (let k = 0; k < rxl.length; k++) {
        const d = rxl[k];
        if (d === RAMP) {
          if (this.P[owner * PS + P_WAITOUT]) this.schedP(owner, t + 1);
        } else this.schedR(this.rm2i[this.i2rm[owner] + DX[d] + DY[d] * this.width], t + 1);
      }
    }
    this.freedN = 0;
  }

  /** Slot index of queue q's head (q must not be empty). */
  private headSlot(q: number): number {
    return this.Q[q * QS + Q_BLOCK] * this.D + this.Q[q * QS + Q_HEAD];
  }

  private takeBlock(): number {
    if (this.freeN > 0) return this.freeBlocks[--this.freeN];
    const b = this.blocks++;
    if (b * this.D * 2 >= this.S.length) {
      const g = new Int32Array(this.S.length * 2);
      g.set(this.S);
      this.S = g;
      this.SF = new Float32Array(g.buffer);
      const f = new Int32Array(this.freeBlocks.length * 2);
      f.set(this.freeBlocks);
      this.freeBlocks = f;
    }
    return b;
  }

  private push(q: number, bits: number, ctl: number, ready: number): void {
    const D = this.D;
    let blk = this.Q[q * QS + Q_BLOCK];
    if (blk < 0) {
      blk = this.Q[q * QS + Q_BLOCK] = this.takeBlock();
      this.Q[q * QS + Q_HEAD] = 0;
    }
    let at = this.Q[q * QS + Q_HEAD] + this.Q[q * QS + Q_LEN];
    if (at >= D) at -= D;
    const slot = blk * D + at;
    this.S[slot * 2] = bits;
    this.S[slot * 2 + 1] = ready * 2 + ctl;
    if (this.Q[q * QS + Q_LEN]++ === 0 && !(this.Q[q * QS + Q_META] >> 15)) {
      const o = this.Q[q * QS + Q_OWNER];
      this.P[o * PS + P_NONEMPTY] |= 1 << (q - this.P[o * PS + P_START]);
    }
    this.Q[q * QS + Q_COUNT]++;
  }

  private pop(q: number): void {
    let h = this.Q[q * QS + Q_HEAD] + 1;
    if (h >= this.D) h = 0;
    this.Q[q * QS + Q_HEAD] = h;
    if (--this.Q[q * QS + Q_LEN] === 0) {
      this.freeBlocks[this.freeN++] = this.Q[q * QS + Q_BLOCK];
      this.Q[q * QS + Q_BLOCK] = -1;
      if (!(this.Q[q * QS + Q_META] >> 15)) {
        const o = this.Q[q * QS + Q_OWNER];
        this.P[o * PS + P_NONEMPTY] &= ~(1 << (q - this.P[o * PS + P_START]));
      }
    }
    if (this.Q[q * QS + Q_FREED]++ === 0) {
      if (this.freedN === this.freed.length) {
        const g = new Int32Array(this.freedN * 2);
        g.set(this.freed);
        this.freed = g;
      }
      this.freed[this.freedN++] = q;
    }
  }

  private runRouter(r: number, t: number): void {
    const P = this.P;
    const s = P[r * PS + P_START];
    const n = P[r * PS + P_COUNT];
    if (n === 0) return;
    const D = this.D;
    const rot = P[r * PS + P_RR];
    P[r * PS + P_RR] = rot + 1 >= n ? 0 : rot + 1;
    const nonEmpty = P[r * PS + P_NONEMPTY];
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
      const q = s + j;
      const len = this.Q[q * QS + Q_LEN];
      const slot = this.headSlot(q);
      if (this.S[slot * 2 + 1] >> 1 > t) continue;
      const txm = this.Q[q * QS + Q_META] & 31;
      if (txm & used) {
        again = true;
        continue;
      }
      const dl = LINKS_OF_MASK[txm];
      let ok = true;
      for (let i = 0; i < dl.length; i++) {
        if (this.Q[this.Q[q * QS + Q_DEST + dl[i]] * QS + Q_COUNT] >= D) {
          ok = false;
          break;
        }
      }
      if (!ok) continue; // woken when the full queue frees a slot
      const bits = this.S[slot * 2];
      const ctl = this.S[slot * 2 + 1] & 1;
      this.pop(q);
      for (let i = 0; i < dl.length; i++) {
        const d = dl[i];
        const dq = this.Q[q * QS + Q_DEST + d];
        if (d === RAMP) {
          this.push(dq, bits, ctl, t);
          this.schedP(r, t);
        } else {
          this.push(dq, bits, ctl, t + this.hop);
          this.schedR(this.Q[dq * QS + Q_OWNER], t + this.hop);
        }
        this.hops++;
      }
      used |= txm;
      if (len > 1) again = true;
    }
    if (used && t + 1 > this.workEnd) this.workEnd = t + 1;
    if (again) this.schedR(r, t + 1);
  }

  // ---- PEs ------------------------------------------------------------------------------------------------

  private busyFor(pe: Pe, s: number, e: number): void {
    if (e > pe.busyUntil) {
      pe.busy += e - Math.max(s, pe.busyUntil);
      pe.busyUntil = e;
      if (e > this.workEnd) this.workEnd = e;
    }
  }

  private stepPe(pe: Pe, t: number): void {
    this.P[pe.p * PS + P_WAITOUT] = 0;
    if (pe.micro) this.completeMicros(pe, t);
    this.advanceMain(pe, t);
    if (pe.micro) this.advanceMicros(pe, t);
  }

  private completeMicros(pe: Pe, t: number): void {
    const m = pe.micro as Op[];
    let first = 0;
    while (first < m.length && !(m[first].i >= m[first].n && m[first].start <= t)) first++;
    if (first === m.length) return; // none finished: leave the list as it is
    let k = first;
    for (let i = first; i < m.length; i++) {
      const op = m[i];
      if (op.i >= op.n && op.start <= t) {
        // finished: op.start holds its completion cycle
        this.finishAsync(pe, op);
        this.opPool.push(op);
        continue;
      }
      m[k++] = op;
    }
    m.length = k;
    if (k === 0) pe.micro = null;
  }

  private finishAsync(pe: Pe, op: Op): void {
    if (op.activate >= 0) this.activate(pe, op.activate);
    if (op.unblock >= 0) this.unblock(pe, op.unblock);
  }

  private advanceMicros(pe: Pe, t: number): void {
    const m = pe.micro as Op[];
    for (let i = 0; i < m.length; i++) {
      const op = m[i];
      if (op.i >= op.n) continue;
      if (!op.stream) continue;
      this.streamStep(pe, op, t);
      if (op.i >= op.n) {
        op.waitKind = W_NONE;
        this.traceOp(pe, op, t + 1);
        op.start = t + 1; // completion cycle
        this.schedP(pe.p, t + 1);
      }
    }
  }

  private advanceMain(pe: Pe, t: number): void {
    for (;;) {
      const cur = pe.cur;
      if (cur) {
        this.streamStep(pe, cur, t);
        if (cur.i >= cur.n) {
          pe.cur = null;
          pe.freeAt = t + 1;
          this.traceOp(pe, cur, t + 1);
          this.opPool.push(cur);
          this.schedP(pe.p, t + 1);
        }
        return;
      }
      if (pe.freeAt > t) {
        this.schedP(pe.p, pe.freeAt);
        return;
      }
      if (pe.opIdx < pe.ops.length) {
        const op = pe.ops[pe.opIdx++];
        if (op.stream) {
          op.start = t;
          pe.cur = op;
          continue;
        }
        this.execMem(pe, op, t);
        pe.freeAt = t + op.cycles;
        this.opPool.push(op);
        // Run the memory operations that follow back to back in this visit, each at its own start cycle:
        // with no microthread on this PE nothing else can touch its memory in between, so values, cycles and
        // busy time are exactly those of separate visits.
        while (pe.micro === null && pe.opIdx < pe.ops.length && !pe.ops[pe.opIdx].stream) {
          const next = pe.ops[pe.opIdx++];
          this.execMem(pe, next, pe.freeAt);
          pe.freeAt += next.cycles;
          this.opPool.push(next);
        }
        if (pe.freeAt > t) {
          this.schedP(pe.p, pe.freeAt);
          return;
        }
        continue;
      }
      if (pe.gen) {
        const r = pe.gen.next();
        if (r.done) pe.gen = null;
        continue;
      }
      if (pe.taskRunning) {
        pe.taskRunning = false;
        if (this.tracer)
          this.tracer.span(
            pe.x,
            pe.y,
            taskLabel(pe.prog, pe.taskId),
            pe.taskStart,
            Math.max(t, pe.taskStart + 1),
          );
      }
      if (pe.lastDispatch >= t) {
        if (this.runnable(pe) >= 0 || pe.launch) this.schedP(pe.p, t + 1);
        return;
      }
      if (!this.dispatch(pe, t)) return;
    }
  }

  private activate(pe: Pe, id: number): void {
    if (id < 32) pe.activeLo |= 1 << id;
    else pe.activeHi |= 1 << (id - 32);
  }

  private unblock(pe: Pe, id: number): void {
    if (id < 32) pe.blockedLo &= ~(1 << id);
    else pe.blockedHi &= ~(1 << (id - 32));
  }

  private isBlocked(pe: Pe, id: number): boolean {
    return id < 32 ? (pe.blockedLo & (1 << id)) !== 0 : (pe.blockedHi & (1 << (id - 32))) !== 0;
  }

  /** The task ID that would run next, or -1; control wavelets come first (-2 - queue). */
  private runnable(pe: Pe): number {
    const prog = pe.prog;
    const p = pe.p;
    const t = this.now;
    let best = 64;
    const lo = pe.activeLo & ~pe.blockedLo;
    const hi = pe.activeHi & ~pe.blockedHi;
    if (lo) best = 31 - Math.clz32(lo & -lo);
    else if (hi) best = 32 + 31 - Math.clz32(hi & -hi);
    const dc = prog.dataColors;
    for (let i = 0; i < dc.length; i++) {
      const c = dc[i];
      if (c >= best) continue;
      const q = this.inputQueue(p, c);
      if (q < 0 || this.Q[q * QS + Q_LEN] === 0) continue;
      const slot = this.headSlot(q);
      if (this.S[slot * 2 + 1] > 2 * t) continue; // not ready, or a control wavelet
      if (this.isBlocked(pe, c)) continue;
      best = c;
    }
    return best < 64 ? best : -1;
  }

  /** A control wavelet at the head of one of the PE's input queues, or -1. */
  private controlQueue(pe: Pe): number {
    for (const c of pe.prog.inColors) {
      const q = this.inputQueue(pe.p, c);
      if (q < 0 || this.Q[q * QS + Q_LEN] === 0) continue;
      const slot = this.headSlot(q);
      const m = this.S[slot * 2 + 1];
      if (m & 1 && m >> 1 <= this.now) return q;
    }
    return -1;
  }

  private dispatch(pe: Pe, t: number): boolean {
    let fn: TaskFn | DataTaskFn | null;
    let value = 0;
    let id: number;
    if (pe.launch) {
      fn = pe.launch;
      pe.launch = null;
      id = -1;
    } else {
      const cq = pe.prog.hasControl ? this.controlQueue(pe) : -1;
      if (cq >= 0) {
        id = this.S[this.headSlot(cq) * 2] >>> 0;
        this.pop(cq);
        if (id >= pe.prog.taskKind.length || pe.prog.taskKind[id] !== TASK_CONTROL)
          throw new FabricProgramError(
            `PE (${pe.x}, ${pe.y}) received a control wavelet for task ${id} on color ${(this.Q[cq * QS + Q_META] >> 10) & 31} but its ` +
              `program "${pe.prog.name}" binds no control task ${id}.`,
          );
        fn = pe.prog.taskFns[id];
      } else {
        id = this.runnable(pe);
        if (id < 0) return false;
        fn = pe.prog.taskFns[id];
        const kind = pe.prog.taskKind[id];
        if (kind === TASK_DATA) {
          const q = this.inputQueue(pe.p, id);
          value = this.SF[this.headSlot(q) * 2];
          this.pop(q);
        } else {
          if (id < 32) pe.activeLo &= ~(1 << id);
          else pe.activeHi &= ~(1 << (id - 32));
          if (kind !== TASK_LOCAL || !fn)
            throw new FabricProgramError(
              `PE (${pe.x}, ${pe.y}): task ${id} was activated but program "${pe.prog.name}" binds no local task ${id}.`,
            );
        }
      }
    }
    pe.lastDispatch = t;
    this.tasks++;
    this.busyFor(pe, t, t + 1);
    pe.ops.length = 0;
    pe.opIdx = 0;
    pe.taskRunning = true;
    pe.taskId = id;
    pe.taskStart = t;
    const ctx = pe.ctx ?? (pe.ctx = new Ctx(this, pe));
    const r = (fn as DataTaskFn)(ctx, value);
    if (r && typeof (r as Iterator<unknown>).next === "function") pe.gen = r as Iterator<unknown>;
    return true;
  }

  // ---- vector operations ----------------------------------------------------------------------------------

  /** Issue an operation from a task running on `pe`. */
  issue(
    pe: Pe,
    kind: number,
    prec: number,
    dst: Dsd | null,
    a: Dsd | number | null,
    b: Dsd | number | null,
    s: number,
    opts: AsyncOpts | undefined,
  ): void {
    let n = 1;
    let dq = -1;
    let aq = -1;
    let bq = -1;
    if (kind === K_CTL) {
      dq = this.routerQueue(pe.p, s);
      if (dq < 0 || !((this.Q[dq * QS + Q_META] >> 5) & 31 & (1 << RAMP)))
        throw opError(pe, kind, prec, `its router does not accept color ${s} from the PE`);
    } else {
      const d = dst as Dsd;
      const want = prec === P16 ? "f16" : "f32";
      if (d.kind === DSD_FABIN) throw opError(pe, kind, prec, "the destination is a fabin DSD");
      if (d.dtype !== want)
        throw opError(pe, kind, prec, `the destination is a ${d.dtype} DSD; it writes ${want}`);
      n = d.length;
      if (d.kind === DSD_FABOUT) {
        dq = this.routerQueue(pe.p, d.color);
        if (dq < 0 || !((this.Q[dq * QS + Q_META] >> 5) & 31 & (1 << RAMP)))
          throw opError(
            pe,
            kind,
            prec,
            `it sends on color ${d.color}, but the router's route for color ${d.color} does not accept it from the PE ` +
              `(rx ${maskNames(dq < 0 ? 0 : (this.Q[dq * QS + Q_META] >> 5) & 31)}); add RAMP to the rx set`,
          );
      }
      if (a !== null && typeof a !== "number")
        aq = this.operand(pe, kind, prec, a, n, "first", prec === PMIX ? "f32" : want);
      if (b !== null && typeof b !== "number")
        bq = this.operand(pe, kind, prec, b, n, "second", prec === PMIX ? "f16" : want);
    }
    const width = this.wafer.simd[SIMD_KEY[prec][kind] as SimdOp];
    const stream = dq >= 0 || aq >= 0 || bq >= 0;
    const async = opts !== undefined && opts.async === true;
    const activate = opts?.activate ?? -1;
    const unblock = opts?.unblock ?? -1;
    if (!async && (activate >= 0 || unblock >= 0))
      throw opError(pe, kind, prec, "activate and unblock options need async: true");
    const op = this.opPool.pop() ?? new Op();
    op.i = 0;
    op.start = 0;
    op.waitKind = W_NONE;
    op.waitQ = -1;
    op.kind = kind;
    op.prec = prec;
    op.dst = dst;
    op.a = a;
    op.b = b;
    op.s = s;
    op.n = n;
    op.cycles = Math.ceil(n / width);
    op.stream = stream;
    op.dq = dq;
    op.aq = aq;
    op.bq = bq;
    op.activate = activate;
    op.unblock = unblock;
    if (!async) {
      pe.ops.push(op);
      return;
    }
    const t = this.now;
    op.start = t;
    if (!pe.micro) pe.micro = [];
    pe.micro.push(op);
    if (!stream) {
      this.execMem(pe, op, t);
      op.i = n;
      op.start = t + op.cycles; // completion cycle
      this.schedP(pe.p, t + Math.max(1, op.cycles));
    }
    // A fabric microthread starts moving in this cycle's advanceMicros.
  }

  private operand(
    pe: Pe,
    kind: number,
    prec: number,
    o: Dsd,
    n: number,
    role: string,
    dtype: string,
  ): number {
    if (o.dtype !== dtype)
      throw opError(pe, kind, prec, `the ${role} source is a ${o.dtype} DSD; it takes ${dtype}`);
    if (o.length !== n)
      throw opError(
        pe,
        kind,
        prec,
        `the ${role} source has length ${o.length} but the destination ${n}; give all DSDs one length`,
      );
    if (o.kind === DSD_FABOUT) throw opError(pe, kind, prec, `the ${role} source is a fabout DSD`);
    if (o.kind !== DSD_FABIN) return -1;
    const q = this.inputQueue(pe.p, o.color);
    if (q < 0)
      throw opError(
        pe,
        kind,
        prec,
        `it reads color ${o.color}, but the router does not deliver color ${o.color} to the PE; add RAMP to the tx set`,
      );
    return q;
  }

  /** Run a memory-only operation: values now, its cycles on the clock. */
  private execMem(pe: Pe, op: Op, t: number): void {
    const n = op.n;
    this.vectorOps++;
    this.flops += FLOPS[op.kind] * n;
    this.busyFor(pe, t, t + op.cycles);
    if (this.tracer && op.cycles > 0)
      this.tracer.span(pe.x, pe.y, OP_NAMES[op.prec][op.kind], t, t + op.cycles);
    const dst = op.dst as Dsd;
    const a = op.a;
    const b = op.b;
    const kind = op.kind;
    if (op.prec === P32) {
      const M = this.memF32[pe.chunk];
      const base = pe.base >> 2;
      const d0 = base + dst.elemBase;
      const ds = dst.stride;
      const aNum = typeof a === "number";
      const bNum = typeof b === "number";
      const a0 = aNum || a === null ? 0 : base + a.elemBase;
      const as = aNum || a === null ? 0 : a.stride;
      const b0 = bNum || b === null ? 0 : base + b.elemBase;
      const bs = bNum || b === null ? 0 : b.stride;
      const av = aNum ? a : 0;
      const bv = bNum ? b : 0;
      const s = op.s;
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
    // fp16 and mixed: element by element through the generic path.
    for (let i = 0; i < n; i++) this.writeElem(pe, op, i, this.compute(pe, op, i));
  }

  /** Read source `o` element i (fabric sources pop a wavelet). */
  private readSrc(pe: Pe, o: Dsd | number | null, q: number, i: number, dtype: number): number {
    if (o === null) return 0;
    if (typeof o === "number") return dtype === P16 ? HALF_TO_FLOAT[floatToHalf(o)] : Math.fround(o);
    if (q >= 0) {
      const slot = this.headSlot(q);
      const v = o.dtype === "f16" ? HALF_TO_FLOAT[this.S[slot * 2] & 0xffff] : this.SF[slot * 2];
      this.pop(q);
      return v;
    }
    if (o.dtype === "f16")
      return HALF_TO_FLOAT[this.memU16[pe.chunk][(pe.base >> 1) + o.elemBase + i * o.stride]];
    return this.memF32[pe.chunk][(pe.base >> 2) + o.elemBase + i * o.stride];
  }

  private compute(pe: Pe, op: Op, i: number): number {
    const pa = op.prec === PMIX ? P32 : op.prec;
    const pb = op.prec === PMIX ? P16 : op.prec;
    const a = this.readSrc(pe, op.a, op.aq, i, pa);
    const b = op.kind === K_MOV || op.kind === K_CTL ? 0 : this.readSrc(pe, op.b, op.bq, i, pb);
    const s = op.prec === P32 || op.kind !== K_FMA ? op.s : HALF_TO_FLOAT[floatToHalf(op.s)];
    switch (op.kind) {
      case K_MOV:
      case K_CTL:
        return a;
      case K_ADD:
        return a + b;
      case K_SUB:
        return a - b;
      case K_MUL:
        return a * b;
      default:
        return a + b * s;
    }
  }

  private writeElem(pe: Pe, op: Op, i: number, v: number): void {
    if (op.dq >= 0) {
      const f16 = op.dst !== null && op.dst.dtype === "f16";
      const bits = f16 ? floatToHalf(v) : op.kind === K_CTL ? v >>> 0 : floatBitsOf(v);
      this.push(op.dq, bits, op.kind === K_CTL ? 1 : 0, this.now + this.hop);
      this.schedR(pe.p, this.now + this.hop);
      return;
    }
    const d = op.dst as Dsd;
    if (d.dtype === "f16") this.memU16[pe.chunk][(pe.base >> 1) + d.elemBase + i * d.stride] = floatToHalf(v);
    else this.memF32[pe.chunk][(pe.base >> 2) + d.elemBase + i * d.stride] = v;
  }

  /** Whether the head of input queue q holds a data wavelet ready at cycle t. */
  private inReady(q: number, t: number): boolean {
    if (this.Q[q * QS + Q_LEN] === 0) return false;
    const slot = this.headSlot(q);
    return this.S[slot * 2 + 1] <= 2 * t; // ready by t and not a control wavelet
  }

  /** Move a fabric operation on by one element if its queues allow. */
  private streamStep(pe: Pe, op: Op, t: number): void {
    if (op.aq >= 0 && !this.inReady(op.aq, t)) {
      op.waitKind = W_IN;
      op.waitQ = op.aq;
      return; // woken when the router delivers
    }
    if (op.bq >= 0 && !this.inReady(op.bq, t)) {
      op.waitKind = W_IN;
      op.waitQ = op.bq;
      return;
    }
    if (op.dq >= 0 && this.Q[op.dq * QS + Q_COUNT] >= this.D) {
      op.waitKind = W_OUT;
      op.waitQ = op.dq;
      this.P[pe.p * PS + P_WAITOUT] = 1;
      return; // woken when the router frees a slot
    }
    op.waitKind = W_NONE;
    this.writeElem(pe, op, op.i, this.compute(pe, op, op.i));
    op.i++;
    this.streamElements++;
    this.flops += FLOPS[op.kind];
    this.busyFor(pe, t, t + 1);
    if (op.i < op.n) this.schedP(pe.p, t + 1);
  }

  private traceOp(pe: Pe, op: Op, end: number): void {
    if (this.tracer) this.tracer.span(pe.x, pe.y, OP_NAMES[op.prec][op.kind], op.start, end);
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
    for (const pe of this.coded) out[pe.y * this.width + pe.x] = pe.busy;
    return out;
  }

  /** When nothing is scheduled: fine if nothing waits, else a deadlock report. */
  private checkQuiet(): void {
    const waiting: StuckItem[] = [];
    const queues: StuckItem[] = [];
    const MAX = 200;
    let more = 0;
    const add = (list: StuckItem[], p: number, what: string) => {
      const rm = this.i2rm[p];
      if (list.length < MAX) list.push({ x: rm % this.width, y: Math.floor(rm / this.width), what });
      else more++;
    };
    const describeWait = (op: Op): string => {
      const name = OP_NAMES[op.prec][op.kind];
      const c = op.waitQ >= 0 ? (this.Q[op.waitQ * QS + Q_META] >> 10) & 31 : -1;
      if (op.waitKind === W_IN)
        return `${name} (element ${op.i} of ${op.n}) waits for a wavelet on color ${c}: its input queue is empty`;
      if (op.waitKind === W_OUT)
        return `${name} (element ${op.i} of ${op.n}) waits to send on color ${c}: the router queue is full (${this.Q[op.waitQ * QS + Q_LEN]}/${this.D})`;
      return `${name} (element ${op.i} of ${op.n}) has not finished`;
    };
    for (const pe of this.coded) {
      if (pe.cur) add(waiting, pe.p, `main thread: ${describeWait(pe.cur)}`);
      else if (pe.opIdx < pe.ops.length || pe.gen)
        add(waiting, pe.p, `main thread: task has unfinished work`);
      if (pe.micro)
        for (const op of pe.micro) if (op.i < op.n) add(waiting, pe.p, `async ${describeWait(op)}`);
    }
    for (let q = 0; q < this.nq; q++) {
      const len = this.Q[q * QS + Q_LEN];
      if (!len) continue;
      const p = this.Q[q * QS + Q_OWNER];
      const c = (this.Q[q * QS + Q_META] >> 10) & 31;
      if (this.Q[q * QS + Q_META] >> 15) {
        const pe = this.pes[p];
        const reader =
          pe && pe.prog.dataTaskOfColor[c] >= 0 ? `data task ${c} is blocked` : "nothing reads it";
        add(queues, p, `input queue of color ${c} holds ${len} wavelet(s); ${reader}`);
      } else {
        const full = LINKS_OF_MASK[this.Q[q * QS + Q_META] & 31]
          .filter((d) => this.Q[this.Q[q * QS + Q_DEST + d] * QS + Q_COUNT] >= this.D)
          .map((d) => DIRECTION_NAMES[d]);
        add(
          queues,
          p,
          `router queue of color ${c} holds ${len} wavelet(s) bound for ${maskNames(this.Q[q * QS + Q_META] & 31)}` +
            (full.length ? `; full downstream: ${full.join(", ")}` : ""),
        );
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

function opError(pe: Pe, kind: number, prec: number, what: string): FabricProgramError {
  return new FabricProgramError(`PE (${pe.x}, ${pe.y}) "${pe.prog.name}" ${OP_NAMES[prec][kind]}: ${what}.`);
}
const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
function floatBitsOf(v: number): number {
  f32buf[0] = v;
  return u32buf[0];
}

/** The PeContext a task body receives. */
class Ctx implements PeContext {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly params: Readonly<Record<string, unknown>>;
  constructor(
    private readonly f: Fabric,
    private readonly pe: Pe,
  ) {
    this.x = pe.x;
    this.y = pe.y;
    this.width = f.width;
    this.height = f.height;
    this.params = pe.prog.params;
  }
  get cycle(): number {
    return this.f.now;
  }
  private view(sym: Sym, dtype: string): ArrayBufferView {
    if (sym.dtype !== dtype)
      throw new FabricProgramError(
        `PE (${this.x}, ${this.y}): symbol "${sym.name}" is ${sym.dtype}, not ${dtype}.`,
      );
    const mem = this.f.memU32[this.pe.chunk];
    const buf = mem.buffer;
    const off = this.pe.base + sym.byteOffset;
    if (dtype === "f16") return new Uint16Array(buf, off, sym.length);
    if (dtype === "u32") return new Uint32Array(buf, off, sym.length);
    return new Float32Array(buf, off, sym.length);
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
    const pe = this.pe;
    this.task(id);
    if (id < 32) pe.activeLo |= 1 << id;
    else pe.activeHi |= 1 << (id - 32);
  }
  block(id: number): void {
    const pe = this.pe;
    this.task(id);
    if (id < 32) pe.blockedLo |= 1 << id;
    else pe.blockedHi |= 1 << (id - 32);
  }
  unblock(id: number): void {
    const pe = this.pe;
    this.task(id);
    if (id < 32) pe.blockedLo &= ~(1 << id);
    else pe.blockedHi &= ~(1 << (id - 32));
  }
  fmovs(dst: Dsd, src: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_MOV, P32, dst, src, null, 0, o);
  }
  fadds(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_ADD, P32, dst, a, b, 0, o);
  }
  fsubs(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_SUB, P32, dst, a, b, 0, o);
  }
  fmuls(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_MUL, P32, dst, a, b, 0, o);
  }
  fmacs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_FMA, P32, dst, a, b, s, o);
  }
  fmovh(dst: Dsd, src: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_MOV, P16, dst, src, null, 0, o);
  }
  faddh(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_ADD, P16, dst, a, b, 0, o);
  }
  fmulh(dst: Dsd, a: Dsd | number, b: Dsd | number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_MUL, P16, dst, a, b, 0, o);
  }
  fmach(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_FMA, P16, dst, a, b, s, o);
  }
  fmachs(dst: Dsd, a: Dsd | number, b: Dsd | number, s: number, o?: AsyncOpts): void {
    this.f.issue(this.pe, K_FMA, PMIX, dst, a, b, s, o);
  }
  sendControl(color: number, taskId: number, o?: AsyncOpts): void {
    this.task(taskId);
    this.f.issue(this.pe, K_CTL, P32, null, taskId, null, color, o);
  }
}
