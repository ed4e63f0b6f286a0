// Errors of the management role. Each names the job, the value and what to do instead.
import { WscError } from "../../util/errors.js";

export { ClusterTooSmallError } from "../../frontends/cluster-file.js";

/** No job with this id in the job store. */
export class JobNotFoundError extends WscError {
  readonly jobId: string;
  constructor(jobId: string, dbFile: string) {
    super(
      `job ${jobId} is not in the job store ${dbFile}: list the jobs with 'wsc ctl get jobs -a' ` +
        `(ids look like wsjob- followed by 22 lowercase letters and digits)`,
    );
    this.jobId = jobId;
  }
}

/** An operation the job's phase does not allow (labelling or re-prioritising a finished job, ...). */
export class JobPhaseError extends WscError {
  constructor(message: string) {
    super(message);
  }
}

/** A label argument that is not `key=value` or `key-`, or whose key or value breaks the label rules. */
export class LabelError extends WscError {
  constructor(message: string) {
    super(message);
  }
}

/** A priority name that is not one of the scheduler's buckets. */
export class PriorityError extends WscError {
  constructor(value: string, names: readonly string[]) {
    super(`"${value}" is not a job priority: use one of ${names.join(", ")} (${names[0]} runs first)`);
  }
}

/** The job store cannot be opened (unwritable WSC_HOME, a file that is not a job store, ...). */
export class JobStoreError extends WscError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The job ended before it could run: cancelled while queued, or reaped. Exit status 1: the run failed. */
export class JobEndedError extends WscError {
  readonly jobId: string;
  readonly phase: string;
  constructor(jobId: string, phase: string, reason: string) {
    super(`job ${jobId} is ${phase}${reason ? `: ${reason}` : ""}`, 1);
    this.jobId = jobId;
    this.phase = phase;
  }
}
