// compiler: turns a model IR, run settings and a cluster into a compile artifact through a flat list of named
// passes (validate -> kernel matching -> mode selection -> placement and memory -> routing -> artifact),
// hashed `cs_<digits>` and cached under the compile directory. Kernel cycle costs here are mechanism only;
// the time model that weighs plans is handed in (perf/ provides it).
export {
  ARTIFACT_FORMAT,
  artifactPath,
  canonicalJson,
  compileHash,
  readCachedArtifact,
  writeArtifact,
} from "./artifact.js";
export { CompileError } from "./errors.js";
export {
  BACKWARD_FACTOR,
  KERNEL_OPS,
  KERNEL_RULES,
  dtypeBytes,
  elementwiseCost,
  gatherCost,
  kernelCost,
  kernelFlops,
  layerCycles,
  matchKernels,
  matmulCost,
} from "./kernels.js";
export type { KernelCost, KernelOp, Residency, WaferKernel } from "./kernels.js";
export {
  COMPILER_PARAMS,
  perPE,
  pipelineInFlight,
  pipelineStageBytes,
  trainingStateBytesPerParam,
  usableBytesPerPE,
  weightStreamingBytes,
} from "./memory.js";
export { PASSES, compile, compileCached } from "./passes.js";
export type {
  CompileOptions,
  CompileResult,
  CompileState,
  IdentifiedTimeModel,
  Pass,
  PassName,
} from "./passes.js";
export {
  divisorsDescending,
  planPipeline,
  planWeightStreaming,
  weightStreamingCandidates,
} from "./placement.js";
export type { PlanResult } from "./placement.js";
export { planRouting } from "./routing.js";
export { NULL_TARGET } from "./targets.js";
export type { CompileTarget } from "./targets.js";
export { EXECUTION_MODES } from "./types.js";
export type {
  CompileArtifact,
  CompileInput,
  ExecutionMode,
  ExecutionPlan,
  MatchedLayer,
  MemoryPerPE,
  ModeCandidate,
  ModeDecision,
  PassRecord,
  PipelinePlan,
  PipelineStage,
  Rect,
  Route,
  RoutingPlan,
  RunSettings,
  StepTimeModel,
  WeightStreamingPlan,
} from "./types.js";
