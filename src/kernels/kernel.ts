// What a wafer kernel is, and runKernel: build its layout, run it on the fabric simulator, check it against
// its reference and report the cycles the performance model compares its costs with.
import { peakFlops } from "../hw/index.js";
import type { SimdOp, WaferSpec } from "../hw/index.js";
import { HostRuntime, LayoutBuilder } from "../fabric/index.js";
import type { FabricTracer } from "../fabric/index.js";
import { WscError } from "../util/errors.js";

export interface KernelSize {
  readonly width: number;
  readonly height: number;
}

/** A numeric parameter of a kernel, with its default and range. */
export interface ParamSpec {
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

/** The check of a kernel's result against its reference. */
export interface KernelCheck {
  readonly ok: boolean;
  /** Largest absolute difference from the reference, and the tolerance it was held to. */
  readonly maxAbsErr: number;
  readonly tolerance: number;
  /** What was compared, for people. */
  readonly what: string;
  /** Kernel-specific figures (e.g. the bandwidth test's transfer rates). */
  readonly extra?: Readonly<Record<string, number>>;
}

/**
 * A kernel: a layout, a host program that runs it, and a check against a plain reference.
 * A user's kernel file (docs/fabric.md) default-exports an object of this shape.
 */
export interface KernelDefinition {
  readonly name: string;
  readonly summary: string;
  /** Integer parameters besides width and height; `--param k=v` sets them. */
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** The vector operation whose peak rate is the yardstick for achieved FLOP/s. */
  readonly peakOp: SimdOp;
  /** Optional check of the size before anything is built (e.g. "needs width >= 2"). */
  checkSize?(size: KernelSize, params: Readonly<Record<string, number>>): void;
  layout(l: LayoutBuilder, size: KernelSize, params: Readonly<Record<string, number>>): void;
  run(rt: HostRuntime, size: KernelSize, params: Readonly<Record<string, number>>): KernelCheck;
}

export interface KernelResult {
  readonly kernel: string;
  readonly wafer: string;
  readonly width: number;
  readonly height: number;
  readonly params: Readonly<Record<string, number>>;
  /** Simulated cycles of the launched work on the fabric (host transfers not included). */
  readonly cycles: number;
  /** Modeled cycles of host transfers (memcpy in and out). */
  readonly hostCycles: number;
  /** cycles / clock: what the wafer would take for the launched work. */
  readonly modeledSeconds: number;
  /** Floating-point operations the fabric performed (an FMAC counts two). */
  readonly flops: number;
  readonly achievedFlopsPerSec: number;
  /** Peak of the rectangle's PEs at peakOp, from src/hw. */
  readonly peakFlopsPerSec: number;
  readonly peakOp: SimdOp;
  readonly ok: boolean;
  readonly maxAbsErr: number;
  readonly tolerance: number;
  readonly check: string;
  readonly extra: Readonly<Record<string, number>>;
  /** Busy cycles of each PE of the rectangle, row-major (index y * width + x). */
  readonly busyCyclesPerPE: Float64Array;
  /** Simulator figures: events, hops, wall time of this machine. */
  readonly events: number;
  readonly hops: number;
  readonly wallSeconds: number;
  /** Where the rectangle sits on the fabric grid. */
  readonly fabricX: number;
  readonly fabricY: number;
}

/** A kernel parameter outside its range or unknown. */
export class KernelParamError extends WscError {}

/** Defaults filled in, unknown keys and out-of-range values rejected with the limit named. */
export function resolveParams(
  def: KernelDefinition,
  given: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(given))
    if (!(k in def.params))
      throw new KernelParamError(
        `kernel ${def.name} has no parameter "${k}" (it has: ${Object.keys(def.params).join(", ") || "none"}).`,
      );
  for (const [k, spec] of Object.entries(def.params)) {
    const v = given[k] ?? spec.default;
    if (!Number.isInteger(v) || v < spec.min || v > spec.max)
      throw new KernelParamError(
        `kernel ${def.name}: ${k} = ${v} is out of range: must be an integer in ${spec.min}..${spec.max} (${spec.description}).`,
      );
    out[k] = v;
  }
  return out;
}

export interface RunKernelOptions {
  readonly tracer?: FabricTracer;
  /** Host I/O of the system, bits/s, for host transfer times. */
  readonly hostIoBitsPerSec?: number;
  readonly maxCycles?: number;
}

/** Run a kernel on a width x height rectangle of `wafer` and check it against its reference. */
export function runKernel(
  def: KernelDefinition,
  spec: KernelSize & Readonly<Record<string, number>>,
  wafer: WaferSpec,
  opts: RunKernelOptions = {},
): KernelResult {
  const { width, height, ...given } = spec;
  const params = resolveParams(def, given);
  const size = { width, height };
  def.checkSize?.(size, params);
  const t0 = performance.now();
  const l = new LayoutBuilder(wafer);
  l.setRectangle(width, height);
  def.layout(l, size, params);
  const built = l.build();
  const rt = new HostRuntime(built, opts);
  const check = def.run(rt, size, params);
  const wallSeconds = (performance.now() - t0) / 1000;
  const st = rt.stats();
  const cycles = rt.kernelCycles;
  const modeledSeconds = cycles / wafer.clockHz;
  return {
    kernel: def.name,
    wafer: wafer.name,
    width,
    height,
    params,
    cycles,
    hostCycles: rt.hostCycles,
    modeledSeconds,
    flops: st.flops,
    achievedFlopsPerSec: modeledSeconds > 0 ? st.flops / modeledSeconds : 0,
    peakFlopsPerSec: peakFlops(wafer, def.peakOp, width * height),
    peakOp: def.peakOp,
    ok: check.ok,
    maxAbsErr: check.maxAbsErr,
    tolerance: check.tolerance,
    check: check.what,
    extra: check.extra ?? {},
    busyCyclesPerPE: rt.fabric.busyCycles(),
    events: st.events,
    hops: st.hops,
    wallSeconds,
    fabricX: built.fabricX,
    fabricY: built.fabricY,
  };
}
