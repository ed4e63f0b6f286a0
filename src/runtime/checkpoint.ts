// Checkpoints: `checkpoint_{step}.mdl` in model_dir, written atomically (a temporary file in the same folder,
// fsync, rename over the final name, fsync of the folder), so a run killed at any moment leaves either the
// previous checkpoints or the new one whole, never a torn file.
//
// Format (docs/checkpoints.md), all little-endian:
//   bytes 0..7    magic "WSCMDL1\n"
//   bytes 8..11   uint32 H: length of the JSON header in bytes
//   bytes 12..    the header, UTF-8 JSON, padded with spaces so the tensor data starts at a multiple of 64
//   then          the tensors, float32, each at header.tensors[i].offset (bytes from the start of the data
//                 section), row-major, in the order the header lists them.
// The header holds everything else needed to resume: step, data positions, RNG seed, loss scale, optimizer
// kind and step, the model's name and parameter count.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { DataPosition } from "../data/index.js";
import type { OptimizerState } from "../numerics/index.js";
import { errnoCode } from "../util/errors.js";
import { RuntimeError } from "./errors.js";
import type { LossScaleState } from "./loss-scale.js";

export const MAGIC = "WSCMDL1\n";
const ALIGN = 64;

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Byte offset in the data section. */
  readonly offset: number;
  /** "weight" (a model parameter) or "optimizer" (a state buffer, e.g. "exp_avg/<param>"). */
  readonly group: "weight" | "optimizer";
}

export interface CheckpointHeader {
  readonly format: "wsc-checkpoint";
  readonly version: 1;
  /** Optimizer steps completed. */
  readonly step: number;
  readonly model: { readonly family: string; readonly name: string; readonly paramCount: number };
  readonly optimizer: { readonly kind: string; readonly step: number } | null;
  /** Where each data stream resumes. */
  readonly data: { readonly train: DataPosition | null };
  /** Dropout and masking are counter-based, keyed by (seed, step, ...): the seed and the step are the state. */
  readonly rng: { readonly seed: number; readonly step: number };
  readonly lossScale: LossScaleState;
  readonly createdAt: string;
  readonly tensors: readonly TensorEntry[];
}

export interface CheckpointContent {
  readonly step: number;
  readonly model: CheckpointHeader["model"];
  readonly weights: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
  readonly optimizer: OptimizerState | null;
  readonly data: CheckpointHeader["data"];
  readonly seed: number;
  readonly lossScale: LossScaleState;
}

/** `checkpoint_{step}.mdl`. */
export function checkpointName(step: number): string {
  return `checkpoint_${step}.mdl`;
}

/** Write a checkpoint atomically; returns its path. */
export function writeCheckpoint(path: string, c: CheckpointContent): string {
  const tensors: TensorEntry[] = [];
  const blobs: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, shape: readonly number[], data: Float32Array, group: TensorEntry["group"]) => {
    tensors.push({ name, shape, offset, group });
    blobs.push(data);
    offset += data.byteLength;
  };
  for (const [name, t] of c.weights) add(name, t.shape, t.data, "weight");
  if (c.optimizer)
    for (const [name, b] of Object.entries(c.optimizer.buffers)) add(name, [b.length], b, "optimizer");
  const header: CheckpointHeader = {
    format: "wsc-checkpoint",
    version: 1,
    step: c.step,
    model: c.model,
    optimizer: c.optimizer ? { kind: c.optimizer.kind, step: c.optimizer.step } : null,
    data: c.data,
    rng: { seed: c.seed, step: c.step },
    lossScale: c.lossScale,
    createdAt: new Date().toISOString(),
    tensors,
  };
  let json = Buffer.from(JSON.stringify(header), "utf8");
  const pad = (ALIGN - ((12 + json.length) % ALIGN)) % ALIGN;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(12);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(json.length, 8);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, head);
    writeSync(fd, json);
    for (const b of blobs) writeSync(fd, new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dirname(path), "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return path;
}

