// The compile report: what the compiler decided and what the performance model predicts, as JSON
// (compile_report.json), as text for the terminal (with a small map of the wafer) and as a PNG map of the
// wafer: the placement of every stage (pipelined) or every layer's share of the step and of the peak (weight
// streaming). Every time in it is modeled device time, what the CS-X would take, never this machine's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { kernelRect } from "../hw/index.js";
import { WscError, errnoCode } from "../util/errors.js";
import { makeDirs } from "../util/fs.js";
import type { ClusterSpec } from "../hw/index.js";
import type { CompileArtifact, MemoryPerPE, ModeCandidate, PassRecord } from "../compiler/index.js";
import type { Bound, LayerTime, StepEstimate } from "./estimate.js";
import { bytes, int, si } from "../util/units.js";
import { textWidth } from "../util/font5x7.js";
import { Raster, heat, hsl, pale } from "../util/raster.js";
import type { RGB } from "../util/raster.js";
import { table } from "../util/table.js";

/** A layer's time from the estimate (less its FLOPs), with where it runs and what it holds. */
export interface ReportLayer extends Omit<LayerTime, "flops"> {
  readonly pes: number;
  readonly rect?: { x: number; y: number; width: number; height: number };
  readonly memoryPerPE: number;
  /** Matrix FLOP/s the layer sustains over the PEs it uses, as a fraction of their fp16 peak. */
  readonly peakFraction: number;
}

export interface CompileReport {
  readonly hash: string;
  readonly cached: boolean;
  readonly timeIs: string;
  readonly model: CompileArtifact["model"];
  readonly cluster: CompileArtifact["cluster"];
  readonly run: CompileArtifact["run"];
  readonly mode: string;
  readonly forced: boolean;
  readonly why: string;
  readonly candidates: readonly Omit<ModeCandidate, "plan">[];
  readonly batch: {
    readonly global: number;
    readonly perSystem: number;
    readonly microBatch: number;
    readonly microBatches: number;
    readonly recompute: boolean;
  };
  /** Per-PE SRAM: the whole wafer's (weight streaming) or the fullest stage's (pipelined). */
  readonly memoryPerPE: MemoryPerPE & { readonly where: string };
  readonly estimate: {
    readonly deviceSecondsPerStep: number;
    readonly samplesPerSec: number;
    readonly flopsPerSecPerSystem: number;
    readonly peakFraction: number;
    readonly bound: Bound;
    readonly stepOverhead: StepEstimate["stepOverhead"];
    readonly params: StepEstimate["params"];
  };
  readonly layers: readonly ReportLayer[];
  readonly passes: readonly PassRecord[];
}

/** Assemble the report of an artifact and its estimate. */
export function buildReport(
  a: CompileArtifact,
  e: StepEstimate,
  cluster: ClusterSpec,
  cached: boolean,
): CompileReport {
  const w = cluster.system.wafer;
  const area = kernelRect(w);
  const perPePeak = w.simd[a.model.computeDtype === "fp32" ? "fmac.fp32" : "fmac.fp16"] * 2 * w.clockHz;
  const plan = a.plan;
  const layers: ReportLayer[] = e.layers.map((l, i) => {
    const stage = plan.mode === "pipeline" ? plan.stages[i] : undefined;
    const pes = stage ? stage.pes : area.pes;
    const { flops: _flops, ...time } = l;
    return {
      ...time,
      pes,
      rect: stage?.rect,
      memoryPerPE: stage ? stage.memory.total : plan.mode === "weight_streaming" ? plan.memory.total : 0,
      peakFraction: l.seconds > 0 ? l.flops / l.seconds / (pes * perPePeak) : 0,
    };
  });
  const memory =
    plan.mode === "weight_streaming"
      ? { ...plan.memory, where: `every PE; largest layer ${plan.largestLayer}` }
      : (() => {
          const s = plan.stages.reduce((x, y) => (y.memory.total > x.memory.total ? y : x));
          return { ...s.memory, where: `fullest stage: ${s.layer}` };
        })();
  return {
    hash: a.hash,
    cached,
    timeIs: `modeled device time: what ${a.cluster.numSystems} x ${a.cluster.system} would take, not this machine's time`,
    model: a.model,
    cluster: a.cluster,
    run: a.run,
    mode: a.decision.mode,
    forced: a.decision.forced,
    why: a.decision.why,
    candidates: a.decision.candidates.map(({ plan: _plan, ...c }) => c),
    batch: {
      global: a.run.globalBatch,
      perSystem: plan.perSystemBatch,
      microBatch: plan.microBatch,
      microBatches: plan.mode === "weight_streaming" ? plan.microBatches : 1,
      recompute: plan.mode === "weight_streaming" && plan.recompute,
    },
    memoryPerPE: memory,
    estimate: {
      deviceSecondsPerStep: e.deviceSecondsPerStep,
      samplesPerSec: e.samplesPerSec,
      flopsPerSecPerSystem: e.flopsPerSecPerSystem,
      peakFraction: e.peakFraction,
      bound: e.bound,
      stepOverhead: e.stepOverhead,
      params: e.params,
    },
    layers,
    passes: a.passes,
  };
}

