// The host runtime, modeled on the SDK's SdkRuntime: copy arrays into and out of a rectangle of PEs
// (memcpy_h2d / memcpy_d2h), launch an exported function and run the fabric until it goes quiet, read cycles.
//
// Host transfers are not routed through the simulated fabric. Their time is modeled from the mechanism:
// wavelets enter on the west edge through I/O channels (`ioChannelsPerEdge`, one every `ioChannelRowSpacing`
// rows), each channel delivering one wavelet per cycle to the rows it serves, and all channels together are
// limited by the system's host I/O; the farthest PE adds its distance in hops. See docs/fabric.md.
import type { WaferSpec } from "../hw/index.js";
import { FabricProgramError } from "./errors.js";
import { Fabric } from "./fabric.js";
import type { FabricStats, FabricTracer } from "./fabric.js";
import type { BuiltLayout } from "./layout.js";

export interface HostRuntimeOptions {
  /** Host I/O of the system, bits/s (CS-2: 1.2 Tb/s); without it only the wafer's I/O channels limit. */
  readonly hostIoBitsPerSec?: number;
  /** Cycle limit of one launch. */
  readonly maxCycles?: number;
  readonly tracer?: FabricTracer;
}

/** What one host transfer cost. */
export interface TransferRecord {
  readonly direction: "h2d" | "d2h";
  readonly symbol: string;
  readonly wavelets: number;
  readonly cycles: number;
}

export class HostRuntime {
  readonly fabric: Fabric;
  readonly wafer: WaferSpec;
  /** Modeled cycles spent in host transfers, and in launched work on the fabric. */
  hostCycles = 0;
  kernelCycles = 0;
  readonly transfers: TransferRecord[] = [];
  private readonly opts: HostRuntimeOptions;

  constructor(layout: BuiltLayout, opts: HostRuntimeOptions = {}) {
    this.fabric = new Fabric(layout);
    this.wafer = layout.wafer;
    this.opts = opts;
    if (opts.tracer) this.fabric.tracer = opts.tracer;
  }

  private rect(what: string, x0: number, y0: number, w: number, h: number): void {
    const f = this.fabric;
    if (
      ![x0, y0, w, h].every(Number.isInteger) ||
      x0 < 0 ||
      y0 < 0 ||
      w < 1 ||
      h < 1 ||
      x0 + w > f.width ||
      y0 + h > f.height
    )
      throw new FabricProgramError(
        `${what}: rectangle at (${x0}, ${y0}) of ${w} x ${h} PEs is not inside the ${f.width} x ${f.height} layout.`,
      );
  }

  private exported(name: string): void {
    if (!this.fabric.layout.exports.has(name))
      throw new FabricProgramError(
        `"${name}" is not exported by the layout: call exportName("${name}") in it.`,
      );
  }

  /**
   * Copy `data` into symbol `name` of each PE of the rectangle: `n` elements per PE, PEs in row-major order
   * (data index ((y - y0) * w + (x - x0)) * n + k). Returns the modeled cycles.
   */
  memcpyH2D(
    name: string,
    data: ArrayLike<number>,
    x0: number,
    y0: number,
    w: number,
    h: number,
    n: number,
  ): number {
    this.exported(name);
    this.rect(`memcpyH2D("${name}")`, x0, y0, w, h);
    if (data.length < w * h * n)
      throw new FabricProgramError(
        `memcpyH2D("${name}"): ${data.length} values for ${w} x ${h} PEs x ${n} elements = ${w * h * n}.`,
      );
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) this.fabric.write(x0 + x, y0 + y, name, data, (y * w + x) * n, n);
    return this.account("h2d", name, x0, y0, w, h, n);
  }

  /** Copy `n` elements of symbol `name` out of each PE of the rectangle, in memcpyH2D's order. */
  memcpyD2H(name: string, x0: number, y0: number, w: number, h: number, n: number): Float32Array {
    this.exported(name);
    this.rect(`memcpyD2H("${name}")`, x0, y0, w, h);
    const out = new Float32Array(w * h * n);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) this.fabric.read(x0 + x, y0 + y, name, out, (y * w + x) * n, n);
    this.account("d2h", name, x0, y0, w, h, n);
    return out;
  }

  /** Modeled cycles of moving `n` wavelets to or from each PE of a rectangle. */
  transferCycles(x0: number, y0: number, w: number, h: number, n: number): number {
    const wf = this.wafer;
    const perChannel = new Map<number, number>();
    for (let y = y0; y < y0 + h; y++) {
      const fabricRow = y + this.fabric.layout.fabricY;
      const ch = Math.min(Math.floor(fabricRow / wf.ioChannelRowSpacing), wf.ioChannelsPerEdge - 1);
      perChannel.set(ch, (perChannel.get(ch) ?? 0) + w * n);
    }
    const busiest = Math.max(...perChannel.values());
    const total = w * h * n;
    const hostRate = this.opts.hostIoBitsPerSec
      ? this.opts.hostIoBitsPerSec / wf.waveletPayloadBits / wf.clockHz
      : Infinity;
    const stream = Math.max(busiest, Math.ceil(total / hostRate));
    const distance = (this.fabric.layout.fabricX + x0 + w) * wf.hopLatencyCycles;
    return stream + distance;
  }

  private account(
    dir: "h2d" | "d2h",
    name: string,
    x0: number,
    y0: number,
    w: number,
    h: number,
    n: number,
  ): number {
    const cycles = this.transferCycles(x0, y0, w, h, n);
    this.hostCycles += cycles;
    this.transfers.push({ direction: dir, symbol: name, wavelets: w * h * n, cycles });
    return cycles;
  }

  /** Launch function `name` on every PE that has it and run until the fabric is quiet; returns its cycles. */
  launch(name: string): number {
    this.exported(name);
    const f = this.fabric;
    const start = f.startCycle();
    f.launch(name);
    f.run(start + (this.opts.maxCycles ?? 2e9));
    const cycles = Math.max(0, f.stats().cycles - start);
    this.kernelCycles += cycles;
    return cycles;
  }

  stats(): FabricStats {
    return this.fabric.stats();
  }
}
