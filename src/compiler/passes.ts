// The compiler: a flat list of named passes, each with a one-line purpose, run in order over one state.
// `validate_only` stops after kernel matching; `compile_only` runs to the artifact. Each pass leaves its
// result in the state and a one-line summary in the record, so a report can show what every pass did.
import { kernelRect } from "../hw/index.js";
import { bytes, int } from "../util/units.js";
import { ARTIFACT_FORMAT, artifactPath, compileHash, readCachedArtifact, writeArtifact } from "./artifact.js";
import { CompileError } from "./errors.js";
import { kernelFlops, matchKernels } from "./kernels.js";
import { trainingStateBytesPerParam } from "./memory.js";
import { planPipeline, planWeightStreaming } from "./placement.js";
import { planRouting } from "./routing.js";
import type {
  CompileArtifact,
  CompileInput,
  ExecutionPlan,
  MatchedLayer,
  ModeCandidate,
  ModeDecision,
  PassRecord,
  RoutingPlan,
  StepTimeModel,
} from "./types.js";
import { EXECUTION_MODES } from "./types.js";

/** A time model with an identity: part of the compile hash, since mode and micro-batch depend on it. */
export interface IdentifiedTimeModel extends StepTimeModel {
  readonly id: string;
}

/** The state the passes fill in, in order. */
export interface CompileState {
  readonly input: CompileInput;
  readonly time: IdentifiedTimeModel;
  hash?: string;
  layers?: MatchedLayer[];
  decision?: ModeDecision;
  plan?: ExecutionPlan;
  routing?: RoutingPlan;
  artifact?: CompileArtifact;
}

export interface Pass {
  readonly name: string;
  /** Why the pass exists, in one line. */
  readonly purpose: string;
  /** Do the work on the state; return a one-line summary of the result. */
  run(s: CompileState): string;
}

const s2 = (x: number) => (x >= 1 ? `${x.toFixed(3)} s` : `${(x * 1000).toFixed(2)} ms`);

const validate: Pass = {
  name: "validate",
  purpose: "check the model IR, the run settings and the cluster against each other before any work",
  run({ input }) {
    const { model, run, cluster } = input;
    const w = cluster.system.wafer;
    const fail = (m: string) => {
      throw new CompileError("validate", m);
    };
    if (model.layers.length === 0) fail(`model ${model.name} has no layers`);
    if (run.mode !== "train" && run.mode !== "eval")
      fail(`mode "${run.mode}" is not compiled for the wafer: use train or eval`);
    if (!Number.isInteger(run.globalBatch) || run.globalBatch < 1)
      fail(`batch_size ${run.globalBatch} must be a whole number of samples, at least 1`);
    if (run.globalBatch % cluster.numSystems !== 0)
      fail(
        `batch_size ${run.globalBatch} does not split evenly over ${cluster.numSystems} systems: ` +
          `use a multiple of ${cluster.numSystems} (e.g. ${Math.max(1, Math.round(run.globalBatch / cluster.numSystems)) * cluster.numSystems})`,
      );
    if (run.executionStrategy !== undefined && !EXECUTION_MODES.includes(run.executionStrategy))
      fail(`execution_strategy "${run.executionStrategy}" is not a mode: use pipeline or weight_streaming`);
    if (!w.numberFormats.includes(model.computeDtype))
      fail(
        `compute format ${model.computeDtype} is not one the ${w.name} computes in (${w.numberFormats.join(", ")})`,
      );
    if (cluster.numSystems > cluster.swarmx.maxSystems)
      fail(`${cluster.numSystems} systems exceed the ${cluster.swarmx.maxSystems} SwarmX connects`);
    trainingStateBytesPerParam(run, model.computeDtype); // a known optimizer
    const owned = new Set(model.layers.flatMap((l) => l.params.map((p) => p.fullName)));
    for (const l of model.layers)
      for (const t of l.tied)
        if (!owned.has(t.owner)) fail(`layer ${l.name} ties to ${t.owner}, which no layer owns`);
    return `${model.layers.length} layers, ${int(model.paramCount)} parameters, batch ${run.globalBatch} on ${cluster.numSystems} x ${cluster.system.name}`;
  },
};

