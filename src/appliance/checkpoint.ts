// Checkpoints: `checkpoint_{step}.mdl` in the model directory (or `checkpoint_{step}_{YYYYmmdd_HHMMSS}.mdl`
// when that name exists). One file holds the weights, the optimizer state, the data stream's position and
// what the run needs to resume. Written to a temporary name, synced and renamed, so a process killed while
// saving leaves either the previous checkpoints or the new one complete, never a torn file.
//
// Layout: "WSCMDL01" | uint32 LE header length | header JSON (utf-8) | padding to 4 bytes | float32 data.
// The header lists every tensor with its byte offset and element count in the data section.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { OptimizerState } from "../numerics/index.js";
import { WscError } from "../util/errors.js";
import type { WeightSnapshot } from "./roles/weight-store.js";

const MAGIC = "WSCMDL01";

export interface CheckpointMeta {
  /** Optimizer steps taken: the checkpoint is the state after this step. */
  readonly step: number;
  readonly model: string;
  readonly seed: number;
  /** Where the training data stream stands (src/data's DataPosition). */
  readonly dataPosition: { readonly epoch: number; readonly offset: number } | null;
  /** Dynamic loss scaling state, when in use. */
  readonly lossScale?: number;
  /** Anything else worth keeping (compile hash, mode, systems). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface Checkpoint extends CheckpointMeta {
  readonly weights: WeightSnapshot;
}

interface Entry {
  name: string;
  offset: number;
  length: number;
}

/** A checkpoint file is damaged or not of this format. */
export class CheckpointError extends WscError {
  constructor(file: string, what: string) {
    super(
      `checkpoint ${file}: ${what}; give another checkpoint with --checkpoint_path or remove this one`,
      1,
    );
  }
}

/** Name for a checkpoint of `step` in `dir`: checkpoint_{step}.mdl, timestamped if that exists. */
export function checkpointName(dir: string, step: number, now = new Date()): string {
  const plain = join(dir, `checkpoint_${step}.mdl`);
  if (!existsSync(plain)) return plain;
  const p = (n: number) => String(n).padStart(2, "0");
  const ts = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}_${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return join(dir, `checkpoint_${step}_${ts}.mdl`);
}

/** Write a checkpoint atomically; returns the file written. */
export function writeCheckpoint(dir: string, c: Checkpoint): string {
  const file = checkpointName(dir, c.step);
  const tensors: [string, Float32Array][] = Object.entries(c.weights.params);
  const opt = c.weights.optimizer;
  const optTensors: [string, Float32Array][] = opt ? Object.entries(opt.buffers) : [];
  let offset = 0;
  const place = (list: [string, Float32Array][]): Entry[] =>
    list.map(([name, a]) => {
      const e = { name, offset, length: a.length };
      offset += a.byteLength;
      return e;
    });
  const params = place(tensors);
  const buffers = place(optTensors);
  const header = Buffer.from(
    JSON.stringify({
      format: 1,
      step: c.step,
      model: c.model,
      seed: c.seed,
      dataPosition: c.dataPosition,
      lossScale: c.lossScale,
      extra: c.extra ?? {},
      params,
      optimizer: opt ? { kind: opt.kind, step: opt.step, buffers } : null,
    }),
    "utf8",
  );
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const pre = Buffer.alloc(MAGIC.length + 4);
  pre.write(MAGIC, 0, "ascii");
  pre.writeUInt32LE(header.length, MAGIC.length);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, pre);
    writeSync(fd, header);
    writeSync(fd, Buffer.alloc(pad));
    for (const [, a] of [...tensors, ...optTensors])
      writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return file;
}

/** Read a checkpoint file. */
export function readCheckpoint(file: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (buf.length < 12 || buf.toString("ascii", 0, 8) !== MAGIC)
    throw new CheckpointError(file, "not a wsc checkpoint");
  const hlen = buf.readUInt32LE(8);
  let h: {
    step: number;
    model: string;
    seed: number;
    dataPosition: CheckpointMeta["dataPosition"];
    lossScale?: number;
    extra: Record<string, unknown>;
    params: Entry[];
    optimizer: { kind: OptimizerState["kind"]; step: number; buffers: Entry[] } | null;
  };
  try {
    h = JSON.parse(buf.toString("utf8", 12, 12 + hlen));
  } catch {
    throw new CheckpointError(file, "its header is damaged");
  }
  const start = 12 + hlen + ((4 - ((12 + hlen) % 4)) % 4);
  const data = buf.subarray(start);
  const take = (e: Entry) => {
    if (e.offset + e.length * 4 > data.length) throw new CheckpointError(file, `it is truncated (${e.name})`);
    const out = new Float32Array(e.length);
    new Uint8Array(out.buffer).set(data.subarray(e.offset, e.offset + e.length * 4));
    return out;
  };
  const params = Object.fromEntries(h.params.map((e) => [e.name, take(e)]));
  const optimizer = h.optimizer
    ? {
        kind: h.optimizer.kind,
        step: h.optimizer.step,
        buffers: Object.fromEntries(h.optimizer.buffers.map((e) => [e.name, take(e)])),
      }
    : null;
  return {
    step: h.step,
    model: h.model,
    seed: h.seed,
    dataPosition: h.dataPosition,
    lossScale: h.lossScale,
    extra: h.extra,
    weights: { params, optimizer },
  };
}

/** The latest checkpoint in a model directory (highest step, then newest name), or null. */
export function latestCheckpoint(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const found = readdirSync(dir)
    .map((f) => ({ f, m: /^checkpoint_(\d+)(?:_(\d{8}_\d{6}))?\.mdl$/.exec(f) }))
    .filter((x) => x.m)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]) || (a.m![2] ?? "").localeCompare(b.m![2] ?? ""));
  return found.length ? join(dir, found[found.length - 1].f) : null;
}
