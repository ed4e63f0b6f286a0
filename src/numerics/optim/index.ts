// optim: optimizers with saveable state, gradient clipping by global norm, Model Zoo learning-rate schedules.
export { clipGradNorm, globalGradNorm } from "./clip.js";
export { Optimizer } from "./optimizers.js";
export type {
  OptimParam,
  OptimizerConfig,
  OptimizerKind,
  OptimizerState,
  StepOptions,
} from "./optimizers.js";
export { constantSchedule, learningRateAt, scheduleSegment, validateSchedule } from "./schedules.js";
export type { LearningRate, LrSchedule, ScheduleKind, ScheduleSegment } from "./schedules.js";
