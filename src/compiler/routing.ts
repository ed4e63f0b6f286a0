// The routing plan: which data crosses the fabric between which places, on which color, over how many hops.
// Pipelined: activations forward and gradients backward between consecutive stages, input from the west
// edge's I/O channels into the first stage. Weight streaming: weights in from the edge I/O channels and
// broadcast down the grid columns, partial sums reduced along the grid rows, weight gradients out to the edge.
import { kernelRect } from "../hw/index.js";
import type { WaferSpec } from "../hw/index.js";
import { CompileError } from "./errors.js";
import type { ExecutionPlan, MatchedLayer, Rect, Route, RoutingPlan } from "./types.js";

const centre = (r: Rect) => ({ x: r.x + (r.width - 1) / 2, y: r.y + (r.height - 1) / 2 });
const hops = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.round(Math.abs(a.x - b.x) + Math.abs(a.y - b.y));

export function planRouting(
  w: WaferSpec,
  layers: readonly MatchedLayer[],
  plan: ExecutionPlan,
  train: boolean,
): RoutingPlan {
  const area = kernelRect(w);
  const routes: Route[] = [];
  if (plan.mode === "pipeline") {
    const st = plan.stages;
    const first = centre(st[0].rect);
    // input arrives through the I/O channels of the west edge, halfway up
    routes.push({
      from: "west I/O channels",
      to: st[0].layer,
      color: 0,
      hops: hops({ x: -w.halo.west, y: first.y }, first),
      elements: layers[0].outputElements,
      what: "input samples",
    });
    for (let i = 0; i + 1 < st.length; i++) {
      const a = centre(st[i].rect);
      const b = centre(st[i + 1].rect);
      // adjacent pairs alternate between two color pairs, so a strip never receives and sends on one color
      const base = 1 + 2 * (i % 2);
      const elements = layers[i].outputElements;
      routes.push({
        from: st[i].layer,
        to: st[i + 1].layer,
        color: base,
        hops: hops(a, b),
        elements,
        what: "activations",
      });
      if (train)
        routes.push({
          from: st[i + 1].layer,
          to: st[i].layer,
          color: base + 1,
          hops: hops(a, b),
          elements,
          what: "activation gradients",
        });
    }
  } else {
    const maxWeights = Math.max(...layers.map((l) => l.params + l.tiedParams));
    const maxOut = Math.max(...layers.map((l) => l.outputElements));
    const m = plan.microBatch;
    routes.push({
      from: "edge I/O channels",
      to: "grid columns",
      color: 0,
      hops: Math.ceil(area.width / 2) + area.height,
      elements: maxWeights,
      what: "weights, broadcast down each column (largest layer)",
    });
    routes.push({
      from: "grid rows",
      to: "row ends",
      color: 1,
      hops: area.width,
      elements: m * maxOut,
      what: "partial sums reduced along each row (largest layer output)",
    });
    routes.push({
      from: "row ends",
      to: "grid",
      color: 2,
      hops: area.width + area.height,
      elements: m * maxOut,
      what: "layer output redistributed as the next layer's input",
    });
    if (train)
      routes.push({
        from: "grid columns",
        to: "edge I/O channels",
        color: 3,
        hops: Math.ceil(area.width / 2) + area.height,
        elements: maxWeights,
        what: "weight gradients, reduced up each column and streamed out",
      });
    routes.push({
      from: "west I/O channels",
      to: "grid",
      color: 4,
      hops: area.width,
      elements: m * layers[0].outputElements,
      what: "input samples",
    });
  }
  const colorsUsed = new Set(routes.map((r) => r.color)).size;
  if (colorsUsed > w.colors)
    throw new CompileError(
      "routing",
      `the routing plan needs ${colorsUsed} colors and the fabric has ${w.colors}`,
    );
  return {
    routes,
    colorsUsed,
    colorsAvailable: w.colors,
    longestHops: Math.max(...routes.map((r) => r.hops)),
  };
}
