// Single-precision GEMM, the one place the host numerics spend most of their time. Two backends behind one
// interface, registered by name:
//   "openblas"   the N-API addon native/build/Release/wsc_blas.node over the system OpenBLAS (cblas_sgemm),
//                which also carries C++ versions of the element-wise hot loops (`NativeKernels`, used by the
//                ops when this backend is active; their TypeScript versions are the fallback and reference);
//   "typescript" a blocked, cache-friendly pure-TypeScript GEMM, used when the addon is missing or when
//                WSC_NO_BLAS=1 is set in the environment.
// Both compute C = alpha * op(A) op(B) + beta * C on row-major matrices addressed by (array, offset, leading
// dimension), with op(X) = X or X^T. `gemmReference` (float64 accumulation, naive loops) is the reference
// both are tested against.
import { createRequire } from "node:module";
import { NumericsValueError, ShapeError } from "./errors.js";
// Type-only: the native kernels take the same arguments as these TypeScript ops (no runtime import cycle).
import type { swigluBackward, swigluForward } from "./ops/activations.js";
import type { fillRows } from "./ops/linear.js";
import type { layerNormBackward, layerNormForward, rmsNormBackward, rmsNormForward } from "./ops/norm.js";

/** C[M,N] = alpha * op(A)[M,K] op(B)[K,N] + beta * C, row-major, offsets and leading dimensions in elements. */
export type SgemmFn = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  beta: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
) => void;

/** `batch` GEMMs whose matrices are spaced by strideA, strideB, strideC elements. */
export type SgemmBatchedFn = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  strideA: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  strideB: number,
  beta: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  strideC: number,
  batch: number,
) => void;

/**
 * The element-wise kernels of the addon (native/src/kernels.h). Where a TypeScript op has the same arguments,
 * the signature is that op's.
 */
export interface NativeKernels {
  actForward(op: number, x: Float32Array, y: Float32Array, n: number): void;
  actBackward(
    op: number,
    x: Float32Array,
    y: Float32Array,
    dy: Float32Array,
    dx: Float32Array,
    n: number,
  ): void;
  swigluForward: typeof swigluForward;
  swigluBackward: typeof swigluBackward;
  layerNormForward: typeof layerNormForward;
  layerNormBackward: typeof layerNormBackward;
  rmsNormForward: typeof rmsNormForward;
  rmsNormBackward: typeof rmsNormBackward;
  attnSoftmax(
    s: Float32Array,
    batch: number,
    heads: number,
    t: number,
    causal: boolean,
    keyMask: Float32Array | null,
  ): void;
  attnSoftmaxBackward(
    p: Float32Array,
    dp: Float32Array,
    rows: number,
    t: number,
    causal: boolean,
    scale: number,
  ): void;
  /** split: qkv [B*T, 3H] -> head-major q, k, v (rotated); else the inverse (q, k rotated back in place). */
  heads(
    qkv: Float32Array,
    b: number,
    t: number,
    h: number,
    n: number,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    cos: Float32Array | null,
    sin: Float32Array | null,
    rot: number,
    interleaved: boolean,
    split: boolean,
  ): void;
  /** Sets every row of y [rows, cols] to b. */
  fillRows: typeof fillRows;
  /** Per-row masked cross-entropy into rowLoss (float64), gradient into dlogits when given. */
  crossEntropy(
    logits: Float32Array,
    rows: number,
    v: number,
    labels: Int32Array,
    mask: Float32Array | null,
    gradScale: number,
    dlogits: Float32Array | null,
    rowLoss: Float64Array,
  ): void;
  /** out += a over out's length. */
  addInto(out: Float32Array, a: Float32Array): void;
  /** x *= k. */
  scaleInPlace(x: Float32Array, k: number): void;
  /** sum of x^2 in float64, per fixed chunk of elements and then over the chunks in order. */
  sumSquares(x: Float32Array): number;
  /**
   * The fused LM head plus cross-entropy over logits = x W^T (+ b), x [rows, h], W [v, h], never holding the
   * logits whole: lse[r] (log-sum-exp of row r) and rowLoss[r] = mask[r] (lse[r] - logit[r, label]).
   */
  vocabLossForward(
    x: Float32Array,
    rows: number,
    h: number,
    w: Float32Array,
    b: Float32Array | null,
    v: number,
    labels: Int32Array,
    mask: Float32Array | null,
    lse: Float64Array,
    rowLoss: Float64Array,
  ): void;
  /** Its backward from lse: dx [rows, h], dw [v, h], db [v] (overwritten) for dlogits scaled by `scale`. */
  vocabLossBackward(
    x: Float32Array,
    rows: number,
    h: number,
    w: Float32Array,
    b: Float32Array | null,
    v: number,
    labels: Int32Array,
    mask: Float32Array | null,
    lse: Float64Array,
    scale: number,
    dx: Float32Array,
    dw: Float32Array,
    db: Float32Array | null,
  ): void;
  adamStep(
    w: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    gradScale: number,
    l2: number,
    shrink: number,
    beta1: number,
    beta2: number,
    eps: number,
    stepSize: number,
    sqrtBc2: number,
  ): void;
}

