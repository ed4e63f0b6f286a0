// Model Zoo params files (old layout: train_input/eval_input/model/optimizer/runconfig; new layout 2.3+:
// trainer/fit) -> the model IR and a typed run configuration. `loadParams` is the entry point.
export { loadParams, parseParams } from "./load.js";
export type { IgnoredKey, LoadedParams, ParamsOverrides } from "./load.js";
export { FAMILY_NAMES, chooseFamily } from "./family.js";
export type { FamilyChoice, FamilySource } from "./family.js";
export { DATA_PROCESSORS } from "./run-config.js";
export { MAX_COUNT } from "./keys.js";
export type {
  DataConfig,
  DataSourceKind,
  ExecutionStrategy,
  LossScalingConfig,
  OptimizerConfig,
  OptimizerKind,
  PrecisionConfig,
  RunConfig,
} from "./run-config.js";
export type { Layout } from "./layout.js";
