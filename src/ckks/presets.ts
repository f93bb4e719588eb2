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
 * logN 13, log2(QP) ~ 210: 5 ciphertext primes, 2 special primes (digits of 1). 128-bit secure (bound 218).
 */
export const PN13QP210_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 13,
  logQ: rep(5, 30),
  logP: rep(2, 30),
  logDefaultScale: 30,
});

/**
 * logN 14, log2(QP) ~ 420: 10 ciphertext primes, 4 special primes (digits of 3). 128-bit secure (bound 438).
 */
export const PN14QP420_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 14,
  logQ: rep(10, 30),
  logP: rep(4, 30),
  logDefaultScale: 30,
});

/**
 * logN 16, log2(QP) ~ 420: 9 ciphertext primes, 5 special primes (digits of 4).
 * A chain of the size node-seal keys comfortably at N = 2^16.
 * 128-bit secure (bound 1747).
 */
export const PN16QP420_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(9, 30),
  logP: rep(5, 30),
  logDefaultScale: 30,
});

/**
 * The paper's ring with the largest secure chain: logN 16 (32768 slots),
 * 128-bit secure (bound 1747), for deep circuits (the trainer uses the shorter
 * {@link PN16QP690_TRAIN_SEC128}, because every key switching on this chain
 * costs several times as much).
 * 45 ciphertext primes of 30 bits (44 levels of 2^30), 13 special primes,
 * key-switching digits of 12 primes (dnum = 4 at the top level), log2(QP) ~ 1740.
 * The split balances key-switching cost (fewer digits: fewer NTTs) against
 * levels (every special prime is a level lost) and key size
 * (dnum * 2 * 58 limbs * 2^16 * 4 bytes = 122 MB per Galois key at dnum 4);
 * P is one prime larger than a digit, so key switching adds only its rounding
 * noise. At scale 2^30 a fresh symmetric encryption keeps about 19 bits of
 * precision and every rescale or key switching adds about 2^-16 (RMS) of error.
 */
export const PN16QP1740_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(45, 30),
  logP: rep(13, 30),
  logDefaultScale: 30,
});

/**
 * High-precision levels at the paper's ring: logN 16 (32768 slots), 43
 * ciphertext primes of 30 bits grouped into a base of 3 primes and 20
 * levels of 2 primes (composite scaling: each rescale divides by a product of
 * two primes, about 2^60), 14 special primes, key-switching digits of 13
 * primes (P exceeds a digit by one prime), log2(QP) ~ 1710, 128-bit secure
 * (bound 1747). Default scale 2^60: 20 multiplicative levels at about 2^60,
 * for polynomial approximations and linear transforms that need more than
 * the 2^30 of one 30-bit prime; the base of 90 bits holds a value of
 * magnitude up to 2^29 at that scale.
 */
export const PN16QP1710_HP_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(43, 30),
  levelPrimes: [3, ...rep(20, 2)],
  logP: rep(14, 30),
  digitSize: 13,
  logDefaultScale: 60,
});

/**
 * The trainer's preset (the paper's setting and ring; the default of `hecnn
 * train`): logN 16 (32768 slots), 15 ciphertext primes of 30 bits (14
 * levels), 8 special primes, key-switching digits of 7 (dnum 3 at the top
 * level, 2 below level 7), log2(QP) ~ 690, 128-bit secure (bound 1747).
 * One iteration consumes 4 levels of V (W lags one), so 3 iterations run
 * between refresh round trips (V at levels 14, 10, 6).
 * Why this chain: a key switching costs roughly in proportion to the limbs
 * present (ModUp, NTTs and ModDown over level + 1 + |P| limbs), so the
 * average iteration runs where limbs are few: measured per rotation at
 * N = 2^16 (one core), 313 / 239 / 129 ms at levels 12 / 8 / 4 against
 * 732 / 454 / 291 ms at levels 25 / 14 / 10 of {@link PN16QP1200_TRAIN_SEC128};
 * of the special-prime counts tried at 15 ciphertext primes (5, 8, 11, 15),
 * 8 was fastest over those levels. The price is a refresh round trip every
 * 3 iterations instead of 5.
 */
