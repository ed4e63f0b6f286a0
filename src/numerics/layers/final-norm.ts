// final_norm: the norm after the last block, [B, T, H] -> [B, T, H].
import { take } from "../pool.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel, NormSaved } from "./kernel.js";
import { gradIn, input, normBackward, normForward } from "./kernel.js";

const K = "final_norm" as const;

export const finalNormKernel: LayerKernel<"final_norm"> = {
  isHead: false,
  forward(spec, params, x, batch) {
    const shape = [batch.size, batch.seqLen, spec.hidden];
    const xd = input(x, K, shape);
    const y = take(xd.length, false);
    const saved = normForward(
      spec.norm,
      params,
      K,
      "",
      spec.normEps,
      xd,
      batch.size * batch.seqLen,
      spec.hidden,
      y,
    );
    return { y: new Tensor(shape, y), saved };
  },
  backward(spec, params, saved, dy, batch) {
    const shape = [batch.size, batch.seqLen, spec.hidden];
    const g = gradIn(dy, K, shape);
    const grads: GradMap = new Map();
    const dx = take(g.length, false);
    normBackward(
      spec.norm,
      params,
      K,
      "",
      saved as NormSaved,
      g,
      batch.size * batch.seqLen,
      spec.hidden,
      dx,
      grads,
      false,
    );
    return { dx: new Tensor(shape, dx), grads };
  },
};