/** Read a checkpoint; errors name the file and what is wrong with it. */
export function readCheckpoint(path: string): CheckpointContent & { header: CheckpointHeader } {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new RuntimeError(`cannot read checkpoint ${path}: ${errnoCode(e)}`, 2);
  }
  if (buf.length < 12 || buf.toString("latin1", 0, 8) !== MAGIC) {
    throw new RuntimeError(`${path} is not a wsc checkpoint (no "WSCMDL1" magic)`, 2);
  }
  const hlen = buf.readUInt32LE(8);
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString("utf8", 12, 12 + hlen)) as CheckpointHeader;
  } catch (e) {
    throw new RuntimeError(`${path}: the checkpoint header is not valid JSON (${(e as Error).message})`, 2);
  }
  const dataStart = 12 + hlen;
  const weights = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const buffers: Record<string, Float32Array> = {};
  for (const t of header.tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const start = dataStart + t.offset;
    if (start + 4 * n > buf.length)
      throw new RuntimeError(`${path} is truncated: tensor "${t.name}" runs past its end`, 2);
    const data = new Float32Array(n);
    new Uint8Array(data.buffer).set(buf.subarray(start, start + 4 * n));
    if (t.group === "weight") weights.set(t.name, { shape: t.shape, data });
    else buffers[t.name] = data;
  }
  return {
    header,
    step: header.step,
    model: header.model,
    weights,
    optimizer: header.optimizer
      ? { kind: header.optimizer.kind as OptimizerState["kind"], step: header.optimizer.step, buffers }
      : null,
    data: header.data,
    seed: header.rng.seed,
    lossScale: header.lossScale,
  };
}

/** Checkpoints in a folder, by step, oldest first. */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .map((n) => ({ n, m: /^checkpoint_(\d+)(?:_\d{8}_\d{6})?\.mdl$/.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ step: Number(x.m[1]), path: join(dir, x.n) }))
    .sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
}

/** Delete all but the newest `keep` checkpoints. */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) unlinkSync(c.path);
}

/**
 * What differs between two checkpoints' training state, one line per difference (empty: the same step, data
 * position, loss scale, weights and optimizer state, bit for bit). `createdAt` is not compared.
 */
export function checkpointDifferences(a: string, b: string): string[] {
  const x = readCheckpoint(a);
  const y = readCheckpoint(b);
  const out: string[] = [];
  const same = (what: string, u: unknown, v: unknown) => {
    if (JSON.stringify(u) !== JSON.stringify(v))
      out.push(`${what}: ${JSON.stringify(u)} in ${a}, ${JSON.stringify(v)} in ${b}`);
  };
  const bits = (what: string, u: Float32Array, v: Float32Array | undefined) => {
    if (!v) out.push(`${what}: in ${a} only`);
    else if (
      !Buffer.from(u.buffer, u.byteOffset, u.byteLength).equals(
        Buffer.from(v.buffer, v.byteOffset, v.byteLength),
      )
    )
      out.push(`${what}: the values differ`);
  };
  same("step", x.step, y.step);
  same("data position", x.data, y.data);
  same("loss scale", x.lossScale, y.lossScale);
  same("seed", x.seed, y.seed);
  same("weight names", [...x.weights.keys()], [...y.weights.keys()]);
  for (const [name, t] of x.weights) bits(`weight ${name}`, t.data, y.weights.get(name)?.data);
  const o = x.optimizer;
  const p = y.optimizer;
  same("optimizer", o && { kind: o.kind, step: o.step }, p && { kind: p.kind, step: p.step });
  if (o && p) {
    same("optimizer buffers", Object.keys(o.buffers).sort(), Object.keys(p.buffers).sort());
    for (const [name, t] of Object.entries(o.buffers)) bits(`optimizer ${name}`, t, p.buffers[name]);
  }
  return out;
}
