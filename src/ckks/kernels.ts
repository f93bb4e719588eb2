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
  shiftByHalf(last, N, ql, half);
  // The loops are kernels of their own (not inlined here) so that V8 compiles each as a whole
  // function with complete type feedback instead of on-stack-replacing this one's loops.
  for (let i = 0; i < l; i++) {
    const tab = t.tables[i];
    const q = tab.q;
    centeredRemainder(last, tmp, N, q, half % q);
    forwardNttLazy(tmp, tab); // [0, 4q)
    subtractScale(S, tmp, O, i * N, N, q, t.inv[i], t.invShoup[i]);
  }
}

/**
 * x[c] = (x[c] + half) mod ql for c < N, x in [0, ql): x + half - ql is in [-ql, ql/2)
 * (int32, ql < 2^30), one correction.
 */
function shiftByHalf(x: Uint32Array, N: number, ql: number, half: number): void {
  N |= 0;
  ql |= 0;
  half |= 0;
  for (let c = 0; c < N; c++) {
    const s = (x[c] + half - ql) | 0;
    x[c] = s + ((s >> 31) & ql);
  }
}

/**
 * tmp[c] = (y[c] - hq) mod q in [0, q) for c < N, y < 2^30 (the shifted last limb), hq in [0, q).
 * Bounds: e = floor(y/q) +- 1 from the float estimate; y - e q - hq is in [-2q, 2q) (int32);
 * two corrections give [0, 2q), a third (after subtracting q) [0, q).
 */
function centeredRemainder(y: Uint32Array, tmp: Uint32Array, N: number, q: number, hq: number): void {
  N |= 0;
  q |= 0;
  hq |= 0;
  const qInvF = 1 / q;
  for (let c = 0; c < N; c++) {
    const v = y[c]; // < q_l < 2^30
    const e = (v * qInvF) | 0; // floor(v/q) +- 1
    let r = (v - Math.imul(e, q) - hq) | 0; // [-2q, 2q), int32
    r += (r >> 31) & q;
    r += (r >> 31) & q; // [0, 2q)
    r = (r - q) | 0;
    tmp[c] = r + ((r >> 31) & q);
  }
}

/**
 * O[off + c] = (S[off + c] - z[c]) * w mod q in [0, q) for c < N (w = q_l^-1 mod q, ws its
 * Shoup constant), z in [0, 4q) after a lazy NTT, S in [0, q).
 * Bounds: z - 2q wraps into [-2q, 2q) (int32), one correction to [0, 2q); d = S - z + 2q is in
 * (0, 3q], exact, < 2^32; d * ws < 2^32 in float64; Math.imul wraps modulo 2^32 (int32) and the
 * Shoup remainder minus q is in [-q, q), one correction.
 */
function subtractScale(S: Uint32Array, z: Uint32Array, O: Uint32Array, off: number, N: number, q: number, w: number, ws: number): void {
  off |= 0;
  N |= 0;
  q |= 0;
  w |= 0;
  const q2 = 2 * q;
  for (let c = 0; c < N; c++) {
    let zc = (z[c] - q2) | 0;
    zc += (zc >> 31) & q2; // [0, 2q)
    const d = S[off + c] - zc + q2; // (0, 3q]: exact, < 2^32
    const e = (d * ws) | 0;
    const r = (Math.imul(d, w) - Math.imul(e, q) - q) | 0; // [-q, q)
    O[off + c] = r + ((r >> 31) & q);
  }
}

/**
 * Residue of an integer-valued float64 (any magnitude) modulo q, in [0, q).
 * `%` is exact on doubles, so no bound on x applies.
 * @param x an integer-valued double
 * @param q the modulus
 * @returns x mod q in [0, q)
 */
export function residueOfInteger(x: number, q: number): number {
  const r = x % q;
  return r < 0 ? r + q : r;
}
