// Reads the golden fixture format written by scripts/fixtures/numerics_fixtures.py: <name>.json (metadata and
// an index of tensors: dtype f32|i32, shape, byte offset) beside <name>.bin (little-endian data).
import { readFileSync } from "node:fs";
import { ShapeError } from "./errors.js";
import { Tensor } from "./tensor.js";

interface IndexEntry {
  readonly dtype: "f32" | "i32";
  readonly shape: number[];
  readonly offset: number;
}

export class FixtureFile {
  readonly meta: Record<string, unknown>;
  private readonly index: Record<string, IndexEntry>;
  private readonly bytes: Buffer;

  constructor(readonly path: string) {
    const j = JSON.parse(readFileSync(`${path}.json`, "utf8")) as {
      meta: Record<string, unknown>;
      tensors: Record<string, IndexEntry>;
    };
    this.meta = j.meta;
    this.index = j.tensors;
    this.bytes = readFileSync(`${path}.bin`);
  }

  names(prefix = ""): string[] {
    return Object.keys(this.index).filter((n) => n.startsWith(prefix));
  }

  has(name: string): boolean {
    return name in this.index;
  }

  private entry(name: string): IndexEntry {
    const e = this.index[name];
    if (!e) throw new ShapeError(`fixture ${this.path}: no tensor "${name}"`);
    return e;
  }

  shape(name: string): number[] {
    return this.entry(name).shape;
  }

  /** A float32 tensor (copied out of the file). */
  f32(name: string): Tensor {
    const e = this.entry(name);
    if (e.dtype !== "f32") throw new ShapeError(`fixture ${this.path}: "${name}" is ${e.dtype}, not f32`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bytes.readFloatLE(e.offset + 4 * i);
    return new Tensor(e.shape, out);
  }

  /** An int32 array (copied). */
  i32(name: string): Int32Array {
    const e = this.entry(name);
    if (e.dtype !== "i32") throw new ShapeError(`fixture ${this.path}: "${name}" is ${e.dtype}, not i32`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.bytes.readInt32LE(e.offset + 4 * i);
    return out;
  }
}
