// numerics: host tensor math for real training. Float32 tensors, ops with forward and backward, a kernel per
// layer kind (forward and backward, one layer at a time as weight streaming runs them), optimizers and
// learning-rate schedules, and a small reference runner. GEMM goes through OpenBLAS (native/ addon) or a
// pure-TypeScript fallback (WSC_NO_BLAS=1 forces it). See docs/numerics.md.
export { NumericsValueError, ShapeError } from "./errors.js";
export { Tensor, sizeOf } from "./tensor.js";
export type { Shape } from "./tensor.js";
export { drawU32, fillNormal, fillUniform, hash32, hashString, mixKey } from "./rng.js";
export {
  GEMM_BACKENDS,
  gemmBackend,
  gemmReference,
  nativeKernels,
  openBlasUnavailableReason,
  sgemm,
  sgemmBatched,
  useGemmBackend,
} from "./gemm.js";
export type { GemmBackend, GemmBackendName, SgemmBatchedFn, SgemmFn } from "./gemm.js";
export type { NativeKernels } from "./gemm.js";
export { drainPool, give, pooledBytesNow, take } from "./pool.js";
export { FixtureFile } from "./fixture-file.js";
export { bitwiseEqual, relMaxError } from "./testing.js";
export * from "./ops/index.js";
export * from "./optim/index.js";
export * from "./layers/index.js";
export { buildModel, forwardBackward, forwardLoss, optimParams, tiedParamName, trainStep } from "./runner.js";
export type {
  ForwardBackwardResult,
  ModelLayer,
  StepOptions as RunStepOptions,
  TrainStepOptions,
  TrainStepResult,
} from "./runner.js";