export interface GemmBackend {
  readonly name: GemmBackendName;
  /** C++ element-wise kernels that come with the backend, or null (the ops then run their TypeScript). */
  readonly kernels: NativeKernels | null;
  /** One line: what it is (library, configuration). */
  readonly description: string;
  sgemm: SgemmFn;
  sgemmBatched: SgemmBatchedFn;
  /** Sets the worker threads where the backend has them (OpenBLAS); no-op otherwise. */
  setThreads(n: number): void;
  threads(): number;
}

export type GemmBackendName = "openblas" | "typescript";

// ---------------------------------------------------------------------------------------------------------
// Pure TypeScript backend

const KC = 256; // depth of a k-block (a panel of B rows stays in cache)
const NC = 512; // width of an n-block

let packA = new Float32Array(0);
let packB = new Float32Array(0);

function scaleC(m: number, n: number, beta: number, c: Float32Array, cOff: number, ldc: number): void {
  if (beta === 1) return;
  for (let i = 0; i < m; i++) {
    const r = cOff + i * ldc;
    if (beta === 0) c.fill(0, r, r + n);
    else for (let j = r; j < r + n; j++) c[j] *= beta;
  }
}

/** dst [cols, rows] (contiguous) = the transpose of src [rows, cols] at offset off with leading dimension ld. */
function transposeInto(
  src: Float32Array,
  off: number,
  ld: number,
  rows: number,
  cols: number,
  dst: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = off + r * ld;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
}

/**
 * Blocked GEMM: C += alpha * A B with A [M,K] and B [K,N] contiguous row-major (transposed operands are packed
 * into that layout first). For each k-block and n-block it updates four rows of C at a time, reading each
 * B row once per four rows; the inner loop is a unit-stride axpy V8 compiles to tight scalar code.
 */
const sgemmTs: SgemmFn = (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
  checkExtents(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, 0, 0, 0, 1);
  scaleC(m, n, beta, c, cOff, ldc);
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return;
  // Bring A to [M,K] row-major with lda = K and B to [K,N] with ldb = N when transposed.
  let A = a,
    aO = aOff,
    aL = lda;
  if (ta) {
    if (packA.length < m * k) packA = new Float32Array(m * k);
    transposeInto(a, aOff, lda, k, m, packA);
    [A, aO, aL] = [packA, 0, k];
  }
  let B = b,
    bO = bOff,
    bL = ldb;
  if (tb) {
    if (packB.length < k * n) packB = new Float32Array(k * n);
    transposeInto(b, bOff, ldb, n, k, packB);
    [B, bO, bL] = [packB, 0, n];
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const p1 = Math.min(k, p0 + KC);
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = Math.min(n, j0 + NC);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const c0 = cOff + i * ldc,
          c1 = c0 + ldc,
          c2 = c1 + ldc,
          c3 = c2 + ldc;
        const a0 = aO + i * aL;
        for (let p = p0; p < p1; p++) {
          const x0 = alpha * A[a0 + p],
            x1 = alpha * A[a0 + aL + p],
            x2 = alpha * A[a0 + 2 * aL + p],
            x3 = alpha * A[a0 + 3 * aL + p];
          const br = bO + p * bL;
          for (let j = j0; j < j1; j++) {
            const bv = B[br + j];
            c[c0 + j] += x0 * bv;
            c[c1 + j] += x1 * bv;
            c[c2 + j] += x2 * bv;
            c[c3 + j] += x3 * bv;
          }
        }
      }
      for (; i < m; i++) {
        const c0 = cOff + i * ldc;
        const a0 = aO + i * aL;
        for (let p = p0; p < p1; p++) {
          const x0 = alpha * A[a0 + p];
          const br = bO + p * bL;
          for (let j = j0; j < j1; j++) c[c0 + j] += x0 * B[br + j];
        }
      }
    }
  }
};

/** The batched form of a single GEMM: one call per batch entry, offsets advanced by the strides. */
function batchedOf(one: SgemmFn): SgemmBatchedFn {
  return (...x) => {
    const [ta, tb, m, n, k, alpha, a, aOff, lda, sa, b, bOff, ldb, sb, beta, c, cOff, ldc, sc, batch] = x;
    checkBatched(...x);
    for (let i = 0; i < batch; i++) {
      one(ta, tb, m, n, k, alpha, a, aOff + i * sa, lda, b, bOff + i * sb, ldb, beta, c, cOff + i * sc, ldc);
    }
  };
}

const sgemmBatchedTs = batchedOf(sgemmTs);

/** Bounds check of a batched call's arguments (a ShapeError naming the operand). */
function checkBatched(...x: Parameters<SgemmBatchedFn>): void {
  const [ta, tb, m, n, k, , a, aOff, lda, sa, b, bOff, ldb, sb, , c, cOff, ldc, sc, batch] = x;
  checkExtents(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, sa, sb, sc, batch);
}

