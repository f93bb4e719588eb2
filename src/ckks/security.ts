/**
 * The HomomorphicEncryption.org security bounds for ternary secrets:
 * the largest log2(QP) for which RLWE with ring degree 2^logN is estimated at
 * the given classical security level.
 *
 * Two tables, side by side:
 *
 * - {@link MAX_LOG_QP}, the one the library enforces: logN 10 to 15 are the
 *   2018 standard's classical ternary-secret rows (Albrecht et al.,
 *   "Homomorphic Encryption Standard", ia.cr/2019/939). The standard stops at
 *   logN 15; the logN 16 and 17 rows (1747 / 1199 / 929 and 3523 / 2411 / 1866
 *   bits at 128 / 192 / 256) are OpenFHE's HEStd_ternary classical rows
 *   (src/core/lib/lattice/stdlatticeparms.cpp, openfhe-development at commit
 *   f387eaf), estimated by the OpenFHE team with the lattice estimator; they
 *   are not from the 2018 standard, and (earlier versions of this comment
 *   said otherwise) not from Lattigo. The 192- and 256-bit rows at logN 16 and
 *   17 were not adopted: the library's 192/256 levels stay capped at logN 15.
 * - {@link MAX_LOG_QP_2024}: the 2024 guidelines (Bossuat, Cammarota, Cheon,
 *   Chillotti, Curtis, Dai, Gong, Hales, Kim, Kumara, Lee, Lu, Maple,
 *   Pedrouzo-Ulloa, Player, Ruiz Lopez, Song, Yhee, Yildiz, "Security
 *   Guidelines for Implementing Homomorphic Encryption", ia.cr/2024/463,
 *   Table 5.1, ternary secret, error sigma 3.19, classical cost model
 *   BDGL16). The numbers are the log2(q) of the parameter sets in the
 *   guidelines' estimator script (tables.py of github.com/gong-cr/FHE-Security-Guidelines,
 *   commit 007eb7c), the form in which the table could be read here; the
 *   paper's PDF itself was not available to check them against. The script
 *   gives no logN 10 row. Its logN 16 / 17 bounds (1777, 3576 at 128 bits)
 *   are larger than OpenFHE's 1747 / 3523. Elsewhere the two tables agree
 *   except at six (logN, level) pairs where the 2024 row is 1 bit smaller:
 *   logN 12 at 128 bits (108 against 109), 13 and 14 at 192 (151, 304), 11,
 *   13 and 15 at 256 (28, 117, 475). The library still enforces
 *   {@link MAX_LOG_QP} (no preset is affected: the logN 12 preset has
 *   log2(QP) = 90); {@link securityLevelOf2024} reports against the 2024 rows.
 *
 * @module
 */

import { InsecureParametersError, maxLogQPSparse } from '../rlwe/index.js';

/** Supported classical security levels. */
export type SecurityLevel = 128 | 192 | 256;

/** Largest log2(QP) per logN, per security level. */
export const MAX_LOG_QP: Readonly<Record<SecurityLevel, Readonly<Record<number, number>>>> = Object.freeze({
  128: Object.freeze({ 10: 27, 11: 54, 12: 109, 13: 218, 14: 438, 15: 881, 16: 1747, 17: 3523 }),
  192: Object.freeze({ 10: 19, 11: 37, 12: 75, 13: 152, 14: 305, 15: 611 }),
  256: Object.freeze({ 10: 14, 11: 29, 12: 58, 13: 118, 14: 237, 15: 476 }),
});

/**
 * Largest log2(QP) per logN, per security level, in the 2024 guidelines
 * (ia.cr/2024/463, Table 5.1, ternary secret, classical; see the module
 * documentation for where the numbers were read). Not enforced: compare with
 * {@link securityLevelOf2024}.
 */
export const MAX_LOG_QP_2024: Readonly<Record<SecurityLevel, Readonly<Record<number, number>>>> = Object.freeze({
  128: Object.freeze({ 11: 54, 12: 108, 13: 218, 14: 438, 15: 881, 16: 1777, 17: 3576 }),
  192: Object.freeze({ 11: 37, 12: 75, 13: 151, 14: 304, 15: 611, 16: 1229, 17: 2469 }),
  256: Object.freeze({ 11: 28, 12: 58, 13: 117, 14: 237, 15: 475, 16: 955, 17: 1918 }),
});

/**
 * The highest security level of the 2024 guidelines' table that a parameter
 * set reaches (informative; the library enforces {@link MAX_LOG_QP}).
 * @param logN log2 of the ring degree
 * @param logQP log2 of the product of all ciphertext and special primes
 * @returns 256, 192 or 128, or 0 when below 128 bits or no row exists for logN (logN 10, or above 17)
 * @throws nothing
 */
