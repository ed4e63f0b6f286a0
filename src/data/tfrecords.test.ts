// TensorFlow Model Zoo's GPT TFRecords (GptTfRecordsProcessor) against files the protobuf runtime wrote from
// tf.train.Example's definitions (scripts/fixtures/gpt_tfrecords.py): the same ids, masks and labels, and
// damaged or foreign files refused with the file and the reason.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DataError } from "./errors.js";
import { GPT_TFRECORDS, GptHdf5Source } from "./sources/gpt-hdf5.js";
import { readGptTfRecords } from "./tfrecords.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const DIR = here("fixtures/tf-gpt");
const expected = JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as {
  seqLen: number;
  samples: { input_ids: number[]; input_mask: number[]; labels: number[] }[];
};

describe("GPT TFRecords", () => {
  it("reads the samples the protobuf runtime wrote, in file order, padding masked", () => {
    const src = new GptHdf5Source([DIR], expected.seqLen, 50257, "train_input", GPT_TFRECORDS);
    expect(src.numSamples).toBe(expected.samples.length);
    expect(src.description).toMatch(/^GPT TFRecords .*2 file\(s\), 4 samples of 8 tokens/);
    const b = src.read([0, 1, 2, 3]);
    const T = expected.seqLen;
    expected.samples.forEach((s, r) => {
      expect(Array.from(b.inputIds!.subarray(r * T, (r + 1) * T))).toEqual(s.input_ids);
      expect(Array.from(b.labels!.subarray(r * T, (r + 1) * T))).toEqual(s.labels);
      expect(Array.from(b.lossMask!.subarray(r * T, (r + 1) * T))).toEqual(s.input_mask);
    });
    expect(src.lossTokens(1)).toBe(3);
  });

  it("a damaged record, a wrong length or a token outside the vocabulary is a DataError naming the file", () => {
    const d = mkdtempSync(join(tmpdir(), "wsc-tfr-"));
    const bytes = readFileSync(join(DIR, "train-0.tfrecords"));
    bytes[40] ^= 0xff;
    writeFileSync(join(d, "bad.tfrecords"), bytes);
    expect(() => readGptTfRecords(join(d, "bad.tfrecords"), 8)).toThrow(
      /bad\.tfrecords: tfrecord at byte 0: data CRC mismatch; the file is damaged/,
    );
    expect(() => readGptTfRecords(join(DIR, "train-0.tfrecords"), 16)).toThrow(
      /record 0 has 8 input_ids, but max_sequence_length is 16/,
    );
    const v = mkdtempSync(join(tmpdir(), "wsc-tfr-"));
    copyFileSync(join(DIR, "train-0.tfrecords"), join(v, "a.tfrecords"));
    expect(() => new GptHdf5Source([v], 8, 1000, "train_input", GPT_TFRECORDS)).toThrow(DataError);
    expect(() => new GptHdf5Source([v], 8, 1000, "train_input", GPT_TFRECORDS)).toThrow(/token id 50256/);
    expect(() => new GptHdf5Source([d.replace(/$/, "-none")], 8, 1000, "train_input", GPT_TFRECORDS)).toThrow(
      /cannot read data_dir/,
    );
  });
});
