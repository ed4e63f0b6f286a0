// TensorBoard event files against hand-built references: the CRC-32C check values of RFC 3720, and Event
// records assembled byte by byte from event.proto's field numbers and wire types.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  EventFileWriter,
  crc32c,
  decodeEvent,
  encodeEvent,
  maskedCrc32c,
  readTfRecordPrefix,
  readTfRecords,
  tfRecord,
} from "./tfevents.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("tfevents", () => {
  it("crc32c gives the Castagnoli check values (RFC 3720 B.4)", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    // masked = rotate right by 15, plus 0xa282ead8
    const c = 0xe3069283;
    expect(maskedCrc32c(Buffer.from("123456789"))).toBe((((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0);
  });

  it("encodes the file-version Event and a scalar Event as event.proto lays them out", () => {
    // wall_time (1, fixed64) = 1.5; file_version (3, bytes) = "brain.Event:2"
    expect(hex(encodeEvent({ wallTime: 1.5, fileVersion: "brain.Event:2" }))).toBe(
      "09" + "000000000000f83f" + "1a0d" + hex(Buffer.from("brain.Event:2")),
    );
    // wall_time 2.0; step (2, varint) = 300 -> ac 02; summary (5) { value (1) { tag (1) "loss", simple_value (2, fixed32) 2.5 } }
    expect(hex(encodeEvent({ wallTime: 2, step: 300, scalars: { loss: 2.5 } }))).toBe(
      "09" + "0000000000000040" + "10ac02" + "2a0d" + "0a0b" + "0a046c6f7373" + "15" + "00002040",
    );
  });

  it("frames records as TFRecord: length, masked CRC of the length, data, masked CRC of the data", () => {
    const data = Buffer.from("abc");
    const r = tfRecord(data);
    expect(r.length).toBe(8 + 4 + 3 + 4);
    expect(r.readBigUInt64LE(0)).toBe(3n);
    expect(r.readUInt32LE(8)).toBe(maskedCrc32c(r.subarray(0, 8)));
    expect(r.subarray(12, 15).toString()).toBe("abc");
    expect(r.readUInt32LE(15)).toBe(maskedCrc32c(data));
  });

  it("an EventFileWriter file starts with brain.Event:2 and holds one record per scalars call", () => {
    const dir = mkdtempSync(join(tmpdir(), "wsc-tfe-"));
    const w = new EventFileWriter(join(dir, "train"), 1_700_000_000_000);
    w.scalars(1, { loss: 3.25 }, 1_700_000_001_000);
    w.scalars(2, { loss: 3, avg_samples_per_sec: 100 }, 1_700_000_002_000);
    w.close();
    expect(w.file).toMatch(/train\/events\.out\.tfevents\.1700000000\./);
    const recs = readTfRecords(readFileSync(w.file));
    expect(recs).toHaveLength(3);
    expect(hex(recs[0])).toBe(hex(encodeEvent({ wallTime: 1_700_000_000, fileVersion: "brain.Event:2" })));
    expect(hex(recs[1])).toBe(
      hex(encodeEvent({ wallTime: 1_700_000_001, step: 1, scalars: { loss: 3.25 } })),
    );
  });

  it("decodes hand-built Event bytes: wall time, step, file version and simple values", () => {
    const unhex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
    expect(
      decodeEvent(unhex("09" + "000000000000f83f" + "1a0d" + hex(Buffer.from("brain.Event:2")))),
    ).toEqual({
      wallTime: 1.5,
      step: 0,
      fileVersion: "brain.Event:2",
      scalars: {},
    });
    expect(
      decodeEvent(
        unhex("09" + "0000000000000040" + "10ac02" + "2a0d" + "0a0b" + "0a046c6f7373" + "15" + "00002040"),
      ),
    ).toEqual({ wallTime: 2, step: 300, scalars: { loss: 2.5 } });
    // fields it does not read are skipped: Event.source_metadata (7, bytes), a Value's metadata (9, bytes)
    // before its simple_value, and a Value without simple_value (an image, field 4)
    const withExtras =
      "09" +
      "0000000000000840" +
      "1005" +
      "3a02" +
      "0a00" +
      "2a1d" +
      "0a0e" +
      "0a0161" +
      "4a04" +
      "0a020a00" +
      "15" +
      "0000c03f" + // tag "a", metadata, 1.5
      "0a0b" +
      "0a0162" +
      "2206" +
      "080110011801"; // tag "b", an image (1 x 1): no simple value
    expect(decodeEvent(unhex(withExtras))).toEqual({ wallTime: 3, step: 5, scalars: { a: 1.5 } });
  });

  it("reads the complete records of a file still being written and leaves a cut record for later", () => {
    const a = tfRecord(encodeEvent({ wallTime: 1, fileVersion: "brain.Event:2" }));
    const b = tfRecord(encodeEvent({ wallTime: 2, step: 1, scalars: { loss: 1 } }));
    const whole = Buffer.concat([a, b]);
    for (const cut of [a.length, a.length + 5, a.length + 13, whole.length - 1]) {
      const r = readTfRecordPrefix(whole.subarray(0, cut));
      expect(r.records).toHaveLength(1);
      expect(r.end).toBe(a.length);
    }
    expect(readTfRecordPrefix(whole).end).toBe(whole.length);
    expect(() => readTfRecords(whole.subarray(0, whole.length - 1))).toThrow(/truncated/);
    const damaged = Buffer.from(whole);
    damaged[a.length + 14] ^= 1;
    expect(() => readTfRecordPrefix(damaged)).toThrow(/data CRC mismatch/);
  });
});
