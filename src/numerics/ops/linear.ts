// Matrix products with their gradients. Shapes: R = rows (B*T flattened), I = in features, O = out features.
// Weights are [O, I] as nn.Linear stores them, so y = x W^T + b.
import { expectShape, ShapeError } from "../errors.js";
import { nativeKernels, sgemm, sgemmBatched } from "../gemm.js";
import { Tensor } from "../tensor.js";

/** y[R,O] = x[R,I] W[O,I]^T (+ b[O]). The bias is copied into y's rows first and the GEMM adds onto it. */
export function linearForward(
  x: Float32Array,
  rows: number,
  inF: number,
  w: Float32Array,
  b: Float32Array | null,
  outF: number,
  y: Float32Array,
): void {
  if (b) fillRows(y, rows, outF, b);
  sgemm(false, true, rows, outF, inF, 1, x, 0, inF, w, 0, inF, b ? 1 : 0, y, 0, outF);
}

/**
 * Gradients of y = x W^T + b: dx[R,I] = dy W (added to dx when `accumulateDx`), dW[O,I] = dy^T x,
 * db[O] = column sums of dy. dW and db are overwritten. Pass dx = null to skip it (first layer).
 */
export function linearBackward(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  inF: number,
  w: Float32Array,
  outF: number,
  dx: Float32Array | null,
  dw: Float32Array,
  db: Float32Array | null,
  accumulateDx = false,
): void {
  if (dx) sgemm(false, false, rows, inF, outF, 1, dy, 0, outF, w, 0, inF, accumulateDx ? 1 : 0, dx, 0, inF);
  sgemm(true, false, outF, inF, rows, 1, dy, 0, outF, x, 0, inF, 0, dw, 0, inF);
  if (db) biasGrad(dy, rows, outF, db);
}

/** y[r, :] = b for every row: one copy, then doubling copies within y (log2(rows) memmoves). */
export function fillRows(y: Float32Array, rows: number, cols: number, b: Float32Array): void {
  if (rows === 0) return;
  const nk = nativeKernels();
  if (nk) return nk.fillRows(y, rows, cols, b);
  y.set(b.subarray(0, cols), 0);
  for (let done = 1; done < rows; done *= 2) {
    const n = Math.min(done, rows - done);
    y.copyWithin(done * cols, 0, n * cols);
  }
}

/** y[r, :] += b for every row. */
export function biasAdd(y: Float32Array, rows: number, cols: number, b: Float32Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let j = 0; j < cols; j++) y[o + j] += b[j];
  }
}

let ones = new Float32Array(0);

/** db = sum over rows of dy (overwrites db), as a GEMM with a row of ones (float32 accumulation, as BLAS). */
export function biasGrad(dy: Float32Array, rows: number, cols: number, db: Float32Array): void {
  if (ones.length < rows) ones = new Float32Array(rows).fill(1);
  sgemm(false, false, 1, cols, rows, 1, ones, 0, rows, dy, 0, cols, 0, db, 0, cols);
}

/** out = a + b (elementwise; out may alias a or b). The residual connection. */
export function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + b[i];
}

/** out += a (the same bits on both backends: one float32 add per element). Gradient accumulation. */
export function addInto(out: Float32Array, a: Float32Array): void {
  const nk = nativeKernels();
  if (nk) return nk.addInto(out, a);
  for (let i = 0; i < out.length; i++) out[i] += a[i];
}

export interface MatmulOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

function matmulDims(a: Tensor, b: Tensor, o: MatmulOptions) {
  if (a.rank < 2 || b.rank < 2 || a.rank !== b.rank) {
    throw new ShapeError(
      `matmul: operands of rank ${a.rank} and ${b.rank}; both need the same rank >= 2 (leading dims batch)`,
    );
  }
  const batchDims = a.shape.slice(0, -2);
  expectShape("matmul: batch dimensions of B", b.shape.slice(0, -2), batchDims);
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const m = o.transA ? ac : ar,
    k = o.transA ? ar : ac;
  const kb = o.transB ? bc : br,
    n = o.transB ? br : bc;
  if (k !== kb) {
    throw new ShapeError(
      `matmul: inner dimensions differ: op(A) is [${m}, ${k}], op(B) is [${kb}, ${n}] (check transA/transB)`,
    );
  }
  let batch = 1;
  for (const d of batchDims) batch *= d;
  return { batchDims, m, n, k, batch, lda: ac, ldb: bc };
}

/** C = op(A) op(B), batched over equal leading dimensions: [..., M, K] x [..., K, N] -> [..., M, N]. */
export function matmul(a: Tensor, b: Tensor, o: MatmulOptions = {}): Tensor {
  const { batchDims, m, n, k, batch, lda, ldb } = matmulDims(a, b, o);
  const c = new Tensor([...batchDims, m, n]);
  const ta = !!o.transA,
    tb = !!o.transB;
  sgemmBatched(
    ta,
    tb,
    m,
    n,
    k,
    1,
    a.data,
    0,
    lda,
    m * k,
    b.data,
    0,
    ldb,
    k * n,
    0,
    c.data,
    0,
    n,
    m * n,
    batch,
  );
  return c;
}

/**
 * Gradients of C = op(A) op(B): dA (shaped as A) = dC op(B)^T, or op(B) dC^T when A is stored transposed;
 * dB (shaped as B) = op(A)^T dC, or dC^T op(A) when B is stored transposed.
 */
export function matmulBackward(
  a: Tensor,
  b: Tensor,
  dc: Tensor,
  o: MatmulOptions = {},
): { da: Tensor; db: Tensor } {
  const { m, n, k, batch, lda, ldb } = matmulDims(a, b, o);
  const ta = !!o.transA,
    tb = !!o.transB;
  const da = new Tensor(a.shape);
  const db = new Tensor(b.shape);
  const sa = m * k,
    sb = k * n,
    sc = m * n;
  if (!ta)
    sgemmBatched(false, !tb, m, k, n, 1, dc.data, 0, n, sc, b.data, 0, ldb, sb, 0, da.data, 0, k, sa, batch);
  else sgemmBatched(tb, true, k, m, n, 1, b.data, 0, ldb, sb, dc.data, 0, n, sc, 0, da.data, 0, m, sa, batch);
  if (!tb)
    sgemmBatched(!ta, false, k, n, m, 1, a.data, 0, lda, sa, dc.data, 0, n, sc, 0, db.data, 0, n, sb, batch);
  else sgemmBatched(true, ta, n, k, m, 1, dc.data, 0, n, sc, a.data, 0, lda, sa, 0, db.data, 0, k, sb, batch);
  return { da, db };
}
