// `wsc fabric`: run a kernel (built in, or a user's kernel module) on the cycle-level fabric simulator, check
// it against its reference, print its cycles and modeled time, and draw the wafer's busy cycles per PE.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { hostIoBitsPerSec, kernelRect } from "../../hw/index.js";
import { loadCluster } from "../../frontends/cluster-file.js";
import { ChromeTracer, renderWaferPng } from "../../fabric/index.js";
import { KERNELS, runKernel } from "../../kernels/index.js";
import type { KernelDefinition, KernelResult } from "../../kernels/index.js";
import { WscError } from "../../util/errors.js";
import { bytes, int, seconds, si } from "../../util/units.js";
import { writeOutput, writeOutputFile } from "../output.js";
import { table } from "../../util/table.js";
import { parseSystemKind, pathOption } from "../options.js";

/** "750x994" -> { width, height }. */
export function parseSize(value: string): { width: number; height: number } {
  const m = /^(\d+)\s*[xX]\s*(\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a size: write WIDTHxHEIGHT, e.g. 750x994.`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

function collectParam(value: string, prev: Record<string, number> | undefined): Record<string, number> {
  const m = /^([A-Za-z_][\w-]*)=(-?\d+)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a parameter: write NAME=INTEGER, e.g. n=16.`);
  return { ...prev, [m[1]]: Number(m[2]) };
}

/** A built-in kernel by name, or a kernel module (.js/.mjs) by path. */
export async function loadKernel(spec: string): Promise<KernelDefinition> {
  const builtIn = KERNELS[spec];
  if (builtIn) return builtIn;
  if (!/\.(m?js)$/.test(spec))
    throw new WscError(
      `"${spec}" is neither a kernel (${Object.keys(KERNELS).join(", ")}) nor a kernel module file (.js or .mjs).`,
    );
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(spec)).href)) as Record<string, unknown>;
  } catch (e) {
    throw new WscError(`cannot load kernel module ${spec}: ${(e as Error).message}`);
  }
  const k = (mod.default ?? mod.kernel) as Partial<KernelDefinition> | undefined;
  const problems: string[] = [];
  if (!k || typeof k !== "object") problems.push("it has no default export (or `kernel` export) object");
  else {
    if (typeof k.name !== "string") problems.push("`name` must be a string");
    if (typeof k.layout !== "function") problems.push("`layout(l, size, params)` must be a function");
    if (typeof k.run !== "function") problems.push("`run(rt, size, params)` must be a function");
  }
  if (problems.length)
    throw new WscError(`kernel module ${spec}: ${problems.join("; ")}. See docs/fabric.md, "Kernel files".`);
  const def = k as KernelDefinition;
  return {
    ...def,
    summary: def.summary ?? "",
    params: def.params ?? {},
    peakOp: def.peakOp ?? "fmac.fp32",
  };
}

interface RunOpts {
  size: { width: number; height: number };
  system?: "cs2" | "cs3";
  cluster?: string;
  param?: Record<string, number>;
  trace?: string;
  png?: string | false;
  json?: boolean;
}

