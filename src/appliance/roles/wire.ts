// Tensors as messages carry them: plain objects of a shape and a Float32Array, so any transport can move them.
import { Tensor } from "../../numerics/index.js";

export interface WireTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Tensors by name, as plain data. */
export type WireTensors = Readonly<Record<string, WireTensor>>;

export function toWire(m: ReadonlyMap<string, Tensor>): Record<string, WireTensor> {
  const out: Record<string, WireTensor> = {};
  for (const [k, t] of m) out[k] = { shape: t.shape, data: t.data };
  return out;
}

/** Wrap received buffers as tensors (no copy: ownership passed with the message). */
export function fromWire(w: WireTensors): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of Object.entries(w)) out.set(k, new Tensor(t.shape, t.data));
  return out;
}
