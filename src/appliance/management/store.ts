// The durable job store: one SQLite file (`$WSC_HOME/jobs.db`) shared by every `wsc` process on the machine.
// WAL mode lets readers (`wsc ctl get jobs`) run while a writer commits; a busy timeout makes concurrent writers
// wait for each other instead of failing; every change is one transaction, so a process killed at any instant
// leaves the file either before or after the change, never between. Reopening the file (any new process) finds
// every job as it was.
import Database from "better-sqlite3";
import type { Database as Db } from "better-sqlite3";
import { hostname } from "node:os";
import { JobNotFoundError, JobStoreError } from "./errors.js";
import type { JobEvent, JobKind, JobPhase, JobRecord } from "./job.js";
import { newJobId } from "./ids.js";
import { processStartTime } from "./process-liveness.js";

/** Schema version kept in SQLite's user_version; a newer file than this code knows is refused. */
export const SCHEMA_VERSION = 1;

/** How long a writer waits for another process's transaction before giving up, ms. */
export const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  workflow_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('compile', 'execute')),
  phase TEXT NOT NULL CHECK (phase IN ('CREATED','QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')),
  priority INTEGER NOT NULL,
  owner TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  systems_needed INTEGER NOT NULL,
  systems TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  reason TEXT NOT NULL DEFAULT '',
  model_dir TEXT,
  host TEXT NOT NULL,
  pid INTEGER NOT NULL,
  proc_start TEXT,
  heartbeat_at INTEGER NOT NULL,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS jobs_phase ON jobs (phase);
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_job ON events (job_id, seq);
`;

interface JobRow {
  seq: number;
  id: string;
  workflow_id: string;
  kind: JobKind;
  phase: JobPhase;
  priority: number;
  owner: string;
  labels: string;
  systems_needed: number;
  systems: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  reason: string;
  model_dir: string | null;
  host: string;
  pid: number;
  proc_start: string | null;
  heartbeat_at: number;
  cancel_requested: number;
  detail: string;
}

function fromRow(r: JobRow): JobRecord {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    kind: r.kind,
    phase: r.phase,
    priority: r.priority,
    seq: r.seq,
    owner: r.owner,
    labels: JSON.parse(r.labels) as Record<string, string>,
    systemsNeeded: r.systems_needed,
    systems: JSON.parse(r.systems) as string[],
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    reason: r.reason,
    modelDir: r.model_dir,
    host: r.host,
    pid: r.pid,
    procStart: r.proc_start,
    heartbeatAt: r.heartbeat_at,
    cancelRequested: r.cancel_requested !== 0,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

/** What a process says when it creates a job; the store fills in id, owner process, times and phase. */
export interface NewJob {
  readonly workflowId: string;
  readonly kind: JobKind;
  readonly priority: number;
  readonly owner: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly systemsNeeded: number;
  readonly modelDir?: string | null;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Fields a transition may change. */
export interface JobPatch {
  phase?: JobPhase;
  priority?: number;
  labels?: Readonly<Record<string, string>>;
  systems?: readonly string[];
  startedAt?: number | null;
  endedAt?: number | null;
  reason?: string;
  modelDir?: string | null;
  heartbeatAt?: number;
  cancelRequested?: boolean;
  detail?: Readonly<Record<string, unknown>>;
}

const COLUMN: Record<keyof JobPatch, string> = {
  phase: "phase",
  priority: "priority",
  labels: "labels",
  systems: "systems",
  startedAt: "started_at",
  endedAt: "ended_at",
  reason: "reason",
  modelDir: "model_dir",
  heartbeatAt: "heartbeat_at",
  cancelRequested: "cancel_requested",
  detail: "detail",
};

function toColumn(key: keyof JobPatch, v: unknown): unknown {
  if (key === "labels" || key === "systems" || key === "detail") return JSON.stringify(v);
  if (key === "cancelRequested") return v ? 1 : 0;
  return v;
}

export class JobStore {
  readonly file: string;
  private readonly db: Db;

  private constructor(file: string, db: Db) {
    this.file = file;
    this.db = db;
  }

  /** Open (creating if needed) the job store at `file`. */
  static open(file: string): JobStore {
    let db: Db;
    try {
      db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      const version = db.pragma("user_version", { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        db.close();
        throw new JobStoreError(
          `${file} is a job store of schema version ${version}; this wsc reads version ${SCHEMA_VERSION}: ` +
            `use a newer wsc or point WSC_HOME elsewhere`,
        );
      }
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (e) {
      if (e instanceof JobStoreError) throw e;
      throw new JobStoreError(
        `cannot open the job store ${file}: ${(e as Error).message}; ` +
          `check that WSC_HOME is a writable folder and the file is a wsc job store`,
      );
    }
    return new JobStore(file, db);
  }

  close(): void {
    this.db.close();
  }

  /** Run `fn` as one write transaction that takes the write lock at once (BEGIN IMMEDIATE). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Record a new job in phase CREATED, owned by this process. */
  create(j: NewJob, now = Date.now()): JobRecord {
    const id = newJobId();
    this.db
      .prepare(
        `INSERT INTO jobs (id, workflow_id, kind, phase, priority, owner, labels, systems_needed, created_at,
           model_dir, host, pid, proc_start, heartbeat_at, detail)
         VALUES (?, ?, ?, 'CREATED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        j.workflowId,
        j.kind,
        j.priority,
        j.owner,
        JSON.stringify(j.labels ?? {}),
        j.systemsNeeded,
        now,
        j.modelDir ?? null,
        hostname(),
        process.pid,
        processStartTime(process.pid),
        now,
        JSON.stringify(j.detail ?? {}),
      );
    this.event(id, `job created: ${j.kind}, ${j.systemsNeeded} system(s), priority ${j.priority}`, now);
    return this.get(id);
  }

  find(id: string): JobRecord | undefined {
    const r = this.db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as JobRow | undefined;
    return r && fromRow(r);
  }

  get(id: string): JobRecord {
    const j = this.find(id);
    if (!j) throw new JobNotFoundError(id, this.file);
    return j;
  }

  /** Jobs in the given phases (all when omitted), in submission order. */
  list(phases?: readonly JobPhase[]): JobRecord[] {
    const rows = phases
      ? (this.db
          .prepare(`SELECT * FROM jobs WHERE phase IN (${phases.map(() => "?").join(",")}) ORDER BY seq`)
          .all(...phases) as JobRow[])
      : (this.db.prepare("SELECT * FROM jobs ORDER BY seq").all() as JobRow[]);
    return rows.map(fromRow);
  }

  /** Change fields of a job. */
  update(id: string, patch: JobPatch): JobRecord {
    const keys = (Object.keys(patch) as (keyof JobPatch)[]).filter((k) => patch[k] !== undefined);
    if (keys.length > 0) {
      const sets = keys.map((k) => `${COLUMN[k]} = ?`).join(", ");
      const r = this.db
        .prepare(`UPDATE jobs SET ${sets} WHERE id = ?`)
        .run(...keys.map((k) => toColumn(k, patch[k])), id);
      if (r.changes === 0) throw new JobNotFoundError(id, this.file);
    }
    return this.get(id);
  }

  /** Append a line to a job's event log. */
  event(jobId: string, message: string, at = Date.now()): void {
    this.db.prepare("INSERT INTO events (job_id, at, message) VALUES (?, ?, ?)").run(jobId, at, message);
  }

  events(jobId: string): JobEvent[] {
    return (
      this.db.prepare("SELECT job_id, at, message FROM events WHERE job_id = ? ORDER BY seq").all(jobId) as {
        job_id: string;
        at: number;
        message: string;
      }[]
    ).map((r) => ({ jobId: r.job_id, at: r.at, message: r.message }));
  }

  /** SQLite's version, for `wsc ctl get version`. */
  sqliteVersion(): string {
    return (this.db.prepare("SELECT sqlite_version() AS v").get() as { v: string }).v;
  }
}