/** Seconds for people: s, ms or us. */
export function secs(x: number): string {
  if (x >= 1) return `${x.toFixed(3)} s`;
  if (x >= 1e-3) return `${(x * 1e3).toFixed(2)} ms`;
  return `${(x * 1e6).toFixed(1)} us`;
}

/** Consecutive layers alike (same kind, same time to 0.1%) shown as one row "block.0..23 (x24)". */
export function groupLayers(
  ls: readonly ReportLayer[],
): { name: string; count: number; layer: ReportLayer }[] {
  const out: { name: string; count: number; layer: ReportLayer; last: string }[] = [];
  for (const l of ls) {
    const g = out[out.length - 1];
    if (
      g &&
      g.layer.kind === l.kind &&
      Math.abs(g.layer.seconds - l.seconds) <= 1e-3 * l.seconds &&
      g.layer.pes === l.pes
    ) {
      g.count++;
      g.last = l.layer;
      continue;
    }
    out.push({ name: l.layer, count: 1, layer: l, last: l.layer });
  }
  return out.map((g) => {
    const tail = g.last.split(".").pop();
    return {
      name: g.count > 1 ? `${g.name}..${tail} (x${g.count})` : g.name,
      count: g.count,
      layer: g.layer,
    };
  });
}

const STAGE_SYMBOLS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The kernel area as a `cols` x `rows` character map: a symbol per pipelined stage. */
export function textWaferMap(
  r: CompileReport,
  areaWidth: number,
  areaHeight: number,
  cols = 64,
  rows = 16,
): string {
  const lines: string[] = [];
  const edge = "+" + "-".repeat(cols) + "+";
  lines.push(edge);
  for (let y = 0; y < rows; y++) {
    let s = "";
    for (let x = 0; x < cols; x++) {
      const px = ((x + 0.5) / cols) * areaWidth;
      const i = r.layers.findIndex((l) => l.rect && px >= l.rect.x && px < l.rect.x + l.rect.width);
      s += i < 0 ? "." : STAGE_SYMBOLS[i % STAGE_SYMBOLS.length];
    }
    lines.push("|" + s + "|");
  }
  lines.push(edge);
  void areaHeight;
  return lines.join("\n");
}

/** Per-layer bars of the step's time (weight streaming), one row per group of alike layers. */
function textLayerBars(r: CompileReport, width = 40): string {
  const groups = groupLayers(r.layers);
  const total = r.estimate.deviceSecondsPerStep;
  const rows = groups.map((g) => {
    const share = (g.count * g.layer.seconds) / total;
    const n = Math.max(share > 0 ? 1 : 0, Math.round(share * width));
    return [
      g.name,
      "#".repeat(n),
      `${(100 * share).toFixed(1)}%`,
      `${(100 * g.layer.peakFraction).toFixed(0)}% of peak`,
    ];
  });
  return table(["layer", "share of step", "", "sustains"], rows, { right: [2, 3] });
}

