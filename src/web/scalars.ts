// A model_dir's TensorBoard event files, read as they grow: each file under train/ and eval/ is tailed from
// the byte where the last read stopped (a record still being written is left for the next read), each
// file_version record starts a run, and every scalar Event becomes a named point. The wall rate (this
// machine's samples/s) is derived here from the events' wall times and the global batch; every other figure
// is the value the run wrote (the modeled CS-X device rates, the loss).
import { closeSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { readRange } from "../util/fs.js";
import { decodeEvent, readTfRecordPrefix } from "../util/tfevents.js";
import { openJobFile } from "./job-files.js";
import type { MetricPoint, MetricRun } from "./client/types.js";

/** Tags the runtime writes (src/appliance/execute.ts, src/runtime), by the name the API gives them. */
const TRAIN_TAGS: Readonly<Record<string, keyof MetricPoint>> = {
  loss: "loss",
  "eval/loss": "evalLoss",
  local_samples_per_sec: "deviceRate",
  avg_samples_per_sec: "deviceAvgRate",
};
const EVAL_TAGS: Readonly<Record<string, keyof MetricPoint>> = { loss: "evalLoss" };

interface Run {
  readonly id: string;
  readonly dir: "train" | "eval";
  readonly startedAt: number;
  readonly points: MetricPoint[];
  /** The last point with a device rate: where the next window of the wall rate begins. */
  lastTrain: { step: number; at: number } | null;
}

/** One event file, tailed. */
class EventFileTail {
  private offset = 0;
  private pending = Buffer.alloc(0);
  readonly runs: Run[] = [];

  constructor(
    readonly path: string,
    readonly dir: "train" | "eval",
    readonly name: string,
  ) {}

  /** Read what was appended since the last call. Returns true when the file was truncated (runs restart). */
  poll(globalBatch: number | null): boolean {
    // the model_dir's train/ or eval/ events file, read only as a regular file inside the model_dir
    const f = openJobFile(this.path, dirname(dirname(this.path)));
    if (!f) return false;
    try {
      return this.read(f.fd, f.size, globalBatch);
    } finally {
      closeSync(f.fd);
    }
  }

  private read(fd: number, size: number, globalBatch: number | null): boolean {
    let reset = false;
    if (size < this.offset + this.pending.length) {
      this.offset = 0;
      this.pending = Buffer.alloc(0);
      this.runs.length = 0;
      reset = true;
    }
    const from = this.offset + this.pending.length;
    if (size > from) {
      this.pending = Buffer.concat([this.pending, readRange(fd, from, size - from)]);
    }
    const { records, end } = readTfRecordPrefix(this.pending);
    for (const r of records) this.add(decodeEvent(r), globalBatch);
    this.offset += end;
    this.pending = this.pending.subarray(end);
    return reset;
  }

  private add(e: ReturnType<typeof decodeEvent>, globalBatch: number | null): void {
    const at = e.wallTime * 1000;
    if (e.fileVersion !== undefined || this.runs.length === 0) {
      this.runs.push({
        id: `${this.dir}/${this.name}#${this.runs.length}`,
        dir: this.dir,
        startedAt: at,
        points: [],
        lastTrain: null,
      });
      if (e.fileVersion !== undefined) return;
    }
    const run = this.runs[this.runs.length - 1];
    const tags = this.dir === "train" ? TRAIN_TAGS : EVAL_TAGS;
    const p: Record<string, number> = { step: e.step, at };
    let any = false;
    for (const [tag, v] of Object.entries(e.scalars)) {
      const key = tags[tag];
      if (key === undefined) continue;
      p[key] = v;
      any = true;
    }
    if (!any) return;
    if (p.deviceRate !== undefined) {
      const prev = run.lastTrain;
      if (prev && globalBatch !== null && at > prev.at && e.step > prev.step)
        p.wallRate = (globalBatch * (e.step - prev.step)) / ((at - prev.at) / 1000);
      run.lastTrain = { step: e.step, at };
    }
    run.points.push(p as unknown as MetricPoint);
  }
}

/** The event files of one model_dir, tailed together. */
export class ModelDirScalars {
  private readonly files = new Map<string, EventFileTail>();
  /** Bumped when a file was truncated: readers that append must start over. */
  generation = 0;

  constructor(
    readonly modelDir: string,
    /** Samples per step, for the wall rate; null leaves the wall rate out. */
    readonly globalBatch: number | null,
  ) {}

  /** Find new event files and read what every file appended. */
  poll(): void {
    for (const dir of ["train", "eval"] as const) {
      let names: string[];
      try {
        names = readdirSync(join(this.modelDir, dir));
      } catch {
        continue;
      }
      for (const name of names.filter((n) => n.includes("tfevents")).sort()) {
        const key = `${dir}/${name}`;
        if (!this.files.has(key)) this.files.set(key, new EventFileTail(join(this.modelDir, key), dir, name));
      }
    }
    for (const f of this.files.values()) if (f.poll(this.globalBatch)) this.generation++;
  }

  /** Every run, oldest first, each marked as this job's when it began within [from, to] (epoch ms). */
  runs(from: number, to: number): MetricRun[] {
    const all = [...this.files.values()].flatMap((f) => f.runs);
    return all
      .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id))
      .map((r) => ({
        id: r.id,
        dir: r.dir,
        startedAt: r.startedAt,
        thisJob: r.startedAt >= from && r.startedAt <= to,
        points: r.points,
      }));
  }
}
