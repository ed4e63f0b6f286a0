// The wafer's time, from mechanism. Deterministic; every estimate carries a per-layer breakdown naming what
// bounds each layer: compute, SRAM or fabric (the wafer's kernels), I/O (weights and input streaming in over
// the system's host links) or reduction (weight gradients streaming out and summed by SwarmX).
//
// Weight streaming, per micro-batch of m samples on each of the N systems (all N alike, data parallel):
//   forward layer l:  max(kernel_f(l, m), weights_l / hostIO) + layer switch
//   backward layer l: max(kernel_b(l, m) [+ kernel_f if recomputing], weights_l / hostIO, grads_l / hostIO)
//                     + layer switch
// and per step: b / m micro-batches, then the step boundary: the first layer's gradient goes up the SwarmX
// tree, MemoryX updates it, its new weights come back down (depth levels each way) before the next step.
// SwarmX broadcasts and reduces at line rate, so N changes only the tree depth (latency), not the bandwidth.
//
// Pipelined, one system: each stage spends cycles_l / clock per sample; the slowest stage sets the rate;
// a step fills and drains the pipeline (2 (S - 1) sample slots) and updates the weights on the wafer.
//
// Shapes: B = global batch, N = systems, b = B / N, m = micro-batch, S = stages, T = tokens per sample.
import { hostIoBitsPerSec, kernelRect, swarmxTree } from "../hw/index.js";
import type { ClusterSpec } from "../hw/index.js";
import { dtypeBytes, elementwiseCost, layerCycles, trainingStateBytesPerParam } from "../compiler/index.js";
import type {
  CompileArtifact,
  CompileInput,
  ExecutionPlan,
  MatchedLayer,
  PipelinePlan,
  WeightStreamingPlan,
} from "../compiler/index.js";
import type { ComputeDtype } from "../model/index.js";
import { CALIBRATED } from "./params.js";
import type { PerfParams } from "./params.js";
import { WscError } from "../util/errors.js";

/** What an estimate needs to know besides the plan: the model's format and tokens, the run, the cluster. */
export interface EstimateContext {
  readonly computeDtype: ComputeDtype;
  readonly seqLen: number;
  readonly run: CompileInput["run"];
  readonly cluster: ClusterSpec;
}

export type Bound = "compute" | "SRAM" | "fabric" | "I/O" | "reduction";

/** One layer's share of a step on one system. */
export interface LayerTime {
  readonly layer: string;
  readonly kind: string;
  /** Seconds per step this layer takes on each system (all passes, all micro-batches; pipelined: stage). */
  readonly seconds: number;
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
  /** Seconds of wafer kernels (after efficiency), of weights and input in, of gradients out, of overheads. */
  readonly kernelSeconds: number;
  readonly ioSeconds: number;
  readonly reductionSeconds: number;
  readonly overheadSeconds: number;
  readonly bound: Bound;
  /** FLOPs per step this layer computes on one system (matrix products, including recomputation). */
  readonly flops: number;
}

export interface StepEstimate {
  readonly mode: ExecutionPlan["mode"];
  /** Modeled device seconds of one step (every system runs it in this time). */
  readonly deviceSecondsPerStep: number;
  /** Global samples per second: B / step. */
  readonly samplesPerSec: number;
  readonly globalBatch: number;
  readonly numSystems: number;
  readonly layers: readonly LayerTime[];
  /** Seconds outside the layers: step boundary (weight streaming) or fill, drain and update (pipelined). */
  readonly stepOverhead: { readonly seconds: number; readonly what: string };
  /** Achieved matrix FLOP/s per system and its fraction of the fp16 peak of the kernel area. */
  readonly flopsPerSecPerSystem: number;
  readonly peakFraction: number;
  /** The resource that bounds most of the step's time. */
  readonly bound: Bound;
  readonly params: PerfParams;
}

const kernelBound = (b: "compute" | "SRAM" | "fabric"): Bound => b;

function dominant(times: Partial<Record<Bound, number>>): Bound {
  let best: Bound = "compute";
  let t = -1;
  for (const [k, v] of Object.entries(times) as [Bound, number][]) if (v > t) [best, t] = [k, v];
  return best;
}

function matrixFlops(l: MatchedLayer): number {
  return l.kernels.reduce(
    (a, k) => a + (k.op === "gemm" || k.op === "attention" ? 2 * k.m * k.k * k.n * k.count : 0),
    0,
  );
}