/** The report as terminal text. */
export function reportText(r: CompileReport, cluster: ClusterSpec): string {
  const area = kernelRect(cluster.system.wafer);
  const out: string[] = [];
  out.push(`Compile report ${r.hash}${r.cached ? " (cached)" : ""}`);
  out.push(
    `  model    ${r.model.name}, ${int(r.model.params)} parameters, ${r.model.seqLen} tokens, ${r.model.computeDtype}`,
  );
  out.push(`  cluster  ${r.cluster.numSystems} x ${r.cluster.system} (${r.cluster.name})`);
  const both = r.candidates.every((c) => c.feasible);
  out.push(`  mode     ${r.mode}${r.forced ? " (forced by execution_strategy)" : both ? `: ${r.why}` : ""}`);
  for (const c of r.candidates)
    out.push(
      `           ${c.mode.padEnd(16)} ${c.feasible ? `feasible, ${secs(c.stepSeconds as number)} per step` : `not possible: ${c.reason}`}`,
    );
  const b = r.batch;
  out.push(
    `  batch    ${b.global} = ${r.cluster.numSystems} system(s) x ${b.perSystem}` +
      (r.mode === "weight_streaming"
        ? `; micro-batch ${b.microBatch} x ${b.microBatches}${b.recompute ? ", activations recomputed in backward" : ""}`
        : "; samples stream through the stages one by one"),
  );
  const m = r.memoryPerPE;
  out.push(
    `  SRAM/PE  ${bytes(m.total)} of ${bytes(m.limit)} (${m.where}): weights ${bytes(m.weights)}, ` +
      `gradients and optimizer ${bytes(m.optimizerAndGradients)}, activations ${bytes(m.activations)}, reserve ${bytes(m.reserved)}`,
  );
  out.push("");
  const e = r.estimate;
  out.push(
    `Estimate (${r.timeIs}):\n  ${secs(e.deviceSecondsPerStep)} per step, ${e.samplesPerSec.toPrecision(4)} samples/s; ` +
      `${si(e.flopsPerSecPerSystem, "FLOP/s")} per system = ${(100 * e.peakFraction).toFixed(1)}% of fp16 peak; mostly ${e.bound}-bound`,
  );
  out.push(`  plus ${secs(e.stepOverhead.seconds)} per step: ${e.stepOverhead.what}`);
  out.push("");
  if (r.mode === "pipeline") {
    out.push(`Wafer (${area.width} x ${area.height} PEs of kernel area; a symbol per stage, listed below):`);
    out.push(textWaferMap(r, area.width, area.height));
  } else {
    out.push("Wafer: every layer runs on all of it in turn; each layer's share of the step:");
    out.push(textLayerBars(r));
  }
  out.push("");
  const rows = groupLayers(r.layers).map((g) => {
    const l = g.layer;
    const i = r.layers.indexOf(l);
    return [
      r.mode === "pipeline" ? STAGE_SYMBOLS[i % STAGE_SYMBOLS.length] : "",
      g.name,
      r.mode === "pipeline" ? int(l.pes) : "all",
      bytes(l.memoryPerPE),
      secs(l.forwardSeconds),
      secs(l.backwardSeconds),
      secs(l.ioSeconds),
      secs(l.reductionSeconds),
      secs(l.overheadSeconds),
      `${(100 * l.peakFraction).toFixed(0)}%`,
      l.bound,
    ];
  });
  out.push(
    r.mode === "pipeline"
      ? "Breakdown per stage (one step; forward and backward busy time; overhead: waiting on the slowest stage):"
      : "Breakdown per layer (one step, all micro-batches; rows of alike layers give each layer's own figures):",
  );
  out.push(
    table(
      [
        "",
        "layer",
        "PEs",
        "SRAM/PE",
        "forward",
        "backward",
        "I/O in",
        "grads out",
        "overhead",
        "peak",
        "bound",
      ],
      rows,
      {
        right: [2, 3, 4, 5, 6, 7, 8, 9],
      },
    ),
  );
  out.push("");
  out.push("Passes:");
  out.push(
    table(
      null,
      r.passes.map((p) => [p.name, `${p.millis.toFixed(1)} ms`, p.summary]),
      { right: [1] },
    ),
  );
  return out.join("\n");
}

const INK: RGB = [30, 30, 30];
const GREY: RGB = [120, 120, 120];
const BOUND_COLORS: Record<Bound, RGB> = {
  compute: [214, 96, 77],
  SRAM: [66, 133, 244],
  fabric: [155, 89, 182],
  "I/O": [243, 156, 18],
  reduction: [39, 174, 96],
};

/** Color of pipelined stage i: hues spread by the golden angle so neighbours differ. */
function stageColor(i: number): RGB {
  return hsl((i * 137.508) % 360, 0.6, 0.5);
}

