// A free list of Float32Arrays by length, so a training step reuses its activation and gradient buffers
// instead of allocating ~200 MB of fresh (zeroed, page-faulted, garbage-collected) memory every step.
//
// Ownership rule: whoever takes a buffer gives it back once nothing reads it any more, and never uses it
// after. Layer kernels give back their own temporaries and, in the backward, what they saved in the forward
// (never their input x, which the layer before owns); the runner gives back each layer's output after that
// layer's backward, each gradient dy after it was consumed, and the parameter gradients after the optimizer
// step. Arrays that are never given back are simply garbage-collected: forgetting `give` costs speed, not
// correctness. Giving back an array still in use is the one real bug this invites; the whole-model tests
// against PyTorch run through these paths.

const free = new Map<number, Float32Array[]>();
/** Arrays in the free lists now, so giving one back twice is ignored instead of handing it out twice. */
const inPool = new WeakSet<Float32Array>();
let pooledBytes = 0;
/** Upper bound on what the pool keeps (bytes); beyond it, given-back arrays are left to the GC. */
export const POOL_MAX_BYTES = 1024 * 1024 * 1024;
/** Arrays shorter than this are not pooled (allocation is cheap for them). */
const MIN_POOLED = 1024;

/** A buffer of n elements: zeroed unless `zero` is false (then its contents are arbitrary). */
export function take(n: number, zero = true): Float32Array {
  if (n >= MIN_POOLED) {
    const list = free.get(n);
    const a = list?.pop();
    if (a) {
      inPool.delete(a);
      pooledBytes -= a.byteLength;
      if (zero) a.fill(0);
      return a;
    }
  }
  return new Float32Array(n);
}

/** Returns buffers to the pool (nulls and short arrays are ignored). Views into larger buffers are not pooled. */
export function give(...arrays: (Float32Array | null | undefined)[]): void {
  for (const a of arrays) {
    if (!a || a.length < MIN_POOLED || inPool.has(a)) continue;
    if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength) continue;
    if (pooledBytes + a.byteLength > POOL_MAX_BYTES) continue;
    let list = free.get(a.length);
    if (!list) {
      list = [];
      free.set(a.length, list);
    }
    list.push(a);
    inPool.add(a);
    pooledBytes += a.byteLength;
  }
}

/** Empties the pool (memory goes back to the GC). */
export function drainPool(): void {
  free.clear();
  pooledBytes = 0;
}

/** Bytes held by the pool now. */
export function pooledBytesNow(): number {
  return pooledBytes;
}
