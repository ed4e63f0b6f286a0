// Errors of the host numerics. Each names the tensor or parameter, the value and the limit, and the fix.
import { WscError } from "../util/errors.js";

/** A tensor, parameter or batch field whose shape or contents do not fit what an op or layer needs. */
export class ShapeError extends WscError {
  constructor(message: string) {
    super(message);
  }
}

/** A value out of range: a token id outside the vocabulary, a bad hyper-parameter, an unknown kind. */
export class NumericsValueError extends WscError {
  constructor(message: string) {
    super(message);
  }
}

/** Fails with a ShapeError naming `what` unless `actual` equals `expected`. */
export function expectShape(what: string, actual: readonly number[], expected: readonly number[]): void {
  if (actual.length !== expected.length || actual.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${what}: shape [${actual.join(", ")}] does not match the expected [${expected.join(", ")}]`,
    );
  }
}

/** Fails unless an array has exactly `n` elements. */
export function expectLength(what: string, actual: number, n: number, fix = ""): void {
  if (actual !== n) {
    throw new ShapeError(`${what}: ${actual} elements, expected ${n}${fix ? `; ${fix}` : ""}`);
  }
}
