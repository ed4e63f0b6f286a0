// A timing wheel: the simulator's event queue. Entries are small integers (router or PE indexes) due at a
// cycle. Near cycles live in a ring of buckets (constant-time add and take); far ones in a binary heap until
// they come within the ring's reach. Buckets are typed arrays that keep their storage between cycles, so a
// busy wafer does not churn the garbage collector. Nothing is stored for idle routers and PEs.

const RING = 64;
const MASK = RING - 1;
/** A long bucket with more ascending runs than this goes to the native sort instead of being merged. */
const MAX_RUNS = 64;

export class TimingWheel {
  private readonly buckets: Int32Array[] = Array.from({ length: RING }, () => new Int32Array(16));
  /** Entries in each bucket. */
  readonly lengths = new Int32Array(RING);
  private farTimes: number[] = [];
  private farIds: number[] = [];
  /** Entries held (ring and heap). */
  size = 0;
  /** The earliest cycle an entry may still be added for. */
  private base = 0;

  add(t: number, id: number): void {
    this.size++;
    if (t - this.base >= RING) {
      this.heapPush(t, id);
      return;
    }
    const i = t & MASK;
    const n = this.lengths[i];
    let b = this.buckets[i];
    if (n === b.length) {
      const g = new Int32Array(n * 2);
      g.set(b);
      this.buckets[i] = b = g;
    }
    b[n] = id;
    this.lengths[i] = n + 1;
  }

  /** The entries due at cycle `t` (the next due cycle): read lengths[t % RING] of them, then call done(t). */
  bucket(t: number): Int32Array {
    return this.buckets[t & MASK];
  }

  /** The number of entries due at cycle t so far (it grows while the cycle adds to itself). */
  count(t: number): number {
    return this.lengths[t & MASK];
  }

  /**
   * Sort cycle t's entries ascending. The simulator visits routers and PEs in this order, which decides
   * which of two senders gets the last free slot of a queue in a cycle; and a wavefront crossing the wafer
   * then walks memory forward instead of at random, which the caches reward.
   */
  sort(t: number): void {
    const i = t & MASK;
    const n = this.lengths[i];
    if (n < 2) return;
    const b = this.buckets[i];
    // Entries arrive as a few ascending runs (each visit of a sorted cycle schedules its neighbours in
    // order): skip the ordered prefix, insertion-sort a short bucket, merge a long one's runs, and leave a
    // long bucket of many short runs to the native sort.
    let k = 1;
    while (k < n && b[k - 1] <= b[k]) k++;
    if (k === n) return;
    if (n <= 48) {
      for (; k < n; k++) {
        const v = b[k];
        let j = k - 1;
        while (j >= 0 && b[j] > v) {
          b[j + 1] = b[j];
          j--;
        }
        b[j + 1] = v;
      }
      return;
    }
    if (this.sortByBits(b, n)) return;
    const ends = this.runEnds;
    let r = 0;
    ends[r++] = k;
    for (k++; k < n && r < MAX_RUNS; k++) if (b[k - 1] > b[k]) ends[r++] = k;
    if (k < n) {
      b.subarray(0, n).sort();
      return;
    }
    ends[r++] = n;
    this.mergeRuns(b, n, r);
  }

  /** Presence bits of the bucket being sorted, one per 16 ids from its smallest (see sortByBits). */
  private bits = new Int32Array(64);