function report(
  r: KernelResult,
  clusterName: string,
  pngPath: string | null,
  traceNote: string | null,
): string {
  const p = Object.entries(r.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const busiest = r.busyCyclesPerPE.reduce((a, b) => Math.max(a, b), 0);
  let total = 0;
  for (const b of r.busyCyclesPerPE) total += b;
  const pes = r.width * r.height;
  const rows: string[][] = [
    [
      "check",
      `${r.ok ? "ok" : "FAILED"}: ${r.check}; max |error| ${r.maxAbsErr.toExponential(2)}` +
        ` (tolerance ${r.tolerance.toExponential(2)})`,
    ],
    ["simulated cycles", `${int(r.cycles)} (the launched work)`],
    [
      "modeled time",
      `${seconds(r.modeledSeconds)} at ${si(r.modeledSeconds > 0 ? r.cycles / r.modeledSeconds : 0, "Hz")}: what the ${r.wafer} would take`,
    ],
    [
      "host transfers",
      `${int(r.hostCycles)} cycles modeled for memcpy in and out (not in the figures above)`,
    ],
    ["FLOPs on the fabric", int(r.flops)],
    [
      "achieved",
      `${si(r.achievedFlopsPerSec, "FLOP/s")} = ${((100 * r.achievedFlopsPerSec) / r.peakFlopsPerSec).toPrecision(3)}% of the ` +
        `rectangle's ${r.peakOp} peak (${si(r.peakFlopsPerSec, "FLOP/s")} over ${int(pes)} PEs)`,
    ],
    [
      "busy cycles per PE",
      `max ${int(busiest)}, mean ${int(total / pes)} (${((100 * total) / pes / Math.max(1, r.cycles)).toPrecision(3)}% of the run)`,
    ],
  ];
  for (const [k, v] of Object.entries(r.extra)) {
    // camelCase keys for JSON, words for people: h2dBytesPerSec -> "h2d rate"
    const label = k
      .replace(/BytesPerSec$/, "Rate")
      .replace(/([A-Z])/g, " $1")
      .toLowerCase();
    rows.push([label, k.endsWith("PerSec") ? si(v, "B/s") : int(v)]);
  }
  rows.push([
    "simulator",
    `${int(r.events)} events (${int(r.hops)} hops) in ${r.wallSeconds.toFixed(2)} s on this machine = ` +
      `${si(r.events / Math.max(r.wallSeconds, 1e-9), "events/s")}, peak RSS ${bytes(process.resourceUsage().maxRSS * 1024)}`,
  ]);
  if (pngPath) rows.push(["picture", pngPath]);
  if (traceNote) rows.push(["trace", traceNote]);
  return `${r.kernel} on ${r.width} x ${r.height} PEs of ${clusterName}${p ? `, ${p}` : ""}\n${table(null, rows)}\n`;
}

export function registerFabric(program: Command): void {
  const fabric = program
    .command("fabric")
    .description(
      "the cycle-level wafer simulator: run kernels and PE programs, see their cycles and busy PEs",
    );
  fabric
    .command("run")
    .description(
      `run a kernel on a rectangle of PEs, check it against its reference and report its cycles; KERNEL is one of ` +
        `${Object.keys(KERNELS).join(", ")}, or a kernel module file (.js/.mjs, see docs/fabric.md)`,
    )
    .argument("<kernel>", "kernel name or kernel module path")
    .requiredOption(
      "--size <WxH>",
      "rectangle of PEs, e.g. 4x4 or 750x994 (the whole WSE-2 kernel rectangle)",
      parseSize,
    )
    .option("--system <kind>", "system type: cs2 or cs3 (overrides the cluster file)", parseSystemKind)
    .option("--cluster <file>", "cluster file (YAML) with what-if wafer figures", pathOption("cluster file"))
    .option("--param <name=int>", "kernel parameter (repeatable), e.g. --param n=16", collectParam)
    .option(
      "--trace <file>",
      "write a Chrome trace (Perfetto) of every task and vector operation",
      pathOption("trace file"),
    )
    .option(
      "--png <file>",
      "where to write the wafer picture (default fabric-KERNEL-WxH.png)",
      pathOption("picture file"),
    )
    .option("--no-png", "do not write the picture")
    .option("--json", "print the result as JSON")
    .action(async (kernel: string, opts: RunOpts) => {
      const c = loadCluster(opts.cluster, { system: opts.system });
      const wafer = c.system.wafer;
      const k = kernelRect(wafer);
      const { width, height } = opts.size;
      if (width < 1 || height < 1 || width > k.width || height > k.height)
        throw new WscError(
          `--size ${width}x${height} does not fit the ${wafer.name} kernel rectangle: width 1..${k.width}, height 1..${k.height}.`,
        );
      const def = await loadKernel(kernel);
      const tracer = opts.trace ? new ChromeTracer() : undefined;
      const r = runKernel(def, { width, height, ...(opts.param ?? {}) }, wafer, {
        tracer,
        hostIoBitsPerSec: hostIoBitsPerSec(c.system),
      });
      let traceNote: string | null = null;
      if (opts.trace && tracer) {
        await writeOutput(opts.trace, "--trace", (p) =>
          tracer.write(p, { kernel: r.kernel, width, height, wafer: wafer.name }),
        );
        traceNote = `${opts.trace} (${int(tracer.count)} spans${tracer.dropped ? `, ${int(tracer.dropped)} past the limit dropped` : ""})`;
      }
      let pngPath: string | null = null;
      if (opts.png !== false) {
        pngPath = opts.png ?? `fabric-${r.kernel.replace(/[^\w-]/g, "_")}-${width}x${height}.png`;
        const title = [
          `${r.kernel} on ${width} x ${height} PEs of a ${c.system.name} (${wafer.name})`,
          `${int(r.cycles)} cycles = ${seconds(r.modeledSeconds, 3, "u")}; check ${r.ok ? "ok" : "failed"}`,
        ];
        await writeOutputFile(
          pngPath,
          "--png",
          renderWaferPng({
            wafer,
            width,
            height,
            fabricX: r.fabricX,
            fabricY: r.fabricY,
            busy: r.busyCyclesPerPE,
            title,
          }),
        );
      }
      if (opts.json) {
        const { busyCyclesPerPE, ...rest } = r;
        let max = 0;
        for (const b of busyCyclesPerPE) max = Math.max(max, b);
        process.stdout.write(
          JSON.stringify(
            {
              ...rest,
              maxBusyCycles: max,
              picture: pngPath,
              trace: opts.trace ?? null,
              peakRssBytes: process.resourceUsage().maxRSS * 1024,
            },
            null,
            2,
          ) + "\n",
        );
      } else process.stdout.write(report(r, `a ${c.system.name} (${wafer.name})`, pngPath, traceNote));
      if (!r.ok) process.exitCode = 1;
    });
  fabric
    .command("list")
    .description("list the built-in kernels and their parameters")
    .action(() => {
      const rows: string[][] = [];
      for (const k of Object.values(KERNELS)) {
        rows.push([k.name, k.summary]);
        for (const [name, s] of Object.entries(k.params))
          rows.push(["", `  --param ${name}=${s.default}   ${s.description} (${s.min}..${s.max})`]);
      }
      process.stdout.write(table(["kernel", "what it runs"], rows) + "\n");
    });
}