export function securityLevelOf2024(logN: number, logQP: number): 0 | SecurityLevel {
  for (const level of [256, 192, 128] as const) {
    const b = MAX_LOG_QP_2024[level][logN];
    if (b !== undefined && logQP <= b) return level;
  }
  return 0;
}

/**
 * The bound on log2(QP) for a ring degree and security level.
 * @param logN log2 of the ring degree
 * @param level 128, 192 or 256
 * @returns the largest admissible log2(QP), or undefined when the standard gives none
 * @throws nothing
 */
export function maxLogQP(logN: number, level: SecurityLevel): number | undefined {
  return MAX_LOG_QP[level][logN];
}

/**
 * The highest standard security level that a parameter set reaches.
 * @param logN log2 of the ring degree
 * @param logQP log2 of the product of all ciphertext and special primes
 * @returns 256, 192 or 128, or 0 when below 128 bits (or no bound is known)
 * @throws nothing
 */
export function securityLevelOf(logN: number, logQP: number): 0 | SecurityLevel {
  for (const level of [256, 192, 128] as const) {
    const b = maxLogQP(logN, level);
    if (b !== undefined && logQP <= b) return level;
  }
  return 0;
}

/** How a refusal of {@link checkSecurity} is worded around its finding. */
export interface SecurityWording {
  /** Text in front of the finding, e.g. `"parameters, field Q/P: "` (default none). */
  readonly prefix?: string;
  /** Name the standard, " (HomomorphicEncryption.org, ternary secret)", after an exceeded bound (default false). */
  readonly citeStandard?: boolean;
  /** The remedy, after "; ", e.g. `pass unsafeAllowInsecure: "…" to use it anyway`. */
  readonly remedy: string;
}

/**
 * The HomomorphicEncryption.org security check of a parameter set, the one
 * place it is written: `createParameters` runs it on a literal and
 * `deserializeParameters` on the primes it read, before any table is built.
 * @param op the operation that checks, named by the error
 * @param logN log2 of the ring degree
 * @param logQP log2 of the product of all ciphertext and special primes
 * @param level the required classical security level
 * @param allowInsecure whether the caller gave the insecure opt-in
 * @param wording prefix, citation and remedy of the message
 * @returns whether the parameters are within the bound (false only when allowInsecure)
 * @throws InsecureParametersError if log2(QP) exceeds the bound for logN at `level`,
 *   or no bound is known for logN, and allowInsecure is false
 */
export function checkSecurity(op: string, logN: number, logQP: number, level: SecurityLevel, allowInsecure: boolean, wording: SecurityWording): boolean {
  const bound = maxLogQP(logN, level);
  const secure = bound !== undefined && logQP <= bound;
  if (!secure && !allowInsecure) {
    const finding =
      bound === undefined
        ? `no ${level}-bit bound is known for logN = ${logN}`
        : `log2(QP) = ${logQP.toFixed(2)} exceeds the ${level}-bit bound ${bound} for logN = ${logN}` +
          (wording.citeStandard ? ' (HomomorphicEncryption.org, ternary secret)' : '');
    throw new InsecureParametersError(op, `${wording.prefix ?? ''}${finding}; ${wording.remedy}`);
  }
  return secure;
}

/**
 * The security check for a sparse ternary secret of Hamming weight h (the
 * bootstrapping secret; Cheon, Han, Kim, Kim and Song, Eurocrypt 2018): its
 * 128-bit bound is {@link maxLogQPSparse} (table and sources in
 * src/rlwe/sampling.ts, SPARSE_SECRET_MAX_LOG_QP_128). KeyGenerator runs the
 * same test when given `hammingWeight`.
 * @param op the operation that checks, named by the error
 * @param logN log2 of the ring degree
 * @param logQP log2 of the product of all ciphertext and special primes
 * @param h the Hamming weight of the secret
 * @param allowInsecure whether the caller gave the insecure opt-in
 * @returns whether the parameters are within the bound (false only when allowInsecure)
 * @throws InsecureParametersError if log2(QP) exceeds the bound, or none is known for (logN, h),
 *   and allowInsecure is false
 */
export function checkSparseSecurity(op: string, logN: number, logQP: number, h: number, allowInsecure: boolean): boolean {
  const bound = maxLogQPSparse(logN, h);
  const secure = bound !== undefined && logQP <= bound;
  if (!secure && !allowInsecure) {
    throw new InsecureParametersError(
      op,
      bound === undefined
        ? `no 128-bit bound is known for a sparse secret of Hamming weight ${h} at logN = ${logN}`
        : `log2(QP) = ${logQP.toFixed(2)} exceeds the 128-bit bound ${bound} for a sparse secret of Hamming weight ${h} at logN = ${logN}`,
    );
  }
  return secure;
}
