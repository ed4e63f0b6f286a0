// How jobs and the cluster read to people: the plain-data views `wsc ctl ... -o json|yaml` prints and the
// figures of its tables (AGE and DURATION in kubectl's short form).
import type { JobRecord } from "./job.js";
import type { Management } from "./management.js";

export { shortDuration } from "../../util/units.js";

/** Time the job has run (so far, while RUNNING), ms; null before it started. */
export function jobDurationMs(j: JobRecord, now = Date.now()): number | null {
  if (j.startedAt === null) return null;
  return (j.endedAt ?? now) - j.startedAt;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The full view of a job, as `wsc ctl get job ID -o json|yaml` prints it. */
export function jobView(m: Management, j: JobRecord, now = Date.now()) {
  const duration = jobDurationMs(j, now);
  return {
    name: j.id,
    workflow: j.workflowId,
    type: j.kind,
    phase: j.phase,
    priority: m.priorityName(j.priority),
    priorityValue: j.priority,
    user: j.owner,
    labels: { ...j.labels },
    systemsNeeded: j.systemsNeeded,
    systems: [...j.systems],
    createTime: iso(j.createdAt),
    startTime: iso(j.startedAt),
    endTime: iso(j.endedAt),
    durationSeconds: duration === null ? null : duration / 1000,
    reason: j.reason,
    modelDir: j.modelDir,
    process: { host: j.host, pid: j.pid },
    lastHeartbeat: iso(j.heartbeatAt),
    cancelRequested: j.cancelRequested,
    detail: { ...j.detail },
  };
}

export type JobView = ReturnType<typeof jobView>;
