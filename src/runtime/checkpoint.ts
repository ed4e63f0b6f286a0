// Checkpoints: `checkpoint_{step}.mdl` in model_dir, written atomically (a temporary file in the same folder,
// fsync, rename over the final name, fsync of the folder), so a run killed at any moment leaves either the
// previous checkpoints or the new one whole, never a torn file; the temporaries of writers that died are
// removed when a model_dir is opened.
//
// Format version 2 (docs/checkpoints.md), all little-endian:
//   bytes 0..7    magic "WSCMDL2\n"
//   bytes 8..11   uint32 H: length of the JSON header in bytes
//   bytes 12..15  uint32 CRC-32C of those H bytes
//   bytes 16..    the header, UTF-8 JSON, padded with spaces so the tensor data starts at a multiple of 64
//   then          the tensors, float32, back to back in header order; each header entry holds the tensor's
//                 offset (bytes from the start of the data section), length in bytes and CRC-32C.
// The header holds everything else needed to resume: step, data positions, RNG seed, loss scale, optimizer
// kind and step, the model's name and parameter count.
//
// Reading verifies the whole file before anything is used: a regular file of bounded size, the magic, the
// header's checksum and every field's type, the format and version, the step against the file name, every
// tensor inside the file with no overlap and nothing after the last, each tensor's checksum, and that every
// optimizer buffer belongs to a weight of its size. A failure is a CheckpointError naming the file, the
// tensor or field and what is wrong, and pointing at the newest other good checkpoint of the folder.
// Version 1 (magic "WSCMDL1\n", header at byte 12, no checksums) is still read, with every structural check
// and a warning that its data could not be verified.
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { constants as bufferConstants } from "node:buffer";
import { basename, dirname, join } from "node:path";
import type { DataPosition } from "../data/index.js";
import type { OptimizerState } from "../numerics/index.js";
import { crc32c, hex32 } from "../util/crc32c.js";
import { errnoCode } from "../util/errors.js";
import { FileRefusedError, openRegularFile, readRange } from "../util/fs.js";
import { RuntimeError } from "./errors.js";
import type { LossScaleState } from "./loss-scale.js";

export const MAGIC = "WSCMDL2\n";
/** The magic of version 1, read with a warning. */
export const MAGIC_V1 = "WSCMDL1\n";
export const CHECKPOINT_VERSION = 2;
const ALIGN = 64;
/** Bytes before the header: magic, header length, header CRC (version 2); version 1 had no CRC. */
const PREAMBLE = { 1: 12, 2: 16 } as const;
/** Largest header read (a header lists one short entry per tensor: a million tensors fit). */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** Largest checkpoint read: what one buffer can hold. */
export const MAX_CHECKPOINT_BYTES = bufferConstants.MAX_LENGTH;

/** Optimizer state buffers by optimizer kind: `<slot>/<parameter>`. */
const OPTIMIZER_SLOTS: Readonly<Record<OptimizerState["kind"], readonly string[]>> = {
  SGD: ["momentum_buffer"],
  Adam: ["exp_avg", "exp_avg_sq"],
  AdamW: ["exp_avg", "exp_avg_sq"],
};

export interface TensorEntry {
  readonly name: string;
  /** "weight" (a model parameter) or "optimizer" (a state buffer, e.g. "exp_avg/<param>"). */
  readonly group: "weight" | "optimizer";
  readonly dtype: "float32";
  readonly shape: readonly number[];
  /** Byte offset in the data section. */
  readonly offset: number;
  /** Bytes: 4 x the elements. */
  readonly length: number;
  /** CRC-32C of the tensor's bytes (absent in version 1). */
  readonly crc32c?: number;
}

