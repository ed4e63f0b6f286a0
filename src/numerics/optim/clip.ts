// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (Model Zoo max_gradient_norm):
// norm = sqrt(sum of every gradient element squared); when norm > maxNorm, every gradient is multiplied by
// maxNorm / (norm + 1e-6). The sum runs in float64 in a fixed order (the map's order; on the OpenBLAS backend
// each tensor is summed per fixed chunk of elements, then over the chunks in order), so it is deterministic
// and the same for any thread count.
import { NumericsValueError } from "../errors.js";
import { nativeKernels } from "../gemm.js";
import type { Tensor } from "../tensor.js";

/** The global L2 norm of the gradients, times `scale` (e.g. 1 / loss scale). */
export function globalGradNorm(grads: Iterable<Tensor>, scale = 1): number {
  const nk = nativeKernels();
  let s = 0;
  for (const g of grads) {
    const d = g.data;
    if (nk) s += nk.sumSquares(d);
    else for (let i = 0; i < d.length; i++) s += d[i] * d[i];
  }
  return Math.sqrt(s) * Math.abs(scale);
}

/**
 * Clips in place; returns the norm before clipping. `scale` is the factor the gradients still carry
 * (1 / loss scale), counted in the norm but not applied.
 */
export function clipGradNorm(grads: Iterable<Tensor>, maxNorm: number, scale = 1): number {
  if (!(maxNorm > 0)) throw new NumericsValueError(`max_gradient_norm ${maxNorm} must be > 0`);
  const list = [...grads];
  const norm = globalGradNorm(list, scale);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    const nk = nativeKernels();
    for (const g of list) {
      const d = g.data;
      if (nk) nk.scaleInPlace(d, coef);
      else for (let i = 0; i < d.length; i++) d[i] *= coef;
    }
  }
  return norm;
}
