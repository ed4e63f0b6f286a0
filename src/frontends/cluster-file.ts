// Cluster files: a YAML description of the cluster a user wants to emulate (`--cluster FILE`). Every key is
// optional; what is left out keeps the default, which is ALCF's layout (2 CS-2 systems). The `wafer` and
// `system_io` sections are what-if overrides of the hardware figures in src/hw.
//
//   name: my-cluster
//   system: cs2            # cs2 | cs3
//   num_systems: 2         # 1..192
//   wafer: { clock_ghz: 1.1, sram_kib_per_pe: 48, sram_port_bits: 32, ... }
//   system_io: { ethernet_ports: 12, ethernet_port_gbps: 100 }
//   memoryx: { capacity_tb: 4, io_gbps: 1200 }
//   swarmx: { fanout: 4, nic_gbps: 100 }
//   input_workers_per_system: 0   # 0 = automatic
import { z } from "zod";
import { ALCF_CLUSTER, SYSTEMS, jobCluster, makeCluster } from "../hw/index.js";
import type { ClusterSpec, SimdWidths, SystemKind, SystemSpec, WaferSpec } from "../hw/index.js";
import { WscError } from "../util/errors.js";
import { loadYamlConfig, readConfigFile } from "./yaml-config.js";

const MAX_SYSTEMS = ALCF_CLUSTER.swarmx.maxSystems;

const int = (min: number, max: number, what: string) => z.number().int().min(min).max(max).describe(what);
const positive = (max: number, what: string) => z.number().gt(0).max(max).describe(what);

const simdSchema = z
  .strictObject({
    "fmac.fp16": int(1, 64, "fp16 FMACs per cycle"),
    "mul.fp16": int(1, 64, "fp16 multiplies per cycle"),
    "add.fp16": int(1, 64, "fp16 adds per cycle"),
    "fmac.fp16xfp32": int(1, 64, "mixed-precision FMACs per cycle"),
    "add.fp32": int(1, 64, "fp32 adds per cycle"),
    "mul.fp32": int(1, 64, "fp32 multiplies per cycle"),
    "fmac.fp32": int(1, 64, "fp32 FMACs per cycle"),
    "mov.fp32": int(1, 64, "fp32 moves per cycle"),
    "mov.fp16": int(1, 64, "fp16 moves per cycle"),
  })
  .partial();

const waferSchema = z
  .strictObject({
    fabric_width: int(8, 4096, "fabric columns"),
    fabric_height: int(8, 4096, "fabric rows"),
    sram_kib_per_pe: int(1, 4096, "SRAM per PE in KiB"),
    sram_banks: int(1, 64, "SRAM banks per PE"),
    sram_port_bits: z
      .union([z.literal(16), z.literal(32), z.literal(64), z.literal(128)])
      .describe("SRAM port width in bits"),
    clock_ghz: positive(10, "clock in GHz"),
    hop_latency_cycles: int(1, 64, "cycles per fabric hop"),
    input_queue_depth: int(1, 1024, "router input queue depth in wavelets"),
    colors: int(1, 64, "routable colors"),
    simd: simdSchema,
  })
  .partial();

export const clusterFileSchema = z
  .strictObject({
    name: z.string().min(1),
    system: z.enum(["cs2", "cs3"]).describe("system type"),
    num_systems: int(1, MAX_SYSTEMS, `CS-X systems; SwarmX connects at most ${MAX_SYSTEMS}`),
    wafer: waferSchema,
    system_io: z
      .strictObject({
        ethernet_ports: int(1, 1024, "100 GbE-class ports per system"),
        ethernet_port_gbps: positive(100_000, "rate of one port in Gb/s"),
      })
      .partial(),
    memoryx: z
      .strictObject({
        capacity_tb: positive(1_000_000, "MemoryX capacity in TB (real configurations: 4 to 2400)"),
        io_gbps: positive(1_000_000, "MemoryX streaming bandwidth in Gb/s"),
      })
      .partial(),
    swarmx: z
      .strictObject({
        fanout: int(2, 16, "systems one SwarmX node serves"),
        nic_gbps: positive(100_000, "SwarmX node NIC rate in Gb/s"),
      })
      .partial(),
    input_workers_per_system: int(0, 1024, "input workers per system; 0 = automatic"),
  })
  .partial();

export type ClusterFile = z.output<typeof clusterFileSchema>;

/** What the command line can override on top of a cluster file. */
export interface ClusterOverrides {
  system?: SystemKind;
  numSystems?: number;
}

