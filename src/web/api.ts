// The dashboard's data: every payload of the JSON API (types in client/types.ts), built from the job store
// (src/appliance/management) and the jobs' model_dirs. Nothing here computes a figure of its own but the
// wall rate (scalars.ts); every other number is the store's, the run's event files', performance.json's or
// the compile report's.
import { JobNotFoundError, isTerminal, jobView } from "../appliance/management/index.js";
import type { JobRecord, Management } from "../appliance/management/index.js";
import { deriveCluster, kernelPeakFlops } from "../hw/index.js";
import { ModelDirScalars } from "./scalars.js";
import { jobCheckpoints, jobLogFile, jobPerformance, jobSpan } from "./job-files.js";
import { ReportCache } from "./report.js";
import type {
  ClusterPayload,
  JobInfo,
  JobPayload,
  JobsPayload,
  LatestPoint,
  MetricRun,
  MetricsPayload,
} from "./client/types.js";

/** How far back the job list looks: the past week, as `wsc ctl get jobs -a`. */
export const JOB_LIST_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** The scheduling pass (reaping jobs whose process is gone) runs at most this often from the dashboard, ms. */
export const SCHEDULE_INTERVAL_MS = 2_000;

/** A model_dir's event files are read again at most this often, ms. */
const SCALARS_POLL_MS = 250;

export class DashboardApi {
  readonly reports: ReportCache;
  private readonly scalars = new Map<string, { s: ModelDirScalars; polledAt: number }>();
  private scheduledAt = 0;

  constructor(readonly m: Management) {
    this.reports = new ReportCache(m);
  }

  /**
   * Run the scheduler's pass, as every `wsc ctl` read does: jobs whose process died are marked FAILED and
   * queued jobs start when systems are free. At most every SCHEDULE_INTERVAL_MS.
   */
  schedule(now = Date.now()): void {
    if (now - this.scheduledAt < SCHEDULE_INTERVAL_MS) return;
    this.scheduledAt = now;
    this.m.schedule(now);
  }

  /** A job of the store; an unknown id is a JobNotFoundError naming it. */
  job(id: string): JobRecord {
    const j = this.m.store.find(id);
    if (!j) throw new JobNotFoundError(id, this.m.store.file);
    return j;
  }

  info(j: JobRecord, now = Date.now()): JobInfo {
    return jobView(this.m, j, now);
  }

  /** The job list: every job of the past week, or with `active` those not finished. */
  jobs(o: { active?: boolean } = {}, now = Date.now()): JobsPayload {
    this.schedule(now);
    const jobs = this.m.store
      .list()
      .filter((j) => (o.active ? !isTerminal(j.phase) : now - j.createdAt <= JOB_LIST_WINDOW_MS))
      .map((j) => ({ ...this.info(j, now), latest: this.latest(j, now) }));
    return { now, store: this.m.store.file, jobs };
  }

  /** One job: its record, event log, workflow and what it left in model_dir. */
  jobPayload(id: string, now = Date.now()): JobPayload {
    const j = this.job(id);
    const r = this.reports.lookup(j);
    return {
      now,
      job: this.info(j, now),
      events: this.m.store.events(id).map((e) => ({ at: e.at, message: e.message })),
      workflow: this.m.store
        .list()
        .filter((x) => x.workflowId === j.workflowId && x.id !== j.id)
        .map((x) => ({ name: x.id, type: x.kind, phase: x.phase })),
      latest: this.latest(j, now),
      performance: jobPerformance(j, now),
      checkpoints: jobCheckpoints(j, now),
      logFile: jobLogFile(j),
      report: r.ok ? { available: true } : { available: false, why: r.why },
    };
  }

  /** The global batch of the job's compile (samples per step), for the wall rate; null when unknown. */
  globalBatch(j: JobRecord): number | null {
    const r = this.reports.lookup(j);
    return r.ok ? r.built.payload.report.batch.global : null;
  }

  /** The event files of the job's model_dir, read up to now; null for a job without one. */
  scalarsOf(j: JobRecord, now = Date.now()): ModelDirScalars | null {
    if (!j.modelDir || j.kind !== "execute") return null;
    const batch = this.globalBatch(j);
    const key = `${j.modelDir}\n${batch}`;
    let e = this.scalars.get(key);
    if (!e) {
      e = { s: new ModelDirScalars(j.modelDir, batch), polledAt: 0 };
      this.scalars.set(key, e);
    }
    if (now - e.polledAt >= SCALARS_POLL_MS) {
      e.s.poll();
      e.polledAt = now;
    }
    return e.s;
  }

