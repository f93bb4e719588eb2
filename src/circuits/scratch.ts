/**
 * Scratch arrays for computations shared with worker threads (./workers.ts):
 * views carved from SharedArrayBuffer slabs pooled per worker set, reused from
 * one evaluation to the next, and given up at the end of a bootstrapping.
 * Used by the double-hoisted transforms (./bsgs-qp.ts) and the split
 * relinearization (./relin-split.ts).
 *
 * @module
 */

import type { CircuitWorkers } from './workers.js';

/**
 * Shared scratch buffers per worker set, reused from one evaluation to the
 * next: SharedArrayBuffers are freed only by a garbage collection, and a
 * transform at the top of a long chain takes hundreds of MB of them. The
 * buffers are slabs of one size (`cap` bytes: {@link SLAB_ARRAYS} times the
 * largest array asked so far) and arrays are carved from them one after the
 * other, so the pool holds what the largest evaluation needs, not as many
 * top-level arrays as the evaluation with the most arrays (at N = 2^16, the
 * 71 arrays of 27 limbs of the first SlotsToCoeffs transform took 71 arrays of
 * 51 limbs, 950 MB; they now take 5 slabs, 535 MB). Slabs of a smaller size
 * left from before are dropped.
 */
const SLAB_ARRAYS = 8;

const sharedScratch = new WeakMap<CircuitWorkers, { cap: number; free: SharedArrayBuffer[] }>();

/**
 * Drop a worker set's pooled slabs: the next evaluation allocates new ones.
 * A bootstrapping calls this when it ends, so that the slabs of its largest
 * transform (0.5 GiB at N = 2^16 on the training chain) are not held through
 * the iterations between two bootstrappings; the memory returns once the
 * threads that saw the slabs have collected their handles.
 * @param workers the worker set
 */
export function releaseSharedScratch(workers: CircuitWorkers): void {
  sharedScratch.delete(workers);
}

/** Scratch arrays of one evaluation: fresh ones, or views carved from shared slabs of the worker set's pool (and given back). */
export class Scratch {
  private readonly pool: { cap: number; free: SharedArrayBuffer[] } | undefined;
  private readonly taken: SharedArrayBuffer[] = [];
  /** Bytes of the last slab taken already carved. */
  private used = 0;

  constructor(workers: CircuitWorkers | undefined) {
    if (workers === undefined) return;
    let p = sharedScratch.get(workers);
    if (p === undefined) {
      p = { cap: 0, free: [] };
      sharedScratch.set(workers, p);
    }
    this.pool = p;
  }

  /** n words, zero unless `dirty` (the caller overwrites them all); shared with a worker set. */
  words(n: number, dirty = false): Uint32Array {
    const p = this.pool;
    if (p === undefined) return new Uint32Array(n);
    const bytes = 4 * n;
    if (bytes * SLAB_ARRAYS > p.cap) {
      // Slabs of the new size from now on; the smaller ones (free, or taken by this evaluation) are dropped.
      p.cap = bytes * SLAB_ARRAYS;
      p.free = [];
      this.taken.length = 0;
      this.used = p.cap; // no room left in any slab taken: the next array takes a new one
    }
    const last = this.taken.length - 1;
    let a: Uint32Array;
    if (last >= 0 && this.used + bytes <= p.cap) {
      a = new Uint32Array(this.taken[last], this.used, n);
      this.used += bytes;
    } else {
      const buf = p.free.pop() ?? new SharedArrayBuffer(p.cap);
      this.taken.push(buf);
      a = new Uint32Array(buf, 0, n);
      this.used = bytes;
    }
    if (!dirty) a.fill(0);
    return a;
  }

  /** The shared slabs back to the pool (no view may be used afterwards). */
  release(): void {
    const p = this.pool;
    if (p === undefined) return;
    for (const b of this.taken) if (b.byteLength === p.cap) p.free.push(b);
    this.taken.length = 0;
    this.used = 0;
  }
}