export interface CheckpointHeader {
  readonly format: "wsc-checkpoint";
  readonly version: 1 | 2;
  /** Optimizer steps completed. */
  readonly step: number;
  readonly model: { readonly family: string; readonly name: string; readonly paramCount: number };
  readonly optimizer: { readonly kind: OptimizerState["kind"]; readonly step: number } | null;
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

export interface LoadedCheckpoint extends CheckpointContent {
  readonly header: CheckpointHeader;
  /** What could not be verified (a version-1 file has no checksums). */
  readonly warnings: readonly string[];
}

/** A checkpoint that cannot be used: bad input (exit 2), named in the message with what is wrong. */
export class CheckpointError extends RuntimeError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** What is wrong with a file's content; readCheckpoint adds the file's name and the way out. */
class Damaged extends Error {
  /** false: the path names something that is not a checkpoint file at all (a device, a FIFO, a folder). */
  constructor(
    message: string,
    readonly damaged = true,
  ) {
    super(message);
  }
}

/** `checkpoint_{step}.mdl`. */
export function checkpointName(step: number): string {
  return `checkpoint_${step}.mdl`;
}

/** The step of a checkpoint file name (`checkpoint_{step}.mdl`, or the dated form); null for other names. */
export function checkpointStepOf(path: string): number | null {
  const m = /^checkpoint_(\d+)(?:_\d{8}_\d{6})?\.mdl$/.exec(basename(path));
  return m ? Number(m[1]) : null;
}

const bytesOf = (b: Float32Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Write a checkpoint atomically; returns its path. */
export function writeCheckpoint(path: string, c: CheckpointContent): string {
  const tensors: TensorEntry[] = [];
  const blobs: Float32Array[] = [];
  let offset = 0;
  const add = (name: string, shape: readonly number[], data: Float32Array, group: TensorEntry["group"]) => {
    const length = data.byteLength;
    tensors.push({ name, group, dtype: "float32", shape, offset, length, crc32c: crc32c(bytesOf(data)) });
    blobs.push(data);
    offset += length;
  };
  for (const [name, t] of c.weights) add(name, t.shape, t.data, "weight");
  if (c.optimizer)
    for (const [name, b] of Object.entries(c.optimizer.buffers)) add(name, [b.length], b, "optimizer");
  const header: CheckpointHeader = {
    format: "wsc-checkpoint",
    version: CHECKPOINT_VERSION,
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
  const pad = (ALIGN - ((PREAMBLE[2] + json.length) % ALIGN)) % ALIGN;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const head = Buffer.alloc(PREAMBLE[2]);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(crc32c(json), 12);
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, head);
    writeSync(fd, json);
    for (const b of blobs) writeSync(fd, bytesOf(b));
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

/**
 * Read and verify a checkpoint (see the top of this file for what is checked). Every problem is a
 * CheckpointError: `<file>: <what is wrong>; <the newest other good checkpoint to resume from, or delete>`.
 */
export function readCheckpoint(path: string): LoadedCheckpoint {
  try {
    return parseCheckpoint(path, readCheckpointFile(path));
  } catch (e) {
    if (e instanceof Damaged) throw new CheckpointError(`${path}: ${e.message}; ${wayOut(path, e.damaged)}`);
    throw e;
  }
}

/** Whether `path` reads and verifies as a checkpoint. */
function isGood(path: string): boolean {
  try {
    parseCheckpoint(path, readCheckpointFile(path));
    return true;
  } catch {
    return false;
  }
}

/** The advice after a checkpoint that cannot be used: the newest other checkpoint of its folder that verifies. */
function wayOut(path: string, damaged: boolean): string {
  const others = listCheckpoints(dirname(path))
    .filter((c) => basename(c.path) !== basename(path))
    .reverse();
  const good = others.find((c) => isGood(c.path));
  if (!damaged)
    return good
      ? `resume from ${good.path} with --checkpoint_path, or remove ${basename(path)} from the folder`
      : "give a checkpoint file (a model_dir's checkpoint_{step}.mdl) with --checkpoint_path";
  return good
    ? `the file is damaged; resume from ${good.path} with --checkpoint_path, or delete the damaged file`
    : `the file is damaged and ${dirname(path)} holds no other good checkpoint; delete it (or move it away) ` +
        "to start from the initial weights";
}

/**
 * The bytes of a checkpoint file: a regular file of at most MAX_CHECKPOINT_BYTES (the shared check of
 * util/fs.ts, made on the open descriptor, so a FIFO is refused instead of waited on and /dev/zero by kind).
 */
function readCheckpointFile(path: string): Buffer {
  let fd: number;
  let size: number;
  try {
    ({ fd, size } = openRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES }));
  } catch (e) {
    if (!(e instanceof FileRefusedError)) throw e;
    if (e.refusal === "not-regular" || e.refusal === "too-large")
      throw new Damaged(e.reason.replace("allowed", "a checkpoint may have"), false);
    throw new CheckpointError(
      `cannot read checkpoint ${path}: ${e.refusal}${e.refusal === "ENOENT" ? " (no such file; check the --checkpoint_path)" : ""}`,
    );
  }
  try {
    const buf = readRange(fd, 0, size);
    if (buf.length < size)
      throw new Damaged(`it shrank from ${size} to ${buf.length} bytes while it was read`);
    return buf;
  } catch (e) {
    if (e instanceof Damaged) throw e;
    throw new CheckpointError(`cannot read checkpoint ${path}: ${errnoCode(e)}`);
  } finally {
    closeSync(fd);
  }
}

/** A name or value from the file, quoted with control characters escaped. */
const q = (s: string) => `'${JSON.stringify(s).slice(1, -1)}'`;
/** A JSON value from the file as messages show it (escaped, at most 60 characters). */
function shown(v: unknown): string {
  const s = v === undefined ? "missing" : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Typed reads of header fields; a wrong one fails naming the field, its value and the type expected. */
const field = {
  wrong(where: string, v: unknown, expected: string): never {
    throw new Damaged(`header field '${where}' is ${shown(v)}; expected ${expected}`);
  },
  obj(o: Obj, key: string, where = key): Obj {
    const v = o[key];
    return isObj(v) ? v : field.wrong(where, v, "an object");
  },
  str(o: Obj, key: string, where = key): string {
    const v = o[key];
    return typeof v === "string" ? v : field.wrong(where, v, "a string");
  },
  count(o: Obj, key: string, where = key): number {
    const v = o[key];
    return Number.isSafeInteger(v) && (v as number) >= 0
      ? (v as number)
      : field.wrong(where, v, "an integer >= 0");
  },
  int(o: Obj, key: string, where = key): number {
    const v = o[key];
    return Number.isSafeInteger(v) ? (v as number) : field.wrong(where, v, "an integer");
  },
  positive(o: Obj, key: string, where = key): number {
    const v = o[key];
    return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : field.wrong(where, v, "a number > 0");
  },
  oneOf<T extends string | number>(o: Obj, key: string, values: readonly T[], where = key): T {
    const v = o[key] as T;
    return values.includes(v) ? v : field.wrong(where, v, values.map((x) => JSON.stringify(x)).join(" or "));
  },
};

function position(v: unknown, where: string): DataPosition | null {
  if (v === null) return null;
  if (!isObj(v)) return field.wrong(where, v, "null or an object { epoch, offset }");
  return {
    epoch: field.count(v, "epoch", `${where}.epoch`),
    offset: field.count(v, "offset", `${where}.offset`),
  };
}

/** The header's fields, each of its type (tensor layout and checksums are checked apart). */
function readHeader(h: unknown, version: 1 | 2): CheckpointHeader {
  if (!isObj(h)) return field.wrong("(top level)", h, "an object");
  const format = h.format;
  if (format !== "wsc-checkpoint")
    throw new Damaged(`header field 'format' is ${shown(format)}; a wsc checkpoint has "wsc-checkpoint"`);
  if (h.version !== version)
    throw new Damaged(
      `header field 'version' is ${shown(h.version)} but the file's magic is that of version ${version}; ` +
        `this wsc reads versions 1 and ${CHECKPOINT_VERSION}`,
    );
  const model = field.obj(h, "model");
  const opt = h.optimizer;
  if (opt !== null && !isObj(opt)) field.wrong("optimizer", opt, "null or an object { kind, step }");
  const rng = field.obj(h, "rng");
  const ls = field.obj(h, "lossScale");
  const data = field.obj(h, "data");
  if (!Array.isArray(h.tensors)) field.wrong("tensors", h.tensors, "an array of tensor entries");
  const tensors = (h.tensors as unknown[]).map((t, i): TensorEntry => {
    const w = `tensors[${i}]`;
    if (!isObj(t)) return field.wrong(w, t, "an object { name, group, shape, offset, ... }");
    const name = field.str(t, "name", `${w}.name`);
    if (name === "") field.wrong(`${w}.name`, name, "a non-empty string");
    const shape = t.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      field.wrong(`${w}.shape`, shape, "an array of integers >= 0");
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(4 * numel))
      field.wrong(`${w}.shape`, shape, "a shape of fewer than 2^51 elements");
    const offset = field.count(t, "offset", `${w}.offset`);
    const group = field.oneOf(t, "group", ["weight", "optimizer"] as const, `${w}.group`);
    if (version === 1)
      return { name, group, dtype: "float32", shape: shape as number[], offset, length: 4 * numel };
    const dtype = field.oneOf(t, "dtype", ["float32"] as const, `${w}.dtype`);
    const length = field.count(t, "length", `${w}.length`);
    if (length !== 4 * numel)
      throw new Damaged(
        `tensor ${q(name)} has length ${length} bytes, but its shape ${shown(shape)} of ${dtype} needs ${4 * numel}`,
      );
    const crc = t.crc32c;
    if (!(Number.isInteger(crc) && (crc as number) >= 0 && (crc as number) <= 0xffffffff))
      field.wrong(`${w}.crc32c`, crc, "a 32-bit unsigned integer");
    return { name, group, dtype, shape: shape as number[], offset, length, crc32c: crc as number };
  });
  return {
    format,
    version,
    step: field.count(h, "step"),
    model: {
      family: field.str(model, "family", "model.family"),
      name: field.str(model, "name", "model.name"),
      paramCount: field.count(model, "paramCount", "model.paramCount"),
    },
    optimizer:
      opt === null
        ? null
        : {
            kind: field.oneOf(opt as Obj, "kind", ["SGD", "Adam", "AdamW"] as const, "optimizer.kind"),
            step: field.count(opt as Obj, "step", "optimizer.step"),
          },
    data: { train: position(data.train, "data.train") },
    rng: { seed: field.int(rng, "seed", "rng.seed"), step: field.count(rng, "step", "rng.step") },
    lossScale: {
      scale: field.positive(ls, "scale", "lossScale.scale"),
      goodSteps: field.count(ls, "goodSteps", "lossScale.goodSteps"),
    },
    createdAt:
      typeof h.createdAt === "string" ? h.createdAt : field.wrong("createdAt", h.createdAt, "a string"),
    tensors,
  };
}

/** The checks of a header against itself and its file name (the types are readHeader's). */
function checkHeader(path: string, h: CheckpointHeader): void {
  const named = checkpointStepOf(path);
  if (named !== null && named !== h.step)
    throw new Damaged(`the header records step ${h.step}, but the file name says step ${named}`);
  if (h.rng.step !== h.step)
    throw new Damaged(`header field 'rng.step' is ${h.rng.step}; the checkpoint's step is ${h.step}`);
  if (h.optimizer && h.optimizer.step > h.step)
    throw new Damaged(
      `header field 'optimizer.step' is ${h.optimizer.step}, more than the ${h.step} steps the checkpoint records`,
    );
  const weights = new Map<string, TensorEntry>();
  const seen = new Set<string>();
  for (const t of h.tensors) {
    if (seen.has(t.name)) throw new Damaged(`tensor ${q(t.name)} is listed twice`);
    seen.add(t.name);
    if (t.group === "weight") weights.set(t.name, t);
  }
  for (const t of h.tensors) {
    if (t.group !== "optimizer") continue;
    if (!h.optimizer)
      throw new Damaged(`optimizer tensor ${q(t.name)} is present, but the header records no optimizer`);
    const slots = OPTIMIZER_SLOTS[h.optimizer.kind];
    const cut = t.name.indexOf("/");
    const slot = t.name.slice(0, cut);
    const w = weights.get(t.name.slice(cut + 1));
    if (cut < 0 || !slots.includes(slot) || !w)
      throw new Damaged(
        `optimizer tensor ${q(t.name)} is not the state of a weight: ${h.optimizer.kind} keeps ` +
          `${slots.map((s) => `'${s}/<weight>'`).join(" and ")} for the weights of the file`,
      );
    if (t.length !== w.length)
      throw new Damaged(
        `optimizer tensor ${q(t.name)} has ${t.length / 4} values; its weight has ${w.length / 4}`,
      );
  }
}

/** Tensors inside the data section, none overlapping another, nothing after the last. */
function checkLayout(h: CheckpointHeader, dataBytes: number): void {
  const range = (t: TensorEntry) => `bytes ${t.offset}..${t.offset + t.length} of the data section`;
  let end = 0;
  let last: TensorEntry | null = null;
  for (const t of [...h.tensors].sort((a, b) => a.offset - b.offset || a.length - b.length)) {
    if (t.offset + t.length > dataBytes)
      throw new Damaged(
        `tensor ${q(t.name)} (${range(t)}) runs past the end of the file, which holds ${dataBytes} bytes of ` +
          "tensor data: the file is truncated or the offset is wrong",
      );
    if (last && t.offset < end && t.length > 0)
      throw new Damaged(`tensors ${q(last.name)} (${range(last)}) and ${q(t.name)} (${range(t)}) overlap`);
    if (t.offset + t.length >= end) {
      end = t.offset + t.length;
      last = t;
    }
  }
  if (end !== dataBytes)
    throw new Damaged(
      `${dataBytes - end} bytes follow the last tensor: the file is longer than its header says (${end} bytes of tensor data)`,
    );
}

function parseCheckpoint(path: string, buf: Buffer): LoadedCheckpoint {
  if (buf.length === 0) throw new Damaged("the file is empty (0 bytes)");
  const magic = buf.toString("latin1", 0, Math.min(8, buf.length));
  const version = magic === MAGIC ? 2 : magic === MAGIC_V1 ? 1 : null;
  if (version === null) {
    const other = /^WSCMDL(\d+)\n$/.exec(magic);
    throw new Damaged(
      other
        ? `it is a version ${other[1]} checkpoint; this wsc reads versions 1 and ${CHECKPOINT_VERSION} (a newer wsc wrote it?)`
        : `it is not a wsc checkpoint (it does not start with the magic "WSCMDL${CHECKPOINT_VERSION}\\n")`,
    );
  }
  const pre = PREAMBLE[version];
  if (buf.length < pre)
    throw new Damaged(`it is truncated: ${buf.length} bytes, shorter than the ${pre}-byte preamble`);
  const hlen = buf.readUInt32LE(8);
  if (hlen > MAX_HEADER_BYTES || pre + hlen > buf.length)
    throw new Damaged(
      `its header length field says ${hlen} bytes, but ` +
        (hlen > MAX_HEADER_BYTES
          ? `a header may have at most ${MAX_HEADER_BYTES}`
          : `the file has ${buf.length - pre} after the ${pre}-byte preamble (truncated, or the field is damaged)`),
    );
  const hbytes = buf.subarray(pre, pre + hlen);
  if (version === 2) {
    const stored = buf.readUInt32LE(12);
    const computed = crc32c(hbytes);
    if (stored !== computed)
      throw new Damaged(
        `the header fails its CRC-32C check (stored ${hex32(stored)}, computed ${hex32(computed)})`,
      );
  }
  let json: unknown;
  try {
    json = JSON.parse(hbytes.toString("utf8"));
  } catch (e) {
    throw new Damaged(`the header is not valid JSON (${(e as Error).message})`);
  }
  const header = readHeader(json, version);
  checkHeader(path, header);
  const dataStart = pre + hlen;
  checkLayout(header, buf.length - dataStart);
  const weights = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const buffers: Record<string, Float32Array> = {};
  for (const t of header.tensors) {
    const bytes = buf.subarray(dataStart + t.offset, dataStart + t.offset + t.length);
    if (t.crc32c !== undefined) {
      const computed = crc32c(bytes);
      if (computed !== t.crc32c)
        throw new Damaged(
          `tensor ${q(t.name)} fails its CRC-32C check (stored ${hex32(t.crc32c)}, computed ${hex32(computed)})`,
        );
    }
    const data = new Float32Array(t.length / 4);
    new Uint8Array(data.buffer).set(bytes);
    if (t.group === "weight") weights.set(t.name, { shape: t.shape, data });
    else buffers[t.name] = data;
  }
  const warnings =
    version === 1
      ? [
          `${path} is a version-1 checkpoint, written before checkpoints carried checksums: its layout was ` +
            "checked, its data could not be; the checkpoints this run writes are version 2",
        ]
      : [];
  return {
    header,
    warnings,
    step: header.step,
    model: header.model,
    weights,
    optimizer: header.optimizer ? { ...header.optimizer, buffers } : null,
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
    .map((n) => ({ n, step: checkpointStepOf(n) }))
    .filter((x): x is { n: string; step: number } => x.step !== null)
    .map((x) => ({ step: x.step, path: join(dir, x.n) }))
    .sort((a, b) => a.step - b.step || a.path.localeCompare(b.path));
}

/** Delete all but the newest `keep` checkpoints. */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) unlinkSync(c.path);
}

/** Whether process `pid` exists (EPERM: it does, under another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === "EPERM";
  }
}

/**
 * Remove the temporaries (`.checkpoint_{step}.mdl.tmp-PID`) that writers killed mid-write left in `dir`; those
 * of a process still running are its checkpoint in progress and stay. Returns the names removed.
 */
export function removeStaleCheckpointTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = /^\.checkpoint_[^/]*\.mdl\.tmp-(\d+)$/.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch (e) {
      if (errnoCode(e) !== "ENOENT") throw e; // another run removed it first
    }
  }
  return removed;
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
    else if (Buffer.compare(bytesOf(u), bytesOf(v)) !== 0) out.push(`${what}: the values differ`);
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
