// runtime: executes a model IR on the host numerics over a data source. The layer executor (one layer at a
// time, forward then backward, parameters fetched and gradients delivered through a weight hook that
// MemoryX/SwarmX can stand behind), the optimizer step with schedule, clipping and loss scaling, checkpoints
// (format in docs/checkpoints.md), evaluation metrics, and the model_dir writer. `run CPU` is built on it;
// the appliance reuses its checkpoint format, model_dir writer and executor.
export { LayerExecutor, addHits } from "./executor.js";
export type { HeadAccuracy, PassOptions, PassResult } from "./executor.js";
export { HostWeights } from "./weights.js";
export type { Phase, WeightHook } from "./weights.js";
export {
  CHECKPOINT_VERSION,
  CheckpointError,
  MAGIC,
  checkpointDifferences,
  checkpointName,
  listCheckpoints,
  pruneCheckpoints,
  readCheckpoint,
  removeStaleCheckpointTemps,
  writeCheckpoint,
} from "./checkpoint.js";
export type { CheckpointContent, CheckpointHeader, LoadedCheckpoint, TensorEntry } from "./checkpoint.js";
export { ModelDir, logTime, stamp } from "./model-dir.js";
export { EvalMetrics } from "./metrics.js";
export { LossScaler } from "./loss-scale.js";
export type { LossScaleState } from "./loss-scale.js";
export { RuntimeError } from "./errors.js";
export { runCpu } from "./run.js";
export type { CpuRunOptions, RunConsole, RunSummary } from "./run.js";
export { checkRunInputs, checkpointModel, numericsOptimizer, resumeCheckpoint } from "./run-setup.js";
export type { RunMode } from "./run-setup.js";
export { evalLogLine, evalSummaryLines, logNumber, trainLogLine } from "./log-lines.js";
export { evaluate } from "./evaluate.js";
export type { EvalStep, EvaluationOptions, EvaluationResult } from "./evaluate.js";
