// Placement and memory allocation for both modes.
//
// Pipelined: every layer gets a rectangle of the kernel area: a strip of whole columns, full height, placed
// left to right in layer order so consecutive stages share an edge (the shortest link the mesh has). Strip
// widths start at each stage's memory floor (the columns whose SRAM holds its weights, optimizer state and
// in-flight activations) and the remaining columns go, one at a time, to the stage whose time per sample is
// then the longest: the stage times balance on the real kernel costs.
//
// Weight streaming: every layer runs on the whole kernel area in turn. The micro-batch search tries every
// micro-batch m that divides the per-system batch b, with and without recomputation, keeps those whose SRAM
// fits, and asks the time model which is fastest.
//
// Shapes: B = global batch, N = systems, b = B / N, m = micro-batch, S = stages, W x H = kernel area.
import { kernelRect } from "../hw/index.js";
import { bytes } from "../util/units.js";
import { layerCycles } from "./kernels.js";
import {
  perPE,
  pipelineInFlight,
  pipelineStageBytes,
  usableBytesPerPE,
  weightStreamingBytes,
} from "./memory.js";
import type {
  CompileInput,
  MatchedLayer,
  PipelinePlan,
  PipelineStage,
  StepTimeModel,
  WeightStreamingPlan,
} from "./types.js";

/** A plan, or why the mode cannot run, with numbers. */
export type PlanResult<P> = { plan: P; reason?: undefined } | { plan?: undefined; reason: string };

function passes(input: CompileInput) {
  return input.run.mode === "train" ? { forward: 1, backward: 1 } : { forward: 1, backward: 0 };
}

/** Cycles of one sample through a pipelined stage of `cols` full-height columns. */
function stageCycles(input: CompileInput, layer: MatchedLayer, pes: number) {
  const w = input.cluster.system.wafer;
  return layerCycles(w, input.model.computeDtype, layer.kernels, pes, 1, "weights", passes(input));
}

export function planPipeline(layers: readonly MatchedLayer[], input: CompileInput): PlanResult<PipelinePlan> {
  const { cluster, run, model } = input;
  const w = cluster.system.wafer;
  if (cluster.numSystems > 1)
    return {
      reason:
        `pipelined mode runs on one system and the cluster has ${cluster.numSystems}: ` +
        "more than one system requires weight streaming (or use --num_csx 1)",
    };
  const area = kernelRect(w);
  const S = layers.length;
  if (S > area.width)
    return {
      reason: `pipelined mode places one layer per column strip: ${S} layers exceed the ${area.width} columns`,
    };
  const usable = usableBytesPerPE(w);
  const stageBytes = layers.map((l, i) =>
    pipelineStageBytes(l, pipelineInFlight(i, S, run.mode), run, model.computeDtype),
  );
  const totals = stageBytes.map((s) => s.weights + s.optimizerAndGradients + s.activations);
  const floors = totals.map((t) => Math.max(1, Math.ceil(t / usable / area.height)));
  const need = floors.reduce((a, b) => a + b, 0);
  if (need > area.width) {
    const all = totals.reduce((a, b) => a + b, 0);
    const worst = totals.indexOf(Math.max(...totals));
    return {
      reason:
        `pipelined mode needs ${bytes(all)} of SRAM for weights, gradients, optimizer state and in-flight ` +
        `activations (${need} of ${area.width} columns at ${bytes(usable)} usable per PE); the wafer's ` +
        `kernel area holds ${bytes(usable * area.pes)}. Largest stage: ${layers[worst].name} ` +
        `(${bytes(totals[worst])})`,
    };
  }
  const widths = balanceWidths(
    floors,
    area.width,
    (i, cols) => stageCycles(input, layers[i], cols * area.height).cycles,
  );
  let x = 0;
  const stages: PipelineStage[] = layers.map((l, i) => {
    const pes = widths[i] * area.height;
    const rect = { x, y: 0, width: widths[i], height: area.height };
    x += widths[i];
    const c = stageCycles(input, l, pes);
    return {
      layer: l.name,
      index: l.index,
      rect,
      pes,
      inFlight: pipelineInFlight(i, S, run.mode),
      memory: perPE(w, pes, stageBytes[i]),
      cyclesPerSample: c.cycles,
      bound: c.bound,
    };
  });
  return {
    plan: {
      mode: "pipeline",
      stages,
      idlePEs: area.pes - stages.reduce((a, s) => a + s.pes, 0),
      perSystemBatch: run.globalBatch,
      microBatch: 1,
    },
  };
}

