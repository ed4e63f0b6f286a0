// Line charts as inline SVG: axes with round ticks, one polyline per series, dots where points are few, a
// legend, and a crosshair that reads out every series at the step under the pointer.
import { s } from "./dom.js";

export interface Series {
  readonly name: string;
  readonly color: string;
  /** [x, y] pairs in x order. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  /** Drawn thin and pale: other runs of the same model_dir. */
  readonly faint?: boolean;
  /** Dots only, no line (few points, e.g. evaluations). */
  readonly dotsOnly?: boolean;
  /** Left out of the legend and the readout. */
  readonly quiet?: boolean;
}

export interface ChartOptions {
  readonly title: string;
  /** A line under the title: where the figures come from. */
  readonly note: string;
  readonly xLabel: string;
  readonly series: readonly Series[];
  readonly empty: string;
  readonly yFormat?: (v: number) => string;
  /** Start the y axis at zero (rates). */
  readonly zero?: boolean;
}

const W = 500;
const H = 270;
const M = { left: 58, right: 14, top: 48, bottom: 36 };

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function ticks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * p).find((k) => k >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

const short = (v: number) => {
  const a = Math.abs(v);
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(4));
};

export function lineChart(o: ChartOptions): SVGSVGElement {
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": o.title });
  svg.append(
    s("text", { x: 4, y: 16, class: "title" }, o.title),
    s("text", { x: 4, y: 31, class: "note" }, o.note),
  );
  const all = o.series.flatMap((x) => x.points);
  if (all.length === 0) {
    svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" }, o.empty));
    return svg;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (o.zero) y0 = Math.min(0, y0);
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - (Math.abs(y0) || 1) * 0.1, y1 + (Math.abs(y1) || 1) * 0.1];
  const pad = (y1 - y0) * 0.06;
  if (!o.zero || y0 < 0) y0 -= pad;
  y1 += pad;
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const fmt = o.yFormat ?? short;

  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  for (const t of ticks(y0, y1)) {
    grid.append(s("line", { x1: M.left, x2: W - M.right, y1: py(t), y2: py(t) }));
    axis.append(s("text", { x: M.left - 6, y: py(t) + 4, "text-anchor": "end" }, fmt(t)));
  }
  for (const t of ticks(x0, x1, 6).filter((t) => Number.isInteger(t))) {
    grid.append(s("line", { x1: px(t), x2: px(t), y1: M.top, y2: H - M.bottom }));
    axis.append(s("text", { x: px(t), y: H - M.bottom + 15, "text-anchor": "middle" }, short(t)));
  }
  axis.append(s("text", { x: W - M.right, y: H - 4, "text-anchor": "end" }, o.xLabel));
  axis.append(
    s("line", { x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom, stroke: "#c7cfdb" }),
    s("line", { x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom, stroke: "#c7cfdb" }),
  );
  svg.append(grid, axis);

  const plot = s("g");
  const ordered = [...o.series.filter((x) => x.faint), ...o.series.filter((x) => !x.faint)];
  for (const ser of ordered) {
    const pts = ser.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    const width = ser.faint ? 1.2 : 2;
    if (!ser.dotsOnly && ser.points.length > 1)
      plot.append(
        s("polyline", {
          points: pts,
          fill: "none",
          stroke: ser.color,
          "stroke-width": width,
          "stroke-opacity": ser.faint ? 0.35 : 1,
          "stroke-dasharray": ser.dashed ? "5 4" : null,
          "stroke-linejoin": "round",
        }),
      );
    if (ser.dotsOnly || ser.points.length <= 40)
      for (const [x, y] of ser.points)
        plot.append(
          s(
            "circle",
            {
              cx: px(x),
              cy: py(y),
              r: ser.dotsOnly ? 3.5 : ser.faint ? 1.5 : 2.2,
              fill: ser.color,
              "fill-opacity": ser.faint ? 0.35 : 1,
            },
            s("title", null, `${ser.name}: step ${x}, ${fmt(y)}`),
          ),
        );
  }
  svg.append(plot);

  // legend, right-aligned under the note
  const shown = o.series.filter((x) => !x.quiet);
  let lx = W - M.right;
  const legend = s("g", { class: "legend" });
  for (const ser of [...shown].reverse()) {
    const w = 22 + ser.name.length * 6.2;
    lx -= w;
    legend.append(
      s("line", {
        x1: lx,
        x2: lx + 14,
        y1: 40,
        y2: 40,
        stroke: ser.color,
        "stroke-width": 2.5,
        "stroke-dasharray": ser.dashed ? "4 3" : null,
        "stroke-opacity": ser.faint ? 0.4 : 1,
      }),
      s("text", { x: lx + 18, y: 44 }, ser.name),
    );
  }
  svg.append(legend);

  // crosshair: the nearest logged step under the pointer, every series' value there
  const cross = s("g", { visibility: "hidden", "pointer-events": "none" });
  const vline = s("line", { y1: M.top, y2: H - M.bottom, stroke: "#98a2b3", "stroke-dasharray": "3 3" });
  const box = s("rect", { rx: 4, fill: "#1d2430", "fill-opacity": 0.88 });
  const text = s("text", { fill: "#fff", "font-size": 11 });
  cross.append(vline, box, text);
  svg.append(cross);
  const xs = [...new Set(shown.flatMap((x) => x.points.map((p) => p[0])))].sort((a, b) => a - b);
  const hit = s("rect", {
    x: M.left,
    y: M.top,
    width: W - M.left - M.right,
    height: H - M.top - M.bottom,
    fill: "transparent",
  });
  hit.addEventListener("mousemove", (ev) => {
    const r = svg.getBoundingClientRect();
    const sx = ((ev.clientX - r.left) / r.width) * W;
    const x = xs.reduce((b, v) => (Math.abs(px(v) - sx) < Math.abs(px(b) - sx) ? v : b), xs[0]);
    const lines = [`step ${x}`];
    for (const ser of shown) {
      const p = ser.points.find((q) => q[0] === x);
      if (p) lines.push(`${ser.name}: ${fmt(p[1])}`);
    }
    vline.setAttribute("x1", String(px(x)));
    vline.setAttribute("x2", String(px(x)));
    text.replaceChildren(
      ...lines.map((l, i) =>
        s("tspan", { x: 0, dy: i === 0 ? 0 : 14, "font-weight": i === 0 ? 600 : 400 }, l),
      ),
    );
    const bw = Math.max(...lines.map((l) => l.length)) * 6.3 + 12;
    const bh = lines.length * 14 + 8;
    const bx = px(x) + 10 + bw > W ? px(x) - 10 - bw : px(x) + 10;
    box.setAttribute("x", String(bx));
    box.setAttribute("y", String(M.top + 4));
    box.setAttribute("width", String(bw));
    box.setAttribute("height", String(bh));
    text.setAttribute("transform", `translate(${bx + 6}, ${M.top + 18})`);
    for (const t of text.children) t.setAttribute("x", "0");
    cross.setAttribute("visibility", "visible");
  });
  hit.addEventListener("mouseleave", () => cross.setAttribute("visibility", "hidden"));
  svg.append(hit);
  return svg;
}