/** The PNG map of the wafer. */
export function reportPng(r: CompileReport, cluster: ClusterSpec): Buffer {
  const w = cluster.system.wafer;
  const area = kernelRect(w);
  const s = 0.8; // pixels per PE
  const margin = 24;
  const top = 64;
  const mapW = w.fabricWidth * s;
  const mapH = w.fabricHeight * s;
  // the legend lists every layer when they fit, alike layers grouped otherwise
  const groups =
    r.layers.length <= 48
      ? r.layers.map((layer) => ({ name: layer.layer, count: 1, layer }))
      : groupLayers(r.layers);
  const legendX = margin + mapW + 32;
  const lineH = 14;
  const legendH = 40 + groups.length * lineH + 200;
  const width = legendX + 560;
  const height = Math.max(top + mapH + margin + 40, top + legendH);
  const img = new Raster(width, height);
  img.text(margin, 16, `${r.model.name} on ${r.cluster.numSystems} x ${r.cluster.system}`, INK, 2);
  img.text(
    margin,
    40,
    `${r.mode}: ${r.estimate.samplesPerSec.toPrecision(4)} samples/s modeled, ${secs(r.estimate.deviceSecondsPerStep)} per step, ` +
      `${(100 * r.estimate.peakFraction).toFixed(1)}% of fp16 peak, ${bytes(r.memoryPerPE.total)} of ${bytes(r.memoryPerPE.limit)} SRAM per PE`,
    GREY,
  );
  // the fabric grid, and the kernel area inside its host-transfer halo
  img.rect(margin, top, mapW, mapH, [225, 225, 225]);
  const ax = margin + w.halo.west * s;
  const ay = top + w.halo.north * s;
  img.rect(ax, ay, area.width * s, area.height * s, [245, 245, 245]);
  if (r.mode === "pipeline") {
    const slowest = Math.max(...r.layers.map((l) => l.seconds));
    r.layers.forEach((l, i) => {
      if (!l.rect) return;
      const x = ax + l.rect.x * s;
      const rw = l.rect.width * s;
      const h = area.height * s;
      const c = stageColor(i);
      // full color up to the stage's busy share of the slowest stage's time; pale above: its waiting time
      const busy = l.seconds / slowest;
      img.rect(x, ay, rw, h, pale(c, 0.7));
      img.rect(x, ay + h * (1 - busy), rw, h * busy, c);
      img.rect(x + rw - 1, ay, 1, h, [255, 255, 255]);
      const label = String(i);
      // the label sits at the top: dark on the pale (waiting) part, white on the full color
      const ink: RGB = busy < 0.98 ? INK : [255, 255, 255];
      if (textWidth(label) <= rw - 2) img.text(x + (rw - textWidth(label)) / 2 + 1, ay + 6, label, ink);
    });
    img.text(
      margin,
      top + mapH + 10,
      "strip = stage (layer), left to right in order; full color: busy share of the",
      GREY,
    );
    img.text(
      margin,
      top + mapH + 22,
      "slowest stage's time per sample, pale: waiting. Grey rim: host-transfer halo.",
      GREY,
    );
  } else {
    // bands from the top in execution order: height = share of step time, color = share of the fp16 peak the
    // layer sustains (absolute scale), grey at the right end = its layer-switch overhead
    const total = r.layers.reduce((a, l) => a + l.seconds, 0);
    const bandW = area.width * s;
    let y = ay;
    for (const l of r.layers) {
      const h = (l.seconds / total) * area.height * s;
      const c = heat(l.peakFraction);
      img.rect(ax, y, bandW, h, c);
      const ov = (l.overheadSeconds / l.seconds) * bandW;
      img.rect(ax + bandW - ov, y, ov, h, [150, 150, 150]);
      if (h >= 3) img.rect(ax, y + h - 1, bandW, 1, [255, 255, 255]);
      const lum = 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2];
      if (h >= 10)
        img.text(
          ax + 6,
          y + (h - 8) / 2,
          `${l.layer}  ${(100 * l.peakFraction).toFixed(0)}%`,
          lum > 140 ? INK : [255, 255, 255],
        );
      y += h;
    }
    img.text(
      margin,
      top + mapH + 10,
      "every layer runs on the whole wafer in turn: band = layer, top to bottom in order,",
      GREY,
    );
    img.text(
      margin,
      top + mapH + 22,
      "height = share of the step, color = share of fp16 peak, grey = layer-switch overhead",
      GREY,
    );
    for (let i = 0; i < 200; i++) img.rect(margin + i, top + mapH + 36, 1, 8, heat(i / 199));
    img.text(margin + 206, top + mapH + 37, "0 .. 100% of peak", GREY);
  }
  img.frame(margin, top, mapW, mapH, GREY);
  // legend: one row per group of alike layers
  let y = top;
  img.text(
    legendX,
    y,
    r.mode === "pipeline"
      ? "stage  layer                 PES   SRAM/PE  PER SAMPLE  BOUND"
      : "layer                      FWD+BWD   PEAK  BOUND",
    INK,
  );
  y += lineH + 4;
  for (const g of groups) {
    const l = g.layer;
    const i = r.layers.indexOf(l);
    if (r.mode === "pipeline") {
      img.rect(legendX, y - 1, 10, 9, stageColor(i));
      const perSample = l.seconds / r.batch.perSystem;
      img.text(
        legendX + 16,
        y,
        `${String(i).padStart(2)}  ${g.name.padEnd(22).slice(0, 22)} ${int(l.pes).padStart(7)} ${bytes(l.memoryPerPE).padStart(9)} ${secs(perSample).padStart(10)}  ${l.bound}`,
        INK,
      );
    } else {
      img.rect(legendX, y - 1, 10, 9, BOUND_COLORS[l.bound]);
      img.text(
        legendX + 16,
        y,
        `${g.name.padEnd(25).slice(0, 25)} ${secs(l.seconds).padStart(9)} ${`${(100 * l.peakFraction).toFixed(0)}%`.padStart(5)}  ${l.bound}`,
        INK,
      );
    }
    y += lineH;
  }
  y += 10;
  const b = r.batch;
  const facts = [
    `mode: ${r.mode}${r.forced ? " (forced)" : ""}`,
    `batch ${b.global}: ${b.perSystem} per system` +
      (r.mode === "weight_streaming"
        ? `, micro-batch ${b.microBatch} x ${b.microBatches}${b.recompute ? ", recompute" : ""}`
        : ""),
    `SRAM per PE: ${bytes(r.memoryPerPE.total)} of ${bytes(r.memoryPerPE.limit)}`,
    `  weights ${bytes(r.memoryPerPE.weights)}, grads+optimizer ${bytes(r.memoryPerPE.optimizerAndGradients)}`,
    `  activations ${bytes(r.memoryPerPE.activations)}, reserve ${bytes(r.memoryPerPE.reserved)}`,
    `compile hash ${r.hash}`,
    "all times: modeled device time",
  ];
  for (const f of facts) {
    img.text(legendX, y, f, GREY);
    y += lineH;
  }
  if (r.mode === "weight_streaming") {
    y += 6;
    let x = legendX;
    for (const [k, c] of Object.entries(BOUND_COLORS)) {
      img.rect(x, y - 1, 10, 9, c);
      x = img.text(x + 14, y, k, INK) + 12;
    }
  }
  return img.toPng();
}

