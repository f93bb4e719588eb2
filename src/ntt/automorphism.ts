/**
 * Ring automorphisms sigma_g : a(X) -> a(X^g) of Z_q[X]/(X^N + 1), g odd.
 *
 * In CKKS, sigma_{5^k mod 2N} rotates the slots by k and sigma_{2N-1}
 * conjugates them (Cheon, Kim, Kim and Song, ASIACRYPT 2017, section 4).
 *
 * Coefficient form: X^i maps to X^(i*g mod 2N), and X^(N+j) = -X^j.
 * NTT form: slot i of the (bit-reversed) NTT holds a(psi^(2*brev(i)+1)), so
 * sigma_g(a) at that point is a(psi^((2*brev(i)+1)*g)): a pure permutation of
 * the slots, with no sign changes.
 *
 * @module
 */

import { checkInt, checkU32, rangeError, typeError } from './errors.js';
import { bitReverse } from './ntt.js';
import { MAX_LOG_N, MIN_LOG_N, checkLogN } from './primes.js';

/** The generator of the rotation group used by CKKS: 5 has order N/2 modulo 2N. */
export const GALOIS_GENERATOR = 5;

function checkGaloisElement(fn: string, g: unknown, logN: number): asserts g is number {
  const M = 2 ** (logN + 1);
  checkInt(fn, 'g', g, 1, M - 1);
  if ((g as number) % 2 === 0) rangeError(fn, 'g', `odd (a unit modulo 2N = ${M})`, g);
}

/**
 * The Galois element 5^k mod 2N that rotates CKKS slots left by k
 * (negative k rotates right).
 * @param k rotation step, any safe integer
 * @param logN log2 of the ring degree
 * @returns g in [1, 2N), odd
 */
export function galoisElementForRotation(k: number, logN: number): number {
  checkLogN('galoisElementForRotation', logN);
  checkInt('galoisElementForRotation', 'k', k, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const M = 2 ** (logN + 1);
  const order = M / 4; // 5 has order N/2 modulo 2N
  let e = k % order;
  if (e < 0) e += order;
  let g = 1;
  let b = GALOIS_GENERATOR;
  while (e > 0) {
    if (e & 1) g = (g * b) % M; // both < 2^18: product < 2^36, exact
    b = (b * b) % M;
    e >>>= 1;
  }
  return g;
}

/**
 * The Galois element 2N - 1 (X -> X^-1) that conjugates CKKS slots.
 * @param logN log2 of the ring degree
 */
export function galoisElementForConjugation(logN: number): number {
  checkLogN('galoisElementForConjugation', logN);
  return 2 ** (logN + 1) - 1;
}

/**
 * Apply sigma_g to one limb in coefficient form: out[i*g mod 2N] = +/- a[i].
 * out must not alias a.
 * @param a N residues in [0, q)
 * @param out N words, overwritten
 * @param g odd Galois element in [1, 2N)
 * @param q the limb's modulus
 * @throws RangeError/TypeError on bad arguments (before writing anything)
 */
export function automorphismCoeff(a: Uint32Array, out: Uint32Array, g: number, q: number): void {
  if (!(a instanceof Uint32Array)) typeError('automorphismCoeff', 'a', 'a Uint32Array', a);
  const N = a.length;
  const logN = Math.log2(N);
  if (!(Number.isInteger(logN) && logN >= MIN_LOG_N && logN <= MAX_LOG_N)) {
    rangeError('automorphismCoeff', 'a', `of length a power of two in [2^${MIN_LOG_N}, 2^${MAX_LOG_N}]`, a);
  }
  checkU32('automorphismCoeff', 'out', out, N);
  checkGaloisElement('automorphismCoeff', g, logN);
  if (out.buffer === a.buffer && out.byteOffset < a.byteOffset + a.byteLength && a.byteOffset < out.byteOffset + out.byteLength) {
    rangeError('automorphismCoeff', 'out', 'a buffer that does not overlap a', 'an overlapping view');
  }
  const mask = 2 * N - 1;
  let idx = 0; // i*g mod 2N, updated incrementally (< 2^18)
  for (let i = 0; i < N; i++) {
    const v = a[i];
    if (idx < N) out[idx] = v;
    else out[idx - N] = v === 0 ? 0 : q - v;
    idx = (idx + g) & mask;
  }
}

/**
 * The slot permutation of sigma_g in NTT form: sigma_g(a)^[i] = a^[perm[i]].
 * @param logN log2 of the ring degree
 * @param g odd Galois element in [1, 2N)
 * @returns a Uint32Array permutation of [0, N)
 */
export function automorphismNttIndex(logN: number, g: number): Uint32Array {
  checkLogN('automorphismNttIndex', logN);
  checkGaloisElement('automorphismNttIndex', g, logN);
  const N = 2 ** logN;
  const mask = 2 * N - 1;
  const perm = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    const e = 2 * bitReverse(i, logN) + 1; // evaluation exponent of slot i
    const eg = Number((BigInt(e) * BigInt(g)) & BigInt(mask)); // odd, < 2N
    perm[i] = bitReverse((eg - 1) >>> 1, logN);
  }
  return perm;
}

/**
 * Apply sigma_g to one limb in NTT form with a precomputed permutation.
 * out must not alias a.
 * @param a N values in NTT form
 * @param out N words, overwritten
 * @param perm {@link automorphismNttIndex}(logN, g)
 * @throws RangeError/TypeError on bad arguments
 */
export function automorphismNtt(a: Uint32Array, out: Uint32Array, perm: Uint32Array): void {
  if (!(a instanceof Uint32Array)) typeError('automorphismNtt', 'a', 'a Uint32Array', a);
  const N = a.length;
  checkU32('automorphismNtt', 'out', out, N);
  checkU32('automorphismNtt', 'perm', perm, N);
  if (out.buffer === a.buffer && out.byteOffset < a.byteOffset + a.byteLength && a.byteOffset < out.byteOffset + out.byteLength) {
    rangeError('automorphismNtt', 'out', 'a buffer that does not overlap a', 'an overlapping view');
  }
  for (let i = 0; i < N; i++) out[i] = a[perm[i]];
}