export const PN16QP690_TRAIN_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(15, 30),
  logP: rep(8, 30),
  logDefaultScale: 30,
});

/**
 * A longer training chain (fewer refresh round trips, slower iterations than
 * {@link PN16QP690_TRAIN_SEC128}): logN 16 (32768 slots), 26 ciphertext primes of 30 bits (25 levels),
 * 14 special primes, key-switching digits of 13 (dnum 2), log2(QP) ~ 1200,
 * 128-bit secure (bound 1747). One iteration consumes 4 levels, so a refresh
 * round trip comes every 5 iterations. Why this split: a shorter chain makes
 * every key switching cheaper (its basis conversions grow with the square of
 * the limb count); with a chain far below the security bound, special primes
 * cost no levels, and two large digits need fewer NTTs per key switching than
 * five small ones (about 160 instead of 230 at the top level) and give Galois
 * keys half the size (42 MB instead of 86 MB).
 */
export const PN16QP1200_TRAIN_SEC128: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(26, 30),
  logP: rep(14, 30),
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

/**
 * Bootstrapping chain at logN 16 for a sparse secret of Hamming weight 192
 * (use `new KeyGenerator(params, { hammingWeight: 192 })`), with the
 * Bootstrapper options `BOOTSTRAP_PN16QP1530_H192` of src/circuits/bootstrap:
 * 41 ciphertext primes and 10 special primes of 30 bits, log2(QP) ~ 1530,
 * 128-bit secure under the sparse-secret bound 1553 (SPARSE_SECRET_MAX_LOG_QP_128,
 * src/rlwe/sampling.ts) and the dense bound 1747. Levels from the base up
 * (`levelPrimes`):
 *
 * - base q_0: 2 primes (~60 bits). ModRaise reads the message modulo q_0, and
 *   the message is scaled to q_0 / 2^12 before it, so the base must sit ~12
 *   bits above the message and keep its noise small;
 * - residual circuit: 9 levels of 1 prime at scale 2^30 (the output of a
 *   bootstrapping, >= 9 levels at >= 2^30 scale);
 * - SlotsToCoeffs: 3 levels of 2 primes: the last transform's diagonals are
 *   encoded at ~2^40 to bring the EvalMod scale (~2^50) down to the caller's 2^30;
 * - EvalMod: 9 levels of 2 primes (scale ~2^60: the message is 2^-12 of the
 *   values, so 60-bit levels keep ~35 bits on it): a cosine of degree 63 on
 *   [-32, 32] (6 levels) and 3 double angles; K = 32 is 8 standard deviations
 *   of the integer part I (sigma = sqrt(h / 12) = 4 for h = 192), a failure
 *   probability about 2^-32 per bootstrapping of 2^16 coefficients (no
 *   ephemeral secret, unlike Lattigo's H192H32 sets, so K must cover h = 192);
 * - CoeffsToSlots: 3 levels of 2 primes (its diagonals multiply I + m / q_0,
 *   |I| up to 32, so they need ~50 bits to keep 2^-30 on m / q_0);
 * - P: 10 primes (300 bits) above each key-switching digit of 9 primes (270
 *   bits), dnum 5.
 *
 * Not in {@link PRESETS} (whose list the parameter tests pin). Its Galois keys
 * are large (5 digits x 2 x 51 limbs x 2^16 words, ~134 MB each, about 40 of
 * them for full slots).
 */
export const PN16QP1530_BOOT_H192: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(41, 30),
  levelPrimes: Object.freeze([2, ...rep(9, 1), ...rep(3, 2), ...rep(9, 2), ...rep(3, 2)]) as number[],
  logP: rep(10, 30),
  digitSize: 9,
  logDefaultScale: 30,
});

