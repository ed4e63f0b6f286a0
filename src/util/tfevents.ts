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
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { WscError } from "./errors.js";

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of `data`. */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC32C_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

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
    mkdirSync(dir, { recursive: true });
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

/** Read back the records of an event file (for tests and tools): each record's data, CRCs checked. */
export function readTfRecords(buf: Buffer): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < buf.length) {
    const len = Number(buf.readBigUInt64LE(off));
    if (buf.readUInt32LE(off + 8) !== maskedCrc32c(buf.subarray(off, off + 8)))
      throw new WscError(`tfrecord at byte ${off}: length CRC mismatch; the event file is damaged`);
    const data = buf.subarray(off + 12, off + 12 + len);
    if (buf.readUInt32LE(off + 12 + len) !== maskedCrc32c(data))
      throw new WscError(`tfrecord at byte ${off}: data CRC mismatch; the event file is damaged`);
    out.push(data);
    off += 16 + len;
  }
  return out;
}
