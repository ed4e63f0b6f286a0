// Both GEMM backends against the float64 reference and against each other; bounds checks; determinism of
// the OpenBLAS path across thread counts; WSC_NO_BLAS=1 selects the fallback.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GEMM_BACKENDS, gemmBackend, gemmReference } from "./gemm.js";
import { fillUniform } from "./rng.js";
import { bitwiseEqual, relMaxError } from "./testing.js";

function rand(n: number, key: number): Float32Array {
  const a = new Float32Array(n);
  fillUniform(a, key, -1, 1);
  return a;
}

// Odd sizes cross the TypeScript blocking (KC 256, NC 512, 4-row kernel) and the OpenBLAS tiles (256).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [37, 29, 300],
  [257, 513, 65],
  [64, 1, 600],
];

for (const [name, be] of GEMM_BACKENDS) {
  describe(`${name} GEMM agrees with the float64 reference`, () => {
    for (const [m, n, k] of SHAPES) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          it(`${m}x${n}x${k} ${ta ? "T" : "N"}${tb ? "T" : "N"} with offsets, padded leading dims, alpha and beta`, () => {
            const lda = (ta ? m : k) + 3,
              ldb = (tb ? k : n) + 2,
              ldc = n + 1;
            const aOff = 5,
              bOff = 7,
              cOff = 3;
            const a = rand(aOff + (ta ? k : m) * lda, 1);
            const b = rand(bOff + (tb ? n : k) * ldb, 2);
            const c0 = rand(cOff + m * ldc, 3);
            const got = c0.slice();
            const ref = c0.slice();
            be.sgemm(ta, tb, m, n, k, 0.75, a, aOff, lda, b, bOff, ldb, 0.5, got, cOff, ldc);
            gemmReference(ta, tb, m, n, k, 0.75, a, aOff, lda, b, bOff, ldb, 0.5, ref, cOff, ldc);
            // float32 accumulation over k terms of size ~1: error grows like sqrt(k) ulp
            expect(relMaxError(got, ref)).toBeLessThan(2e-6 * Math.sqrt(k) + 1e-7);
            // padding between rows is never written
            for (let i = 0; i < m; i++) expect(got[cOff + i * ldc + n]).toBe(c0[cOff + i * ldc + n]);
          });
        }
      }
    }

    it("batched GEMM equals one GEMM per batch entry", () => {
      const [m, n, k, batch] = [17, 9, 33, 5];
      const a = rand(batch * m * k, 4),
        b = rand(batch * k * n, 5);
      const got = new Float32Array(batch * m * n);
      be.sgemmBatched(false, true, m, n, k, 1, a, 0, k, m * k, b, 0, k, k * n, 0, got, 0, n, m * n, batch);
      for (let i = 0; i < batch; i++) {
        const ref = new Float32Array(m * n);
        gemmReference(false, true, m, n, k, 1, a, i * m * k, k, b, i * k * n, k, 0, ref, 0, n);
        expect(relMaxError(got.subarray(i * m * n, (i + 1) * m * n), ref)).toBeLessThan(1e-5);
      }
    });

    it("a matrix reaching past its buffer is a ShapeError naming the operand, not a write outside it", () => {
      const a = new Float32Array(10),
        b = new Float32Array(100),
        c = new Float32Array(100);
      expect(() => be.sgemm(false, false, 10, 10, 10, 1, a, 0, 10, b, 0, 10, 0, c, 0, 10)).toThrow(
        /A: matrix reaches element 100/,
      );
      expect(() => be.sgemm(false, false, 2, 2, 2, 1, b, 0, 1, b, 0, 2, 0, c, 0, 2)).toThrow(
        /leading dimension 1/,
      );
    });
  });
}

describe("GEMM backends agree with each other", () => {
  it.runIf(GEMM_BACKENDS.has("openblas"))("OpenBLAS and the TypeScript fallback agree at 300x200x500", () => {
    const [m, n, k] = [300, 200, 500];
    const a = rand(m * k, 6),
      b = rand(k * n, 7);
    const x = new Float32Array(m * n),
      y = new Float32Array(m * n);
    GEMM_BACKENDS.get("openblas")!.sgemm(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, x, 0, n);
    GEMM_BACKENDS.get("typescript")!.sgemm(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, y, 0, n);
    expect(relMaxError(x, y)).toBeLessThan(1e-5);
  });
});

describe("determinism", () => {
  it.runIf(GEMM_BACKENDS.has("openblas"))("OpenBLAS results are bit-identical with 1 and 2 threads", () => {
    const be = GEMM_BACKENDS.get("openblas")!;
    const prev = be.threads();
    const run = (threads: number) => {
      be.setThreads(threads);
      const outs: Float32Array[] = [];
      for (const [m, n, k, ta, tb] of [
        [1024, 768, 256, false, true],
        [256, 1024, 1024, true, false],
        [1000, 300, 77, false, false],
      ] as const) {
        const a = rand(m * k, 8),
          b = rand(k * n, 9);
        const c = new Float32Array(m * n);
        be.sgemm(ta, tb, m, n, k, 1, a, 0, ta ? m : k, b, 0, tb ? k : n, 0, c, 0, n);
        outs.push(c);
      }
      const bc = new Float32Array(32 * 128 * 128);
      const q = rand(32 * 128 * 64, 10);
      be.sgemmBatched(
        false,
        true,
        128,
        128,
        64,
        0.125,
        q,
        0,
        64,
        128 * 64,
        q,
        0,
        64,
        128 * 64,
        0,
        bc,
        0,
        128,
        128 * 128,
        32,
      );
      outs.push(bc);
      return outs;
    };
    try {
      const one = run(1),
        two = run(2);
      one.forEach((o, i) => expect(bitwiseEqual(o, two[i]), `case ${i}`).toBe(true));
    } finally {
      be.setThreads(prev);
    }
  });

  it("WSC_NO_BLAS=1 selects the TypeScript fallback (checked in a fresh process)", () => {
    const gemm = fileURLToPath(new URL("./gemm.ts", import.meta.url));
    const code = `import("${gemm}").then((g) => console.log(g.gemmBackend().name))`;
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", code], {
      env: { ...process.env, WSC_NO_BLAS: "1" },
      encoding: "utf8",
    });
    expect(r.stdout.trim()).toBe("typescript");
  });

  it("the active backend is OpenBLAS when the addon is built and WSC_NO_BLAS is unset", () => {
    if (process.env.WSC_NO_BLAS === "1" || !GEMM_BACKENDS.has("openblas")) {
      expect(gemmBackend().name).toBe("typescript");
    } else {
      expect(gemmBackend().name).toBe("openblas");
    }
  });
});
