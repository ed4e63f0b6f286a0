// appliance: the cluster's roles and the workflow of a run. Management (the durable job store and scheduler,
// management/), the coordinator (compile jobs), input workers, MemoryX, SwarmX and the CS-X systems (roles/),
// each a component with a narrow message-based interface over a transport (transport.ts); the cluster of one
// execute job (cluster-run.ts); and `run CSX` executing end to end (execute.ts): compile, queue, program,
// stream, train, checkpoint, report. See docs/appliance.md.
export * from "./management/index.js";
export { ApplianceError } from "./errors.js";
export { InProcessTransport, NoSuchRoleError, payloadBytes } from "./transport.js";
export type { Handler, Message, Transport } from "./transport.js";
export { ClusterRun } from "./cluster-run.js";
export type { ClusterRunOptions, EvalStepResult, StepSettings, TrainStepResult } from "./cluster-run.js";
export { executeCsx } from "./execute.js";
export type { CsxExecuteRequest, CsxExecuteResult, OpenData, TrainData } from "./execute.js";
export { ADDRESS, ask, bindRole } from "./roles/protocol.js";
export type { CsxProgram, Messages, MessageType, StepReport } from "./roles/protocol.js";
export { Coordinator } from "./roles/coordinator.js";
export { CsxSystem } from "./roles/csx.js";
export { InputWorker } from "./roles/input-worker.js";
export type { GlobalBatchRef, ShardSource } from "./roles/input-worker.js";
export { MemoryX } from "./roles/memoryx.js";
export { SwarmX } from "./roles/swarmx.js";
export { swarmxReduce, treeSum } from "./roles/reduce-tree.js";
export { WeightStore } from "./roles/weight-store.js";
export type { UpdateOptions, UpdateResult, WeightSnapshot } from "./roles/weight-store.js";
export { openDataFor } from "./data.js";
