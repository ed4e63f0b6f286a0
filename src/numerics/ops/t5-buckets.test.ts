// T5's relative position buckets against values worked by hand from the bucketing rule (32 buckets, max
// distance 128, T5's defaults), and the bias table's gradient as the sum over the positions of each bucket.
import { describe, expect, it } from "vitest";
import { positionBias, positionBiasBackward, relativeBucket } from "./t5-buckets.js";

describe("T5 relative position buckets", () => {
  it("bidirectional: 16 buckets a side, exact below 8, logarithmic to 128", () => {
    // r <= 0 in buckets 0..15, r > 0 in 16..31
    expect(relativeBucket(0, true, 32, 128)).toBe(0);
    expect(relativeBucket(-1, true, 32, 128)).toBe(1);
    expect(relativeBucket(1, true, 32, 128)).toBe(17);
    expect(relativeBucket(-7, true, 32, 128)).toBe(7);
    // |r| = 8: 8 + floor(log(8 / 8) / log(128 / 8) x 8) = 8; |r| = 16: 8 + floor(0.25 x 8) = 10
    expect(relativeBucket(-8, true, 32, 128)).toBe(8);
    expect(relativeBucket(-16, true, 32, 128)).toBe(10);
    // |r| = 64: 8 + floor(log 8 / log 16 x 8) = 8 + 6 = 14; beyond 128 the last bucket of the half
    expect(relativeBucket(64, true, 32, 128)).toBe(16 + 14);
    expect(relativeBucket(-1000, true, 32, 128)).toBe(15);
    expect(relativeBucket(1000, true, 32, 128)).toBe(31);
  });
  it("unidirectional: keys after the query share bucket 0, the past 32 buckets", () => {
    expect(relativeBucket(5, false, 32, 128)).toBe(0);
    expect(relativeBucket(-3, false, 32, 128)).toBe(3);
    // 16 exact; -r = 32: 16 + floor(log 2 / log 8 x 16) = 16 + 5 = 21
    expect(relativeBucket(-32, false, 32, 128)).toBe(21);
    expect(relativeBucket(-500, false, 32, 128)).toBe(31);
  });
  it("the bias looks the table up per head, and its gradient sums back into the buckets", () => {
    // 4 buckets, 2 heads, 2 queries x 3 keys, bidirectional, max distance 4: buckets of r = j - i
    // (2 a side, 1 exact): r 0 -> 0, r -1 -> 1, r 1 -> 3, r 2 -> 3
    const table = Float32Array.from([0, 10, 1, 11, 2, 12, 3, 13]); // [bucket, head]
    const bias = positionBias(table, 4, 2, 2, 3, true, 4);
    // head 0, query 0: r = 0, 1, 2 -> buckets 0, 3, 3; query 1: r = -1, 0, 1 -> 1, 0, 3
    expect([...bias.subarray(0, 6)]).toEqual([0, 3, 3, 1, 0, 3]);
    expect([...bias.subarray(6, 12)]).toEqual([10, 13, 13, 11, 10, 13]);
    const d = new Float32Array(8);
    positionBiasBackward(new Float32Array(12).fill(1), 4, 2, 2, 3, true, 4, d);
    // bucket 0 twice, 1 once, 2 never, 3 three times, for each head
    expect([...d]).toEqual([2, 2, 1, 1, 0, 0, 3, 3]);
  });
});
