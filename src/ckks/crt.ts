/**
 * The decoder's CRT reconstruction: from the residues a_i = x mod q_i (i <= level) of
 * coefficients x, their centered representatives in (-Q/2, Q/2] (Q = q_0 ... q_level) as
 * float64, with a fast path for the values a decryption gives in practice (far below q_0 q_1)
 * and Garner's algorithm (Knuth, TAOCP vol. 2, 4.3.2) for the others.
 *
 * Fast path (level >= 1), per coefficient:
 *  1. Garner's first digit d_1 = (a_1 - a_0) q_0^-1 mod q_1, so that z = a_0 + d_1 q_0 is
 *     x mod q_0 q_1, and its centered form z' (z, or z - q_0 q_1 when z > (q_0 q_1 - 1) / 2);
 *  2. for each i >= 2: is z' = a_i (mod q_i)? (z' mod q_i = a_0 + d_1 (q_0 mod q_i), minus
 *     q_0 q_1 mod q_i when z' < 0: one Shoup product per limb.)
 * When every limb agrees, z' = x (mod Q) and |z'| < q_0 q_1 / 2 < Q / 2, so z' is x's centered
 * representative (CRT), and its float64 value is computed without cancellation. That is level
 * products per coefficient instead of Garner's level (level + 1) / 2, in passes over whole limbs.
 * A coefficient where some limb disagrees (|x| >= q_0 q_1 / 2: a wrong key, or a message at the
 * size of the modulus) gets Garner's remaining digits and the exact centered evaluation
 * ({@link centeredFromDigits}), one coefficient at a time. The result is the same
 * either way, to the last bit below 2^53 and within one rounding above.
 *
 * @module
 */

import { invMod, mulMod, shoupConstant } from '../ntt/index.js';

/** The fast path's constants (the same for every level: they involve q_0, q_1 and each q_i). */
export interface CrtFastTables {
  /** q_0^-1 mod q_1 and its Shoup constant. */
  readonly inv01: number;
  readonly inv01Shoup: number;
  /** For i >= 2 (index i): q_0 mod q_i and its Shoup constant; q_0 q_1 mod q_i. */
  readonly q0Mod: Uint32Array;
  readonly q0ModShoup: Float64Array;
  readonly q01Mod: Uint32Array;
  /** The digits (h_0, h_1) of (q_0 q_1 - 1) / 2 = h_0 + h_1 q_0. */
  readonly h0: number;
  readonly h1: number;
}

/**
 * The fast path's constants for the primes Q (at least two).
 * @param Q the primes q_0, q_1, ... (each below 2^30)
 * @returns the constants, for every level >= 1
 */
export function crtFastTables(Q: ArrayLike<number>): CrtFastTables {
  const q0 = Q[0];
  const q1 = Q[1];
  const inv01 = invMod(q0 % q1, q1);
  const K = Q.length;
  const q0Mod = new Uint32Array(K);
  const q0ModShoup = new Float64Array(K);
  const q01Mod = new Uint32Array(K);
  for (let i = 2; i < K; i++) {
    const q = Q[i];
    q0Mod[i] = q0 % q;
    q0ModShoup[i] = shoupConstant(q0Mod[i], q);
    q01Mod[i] = mulMod(q0Mod[i], q1 % q, q, 1 / q);
  }
  // (q_0 q_1 - 1) / 2 = h_0 + h_1 q_0: q_0 q_1 is odd, so with q_1 = 2u + 1 it is u q_0 + (q_0 - 1) / 2.
  const h0 = (q0 - 1) / 2;
  const h1 = (q1 - 1) / 2;
  return Object.freeze({ inv01, inv01Shoup: shoupConstant(inv01, q1), q0Mod, q0ModShoup, q01Mod, h0, h1 });
}

/**
 * Step 1 of the fast path on the coefficients at 0, gap, 2 gap, ... < N: data[N + c] becomes
 * d_1 = (a_1 - a_0) q_0^-1 mod q_1 in [0, q_1), and flags[c] bit 0 says whether
 * a_0 + d_1 q_0 > (q_0 q_1 - 1) / 2 (then z' is negative); bit 1 is cleared.
 * Bounds: a_0 < q_0 < 2^30 reduced mod q_1 by a float64 quotient estimate (trunc(a_0 / q_1) or
 * one away: a_0 - t q_1 in (-2q_1, 2q_1), int32, wrapped exactly by Math.imul) and three
 * corrections; the difference in (-q_1, q_1), one correction; the Shoup product as in mulConst
 * (diff * ws < 2^30 in float64, Math.imul modulo 2^32, remainder minus q_1 in [-q_1, q_1)).
 * @param data level + 1 limbs of N residues, coefficient form (limb 1 overwritten)
 * @param flags one byte per coefficient (those at multiples of gap written)
 * @param N ring degree
 * @param gap stride between the coefficients used
 * @param q1 q_1
 * @param t the level's constants
 */