const kernelMatching: Pass = {
  name: "kernel-matching",
  purpose: "map every IR layer to the wafer kernels that execute it (a registry keyed by layer kind)",
  run(s) {
    const { model } = s.input;
    const numel = new Map(model.layers.flatMap((l) => l.params.map((p) => [p.fullName, p.numel] as const)));
    s.layers = model.layers.map((l) => {
      const kernels = matchKernels(l, model.seqLen);
      const f = kernelFlops(kernels);
      if (Math.abs(f - l.flops.forward) > 1e-6 * Math.max(1, l.flops.forward))
        throw new CompileError(
          "kernel-matching",
          `layer ${l.name}: its kernels compute ${f} FLOPs per sample but the IR counts ${l.flops.forward}`,
        );
      return {
        index: l.index,
        name: l.name,
        kind: l.kind,
        params: l.params.reduce((a, p) => a + p.numel, 0),
        tiedParams: l.tied.reduce((a, t) => a + (numel.get(t.owner) ?? 0), 0),
        savedElements: l.savedElements,
        outputElements: l.outputElements,
        kernels,
      };
    });
    const n = s.layers.reduce((a, l) => a + l.kernels.length, 0);
    return `${n} kernels for ${s.layers.length} layers (${[...new Set(s.layers.flatMap((l) => l.kernels.map((k) => k.op)))].join(", ")})`;
  },
};

const modeSelection: Pass = {
  name: "mode-selection",
  purpose: "plan each mode that can run and take the forced one, or the one the time model predicts faster",
  run(s) {
    const layers = s.layers as MatchedLayer[];
    const { input, time } = s;
    const forced = input.run.executionStrategy;
    const pipe = planPipeline(layers, input);
    const ws = planWeightStreaming(layers, input, time);
    const candidates: ModeCandidate[] = [
      pipe.plan
        ? {
            mode: "pipeline",
            feasible: true,
            plan: pipe.plan,
            stepSeconds: time.stepSeconds(layers, pipe.plan, input),
          }
        : { mode: "pipeline", feasible: false, reason: pipe.reason },
      ws.plan
        ? {
            mode: "weight_streaming",
            feasible: true,
            plan: ws.plan,
            stepSeconds: time.stepSeconds(layers, ws.plan, input),
          }
        : { mode: "weight_streaming", feasible: false, reason: ws.reason },
    ];
    let chosen: ModeCandidate;
    let why: string;
    if (forced) {
      chosen = candidates.find((c) => c.mode === forced) as ModeCandidate;
      if (!chosen.feasible)
        throw new CompileError("mode-selection", `execution_strategy ${forced} cannot run: ${chosen.reason}`);
      why = `forced by execution_strategy: ${forced}`;
    } else {
      const ok = candidates.filter((c) => c.feasible);
      if (ok.length === 0)
        throw new CompileError(
          "mode-selection",
          `the model fits neither mode:\n  pipeline: ${candidates[0].reason}\n  weight_streaming: ${candidates[1].reason}`,
        );
      chosen = ok.reduce((a, b) => ((b.stepSeconds as number) < (a.stepSeconds as number) ? b : a));
      const other = candidates.find((c) => c !== chosen) as ModeCandidate;
      why = other.feasible
        ? `${chosen.mode} predicted faster: ${s2(chosen.stepSeconds as number)} per step vs ${s2(other.stepSeconds as number)} for ${other.mode}`
        : `${chosen.mode} is the only mode that can run; ${other.mode}: ${other.reason}`;
    }
    s.decision = { mode: chosen.mode, forced: forced !== undefined, why, candidates };
    s.plan = chosen.plan;
    return why;
  },
};

