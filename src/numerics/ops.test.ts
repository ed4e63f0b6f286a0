// Every op against PyTorch autograd (fixture "ops": forward output and the gradients of sum(out * dy)), on
// both backends (the OpenBLAS backend also runs the C++ element-wise kernels), and a finite-difference check of
// every op's backward against its own forward.
//
// Tolerances: forward and gradients within 2e-5 of the reference's largest magnitude (float32 ops of a few
// ulp; erf and the vectorized exp are accurate to ~1e-7 relative). Finite differences: central differences
// with h = 1e-2 on float32, whose rounding noise (~1e-6 / 2h) and truncation (~h^2) bound agreement to about
// 1e-2 of the gradient's scale.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FixtureFile } from "./fixture-file.js";
import { GEMM_BACKENDS, useGemmBackend } from "./gemm.js";
import { ACTIVATIONS, gatedBackward, gatedForward } from "./ops/activations.js";
import type { GatedActivation } from "./layers/spec.js";
import type { AttentionConfig } from "./ops/attention.js";
import { alibiSlopes, attentionBackward, attentionForward } from "./ops/attention.js";
import { crossAttentionBackward, crossAttentionForward } from "./ops/cross-attention.js";
import type { CrossAttentionConfig } from "./ops/cross-attention.js";
import { crossEntropy } from "./ops/cross-entropy.js";
import type { DropoutSite } from "./ops/dropout.js";
import { dropoutApply } from "./ops/dropout.js";
import { embeddingGather, embeddingScatterAdd } from "./ops/embedding.js";
import { linearBackward, linearForward, matmul, matmulBackward } from "./ops/linear.js";
import { layerNormBackward, layerNormForward, rmsNormBackward, rmsNormForward } from "./ops/norm.js";
import type { RotaryScaling, RotaryStyle } from "./ops/rotary.js";
import { rotaryApply, rotaryTables } from "./ops/rotary.js";
import { softmaxBackward, softmaxForward } from "./ops/softmax.js";
import { fillUniform } from "./rng.js";
import { Tensor } from "./tensor.js";
import { relMaxError } from "./testing.js";

const ops = new FixtureFile(fileURLToPath(new URL("./fixtures/ops", import.meta.url)));
const meta = ops.meta as { cases: Record<string, Record<string, unknown>> };
const f32 = (n: string) => ops.f32(n).data;

/** An op under test: forward from inputs, backward from dy to one gradient per input. */
interface OpCase {
  forward(inputs: Float32Array[]): Float32Array;
  backward(inputs: Float32Array[], dy: Float32Array): Float32Array[];
}

const R = 6,
  C = 16;

function attentionCase(name: string): OpCase {
  const c = meta.cases[name] as {
    B: number;
    T: number;
    H: number;
    N: number;
    causal: boolean;
    rotaryDim: number;
    rotaryStyle: RotaryStyle;
    rotaryBase: number;
    kvHeads?: number;
    rotaryScaling?: RotaryScaling | null;
    keyMask?: boolean;
    window?: number | null;
    alibi?: boolean;
  };
  const cfg: AttentionConfig = {
    batch: c.B,
    seqLen: c.T,
    hidden: c.H,
    heads: c.N,
    kvHeads: c.kvHeads,
    ...(c.window ? { window: c.window } : {}),
    ...(c.alibi ? { alibiSlopes: Float32Array.from(alibiSlopes(c.N)) } : {}),
    causal: c.causal,
    keyMask: name === "attn_padding" || c.keyMask ? f32("attn_padding.key_mask") : null,
    rotary:
      c.rotaryDim > 0
        ? rotaryTables(c.T, c.rotaryDim, c.rotaryBase, c.rotaryStyle, c.rotaryScaling ?? null)
        : null,
    dropout: 0,
    dropoutSite: null,
  };
  return {
    forward: ([qkv]) => {
      const out = new Float32Array(c.B * c.T * c.H);
      attentionForward(qkv, cfg, out);
      return out;
    },
    backward: ([qkv], dy) => {
      const out = new Float32Array(c.B * c.T * c.H);
      const saved = attentionForward(qkv, cfg, out);
      const d = new Float32Array(qkv.length);
      attentionBackward(dy.slice(), saved, cfg, d);
      return [d];
    },
  };
}