/**
 * What a run tells the user about its compile before it executes, in two lines: the execution mode and why
 * the compiler chose it, and the modeled rate.
 */
export function reportSummary(r: CompileReport): string[] {
  const e = r.estimate;
  const why = r.forced
    ? "forced by execution_strategy"
    : r.candidates.every((c) => c.feasible)
      ? r.why
      : r.candidates
          .filter((c) => !c.feasible)
          .map((c) => `${c.mode} not possible: ${c.reason}`)
          .join("; ");
  return [
    `Execution mode: ${r.mode} (${why})`,
    `Estimated ${e.samplesPerSec.toPrecision(4)} samples/s, ${secs(e.deviceSecondsPerStep)} per step on ` +
      `${r.cluster.numSystems} x ${r.cluster.system} (modeled device time, mostly ${e.bound}-bound); ` +
      `micro-batch ${r.batch.microBatch}, ${bytes(r.memoryPerPE.total)} of ${bytes(r.memoryPerPE.limit)} SRAM per PE`,
  ];
}

/** The files of a compile report in a model_dir. */
export const REPORT_FILES = ["compile_report.txt", "compile_report.json", "wafer_map.png"] as const;

/**
 * Write the compile report to a model_dir: compile_report.txt (the terminal text), compile_report.json and
 * wafer_map.png, plus any `extra` files ([name, body]). Returns the paths written and the text. A model_dir that
 * cannot be written is bad input naming the folder and the flag.
 */
export function writeCompileReport(
  dir: string,
  r: CompileReport,
  cluster: ClusterSpec,
  extra: readonly (readonly [string, string])[] = [],
): { files: string[]; text: string } {
  const text = reportText(r, cluster);
  const bodies: [string, string | Buffer][] = [
    [REPORT_FILES[0], text + "\n"],
    [REPORT_FILES[1], JSON.stringify(r, null, 1) + "\n"],
    ...extra.map(([f, b]): [string, string] => [f, b]),
    [REPORT_FILES[2], reportPng(r, cluster)],
  ];
  const files = bodies.map(([f]) => join(dir, f));
  try {
    makeDirs(dir);
    bodies.forEach(([, body], i) => writeFileSync(files[i], body));
  } catch (err) {
    throw new WscError(
      `cannot write the compile report to model_dir ${dir}: ${errnoCode(err)}; give a writable folder with -o/--model_dir`,
    );
  }
  return { files, text };
}
