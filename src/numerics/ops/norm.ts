// LayerNorm and RMSNorm over the last dimension, forward and backward. Shapes: R rows, C channels.
// Row statistics are computed in float64 and kept per row (mean, rstd) for the backward. Each function runs
// the active backend's C++ kernel when it has one (same formulas), else the TypeScript here.
import { nativeKernels } from "../gemm.js";

/** y = (x - mean) * rstd * g + b per row; writes mean[R] and rstd[R]. */
export function layerNormForward(
  x: Float32Array,
  rows: number,
  c: number,
  g: Float32Array,
  b: Float32Array,
  eps: number,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
): void {
  const nk = nativeKernels();
  if (nk) return nk.layerNormForward(x, rows, c, g, b, eps, y, mean, rstd);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    let s = 0;
    for (let j = 0; j < c; j++) s += x[o + j];
    const mu = s / c;
    let v = 0;
    for (let j = 0; j < c; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / c + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < c; j++) y[o + j] = (x[o + j] - mu) * rs * g[j] + b[j];
  }
}

/**
 * dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) with dxhat = dy * g; dg = sum dy * xhat,
 * db = sum dy (overwritten). dx is overwritten, or added to when `accumulate` (a residual branch).
 */
export function layerNormBackward(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  c: number,
  g: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  dx: Float32Array,
  dg: Float32Array,
  db: Float32Array,
  accumulate = false,
): void {
  const nk = nativeKernels();
  if (nk) return nk.layerNormBackward(dy, x, rows, c, g, mean, rstd, dx, dg, db, accumulate);
  const accG = new Float64Array(c);
  const accB = new Float64Array(c);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    const mu = mean[r],
      rs = rstd[r];
    let s1 = 0,
      s2 = 0;
    for (let j = 0; j < c; j++) {
      const xh = (x[o + j] - mu) * rs;
      const d = dy[o + j];
      const dxh = d * g[j];
      s1 += dxh;
      s2 += dxh * xh;
      accG[j] += d * xh;
      accB[j] += d;
    }
    const m1 = s1 / c,
      m2 = s2 / c;
    for (let j = 0; j < c; j++) {
      const xh = (x[o + j] - mu) * rs;
      const v = rs * (dy[o + j] * g[j] - m1 - xh * m2);
      dx[o + j] = accumulate ? dx[o + j] + v : v;
    }
  }
  for (let j = 0; j < c; j++) {
    dg[j] = accG[j];
    db[j] = accB[j];
  }
}

/** y = x * rstd * g with rstd = 1 / sqrt(mean(x^2) + eps); writes rstd[R]. */
export function rmsNormForward(
  x: Float32Array,
  rows: number,
  c: number,
  g: Float32Array,
  eps: number,
  y: Float32Array,
  rstd: Float32Array,
): void {
  const nk = nativeKernels();
  if (nk) return nk.rmsNormForward(x, rows, c, g, eps, y, rstd);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    let s = 0;
    for (let j = 0; j < c; j++) s += x[o + j] * x[o + j];
    const rs = 1 / Math.sqrt(s / c + eps);
    rstd[r] = rs;
    for (let j = 0; j < c; j++) y[o + j] = x[o + j] * rs * g[j];
  }
}

/** dx = rstd * (dy * g - xhat * mean(dy * g * xhat)), dg = sum dy * xhat (overwritten). */
export function rmsNormBackward(
  dy: Float32Array,
  x: Float32Array,
  rows: number,
  c: number,
  g: Float32Array,
  rstd: Float32Array,
  dx: Float32Array,
  dg: Float32Array,
  accumulate = false,
): void {
  const nk = nativeKernels();
  if (nk) return nk.rmsNormBackward(dy, x, rows, c, g, rstd, dx, dg, accumulate);
  const accG = new Float64Array(c);
  for (let r = 0, o = 0; r < rows; r++, o += c) {
    const rs = rstd[r];
    let s = 0;
    for (let j = 0; j < c; j++) {
      const xh = x[o + j] * rs;
      const d = dy[o + j];
      s += d * g[j] * xh;
      accG[j] += d * xh;
    }
    const m = s / c;
    for (let j = 0; j < c; j++) {
      const v = rs * (dy[o + j] * g[j] - x[o + j] * rs * m);
      dx[o + j] = accumulate ? dx[o + j] + v : v;
    }
  }
  for (let j = 0; j < c; j++) dg[j] = accG[j];
}