function finish(
  input: EstimateContext,
  mode: ExecutionPlan["mode"],
  layers: LayerTime[],
  overhead: { seconds: number; what: string },
  step: number,
  p: PerfParams,
): StepEstimate {
  const w = input.cluster.system.wafer;
  const flops = layers.reduce((a, l) => a + l.flops, 0);
  const peak =
    kernelRect(w).pes * w.simd[input.computeDtype === "fp32" ? "fmac.fp32" : "fmac.fp16"] * 2 * w.clockHz;
  const byBound: Partial<Record<Bound, number>> = {};
  for (const l of layers) byBound[l.bound] = (byBound[l.bound] ?? 0) + l.seconds;
  return {
    mode,
    deviceSecondsPerStep: step,
    samplesPerSec: input.run.globalBatch / step,
    globalBatch: input.run.globalBatch,
    numSystems: input.cluster.numSystems,
    layers,
    stepOverhead: overhead,
    flopsPerSecPerSystem: flops / step,
    peakFraction: flops / step / peak,
    bound: dominant(byBound),
    params: p,
  };
}

function estimateWeightStreaming(
  layers: readonly MatchedLayer[],
  plan: WeightStreamingPlan,
  input: EstimateContext,
  p: PerfParams,
): StepEstimate {
  const { cluster, run } = input;
  const w = cluster.system.wafer;
  const dtype = input.computeDtype;
  const train = run.mode === "train";
  const clock = w.clockHz;
  const io = hostIoBitsPerSec(cluster.system) / 8; // bytes/s each way, per system
  const mem = Math.min(io, cluster.memoryx.ioBitsPerSec / 8);
  const b = dtypeBytes(dtype);
  const m = plan.microBatch;
  const k = plan.microBatches;
  const out: LayerTime[] = layers.map((l, i) => {
    const wBytes = (l.params + l.tiedParams) * b;
    const inputBytes = i === 0 ? m * input.seqLen * p.inputBytesPerToken : 0;
    const fwdK = layerCycles(w, dtype, l.kernels, plan.pes, m, "activations", { forward: 1, backward: 0 });
    const fk = fwdK.cycles / clock / p.kernelEfficiency;
    const fIn = wBytes / mem + inputBytes / io;
    const fwd = Math.max(fk, fIn) + p.layerSwitchSeconds;
    let bwd = 0;
    let bk = 0;
    let bOut = 0;
    let bwdBound: Bound = kernelBound(fwdK.bound);
    if (train) {
      const bwdK = layerCycles(w, dtype, l.kernels, plan.pes, m, "activations", {
        forward: plan.recompute ? 1 : 0,
        backward: 1,
      });
      bk = bwdK.cycles / clock / p.kernelEfficiency;
      bOut = wBytes / mem;
      bwd = Math.max(bk, wBytes / mem, bOut) + p.layerSwitchSeconds;
      bwdBound = kernelBound(bwdK.bound);
    }
    const kernel = fk + bk;
    const ioT = fIn + (train ? wBytes / mem : 0);
    const bound: Bound =
      Math.max(fk, bk) >= Math.max(fIn, bOut)
        ? bk > fk
          ? bwdBound
          : kernelBound(fwdK.bound)
        : bOut > fIn
          ? "reduction"
          : "I/O";
    const f = matrixFlops(l) * m * (1 + (train ? 2 + (plan.recompute ? 1 : 0) : 0));
    return {
      layer: l.name,
      kind: l.kind,
      seconds: k * (fwd + bwd),
      forwardSeconds: k * fwd,
      backwardSeconds: k * bwd,
      kernelSeconds: k * kernel,
      ioSeconds: k * ioT,
      reductionSeconds: k * bOut,
      overheadSeconds: k * (train ? 2 : 1) * p.layerSwitchSeconds,
      bound,
      flops: k * f,
    };
  });
  let overhead = { seconds: 0, what: "none (eval: no weight update)" };
  if (train) {
    const first = layers[0];
    const depth = swarmxTree(cluster).depth;
    const firstBytes = (first.params + first.tiedParams) * b;
    const update =
      (first.params * trainingStateBytesPerParam(run, dtype)) / (cluster.memoryx.ioBitsPerSec / 8);
    overhead = {
      seconds: 2 * depth * p.swarmxLevelSeconds + firstBytes / mem + update,
      what:
        `step boundary: ${first.name}'s gradient up and its updated weights down ${depth} SwarmX level` +
        `${depth > 1 ? "s" : ""}, MemoryX update of its ${first.params.toLocaleString("en-US")} parameters`,
    };
  }
  const step = out.reduce((a, l) => a + l.seconds, 0) + overhead.seconds;
  return finish(input, "weight_streaming", out, overhead, step, p);
}

