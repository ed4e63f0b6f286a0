// The management role: the job store plus the operations on it that any `wsc` process may perform. There is
// no daemon: each process runs its own jobs embedded, and scheduling is a transaction (BEGIN IMMEDIATE) that
// whichever process looks first carries out, so every process sees one consistent queue.
//
// Scheduling, in one transaction:
//   1. reap: a QUEUED or RUNNING job whose owning process is gone (same host and the pid no longer that
//      process, or no heartbeat for `heartbeatTimeoutMs`) becomes FAILED with the reason, releasing its systems;
//   2. compile jobs start at once (they run on the management node and hold no system);
//   3. execute jobs, in order of priority value (p1 199 < p2 299 < p3 399) then submission, start while the
//      job at the head of the queue finds enough free systems; the first that does not blocks all behind it
//      (no backfilling), so a big job is never starved by small ones.
import { hostname } from "node:os";
import type { ClusterSpec } from "../../hw/index.js";
import { WscError } from "../../util/errors.js";
import { ClusterTooSmallError, JobPhaseError, PriorityError } from "./errors.js";
import { currentUser, homeCluster, systemNames, wscHome } from "./home.js";
import type { WscHome } from "./home.js";
import { isTerminal } from "./job.js";
import type { JobKind, JobPhase, JobRecord } from "./job.js";
import { applyLabelChanges } from "./labels.js";
import type { LabelChange } from "./labels.js";
import { processAlive } from "./process-liveness.js";
import { JobStore } from "./store.js";

/** Default time without a heartbeat after which a job's process is taken for gone, seconds. */
export const DEFAULT_HEARTBEAT_TIMEOUT_SEC = 600;

/** WSC_HEARTBEAT_TIMEOUT_SEC, or the default; a value that is not a number of seconds > 0 is an error. */
export function heartbeatTimeoutSec(env: NodeJS.ProcessEnv): number {
  const v = env.WSC_HEARTBEAT_TIMEOUT_SEC;
  if (v === undefined || v === "") return DEFAULT_HEARTBEAT_TIMEOUT_SEC;
  const n = Number(v);
  if (!(Number.isFinite(n) && n > 0))
    throw new WscError(
      `WSC_HEARTBEAT_TIMEOUT_SEC="${v}" is not a number of seconds > 0: unset it for the default ` +
        `(${DEFAULT_HEARTBEAT_TIMEOUT_SEC}) or give e.g. 600`,
    );
  return n;
}

export interface ManagementOptions {
  home?: WscHome;
  cluster?: ClusterSpec;
  /** Milliseconds without a heartbeat before a job is reaped (env WSC_HEARTBEAT_TIMEOUT_SEC, default 600 s). */
  heartbeatTimeoutMs?: number;
}

export interface SubmitRequest {
  readonly workflowId: string;
  readonly kind: JobKind;
  /** Priority bucket name: p1, p2 or p3. */
  readonly priority?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly systemsNeeded: number;
  readonly modelDir?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Where a queued job stands, for the queue-status lines. */
export interface QueueStatus {
  readonly phase: JobPhase;
  /** QUEUED execute jobs ahead of this one. */
  readonly ahead: number;
  readonly runningExecuteJobs: number;
  readonly systemsInUse: number;
  readonly runningCompileJobs: number;
  readonly compileMemoryGiB: number;
}

/** One system of the cluster and the job holding it. */
export interface SystemState {
  readonly name: string;
  readonly job: JobRecord | null;
}

export type CancelOutcome = "cancelled" | "requested";

export class Management {
  readonly home: WscHome;
  readonly cluster: ClusterSpec;
  readonly store: JobStore;
  readonly heartbeatTimeoutMs: number;
  readonly systems: readonly string[];
  private readonly host = hostname();

  constructor(o: ManagementOptions = {}) {
    this.home = o.home ?? wscHome();
    this.cluster = o.cluster ?? homeCluster(this.home);
    this.systems = systemNames(this.cluster);
    this.heartbeatTimeoutMs = o.heartbeatTimeoutMs ?? heartbeatTimeoutSec(process.env) * 1000;
    this.store = JobStore.open(this.home.dbFile);
  }

