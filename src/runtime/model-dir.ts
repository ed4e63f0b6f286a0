// The model_dir a run writes, laid out as Model Zoo lays it out:
//   checkpoint_{step}.mdl                  (checkpoint_{step}_{YYYYmmdd_HHMMSS}.mdl when that name is taken)
//   train/params_train.yaml                the effective params (the file with the command line's overrides)
//   run_{YYYYmmdd_HHMMSS}.log              this run's log; latest_run.log links to the newest
//   cerebras_logs/{YYYYmmdd_HHMMSS}/run.log, with cerebras_logs/latest linking to the newest
//   performance.json                       total_samples, total_time, samples_per_sec, ... of the last run
// The log lines have Model Zoo's shape: "2023-11-29 18:13:13,555 INFO:   | Train Device=CPU, Step=..".
import { appendFileSync, existsSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { makeDirs } from "../util/fs.js";
import { join } from "node:path";
import { stringify } from "yaml";
import { errnoCode } from "../util/errors.js";
import { RuntimeError } from "./errors.js";
import { checkpointName, removeStaleCheckpointTemps } from "./checkpoint.js";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** "YYYYmmdd_HHMMSS" of a date (local time). */
export function stamp(d = new Date()): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** Model Zoo's log time: "2023-11-29 18:13:13,555" (local time). */
export function logTime(d = new Date()): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

function relink(target: string, link: string): void {
  rmSync(link, { force: true });
  try {
    symlinkSync(target, link);
  } catch {
    // a file system without symbolic links: the dated files are still there
  }
}

export class ModelDir {
  readonly runLog: string;
  /** cerebras_logs/{YYYYmmdd_HHMMSS}: this run's folder of logs (the jobs' log path). */
  readonly logDir: string;
  /** Partial checkpoints of writers that were killed mid-write, removed when the folder was opened. */
  readonly removedTemporaries: readonly string[];
  private readonly logs: string[];

  constructor(readonly dir: string) {
    const ts = stamp();
    try {
      makeDirs(join(dir, "train"));
      makeDirs(join(dir, "eval"));
      makeDirs(join(dir, "cerebras_logs", ts));
    } catch (e) {
      throw new RuntimeError(`cannot create model_dir ${dir}: ${errnoCode(e)}`, 2);
    }
    this.runLog = join(dir, `run_${ts}.log`);
    this.logDir = join(dir, "cerebras_logs", ts);
    this.logs = [this.runLog, join(dir, "cerebras_logs", ts, "run.log")];
    for (const f of this.logs) writeFileSync(f, "", { flag: "a" });
    relink(`run_${ts}.log`, join(dir, "latest_run.log"));
    relink(ts, join(dir, "cerebras_logs", "latest"));
    this.removedTemporaries = removeStaleCheckpointTemps(dir);
  }

  /** Append a line to the run's logs. */
  append(line: string): void {
    for (const f of this.logs) appendFileSync(f, `${line}\n`);
  }

  /** Append `message` as a Model Zoo INFO line ("<log time> INFO:   <message>") and return that line. */
  info(message: string): string {
    const line = `${logTime()} INFO:   ${message}`;
    this.append(line);
    return line;
  }

  /** The path for the checkpoint of `step`: checkpoint_{step}.mdl, or a dated name when that exists. */
  checkpointPath(step: number): string {
    const plain = join(this.dir, checkpointName(step));
    return existsSync(plain) ? join(this.dir, `checkpoint_${step}_${stamp()}.mdl`) : plain;
  }

  writeParams(effective: unknown): void {
    writeFileSync(join(this.dir, "train", "params_train.yaml"), stringify(effective));
  }

  writePerformance(p: Record<string, unknown>): void {
    writeFileSync(join(this.dir, "performance.json"), `${JSON.stringify(p, null, 2)}\n`);
  }
}
