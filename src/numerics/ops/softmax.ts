// Softmax over the last dimension and its gradient. Shapes: R rows, C columns.

/** y = exp(x - max) / sum exp(x - max) per row (y may alias x). */
export function softmaxForward(x: Float32Array, rows: number, c: number, y: Float32Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += c) softmaxRow(x, y, o, c);
}

/** One row at offset o of length c; returns nothing. Shared by attention and cross-entropy. */
export function softmaxRow(x: Float32Array, y: Float32Array, o: number, c: number): void {
  let mx = -Infinity;
  for (let j = 0; j < c; j++) if (x[o + j] > mx) mx = x[o + j];
  let s = 0;
  for (let j = 0; j < c; j++) {
    const e = Math.exp(x[o + j] - mx);
    y[o + j] = e;
    s += e;
  }
  const inv = 1 / s;
  for (let j = 0; j < c; j++) y[o + j] *= inv;
}

/** dx = y * (dy - sum(dy * y)) per row, from the forward's output y (dx may alias dy). */
export function softmaxBackward(
  y: Float32Array,
  dy: Float32Array,
  rows: number,
  c: number,
  dx: Float32Array,
): void {
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    let s = 0;
    for (let j = 0; j < c; j++) s += dy[o + j] * y[o + j];
    for (let j = 0; j < c; j++) dx[o + j] = y[o + j] * (dy[o + j] - s);
  }
}
