// Figures derived by arithmetic from the typed specs. Nothing here is typed in twice: change a spec (a what-if
// override) and every derived figure follows.
import type { ClusterSpec } from "./cluster.js";
import type { SystemSpec } from "./system.js";
import type { SimdOp, WaferSpec } from "./wafer.js";

/** Floating-point operations one element of a vector op costs: an FMAC is a multiply and an add. */
export function flopsPerElement(op: SimdOp): number {
  if (op.startsWith("fmac.")) return 2;
  if (op.startsWith("mov.")) return 0;
  return 1;
}

/** Processing elements of the SDK fabric grid (WSE-2: 757 x 996 = 753,972). */
export function fabricPEs(w: WaferSpec): number {
  return w.fabricWidth * w.fabricHeight;
}

/** The usable kernel rectangle: the fabric minus the host-transfer halo (WSE-2: 750 x 994). */
export function kernelRect(w: WaferSpec): { width: number; height: number; pes: number } {
  const width = w.fabricWidth - w.halo.west - w.halo.east;
  const height = w.fabricHeight - w.halo.north - w.halo.south;
  return { width, height, pes: width * height };
}

/** Bytes in one SRAM bank (WSE-2: 48 KB / 8 = 6 KB). */
export function sramBankBytes(w: WaferSpec): number {
  return w.sramBytesPerPE / w.sramBanks;
}

/** SRAM of all PEs of the fabric grid, bytes. */
export function fabricSramBytes(w: WaferSpec): number {
  return fabricPEs(w) * w.sramBytesPerPE;
}

/** Peak FLOP/s of `pes` PEs running vector op `op` every cycle. */
export function peakFlops(w: WaferSpec, op: SimdOp, pes: number): number {
  return pes * w.simd[op] * flopsPerElement(op) * w.clockHz;
}

/** Peak FLOP/s over the marketed core count (the vendor's way: 850k x 4 FMAC x 2 x 1.1 GHz = 7.48 PF fp16). */
export function marketedPeakFlops(w: WaferSpec, op: SimdOp): number {
  return peakFlops(w, op, w.marketedCores);
}

/** Peak FLOP/s over the usable kernel rectangle: what a program the SDK compiles can reach. */
export function kernelPeakFlops(w: WaferSpec, op: SimdOp): number {
  return peakFlops(w, op, kernelRect(w).pes);
}

/** SRAM bandwidth of all marketed cores, bytes/s: cores x (reads + writes) x port width x clock. */
export function sramBandwidthBytesPerSec(w: WaferSpec): number {
  return w.marketedCores * (w.sramReadPorts + w.sramWritePorts) * (w.sramPortBits / 8) * w.clockHz;
}

/**
 * Fabric bandwidth of all marketed cores, payload bits/s: every core sends one wavelet per cycle on each of its
 * four N/S/E/W links.
 */
export function fabricBandwidthBitsPerSec(w: WaferSpec): number {
  return w.marketedCores * 4 * w.waveletPayloadBits * w.waveletsPerLinkPerCycle * w.clockHz;
}

/** Host I/O of one system, bits/s (CS-2: 12 x 100 GbE = 1.2 Tb/s). */
export function hostIoBitsPerSec(s: SystemSpec): number {
  return s.ethernetPorts * s.ethernetPortBitsPerSec * s.ioScale;
}

/** Shape of the SwarmX broadcast/reduce tree for a cluster. */
export interface SwarmXTree {
  /** Independent trees, one per NIC-rate lane of a system's host I/O (CS-2: 1.2 Tb/s / 100 Gb/s = 12). */
  readonly lanes: number;
  /** Levels of 1:fanout nodes between MemoryX and the systems: max(1, ceil(log_fanout N)). */
  readonly depth: number;
  /** Nodes in one lane's tree, level by level from the systems up (N=16, fanout 4: [4, 1]). */
  readonly nodesPerLevel: readonly number[];
  /** Nodes in one lane's tree. */
  readonly nodesPerLane: number;
  /** Nodes in all lanes: grows linearly with N. */
  readonly totalNodes: number;
}

export function swarmxTree(c: ClusterSpec): SwarmXTree {
  const n = c.numSystems;
  const f = c.swarmx.fanout;
  const lanes = Math.ceil(hostIoBitsPerSec(c.system) / c.swarmx.nicBitsPerSec - 1e-9);
  const nodesPerLevel: number[] = [];
  let width = n;
  do {
    width = Math.ceil(width / f);
    nodesPerLevel.push(width);
  } while (width > 1);
  const nodesPerLane = nodesPerLevel.reduce((a, b) => a + b, 0);
  return {
    lanes,
    depth: nodesPerLevel.length,
    nodesPerLevel,
    nodesPerLane,
    totalNodes: lanes * nodesPerLane,
  };
}

/** Every derived figure of a cluster in one object: what `wsc system --json` prints under `derived`. */
export function deriveCluster(c: ClusterSpec) {
  const w = c.system.wafer;
  const k = kernelRect(w);
  return {
    wafer: {
      fabricPEs: fabricPEs(w),
      kernelWidth: k.width,
      kernelHeight: k.height,
      kernelPEs: k.pes,
      sramBankBytes: sramBankBytes(w),
      fabricSramBytes: fabricSramBytes(w),
      marketedPeakFlops: {
        fp16: marketedPeakFlops(w, "fmac.fp16"),
        fp16xfp32: marketedPeakFlops(w, "fmac.fp16xfp32"),
        fp32: marketedPeakFlops(w, "fmac.fp32"),
      },
      kernelPeakFlops: {
        fp16: kernelPeakFlops(w, "fmac.fp16"),
        fp16xfp32: kernelPeakFlops(w, "fmac.fp16xfp32"),
        fp32: kernelPeakFlops(w, "fmac.fp32"),
      },
      sramBandwidthBytesPerSec: sramBandwidthBytesPerSec(w),
      fabricBandwidthBitsPerSec: fabricBandwidthBitsPerSec(w),
      nanosecondsPerCycle: 1e9 / w.clockHz,
    },
    system: { hostIoBitsPerSec: hostIoBitsPerSec(c.system) },
    cluster: {
      totalMarketedCores: c.numSystems * w.marketedCores,
      totalFabricPEs: c.numSystems * fabricPEs(w),
      marketedPeakFlopsFp16: c.numSystems * marketedPeakFlops(w, "fmac.fp16"),
      swarmx: swarmxTree(c),
    },
  };
}

export type DerivedCluster = ReturnType<typeof deriveCluster>;
