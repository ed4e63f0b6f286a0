// `wsc system`: the cluster a user is about to use, drawn, and the figures of its wafer, systems and roles.
import type { Command } from "commander";
import { deriveCluster, kernelRect, systemNames } from "../../hw/index.js";
import type { ClusterSpec, DerivedCluster } from "../../hw/index.js";
import { loadCluster } from "../../frontends/cluster-file.js";
import { bytes, int, si } from "../../util/units.js";
import { Canvas } from "../canvas.js";
import { table } from "../../util/table.js";
import { parseSystemKind, pathOption } from "../options.js";

/** The roles of the cluster and their links, as a box diagram. */
export function drawCluster(c: ClusterSpec, d: DerivedCluster): string {
  const cv = new Canvas();
  const sys = c.system;
  const io = si(d.system.hostIoBitsPerSec, "b/s");
  const n = c.numSystems;
  const shown = n <= 4 ? [...Array(n).keys()] : [0, 1, -1, n - 1];
  const names = systemNames(c);
  const boxW = 17;
  const gap = 2;
  const width = Math.max(shown.length * boxW + (shown.length - 1) * gap, 50);
  const lefts = shown.map((_, i) =>
    shown.length === 1
      ? Math.floor((width - boxW) / 2)
      : Math.round((i * (width - boxW)) / (shown.length - 1)),
  );
  const centers = lefts.map((l) => l + Math.floor(boxW / 2));
  const mid = Math.floor(width / 2);
  const note = (y: number, text: string) => cv.put(width + 2, y, text);
  const tree = d.cluster.swarmx;

  // Login and management.
  let y = 0;
  const loginW = 15;
  cv.box(0, y, loginW, ["login nodes"]);
  const mgmtX = Math.max(loginW + 20, mid - 10);
  cv.box(mgmtX, y, 20, ["management node"]);
  cv.put(loginW - 1, y + 1, "├");
  cv.put(loginW, y + 1, "─".repeat(mgmtX - loginW - 1) + "▶");
  cv.put(loginW + 1, y, " run.py, csctl ");
  cv.put(mgmtX + 10, y + 2, "┬");
  cv.put(mgmtX + 22, y, "job store, FIFO scheduler p1..p3;");
  cv.put(
    mgmtX + 22,
    y + 1,
    `compile jobs ${bytes(c.management.compileJobMemoryBytes)}, ${c.management.compileJobCores} cores each`,
  );
  y += 3;
  cv.vline(mgmtX + 10, y, y);
  cv.put(mgmtX + 12, y, "schedules, compiles, programs every role below");
  y += 1;

  // MemoryX.
  cv.box(0, y, width, ["MemoryX: weights, optimizer state, update"]);
  note(
    y + 1,
    `${si(c.memoryx.capacityBytes, "B")} capacity, streams at ${si(c.memoryx.ioBitsPerSec, "b/s")}`,
  );
  cv.put(mid, y + 2, "┬");
  y += 3;
  cv.put(mid, y, "│");
  cv.put(mid - 12, y, "weights ▼");
  cv.put(mid + 2, y, "▲ summed gradients");
  y += 1;

  // SwarmX.
  cv.box(0, y, width, [
    `SwarmX: ${tree.lanes} lanes x ${tree.nodesPerLane} node${tree.nodesPerLane > 1 ? "s" : ""}`,
  ]);
  cv.put(mid, y, "┴");
  note(
    y + 1,
    `broadcast/reduce tree, 1:${c.swarmx.fanout} nodes, depth ${tree.depth}, ${tree.totalNodes} nodes`,
  );
  const swBottom = y + 2;
  centers.forEach((x, i) => cv.put(x, swBottom, shown[i] < 0 ? "─" : "┬"));
  y += 3;
  centers.forEach((x, i) => {
    if (shown[i] >= 0) cv.put(x, y, "│");
  });
  cv.put(centers[0] + 2, y, io);
  y += 1;

  // CS-X systems.
  const k = kernelRect(sys.wafer);
  centers.forEach((x, i) => {
    const left = x - Math.floor(boxW / 2);
    if (shown[i] < 0) {
      cv.put(left + 2, y + 2, `... ${n - 3} more`);
      return;
    }
    cv.box(left, y, boxW, [
      `${names[shown[i]]} (${sys.name})`,
      sys.wafer.name,
      `${sys.wafer.fabricWidth}x${sys.wafer.fabricHeight} PEs`,
    ]);
    cv.put(x, y, "┴");
    cv.put(x, y + 4, "▲");
  });
  note(y + 1, `runs forward and backward; ${int(k.pes)} usable PEs,`);
  note(y + 2, `${bytes(sys.wafer.sramBytesPerPE)} SRAM each, host I/O ${io}`);
  y += 5;
  centers.forEach((x, i) => {
    if (shown[i] >= 0) cv.put(x, y, "│");
  });
  cv.put(centers[0] + 2, y, "batch shards");
  y += 1;

  // Input workers.
  const per = c.inputWorkersPerSystem === 0 ? "automatic" : String(c.inputWorkersPerSystem);
  cv.box(0, y, width, [`input workers: ${per} per ${sys.name}`]);
  centers.forEach((x, i) => cv.put(x, y, shown[i] < 0 ? "─" : "┴"));
  note(y + 1, "read, preprocess and stream training data");
  return cv.toString();
}

