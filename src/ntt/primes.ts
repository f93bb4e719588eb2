/**
 * NTT-friendly primes and primitive roots of unity.
 *
 * A prime q is NTT-friendly for ring degree N when q = 1 (mod 2N): then Z_q
 * holds a primitive 2N-th root of unity psi, and X^N + 1 splits into linear
 * factors (X - psi^(2k+1)).
 *
 * Primality is *proven*, not guessed: every candidate is below 2^30, and the
 * Miller-Rabin test with bases 2, 7 and 61 has no strong pseudoprime below
 * 4,759,123,141 (Jaeschke 1993), so for this range the test is deterministic.
 *
 * @module
 */

import { checkInt, rangeError, typeError } from './errors.js';
import { MAX_MODULUS_BITS, checkModulus, mulMod, powMod } from './modular.js';

/** Smallest supported log2 of the ring degree. */
export const MIN_LOG_N = 4;
/** Largest supported log2 of the ring degree. */
export const MAX_LOG_N = 17;

/**
 * Deterministic primality test for integers below 2^32.
 * @param n a safe integer in [0, 2^32)
 * @returns true exactly when n is prime
 * @throws RangeError if n is not an integer in [0, 2^32)
 */
export function isPrime(n: number): boolean {
  checkInt('isPrime', 'n', n, 0, 2 ** 32 - 1);
  if (n < 2) return false;
  for (const p of [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]) {
    if (n % p === 0) return n === p;
  }
  if (n >= 2 ** 30) return isPrimeBig(n);
  let d = n - 1;
  let s = 0;
  while (d % 2 === 0) {
    d /= 2;
    s++;
  }
  const inv = 1 / n;
  for (const a of [2, 7, 61]) {
    if (a % n === 0) continue; // n = 61: a base that is a multiple of n proves nothing
    let x = powMod(a % n, d, n);
    if (x === 1 || x === n - 1) continue;
    let composite = true;
    for (let i = 1; i < s; i++) {
      x = mulMod(x, x, n, inv);
      if (x === n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/** Miller-Rabin with bases 2, 7, 61 in BigInt, for 2^30 <= n < 2^32 (outside the word arithmetic's range). */
function isPrimeBig(n: number): boolean {
  const N = BigInt(n);
  let d = N - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  const pow = (b: bigint, e: bigint): bigint => {
    let r = 1n;
    b %= N;
    while (e > 0n) {
      if (e & 1n) r = (r * b) % N;
      b = (b * b) % N;
      e >>= 1n;
    }
    return r;
  };
  for (const a of [2n, 7n, 61n]) {
    let x = pow(a, d);
    if (x === 1n || x === N - 1n) continue;
    let composite = true;
    for (let i = 1; i < s; i++) {
      x = (x * x) % N;
      if (x === N - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

/**
 * Check the ring degree exponent.
 * @throws RangeError unless logN is an integer in [MIN_LOG_N, MAX_LOG_N]
 */
export function checkLogN(fn: string, logN: unknown): asserts logN is number {
  checkInt(fn, 'logN', logN, MIN_LOG_N, MAX_LOG_N);
}

/**
 * Generate distinct NTT-friendly primes, deterministically.
 *
 * For each requested size b (in order) the result holds the largest prime
 * q < 2^b with q = 1 (mod 2N) that is not already taken (by an earlier entry
 * or by `exclude`). The same arguments always give the same primes.
 *
 * @param logN log2 of the ring degree N, in [4, 17]
 * @param bitSizes the size of each prime in bits: each prime lies in [2^(b-1), 2^b); b in [logN + 2, 30]
 * @param exclude primes that must not be returned (e.g. an existing chain)
 * @returns the primes, one per entry of bitSizes
 * @throws RangeError on a bad logN or bit size, or if a size runs out of primes
 */
export function generateNttPrimes(logN: number, bitSizes: readonly number[], exclude: Iterable<number> = []): number[] {
  const fn = 'generateNttPrimes';
  checkLogN(fn, logN);
  if (!Array.isArray(bitSizes)) typeError(fn, 'bitSizes', 'an array of bit sizes', bitSizes);
  const m = 2 ** (logN + 1);
  const taken = new Set<number>(exclude);
  const out: number[] = [];
  for (let i = 0; i < bitSizes.length; i++) {
    const b = bitSizes[i];
    checkInt(fn, `bitSizes[${i}]`, b, logN + 2, MAX_MODULUS_BITS);
    const lo = 2 ** (b - 1);
    // Largest candidate below 2^b that is 1 mod 2N: 2^b - 2N + 1.
    let q = 2 ** b - m + 1;
    while (q > lo && (taken.has(q) || !isPrime(q))) q -= m;
    if (q <= lo) {
      rangeError(fn, `bitSizes[${i}]`, `a size with an unused prime q = 1 mod 2^${logN + 1} in [2^${b - 1}, 2^${b})`, b);
    }
    taken.add(q);
    out.push(q);
  }
  return out;
}

/**
 * Check that q is an NTT-friendly prime for ring degree 2^logN.
 * @throws RangeError if q is out of the arithmetic's range, not prime, or not 1 mod 2N
 */
export function checkNttPrime(fn: string, q: unknown, logN: number): asserts q is number {
  checkModulus(fn, q);
  const m = 2 ** (logN + 1);
  if ((q as number) % m !== 1) rangeError(fn, 'q', `congruent to 1 modulo 2N = ${m}`, q);
  if (!isPrime(q as number)) rangeError(fn, 'q', 'prime', q);
}

/**
 * Whether psi is a primitive 2N-th root of unity modulo q, i.e. psi^N = -1.
 * (For N a power of two, psi^N = -1 implies the order of psi is exactly 2N.)
 * @param psi candidate in [0, q)
 * @param logN log2 N
 * @param q modulus < 2^30
 */
export function isPrimitive2NthRoot(psi: number, logN: number, q: number): boolean {
  return psi > 0 && psi < q && powMod(psi, 2 ** logN, q) === q - 1;
}

/**
 * The smallest primitive 2N-th root of unity modulo the NTT-friendly prime q
 * (the same convention as Microsoft SEAL, so the choice is canonical).
 *
 * Method: g^((q-1)/2N) for g = 2, 3, ... until the result has order 2N; every
 * other primitive root is its power by an odd exponent, and the minimum over
 * those N powers is returned.
 *
 * @param q an NTT-friendly prime for 2^logN
 * @param logN log2 N in [4, 17]
 * @returns psi with psi^N = -1 (mod q), minimal among all such
 * @throws RangeError if q is not an NTT-friendly prime for this N
 */
export function minimalPrimitive2NthRoot(q: number, logN: number): number {
  const fn = 'minimalPrimitive2NthRoot';
  checkLogN(fn, logN);
  checkNttPrime(fn, q, logN);
  const N = 2 ** logN;
  const e = (q - 1) / (2 * N);
  let psi = 0;
  for (let g = 2; g < q; g++) {
    const c = powMod(g, e, q);
    if (isPrimitive2NthRoot(c, logN, q)) {
      psi = c;
      break;
    }
  }
  const qInv = 1 / q;
  const psi2 = mulMod(psi, psi, q, qInv);
  let best = psi;
  let cur = psi;
  for (let k = 1; k < N; k++) {
    cur = mulMod(cur, psi2, q, qInv); // psi^(2k+1)
    if (cur < best) best = cur;
  }
  return best;
}

/**
 * NTT-friendly primes as close as possible to 2^logTarget, alternating below
 * and above it (below only when 2^logTarget is at the arithmetic's bound), so
 * that the product of consecutive primes stays close to a power of two. Used
 * for the CKKS modulus chain: rescaling by primes close to the scale keeps the
 * scale from drifting (as in Lattigo's prime generator).
 *
 * @param logN log2 of the ring degree, in [4, 17]
 * @param logTarget target size in bits, in [logN + 2, 30]
 * @param count number of primes
 * @param exclude primes that must not be returned
 * @returns `count` distinct primes, deterministic, each in [2^(logTarget-1), 2^30)
 * @throws RangeError on bad arguments or if the range runs out of primes
 */
export function generateNttPrimesNear(logN: number, logTarget: number, count: number, exclude: Iterable<number> = []): number[] {
  const fn = 'generateNttPrimesNear';
  checkLogN(fn, logN);
  checkInt(fn, 'logTarget', logTarget, logN + 2, MAX_MODULUS_BITS);
  checkInt(fn, 'count', count, 0, 1 << 16);
  const m = 2 ** (logN + 1);
  const target = 2 ** logTarget;
  const lo = 2 ** (logTarget - 1);
  const hi = 2 ** MAX_MODULUS_BITS;
  const taken = new Set<number>(exclude);
  let below = target - m + 1; // largest candidate < 2^logTarget that is 1 mod 2N
  let above = target + m + 1; // smallest candidate > 2^logTarget that is 1 mod 2N
  const out: number[] = [];
  const nextBelow = (): number => {
    while (below > lo && (taken.has(below) || !isPrime(below))) below -= m;
    if (below <= lo) return 0;
    const q = below;
    below -= m;
    return q;
  };
  const nextAbove = (): number => {
    while (above < hi && (taken.has(above) || !isPrime(above))) above += m;
    if (above >= hi) return 0;
    const q = above;
    above += m;
    return q;
  };
  for (let i = 0; i < count; i++) {
    let q = i % 2 === 0 ? nextBelow() : nextAbove();
    if (q === 0) q = i % 2 === 0 ? nextAbove() : nextBelow();
    if (q === 0) rangeError(fn, 'count', `at most the number of NTT-friendly primes near 2^${logTarget}`, count);
    taken.add(q);
    out.push(q);
  }
  return out;
}