  close(): void {
    this.store.close();
  }

  /** Priority value of a bucket name (p1 -> 199). */
  priorityValue(name: string): number {
    const p = this.cluster.management.priorities.find((q) => q.name === name.toLowerCase());
    if (!p)
      throw new PriorityError(
        name,
        this.cluster.management.priorities.map((q) => q.name),
      );
    return p.value;
  }

  /** Bucket name of a priority value (299 -> p2), or the number when it is none of them. */
  priorityName(value: number): string {
    return this.cluster.management.priorities.find((q) => q.value === value)?.name ?? String(value);
  }

  /**
   * Create a job owned by this process and queue it, then run the scheduler. A job needing more systems than
   * the cluster has fails here with the numbers and the fix, and nothing is recorded.
   */
  submit(r: SubmitRequest, now = Date.now()): JobRecord {
    if (r.systemsNeeded > this.cluster.numSystems)
      throw new ClusterTooSmallError(r.systemsNeeded, this.cluster.numSystems, this.home.clusterFile);
    const priority = this.priorityValue(r.priority ?? this.cluster.management.defaultPriority);
    const job = this.store.transaction(() => {
      const j = this.store.create(
        {
          workflowId: r.workflowId,
          kind: r.kind,
          priority,
          owner: currentUser(),
          labels: r.labels,
          systemsNeeded: r.systemsNeeded,
          modelDir: r.modelDir,
          detail: r.detail,
        },
        now,
      );
      this.store.update(j.id, { phase: "QUEUED" });
      this.store.event(j.id, "job queued", now);
      return j;
    });
    this.schedule(now);
    return this.store.get(job.id);
  }

  /** Reap jobs whose process is gone, then start what can start. Returns the jobs it started. */
  schedule(now = Date.now()): JobRecord[] {
    return this.store.transaction(() => {
      this.reap(now);
      const started: JobRecord[] = [];
      const active = this.store.list(["QUEUED", "RUNNING"]);
      const held = new Set(active.filter((j) => j.phase === "RUNNING").flatMap((j) => j.systems));
      const free = this.systems.filter((s) => !held.has(s));
      for (const j of active.filter((j) => j.phase === "QUEUED" && j.kind === "compile")) {
        started.push(this.start(j, [], now));
      }
      const queue = active
        .filter((j) => j.phase === "QUEUED" && j.kind === "execute")
        .sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      for (const j of queue) {
        if (j.systemsNeeded > free.length) break; // head of line blocks: no backfilling
        started.push(this.start(j, free.splice(0, j.systemsNeeded), now));
      }
      return started;
    });
  }

  private start(j: JobRecord, systems: string[], now: number): JobRecord {
    this.store.event(
      j.id,
      systems.length > 0 ? `job running on ${systems.join(", ")}` : "job running on the management node",
      now,
    );
    return this.store.update(j.id, { phase: "RUNNING", systems, startedAt: now, heartbeatAt: now });
  }

  /** Mark FAILED every non-terminal job whose owning process is gone. Call inside a transaction. */
  private reap(now: number): void {
    for (const j of this.store.list(["CREATED", "QUEUED", "RUNNING"])) {
      let reason: string | null = null;
      if (j.host === this.host && !processAlive(j.pid, j.procStart)) {
        reason = `the process running the job (pid ${j.pid}) exited`;
      } else if (now - j.heartbeatAt > this.heartbeatTimeoutMs) {
        reason =
          `the process running the job (pid ${j.pid} on ${j.host}) sent no heartbeat for ` +
          `${Math.round((now - j.heartbeatAt) / 1000)} s (timeout ${this.heartbeatTimeoutMs / 1000} s)`;
      }
      if (reason !== null) this.end(j.id, "FAILED", reason, now);
    }
  }