/**
 * The trainer's bootstrapping chain at logN 16 (the server refreshes the
 * weights itself: src/mlr/bootstrap.ts), for a sparse secret of Hamming
 * weight 192, with the Bootstrapper options of
 * `TRAINING_BOOTSTRAP_PRESETS.PN16QP1530_TRAIN_BOOT_H192` (src/mlr/bootstrap.ts:
 * those of `BOOTSTRAP_PN16QP1530_H192` with 2 SlotsToCoeffs levels).
 * 42 ciphertext primes and 9 special primes of 30 bits, log2(QP) ~ 1530,
 * 128-bit secure under the sparse-secret bound 1553 (SPARSE_SECRET_MAX_LOG_QP_128,
 * src/rlwe/sampling.ts) and the dense bound 1747. Levels from the base up:
 *
 * - base q_0: 2 primes (~60 bits), as in {@link PN16QP1530_BOOT_H192};
 * - residual chain (13 primes), the training iterations' own levels, from the
 *   top: 1 prime to unpack the bootstrapped weights; then two iterations of
 *   2 + 1 + 1 + 1 primes (a level of 2 primes for Z = X V^T, so that X is
 *   encrypted at 2^50 and not 2^20: at 2^20 the fresh-encryption noise of X,
 *   about sqrt(N) 4 / 2^20 = 1e-3 per value, was the largest single cause of
 *   the drift from the plaintext mirror: 2.4e-4 of the 6.2e-4 after 50
 *   iterations, 1e-3 after 100, measured by running the mirror on the
 *   decrypted X); 1 prime for W's lag (below) and 1 for packing the weights
 *   before the next bootstrapping. Top limbs of the levels: 2..6, 8, 9..11, 13, 14;
 * - SlotsToCoeffs: 2 levels, the lower of 2 primes (the last transform brings
 *   EvalMod's scale, ~2^50, down to the weights' 2^40, so its diagonals are
 *   encoded at q_l 2^-10: ~2^50 on 2 primes, 2^20 on one would be too coarse)
 *   and the upper of 1 (it keeps the scale: diagonals at q_l ~ 2^30);
 * - EvalMod: 9 levels of 2 primes, CoeffsToSlots: 3 levels of 2 primes
 *   (as in {@link PN16QP1530_BOOT_H192});
 * - P: 9 primes (270 bits) above key-switching digits of 8 primes (240 bits,
 *   dnum 6 at the top): one special prime fewer than there pays for the
 *   ciphertext prime the residual chain needs.
 */
export const PN16QP1530_TRAIN_BOOT_H192: Readonly<ParametersLiteral> = Object.freeze({
  logN: 16,
  logQ: rep(42, 30),
  levelPrimes: Object.freeze([2, ...rep(5, 1), 2, ...rep(3, 1), 2, 1, 2, 1, ...rep(9, 2), ...rep(3, 2)]) as number[],
  logP: rep(9, 30),
  digitSize: 8,
  logDefaultScale: 30,
});

/**
 * A small chain with the shape of {@link PN16QP1530_TRAIN_BOOT_H192}, for
 * tests of the bootstrapping trainer (logN 11, NOT SECURE): the same base and
 * residual chain (13 primes), SlotsToCoeffs 2 + 1 primes, EvalMod 8 levels of
 * 2 (the default K = 12 cosine of degree 31 and 3 double angles),
 * CoeffsToSlots 2 levels of 2; 6 special primes, digits of 5. Bootstrapper
 * options: `TRAINING_BOOTSTRAP_PRESETS.PN11_TRAIN_BOOT_INSECURE`.
 */
export const PN11_TRAIN_BOOT_INSECURE: Readonly<ParametersLiteral> = Object.freeze({
  logN: 11,
  logQ: rep(38, 30),
  levelPrimes: Object.freeze([2, ...rep(5, 1), 2, ...rep(3, 1), 2, 1, 2, 1, ...rep(8, 2), ...rep(2, 2)]) as number[],
  logP: rep(6, 30),
  digitSize: 5,
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
  PN16QP1710_HP_SEC128,
  PN16QP1200_TRAIN_SEC128,
  PN16QP690_TRAIN_SEC128,
  PN16QP1530_TRAIN_BOOT_H192,
  PN12QP180_INSECURE,
  PN11_TRAIN_BOOT_INSECURE,
});