  /** Every run of the job's model_dir, this job's marked. */
  runs(j: JobRecord, now = Date.now()): MetricRun[] {
    const s = this.scalarsOf(j, now);
    const span = jobSpan(j, now);
    if (!s) return [];
    return s.runs(span?.from ?? Infinity, span?.to ?? -Infinity);
  }

  metrics(id: string, now = Date.now()): MetricsPayload {
    const j = this.job(id);
    const runs = this.runs(j, now).map((r) => ({ ...r, points: [...r.points] }));
    return { globalBatch: this.globalBatch(j), reset: true, runs };
  }

  /** The last training point of the job's own runs. */
  latest(j: JobRecord, now = Date.now()): LatestPoint | null {
    if (j.kind !== "execute" || j.startedAt === null) return null;
    const own = this.runs(j, now).filter((r) => r.thisJob && r.dir === "train");
    const last = own.findLast((r) => r.points.length > 0)?.points.at(-1);
    if (!last) return null;
    const lastWith = (k: "loss" | "deviceRate" | "wallRate") => {
      for (let r = own.length - 1; r >= 0; r--) {
        const p = own[r].points.findLast((q) => q[k] !== undefined);
        if (p) return p[k]!;
      }
      return null;
    };
    const maxSteps = j.detail.maxSteps;
    return {
      step: last.step,
      at: last.at,
      loss: lastWith("loss"),
      deviceRate: lastWith("deviceRate"),
      wallRate: lastWith("wallRate"),
      maxSteps: typeof maxSteps === "number" ? maxSteps : null,
    };
  }

  /** The cluster: its systems and the job holding each, the roles and their figures. */
  cluster(now = Date.now()): ClusterPayload {
    this.schedule(now);
    const c = this.m.cluster;
    const d = deriveCluster(c);
    const active = this.m.store.list(["QUEUED", "RUNNING"]);
    return {
      now,
      name: c.name,
      clusterFile: this.m.home.clusterFile,
      systems: this.m.systemStates().map((s) => ({
        name: s.name,
        type: c.system.name,
        state: s.job ? "ALLOCATED" : "IDLE",
        job: s.job
          ? {
              name: s.job.id,
              user: s.job.owner,
              labels: { ...s.job.labels },
              mode:
                typeof s.job.detail.executionStrategy === "string" ? s.job.detail.executionStrategy : null,
              systems: [...s.job.systems],
              latest: this.latest(s.job, now),
            }
          : null,
      })),
      system: {
        name: c.system.name,
        wafer: c.system.wafer.name,
        fabricWidth: c.system.wafer.fabricWidth,
        fabricHeight: c.system.wafer.fabricHeight,
        kernelPEs: d.wafer.kernelPEs,
        sramBytesPerPE: c.system.wafer.sramBytesPerPE,
        peakFp16FlopsPerSec: kernelPeakFlops(c.system.wafer, "fmac.fp16"),
        hostIoBitsPerSec: d.system.hostIoBitsPerSec,
      },
      memoryx: { capacityBytes: c.memoryx.capacityBytes, ioBitsPerSec: c.memoryx.ioBitsPerSec },
      swarmx: {
        fanout: c.swarmx.fanout,
        lanes: d.cluster.swarmx.lanes,
        nodesPerLane: d.cluster.swarmx.nodesPerLane,
        depth: d.cluster.swarmx.depth,
        nodes: d.cluster.swarmx.totalNodes,
        nicBitsPerSec: c.swarmx.nicBitsPerSec,
      },
      inputWorkersPerSystem: c.inputWorkersPerSystem,
      management: {
        compileJobMemoryBytes: c.management.compileJobMemoryBytes,
        compileJobCores: c.management.compileJobCores,
        running: active
          .filter((j) => j.phase === "RUNNING" && j.kind === "compile")
          .map((j) => ({ name: j.id, type: j.kind, user: j.owner })),
        queued: active
          .filter((j) => j.phase === "QUEUED")
          .sort((a, b) => a.priority - b.priority || a.seq - b.seq)
          .map((j) => ({ name: j.id, systemsNeeded: j.systemsNeeded, user: j.owner })),
      },
    };
  }
}
