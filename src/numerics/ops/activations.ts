// Pointwise activations, forward and backward, registered by name (the spec's Activation). Each backward
// takes the forward's input x (and output y where cheaper) and writes dx = dy * f'(x), or adds it.
// The gated ones take two inputs (gate, up) and are separate: swiglu(g, u) = silu(g) * u, geglu(g, u) =
// gelu(g) * u (erf form, as Model Zoo's geglu).
import { NumericsValueError } from "../errors.js";
import { nativeKernels } from "../gemm.js";
import { isGated } from "../layers/spec.js";
import type { Activation, GatedActivation } from "../layers/spec.js";
import { give, take } from "../pool.js";

export interface ActivationKernel {
  /** y = f(x), n elements (y may alias x only where noted). */
  forward(x: Float32Array, y: Float32Array, n: number): void;
  /** dx = dy * f'(x); x and y are the forward's input and output. dx may alias dy. */
  backward(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, n: number): void;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * erf(x) with relative error below 1.2e-7 everywhere (Chebyshev fit of erfc, Numerical Recipes 6.2), enough
 * for float32 results. JavaScript has no Math.erf.
 */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r : r - 1;
}

/** GELU, erf form: x * Phi(x). */
const gelu: ActivationKernel = {
  forward(x, y, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      y[i] = 0.5 * v * (1 + erf(v * INV_SQRT_2));
    }
  },
  backward(x, _y, dy, dx, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const cdf = 0.5 * (1 + erf(v * INV_SQRT_2));
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
      dx[i] = dy[i] * (cdf + v * pdf);
    }
  },
};

