// The simulator's state records: where each field of a PE, a queue and a vector operation lives in the
// typed arrays fabric.ts keeps them in. Nothing that changes while the fabric runs lives in JS objects, so a
// full wafer is a few large arrays (no per-PE objects for the garbage collector to trace) and everything a
// visit to a PE or its router reads sits together in memory.
//
// PE blocks (one Int32Array, `B`): each PE of the rectangle owns a block, in the simulator's internal PE
// order (8 x 8 tiles, see fabric.ts): its header (router and task state, 36 ints), then its router queues
// (one per color the router routes, by color), then its input queues (one per color delivered to the PE, by
// color). Blocks start on 64-byte boundaries. Routers, PEs and queues are named by their offset in B. Queue
// slots live apart, in a pool of rings (`S`) lent to the queues that hold wavelets.

// ---- PE header ------------------------------------------------------------------------------------------
// First cache line: what router and PE visits read and write most.
/** Internal PE index. */
export const H_P = 0;
/** Last cycle the router was scheduled for, and last cycle it ran (or was deemed to run). */
export const H_RADDED = 1;
export const H_RRAN = 2;
/** Round-robin pointer: the router queue index the next visit starts from. */
export const H_RR = 3;
/** Number of router queues. */
export const H_NQ = 4;
/** Bit j set: router queue j holds wavelets. */
export const H_NONEMPTY = 5;
/** Last cycle the PE was scheduled for, and last cycle it ran. */
export const H_PADDED = 6;
export const H_PRAN = 7;
/** The PE waits to send into a full router queue this cycle (its router wakes it when a slot frees). */
export const H_WAITOUT = 8;
/** Number of input queues. */
export const H_NIQ = 9;
/** Activated and blocked task IDs, as two 32-bit masks each. */
export const H_ACTLO = 10;
export const H_ACTHI = 11;
export const H_BLKLO = 12;
export const H_BLKHI = 13;
/** Cycle the main thread is free from (after its memory operations). */
export const H_FREEAT = 14;
/** Cycle of the last task dispatch. */
export const H_LASTDISP = 15;
// Second cache line.
/** The main thread's fabric operation in progress, or -1. */
export const H_CUR = 16;
/** The main thread's issued operations (a list through O_NEXT), first and last, or -1. */
export const H_MAINHEAD = 17;
export const H_MAINTAIL = 18;
/** The asynchronous operations not yet retired, in issue order (a list through O_NEXT). */
export const H_MICROHEAD = 19;
export const H_MICROTAIL = 20;
/** Earliest completion cycle of a finished asynchronous operation not yet retired, or NEVER. */
export const H_MICRODONE = 21;
/** Busy cycles, and the cycle up to which they are counted. */
export const H_BUSY = 22;
export const H_BUSYUNTIL = 23;
/** A task is running (for its trace span), its ID (-1 for a launched function) and its dispatch cycle. */
export const H_RUNNING = 24;
export const H_TASKID = 25;
export const H_TASKSTART = 26;
/** F_GEN: the running task is a generator (in Fabric.gens); F_LAUNCH: a launch is pending (Fabric.launchFns);
 * F_INPUT: see below. */
export const H_FLAGS = 27;
/** Index of the PE's program in the layout's programs, or -1 for a PE without code. */
export const H_PROG = 28;
/** The PE's SRAM: its memory chunk and byte offset in it. */
export const H_CHUNK = 29;
export const H_BASE = 30;
// Third cache line.
/** Block offset of the neighbour on each link: H_NB - 1 + NORTH ... H_NB - 1 + WEST, or -1. */
export const H_NB = 32;
export const HDR = 36;

export const F_GEN = 1;
export const F_LAUNCH = 2;
/** The program binds data or control tasks: wavelets, not only activations, can make a task runnable. */
export const F_INPUT = 4;

// ---- queues ---------------------------------------------------------------------------------------------
// A queue is a header of QHDR ints in its PE's block and, while it holds wavelets, a ring of `depth` slots
// in the slot pool S, two ints each: the payload bits, and the ready cycle * 2 + control flag, from Q_HEAD.
// A queue takes a ring from the pool when a wavelet enters it empty and gives it back when its last wavelet
// leaves (after it was read). Most queues of a large layout are empty at any cycle, so the rings in use are
// few and stay in cache, and a PE's block is only its headers: a router visit reads the headers of its
// queues (readiness, room) in a few cache lines, and the slots only of wavelets it moves.
/** Wavelets held. */
export const Q_LEN = 0;
/** Position of the head in the ring of slots. */
export const Q_HEAD = 1;
/** Wavelets popped this cycle: their credits return at the cycle's end, so a queue has room when
 * Q_LEN + Q_FREED < depth. */
export const Q_FREED = 2;
/** Block offset of the PE whose router (or input) the queue belongs to. */
export const Q_OWNER = 3;
/** tx mask | rx mask << 5 | color << 10 | input queue << 15 | router queue index << 16. */
export const Q_META = 4;
/** The head slot's second int (ready cycle * 2 + control flag), kept here while the queue is not empty. */
export const Q_HREADY = 5;
/** Router queues: the destination queue of each link of the tx set, in link order (RAMP: the PE's input
 * queue of the color, first), then -1. */
export const Q_DEST = 6;
/** Offset in S of the queue's ring while it holds wavelets, else -1. */
export const Q_SLOTS = 11;
/** Ints of a queue's header. */
export const QHDR = 12;
export const META_INPUT = 1 << 15;

// ---- vector operations (records of OS ints in O, doubles in OD) --------------------------------------
/** Next operation in the PE's main or asynchronous list, or in the free list. */
export const O_NEXT = 0;
/** kind | precision << 3 | stream << 5 | a operand << 6 | b operand << 8 | destination << 10 | f16 flags. */
export const O_SHAPE = 1;
export const O_N = 2;
/** Elements done (fabric operations move one per cycle). */
export const O_I = 3;
export const O_CYCLES = 4;
/** Start cycle; once an asynchronous operation has finished, its completion cycle. */
export const O_START = 5;
/** Why it waits (W_NONE, W_IN, W_OUT) and on which queue. */
export const O_WAIT = 6;
export const O_WAITQ = 7;
/** Operands: a queue offset (fabric), or an element index in the PE's memory chunk and a stride. */
export const O_D = 8;
export const O_DS = 9;
export const O_A = 10;
export const O_AS = 11;
export const O_B = 12;
export const O_BS = 13;
/** Task to activate and to unblock on completion, or -1. */
export const O_ACT = 14;
export const O_UNB = 15;
export const OS = 16;
/** OD doubles per operation: the scalar s, and the scalar values of a and b. */
export const OD_S = 0;
export const OD_A = 1;
export const OD_B = 2;
export const ODS = 4;

/** Operand kinds in O_SHAPE. */
export const X_NONE = 0;
export const X_SCALAR = 1;
export const X_MEM = 2;
export const X_FAB = 3;
export const SH_STREAM = 1 << 5;
export const SH_A = 6;
export const SH_B = 8;
export const SH_D = 10;
export const SH_AF16 = 1 << 12;
export const SH_BF16 = 1 << 13;
export const SH_DF16 = 1 << 14;
/** Not the fp32 fast path: a control wavelet, fp16 or mixed precision, or an fp16 operand. */
export const SH_GENERAL = 1 << 15;
