// The host kernel of every layer kind: one table keyed by kind (see ./kernel.ts for the contract).
import { NumericsValueError } from "../errors.js";
import { denseKernel } from "./dense.js";
import { embeddingKernel } from "./embedding.js";
import { finalNormKernel } from "./final-norm.js";
import { classifierHeadKernel, lmHeadKernel, mlmHeadKernel, nspHeadKernel } from "./heads.js";
import type { LayerKernel } from "./kernel.js";
import type { LayerKind } from "./spec.js";
import { LAYER_KINDS } from "./spec.js";
import { patchEmbeddingKernel } from "./patch-embedding.js";
import { taskHeadKernel } from "./task-head.js";
import { transformerBlockKernel } from "./transformer-block.js";

export const LAYER_KERNELS: { readonly [K in LayerKind]: LayerKernel<K> } = {
  embedding: embeddingKernel,
  transformer_block: transformerBlockKernel,
  final_norm: finalNormKernel,
  lm_head: lmHeadKernel,
  mlm_head: mlmHeadKernel,
  nsp_head: nspHeadKernel,
  dense: denseKernel,
  classifier_head: classifierHeadKernel,
  task_head: taskHeadKernel,
  patch_embedding: patchEmbeddingKernel,
};

/** The host kernel of a layer kind; a clear error naming the kind when there is none. */
export function layerKernel<K extends LayerKind>(kind: K): LayerKernel<K> {
  const k = (LAYER_KERNELS as unknown as Record<string, LayerKernel<K> | undefined>)[kind];
  if (!k) {
    throw new NumericsValueError(
      `no host kernel for layer kind "${kind}"; known kinds: ${Object.keys(LAYER_KINDS).join(", ")}`,
    );
  }
  return k;
}
