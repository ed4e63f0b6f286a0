// A job as the management role records it. Plain data: what `wsc ctl get job -o json` prints.

export const JOB_PHASES = ["CREATED", "QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

/** Phases a job never leaves. */
export const TERMINAL_PHASES: readonly JobPhase[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

export function isTerminal(p: JobPhase): boolean {
  return TERMINAL_PHASES.includes(p);
}

/** A compile job runs the compiler on the management node; an execute job holds CS-X systems and trains. */
export type JobKind = "compile" | "execute";

export interface JobRecord {
  /** `wsjob-` + 22 lowercase alphanumerics. */
  readonly id: string;
  /** `wflow-...`: the compile job and the execute job of one run share it. */
  readonly workflowId: string;
  readonly kind: JobKind;
  readonly phase: JobPhase;
  /** Scheduler priority value: p1 = 199, p2 = 299, p3 = 399 (lower runs first). */
  readonly priority: number;
  /** Order of submission: FIFO within a priority bucket. */
  readonly seq: number;
  /** OS user who submitted the job. */
  readonly owner: string;
  readonly labels: Readonly<Record<string, string>>;
  /** CS-X systems the job needs (0 for compile jobs). */
  readonly systemsNeeded: number;
  /** Systems the job holds while RUNNING (and held, once it ended). */
  readonly systems: readonly string[];
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  /** Why the job is in its phase: the failure, who cancelled it, or the result. */
  readonly reason: string;
  readonly modelDir: string | null;
  /** The process that runs the job embedded: host name, pid and its start time (Linux, to tell pid reuse). */
  readonly host: string;
  readonly pid: number;
  readonly procStart: string | null;
  /** Last sign of life from that process, epoch ms. */
  readonly heartbeatAt: number;
  /** A cancel was asked for while RUNNING; the process honours it at the next step boundary. */
  readonly cancelRequested: boolean;
  /** Anything else worth showing: compile hash, mode, params file, the command line. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One line of a job's event log (what `wsc ctl log-export` writes). */
export interface JobEvent {
  readonly jobId: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly message: string;
}
