// The wafer as the compile report places the model on it, drawn as SVG and colored as a heat map of one
// figure per layer: pipelined, each stage's strip of columns; weight streaming, every layer runs on the whole
// kernel area in turn, so the area is cut into bands whose height is the layer's share of the step.
import { bytes, h, pct, s, secs } from "./dom.js";
import type { ReportLayerInfo, ReportPayload } from "./types.js";

export type WaferMetric = "busy" | "peak" | "sram";

export const METRICS: Readonly<Record<WaferMetric, string>> = {
  busy: "busy share of the step",
  peak: "share of fp16 peak sustained",
  sram: "SRAM per PE used",
};

/** viridis, five stops: 0 dark purple .. 1 yellow. */
const STOPS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function heat(f: number): string {
  const x = Math.min(1, Math.max(0, f)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const t = x - i;
  const c = STOPS[i].map((a, k) => Math.round(a + (STOPS[i + 1][k] - a) * t));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

/** Text color readable on heat(f): dark on the light (yellow, green) end. */
const ink = (f: number) => (f > 0.62 ? "#1d2430" : "#fff");

/** The figure a layer is colored by, 0..1. */
export function layerValue(p: ReportPayload, l: ReportLayerInfo, m: WaferMetric): number {
  const r = p.report;
  if (m === "peak") return l.peakFraction;
  if (m === "sram") return l.memoryPerPE / r.memoryPerPE.limit;
  // busy: pipelined, a stage works its own time and waits on the slowest; weight streaming, a layer holds
  // the whole wafer for its share of the step
  if (r.mode === "pipeline") return l.seconds / Math.max(...r.layers.map((x) => x.seconds));
  return l.seconds / r.layers.reduce((a, x) => a + x.seconds, 0);
}

function tooltip(p: ReportPayload, l: ReportLayerInfo, i: number): string {
  return [
    `${p.report.mode === "pipeline" ? `stage ${i}: ` : ""}${l.layer} (${l.kind})`,
    `${l.pes.toLocaleString("en-US")} PEs${l.rect ? ` at x ${l.rect.x}, ${l.rect.width} columns` : ""}`,
    `SRAM per PE ${bytes(l.memoryPerPE)}`,
    `forward ${secs(l.forwardSeconds)}, backward ${secs(l.backwardSeconds)}, total ${secs(l.seconds)} per step`,
    `${pct(l.peakFraction)} of fp16 peak, ${l.bound}-bound`,
  ].join("\n");
}

/** Columns of the kernel area the pipelined stages use (from its west edge); the whole width otherwise. */
export function usedColumns(p: ReportPayload): number {
  const ends = p.report.layers.flatMap((l) => (l.rect ? [l.rect.x + l.rect.width] : []));
  return ends.length > 0 ? Math.max(...ends) : p.wafer.kernelWidth;
}

/**
 * The wafer map. `zoom`: draw only the kernel area's columns the stages use, stretched to the map's width
 * (a small model takes a few of the 750 columns, too thin to see at the whole wafer's scale).
 */
export function waferSvg(p: ReportPayload, m: WaferMetric, zoom = false): SVGSVGElement {
  const w = p.wafer;
  const scale = 0.6;
  const W = w.fabricWidth * scale;
  const H = w.fabricHeight * scale;
  const svg = s("svg", {
    viewBox: `-4 -4 ${W + 8} ${H + 8}`,
    role: "img",
    "aria-label": "wafer map",
    id: "wafer",
  });
  const used = usedColumns(p);
  // zoomed: the used columns fill the whole map, no halo
  const sx = zoom ? W / used : scale;
  const ax = zoom ? 0 : w.halo.west * scale;
  const ay = zoom ? 0 : w.halo.north * scale;
  const aw = zoom ? W : w.kernelWidth * scale;
  const ah = zoom ? H : w.kernelHeight * scale;
  const sy = ah / w.kernelHeight;
  svg.append(
    s("rect", { x: 0, y: 0, width: W, height: H, fill: "#dde2ea" }, s("title", null, "host-transfer halo")),
    s("rect", { x: ax, y: ay, width: aw, height: ah, fill: "#f4f6f9" }, s("title", null, "idle PEs")),
  );
  const r = p.report;
  if (r.mode === "pipeline") {
    r.layers.forEach((l, i) => {
      if (!l.rect) return;
      const x = ax + l.rect.x * sx;
      const rw = l.rect.width * sx;
      svg.append(
        s(
          "rect",
          {
            x,
            y: ay + l.rect.y * sy,
            width: rw,
            height: l.rect.height * sy,
            fill: heat(layerValue(p, l, m)),
            stroke: "#fff",
            "stroke-width": 0.6,
            class: "stage",
          },
          s("title", null, tooltip(p, l, i)),
        ),
      );
      if (rw >= 18)
        svg.append(
          s(
            "text",
            {
              x: x + rw / 2,
              y: ay + 20,
              "text-anchor": "middle",
              "font-size": 15,
              fill: ink(layerValue(p, l, m)),
              "pointer-events": "none",
            },
            String(i),
          ),
        );
    });
  } else {
    const total = r.layers.reduce((a, l) => a + l.seconds, 0);
    let y = ay;
    r.layers.forEach((l, i) => {
      const bh = (l.seconds / total) * ah;
      svg.append(
        s(
          "rect",
          {
            x: ax,
            y,
            width: aw,
            height: bh,
            fill: heat(layerValue(p, l, m)),
            stroke: bh >= 3 ? "#fff" : "none",
            "stroke-width": 0.6,
            class: "stage",
          },
          s("title", null, tooltip(p, l, i)),
        ),
      );
      if (bh >= 20)
        svg.append(
          s(
            "text",
            {
              x: ax + 8,
              y: y + bh / 2 + 5,
              "font-size": 15,
              fill: ink(layerValue(p, l, m)),
              "pointer-events": "none",
            },
            `${l.layer}  ${pct(layerValue(p, l, m))}`,
          ),
        );
      y += bh;
    });
  }
  svg.append(s("rect", { x: 0, y: 0, width: W, height: H, fill: "none", stroke: "#98a2b3" }));
  return svg;
}

/** The color scale's legend. */
export function heatLegend(m: WaferMetric): HTMLElement {
  const stops = Array.from({ length: 11 }, (_, i) => heat(i / 10)).join(", ");
  return h(
    "div",
    { class: "muted" },
    h("div", {
      style: `height: 10px; width: 220px; border-radius: 2px; background: linear-gradient(to right, ${stops});`,
    }),
    h(
      "div",
      { style: "display: flex; justify-content: space-between; width: 220px; font-size: 11px;" },
      ["0%", "50%", "100%"].map((t) => h("span", null, t)),
    ),
    h("div", { style: "font-size: 12px;" }, METRICS[m]),
  );
}
