// Embedding lookup (gather) and its gradient (scatter-add). Shapes: table [V, H], ids [R], out [R, H].
import { NumericsValueError } from "../errors.js";

/** out[r] = table[ids[r]] (or += when `accumulate`). Ids outside [0, V) are an error naming the position. */
export function embeddingGather(
  table: Float32Array,
  vocab: number,
  h: number,
  ids: Int32Array,
  out: Float32Array,
  accumulate = false,
  what = "token id",
): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (id < 0 || id >= vocab) {
      throw new NumericsValueError(
        `${what} ${id} at position ${r} is outside the table of ${vocab} rows (0..${vocab - 1}); ` +
          `check the data's vocabulary against the model's vocab_size`,
      );
    }
    const src = id * h,
      dst = r * h;
    if (accumulate) for (let j = 0; j < h; j++) out[dst + j] += table[src + j];
    else for (let j = 0; j < h; j++) out[dst + j] = table[src + j];
  }
}

/** dTable[ids[r]] += dOut[r] for every r (rows repeated in ids accumulate). */
export function embeddingScatterAdd(
  dOut: Float32Array,
  h: number,
  ids: Int32Array,
  dTable: Float32Array,
): void {
  for (let r = 0; r < ids.length; r++) {
    const dst = ids[r] * h,
      src = r * h;
    for (let j = 0; j < h; j++) dTable[dst + j] += dOut[src + j];
  }
}
