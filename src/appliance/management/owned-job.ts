// A job seen from the process that owns it: wait in the queue (printing the queue-status lines users know),
// keep the heartbeat going, notice a cancel request at step boundaries, and end the job with its outcome. If
// the process is interrupted (SIGINT, SIGTERM) once, a queued job is cancelled at once and a running one stops
// at its next step boundary, keeping its last checkpoint, and ends CANCELLED; a second signal ends the job
// FAILED with that reason and exits at once. If the process is killed outright, the next scheduling pass of
// any process reaps it.
import { JobEndedError } from "./errors.js";
import { isTerminal } from "./job.js";
import type { JobRecord } from "./job.js";
import type { Management, QueueStatus } from "./management.js";

/** Heartbeat period, ms: well inside the reaping timeout. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** How often a queued job's process looks at the queue, ms. */
export const QUEUE_POLL_MS = 250;

/** How often the queue-status line is printed again when nothing changed, ms. */
export const QUEUE_STATUS_REPEAT_MS = 30_000;

/** The queue-status line a waiting run prints (the shape real runs print, pointing at `wsc ctl`). */
export function queueStatusLine(s: QueueStatus): string {
  const position =
    s.ahead === 0
      ? "current job is top of queue but likely blocked by running jobs"
      : `current job has ${s.ahead} execute job(s) ahead of it in the queue`;
  return (
    "Poll ingress status: Waiting for job running, current job status: Queueing, msg: job is queueing. " +
    `Job queue status: ${position}, ${s.runningExecuteJobs} execute job(s) running using ${s.systemsInUse} ` +
    `system(s), ${s.runningCompileJobs} compile job(s) running using ${s.compileMemoryGiB}Gi memory. ` +
    "For more information, please run 'wsc ctl get jobs'."
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class OwnedJob {
  readonly mgmt: Management;
  readonly id: string = "";
  private timer: NodeJS.Timeout | null = null;
  private readonly signalHandlers = new Map<NodeJS.Signals, () => void>();
  /** The signal that asked this process to stop, if one has. */
  private interrupted: NodeJS.Signals | null = null;

  /**
   * `job`: the record, or the call that submits it. Given the call, the signal handlers are installed before
   * it runs, so a Ctrl-C right after the job appears in the store (another process may already see it QUEUED)
   * is caught and cancels the job, instead of Node's default ending the process with the job left behind.
   */
  constructor(mgmt: Management, job: JobRecord | (() => JobRecord)) {
    this.mgmt = mgmt;
    if (typeof job === "function") {
      this.watchSignals();
      this.id = job().id;
    } else this.id = job.id;
  }

  get record(): JobRecord {
    return this.mgmt.store.get(this.id);
  }

  /**
   * Wait until the scheduler starts the job, printing the queue-status line through `say` when it changes
   * (and every 30 s). Throws JobEndedError if the job is cancelled or reaped while it waits.
   */
  async waitUntilRunning(say: (line: string) => void, pollMs = QUEUE_POLL_MS): Promise<JobRecord> {
    let last = "";
    let lastAt = 0;
    this.watchSignals();
    for (;;) {
      if (this.interrupted) {
        const why = `cancelled while queued: the process running the job received ${this.interrupted}`;
        this.stop();
        this.mgmt.cancel(this.id);
        throw new JobEndedError(this.id, "CANCELLED", why);
      }
      this.mgmt.schedule();
      const j = this.mgmt.heartbeat(this.id);
      if (j.phase === "RUNNING") return j;
      if (isTerminal(j.phase)) throw new JobEndedError(j.id, j.phase, j.reason);
      const line = queueStatusLine(this.mgmt.queueStatus(this.id));
      const now = Date.now();
      if (line !== last || now - lastAt >= QUEUE_STATUS_REPEAT_MS) {
        say(line);
        last = line;
        lastAt = now;
      }
      await sleep(pollMs);
    }
  }

  /** Beat every HEARTBEAT_INTERVAL_MS while the event loop turns, and watch for SIGINT/SIGTERM. */
  startHeartbeat(intervalMs = HEARTBEAT_INTERVAL_MS): void {
    this.timer = setInterval(() => {
      try {
        this.mgmt.heartbeat(this.id);
      } catch {
        // a busy store or a job ended elsewhere: the next step boundary's beat() sees and reports it
      }
    }, intervalMs);
    this.timer.unref();
    this.watchSignals();
  }

  /**
   * First SIGINT/SIGTERM: ask the job to stop at its next step boundary (the step loop yields to the event
   * loop there, so the signal is seen). Second: end the job FAILED and exit at once.
   */
  private watchSignals(): void {
    if (this.signalHandlers.size > 0) return;
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
      const h = () => {
        if (!this.interrupted) {
          this.interrupted = sig;
          process.stderr.write(
            `\nReceived ${sig}: stopping at the next step boundary and keeping the last checkpoint ` +
              `(send ${sig} again to stop at once).\n`,
          );
          return;
        }
        this.stop();
        if (this.id)
          this.mgmt.finish(
            this.id,
            "FAILED",
            `the process running the job (pid ${process.pid}) received ${sig}`,
          );
        process.exit(sig === "SIGINT" ? 130 : 143);
      };
      this.signalHandlers.set(sig, h);
      process.on(sig, h);
    }
  }

  /** Why the job is asked to stop: a signal to this process, or a cancel request (`wsc ctl cancel job`). */
  stopReason(): string {
    return this.interrupted ? `interrupted by ${this.interrupted}` : "cancelled by request";
  }

  /**
   * Heartbeat at a step boundary. Returns "cancel" when a cancel was requested; throws JobEndedError if the
   * store already ended the job (reaped by another process after a stall).
   */
  beat(): "continue" | "cancel" {
    const j = this.mgmt.heartbeat(this.id);
    if (isTerminal(j.phase)) throw new JobEndedError(j.id, j.phase, j.reason);
    return j.cancelRequested || this.interrupted ? "cancel" : "continue";
  }

  /** A step boundary: let the event loop turn (signals, timers), then heartbeat as `beat()`. */
  async boundary(): Promise<"continue" | "cancel"> {
    await new Promise<void>((r) => setImmediate(r));
    return this.beat();
  }

  /** Record a line in the job's event log. */
  event(message: string): void {
    this.mgmt.store.event(this.id, message);
  }

  /** End the job and stop the heartbeat. */
  finish(phase: "SUCCEEDED" | "FAILED" | "CANCELLED", reason: string): JobRecord {
    this.stop();
    return this.mgmt.finish(this.id, phase, reason);
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [sig, h] of this.signalHandlers) process.removeListener(sig, h);
    this.signalHandlers.clear();
  }
}
