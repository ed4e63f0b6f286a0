// web: the dashboard the management role serves (`wsc serve`): the job list, a page per job (phase, systems,
// labels, events; loss and rate curves from the TensorBoard event files, live while the job runs; the
// compile report with the wafer map and the per-layer breakdown) and the cluster page (the systems, the job
// holding each, the roles diagram), over node:http with a JSON API and server-sent events. The page scripts
// are in client/ (compiled for the browser by their own tsconfig). See docs/dashboard.md.
export { DashboardApi, JOB_LIST_WINDOW_MS, SCHEDULE_INTERVAL_MS } from "./api.js";
export { ClientMissingError, ListenError, PortInUseError } from "./errors.js";
export { jobCheckpoints, jobLogFile, jobPerformance, jobSpan, runLogTime } from "./job-files.js";
export { KEEPALIVE_MS, LiveHub } from "./live.js";
export { ReportCache } from "./report.js";
export { ModelDirScalars } from "./scalars.js";
export { DEFAULT_HOST, DEFAULT_PORT, DashboardServer, publicUrl } from "./server.js";
export type { ServeOptions } from "./server.js";
export type * from "./client/types.js";