/** The figures tables: wafer, system, cluster. */
export function figuresTables(c: ClusterSpec, d: DerivedCluster): string {
  const w = c.system.wafer;
  const dw = d.wafer;
  const simd = Object.entries(w.simd)
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  const waferRows: string[][] = [
    ["fabric grid (SDK)", `${w.fabricWidth} x ${w.fabricHeight} = ${int(dw.fabricPEs)} PEs`],
    ["usable kernel rectangle", `${dw.kernelWidth} x ${dw.kernelHeight} = ${int(dw.kernelPEs)} PEs`],
    ["cores (marketed)", int(w.marketedCores)],
    ["SRAM per PE", `${bytes(w.sramBytesPerPE)} (${w.sramBanks} banks x ${bytes(dw.sramBankBytes)})`],
    ["SRAM, fabric grid", `${si(dw.fabricSramBytes, "B")} (marketed ${si(w.marketedSramBytes, "B")})`],
    ["SRAM ports per PE", `${w.sramReadPorts} read + ${w.sramWritePorts} write, ${w.sramPortBits}-bit`],
    ["SRAM bandwidth", `${si(dw.sramBandwidthBytesPerSec, "B/s")} (derived)`],
    ["clock", `${si(w.clockHz, "Hz")} (${dw.nanosecondsPerCycle.toFixed(3)} ns/cycle)`],
    ["SIMD per cycle", simd],
    ["peak fp16 (marketed cores)", si(dw.marketedPeakFlops.fp16, "FLOP/s")],
    ["peak fp16 (kernel rectangle)", si(dw.kernelPeakFlops.fp16, "FLOP/s")],
    [
      "peak fp16xfp32 / fp32",
      `${si(dw.marketedPeakFlops.fp16xfp32, "FLOP/s")} / ${si(dw.marketedPeakFlops.fp32, "FLOP/s")}`,
    ],
    ["router", `5 links (RAMP, N, S, E, W), ${w.colors} colors, ${w.taskIds} task IDs`],
    [
      "wavelet",
      `${w.waveletPayloadBits}-bit payload (${w.waveletWireBits} on the wire), ${w.waveletsPerLinkPerCycle} per link per cycle`,
    ],
    ["fabric bandwidth", `${si(dw.fabricBandwidthBitsPerSec, "b/s")} (derived, N/S/E/W payload)`],
    [
      "hop latency, input queue",
      `${w.hopLatencyCycles} cycle per hop, ${w.inputQueueDepth} wavelets per queue`,
    ],
    ["I/O channels per edge", `${w.ioChannelsPerEdge} (east and west), ${w.ioChannelRowSpacing} rows apart`],
    ["number formats", w.numberFormats.join(", ")],
  ];
  if (w.powerWatts !== null) waferRows.push(["power", si(w.powerWatts, "W")]);
  const s = c.system;
  const systemRows: string[][] = [
    ["wafer", w.name],
    [
      "host I/O",
      `${s.ethernetPorts} x ${si(s.ethernetPortBitsPerSec, "b/s")} = ${si(d.system.hostIoBitsPerSec, "b/s")}`,
    ],
  ];
  if (s.powerWatts !== null) systemRows.push(["power", si(s.powerWatts, "W")]);
  const t = d.cluster.swarmx;
  const clusterRows: string[][] = [
    ["systems", `${c.numSystems} x ${s.name}`],
    ["PEs, all systems", `${int(d.cluster.totalFabricPEs)} (fabric grids)`],
    ["peak fp16, all systems", si(d.cluster.marketedPeakFlopsFp16, "FLOP/s")],
    ["MemoryX", `${si(c.memoryx.capacityBytes, "B")}, streams ${si(c.memoryx.ioBitsPerSec, "b/s")}`],
    [
      "SwarmX",
      `1:${c.swarmx.fanout} nodes at ${si(c.swarmx.nicBitsPerSec, "b/s")}; ${t.lanes} lanes, depth ${t.depth}, ` +
        `${t.nodesPerLevel.join("+")} node(s) per lane, ${t.totalNodes} in all; up to ${c.swarmx.maxSystems} systems`,
    ],
    [
      "input workers",
      c.inputWorkersPerSystem === 0 ? "automatic per system" : `${c.inputWorkersPerSystem} per system`,
    ],
    ["compile job", `${bytes(c.management.compileJobMemoryBytes)}, ${c.management.compileJobCores} cores`],
    [
      "scheduler",
      `FIFO within priority: ${c.management.priorities.map((p) => `${p.name}=${p.value}`).join(", ")}`,
    ],
  ];
  return [
    `Wafer: ${w.name}`,
    table(null, waferRows),
    "",
    `System: ${s.name}`,
    table(null, systemRows),
    "",
    `Cluster: ${c.name}`,
    table(null, clusterRows),
  ].join("\n");
}

export function registerSystem(program: Command): void {
  program
    .command("system")
    .description("describe the cluster: a diagram of its roles and the figures of its wafer and systems")
    .option(
      "--cluster <file>",
      "cluster file (YAML); default: ALCF's layout, 2 CS-2 systems",
      pathOption("cluster file"),
    )
    .option("--system <kind>", "system type: cs2 or cs3 (overrides the cluster file)", parseSystemKind)
    .option("--json", "print the cluster and its derived figures as JSON")
    .action((opts: { cluster?: string; system?: "cs2" | "cs3"; json?: boolean }) => {
      const c = loadCluster(opts.cluster, { system: opts.system });
      const d = deriveCluster(c);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ cluster: c, derived: d }, null, 2) + "\n");
        return;
      }
      process.stdout.write(`${c.name}: ${c.numSystems} x ${c.system.name} (${c.system.wafer.name})\n\n`);
      process.stdout.write(drawCluster(c, d) + "\n\n" + figuresTables(c, d) + "\n");
    });
}
