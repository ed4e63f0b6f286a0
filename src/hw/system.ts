// A CS-X system: one wafer, its host I/O and its power. Tags as in wafer.ts.
import { WSE2, WSE3 } from "./wafer.js";
import type { WaferSpec } from "./wafer.js";

export type SystemKind = "cs2" | "cs3";

export interface SystemSpec {
  readonly kind: SystemKind;
  /** "CS-2" or "CS-3". */
  readonly name: string;
  readonly wafer: WaferSpec;
  /** Host Ethernet ports and their rate: 12 x 100 GbE = 1.2 Tb/s per CS-2 [P] vendor glossary (SwarmX) */
  readonly ethernetPorts: number;
  readonly ethernetPortBitsPerSec: number;
  /** Multiplier on the CS-2's host I/O: CS-3 is about +30% [S] */
  readonly ioScale: number;
  /** System power, watts: CS-2 about 23 kW [U]; CS-3 unknown (null) */
  readonly powerWatts: number | null;
}

export const CS2: SystemSpec = {
  kind: "cs2",
  name: "CS-2",
  wafer: WSE2,
  ethernetPorts: 12,
  ethernetPortBitsPerSec: 100e9,
  ioScale: 1,
  powerWatts: 23_000,
};

export const CS3: SystemSpec = {
  kind: "cs3",
  name: "CS-3",
  wafer: WSE3,
  ethernetPorts: 12,
  ethernetPortBitsPerSec: 100e9,
  ioScale: 1.3,
  powerWatts: null,
};

export const SYSTEMS: Readonly<Record<SystemKind, SystemSpec>> = { cs2: CS2, cs3: CS3 };
