/**
 * Named parameter presets, by ring size, modulus size and security.
 *
 * Every prime is below 2^30 (the word arithmetic's bound). Ciphertext primes
 * are the NTT-friendly primes nearest below 2^30, special primes the largest
 * ones, so P exceeds every key-switching digit. The default scale 2^30 sits
 * just above every ciphertext prime, so rescaling after a multiplication by a
 * plaintext encoded at scale q_l restores the scale exactly; the exact scale is
 * tracked in every ciphertext in any case.
 *
 * @module
 */

import type { ParametersLiteral } from './params.js';
import { INSECURE_OPT_IN } from './params.js';

const rep = (n: number, b: number): number[] => new Array<number>(n).fill(b);

/**
 * logN 12, log2(QP) ~ 90: 2 ciphertext primes, 1 special prime. 128-bit secure (bound 109), one level.
 */
export const PN12QP90_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 12,
  logQ: rep(2, 30),
  logP: [30],
  logDefaultScale: 30,
});

/**
 * logN 13, log2(QP) ~ 210: 5 ciphertext primes, 2 special primes (digits of 2). 128-bit secure (bound 218).
 */
export const PN13QP210_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 13,
  logQ: rep(5, 30),
  logP: rep(2, 30),
  logDefaultScale: 30,
});

/**
 * logN 14, log2(QP) ~ 420: 11 ciphertext primes, 3 special primes (digits of 3). 128-bit secure (bound 438).
 */
export const PN14QP420_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 14,
  logQ: rep(11, 30),
  logP: rep(3, 30),
  logDefaultScale: 30,
});

/**
 * logN 16, log2(QP) ~ 420: 10 ciphertext primes, 4 special primes. The size of
 * the largest chain node-seal can key at N = 2^16, used to compare with it.
 * 128-bit secure (bound 1747).
 */
export const PN16QP420_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(10, 30),
  logP: rep(4, 30),
  logDefaultScale: 30,
});

/**
 * The paper's setting: logN 16 (32768 slots), 128-bit secure (bound 1747).
 * 46 ciphertext primes of 30 bits (45 levels of 2^30), 12 special primes,
 * key-switching digits of 12 primes (dnum = 4 at the top level), log2(QP) ~ 1740.
 * The digit split balances key-switching cost (fewer digits: fewer NTTs)
 * against levels (every special prime is a level lost) and key size
 * (dnum * 2 * 58 limbs * 2^16 * 4 bytes = 122 MB per Galois key at dnum 4).
 */
export const PN16QP1740_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(46, 30),
  logP: rep(12, 30),
  logDefaultScale: 30,
});

/**
 * logN 12 with 6 primes (log2(QP) ~ 180, above the 109-bit bound): NOT SECURE.
 * For fast tests of deep circuits only.
 */
export const PN12QP180_INSECURE: Readonly<ParametersLiteral> = Object.freeze({
  logN: 12,
  logQ: rep(4, 30),
  logP: rep(2, 30),
  logDefaultScale: 30,
  unsafeAllowInsecure: INSECURE_OPT_IN,
});

/** All presets by name. */
export const PRESETS: Readonly<Record<string, Readonly<ParametersLiteral>>> = Object.freeze({
  PN12QP90_SEC128,
  PN13QP210_SEC128,
  PN14QP420_SEC128,
  PN16QP420_SEC128,
  PN16QP1740_SEC128,
  PN12QP180_INSECURE,
});
