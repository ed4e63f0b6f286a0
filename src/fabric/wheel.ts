// A timing wheel: the simulator's event queue. Entries are small integers (router or PE indexes) due at a
// cycle. Near cycles live in a ring of buckets (constant-time add and take); far ones in a binary heap until
// they come within the ring's reach. Nothing is stored for idle routers and PEs.

const RING = 4096;
const MASK = RING - 1;

export class TimingWheel {
  private readonly buckets: number[][] = Array.from({ length: RING }, () => []);
  private farTimes: number[] = [];
  private farIds: number[] = [];
  /** Entries held (ring and heap). */
  size = 0;
  /** The earliest cycle an entry may still be added for. */
  private base = 0;

  add(t: number, id: number): void {
    this.size++;
    if (t - this.base < RING) this.buckets[t & MASK].push(id);
    else this.heapPush(t, id);
  }

  /** The entries due at cycle `t` (t must be the next due cycle); the caller empties the array after use. */
  bucket(t: number): number[] {
    return this.buckets[t & MASK];
  }

  /** Mark `n` entries of a bucket consumed. */
  consumed(n: number): void {
    this.size -= n;
  }

  /** The earliest cycle >= `from` with an entry, or -1; moves far entries into the ring as it goes. */
  next(from: number): number {
    if (this.size === 0) return -1;
    this.base = from;
    this.migrate();
    const ringEntries = this.size - this.farTimes.length;
    if (ringEntries > 0) {
      for (let t = from; t < from + RING; t++) if (this.buckets[t & MASK].length) return t;
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
      this.buckets[t & MASK].push(id);
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
