// Float32 tensors: a shape over a contiguous, row-major Float32Array. Views (reshape, leading-dimension row
// ranges) share the buffer; nothing here copies unless it says so. Ops take and return plain typed arrays
// with explicit dimensions in their hot paths; Tensor is the user-facing container.
import { NumericsValueError, ShapeError } from "./errors.js";
import { fillNormal, fillUniform, hashString, mixKey } from "./rng.js";

export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`tensor shape [${shape.join(", ")}]: dimension ${d} is not a whole number >= 0`);
    }
  }
}

export class Tensor {
  readonly shape: Shape;
  readonly data: Float32Array;

  /** Wraps `data` (not copied) or allocates zeros. The data length must equal the shape's size. */
  constructor(shape: Shape, data?: Float32Array) {
    checkShape(shape);
    const n = sizeOf(shape);
    if (data && data.length !== n) {
      throw new ShapeError(
        `tensor shape [${shape.join(", ")}] needs ${n} elements, the data has ${data.length}`,
      );
    }
    this.shape = [...shape];
    this.data = data ?? new Float32Array(n);
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(shape);
  }

  static full(shape: Shape, value: number): Tensor {
    const t = new Tensor(shape);
    t.data.fill(value);
    return t;
  }

  /** Copies `values` into a new tensor. */
  static from(shape: Shape, values: ArrayLike<number>): Tensor {
    const data = Float32Array.from(values);
    return new Tensor(shape, data);
  }

  /** N(0, std^2) values, a pure function of (seed, name): see rng.ts. */
  static randn(shape: Shape, std: number, seed: number, name: string): Tensor {
    const t = new Tensor(shape);
    fillNormal(t.data, mixKey(seed, hashString(name)), std);
    return t;
  }

  /** Uniform values in [lo, hi), a pure function of (seed, name). */
  static uniform(shape: Shape, lo: number, hi: number, seed: number, name: string): Tensor {
    const t = new Tensor(shape);
    fillUniform(t.data, mixKey(seed, hashString(name)), lo, hi);
    return t;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A view with another shape of the same size; one dimension may be -1 (inferred). */
  reshape(shape: Shape): Tensor {
    const free = shape.indexOf(-1);
    let s = [...shape];
    if (free >= 0) {
      const known = sizeOf(shape.filter((_, i) => i !== free));
      if (known === 0 || this.size % known !== 0) {
        throw new ShapeError(`cannot reshape [${this.shape.join(", ")}] to [${shape.join(", ")}]`);
      }
      s = s.map((d, i) => (i === free ? this.size / known : d));
    }
    if (sizeOf(s) !== this.size) {
      throw new ShapeError(
        `cannot reshape [${this.shape.join(", ")}] (${this.size} elements) to [${s.join(", ")}]`,
      );
    }
    return new Tensor(s, this.data);
  }

  /** A view of rows [start, end) of the leading dimension. */
  rows(start: number, end: number): Tensor {
    const n = this.shape[0];
    if (this.rank === 0 || !(0 <= start && start <= end && end <= n)) {
      throw new ShapeError(`rows [${start}, ${end}) out of range for leading dimension ${n ?? "(scalar)"}`);
    }
    const inner = this.size / (n || 1);
    return new Tensor([end - start, ...this.shape.slice(1)], this.data.subarray(start * inner, end * inner));
  }

  clone(): Tensor {
    return new Tensor(this.shape, this.data.slice());
  }

  /** Element at a full index (slow; for tests and inspection). */
  get(...index: number[]): number {
    if (index.length !== this.rank) {
      throw new NumericsValueError(`get: ${index.length} indices for a rank-${this.rank} tensor`);
    }
    let off = 0;
    for (let i = 0; i < index.length; i++) {
      const d = this.shape[i];
      if (index[i] < 0 || index[i] >= d)
        throw new ShapeError(`get: index ${index[i]} out of range 0..${d - 1}`);
      off = off * d + index[i];
    }
    return this.data[off];
  }
}
