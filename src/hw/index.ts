// hw: every hardware number of the emulated cluster, typed and sourced (../shared/facts/hardware.md), and the
// figures derived from them. Data and arithmetic only; the lowest layer, it imports nothing of the project.
export { LINKS, WSE2, WSE3 } from "./wafer.js";
export type { Link, NumberFormat, SimdOp, SimdWidths, WaferSpec } from "./wafer.js";
export { CS2, CS3, SYSTEMS } from "./system.js";
export type { SystemKind, SystemSpec } from "./system.js";
export { ALCF_CLUSTER, DEFAULT_MANAGEMENT, jobCluster, makeCluster, systemNames } from "./cluster.js";
export type { ClusterSpec, ManagementSpec, MemoryXSpec, SwarmXSpec } from "./cluster.js";
export {
  deriveCluster,
  fabricBandwidthBitsPerSec,
  fabricPEs,
  fabricSramBytes,
  flopsPerElement,
  hostIoBitsPerSec,
  kernelPeakFlops,
  kernelRect,
  marketedPeakFlops,
  peakFlops,
  sramBandwidthBytesPerSec,
  sramBankBytes,
  swarmxTree,
} from "./derived.js";
export type { DerivedCluster, SwarmXTree } from "./derived.js";
