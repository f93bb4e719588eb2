/**
 * The rescaling kernel of the CKKS evaluator: one component of a division by
 * the top prime with rounding. (The pointwise kernels, sums, products and the
 * tensor product, are the ring layer's: src/ntt/pointwise.ts.)
 *
 * @module
 */

import { type NttTables, forwardNttLazy, inverseNttLazyInput } from '../ntt/index.js';

/** Tables the rescaling kernel reads for the prime it divides by. */
export interface RescaleTables {
  /** NTT tables of q_0..q_l (index l is the prime divided by). */
  readonly tables: readonly NttTables[];
  /** q_l^-1 mod q_i for i < l. */
  readonly inv: Uint32Array;
  /** Shoup constants of inv. */
  readonly invShoup: Float64Array;
}

/**
 * One component of a rescale by q_l (Cheon, Han, Kim, Kim and Song, SAC 2018,
 * section 3.3, with rounding): O_i = (S_i - [S_l]_centered) * q_l^-1 mod q_i
 * for i < l, where [S_l]_centered is the centered remainder of the last limb,
 * so that O = round(S / q_l). S and O in NTT form; O may not alias S's first
 * l limbs unless it is S itself read limb by limb (it is: each limb is read
 * once, element by element, before being written).
 * Bounds: the shifted last limb y < q_l < 2^30; y - e q - [half]_q in [-2q, 2q)
 * (int32); d = S - z + 2q in (0, 3q] < 2^32 (exact in float64); the Shoup
 * product's remainder in [0, 2q), one correction.
 * @param S source component (l + 1 limbs, NTT form)
 * @param O destination (l limbs, NTT form)
 * @param t tables of the primes
 * @param l the level divided away
 * @param N ring degree
 * @param last scratch of N words
 * @param tmp scratch of N words
 */
export function rescaleComponent(S: Uint32Array, O: Uint32Array, t: RescaleTables, l: number, N: number, last: Uint32Array, tmp: Uint32Array): void {
  const ql = t.tables[l].q;
  const half = Math.floor(ql / 2);
  // Last limb to coefficient form, shifted by half: the centered remainder is then y - half.
  last.set(S.subarray(l * N, (l + 1) * N));
  inverseNttLazyInput(last, t.tables[l]);
  for (let c = 0; c < N; c++) {
    const s = (last[c] + half - ql) | 0;
    last[c] = s + ((s >> 31) & ql);
  }
  for (let i = 0; i < l; i++) {
    const tab = t.tables[i];
    const q = tab.q;
    const hq = half % q;
    const qInvF = 1 / q;
    // tmp = ([y]_q - [half]_q) mod q: the centered remainder of the last limb, modulo q.
    for (let c = 0; c < N; c++) {
      const y = last[c]; // < q_l < 2^30
      const e = (y * qInvF) | 0; // floor(y/q) +- 1
      let r = (y - Math.imul(e, q) - hq) | 0; // [-2q, 2q), int32
      r += (r >> 31) & q;
      r += (r >> 31) & q; // [0, 2q)
      r = (r - q) | 0;
      tmp[c] = r + ((r >> 31) & q);
    }
    forwardNttLazy(tmp, tab); // [0, 4q)
    const w = t.inv[i];
    const ws = t.invShoup[i];
    const off = i * N;
    const q2 = 2 * q;
    for (let c = 0; c < N; c++) {
      let z = (tmp[c] - q2) | 0;
      z += (z >> 31) & q2; // [0, 2q)
      const d = S[off + c] - z + q2; // (0, 3q]: exact, < 2^32
      // mulConst by q_l^-1 (Shoup): remainder in [0, 2q), one correction.
      const e = (d * ws) | 0;
      const r = (Math.imul(d, w) - Math.imul(e, q) - q) | 0; // [-q, q)
      O[off + c] = r + ((r >> 31) & q);
    }
  }
}
