// How jobs and the cluster read to people: the plain-data views `wsc ctl ... -o json|yaml` prints and the
// figures of its tables (AGE and DURATION in kubectl's short form).
import type { JobRecord } from "./job.js";
import type { Management } from "./management.js";

/** kubectl's short duration: 45s, 3m20s, 15m, 2h5m, 20h, 3d4h, 12d. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  return `${d}d`;
}

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
