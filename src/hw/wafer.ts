// The wafer: one Wafer-Scale Engine (WSE-2 or WSE-3) as its programmers see it.
//
// Every number here comes from ../shared/facts/hardware.md, with its tag in the comment:
//   [P] primary source (vendor or ALCF docs, vendor repo), [S] secondary (press, talk summaries),
//   [D] derived by arithmetic from other rows, [U] uncertain: a named parameter a user can override.
// Nothing is computed here; derived figures live in derived.ts.

/** Number formats the wafer computes in. cb16: 6-bit exponent, 9-bit mantissa. [P] SDK compiler docs */
export type NumberFormat = "fp32" | "fp16" | "bf16" | "cb16";

/**
 * Elements a PE's vector unit processes per cycle, per operation and dtype (the SIMD width).
 * Keys are `<op>.<dtype>`; `fmac.fp16xfp32` is an fp16 x fp16 product accumulated in fp32.
 */
export interface SimdWidths {
  /** fp16 fused multiply-accumulate. WSE-2: 4 [P] SDK appendix SIMD table */
  "fmac.fp16": number;
  /** fp16 multiply. WSE-2: 4 [P] */
  "mul.fp16": number;
  /** fp16 add. WSE-2: 4 [U] not in the SDK table; assumed equal to fp16 multiply */
  "add.fp16": number;
  /** fp16 x fp16 -> fp32 multiply-accumulate. WSE-2: 2 [P] */
  "fmac.fp16xfp32": number;
  /** fp32 add. WSE-2: 2 [P] */
  "add.fp32": number;
  /** fp32 multiply. WSE-2: 1 [U] not in the SDK table; assumed equal to fp32 FMAC */
  "mul.fp32": number;
  /** fp32 fused multiply-accumulate. WSE-2: 1 [P][U] */
  "fmac.fp32": number;
  /** fp32 vector move (copy, fabric in/out). WSE-2: 1 [U] one 32-bit write port per cycle */
  "mov.fp32": number;
  /** fp16 vector move. WSE-2: 2 [U] two 16-bit values per 32-bit write */
  "mov.fp16": number;
}

export type SimdOp = keyof SimdWidths;

/** The five router links of every PE. [P] SDK "computing with Cerebras" */
export const LINKS = ["RAMP", "N", "S", "E", "W"] as const;
export type Link = (typeof LINKS)[number];