export function firstDigit(data: Uint32Array, flags: Uint8Array, N: number, gap: number, q1: number, t: CrtFastTables): void {
  N |= 0;
  gap |= 0;
  q1 |= 0;
  const w = t.inv01 | 0;
  const ws = t.inv01Shoup;
  const h0 = t.h0 | 0;
  const h1 = t.h1 | 0;
  const qInv = 1 / q1;
  const q2 = 2 * q1;
  for (let c = 0; c < N; c += gap) {
    const a0 = data[c];
    let r = (a0 - Math.imul((a0 * qInv) | 0, q1)) | 0; // (-2q_1, 2q_1)
    r += (r >> 31) & q2; // [0, 2q_1)
    r = (r - q1) | 0;
    r += (r >> 31) & q1; // a_0 mod q_1
    let diff = (data[N + c] - r) | 0; // (-q_1, q_1)
    diff += (diff >> 31) & q1;
    const e = (diff * ws) | 0;
    let d1 = (Math.imul(diff, w) - Math.imul(e, q1) - q1) | 0; // [-q_1, q_1)
    d1 += (d1 >> 31) & q1;
    data[N + c] = d1;
    // z > h: d_1 > h_1, or d_1 = h_1 and a_0 > h_0 (each test as the sign bit of a difference).
    const gt1 = (h1 - d1) >>> 31;
    const eq1 = ((d1 ^ h1) - 1) >>> 31; // 1 iff d_1 = h_1 (both below 2^30)
    const gt0 = (h0 - a0) >>> 31;
    flags[c] = gt1 | (eq1 & gt0);
  }
}

/**
 * Step 2 of the fast path for limb i >= 2: sets bit 1 of flags[c] when z' mod q_i differs
 * from a_i = data[i N + c]. z' mod q_i = (a_0 mod q_i) + d_1 (q_0 mod q_i) - [z' < 0] (q_0 q_1
 * mod q_i).
 * Bounds: a_0 mod q_i as in {@link firstDigit}; the Shoup product d_1 (q_0 mod q_i) with
 * d_1 < 2^30 (d_1 * s < 2^30 in float64), in [0, q_i) after one correction; the sum minus the
 * negative part is in (-q_i, 2q_i), int32; two corrections give [0, q_i).
 * @param data the limbs, limb 1 holding d_1 (after {@link firstDigit})
 * @param flags as written by {@link firstDigit}
 * @param i the limb, 2 <= i <= level
 * @param N ring degree
 * @param gap stride
 * @param q q_i
 * @param t the level's constants
 */
export function checkLimb(data: Uint32Array, flags: Uint8Array, i: number, N: number, gap: number, q: number, t: CrtFastTables): void {
  i |= 0;
  N |= 0;
  gap |= 0;
  q |= 0;
  const c0 = t.q0Mod[i] | 0;
  const cs = t.q0ModShoup[i];
  const m = t.q01Mod[i] | 0;
  const qInv = 1 / q;
  const q2 = 2 * q;
  const oi = i * N;
  for (let c = 0; c < N; c += gap) {
    const a0 = data[c];
    const d1 = data[N + c];
    const f = flags[c];
    let r = (a0 - Math.imul((a0 * qInv) | 0, q)) | 0; // (-2q, 2q)
    r += (r >> 31) & q2;
    r = (r - q) | 0;
    r += (r >> 31) & q; // a_0 mod q
    const e = (d1 * cs) | 0;
    let p = (Math.imul(d1, c0) - Math.imul(e, q) - q) | 0; // [-q, q)
    p += (p >> 31) & q; // [0, q)
    let s = (r + p - (m & -(f & 1))) | 0; // (-q, 2q)
    s += (s >> 31) & q; // [0, 2q)
    s = (s - q) | 0;
    s += (s >> 31) & q; // [0, q)
    const x = s ^ data[oi + c];
    flags[c] = f | (((x | -x) >>> 31) << 1); // bit 1 when s != a_i
  }
}

/**
 * Step 3: the centered values divided by scale, for the n coefficients at p = k gap (into re)
 * and the n at p = (n + k) gap (into im), k < n, where the fast path holds: z' itself,
 * a_0 + d_1 q_0, or -((q_1 - 1 - d_1) q_0 + (q_0 - a_0)) when negative (non-negative terms, the
 * same operations as {@link centeredFromDigits} on these digits: exact below 2^53, one rounding
 * above). Coefficients flagged by {@link checkLimb} are left for {@link centeredFromDigits}.
 * @param data the limbs after {@link firstDigit}
 * @param flags after {@link checkLimb} for every limb above 1
 * @param N ring degree
 * @param gap stride
 * @param n values per output array
 * @param q0 q_0
 * @param q1 q_1
 * @param scale the divisor
 * @param re destination of the first n values
 * @param im destination of the next n values
 * @returns how many coefficients were flagged (and not written)
 */