/** GELU, tanh approximation (GPT-2's gelu_new): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
const geluTanh: ActivationKernel = {
  forward(x, y, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
      // tanh(u) = 1 - 2 / (exp(2u) + 1): one exp, exact at the extremes (exp overflow gives t = 1).
      const t = 1 - 2 / (Math.exp(2 * u) + 1);
      y[i] = 0.5 * v * (1 + t);
    }
  },
  backward(x, _y, dy, dx, n) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      const v2 = v * v;
      const u = SQRT_2_OVER_PI * (v + 0.044715 * v2 * v);
      const t = 1 - 2 / (Math.exp(2 * u) + 1);
      dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v2));
    }
  },
};

const relu: ActivationKernel = {
  forward(x, y, n) {
    for (let i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
  },
  backward(x, _y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
  },
};

/** SiLU (swish): x * sigmoid(x). */
const silu: ActivationKernel = {
  forward(x, y, n) {
    for (let i = 0; i < n; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
  },
  backward(x, _y, dy, dx, n) {
    for (let i = 0; i < n; i++) {
      const s = 1 / (1 + Math.exp(-x[i]));
      dx[i] = dy[i] * s * (1 + x[i] * (1 - s));
    }
  },
};

const tanh: ActivationKernel = {
  forward(x, y, n) {
    for (let i = 0; i < n; i++) y[i] = Math.tanh(x[i]);
  },
  backward(_x, y, dy, dx, n) {
    for (let i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
  },
};

const identity: ActivationKernel = {
  forward(x, y, n) {
    if (x !== y) y.set(x.subarray(0, n));
  },
  backward(_x, _y, dy, dx, n) {
    if (dx !== dy) dx.set(dy.subarray(0, n));
  },
};

/** The TypeScript kernels: the reference, and what runs when the backend has no native kernels. */
export const ACTIVATIONS_TS: Readonly<Record<Exclude<Activation, GatedActivation>, ActivationKernel>> = {
  gelu,
  gelu_tanh: geluTanh,
  relu,
  silu,
  tanh,
  none: identity,
};

/** Codes of the activations the addon implements (native/src/kernels.h, enum Act). */
const NATIVE_ACTIVATION_CODES: Partial<Record<Activation, number>> = {
  gelu: 0,
  gelu_tanh: 1,
  silu: 2,
  tanh: 3,
  relu: 4,
};

function dispatch(name: Exclude<Activation, GatedActivation>): ActivationKernel {
  const ts = ACTIVATIONS_TS[name];
  const code = NATIVE_ACTIVATION_CODES[name];
  if (code === undefined) return ts;
  return {
    forward(x, y, n) {
      const nk = nativeKernels();
      if (nk) nk.actForward(code, x, y, n);
      else ts.forward(x, y, n);
    },
    backward(x, y, dy, dx, n) {
      const nk = nativeKernels();
      if (nk) nk.actBackward(code, x, y, dy, dx, n);
      else ts.backward(x, y, dy, dx, n);
    },
  };
}

/**
 * Pointwise activations by name, on the active backend's native kernels when it has them, else TypeScript.
 * The gated activations are two-input and live in `gatedForward`/`gatedBackward`.
 */
export const ACTIVATIONS: Readonly<Record<Exclude<Activation, GatedActivation>, ActivationKernel>> = {
  gelu: dispatch("gelu"),
  gelu_tanh: dispatch("gelu_tanh"),
  relu: dispatch("relu"),
  silu: dispatch("silu"),
  tanh: dispatch("tanh"),
  none: identity,
};

/** The kernel of a pointwise activation; a clear error for a gated or an unknown name. */
export function activation(name: Activation): ActivationKernel {
  const k = (ACTIVATIONS as Record<string, ActivationKernel | undefined>)[name];
  if (!k) {
    throw new NumericsValueError(
      `activation "${name}" is not pointwise or not known; pointwise: ${Object.keys(ACTIVATIONS).join(", ")}` +
        (isGated(name) ? ` (${name} is a gated MLP: use gatedForward)` : ""),
    );
  }
  return k;
}

/** The pointwise activation a gated one applies to its gate: swiglu silu(g) * u, geglu gelu(g) * u. */
export function gateActivation(name: GatedActivation): Exclude<Activation, GatedActivation> {
  return name === "swiglu" ? "silu" : "gelu";
}

/** y = act(g) * u for a gated activation, n elements. */
export function gatedForward(
  name: GatedActivation,
  g: Float32Array,
  u: Float32Array,
  y: Float32Array,
  n: number,
): void {
  if (name === "swiglu") return swigluForward(g, u, y, n);
  ACTIVATIONS[gateActivation(name)].forward(g, y, n);
  for (let i = 0; i < n; i++) y[i] *= u[i];
}

/** dg = dy * u * act'(g), du = dy * act(g); dg may alias dy (each dy[i] is read before dg[i] is written). */
export function gatedBackward(
  name: GatedActivation,
  g: Float32Array,
  u: Float32Array,
  dy: Float32Array,
  dg: Float32Array,
  du: Float32Array,
  n: number,
): void {
  if (name === "swiglu") return swigluBackward(g, u, dy, dg, du, n);
  const act = ACTIVATIONS[gateActivation(name)];
  const a = take(n, false);
  act.forward(g, a, n);
  for (let i = 0; i < n; i++) {
    const d = dy[i];
    du[i] = d * a[i];
    dg[i] = d * u[i];
  }
  act.backward(g, a, dg, dg, n);
  give(a);
}

/** y = silu(g) * u, n elements. */
export function swigluForward(g: Float32Array, u: Float32Array, y: Float32Array, n: number): void {
  const nk = nativeKernels();
  if (nk) return nk.swigluForward(g, u, y, n);
  for (let i = 0; i < n; i++) y[i] = (g[i] / (1 + Math.exp(-g[i]))) * u[i];
}

/** dg = dy * u * silu'(g), du = dy * silu(g). */
export function swigluBackward(
  g: Float32Array,
  u: Float32Array,
  dy: Float32Array,
  dg: Float32Array,
  du: Float32Array,
  n: number,
): void {
  const nk = nativeKernels();
  if (nk) return nk.swigluBackward(g, u, dy, dg, du, n);
  for (let i = 0; i < n; i++) {
    const s = 1 / (1 + Math.exp(-g[i]));
    const d = dy[i];
    du[i] = d * g[i] * s;
    dg[i] = d * u[i] * s * (1 + g[i] * (1 - s));
  }
}
