/**
 * Noise flooding for decryptions that leave the key owner (IND-CPA-D; Li and
 * Micciancio, "On the Security of Homomorphic Encryption on Approximate
 * Numbers", EUROCRYPT 2021): an exact integer sampler, the bound it needs,
 * and the per-key query budget.
 *
 * Derivation. A shared decryption reveals m + e + f, where m = scale * message
 * (rounded), e is the ciphertext's error (it depends on the secret key: the
 * Li-Micciancio attack solves for s from it) and f is the flooding noise. A
 * simulator that knows only m outputs m + f. Here every coefficient f_i is
 * uniform on the integers of [-B, B], independently. For one coefficient,
 * the statistical distance between f_i and e_i + f_i is exactly
 * |e_i| / (2B + 1) (the two uniform supports overlap in all but |e_i| of their
 * 2B + 1 points); over the N coefficients the distance is at most the sum,
 * N E / (2B + 1) when every |e_i| <= E. Over t shared decryptions under one
 * key (hybrid argument) it is at most t N E / (2B + 1). Requiring 2^-s:
 *
 *   B >= t N E 2^s / 2,   log2 B = s + log2 t + log2 N + log2 E - 1.
 *
 * The sampler is exact (rejection on 53-bit integers from the platform
 * CSPRNG, no floating-point transcendental function), so the bound holds as
 * stated, provided E really bounds every coefficient of the error (the caller
 * supplies log2 E: from a noise analysis of the circuit, or a noise-estimation
 * run on dummy data as OpenFHE's EXEC_NOISE_ESTIMATION mode does). A fresh
 * symmetric encryption has E = 41 (the Gaussian sampler's tail cut, exact).
 *
 * Cost. The uniform bound is log2(N)/2 + 1.3 bits larger than the standard
 * deviation a Gaussian analysis would need (8.3 bits at N = 2^16); it buys a
 * sampler and a proof that a reviewer can check line by line. A decoded slot
 * then carries an error of about B sqrt(N/3) / scale (RMS), so flooding only
 * leaves precision at large scales (see the README's security section).
 *
 * @module
 */

import { CkksError, CsprngSource, type SecretKey, WordReader } from '../rlwe/index.js';

/** Default statistical security s of a shared decryption, in bits. */
export const FLOODING_DEFAULT_SECURITY_BITS = 30;

/** Smallest statistical security {@link floodingBoundBits} accepts, in bits. */
export const FLOODING_MIN_SECURITY_BITS = 30;

/** Largest statistical security {@link floodingBoundBits} accepts, in bits. */
export const FLOODING_MAX_SECURITY_BITS = 128;

/** Default query budget t: shared decryptions under one key that the bound covers. */
export const FLOODING_DEFAULT_QUERIES = 1;

/** Largest query budget, 2^40. */
export const FLOODING_MAX_QUERIES = 2 ** 40;

/**
 * Largest log2 B: the sampler draws 53-bit integers, so 2B + 1 <= 2^53 and
 * every value it handles is an exact float64 integer.
 */
export const FLOODING_MAX_BOUND_BITS = 52;

/** Options of `Decryptor.decryptForSharing` and {@link floodingBoundBits}. */
export interface SharingOptions {
  /**
   * log2 of a worst-case bound E on the ciphertext's error: every coefficient
   * of (decryption - scale * message), in the coefficient domain, has absolute
   * value at most 2^noiseBoundBits. A finite number in [0, 48]. A fresh
   * symmetric encryption: log2(41) = 5.36.
   */
  noiseBoundBits: number;
  /**
   * Statistical security s: all shared decryptions of the key's budget
   * together are within statistical distance 2^-s of decryptions that carry
   * no ciphertext error. An integer in [30, 128]; default 30 (as OpenFHE).
   */
  securityBits?: number;
  /**
   * Query budget t: how many shared decryptions under this key the bound
   * covers. The first shared decryption under a key fixes its budget; every
   * later one must state the same budget, and the Decryptor refuses the
   * (t + 1)-th. An integer in [1, 2^40]; default 1.
   */
  queries?: number;
}

/** Checked options. */
export interface CheckedSharingOptions {
  readonly noiseBoundBits: number;
  readonly securityBits: number;
  readonly queries: number;
}

/**
 * Check the options of a shared decryption.
 * @param op the operation, named by errors
 * @param opts the options
 * @returns the options with defaults filled in
 * @throws CkksError (INVALID_ARGUMENT) on a missing or out-of-range option
 */
export function checkSharingOptions(op: string, opts: unknown): CheckedSharingOptions {
  if (typeof opts !== 'object' || opts === null) throw new CkksError('INVALID_ARGUMENT', op, 'opts must be an object with noiseBoundBits');
  const o = opts as Partial<SharingOptions>;
  const e = o.noiseBoundBits;
  if (typeof e !== 'number' || !Number.isFinite(e) || e < 0 || e > 48) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.noiseBoundBits must be a finite number in [0, 48] (log2 of the error bound), got ${String(e)}`);
  }
  const s = o.securityBits ?? FLOODING_DEFAULT_SECURITY_BITS;
  if (typeof s !== 'number' || !Number.isInteger(s) || s < FLOODING_MIN_SECURITY_BITS || s > FLOODING_MAX_SECURITY_BITS) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.securityBits must be an integer in [${FLOODING_MIN_SECURITY_BITS}, ${FLOODING_MAX_SECURITY_BITS}], got ${String(s)}`);
  }
  const t = o.queries ?? FLOODING_DEFAULT_QUERIES;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 1 || t > FLOODING_MAX_QUERIES) {
    throw new CkksError('INVALID_ARGUMENT', op, `opts.queries must be an integer in [1, 2^40], got ${String(t)}`);
  }
  return { noiseBoundBits: e, securityBits: s, queries: t };
}