export function centeredFast(
  data: Uint32Array, flags: Uint8Array, N: number, gap: number, n: number, q0: number, q1: number, scale: number,
  re: Float64Array, im: Float64Array,
): number {
  return centeredRun(data, flags, N, 0, gap, n, q0, q1, scale, re) + centeredRun(data, flags, N, n * gap, gap, n, q0, q1, scale, im);
}

/** {@link centeredFast} for the n coefficients at p0 + k gap into dst[k]; returns the flagged count. */
function centeredRun(
  data: Uint32Array, flags: Uint8Array, N: number, p0: number, gap: number, n: number, q0: number, q1: number, scale: number, dst: Float64Array,
): number {
  N |= 0;
  gap |= 0;
  n |= 0;
  let slow = 0;
  for (let k = 0, p = p0 | 0; k < n; k++, p += gap) {
    const f = flags[p];
    const a0 = data[p];
    const d1 = data[N + p];
    dst[k] = ((f & 1) === 0 ? d1 * q0 + a0 : -((q1 - 1 - d1) * q0 + (q0 - a0))) / scale;
    slow += f >>> 1;
  }
  return slow;
}

/**
 * The one-prime case (level 0): re[k] and im[k] are the centered residues at k gap and
 * (n + k) gap, a - q when a > (q - 1) / 2, divided by scale. A kernel of its own, like the
 * others, so that V8 compiles the loop whole.
 * @param data the limb, coefficient form
 * @param gap stride
 * @param n values per output array
 * @param q q_0
 * @param scale the divisor
 * @param re destination of the first n values
 * @param im destination of the next n values
 */
export function centeredOnePrime(data: Uint32Array, gap: number, n: number, q: number, scale: number, re: Float64Array, im: Float64Array): void {
  gap |= 0;
  n |= 0;
  const h = (q - 1) / 2;
  for (let k = 0, p = 0, p2 = n * gap; k < n; k++, p += gap, p2 += gap) {
    const a = data[p];
    const b = data[p2];
    re[k] = (a > h ? a - q : a) / scale;
    im[k] = (b > h ? b - q : b) / scale;
  }
}

/**
 * The exact path for one coefficient: Garner's digits d_2 .. d_level at position pos (in
 * place, after {@link firstDigit} wrote d_1), then the centered representative in
 * (-Q/2, Q/2] as a float64. The comparison x > H = (Q - 1)/2 is exact (digit by digit from the
 * most significant, against H's digits). Then x, or Q - x = (Q - 1 - x) + 1 whose digits are
 * q_i - 1 - d_i (no borrows), is evaluated by Horner's rule: all terms are non-negative, so
 * there is no cancellation, the result is exact below 2^53 and has relative error below about
 * 2 level 2^-53 above.
 * Digit bounds: as in {@link firstDigit} (d_j < q_j < 2^30 reduced mod q_i by an estimate,
 * Shoup products with the Garner constants q_j^-1 mod q_i).
 * @param data the limbs (coefficient form; limb 1 holds d_1)
 * @param N ring degree
 * @param pos the coefficient
 * @param level the top limb
 * @param Q the primes
 * @param W Garner's constants, W[i K + j] = q_j^-1 mod q_i
 * @param WS their Shoup constants
 * @param K the row length of W (the number of primes)
 * @param half the digits of (Q - 1) / 2
 * @returns the centered value
 */
export function centeredFromDigits(
  data: Uint32Array, N: number, pos: number, level: number, Q: ArrayLike<number>,
  W: Uint32Array, WS: Float64Array, K: number, half: Float64Array,
): number {
  for (let i = 2; i <= level; i++) {
    const q = Q[i] | 0;
    const qInv = 1 / q;
    let acc = data[i * N + pos];
    for (let j = 0; j < i; j++) {
      const dj = data[j * N + pos];
      let r = (dj - Math.imul((dj * qInv) | 0, q)) | 0; // (-2q, 2q)
      r += (r >> 31) & (2 * q);
      r = (r - q) | 0;
      r += (r >> 31) & q; // d_j mod q
      let diff = (acc - r) | 0;
      diff += (diff >> 31) & q;
      const e = (diff * WS[i * K + j]) | 0;
      const t = (Math.imul(diff, W[i * K + j]) - Math.imul(e, q) - q) | 0;
      acc = t + ((t >> 31) & q);
    }
    data[i * N + pos] = acc;
  }
  let negative = false;
  for (let i = level; i >= 0; i--) {
    const a = data[i * N + pos];
    const b = half[i];
    if (a !== b) {
      negative = a > b;
      break;
    }
  }
  if (!negative) {
    let v = data[level * N + pos];
    for (let i = level - 1; i >= 0; i--) v = v * Q[i] + data[i * N + pos];
    return v;
  }
  let v = Q[level] - 1 - data[level * N + pos];
  for (let i = level - 1; i >= 1; i--) v = v * Q[i] + (Q[i] - 1 - data[i * N + pos]);
  return -(v * Q[0] + (Q[0] - data[pos]));
}