  /**
   * Sort a long bucket through a bitmap when its entries are spread over few words: all ids alike modulo 16
   * (the simulator's ids are block offsets, 16-int aligned), no id twice, and no more 32-bit words spanned
   * than entries. Then one pass sets a bit per entry and one scan of the words writes them back in order,
   * cheaper than merging a dense cycle's many runs. Returns false, leaving b as it was, when it does not apply.
   */
  private sortByBits(b: Int32Array, n: number): boolean {
    let min = b[0];
    let max = b[0];
    const low = b[0] & 15;
    let mixed = 0;
    for (let i = 1; i < n; i++) {
      const v = b[i];
      if (v < min) min = v;
      else if (v > max) max = v;
      mixed |= (v & 15) ^ low;
    }
    const words = ((max - min) >> 9) + 1;
    if (mixed !== 0 || words > n) return false;
    if (this.bits.length < words) this.bits = new Int32Array(Math.max(words, 2 * this.bits.length));
    const bits = this.bits;
    bits.fill(0, 0, words);
    for (let i = 0; i < n; i++) {
      const u = (b[i] - min) >> 4;
      const m = 1 << (u & 31);
      if (bits[u >> 5] & m) return false; // an id twice: leave it to the merge
      bits[u >> 5] |= m;
    }
    let o = 0;
    for (let w = 0; w < words; w++) {
      let x = bits[w];
      while (x !== 0) {
        const lowest = x & -x;
        b[o++] = min + (((w << 5) | (31 - Math.clz32(lowest))) << 4);
        x ^= lowest;
      }
    }
    return true;
  }

  /** Ends of the ascending runs of the bucket being sorted, and a buffer to merge them through. */
  private readonly runEnds = new Int32Array(MAX_RUNS + 1);
  private scratch = new Int32Array(64);

  /** Merge the r ascending runs of b[0, n) that end at runEnds[0..r-1] (the last at n), in place. */
  private mergeRuns(b: Int32Array, n: number, r: number): void {
    if (this.scratch.length < n) this.scratch = new Int32Array(Math.max(n, 2 * this.scratch.length));
    const ends = this.runEnds;
    let src: Int32Array = b;
    let dst: Int32Array = this.scratch;
    while (r > 1) {
      // One pass: merge runs 0+1, 2+3, ... from src into dst; an odd last run is copied.
      let w = 0;
      let lo = 0;
      for (let j = 0; j < r; j += 2) {
        const mid = ends[j];
        const hi = j + 1 < r ? ends[j + 1] : mid;
        let x = lo;
        let y = mid;
        let o = lo;
        while (x < mid && y < hi) dst[o++] = src[x] <= src[y] ? src[x++] : src[y++];
        while (x < mid) dst[o++] = src[x++];
        while (y < hi) dst[o++] = src[y++];
        ends[w++] = hi;
        lo = hi;
      }
      r = w;
      const s = src;
      src = dst;
      dst = s;
    }
    if (src !== b) b.set(src.subarray(0, n));
  }

  /** Empty the bucket of cycle t after its entries were processed. */
  done(t: number): void {
    const i = t & MASK;
    this.size -= this.lengths[i];
    this.lengths[i] = 0;
  }

  /** The earliest cycle >= `from` with an entry, or -1; moves far entries into the ring as it goes. */
  next(from: number): number {
    if (this.size === 0) return -1;
    this.base = from;
    this.migrate();
    if (this.size > this.farTimes.length) {
      for (let t = from; t < from + RING; t++) if (this.lengths[t & MASK]) return t;
    }
    // Only far entries: jump to the earliest.
    const t = this.farTimes[0];
    this.base = t;
    this.migrate();
    return t;
  }

  private migrate(): void {
    while (this.farTimes.length && this.farTimes[0] - this.base < RING) {
      const t = this.farTimes[0];
      const id = this.farIds[0];
      this.heapPop();
      this.size--;
      this.add(t, id);
    }
  }

  private heapPush(t: number, id: number): void {
    const T = this.farTimes;
    const I = this.farIds;
    let i = T.length;
    T.push(t);
    I.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (T[parent] <= t) break;
      T[i] = T[parent];
      I[i] = I[parent];
      i = parent;
    }
    T[i] = t;
    I[i] = id;
  }

  private heapPop(): void {
    const T = this.farTimes;
    const I = this.farIds;
    const lastT = T.pop() as number;
    const lastI = I.pop() as number;
    const n = T.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && T[r] < T[l] ? r : l;
      if (T[c] >= lastT) break;
      T[i] = T[c];
      I[i] = I[c];
      i = c;
    }
    T[i] = lastT;
    I[i] = lastI;
  }
}
