// What a job left in its model_dir, told apart from what other runs in the same folder left: a model_dir is
// shared by every run that resumes in it, so a file counts as this job's when it was written while the job
// ran (its modification time within the job's start and end, with a few seconds of slack for the last
// writes). performance.json, checkpoints and the run log are read with the runtime's own names and layout
// (src/runtime/model-dir.ts, checkpoint.ts).
import { closeSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { JobRecord } from "../appliance/management/index.js";
import { listCheckpoints } from "../runtime/index.js";
import { FileRefusedError, openRegularFile, readRange, readRegularFile } from "../util/fs.js";
import type { CheckpointInfo } from "./client/types.js";

/** The largest file of a model_dir the dashboard reads whole (a report, performance.json, a picture). */
export const MAX_SERVED_BYTES = 64 << 20;

/**
 * A file of a job's model_dir as the dashboard may read it: a regular file whose real location is inside
 * the model_dir, not itself a symbolic link (util/fs.ts checks it on the open descriptor). Anything else
 * (a link to /etc/passwd, a device, a folder) reads as absent, so the routes answer 404.
 */
export function readJobFile(modelDir: string, name: string, maxBytes = MAX_SERVED_BYTES): Buffer | null {
  try {
    return readRegularFile(join(modelDir, name), { maxBytes, within: modelDir });
  } catch (e) {
    if (e instanceof FileRefusedError) return null;
    throw e;
  }
}

/**
 * Open a job's file for ranged reads under the same rules as readJobFile (inside `within`, by default the
 * file's own folder); null when refused.
 */
export function openJobFile(path: string, within = dirname(path)): { fd: number; size: number } | null {
  try {
    return openRegularFile(path, { maxBytes: Number.MAX_SAFE_INTEGER, within });
  } catch (e) {
    if (e instanceof FileRefusedError) return null;
    throw e;
  }
}

/** Slack after a job's end for the files it wrote last (the final checkpoint and performance.json), ms. */
export const WRITE_SLACK_MS = 5_000;

/** The span of a job's run, epoch ms: [start, end + slack]; null before it started. */
export function jobSpan(j: JobRecord, now = Date.now()): { from: number; to: number } | null {
  if (j.startedAt === null) return null;
  return { from: j.startedAt - 1_000, to: (j.endedAt ?? now) + WRITE_SLACK_MS };
}

function mtime(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** model_dir/performance.json if this execute job wrote it (and it names the job's compile), else null. */
export function jobPerformance(j: JobRecord, now = Date.now()): Record<string, unknown> | null {
  const span = jobSpan(j, now);
  if (!j.modelDir || !span || j.kind !== "execute") return null;
  const file = join(j.modelDir, "performance.json");
  const t = mtime(file);
  if (t === null || t < span.from || t > span.to) return null;
  try {
    const bytes = readJobFile(j.modelDir, "performance.json");
    if (!bytes) return null;
    const p = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
    const hash = j.detail.compileHash;
    if (typeof hash === "string" && p.compile_hash !== undefined && p.compile_hash !== hash) return null;
    return p;
  } catch {
    return null;
  }
}

/** The checkpoints of the job's model_dir, marked as this job's when written while it ran. */
export function jobCheckpoints(j: JobRecord, now = Date.now()): CheckpointInfo[] {
  if (!j.modelDir) return [];
  const span = jobSpan(j, now);
  return listCheckpoints(j.modelDir).flatMap((c) => {
    try {
      const st = statSync(c.path);
      return [
        {
          step: c.step,
          file: basename(c.path),
          bytes: st.size,
          at: st.mtimeMs,
          thisJob: span !== null && st.mtimeMs >= span.from && st.mtimeMs <= span.to,
        },
      ];
    } catch {
      return [];
    }
  });
}

/** Local time of a `run_YYYYmmdd_HHMMSS.log` name (src/runtime/model-dir.ts stamps in local time), epoch ms. */
export function runLogTime(name: string): number | null {
  const m = /^run_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\.log$/.exec(name);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

/**
 * The job's run log, relative to model_dir: the newest `run_*.log` begun before the job was created (the run
 * opens its log, then submits its compile and execute jobs), or null.
 */
export function jobLogFile(j: JobRecord): string | null {
  if (!j.modelDir) return null;
  let names: string[];
  try {
    names = readdirSync(j.modelDir);
  } catch {
    return null;
  }
  const logs = names
    .map((n) => ({ n, t: runLogTime(n) }))
    .filter((x): x is { n: string; t: number } => x.t !== null && x.t <= j.createdAt + 1_000)
    .sort((a, b) => b.t - a.t || b.n.localeCompare(a.n));
  return logs[0]?.n ?? null;
}

/** Lines of a growing text file from byte `offset`: complete lines only, and the offset after them. */
export function readLines(path: string, offset: number): { lines: string[]; end: number } {
  const f = openJobFile(path);
  if (!f) return { lines: [], end: offset };
  let buf: Buffer;
  try {
    if (f.size <= offset) return { lines: [], end: offset };
    buf = readRange(f.fd, offset, f.size - offset);
  } finally {
    closeSync(f.fd);
  }
  const last = buf.lastIndexOf(0x0a);
  if (last < 0) return { lines: [], end: offset };
  const text = buf.subarray(0, last).toString("utf8");
  return { lines: text.split("\n"), end: offset + last + 1 };
}

/** Where to start reading a log so that at most `maxLines` of its last `maxBytes` are shown. */
export function tailStart(path: string, maxBytes = 256 * 1024): number {
  const f = openJobFile(path);
  if (!f) return 0;
  const size = f.size;
  let buf: Buffer;
  try {
    if (size <= maxBytes) return 0;
    buf = readRange(f.fd, size - maxBytes, maxBytes);
  } finally {
    closeSync(f.fd);
  }
  const nl = buf.indexOf(0x0a);
  return size - maxBytes + (nl < 0 ? 0 : nl + 1);
}
