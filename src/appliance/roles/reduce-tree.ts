// The SwarmX reduction, with the tree's shape from src/hw (swarmxTree): systems are the leaves, in order;
// each node of a level adds its (up to) `fanout` children left to right; the root's sum goes to MemoryX. The
// order of additions is fixed by the tree, so the result is the same bit for bit on every run.
//
// Lanes: a system's host I/O is `lanes` links of one NIC rate, each its own tree; a tensor is cut into `lanes`
// contiguous chunks, one per lane. Lanes partition elements, so they change where an element is summed, never
// the order of its additions.
import type { SwarmXTree } from "../../hw/index.js";
import { ApplianceError } from "../errors.js";

/**
 * Sum elements [lo, hi) of `inputs` (one per system) through one tree of `fanout` into `out[lo, hi)`. Each node
 * adds its children left to right, element by element; the root writes straight into `out`.
 */
export function treeSumInto(
  out: Float32Array,
  inputs: readonly Float32Array[],
  fanout: number,
  lo = 0,
  hi = inputs[0].length,
): void {
  const len = hi - lo;
  let level: Float32Array[] = inputs.map((x) => x.subarray(lo, hi));
  if (level.length === 1) {
    out.set(level[0], lo);
    return;
  }
  while (level.length > 1) {
    const nodes = Math.ceil(level.length / fanout);
    const next: Float32Array[] = [];
    for (let g = 0; g < nodes; g++) {
      const kids = level.slice(g * fanout, (g + 1) * fanout);
      const acc = nodes === 1 ? out.subarray(lo, hi) : new Float32Array(len);
      if (kids.length === 1) acc.set(kids[0]);
      else {
        const k0 = kids[0];
        const k1 = kids[1];
        for (let i = 0; i < len; i++) acc[i] = k0[i] + k1[i];
        for (let k = 2; k < kids.length; k++) {
          const c = kids[k];
          for (let i = 0; i < len; i++) acc[i] += c[i];
        }
      }
      next.push(acc);
    }
    level = next;
  }
}

/** Sum `inputs` (one per system, equal lengths) into a new array through one tree of `fanout`. */
export function treeSum(inputs: readonly Float32Array[], fanout: number): Float32Array {
  const out = new Float32Array(inputs[0].length);
  treeSumInto(out, inputs, fanout);
  return out;
}

/** Reduce one tensor from every system through all lanes of the SwarmX tree. */
export function swarmxReduce(
  inputs: readonly Float32Array[],
  tree: SwarmXTree,
  fanout: number,
): Float32Array {
  const n = inputs[0].length;
  for (const x of inputs) {
    if (x.length !== n)
      throw new ApplianceError(
        `SwarmX reduce: one system sent ${x.length} elements, another ${n}; every system must send the same tensor shape`,
      );
  }
  if (inputs.length === 1) return inputs[0];
  const out = new Float32Array(n);
  const chunk = Math.ceil(n / tree.lanes);
  for (let lane = 0; lane < tree.lanes; lane++) {
    const lo = Math.min(n, lane * chunk);
    const hi = Math.min(n, lo + chunk);
    if (hi > lo) treeSumInto(out, inputs, fanout, lo, hi);
  }
  return out;
}
