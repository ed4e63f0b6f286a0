// Errors of the fabric simulator. Each names the PE, the color, the symbol or the queue concerned, the limit
// and what to change.
import { WscError } from "../util/errors.js";

/** A layout or PE program that cannot be built (bad coordinates, colors, task IDs, DSD bounds...). */
export class FabricProgramError extends WscError {}

/** A route that sends and receives illegally, leaves the rectangle, or does not meet its neighbour's route. */
export class RouteError extends WscError {}

/** A PE program whose symbols need more SRAM than a PE has. */
export class SramOverflowError extends WscError {
  readonly pe: { x: number; y: number };
  readonly bytes: number;
  readonly limit: number;
  readonly symbols: readonly { name: string; bytes: number }[];
  constructor(
    pe: { x: number; y: number },
    program: string,
    symbols: readonly { name: string; bytes: number }[],
    bytes: number,
    limit: number,
    samePes: number,
  ) {
    const list = [...symbols]
      .sort((a, b) => b.bytes - a.bytes)
      .map((s) => `${s.name} ${s.bytes} B`)
      .join(", ");
    super(
      `PE (${pe.x}, ${pe.y}) running program "${program}" needs ${bytes} bytes of SRAM but a PE has ` +
        `${limit}: ${bytes - limit} bytes over` +
        (samePes > 1 ? ` (and so do ${samePes - 1} other PEs with the same code and parameters)` : "") +
        `. Symbols: ${list}. Shrink the largest symbols or spread the data over more PEs.`,
    );
    this.pe = pe;
    this.bytes = bytes;
    this.limit = limit;
    this.symbols = symbols;
  }
}

/** One thing that waits when the fabric can make no more progress. */
export interface StuckItem {
  readonly x: number;
  readonly y: number;
  readonly what: string;
}

/** No PE and no router can make progress, yet operations or wavelets are still pending. */
export class DeadlockError extends WscError {
  readonly cycle: number;
  readonly waiting: readonly StuckItem[];
  readonly queues: readonly StuckItem[];
  constructor(cycle: number, waiting: readonly StuckItem[], queues: readonly StuckItem[], more: number) {
    const show = (items: readonly StuckItem[]) =>
      items
        .slice(0, 12)
        .map((i) => `    PE (${i.x}, ${i.y}): ${i.what}`)
        .join("\n") + (items.length > 12 ? `\n    ... ${items.length - 12} more` : "");
    super(
      `deadlock at cycle ${cycle}: no PE or router can make progress.\n` +
        (waiting.length ? `  waiting operations:\n${show(waiting)}\n` : "") +
        (queues.length ? `  wavelets stuck in queues:\n${show(queues)}\n` : "") +
        (more > 0 ? `  (${more} more items not listed)\n` : "") +
        "  Check that every send has a matching receive, that receives are posted before the sender " +
        "blocks on a full queue (use async operations), and that routes deliver each color where it is read.",
      1,
    );
    this.cycle = cycle;
    this.waiting = waiting;
    this.queues = queues;
  }
}

/** A run that passed its cycle limit. */
export class CycleLimitError extends WscError {
  constructor(limit: number) {
    super(
      `the fabric ran past its limit of ${limit} cycles without going quiet; raise maxCycles if that is expected.`,
      1,
    );
  }
}