/**
 * log2 of the flooding bound B (the noise is uniform on the integers of
 * [-B, B]): s + log2(t) + log2(N) + noiseBoundBits - 1 (derivation in the
 * module comment).
 * @param N ring degree (a power of two)
 * @param opts noise bound, statistical security, query budget
 * @returns log2 B (may exceed {@link FLOODING_MAX_BOUND_BITS}; the Decryptor refuses that)
 * @throws CkksError (INVALID_ARGUMENT) on bad options or N
 */
export function floodingBoundBits(N: number, opts: SharingOptions): number {
  const op = 'floodingBoundBits';
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) throw new CkksError('INVALID_ARGUMENT', op, `N must be a power of two, got ${String(N)}`);
  const o = checkSharingOptions(op, opts);
  return o.securityBits + Math.log2(o.queries) + Math.log2(N) + o.noiseBoundBits - 1;
}

/**
 * The integer bound B for log2 B = bits, rounded up (so the bound only grows).
 * @param bits log2 B, at most {@link FLOODING_MAX_BOUND_BITS}
 * @returns B, an integer with 2B + 1 <= 2^53
 */
export function floodingBound(bits: number): number {
  return Math.min(2 ** FLOODING_MAX_BOUND_BITS - 1, Math.ceil(2 ** bits));
}

/** 2^32. */
const TWO_32 = 4294967296;

/**
 * Fill `out` with independent integers uniform on [-B, B], exactly: a 53-bit
 * integer u (21 bits of one CSPRNG word, 32 of the next) is accepted when it is
 * below the largest multiple of 2B + 1 that fits 53 bits, and u mod (2B + 1) - B
 * is returned. Every value then has exactly floor(2^53 / (2B + 1)) preimages;
 * the rejection rate is below (2B + 1) / 2^53 <= 1/2. All arithmetic is on
 * float64 integers below 2^53 (exact).
 * @param reader the word source (the platform CSPRNG for shared decryptions)
 * @param B the bound, an integer in [0, 2^52 - 1]
 * @param out destination
 * @throws CkksError (INVALID_ARGUMENT) on a bound out of range
 */
export function sampleUniformBounded(reader: WordReader, B: number, out: Float64Array): void {
  if (!Number.isSafeInteger(B) || B < 0 || B > 2 ** FLOODING_MAX_BOUND_BITS - 1) {
    throw new CkksError('INVALID_ARGUMENT', 'sampleUniformBounded', `B must be an integer in [0, 2^52 - 1], got ${String(B)}`);
  }
  const width = 2 * B + 1; // <= 2^53 - 1
  const limit = 2 ** 53 - (2 ** 53 % width); // largest multiple of width <= 2^53
  for (let j = 0; j < out.length; ) {
    const u = (reader.next() >>> 11) * TWO_32 + reader.next(); // < 2^53, exact
    if (u >= limit) continue;
    out[j++] = (u % width) - B;
  }
}

/** Per-key budget state: the budget fixed by the first shared decryption, and how many were made. */
interface Budget {
  readonly queries: number;
  used: number;
}

/** Budgets by secret-key object (in memory: a key loaded again from a file starts a new count). */
const BUDGETS = new WeakMap<SecretKey, Budget>();

/**
 * Count one shared decryption under `sk` against its budget.
 * @param op the operation, named by errors
 * @param sk the secret key
 * @param queries the budget the caller states
 * @returns the number of shared decryptions under the key, this one included
 * @throws CkksError INVALID_ARGUMENT if the stated budget differs from the key's; OUT_OF_RANGE when the budget is used up
 */
export function chargeSharingBudget(op: string, sk: SecretKey, queries: number): number {
  let b = BUDGETS.get(sk);
  if (b === undefined) {
    b = { queries, used: 0 };
    BUDGETS.set(sk, b);
  }
  if (b.queries !== queries) {
    throw new CkksError('INVALID_ARGUMENT', op, `this key's budget of shared decryptions is ${b.queries} (fixed by its first shared decryption); every later one must state queries: ${b.queries}, got ${queries}`);
  }
  if (b.used >= b.queries) {
    throw new CkksError('OUT_OF_RANGE', op, `the budget of ${b.queries} shared decryption${b.queries === 1 ? '' : 's'} under this key is used up (the flooding bound covers no more; use a new key)`);
  }
  return ++b.used;
}

/**
 * The shared decryptions made under a key and its budget.
 * @param sk the secret key
 * @returns { queries, used }, or undefined before the first shared decryption
 */
export function sharingBudgetOf(sk: SecretKey): { queries: number; used: number } | undefined {
  const b = BUDGETS.get(sk);
  return b === undefined ? undefined : { queries: b.queries, used: b.used };
}

/**
 * A word reader over a fresh platform CSPRNG source (the only randomness a
 * shared decryption uses).
 * @returns the reader; call wipe() on it after use
 */
export function floodingReader(): WordReader {
  return new WordReader(new CsprngSource());
}