  /** Where a job stands in the queue. */
  queueStatus(jobId: string): QueueStatus {
    const job = this.store.get(jobId);
    const active = this.store.list(["QUEUED", "RUNNING"]);
    const running = active.filter((j) => j.phase === "RUNNING");
    const runningExec = running.filter((j) => j.kind === "execute");
    const runningCompile = running.filter((j) => j.kind === "compile");
    const ahead = active.filter(
      (j) =>
        j.phase === "QUEUED" &&
        j.kind === "execute" &&
        j.id !== jobId &&
        (j.priority < job.priority || (j.priority === job.priority && j.seq < job.seq)),
    ).length;
    return {
      phase: job.phase,
      ahead,
      runningExecuteJobs: runningExec.length,
      systemsInUse: runningExec.reduce((n, j) => n + j.systems.length, 0),
      runningCompileJobs: runningCompile.length,
      compileMemoryGiB: (runningCompile.length * this.cluster.management.compileJobMemoryBytes) / 1024 ** 3,
    };
  }

  /**
   * Cancel a job: a CREATED or QUEUED job becomes CANCELLED at once; a RUNNING one gets a cancel request that
   * its process honours at the next step boundary. A finished job cannot be cancelled.
   */
  cancel(jobId: string, by = currentUser(), now = Date.now()): CancelOutcome {
    return this.store.transaction(() => {
      const j = this.store.get(jobId);
      if (isTerminal(j.phase)) {
        throw new JobPhaseError(
          `job ${jobId} is already ${j.phase}; only CREATED, QUEUED or RUNNING jobs can be cancelled`,
        );
      }
      if (j.phase === "RUNNING") {
        this.store.update(jobId, { cancelRequested: true });
        this.store.event(jobId, `cancel requested by ${by}; the job stops at its next step boundary`, now);
        return "requested";
      }
      this.end(jobId, "CANCELLED", `cancelled by ${by} while ${j.phase}`, now);
      return "cancelled";
    });
  }

  /** Set and remove labels. */
  label(jobId: string, changes: readonly LabelChange[], now = Date.now()): JobRecord {
    return this.store.transaction(() => {
      const j = this.store.get(jobId);
      const labels = applyLabelChanges(j.labels, changes);
      this.store.event(jobId, `labels set to ${JSON.stringify(labels)}`, now);
      return this.store.update(jobId, { labels });
    });
  }

  /** Move a job to another priority bucket; it keeps its place in submission order within the bucket. */
  setPriority(jobId: string, name: string, now = Date.now()): JobRecord {
    const value = this.priorityValue(name);
    const j = this.store.transaction(() => {
      const job = this.store.get(jobId);
      if (isTerminal(job.phase))
        throw new JobPhaseError(`job ${jobId} is ${job.phase}; the priority of a finished job cannot change`);
      this.store.event(jobId, `priority set to ${name.toLowerCase()} (${value})`, now);
      return this.store.update(jobId, { priority: value });
    });
    this.schedule(now);
    return this.store.get(j.id);
  }

  /** Record a sign of life from the owning process; returns the job as the store has it. */
  heartbeat(jobId: string, now = Date.now()): JobRecord {
    return this.store.update(jobId, { heartbeatAt: now });
  }

  /** End a job in a terminal phase with its reason, releasing its systems. */
  finish(
    jobId: string,
    phase: "SUCCEEDED" | "FAILED" | "CANCELLED",
    reason: string,
    now = Date.now(),
  ): JobRecord {
    return this.store.transaction(() => {
      const j = this.store.get(jobId);
      if (isTerminal(j.phase)) return j;
      this.end(jobId, phase, reason, now);
      return this.store.get(jobId);
    });
  }

  private end(jobId: string, phase: JobPhase, reason: string, now: number): void {
    this.store.update(jobId, { phase, reason, endedAt: now });
    this.store.event(jobId, `job ${phase}${reason ? `: ${reason}` : ""}`, now);
  }

  /** Every system of the cluster and the RUNNING job that holds it. */
  systemStates(): SystemState[] {
    const running = this.store.list(["RUNNING"]);
    return this.systems.map((name) => ({ name, job: running.find((j) => j.systems.includes(name)) ?? null }));
  }
}