function estimatePipeline(
  layers: readonly MatchedLayer[],
  plan: PipelinePlan,
  input: EstimateContext,
  p: PerfParams,
): StepEstimate {
  const { cluster, run } = input;
  const w = cluster.system.wafer;
  const train = run.mode === "train";
  const clock = w.clockHz;
  const eff = p.kernelEfficiency * p.pipelineStageEfficiency;
  const S = plan.stages.length;
  const b = plan.perSystemBatch;
  const stageSec = plan.stages.map((s) => s.cyclesPerSample / clock / eff);
  const slowest = Math.max(...stageSec);
  const slots = b + (train ? 2 : 1) * (S - 1);
  const io = hostIoBitsPerSec(cluster.system) / 8;
  const inputSec = (b * input.seqLen * p.inputBytesPerToken) / io;
  // on-wafer weight update: every stage updates its own weights at once; the slowest sets the time
  let update = 0;
  if (train) {
    for (let i = 0; i < S; i++) {
      const c = elementwiseCost(w, "fp32", plan.stages[i].pes, layers[i].params * p.optimizerOpsPerParam);
      update = Math.max(update, c.cycles / clock / p.kernelEfficiency);
    }
  }
  const stream = slots * slowest;
  const body = Math.max(stream, inputSec);
  const out: LayerTime[] = plan.stages.map((s, i) => {
    const l = layers[i];
    const f = layerCycles(w, input.computeDtype, l.kernels, s.pes, 1, "weights", { forward: 1, backward: 0 });
    const fs = f.cycles / clock / eff;
    return {
      layer: s.layer,
      kind: l.kind,
      // a stage is busy b samples of its own time per step; the rest it waits for the slowest stage
      seconds: b * stageSec[i],
      forwardSeconds: b * fs,
      backwardSeconds: b * (stageSec[i] - fs),
      kernelSeconds: b * stageSec[i],
      ioSeconds: i === 0 ? inputSec : 0,
      reductionSeconds: 0,
      overheadSeconds: b * (slowest - stageSec[i]),
      bound:
        i === 0 && inputSec > b * stageSec[i] ? "I/O" : kernelBound(s.bound as "compute" | "SRAM" | "fabric"),
      flops: matrixFlops(l) * b * (train ? 3 : 1),
    };
  });
  const overhead = {
    seconds: body - b * slowest + update,
    what:
      `pipeline fill and drain (${slots - b} sample slots of the slowest stage, ${plan.stages[stageSec.indexOf(slowest)].layer})` +
      (train ? " and the on-wafer weight update" : ""),
  };
  return finish(input, "pipeline", out, overhead, body + update, p);
}

/** Estimate one step of a plan. */
export function estimatePlan(
  layers: readonly MatchedLayer[],
  plan: ExecutionPlan,
  input: CompileInput | EstimateContext,
  p: PerfParams = CALIBRATED,
): StepEstimate {
  const ctx: EstimateContext =
    "model" in input
      ? {
          computeDtype: input.model.computeDtype,
          seqLen: input.model.seqLen,
          run: input.run,
          cluster: input.cluster,
        }
      : input;
  return plan.mode === "pipeline"
    ? estimatePipeline(layers, plan, ctx, p)
    : estimateWeightStreaming(layers, plan, ctx, p);
}

/**
 * Estimate one step of a compiled artifact on a cluster: what the appliance calls each step for the modeled
 * device time. The cluster must be the one the artifact was compiled for (same systems and hardware).
 */
export function estimateStep(
  artifact: CompileArtifact,
  cluster: ClusterSpec,
  p: PerfParams = CALIBRATED,
): StepEstimate {
  if (cluster.numSystems !== artifact.cluster.numSystems || cluster.system.name !== artifact.cluster.system)
    throw new WscError(
      `compile ${artifact.hash} is for ${artifact.cluster.numSystems} x ${artifact.cluster.system}, not ` +
        `${cluster.numSystems} x ${cluster.system.name}: compile again for this cluster`,
    );
  const { computeDtype, seqLen } = artifact.model;
  return estimatePlan(
    artifact.layers,
    artifact.plan,
    { computeDtype, seqLen, run: artifact.run, cluster },
    p,
  );
}
