// dense: fully connected layer with activation and dropout (site 0) for the MLP family: [B, in] -> [B, out].
// As a first layer it reads batch.features and returns dx = null.
import { activation } from "../ops/activations.js";
import { dropoutApply } from "../ops/dropout.js";
import { Tensor } from "../tensor.js";
import type { GradMap, LayerKernel } from "./kernel.js";
import { dropoutSite, gradIn, mlpInput, projBackward, projForward, rate } from "./kernel.js";

const K = "dense" as const;

interface DenseSaved {
  readonly x: Float32Array;
  readonly first: boolean;
  readonly z: Float32Array;
  readonly a: Float32Array;
}

export const denseKernel: LayerKernel<"dense"> = {
  isHead: false,
  forward(spec, params, x, batch, ctx) {
    const B = batch.size;
    const { inFeatures: I, outFeatures: O } = spec;
    const xd = mlpInput(x, batch, K, I);
    const z = new Float32Array(B * O);
    projForward(params, K, "fc", spec.bias, xd, B, I, O, z);
    const a = new Float32Array(B * O);
    activation(spec.activation).forward(z, a, B * O);
    const y = a.slice();
    dropoutApply(y, B, O, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    return { y: new Tensor([B, O], y), saved: { x: xd, first: x === null, z, a } satisfies DenseSaved };
  },
  backward(spec, params, saved, dy, batch, ctx) {
    const B = batch.size;
    const { inFeatures: I, outFeatures: O } = spec;
    const s = saved as DenseSaved;
    const d = gradIn(dy, K, [B, O]).slice();
    dropoutApply(d, B, O, rate(spec.dropout, ctx), dropoutSite(ctx, batch, 0));
    activation(spec.activation).backward(s.z, s.a, d, d, B * O);
    const grads: GradMap = new Map();
    const dx = s.first ? null : new Float32Array(B * I);
    projBackward(params, K, "fc", spec.bias, d, s.x, B, I, O, dx, grads);
    return { dx: dx ? new Tensor([B, I], dx) : null, grads };
  },
};
