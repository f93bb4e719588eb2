/**
 * BASELINE for the NTT benchmark: the textbook negacyclic NTT, as one would
 * first write it in JavaScript. Not used by the library.
 *
 * Algorithm (e.g. Longa and Naehrig 2016, section 2): multiply coefficient i by
 * psi^i (which turns the negacyclic transform into a cyclic one), permute into
 * bit-reversed order, then run the iterative radix-2 Cooley-Tukey transform
 * with omega = psi^2. Every product and every sum is reduced with BigInt `%`,
 * so values never leave [0, q).
 *
 * Output is in natural order: out[k] = a(psi^(2k+1)). The library's
 * forwardNtt stores the same value at index bitReverse(k, logN).
 */

import { bitReverse } from '../src/ntt/ntt.js';

export interface BaselineTables {
  readonly N: number;
  readonly logN: number;
  readonly q: bigint;
  /** psi^i mod q, i < N. */
  readonly psiPow: readonly bigint[];
  /** omega^i mod q (omega = psi^2), i < N/2. */
  readonly omegaPow: readonly bigint[];
  /** bitReverse(i, logN). */
  readonly rev: Uint32Array;
}

/** Precompute the (BigInt) twiddle tables; not part of the timed transform. */
export function createBaselineTables(q: number, psi: number, logN: number): BaselineTables {
  const N = 2 ** logN;
  const Q = BigInt(q);
  const p = BigInt(psi);
  const psiPow: bigint[] = new Array(N);
  psiPow[0] = 1n;
  for (let i = 1; i < N; i++) psiPow[i] = (psiPow[i - 1] * p) % Q;
  const omega = (p * p) % Q;
  const omegaPow: bigint[] = new Array(N / 2);
  omegaPow[0] = 1n;
  for (let i = 1; i < N / 2; i++) omegaPow[i] = (omegaPow[i - 1] * omega) % Q;
  const rev = new Uint32Array(N);
  for (let i = 0; i < N; i++) rev[i] = bitReverse(i, logN);
  return { N, logN, q: Q, psiPow, omegaPow, rev };
}

/**
 * Textbook forward negacyclic NTT: out[k] = sum_i a[i] psi^((2k+1) i) mod q.
 * @param a N coefficients in [0, q) (not modified)
 * @param t tables from {@link createBaselineTables}
 * @param out N words, overwritten with the evaluations in natural order
 */
export function baselineForwardNtt(a: Uint32Array, t: BaselineTables, out: Uint32Array): void {
  const { N, q, psiPow, omegaPow, rev } = t;
  const x: bigint[] = new Array(N);
  // Twist by psi^i and scatter to bit-reversed positions.
  for (let i = 0; i < N; i++) x[rev[i]] = (BigInt(a[i]) * psiPow[i]) % q;
  // Iterative Cooley-Tukey, butterflies of growing span.
  for (let len = 2; len <= N; len <<= 1) {
    const half = len >>> 1;
    const step = N / len;
    for (let start = 0; start < N; start += len) {
      for (let j = 0; j < half; j++) {
        const u = x[start + j];
        const v = (x[start + j + half] * omegaPow[j * step]) % q;
        x[start + j] = (u + v) % q;
        x[start + j + half] = (u - v + q) % q;
      }
    }
  }
  for (let i = 0; i < N; i++) out[i] = Number(x[i]);
}
