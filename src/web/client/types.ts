// The dashboard's JSON API: the payload of every endpoint, shared by the server (src/web/api.ts builds them)
// and the page scripts (this folder). Plain types only: this file has no imports, so both programs compile it.
//
// Times: epoch milliseconds unless named *Time (ISO 8601 strings, as `wsc ctl get job -o json` prints them).
// Rates: "device" figures are the modeled CS-X device time of src/perf; "wall" figures are this machine's.

/** A job as `wsc ctl get job ID -o json` prints it (src/appliance/management/view.ts), plus links. */
export interface JobInfo {
  readonly name: string;
  readonly workflow: string;
  readonly type: "compile" | "execute";
  readonly phase: string;
  readonly priority: string;
  readonly priorityValue: number;
  readonly user: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly systemsNeeded: number;
  readonly systems: readonly string[];
  readonly createTime: string | null;
  readonly startTime: string | null;
  readonly endTime: string | null;
  readonly durationSeconds: number | null;
  readonly reason: string;
  readonly modelDir: string | null;
  readonly process: { readonly host: string; readonly pid: number };
  readonly lastHeartbeat: string | null;
  readonly cancelRequested: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The latest training point of an execute job (from its TensorBoard event files), for lists and the cluster. */
export interface LatestPoint {
  readonly step: number;
  readonly at: number;
  readonly loss: number | null;
  /** Modeled CS-X samples/s over the last logged window (local_samples_per_sec). */
  readonly deviceRate: number | null;
  /** This machine's samples/s over the last logged window. */
  readonly wallRate: number | null;
  /** max_steps of the run, when the job recorded it. */
  readonly maxSteps: number | null;
}

/** GET /api/jobs: the job list, like `wsc ctl get jobs -a` (`?active` keeps the jobs that have not finished). */
export interface JobsPayload {
  readonly now: number;
  readonly store: string;
  readonly jobs: readonly (JobInfo & { readonly latest: LatestPoint | null })[];
}

/** A checkpoint in the job's model_dir. */
export interface CheckpointInfo {
  readonly step: number;
  readonly file: string;
  readonly bytes: number;
  readonly at: number;
  /** Written while this job ran. */
  readonly thisJob: boolean;
}

/** GET /api/jobs/:id: one job with its event log, its workflow and what its model_dir holds. */
export interface JobPayload {
  readonly now: number;
  readonly job: JobInfo;
  readonly events: readonly { readonly at: number; readonly message: string }[];
  /** The other jobs of the run (compile and execute share a workflow). */
  readonly workflow: readonly { readonly name: string; readonly type: string; readonly phase: string }[];
  readonly latest: LatestPoint | null;
  /** model_dir/performance.json when this job wrote it (its file time falls within the job's run), else null. */
  readonly performance: Readonly<Record<string, unknown>> | null;
  readonly checkpoints: readonly CheckpointInfo[];
  /** The run log of this job (relative to model_dir), or null. */
  readonly logFile: string | null;
  /** Whether a compile report can be shown (GET /api/jobs/:id/report), or why not. */
  readonly report: { readonly available: true } | { readonly available: false; readonly why: string };
}

/** One logged point of a run: the scalars of one TensorBoard Event, named. */
export interface MetricPoint {
  readonly step: number;
  /** The event's wall time (this machine's clock), epoch ms. */
  readonly at: number;
  readonly loss?: number;
  readonly evalLoss?: number;
  /** Modeled CS-X samples/s over the window since the previous log (local_samples_per_sec). */
  readonly deviceRate?: number;
  /** Modeled CS-X samples/s since the run began (avg_samples_per_sec). */
  readonly deviceAvgRate?: number;
  /** This machine's samples/s over the same window: global batch x steps / wall seconds between events. */
  readonly wallRate?: number;
}

/** One run's event stream: a segment of an event file that begins with a file_version record. */
export interface MetricRun {
  /** `<dir>/<file>#<segment>`, stable while the file grows. */
  readonly id: string;
  readonly dir: "train" | "eval";
  readonly startedAt: number;
  /** The run began while this job was running; other runs in the same model_dir are shown faint. */
  readonly thisJob: boolean;
  readonly points: readonly MetricPoint[];
}

/** GET /api/jobs/:id/metrics; on the job's stream, `metrics` events carry points to append by run id. */
export interface MetricsPayload {
  readonly globalBatch: number | null;
  /** true: replace what the page has; false: append these points to the runs of the same id. */
  readonly reset: boolean;
  readonly runs: readonly MetricRun[];
}

/** The job's run log: `log` events on the job's stream append lines (reset: replace). */
export interface LogPayload {
  readonly file: string | null;
  readonly reset: boolean;
  readonly lines: readonly string[];
}

/** One layer of the compile report (src/cli/compile-report.ts ReportLayer). */
export interface ReportLayerInfo {
  readonly layer: string;
  readonly kind: string;
  readonly seconds: number;
  readonly forwardSeconds: number;
  readonly backwardSeconds: number;
  readonly ioSeconds: number;
  readonly reductionSeconds: number;
  readonly overheadSeconds: number;
  readonly bound: string;
  readonly pes: number;
  readonly rect?: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly memoryPerPE: number;
  readonly peakFraction: number;
}

/** GET /api/jobs/:id/report: the compile report (src/cli/compile-report.ts) of the job's compile. */
export interface ReportPayload {
  /** Where it was read or rebuilt from. */
  readonly source: string;
  readonly report: {
    readonly hash: string;
    readonly timeIs: string;
    readonly model: {
      readonly name: string;
      readonly family: string;
      readonly params: number;
      readonly seqLen: number;
      readonly computeDtype: string;
    };
    readonly cluster: { readonly name: string; readonly system: string; readonly numSystems: number };
    readonly mode: string;
    readonly forced: boolean;
    readonly why: string;
    readonly candidates: readonly {
      readonly mode: string;
      readonly feasible: boolean;
      readonly stepSeconds?: number;
      readonly reason?: string;
    }[];
    readonly batch: {
      readonly global: number;
      readonly perSystem: number;
      readonly microBatch: number;
      readonly microBatches: number;
      readonly recompute: boolean;
    };
    readonly memoryPerPE: {
      readonly weights: number;
      readonly optimizerAndGradients: number;
      readonly activations: number;
      readonly reserved: number;
      readonly total: number;
      readonly limit: number;
      readonly where: string;
    };
    readonly estimate: {
      readonly deviceSecondsPerStep: number;
      readonly samplesPerSec: number;
      readonly flopsPerSecPerSystem: number;
      readonly peakFraction: number;
      readonly bound: string;
      readonly stepOverhead: { readonly seconds: number; readonly what: string };
    };
    readonly layers: readonly ReportLayerInfo[];
    readonly passes: readonly {
      readonly name: string;
      readonly purpose: string;
      readonly summary: string;
      readonly millis: number;
    }[];
  };
  /** Alike consecutive layers grouped as the terminal report groups them: indexes into report.layers. */
  readonly groups: readonly { readonly name: string; readonly count: number; readonly index: number }[];
  /** The wafer the report places layers on (src/hw). */
  readonly wafer: {
    readonly name: string;
    readonly fabricWidth: number;
    readonly fabricHeight: number;
    readonly kernelWidth: number;
    readonly kernelHeight: number;
    readonly halo: { readonly west: number; readonly north: number };
  };
}

/** One system of the cluster and the job holding it. */
export interface SystemInfo {
  readonly name: string;
  readonly type: string;
  readonly state: "IDLE" | "ALLOCATED";
  readonly job: {
    readonly name: string;
    readonly user: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly mode: string | null;
    readonly systems: readonly string[];
    readonly latest: LatestPoint | null;
  } | null;
}

/** GET /api/cluster: the systems and which job holds each, the roles and their figures (src/hw). */
export interface ClusterPayload {
  readonly now: number;
  readonly name: string;
  readonly clusterFile: string | null;
  readonly systems: readonly SystemInfo[];
  readonly system: {
    readonly name: string;
    readonly wafer: string;
    readonly fabricWidth: number;
    readonly fabricHeight: number;
    readonly kernelPEs: number;
    readonly sramBytesPerPE: number;
    readonly peakFp16FlopsPerSec: number;
    readonly hostIoBitsPerSec: number;
  };
  readonly memoryx: { readonly capacityBytes: number; readonly ioBitsPerSec: number };
  readonly swarmx: {
    readonly fanout: number;
    readonly lanes: number;
    readonly nodesPerLane: number;
    readonly depth: number;
    readonly nodes: number;
    readonly nicBitsPerSec: number;
  };
  readonly inputWorkersPerSystem: number;
  readonly management: {
    readonly compileJobMemoryBytes: number;
    readonly compileJobCores: number;
    readonly running: readonly { readonly name: string; readonly type: string; readonly user: string }[];
    readonly queued: readonly {
      readonly name: string;
      readonly systemsNeeded: number;
      readonly user: string;
    }[];
  };
}

/** The body of every error response of the API. */
export interface ErrorPayload {
  readonly error: string;
}
