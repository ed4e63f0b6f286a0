// Every derived hardware figure pinned against hand arithmetic from ../shared/facts/hardware.md.
import { describe, expect, it } from "vitest";
import {
  ALCF_CLUSTER,
  CS2,
  CS3,
  WSE2,
  WSE3,
  deriveCluster,
  fabricBandwidthBitsPerSec,
  fabricPEs,
  fabricSramBytes,
  hostIoBitsPerSec,
  kernelPeakFlops,
  kernelRect,
  makeCluster,
  marketedPeakFlops,
  sramBandwidthBytesPerSec,
  sramBankBytes,
  swarmxTree,
} from "./index.js";

describe("WSE-2 wafer", () => {
  it("fabric grid is 757 x 996 = 753,972 PEs", () => {
    expect(fabricPEs(WSE2)).toBe(753_972);
  });
  it("usable kernel rectangle is 750 x 994 after the 4+3 column, 1+1 row halo", () => {
    expect(kernelRect(WSE2)).toEqual({ width: 750, height: 994, pes: 745_500 });
  });
  it("SRAM is 48 KB per PE in 8 banks of 6 KB", () => {
    expect(WSE2.sramBytesPerPE).toBe(49_152);
    expect(sramBankBytes(WSE2)).toBe(6144);
    expect(fabricSramBytes(WSE2)).toBe(753_972 * 49_152);
  });
  it("peak fp16 over marketed cores is 850,000 x 4 FMAC x 2 x 1.1 GHz = 7.48 PFLOP/s", () => {
    expect(marketedPeakFlops(WSE2, "fmac.fp16")).toBeCloseTo(850_000 * 4 * 2 * 1.1e9, -3);
    expect(marketedPeakFlops(WSE2, "fmac.fp16")).toBeCloseTo(7.48e15, -13);
  });
  it("peak fp32 FMAC is a quarter of fp16 and mixed precision a half", () => {
    expect(marketedPeakFlops(WSE2, "fmac.fp32")).toBeCloseTo(850_000 * 1 * 2 * 1.1e9, -3);
    expect(marketedPeakFlops(WSE2, "fmac.fp16xfp32")).toBeCloseTo(850_000 * 2 * 2 * 1.1e9, -3);
  });
  it("an add is one FLOP per element, not two", () => {
    expect(marketedPeakFlops(WSE2, "add.fp32")).toBeCloseTo(850_000 * 2 * 1 * 1.1e9, -3);
  });
  it("peak over the kernel rectangle uses its 745,500 PEs", () => {
    expect(kernelPeakFlops(WSE2, "fmac.fp16")).toBeCloseTo(745_500 * 4 * 2 * 1.1e9, -3);
  });
  it("SRAM bandwidth is cores x 3 ports x 4 bytes x clock (11.22 PB/s with 32-bit ports)", () => {
    expect(sramBandwidthBytesPerSec(WSE2)).toBeCloseTo(850_000 * 3 * 4 * 1.1e9, -3);
    // with the 64-bit ports of the talk summary it reaches the published 20 PB/s order (22.4 PB/s)
    expect(sramBandwidthBytesPerSec({ ...WSE2, sramPortBits: 64 })).toBeCloseTo(22.44e15, -13);
  });
  it("fabric bandwidth is cores x 4 links x 32 bits x clock", () => {
    expect(fabricBandwidthBitsPerSec(WSE2)).toBeCloseTo(850_000 * 4 * 32 * 1.1e9, -3);
  });
});

describe("WSE-3 wafer", () => {
  it("fabric grid is 762 x 1172 = 893,064 PEs", () => {
    expect(WSE3.fabricWidth).toBe(762);
    expect(WSE3.fabricHeight).toBe(1172);
    expect(fabricPEs(WSE3)).toBe(893_064);
  });
  it("SIMD widths are twice the WSE-2 ones (fp16 FMAC 8)", () => {
    expect(WSE3.simd["fmac.fp16"]).toBe(8);
    for (const [op, w] of Object.entries(WSE2.simd))
      expect(WSE3.simd[op as keyof typeof WSE3.simd]).toBe(2 * w);
  });
  it("has 62 I/O channels per edge", () => {
    expect(WSE3.ioChannelsPerEdge).toBe(62);
  });
});

describe("systems", () => {
  it("a CS-2 has 12 x 100 GbE = 1.2 Tb/s of host I/O", () => {
    expect(hostIoBitsPerSec(CS2)).toBe(1.2e12);
  });
  it("a CS-3 has about 30% more I/O than a CS-2", () => {
    expect(hostIoBitsPerSec(CS3)).toBeCloseTo(1.56e12, -6);
  });
});

describe("SwarmX tree", () => {
  it("1 and 2 systems need one 1:4 node per lane, depth 1", () => {
    for (const n of [1, 2, 4]) {
      const t = swarmxTree(makeCluster(CS2, n));
      expect(t).toMatchObject({ lanes: 12, depth: 1, nodesPerLevel: [1], nodesPerLane: 1, totalNodes: 12 });
    }
  });
  it("5 systems need two levels: 2 nodes, then 1", () => {
    expect(swarmxTree(makeCluster(CS2, 5))).toMatchObject({
      depth: 2,
      nodesPerLevel: [2, 1],
      nodesPerLane: 3,
    });
  });
  it("16 systems: 4 + 1 nodes per lane, depth 2, 60 nodes in 12 lanes", () => {
    expect(swarmxTree(makeCluster(CS2, 16))).toMatchObject({
      depth: 2,
      nodesPerLevel: [4, 1],
      totalNodes: 60,
    });
  });
  it("192 systems: depth ceil(log4 192) = 4, 48 + 12 + 3 + 1 = 64 nodes per lane", () => {
    expect(swarmxTree(makeCluster(CS2, 192))).toMatchObject({
      depth: 4,
      nodesPerLevel: [48, 12, 3, 1],
      nodesPerLane: 64,
    });
  });
  it("with 1:2 nodes, 16 systems need depth log2 16 = 4", () => {
    const c = { ...makeCluster(CS2, 16), swarmx: { ...ALCF_CLUSTER.swarmx, fanout: 2 } };
    expect(swarmxTree(c)).toMatchObject({ depth: 4, nodesPerLevel: [8, 4, 2, 1], nodesPerLane: 15 });
  });
});

describe("cluster", () => {
  it("the default is ALCF's 2 CS-2 systems", () => {
    expect(ALCF_CLUSTER.numSystems).toBe(2);
    expect(ALCF_CLUSTER.system.kind).toBe("cs2");
  });
  it("totals scale with the number of systems", () => {
    const d = deriveCluster(makeCluster(CS2, 16));
    expect(d.cluster.totalFabricPEs).toBe(16 * 753_972);
    expect(d.cluster.marketedPeakFlopsFp16).toBeCloseTo(16 * 7.48e15, -13);
  });
});
