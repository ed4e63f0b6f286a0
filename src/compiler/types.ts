// The data the compiler passes hand to each other, and the compile artifact. Every pass result is plain data
// (JSON-serialisable) so the report, the cache and the dashboard can show what each pass did.
//
// Shapes: B = global batch, N = systems, b = B / N per-system batch, m = micro-batch, T = tokens per sample.
import type { ClusterSpec } from "../hw/index.js";
import type { ModelIR } from "../model/index.js";
import type { KernelCost, WaferKernel } from "./kernels.js";

/** The two execution modes of the wafer (Model Zoo's `execution_strategy` values). */
export type ExecutionMode = "pipeline" | "weight_streaming";
export const EXECUTION_MODES: readonly ExecutionMode[] = ["pipeline", "weight_streaming"];

/** What a run asks of the compiler besides the model and the cluster. */
export interface RunSettings {
  /** "train" runs forward, backward and the weight update; "eval" forward only. */
  readonly mode: "train" | "eval";
  /** B: samples per step over all systems. */
  readonly globalBatch: number;
  /** A forced execution mode (`runconfig.execution_strategy` or `--execution_strategy`), or none to choose. */
  readonly executionStrategy?: ExecutionMode;
  /** Optimizer name as Model Zoo spells it (AdamW, Adam, SGD, ...): sets the bytes of state per parameter. */
  readonly optimizer: string;
  /** Momentum of SGD (state only when > 0). */
  readonly momentum?: number;
}

/** What the compiler needs to know: the model, the run and the cluster it targets. */
export interface CompileInput {
  readonly model: ModelIR;
  readonly run: RunSettings;
  readonly cluster: ClusterSpec;
}

/** One IR layer matched to the wafer kernels that execute it. */
export interface MatchedLayer {
  readonly index: number;
  readonly name: string;
  readonly kind: string;
  /** Parameters the layer owns. */
  readonly params: number;
  /** Parameters it uses from another layer (a tied head's token table). */
  readonly tiedParams: number;
  readonly savedElements: number;
  readonly outputElements: number;
  readonly kernels: readonly WaferKernel[];
}

/** A rectangle of the kernel area of the wafer, in PE coordinates (x: column, y: row). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Per-PE SRAM of one placement region or of the whole wafer, bytes, by what holds it. */
export interface MemoryPerPE {
  /** Weights held (pipelined: the layer's own; weight streaming: the layer being executed). */
  readonly weights: number;
  /** Gradients and optimizer state (pipelined), or the weight-gradient accumulator (weight streaming). */
  readonly optimizerAndGradients: number;
  /** Activations kept for backward (and, weight streaming, layer-boundary checkpoints). */
  readonly activations: number;
  /** Code, stack, router queues and I/O buffers: the compiler's reserve. */
  readonly reserved: number;
  readonly total: number;
  /** The SRAM of one PE. */
  readonly limit: number;
}

/** A pipelined stage: one layer on its own region of the wafer. */
export interface PipelineStage {
  readonly layer: string;
  readonly index: number;
  readonly rect: Rect;
  readonly pes: number;
  /** Samples whose activations this stage keeps at once (forward done, backward not yet). */
  readonly inFlight: number;
  readonly memory: MemoryPerPE;
  /** Cycles of one sample through this stage (forward + backward), from the kernel costs. */
  readonly cyclesPerSample: number;
  readonly bound: string;
}

export interface PipelinePlan {
  readonly mode: "pipeline";
  readonly stages: readonly PipelineStage[];
  /** PEs of the kernel area no stage uses. */
  readonly idlePEs: number;
  readonly perSystemBatch: number;
  /** Micro-batch: pipelined mode streams samples one by one; the whole batch is one step. */
  readonly microBatch: number;
}

/** Weight streaming: every layer in turn on the whole kernel area, per micro-batch. */
export interface WeightStreamingPlan {
  readonly mode: "weight_streaming";
  /** b: samples per system per step. */
  readonly perSystemBatch: number;
  /** m: samples per micro-batch; b / m micro-batches accumulate gradients each step. */
  readonly microBatch: number;
  readonly microBatches: number;
  /** Keep only layer-boundary activations and recompute each layer's forward in its backward. */
  readonly recompute: boolean;
  /** PEs every layer runs on. */
  readonly pes: number;
  readonly memory: MemoryPerPE;
  /** The layer whose working set is largest (what limits the micro-batch). */
  readonly largestLayer: string;
}

export type ExecutionPlan = PipelinePlan | WeightStreamingPlan;

/**
 * The time model mode selection consults to choose between feasible plans. The performance model (perf/)
 * implements it; the compiler only compares the seconds it returns.
 */
export interface StepTimeModel {
  /** Modeled device seconds of one training (or eval) step of `plan` on the cluster. */
  stepSeconds(layers: readonly MatchedLayer[], plan: ExecutionPlan, input: CompileInput): number;
}

/** Why a mode was or was not taken, for the report. */
export interface ModeCandidate {
  readonly mode: ExecutionMode;
  readonly feasible: boolean;
  /** Why not, with numbers (when infeasible). */
  readonly reason?: string;
  /** Predicted seconds per step (when feasible). */
  readonly stepSeconds?: number;
  readonly plan?: ExecutionPlan;
}

export interface ModeDecision {
  readonly mode: ExecutionMode;
  readonly forced: boolean;
  readonly why: string;
  readonly candidates: readonly ModeCandidate[];
}

/** A route of the routing plan: data that flows between two places on the fabric on one color. */
export interface Route {
  readonly from: string;
  readonly to: string;
  readonly color: number;
  /** Manhattan hops between the two places. */
  readonly hops: number;
  /** Elements per sample (pipelined) or per micro-batch (weight streaming) that take this route. */
  readonly elements: number;
  readonly what: string;
}

export interface RoutingPlan {
  readonly routes: readonly Route[];
  readonly colorsUsed: number;
  readonly colorsAvailable: number;
  readonly longestHops: number;
}

/** What one pass did, for the report: its name, why it exists, and a one-line summary of its result. */
export interface PassRecord {
  readonly name: string;
  readonly purpose: string;
  readonly summary: string;
  readonly millis: number;
}

/** Everything the compiler produced: the plan the appliance executes and the record of how it was made. */
export interface CompileArtifact {
  /** `cs_<digits>`: a hash of the model, the run settings and the hardware. */
  readonly hash: string;
  readonly format: number;
  readonly model: {
    readonly name: string;
    readonly family: string;
    readonly params: number;
    readonly seqLen: number;
    readonly computeDtype: ModelIR["computeDtype"];
  };
  readonly run: RunSettings;
  readonly cluster: { readonly name: string; readonly system: string; readonly numSystems: number };
  readonly layers: readonly MatchedLayer[];
  readonly decision: ModeDecision;
  readonly plan: ExecutionPlan;
  readonly routing: RoutingPlan;
  readonly passes: readonly PassRecord[];
}

export type { KernelCost, WaferKernel };