/** Attention of Tq queries over Tk keys with a per-head bias: inputs q, kv, bias; gradients for all three. */
function crossAttentionCase(name: string, causal: boolean): OpCase {
  const c = meta.cases[name] as { B: number; Tq: number; Tk: number; H: number; N: number };
  const cfg = (bias: Float32Array): CrossAttentionConfig => ({
    batch: c.B,
    queryLen: c.Tq,
    keyLen: c.Tk,
    hidden: c.H,
    heads: c.N,
    scoreScale: 1,
    bias,
    causal,
    keyMask: causal ? null : f32("cross_attention.key_mask"),
  });
  return {
    forward: ([q, kv, bias]) => {
      const out = new Float32Array(c.B * c.Tq * c.H);
      crossAttentionForward(q, kv, cfg(bias), out);
      return out;
    },
    backward: ([q, kv, bias], dy) => {
      const out = new Float32Array(c.B * c.Tq * c.H);
      const saved = crossAttentionForward(q, kv, cfg(bias), out);
      const dq = new Float32Array(q.length);
      const dkv = new Float32Array(kv.length);
      const db = new Float32Array(bias.length);
      crossAttentionBackward(dy, saved, cfg(bias), dq, dkv, db);
      return [dq, dkv, db];
    },
  };
}

/** A gated activation act(g) * u: inputs g and u, gradients for both. */
function gated(name: GatedActivation): OpCase {
  return {
    forward: ([g, u]) => {
      const y = new Float32Array(g.length);
      gatedForward(name, g, u, y, g.length);
      return y;
    },
    backward: ([g, u], dy) => {
      const dg = new Float32Array(g.length),
        du = new Float32Array(g.length);
      gatedBackward(name, g, u, dy, dg, du, g.length);
      return [dg, du];
    },
  };
}

function pointwise(name: keyof typeof ACTIVATIONS): OpCase {
  return {
    forward: ([x]) => {
      const y = new Float32Array(x.length);
      ACTIVATIONS[name].forward(x, y, x.length);
      return y;
    },
    backward: ([x], dy) => {
      const y = new Float32Array(x.length);
      ACTIVATIONS[name].forward(x, y, x.length);
      const dx = new Float32Array(x.length);
      ACTIVATIONS[name].backward(x, y, dy, dx, x.length);
      return [dx];
    },
  };
}

const labels = ops.i32("cross_entropy.labels");
const ceMask = f32("cross_entropy.mask");

