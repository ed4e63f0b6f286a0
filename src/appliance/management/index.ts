// appliance/management: the durable job store (SQLite in $WSC_HOME/jobs.db), job ids, phases, labels and
// priorities, and the scheduler every `wsc` process runs as a transaction (reap, then FIFO within priority,
// head-of-line). No daemon: the process that submits a job runs it embedded.
export {
  ClusterTooSmallError,
  JobEndedError,
  JobNotFoundError,
  JobPhaseError,
  JobStoreError,
  LabelError,
  PriorityError,
} from "./errors.js";
export {
  clearDashboard,
  dashboardFile,
  jobDashboardUrl,
  recordDashboard,
  runningDashboard,
} from "./dashboard-address.js";
export type { DashboardRecord } from "./dashboard-address.js";
export { currentUser, homeCluster, systemNames, wscHome } from "./home.js";
export type { WscHome } from "./home.js";
export { isJobId, newJobId, newWorkflowId } from "./ids.js";
export { JOB_PHASES, TERMINAL_PHASES, isTerminal } from "./job.js";
export type { JobEvent, JobKind, JobPhase, JobRecord } from "./job.js";
export { applyLabelChanges, formatLabels, parseLabelChange, parseLabels } from "./labels.js";
export type { LabelChange } from "./labels.js";
export { DEFAULT_HEARTBEAT_TIMEOUT_SEC, Management, heartbeatTimeoutSec } from "./management.js";
export type {
  CancelOutcome,
  ManagementOptions,
  QueueStatus,
  SubmitRequest,
  SystemState,
} from "./management.js";
export { HEARTBEAT_INTERVAL_MS, OwnedJob, queueStatusLine } from "./owned-job.js";
export { SCHEMA_VERSION, JobStore } from "./store.js";
export type { JobPatch, NewJob } from "./store.js";
export { jobDurationMs, jobView, shortDuration } from "./view.js";
export type { JobView } from "./view.js";
