// What a run leaves in its model directory besides checkpoints: the run log (`run_YYYYmmdd_HHMMSS.log`, a
// copy under `cerebras_logs/<timestamp>/run.log`, with the links `cerebras_logs/latest` and `latest_run.log`),
// the effective params (`train/params_train.yaml`) and `performance.json`.
import { appendFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

const p2 = (n: number) => String(n).padStart(2, "0");

/** 20231129_181313 */
export function stamp(d: Date): string {
  return `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}_${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
}

/** "2023-11-29 18:13:13,555", the time format of the run's log lines. */
export function logTime(d: Date): string {
  return (
    `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ` +
    `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, "0")}`
  );
}

function relink(target: string, link: string): void {
  rmSync(link, { force: true });
  try {
    symlinkSync(target, link);
  } catch {
    // a file system without symbolic links: the timestamped files are still there
  }
}

/** The run's log files. Every line written is appended to both copies at once. */
export class RunLog {
  readonly file: string;
  readonly cerebrasFile: string;

  constructor(modelDir: string, now = new Date()) {
    const ts = stamp(now);
    mkdirSync(join(modelDir, "cerebras_logs", ts), { recursive: true });
    this.file = join(modelDir, `run_${ts}.log`);
    this.cerebrasFile = join(modelDir, "cerebras_logs", ts, "run.log");
    writeFileSync(this.file, "");
    writeFileSync(this.cerebrasFile, "");
    relink(ts, join(modelDir, "cerebras_logs", "latest"));
    relink(`run_${ts}.log`, join(modelDir, "latest_run.log"));
  }

  /** Append "<time> LEVEL:   message" to the logs; returns the line. */
  write(message: string, level = "INFO", now = new Date()): string {
    const line = `${logTime(now)} ${level}:   ${message}`;
    appendFileSync(this.file, line + "\n");
    appendFileSync(this.cerebrasFile, line + "\n");
    return line;
  }
}

/** `train/params_train.yaml`: the params the run used, with the command line's overrides applied. */
export function writeParamsTrain(modelDir: string, params: unknown): string {
  const dir = join(modelDir, "train");
  mkdirSync(dir, { recursive: true });
  const f = join(dir, "params_train.yaml");
  writeFileSync(f, stringify(params));
  return f;
}

/** `performance.json`. */
export function writePerformance(modelDir: string, perf: Readonly<Record<string, unknown>>): string {
  const f = join(modelDir, "performance.json");
  writeFileSync(f, JSON.stringify(perf, null, 2) + "\n");
  return f;
}
