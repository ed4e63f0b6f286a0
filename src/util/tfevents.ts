// TensorBoard event files, written without TensorFlow: the TFRecord framing and the Event/Summary protobuf
// messages for scalars, encoded by hand.
//
// TFRecord: each record is
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
// where masked(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8 (mod 2^32) and crc32c is the Castagnoli CRC.
// Event (tensorflow/core/util/event.proto): 1 wall_time double, 2 step int64, 3 file_version string,
// 5 summary Summary. Summary: 1 repeated Value. Value: 1 tag string, 2 simple_value float.
// The first record of a file is an Event with file_version "brain.Event:2"; TensorBoard finds files whose
// name contains "tfevents" (we use TensorFlow's `events.out.tfevents.<seconds>.<host>`).
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { makeDirs } from "./fs.js";
import { hostname } from "node:os";
import { join } from "node:path";
import { crc32c } from "./crc32c.js";
import { ProtoReader } from "./protobuf.js";
import { WscError } from "./errors.js";

export { crc32c };

/** The masked CRC TFRecord stores. */
export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

// --- protobuf encoding (the few wire types the messages use) ---

function varint(n: bigint | number): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 negatives as two's complement, 10 bytes
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);

function lengthDelimited(field: number, bytes: Uint8Array): number[] {
  return [...key(field, 2), ...varint(bytes.length), ...bytes];
}

/** Summary.Value { tag, simple_value }. */
function scalarValue(tag: string, value: number): Uint8Array {
  const f = Buffer.alloc(4);
  f.writeFloatLE(value, 0);
  return Uint8Array.from([...lengthDelimited(1, Buffer.from(tag, "utf8")), ...key(2, 5), ...f]);
}

export interface EventFields {
  readonly wallTime: number;
  readonly step?: number;
  readonly fileVersion?: string;
  /** Scalars of a Summary: tag -> value. */
  readonly scalars?: Readonly<Record<string, number>>;
}

/** An Event message; zero and empty fields are left out, as proto3 does. */
export function encodeEvent(e: EventFields): Uint8Array {
  const out: number[] = [];
  const d = Buffer.alloc(8);
  d.writeDoubleLE(e.wallTime, 0);
  out.push(...key(1, 1), ...d);
  if (e.step) out.push(...key(2, 0), ...varint(e.step));
  if (e.fileVersion) out.push(...lengthDelimited(3, Buffer.from(e.fileVersion, "utf8")));
  if (e.scalars) {
    const summary: number[] = [];
    for (const [tag, v] of Object.entries(e.scalars))
      summary.push(...lengthDelimited(1, scalarValue(tag, v)));
    out.push(...lengthDelimited(5, Uint8Array.from(summary)));
  }
  return Uint8Array.from(out);
}

/**
 * An append-only TensorBoard event file in `dir`. Each `scalars` call writes one Event record and flushes it
 * to the file, so a killed run keeps every record written before.
 */
export class EventFileWriter {
  readonly file: string;
  private fd: number;

  constructor(dir: string, now = Date.now()) {
    makeDirs(dir);
    this.file = join(dir, `events.out.tfevents.${Math.floor(now / 1000)}.${hostname()}`);
    this.fd = openSync(this.file, "a");
    this.write({ wallTime: now / 1000, fileVersion: "brain.Event:2" });
  }

  /** Scalars at a step, e.g. { loss: 2.3, local_samples_per_sec: 400 }. */
  scalars(step: number, values: Readonly<Record<string, number>>, now = Date.now()): void {
    this.write({ wallTime: now / 1000, step, scalars: values });
  }

  private write(e: EventFields): void {
    writeSync(this.fd, tfRecord(encodeEvent(e)));
  }

  close(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/**
 * The complete records at the start of `buf` and the byte offset where they end. A record cut short at the end
 * (a file another process is still appending to) is left for a later read; a CRC mismatch is damage.
 */
export function readTfRecordPrefix(buf: Buffer): { records: Uint8Array[]; end: number } {
  const records: Uint8Array[] = [];
  let off = 0;
  while (off + 12 <= buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    if (buf.readUInt32LE(off + 8) !== maskedCrc32c(buf.subarray(off, off + 8)))
      throw new WscError(`tfrecord at byte ${off}: length CRC mismatch; the file is damaged`);
    if (off + 16 + len > buf.length) break;
    const data = buf.subarray(off + 12, off + 12 + len);
    if (buf.readUInt32LE(off + 12 + len) !== maskedCrc32c(data))
      throw new WscError(`tfrecord at byte ${off}: data CRC mismatch; the file is damaged`);
    records.push(data);
    off += 16 + len;
  }
  return { records, end: off };
}

/** Read back the records of an event file (for tests and tools): each record's data, CRCs checked. */
export function readTfRecords(buf: Buffer): Uint8Array[] {
  const { records, end } = readTfRecordPrefix(buf);
  if (end !== buf.length)
    throw new WscError(`tfrecord at byte ${end}: the file ends inside a record; the file is truncated`);
  return records;
}

/** An Event message read back: the fields `encodeEvent` writes; other fields are skipped. */
export interface DecodedEvent {
  readonly wallTime: number;
  readonly step: number;
  readonly fileVersion?: string;
  /** Summary values that carry a simple_value, by tag. */
  readonly scalars: Readonly<Record<string, number>>;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Decode an Event (event.proto): wall_time, step, file_version and the summary's simple values. */
export function decodeEvent(data: Uint8Array): DecodedEvent {
  const r = new ProtoReader(data);
  let wallTime = 0;
  let step = 0;
  let fileVersion: string | undefined;
  const scalars: Record<string, number> = {};
  while (!r.done) {
    const { field, wire } = r.key();
    if (field === 1 && wire === 1) wallTime = view(r.bytes(8)).getFloat64(0, true);
    else if (field === 2 && wire === 0) step = Number(BigInt.asIntN(64, r.varint()));
    else if (field === 3 && wire === 2) fileVersion = Buffer.from(r.lengthDelimited()).toString("utf8");
    else if (field === 5 && wire === 2) {
      const summary = new ProtoReader(r.lengthDelimited());
      while (!summary.done) {
        const k = summary.key();
        if (k.field !== 1 || k.wire !== 2) {
          summary.skip(k.wire);
          continue;
        }
        const value = new ProtoReader(summary.lengthDelimited());
        let tag = "";
        let simple: number | undefined;
        while (!value.done) {
          const v = value.key();
          if (v.field === 1 && v.wire === 2) tag = Buffer.from(value.lengthDelimited()).toString("utf8");
          else if (v.field === 2 && v.wire === 5) simple = view(value.bytes(4)).getFloat32(0, true);
          else value.skip(v.wire);
        }
        if (simple !== undefined) scalars[tag] = simple;
      }
    } else r.skip(wire);
  }
  return { wallTime, step, ...(fileVersion !== undefined && { fileVersion }), scalars };
}
