// The cluster: N CS-X systems and the appliance roles around them. Tags as in wafer.ts.
import { CS2 } from "./system.js";
import type { SystemSpec } from "./system.js";

export interface MemoryXSpec {
  /**
   * Weight and optimizer-state capacity, bytes. Configurations range from 4 TB to 2.4 PB [P] vendor glossary;
   * the default is the smallest.
   */
  readonly capacityBytes: number;
  /** Streaming bandwidth to the systems, bits/s: "matches or exceeds a CS-2's" I/O [P]; default equal. */
  readonly ioBitsPerSec: number;
}

export interface SwarmXSpec {
  /**
   * Systems one node serves: each node performs one 1:4 or two 1:2 broadcast/reduce operations [P]. The tree
   * is built from 1:fanout nodes.
   */
  readonly fanout: number;
  /** NIC rate of a node, bits/s: 100 Gb/s [P] */
  readonly nicBitsPerSec: number;
  /** Largest cluster SwarmX connects: 192 systems [P] */
  readonly maxSystems: number;
}

export interface ManagementSpec {
  /** Memory and cores one compile job takes: about 67 GiB and 24 cores [P] ALCF and vendor docs */
  readonly compileJobMemoryBytes: number;
  readonly compileJobCores: number;
  /** Priority buckets of the FIFO scheduler; `--job_priority p1|p2|p3` maps to 199/299/399, default p2 [P] */
  readonly priorities: readonly { readonly name: string; readonly value: number }[];
  readonly defaultPriority: string;
}

export interface ClusterSpec {
  readonly name: string;
  readonly system: SystemSpec;
  /** CS-X systems in the cluster, 1..swarmx.maxSystems. ALCF runs 2 CS-2s (the default). */
  readonly numSystems: number;
  readonly memoryx: MemoryXSpec;
  readonly swarmx: SwarmXSpec;
  /**
   * Input workers streaming data to each system (`num_workers_per_csx`); 0 means automatic, which the
   * appliance resolves at job start [P] modelzoo CLI.
   */
  readonly inputWorkersPerSystem: number;
  readonly management: ManagementSpec;
}

const GiB = 1024 ** 3;
const TB = 1e12;

export const DEFAULT_MANAGEMENT: ManagementSpec = {
  compileJobMemoryBytes: 67 * GiB,
  compileJobCores: 24,
  priorities: [
    { name: "p1", value: 199 },
    { name: "p2", value: 299 },
    { name: "p3", value: 399 },
  ],
  defaultPriority: "p2",
};

/** Build a cluster of `numSystems` systems of one kind with the default appliance roles. */
export function makeCluster(
  system: SystemSpec,
  numSystems: number,
  name = `${numSystems} x ${system.name}`,
): ClusterSpec {
  return {
    name,
    system,
    numSystems,
    memoryx: {
      capacityBytes: 4 * TB,
      ioBitsPerSec: system.ethernetPorts * system.ethernetPortBitsPerSec * system.ioScale,
    },
    swarmx: { fanout: 4, nicBitsPerSec: 100e9, maxSystems: 192 },
    inputWorkersPerSystem: 0,
    management: DEFAULT_MANAGEMENT,
  };
}

/** ALCF's layout: two CS-2 systems with MemoryX, SwarmX, input workers and a management node. */
export const ALCF_CLUSTER: ClusterSpec = makeCluster(CS2, 2, "ALCF CS-2 cluster");

/** The systems a job uses: `n` of the cluster's systems, with its MemoryX, SwarmX and input workers. */
export function jobCluster(c: ClusterSpec, n: number): ClusterSpec {
  return { ...c, numSystems: n };
}

/**
 * Names of the cluster's systems, as the scheduler hands them out and every view shows them (`wsc system`,
 * `wsc ctl`, the dashboard): `cs2-01`, `cs2-02`, ..., numbered from 1 in the order of the cluster file.
 */
export function systemNames(c: ClusterSpec): string[] {
  const width = Math.max(2, String(c.numSystems).length);
  return Array.from(
    { length: c.numSystems },
    (_, i) => `${c.system.kind}-${String(i + 1).padStart(width, "0")}`,
  );
}
