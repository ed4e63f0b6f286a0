// TensorFlow Model Zoo's GPT data (GptTfRecordsProcessor): the `*.tfrecord*` files of a folder, each record a
// tf.train.Example with three int64 features of max_sequence_length entries, as its create_tfrecords.py writes
// them: `input_ids`, `input_mask` (1 for a real token, 0 for padding) and `labels`. Read into the same
// [n, 3, T] rows as GPT HDF5 data (ids, loss mask, labels), so the GPT source serves both.
//
// tf.train.Example (tensorflow/core/example/example.proto, feature.proto):
//   Example { Features features = 1 }   Features { map<string, Feature> feature = 1 }
//   Feature { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3 } }
//   Int64List { repeated int64 value = 1 [packed] }   (a map entry is { string key = 1; Feature value = 2 })
import { WscError } from "../util/errors.js";
import { FileRefusedError, readRegularFile } from "../util/fs.js";
import { ProtoReader } from "../util/protobuf.js";
import { readTfRecords } from "../util/tfevents.js";
import { DataError } from "./errors.js";
import { dataFilesIn } from "./files.js";
import type { GptHdf5File } from "./hdf5.js";

/** The TFRecord files of a folder, as TensorFlow's TfRecordsProcessor globs them: `*.tfrecord*`, sorted. */
export function tfRecordFilesIn(dir: string): string[] {
  return dataFilesIn(dir, "*.tfrecord", (n) => n.includes(".tfrecord"));
}

/** The int64 features of one tf.train.Example, by name (other kinds of feature are skipped). */
export function decodeExampleInt64s(data: Uint8Array): Map<string, bigint[]> {
  const out = new Map<string, bigint[]>();
  const example = new ProtoReader(data);
  while (!example.done) {
    const k = example.key();
    if (k.field !== 1 || k.wire !== 2) {
      example.skip(k.wire);
      continue;
    }
    const features = new ProtoReader(example.lengthDelimited());
    while (!features.done) {
      const f = features.key();
      if (f.field !== 1 || f.wire !== 2) {
        features.skip(f.wire);
        continue;
      }
      const entry = new ProtoReader(features.lengthDelimited());
      let name = "";
      let values: bigint[] | undefined;
      while (!entry.done) {
        const e = entry.key();
        if (e.field === 1 && e.wire === 2) name = Buffer.from(entry.lengthDelimited()).toString("utf8");
        else if (e.field === 2 && e.wire === 2) values = int64List(entry.lengthDelimited());
        else entry.skip(e.wire);
      }
      if (values) out.set(name, values);
    }
  }
  return out;
}

/** A Feature's int64_list values (packed or not); undefined for a bytes or float feature. */
function int64List(feature: Uint8Array): bigint[] | undefined {
  const r = new ProtoReader(feature);
  let values: bigint[] | undefined;
  while (!r.done) {
    const k = r.key();
    if (k.field !== 3 || k.wire !== 2) {
      r.skip(k.wire);
      continue;
    }
    values ??= [];
    const list = new ProtoReader(r.lengthDelimited());
    while (!list.done) {
      const v = list.key();
      if (v.field === 1 && v.wire === 2) {
        const packed = new ProtoReader(list.lengthDelimited());
        while (!packed.done) values.push(BigInt.asIntN(64, packed.varint()));
      } else if (v.field === 1 && v.wire === 0) values.push(BigInt.asIntN(64, list.varint()));
      else list.skip(v.wire);
    }
  }
  return values;
}

const FEATURES = ["input_ids", "input_mask", "labels"] as const;

/** The largest TFRecord file read (it is read whole, as the GPT source holds its data in memory). */
export const MAX_TFRECORD_BYTES = 2 ** 31 - 1;

/** Read a GPT TFRecord file into [n, 3, T] rows: input_ids, loss mask (input_mask), labels. */
export function readGptTfRecords(path: string, seqLen: number): GptHdf5File {
  let records: Uint8Array[];
  try {
    records = readTfRecords(readRegularFile(path, { maxBytes: MAX_TFRECORD_BYTES }));
  } catch (e) {
    if (e instanceof FileRefusedError) throw new DataError(`cannot read ${path}: ${e.reason}`);
    if (e instanceof WscError) throw new DataError(`${path}: ${e.message}`);
    throw e;
  }
  const T = seqLen;
  const data = new Int32Array(records.length * 3 * T);
  records.forEach((rec, s) => {
    let ex: Map<string, bigint[]>;
    try {
      ex = decodeExampleInt64s(rec);
    } catch (e) {
      if (e instanceof WscError)
        throw new DataError(
          `${path}: record ${s} is not a tf.train.Example (${e.message}); the file is damaged`,
        );
      throw e;
    }
    FEATURES.forEach((name, row) => {
      const v = ex.get(name);
      if (!v)
        throw new DataError(
          `${path}: record ${s} has no int64 feature "${name}"; GptTfRecordsProcessor reads input_ids, ` +
            "input_mask and labels (Model Zoo's create_tfrecords.py writes them)",
        );
      if (v.length !== T)
        throw new DataError(
          `${path}: record ${s} has ${v.length} ${name}, but max_sequence_length is ${T}; prepare the data ` +
            `with --max_sequence_length ${T} or set max_sequence_length: ${v.length}`,
        );
      const off = s * 3 * T + row * T;
      for (let t = 0; t < T; t++) {
        const x = v[t];
        if (x < -(2n ** 31n) || x >= 2n ** 31n)
          throw new DataError(`${path}: record ${s} has ${name} ${x}, outside 32-bit token ids`);
        data[off + t] = Number(x);
      }
    });
  });
  return { path, n: records.length, seqLen: T, data };
}
