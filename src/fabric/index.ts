// fabric: the wafer, cycle by cycle. Routers with colors, links and back-pressured queues; PEs with SRAM,
// tasks, DSDs and vector builtins; layouts and PE programs modeled on CSL; and a host runtime that copies to
// and from PE rectangles and launches functions. Takes every hardware number from a WaferSpec (src/hw).
export { Fabric } from "./fabric.js";
export type { FabricStats, FabricTracer } from "./fabric.js";
export { LayoutBuilder } from "./layout.js";
export type { BuiltLayout, ColorConfig } from "./layout.js";
export { CompiledProgram, DTYPE_BYTES, Dsd, PeBuilder, defineProgram, mem1d } from "./program.js";
export type { AsyncOpts, DataTaskFn, Dtype, PeContext, Program, Sym, TaskFn } from "./program.js";
export { HostRuntime } from "./runtime.js";
export type { HostRuntimeOptions, TransferRecord } from "./runtime.js";
export {
  CycleLimitError,
  DeadlockError,
  FabricProgramError,
  RouteError,
  SramOverflowError,
} from "./errors.js";
export type { StuckItem } from "./errors.js";
export { DIRECTION_NAMES, EAST, NORTH, RAMP, SOUTH, WEST } from "./directions.js";
export type { Direction } from "./directions.js";
export { HALF_TO_FLOAT, floatToHalf, halfToFloat, roundHalf } from "./fp16.js";
export { colormap, renderWaferPng } from "./picture.js";
export type { WaferPicture } from "./picture.js";
export { ChromeTracer } from "./trace.js";
