// Softmax cross-entropy over logits [R, V] with integer labels and an optional loss mask, fused with its
// gradient. The loss is returned as the masked *sum* over rows (float64); callers divide by the global
// denominator (tokens or batch size) and pass the same factor as `gradScale`.
import { NumericsValueError } from "../errors.js";
import { nativeKernels } from "../gemm.js";

/**
 * Returns sum_r mask[r] * (logsumexp(logits[r]) - logits[r, labels[r]]). When `dlogits` is given (it may
 * alias `logits`), writes dlogits[r] = gradScale * mask[r] * (softmax(logits[r]) - onehot(labels[r])).
 * Rows with mask 0 are skipped (their label is not checked) and get a zero gradient.
 */
export function crossEntropy(
  logits: Float32Array,
  rows: number,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
  gradScale: number,
  dlogits: Float32Array | null,
): number {
  const nk = nativeKernels();
  if (nk) {
    checkLabels(labels, mask, rows, v);
    const rowLoss = new Float64Array(rows);
    nk.crossEntropy(logits, rows, v, labels, mask, gradScale, dlogits, rowLoss);
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += rowLoss[r];
    return sum;
  }
  let total = 0;
  for (let r = 0, o = 0; r < rows; r++, o += v) {
    const w = mask ? mask[r] : 1;
    if (w === 0) {
      if (dlogits) dlogits.fill(0, o, o + v);
      continue;
    }
    const label = labels[r];
    checkLabel(label, r, v);
    let mx = -Infinity;
    for (let j = 0; j < v; j++) if (logits[o + j] > mx) mx = logits[o + j];
    let s = 0;
    for (let j = 0; j < v; j++) s += Math.exp(logits[o + j] - mx);
    const lse = mx + Math.log(s);
    total += w * (lse - logits[o + label]);
    if (dlogits) {
      const k = gradScale * w;
      for (let j = 0; j < v; j++) dlogits[o + j] = k * Math.exp(logits[o + j] - lse);
      dlogits[o + label] -= k;
    }
  }
  return total;
}

/** Every label of a row whose mask is not 0 lies in [0, v), else a NumericsValueError naming it. */
export function checkLabels(labels: Int32Array, mask: Float32Array | null, rows: number, v: number): void {
  for (let r = 0; r < rows; r++) if (!mask || mask[r] !== 0) checkLabel(labels[r], r, v);
}

function checkLabel(label: number, r: number, v: number): void {
  if (label < 0 || label >= v) {
    throw new NumericsValueError(
      `label ${label} at position ${r} is outside the ${v} classes (0..${v - 1}); mask the position out or fix the data`,
    );
  }
}

/**
 * Top-1 hits over logits [R, V]: how many rows whose mask is not 0 have their label as the arg max (the first
 * index of the maximum, as torch.argmax), and how many rows count. What Model Zoo's AccuracyMetric adds up.
 */
export function countCorrect(
  logits: Float32Array,
  rows: number,
  v: number,
  labels: Int32Array,
  mask: Float32Array | null,
): { correct: number; counted: number } {
  let correct = 0;
  let counted = 0;
  for (let r = 0; r < rows; r++) {
    if (mask && mask[r] === 0) continue;
    counted++;
    const o = r * v;
    let best = 0;
    let max = logits[o];
    for (let j = 1; j < v; j++) {
      const z = logits[o + j];
      if (z > max) {
        max = z;
        best = j;
      }
    }
    if (best === labels[r]) correct++;
  }
  return { correct, counted };
}