const CASES: Record<string, OpCase> = {
  layernorm: {
    forward: ([x, g, b]) => {
      const y = new Float32Array(R * C);
      layerNormForward(x, R, C, g, b, 1e-5, y, new Float32Array(R), new Float32Array(R));
      return y;
    },
    backward: ([x, g, b], dy) => {
      const y = new Float32Array(R * C),
        mean = new Float32Array(R),
        rstd = new Float32Array(R);
      layerNormForward(x, R, C, g, b, 1e-5, y, mean, rstd);
      const dx = new Float32Array(R * C),
        dg = new Float32Array(C),
        db = new Float32Array(C);
      layerNormBackward(dy, x, R, C, g, mean, rstd, dx, dg, db);
      return [dx, dg, db];
    },
  },
  rmsnorm: {
    forward: ([x, g]) => {
      const y = new Float32Array(R * C);
      rmsNormForward(x, R, C, g, 1e-6, y, new Float32Array(R));
      return y;
    },
    backward: ([x, g], dy) => {
      const y = new Float32Array(R * C),
        rstd = new Float32Array(R);
      rmsNormForward(x, R, C, g, 1e-6, y, rstd);
      const dx = new Float32Array(R * C),
        dg = new Float32Array(C);
      rmsNormBackward(dy, x, R, C, g, rstd, dx, dg);
      return [dx, dg];
    },
  },
  gelu: pointwise("gelu"),
  gelu_tanh: pointwise("gelu_tanh"),
  relu: pointwise("relu"),
  silu: pointwise("silu"),
  tanh: pointwise("tanh"),
  swiglu: gated("swiglu"),
  geglu: gated("geglu"),
  softmax: {
    forward: ([x]) => {
      const y = new Float32Array(x.length);
      softmaxForward(x, R, C, y);
      return y;
    },
    backward: ([x], dy) => {
      const y = new Float32Array(x.length);
      softmaxForward(x, R, C, y);
      const dx = new Float32Array(x.length);
      softmaxBackward(y, dy, R, C, dx);
      return [dx];
    },
  },
  cross_entropy: {
    forward: ([x]) => Float32Array.of(crossEntropy(x, R, C, labels, ceMask, 1, null)),
    backward: ([x], dy) => {
      const d = new Float32Array(x.length);
      crossEntropy(x, R, C, labels, ceMask, dy[0], d);
      return [d];
    },
  },
  attn_causal: attentionCase("attn_causal"),
  attn_padding: attentionCase("attn_padding"),
  attn_rotary_half: attentionCase("attn_rotary_half"),
  attn_rotary_interleaved_partial: attentionCase("attn_rotary_interleaved_partial"),
  attn_rotary_half_partial: attentionCase("attn_rotary_half_partial"),
  attn_gqa: attentionCase("attn_gqa"),
  attn_mqa: attentionCase("attn_mqa"),
  attn_gqa_padding: attentionCase("attn_gqa_padding"),
  attn_rope_llama3: attentionCase("attn_rope_llama3"),
  attn_rope_linear: attentionCase("attn_rope_linear"),
  attn_sliding_window: attentionCase("attn_sliding_window"),
  attn_alibi: attentionCase("attn_alibi"),
  attn_alibi_padding: attentionCase("attn_alibi_padding"),
  cross_attention: crossAttentionCase("cross_attention", false),
  causal_biased_attention: crossAttentionCase("causal_biased_attention", true),
};

function inputsOf(name: string): Float32Array[] {
  const out: Float32Array[] = [];
  for (let i = 0; ops.has(`${name}.in${i}`); i++) out.push(f32(`${name}.in${i}`));
  return out;
}