export interface WaferSpec {
  /** "WSE-2" or "WSE-3". */
  readonly name: string;
  /** Processing elements as marketed (cores). WSE-2: 850,000 [P] ALCF overview; WSE-3: 900,000 [S] */
  readonly marketedCores: number;
  /** On-chip SRAM as marketed, bytes. WSE-2: 40 GB [P]; WSE-3: 44 GB [S] */
  readonly marketedSramBytes: number;
  /** Fabric grid the SDK compiles for, columns x rows. WSE-2: 757 x 996 [P] SDK docs; WSE-3: 762 x 1172 [P] */
  readonly fabricWidth: number;
  readonly fabricHeight: number;
  /**
   * Columns and rows the host-transfer halo takes from the fabric; what remains is the usable kernel rectangle.
   * WSE-2: 4 west, 3 east, 1 north, 1 south -> 750 x 994 [P]/[D] SDK tensor-streaming docs.
   * WSE-3: [U] assumed the same halo as WSE-2.
   */
  readonly halo: {
    readonly west: number;
    readonly east: number;
    readonly north: number;
    readonly south: number;
  };
  /** SRAM per PE, bytes: 48 KB = 8 banks x 6 KB [P] SDK language appendix */
  readonly sramBytesPerPE: number;
  readonly sramBanks: number;
  /** SRAM ports per PE per cycle [P]: 2 reads + 1 write. */
  readonly sramReadPorts: number;
  readonly sramWritePorts: number;
  /** Width of one SRAM port, bits: 32 per the SDK [P], 64 per a talk summary [S]. Conflict: a parameter [U]. */
  readonly sramPortBits: number;
  /** Clock, Hz: 1.1 GHz [S] talk summary (SDK examples convert cycles at 850 MHz [P]) [U] */
  readonly clockHz: number;
  /** Vector widths per op and dtype. [P] SDK appendix, except where marked [U]. */
  readonly simd: SimdWidths;
  /** Floating point units as marketed: 3.4 million (4 per core) on WSE-2 [P] vendor blog */
  readonly fpUnitsPerCore: number;
  /** Routable colors (virtual channels) sharing each link: 0..23 [P] SDK task-ids page */
  readonly colors: number;
  /** Task IDs 0..63 [P] SDK */
  readonly taskIds: number;
  /** Wavelet payload: 32 bits (or 16-bit data + 16-bit index) [P]; 38 bits on the wire [P] vendor blog */
  readonly waveletPayloadBits: number;
  readonly waveletWireBits: number;
  /** Wavelets per link direction per cycle [P]: one. */
  readonly waveletsPerLinkPerCycle: number;
  /** Cycles for a wavelet to cross one hop [U] implied 1 */
  readonly hopLatencyCycles: number;
  /**
   * Depth of a router input queue, wavelets [U]. Facts say only "small": an SDK example stalls past about
   * 14 wavelets in flight (csl-examples pipeline-01).
   */
  readonly inputQueueDepth: number;
  /** I/O channels on each east and west edge: 60 on WSE-2, 62 on WSE-3 [P]; about 16 rows apart [P] */
  readonly ioChannelsPerEdge: number;
  readonly ioChannelRowSpacing: number;
  /** Number formats [P] */
  readonly numberFormats: readonly NumberFormat[];
  /** Wafer power, watts: WSE-2 about 15 kW [S]; WSE-3 unknown (null) */
  readonly powerWatts: number | null;
}

const KB = 1024;
const GB = 1e9;

/** The WSE-2 wafer of a CS-2 system. */
export const WSE2: WaferSpec = {
  name: "WSE-2",
  marketedCores: 850_000,
  marketedSramBytes: 40 * GB,
  fabricWidth: 757,
  fabricHeight: 996,
  halo: { west: 4, east: 3, north: 1, south: 1 },
  sramBytesPerPE: 48 * KB,
  sramBanks: 8,
  sramReadPorts: 2,
  sramWritePorts: 1,
  sramPortBits: 32,
  clockHz: 1.1e9,
  simd: {
    "fmac.fp16": 4,
    "mul.fp16": 4,
    "add.fp16": 4,
    "fmac.fp16xfp32": 2,
    "add.fp32": 2,
    "mul.fp32": 1,
    "fmac.fp32": 1,
    "mov.fp32": 1,
    "mov.fp16": 2,
  },
  fpUnitsPerCore: 4,
  colors: 24,
  taskIds: 64,
  waveletPayloadBits: 32,
  waveletWireBits: 38,
  waveletsPerLinkPerCycle: 1,
  hopLatencyCycles: 1,
  inputQueueDepth: 14,
  ioChannelsPerEdge: 60,
  ioChannelRowSpacing: 16,
  numberFormats: ["fp32", "fp16", "bf16", "cb16"],
  powerWatts: 15_000,
};

/** The WSE-3 wafer of a CS-3 system: the WSE-2 with twice the SIMD widths [P], for what-if comparisons. */
export const WSE3: WaferSpec = {
  ...WSE2,
  name: "WSE-3",
  marketedCores: 900_000,
  marketedSramBytes: 44 * GB,
  fabricWidth: 762,
  fabricHeight: 1172,
  simd: Object.fromEntries(Object.entries(WSE2.simd).map(([op, w]) => [op, 2 * w])) as unknown as SimdWidths,
  ioChannelsPerEdge: 62,
  powerWatts: null,
};