function checkOne(
  name: string,
  rows: number,
  cols: number,
  arr: Float32Array,
  off: number,
  ld: number,
  stride: number,
  batch: number,
): void {
  if (rows === 0 || cols === 0 || batch === 0) return;
  if (ld < cols)
    throw new ShapeError(`gemm ${name}: leading dimension ${ld} is smaller than its row length ${cols}`);
  const last = off + (batch - 1) * stride + (rows - 1) * ld + cols;
  if (off < 0 || last > arr.length) {
    throw new ShapeError(`gemm ${name}: matrix reaches element ${last} but the buffer holds ${arr.length}`);
  }
}

function checkExtents(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  aOff: number,
  lda: number,
  b: Float32Array,
  bOff: number,
  ldb: number,
  c: Float32Array,
  cOff: number,
  ldc: number,
  sa: number,
  sb: number,
  sc: number,
  batch: number,
): void {
  if (k > 0) {
    checkOne("A", ta ? k : m, ta ? m : k, a, aOff, lda, sa, batch);
    checkOne("B", tb ? n : k, tb ? k : n, b, bOff, ldb, sb, batch);
  }
  checkOne("C", m, n, c, cOff, ldc, sc, batch);
}

const typescriptBackend: GemmBackend = {
  name: "typescript",
  description: "pure-TypeScript blocked GEMM (single thread)",
  kernels: null,
  sgemm: sgemmTs,
  sgemmBatched: sgemmBatchedTs,
  setThreads: () => {},
  threads: () => 1,
};

// ---------------------------------------------------------------------------------------------------------
// OpenBLAS backend (N-API addon)

interface BlasAddon extends NativeKernels {
  sgemm: SgemmFn;
  sgemmBatched: SgemmBatchedFn;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  config(): string;
}

/** Where the addon is built: native/build/Release/wsc_blas.node at the package root (src/ and dist/ alike). */
export const ADDON_PATH = new URL("../../native/build/Release/wsc_blas.node", import.meta.url);

let addonLoadError: string | null = null;

function loadOpenBlas(): GemmBackend | null {
  try {
    const require = createRequire(import.meta.url);
    const addon = require(ADDON_PATH.pathname) as BlasAddon;
    return {
      name: "openblas",
      description: `OpenBLAS ${addon.config()}`,
      kernels: addon,
      // Checked here too, so a bad shape is a ShapeError like on the fallback (the addon's own check is the
      // safety net behind it).
      sgemm: (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
        checkExtents(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, 0, 0, 0, 1);
        addon.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      },
      sgemmBatched: (...x) => {
        checkBatched(...x);
        addon.sgemmBatched(...x);
      },
      setThreads: (n) => addon.setNumThreads(n),
      threads: () => addon.getNumThreads(),
    };
  } catch (e) {
    addonLoadError = (e as Error).message.split("\n")[0];
    return null;
  }
}

const openblasBackend = loadOpenBlas();

/** The backends available in this process, by name. */
export const GEMM_BACKENDS: ReadonlyMap<GemmBackendName, GemmBackend> = new Map(
  [typescriptBackend, openblasBackend]
    .filter((b): b is GemmBackend => b !== null)
    .map((b) => [b.name, b] as [GemmBackendName, GemmBackend]),
);

/** Why the OpenBLAS backend is unavailable (null when it loaded). */
export function openBlasUnavailableReason(): string | null {
  if (openblasBackend) return null;
  return `addon not loadable (${addonLoadError}); build it with \`npm run build:native\` after installing libopenblas-dev`;
}

let active: GemmBackend =
  process.env.WSC_NO_BLAS === "1" || !openblasBackend ? typescriptBackend : openblasBackend;

/** The backend every op uses now. */
export function gemmBackend(): GemmBackend {
  return active;
}

/** The element-wise kernels of the active backend, or null when the ops should run their TypeScript. */
export function nativeKernels(): NativeKernels | null {
  return active.kernels;
}

/** Switches every op to the named backend (tests compare the two). Returns the previous one's name. */
export function useGemmBackend(name: GemmBackendName): GemmBackendName {
  const b = GEMM_BACKENDS.get(name);
  if (!b) {
    throw new NumericsValueError(
      `GEMM backend "${name}" is not available here` +
        (name === "openblas" ? `: ${openBlasUnavailableReason()}` : ""),
    );
  }
  const prev = active.name;
  active = b;
  return prev;
}

/** C = alpha * op(A) op(B) + beta * C on the active backend. */
export const sgemm: SgemmFn = (ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) =>
  active.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);

/** Strided batched GEMM on the active backend. */
export const sgemmBatched: SgemmBatchedFn = (...args) => active.sgemmBatched(...args);

/**
 * Reference GEMM in float64: naive triple loop, accumulates in double, then rounds to float32 once.
 * Slow; for tests only.
 */
export const gemmReference: SgemmFn = (
  ta,
  tb,
  m,
  n,
  k,
  alpha,
  a,
  aOff,
  lda,
  b,
  bOff,
  ldb,
  beta,
  c,
  cOff,
  ldc,
) => {
  checkExtents(ta, tb, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, 0, 0, 0, 1);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        const bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        s += av * bv;
      }
      const ci = cOff + i * ldc + j;
      c[ci] = alpha * s + (beta === 0 ? 0 : beta * c[ci]);
    }
  }
};