for (const backend of GEMM_BACKENDS.keys()) {
  describe(`ops match PyTorch autograd (${backend} backend)`, () => {
    for (const [name, op] of Object.entries(CASES)) {
      it(`${name}: forward and every input gradient`, () => {
        const prev = useGemmBackend(backend);
        try {
          const inputs = inputsOf(name);
          expect(relMaxError(op.forward(inputs), f32(`${name}.out`)), "forward").toBeLessThan(2e-5);
          const grads = op.backward(inputs, f32(`${name}.dy`));
          grads.forEach((g, i) =>
            expect(relMaxError(g, f32(`${name}.grad${i}`)), `grad ${i}`).toBeLessThan(2e-5),
          );
        } finally {
          useGemmBackend(prev);
        }
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Finite differences

function rand(n: number, key: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  fillUniform(a, key, lo, hi);
  return a;
}

/** Checks op.backward against central differences of sum(forward * dy) at up to 24 elements per input. */
function fdCheck(op: OpCase, inputs: Float32Array[], key: number): void {
  const out = op.forward(inputs);
  const dy = rand(out.length, key);
  const loss = (ins: Float32Array[]) => {
    const o = op.forward(ins);
    let s = 0;
    for (let i = 0; i < o.length; i++) s += o[i] * dy[i];
    return s;
  };
  const grads = op.backward(
    inputs.map((x) => x.slice()),
    dy,
  );
  const h = 1e-2;
  inputs.forEach((x, k) => {
    let scale = 1e-3;
    for (const g of grads[k]) scale = Math.max(scale, Math.abs(g));
    const step = Math.max(1, Math.floor(x.length / 24));
    for (let i = 0; i < x.length; i += step) {
      const orig = x[i];
      x[i] = orig + h;
      const up = loss(inputs);
      x[i] = orig - h;
      const down = loss(inputs);
      x[i] = orig;
      const fd = (up - down) / (2 * h);
      expect(
        Math.abs(fd - grads[k][i]) / scale,
        `input ${k} element ${i}: fd ${fd} vs ${grads[k][i]}`,
      ).toBeLessThan(1e-2);
    }
  });
}

describe("every op's backward matches finite differences of its forward", () => {
  for (const [name, op] of Object.entries(CASES)) {
    it(name, () => fdCheck(op, inputsOf(name), 11));
  }

  it("linear (x W^T + b)", () => {
    const [rows, inF, outF] = [5, 7, 3];
    const op: OpCase = {
      forward: ([x, w, b]) => {
        const y = new Float32Array(rows * outF);
        linearForward(x, rows, inF, w, b, outF, y);
        return y;
      },
      backward: ([x, w], dy) => {
        const dx = new Float32Array(rows * inF),
          dw = new Float32Array(outF * inF),
          db = new Float32Array(outF);
        linearBackward(dy, x, rows, inF, w, outF, dx, dw, db);
        return [dx, dw, db];
      },
    };
    fdCheck(op, [rand(rows * inF, 1), rand(outF * inF, 2), rand(outF, 3)], 12);
  });

  for (const [ta, tb] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`batched matmul transA=${ta} transB=${tb}`, () => {
      const [batch, m, n, k] = [2, 3, 4, 5];
      const aShape = [batch, ta ? k : m, ta ? m : k],
        bShape = [batch, tb ? n : k, tb ? k : n];
      const op: OpCase = {
        forward: ([a, b]) =>
          matmul(new Tensor(aShape, a), new Tensor(bShape, b), { transA: ta, transB: tb }).data,
        backward: ([a, b], dy) => {
          const r = matmulBackward(
            new Tensor(aShape, a),
            new Tensor(bShape, b),
            new Tensor([batch, m, n], dy),
            {
              transA: ta,
              transB: tb,
            },
          );
          return [r.da.data, r.db.data];
        },
      };
      fdCheck(op, [rand(batch * m * k, 4), rand(batch * k * n, 5)], 13);
    });
  }

  it("embedding gather (gradient: scatter-add, repeated ids accumulate)", () => {
    const ids = Int32Array.of(2, 0, 2, 3, 2);
    const op: OpCase = {
      forward: ([table]) => {
        const out = new Float32Array(ids.length * 4);
        embeddingGather(table, 5, 4, ids, out);
        return out;
      },
      backward: (_ins, dy) => {
        const d = new Float32Array(20);
        embeddingScatterAdd(dy, 4, ids, d);
        return [d];
      },
    };
    fdCheck(op, [rand(20, 6)], 14);
  });

  it("dropout (the backward applies the forward's mask and scale)", () => {
    const site: DropoutSite = { seed: 3, step: 1, layerIndex: 2, site: 0, sampleOffset: 4 };
    const op: OpCase = {
      forward: ([x]) => {
        const y = x.slice();
        dropoutApply(y, 3, 20, 0.3, site);
        return y;
      },
      backward: (_ins, dy) => {
        const d = dy.slice();
        dropoutApply(d, 3, 20, 0.3, site);
        return [d];
      },
    };
    fdCheck(op, [rand(60, 7)], 15);
  });

  for (const style of ["interleaved", "half"] as const) {
    it(`rotary (${style}, partial), and its inverse undoes it`, () => {
      const [b, t, n, d] = [2, 5, 2, 8];
      const tab = rotaryTables(t, 4, 10000, style);
      const op: OpCase = {
        forward: ([x]) => {
          const y = x.slice();
          rotaryApply(y, b, t, n, d, tab, 1);
          return y;
        },
        backward: (_ins, dy) => {
          const g = dy.slice();
          rotaryApply(g, b, t, n, d, tab, -1);
          return [g];
        },
      };
      const x = rand(b * t * n * d, 8);
      fdCheck(op, [x], 16);
      const y = op.forward([x]);
      rotaryApply(y, b, t, n, d, tab, -1);
      expect(relMaxError(y, x)).toBeLessThan(1e-6);
    });
  }

  it("attention with key padding, causal mask, partial rotary and dropout together", () => {
    const [B, T, H, N] = [2, 4, 8, 2];
    const cfg: AttentionConfig = {
      batch: B,
      seqLen: T,
      hidden: H,
      heads: N,
      causal: false,
      keyMask: Float32Array.of(1, 1, 1, 1, 1, 1, 0, 0),
      rotary: rotaryTables(T, 2, 10000, "half"),
      dropout: 0.25,
      dropoutSite: { seed: 1, step: 0, layerIndex: 0, site: 0, sampleOffset: 0 },
    };
    const op: OpCase = {
      forward: ([qkv]) => {
        const out = new Float32Array(B * T * H);
        attentionForward(qkv, cfg, out);
        return out;
      },
      backward: ([qkv], dy) => {
        const out = new Float32Array(B * T * H);
        const saved = attentionForward(qkv, cfg, out);
        const d = new Float32Array(qkv.length);
        attentionBackward(dy.slice(), saved, cfg, d);
        return [d];
      },
    };
    fdCheck(op, [rand(B * T * 3 * H, 9)], 17);
  });
});

describe("native element-wise kernels agree with the TypeScript ones, extremes included", () => {
  const nat = GEMM_BACKENDS.get("openblas")?.kernels;
  it.runIf(!!nat)("activations and softmax over [-100, 100] and near 0", () => {
    const x = Float32Array.from({ length: 4001 }, (_, i) => (i - 2000) / 20);
    x[0] = -1e-30;
    x[1] = 1e-30;
    const dy = rand(x.length, 21);
    for (const name of ["gelu", "gelu_tanh", "silu", "tanh", "relu"] as const) {
      const run = (backend: "openblas" | "typescript") => {
        const prev = useGemmBackend(backend);
        try {
          const y = new Float32Array(x.length),
            dx = new Float32Array(x.length);
          ACTIVATIONS[name].forward(x, y, x.length);
          ACTIVATIONS[name].backward(x, y, dy, dx, x.length);
          return { y, dx };
        } finally {
          useGemmBackend(prev);
        }
      };
      const a = run("openblas"),
        b = run("typescript");
      expect(a.y.every(Number.isFinite) && a.dx.every(Number.isFinite), name).toBe(true);
      expect(relMaxError(a.y, b.y), `${name} forward`).toBeLessThan(1e-6);
      expect(relMaxError(a.dx, b.dx), `${name} backward`).toBeLessThan(1e-5);
    }
    const logits = Float32Array.from({ length: 64 }, (_, i) => (i % 2 ? 80 : -80) + i);
    const lab = Int32Array.of(3, 0);
    const ce = (backend: "openblas" | "typescript") => {
      const prev = useGemmBackend(backend);
      try {
        const d = new Float32Array(64);
        return { loss: crossEntropy(logits, 2, 32, lab, null, 0.5, d), d };
      } finally {
        useGemmBackend(prev);
      }
    };
    const p = ce("openblas"),
      q = ce("typescript");
    expect(Math.abs(p.loss - q.loss) / q.loss).toBeLessThan(1e-6);
    expect(relMaxError(p.d, q.d)).toBeLessThan(1e-6);
  });
});
