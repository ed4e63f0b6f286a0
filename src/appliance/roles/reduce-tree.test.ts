// The SwarmX reduction adds in the order its tree fixes: pinned with float32 values where order changes the sum.
import { describe, expect, it } from "vitest";
import { ALCF_CLUSTER, makeCluster, swarmxTree, CS2 } from "../../hw/index.js";
import { swarmxReduce, treeSum } from "./reduce-tree.js";

const f = (...v: number[]) => Float32Array.from(v);

describe("SwarmX reduce tree", () => {
  it("adds pairs then pairs of sums with fanout 2, and left to right with fanout 4", () => {
    // float32: 1e8 + 1 = 1e8 and -1e8 + 1 = -1e8 (the ulp at 1e8 is 8).
    const xs = [f(1e8), f(1), f(-1e8), f(1)];
    expect(treeSum(xs, 2)[0]).toBe(0); // (1e8 + 1) + (-1e8 + 1) = 1e8 + -1e8
    expect(treeSum(xs, 4)[0]).toBe(1); // ((1e8 + 1) + -1e8) + 1
  });

  it("cuts tensors into lanes without changing any element's sum, and is deterministic", () => {
    const c = makeCluster(CS2, 16);
    const tree = swarmxTree(c);
    expect(tree.lanes).toBe(12);
    const inputs = Array.from({ length: 16 }, (_, s) =>
      Float32Array.from({ length: 1001 }, (_, i) => Math.sin(s * 7 + i) * 10 ** (i % 5)),
    );
    const r = swarmxReduce(inputs, tree, c.swarmx.fanout);
    expect(r).toEqual(treeSum(inputs, c.swarmx.fanout));
    expect(swarmxReduce(inputs, tree, c.swarmx.fanout)).toEqual(r);
    // against a float64 sum, within float32 rounding of 16 terms
    for (let i = 0; i < 1001; i += 97) {
      const exact = inputs.reduce((a, x) => a + x[i], 0);
      const mag = inputs.reduce((a, x) => a + Math.abs(x[i]), 0);
      expect(Math.abs(r[i] - exact)).toBeLessThanOrEqual(mag * 16 * 2 ** -23);
    }
  });

  it("passes one system's tensor through unchanged", () => {
    const x = f(1, 2, 3);
    expect(swarmxReduce([x], swarmxTree(ALCF_CLUSTER), 4)).toEqual(x);
    expect(() => swarmxReduce([x, f(1)], swarmxTree(ALCF_CLUSTER), 4)).toThrow(/same tensor shape/);
  });
});