/** Build the cluster a parsed cluster file describes. */
export function clusterFromFile(f: ClusterFile, o: ClusterOverrides = {}): ClusterSpec {
  const base = SYSTEMS[o.system ?? f.system ?? ALCF_CLUSTER.system.kind];
  const w = f.wafer ?? {};
  const wafer: WaferSpec = {
    ...base.wafer,
    ...(w.fabric_width !== undefined && { fabricWidth: w.fabric_width }),
    ...(w.fabric_height !== undefined && { fabricHeight: w.fabric_height }),
    ...(w.sram_kib_per_pe !== undefined && { sramBytesPerPE: w.sram_kib_per_pe * 1024 }),
    ...(w.sram_banks !== undefined && { sramBanks: w.sram_banks }),
    ...(w.sram_port_bits !== undefined && { sramPortBits: w.sram_port_bits }),
    ...(w.clock_ghz !== undefined && { clockHz: w.clock_ghz * 1e9 }),
    ...(w.hop_latency_cycles !== undefined && { hopLatencyCycles: w.hop_latency_cycles }),
    ...(w.input_queue_depth !== undefined && { inputQueueDepth: w.input_queue_depth }),
    ...(w.colors !== undefined && { colors: w.colors }),
    simd: { ...base.wafer.simd, ...(w.simd as Partial<SimdWidths> | undefined) },
  };
  const { halo } = wafer;
  if (wafer.fabricWidth <= halo.west + halo.east || wafer.fabricHeight <= halo.north + halo.south) {
    throw new WscError(
      `wafer.fabric_width/fabric_height: ${wafer.fabricWidth} x ${wafer.fabricHeight} leaves no kernel rectangle ` +
        `after the host-transfer halo (${halo.west + halo.east} columns, ${halo.north + halo.south} rows)`,
    );
  }
  const io = f.system_io ?? {};
  const system: SystemSpec = {
    ...base,
    wafer,
    ...(io.ethernet_ports !== undefined && { ethernetPorts: io.ethernet_ports }),
    ...(io.ethernet_port_gbps !== undefined && { ethernetPortBitsPerSec: io.ethernet_port_gbps * 1e9 }),
  };
  const numSystems = o.numSystems ?? f.num_systems ?? ALCF_CLUSTER.numSystems;
  const c = makeCluster(
    system,
    numSystems,
    f.name ??
      (f.system || o.system || f.num_systems || o.numSystems
        ? `${numSystems} x ${system.name}`
        : ALCF_CLUSTER.name),
  );
  return {
    ...c,
    memoryx: {
      capacityBytes:
        f.memoryx?.capacity_tb !== undefined ? f.memoryx.capacity_tb * 1e12 : c.memoryx.capacityBytes,
      ioBitsPerSec: f.memoryx?.io_gbps !== undefined ? f.memoryx.io_gbps * 1e9 : c.memoryx.ioBitsPerSec,
    },
    swarmx: {
      ...c.swarmx,
      ...(f.swarmx?.fanout !== undefined && { fanout: f.swarmx.fanout }),
      ...(f.swarmx?.nic_gbps !== undefined && { nicBitsPerSec: f.swarmx.nic_gbps * 1e9 }),
    },
    inputWorkersPerSystem: f.input_workers_per_system ?? c.inputWorkersPerSystem,
  };
}

/** Parse cluster-file text (for tests and for files already read). */
export function parseClusterFile(file: string, text: string, o: ClusterOverrides = {}): ClusterSpec {
  return clusterFromFile(loadYamlConfig(file, text, clusterFileSchema), o);
}

/** The cluster `--cluster FILE` names, or the default (ALCF's 2 x CS-2), with command-line overrides. */
export function loadCluster(file: string | undefined, o: ClusterOverrides = {}): ClusterSpec {
  if (file === undefined) return clusterFromFile({}, o);
  return parseClusterFile(file, readConfigFile(file, "cluster file", "--cluster"), o);
}

/** A job asks for more systems than the cluster has: it could never run, so it fails at submission. */
export class ClusterTooSmallError extends WscError {
  readonly needed: number;
  readonly available: number;
  constructor(needed: number, available: number, clusterFile: string | null) {
    super(
      `the job needs ${needed} CS-X system${needed === 1 ? "" : "s"} (--num_csx=${needed}) but the cluster has ` +
        `${available}: use --num_csx between 1 and ${available}` +
        (clusterFile
          ? `, or raise num_systems in ${clusterFile}`
          : `, or describe a larger cluster in $WSC_HOME/cluster.yaml (num_systems: ${needed})`),
    );
    this.needed = needed;
    this.available = available;
  }
}

/**
 * The systems a job of `n` systems uses on cluster `c` (described by `clusterFile`, null for the default): an
 * error naming both numbers and the fix when the cluster has fewer.
 */
export function clusterSystemsFor(c: ClusterSpec, n: number, clusterFile: string | null): ClusterSpec {
  if (n > c.numSystems) throw new ClusterTooSmallError(n, c.numSystems, clusterFile);
  return jobCluster(c, n);
}

/** The systems a job of `numCsx` systems uses on the cluster a cluster file describes (or the default). */
export function loadJobCluster(o: { cluster?: string; system?: SystemKind; numCsx?: number }): ClusterSpec {
  return clusterSystemsFor(loadCluster(o.cluster, { system: o.system }), o.numCsx ?? 1, o.cluster ?? null);
}