/**
 * Strip widths that minimise the slowest stage: a bisection on the target time finds, for each stage, the
 * fewest columns (at least its memory floor) that meet it; columns left over then go to the slowest stage
 * while they make it faster, and otherwise stay idle (a small model cannot use the whole wafer).
 */
export function balanceWidths(
  floors: readonly number[],
  total: number,
  time: (stage: number, cols: number) => number,
): number[] {
  const S = floors.length;
  const memo = floors.map(() => new Map<number, number>());
  const t = (i: number, c: number) => {
    let v = memo[i].get(c);
    if (v === undefined) memo[i].set(c, (v = time(i, c)));
    return v;
  };
  const spare = total - floors.reduce((a, b) => a + b, 0);
  const widthsFor = (target: number): number[] | null => {
    let used = 0;
    const ws: number[] = [];
    for (let i = 0; i < S; i++) {
      let c = floors[i];
      while (t(i, c) > target) {
        c++;
        if (used + c - floors[i] > spare) return null;
      }
      used += c - floors[i];
      ws.push(c);
    }
    return ws;
  };
  let lo = 0;
  let hi = Math.max(...floors.map((f, i) => t(i, f)));
  let best = floors.slice();
  for (let it = 0; it < 40 && hi - lo > 1e-6 * hi; it++) {
    const mid = (lo + hi) / 2;
    const ws = widthsFor(mid);
    if (ws) {
      best = ws;
      hi = mid;
    } else lo = mid;
  }
  let left = total - best.reduce((a, b) => a + b, 0);
  while (left > 0) {
    let slow = 0;
    for (let i = 1; i < S; i++) if (t(i, best[i]) > t(slow, best[slow])) slow = i;
    let d = 1;
    while (d <= left && t(slow, best[slow] + d) >= t(slow, best[slow])) d++;
    if (d > left) break;
    best[slow] += d;
    left -= d;
  }
  return best;
}

/** Divisors of n, largest first. */
export function divisorsDescending(n: number): number[] {
  const small: number[] = [];
  const large: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      small.push(d);
      if (d * d !== n) large.push(n / d);
    }
  }
  return [...large, ...small.reverse()];
}

/** Every weight-streaming plan whose SRAM fits, or why none does. */
export function weightStreamingCandidates(
  layers: readonly MatchedLayer[],
  input: CompileInput,
): PlanResult<WeightStreamingPlan[]> {
  const { cluster, run, model } = input;
  const w = cluster.system.wafer;
  const area = kernelRect(w);
  const b = run.globalBatch / cluster.numSystems;
  const plans: WeightStreamingPlan[] = [];
  const recomputeOptions = run.mode === "train" ? [false, true] : [false];
  for (const recompute of recomputeOptions) {
    for (const m of divisorsDescending(b)) {
      const t = weightStreamingBytes(layers, m, recompute, run, model.computeDtype);
      const memory = perPE(w, area.pes, t);
      if (memory.total > memory.limit) continue;
      plans.push({
        mode: "weight_streaming",
        perSystemBatch: b,
        microBatch: m,
        microBatches: b / m,
        recompute,
        pes: area.pes,
        memory,
        largestLayer: t.largest,
      });
    }
  }
  if (plans.length > 0) return { plan: plans };
  const t = weightStreamingBytes(layers, 1, run.mode === "train", run, model.computeDtype);
  const m1 = perPE(w, area.pes, t);
  return {
    reason:
      `weight streaming does not fit even at micro-batch 1: layer ${t.largest} needs ` +
      `${bytes(m1.total)} per PE (weights ${bytes(m1.weights)}, gradient accumulator ` +
      `${bytes(m1.optimizerAndGradients)}, activations ${bytes(m1.activations)}, reserve ${bytes(m1.reserved)}) ` +
      `and a PE has ${bytes(m1.limit)}; shorten the sequence or narrow the layer`,
  };
}

/** The fastest weight-streaming plan that fits, by the time model; ties go to the larger micro-batch. */
export function planWeightStreaming(
  layers: readonly MatchedLayer[],
  input: CompileInput,
  time: StepTimeModel,
): PlanResult<WeightStreamingPlan> {
  const c = weightStreamingCandidates(layers, input);
  if (!c.plan) return c;
  let best = c.plan[0];
  let bestT = time.stepSeconds(layers, best, input);
  for (const p of c.plan.slice(1)) {
    const t = time.stepSeconds(layers, p, input);
    if (t < bestT * (1 - 1e-9)) {
      best = p;
      bestT = t;
    }
  }
  return { plan: best };
}
