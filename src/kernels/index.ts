// kernels: programs for the wafer (fabric/), each with a plain reference it is checked against, and
// runKernel, which runs one on a rectangle and reports its simulated cycles for the performance model.
import { allreduceKernel, reduceKernel } from "./reduce.js";
import { bandwidthKernel } from "./bandwidth.js";
import { gemmKernel } from "./gemm.js";
import { gemvKernel } from "./gemv.js";
import type { KernelDefinition } from "./kernel.js";
import { stencilKernel } from "./stencil.js";
import { waferReduceKernel } from "./wafer-reduce.js";

/** Every built-in kernel, by name. */
export const KERNELS: Readonly<Record<string, KernelDefinition>> = Object.fromEntries(
  [
    gemvKernel,
    gemmKernel,
    reduceKernel,
    allreduceKernel,
    stencilKernel,
    bandwidthKernel,
    waferReduceKernel,
  ].map((k) => [k.name, k]),
);

export { KernelParamError, resolveParams, runKernel } from "./kernel.js";
export type {
  KernelCheck,
  KernelDefinition,
  KernelResult,
  KernelSize,
  ParamSpec,
  RunKernelOptions,
} from "./kernel.js";
export { EPS32, compare, randomF32, rng } from "./check.js";
export { gemvKernel, gemvReference } from "./gemv.js";
export { gemmKernel, gemmReference } from "./gemm.js";
export { AXES, allreduceKernel, reduceKernel, reduceReference } from "./reduce.js";
export type { Axis } from "./reduce.js";
export { stencilKernel, stencilReference } from "./stencil.js";
export { bandwidthKernel } from "./bandwidth.js";
export { waferReduceKernel, weight } from "./wafer-reduce.js";
