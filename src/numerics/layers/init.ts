// Deterministic parameter creation from the declarations of spec.ts: each tensor is a pure function of
// (seed, full parameter name), so a model's initial weights do not depend on creation order or on which
// process (MemoryX, a CS-X, a test) creates them.
import { fillNormal, hashString, mixKey } from "../rng.js";
import { Tensor } from "../tensor.js";
import type { InitStds, LayerSpec, ParamDecl } from "./spec.js";
import { layerParams } from "./spec.js";

/** Full name of a layer's parameter: `${layerName}.${localName}`. */
export function fullParamName(layerName: string, local: string): string {
  return layerName ? `${layerName}.${local}` : local;
}

/** Tensors for the declarations, keyed by local name; normal draws keyed by (seed, layerName.local). */
export function paramsFromDecls(
  decls: readonly ParamDecl[],
  seed: number,
  layerName: string,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const d of decls) {
    const t = new Tensor(d.shape);
    if (d.init.kind === "ones") t.data.fill(1);
    else if (d.init.kind === "normal")
      fillNormal(t.data, mixKey(seed, hashString(fullParamName(layerName, d.name))), d.init.std);
    out.set(d.name, t);
  }
  return out;
}

/** The initial parameters of one layer. */
export function initLayerParams(
  spec: LayerSpec,
  stds: InitStds,
  seed: number,
  layerName: string,
): Map<string, Tensor> {
  return paramsFromDecls(layerParams(spec, stds), seed, layerName);
}