const placement: Pass = {
  name: "placement",
  purpose: "fix where each layer runs and what every PE's SRAM holds (the chosen mode's plan)",
  run(s) {
    const p = s.plan as ExecutionPlan;
    const w = s.input.cluster.system.wafer;
    if (p.mode === "pipeline") {
      const worst = p.stages.reduce((a, b) => (b.memory.total > a.memory.total ? b : a));
      return (
        `${p.stages.length} regions on ${kernelRect(w).width} columns; fullest PE ${bytes(worst.memory.total)} ` +
        `of ${bytes(worst.memory.limit)} (${worst.layer})`
      );
    }
    return (
      `every layer on ${int(p.pes)} PEs; micro-batch ${p.microBatch} x ${p.microBatches}` +
      `${p.recompute ? ", recomputing activations" : ""}; ${bytes(p.memory.total)} of ${bytes(p.memory.limit)} per PE`
    );
  },
};

const routing: Pass = {
  name: "routing",
  purpose: "assign fabric colors and paths to the data that moves between regions and to and from the edge",
  run(s) {
    s.routing = planRouting(
      s.input.cluster.system.wafer,
      s.layers as MatchedLayer[],
      s.plan as ExecutionPlan,
      s.input.run.mode === "train",
    );
    return `${s.routing.routes.length} routes on ${s.routing.colorsUsed} of ${s.routing.colorsAvailable} colors, longest ${s.routing.longestHops} hops`;
  },
};

const artifact: Pass = {
  name: "artifact",
  purpose: "assemble the plan into the hashed compile artifact the appliance executes",
  run(s) {
    const { model, run, cluster } = s.input;
    s.artifact = {
      hash: s.hash as string,
      format: ARTIFACT_FORMAT,
      model: {
        name: model.name,
        family: model.family,
        params: model.paramCount,
        seqLen: model.seqLen,
        computeDtype: model.computeDtype,
      },
      run,
      cluster: { name: cluster.name, system: cluster.system.name, numSystems: cluster.numSystems },
      layers: s.layers as MatchedLayer[],
      decision: s.decision as ModeDecision,
      plan: s.plan as ExecutionPlan,
      routing: s.routing as RoutingPlan,
      passes: [],
    };
    return `compile hash ${s.hash}`;
  },
};

/** The passes, in order. */
export const PASSES: readonly Pass[] = [
  validate,
  kernelMatching,
  modeSelection,
  placement,
  routing,
  artifact,
];
export type PassName =
  "validate" | "kernel-matching" | "mode-selection" | "placement" | "routing" | "artifact";

export interface CompileOptions {
  /** The time model mode selection and the micro-batch search consult (perf/ provides it). */
  readonly time: IdentifiedTimeModel;
  /** Stop after this pass (validate_only: "kernel-matching"). Default: run them all. */
  readonly stopAfter?: PassName;
  /** Called after each pass with its record (progress output). */
  readonly onPass?: (r: PassRecord) => void;
}

export interface CompileResult {
  readonly state: CompileState;
  readonly passes: readonly PassRecord[];
  /** Set when every pass ran. */
  readonly artifact?: CompileArtifact;
}

/** Run the passes over one compile input. */
export function compile(input: CompileInput, o: CompileOptions): CompileResult {
  const state: CompileState = { input, time: o.time, hash: compileHash(input, o.time.id) };
  const records: PassRecord[] = [];
  for (const p of PASSES) {
    const t0 = performance.now();
    const summary = p.run(state);
    const r = { name: p.name, purpose: p.purpose, summary, millis: performance.now() - t0 };
    records.push(r);
    o.onPass?.(r);
    if (p.name === o.stopAfter) break;
  }
  const art = state.artifact ? { ...state.artifact, passes: records } : undefined;
  return { state, passes: records, artifact: art };
}

/** A compile through the cache: a hit under `compileDir` is returned without running any pass. */
export function compileCached(
  input: CompileInput,
  compileDir: string,
  o: CompileOptions,
): { artifact: CompileArtifact; cached: boolean; path: string } {
  const hash = compileHash(input, o.time.id);
  const hit = readCachedArtifact(compileDir, hash);
  if (hit) return { artifact: hit, cached: true, path: artifactPath(compileDir, hash) };
  const r = compile(input, { ...o, stopAfter: undefined });
  const a = r.artifact as CompileArtifact;
  return { artifact: a, cached: false, path: writeArtifact(compileDir, a) };
}
