// The feed-forward part of a transformer block: fc1 -> activation -> fc2, or the gated SwiGLU form
// (silu(x W_gate^T) * (x W_up^T)) W_fc2^T, its parameters under `prefix` ("mlp", or one expert's).
// Shapes: R rows, H hidden, F ffn width.
import { activation, gatedBackward, gatedForward } from "../ops/activations.js";
import { give, take } from "../pool.js";
import type { GradMap, ParamMap } from "./kernel.js";
import { projBackward, projForward } from "./kernel.js";
import { isGated } from "./spec.js";
import type { GatedActivation, TransformerBlockSpec } from "./spec.js";

export interface MlpSaved {
  readonly x: Float32Array;
  /** fc1 output (pre-activation), or the gate projection of a gated MLP. */
  readonly f: Float32Array;
  /** the up projection (gated MLPs only). */
  readonly u: Float32Array | null;
  /** activation output, the input of fc2. */
  readonly a: Float32Array;
}

const K = "transformer_block" as const;

/** out [R,H] = mlp(x [R,H]). */
export function mlpForward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  x: Float32Array,
  rows: number,
  out: Float32Array,
  prefix = "mlp",
): MlpSaved {
  const { hidden: h, ffn: f, mlpBias: bias } = spec;
  const n = rows * f;
  const fbuf = take(n, false);
  const a = take(n, false);
  let u: Float32Array | null = null;
  if (isGated(spec.activation)) {
    u = take(n, false);
    projForward(params, K, `${prefix}.gate`, bias, x, rows, h, f, fbuf);
    projForward(params, K, `${prefix}.up`, bias, x, rows, h, f, u);
    gatedForward(spec.activation, fbuf, u, a, n);
  } else {
    projForward(params, K, `${prefix}.fc1`, bias, x, rows, h, f, fbuf);
    activation(spec.activation).forward(fbuf, a, n);
  }
  projForward(params, K, `${prefix}.fc2`, bias, a, rows, f, h, out);
  return { x, f: fbuf, u, a };
}

/**
 * dx [R,H] from dout [R,H]: written, or added to when `accumulate`. Sets the MLP's gradients. Gives back the
 * buffers the forward saved (not s.x, the MLP's input, which its caller owns).
 */
export function mlpBackward(
  spec: TransformerBlockSpec,
  params: ParamMap,
  s: MlpSaved,
  dout: Float32Array,
  rows: number,
  dx: Float32Array,
  grads: GradMap,
  accumulate: boolean,
  prefix = "mlp",
): void {
  const { hidden: h, ffn: f, mlpBias: bias } = spec;
  const n = rows * f;
  const da = take(n, false);
  projBackward(params, K, `${prefix}.fc2`, bias, dout, s.a, rows, f, h, da, grads);
  if (s.u) {
    const du = take(n, false);
    // da becomes d(gate) in place: gatedBackward reads dy[i] before writing dg[i].
    gatedBackward(spec.activation as GatedActivation, s.f, s.u, da, da, du, n);
    projBackward(params, K, `${prefix}.gate`, bias, da, s.x, rows, h, f, dx, grads, accumulate);
    projBackward(params, K, `${prefix}.up`, bias, du, s.x, rows, h, f, dx, grads, true);
    give(du);
  } else {
    activation(spec.activation).backward(s.f, s.a, da, da, n);
    projBackward(params, K, `${prefix}.fc1`, bias, da, s.x, rows, h, f, dx, grads, accumulate);
  }
  give(da, s.f, s.a, s.u);
}
