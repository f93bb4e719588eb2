/**
 * Word-sized modular arithmetic for moduli q < 2^30.
 *
 * Every routine works on JavaScript numbers that hold non-negative integers and
 * is written so that V8 keeps them in int32 registers: products are formed
 * modulo 2^32 with `Math.imul`, and the quotient floor(a*b/q) is estimated in
 * float64. The estimate can be off by one, the remainder is then computed
 * exactly modulo 2^32 and, because its true value lies in a window narrower
 * than 2^31, the int32 result *is* the true value. Each doc comment gives the
 * input range, the output range and the largest intermediate, measured
 * against 2^53 (exact float64 integers) and 2^31 (int32).
 *
 * Bound used throughout: q < 2^30, so 2q < 2^31 fits a non-negative int32 and
 * 4q < 2^32 fits a Uint32Array element.
 *
 * References: V. Shoup, NTL (MulModPrecon); D. Harvey, "Faster arithmetic for
 * number-theoretic transforms", J. Symb. Comp. 2014 (lazy butterflies).
 *
 * @module
 */

import { checkInt, rangeError } from './errors.js';

/** Largest supported modulus bit size: every modulus satisfies q < 2^MAX_MODULUS_BITS. */
export const MAX_MODULUS_BITS = 30;

/** Every modulus is strictly below this bound (2^30). */
export const MAX_MODULUS = 2 ** MAX_MODULUS_BITS;

/**
 * Factor applied to w/q when building a Shoup constant. It pushes the float64
 * quotient estimate strictly below the true quotient, so the estimate is
 * floor(a*w/q) or one less, never more, and the lazy product lands in [0, 2q).
 * Proof: the computed a*ws is at most (a*w/q)(1 - 2^-45)(1 + 2^-52) < a*w/q, and
 * at least (a*w/q)(1 - 2^-44) > a*w/q - 2^32 * 2^-44 = a*w/q - 2^-12.
 */
const SHOUP_SHRINK = 1 - 2 ** -45;

/**
 * Validate a modulus for this arithmetic: an integer in [2, 2^30).
 * @param fn name of the calling function, for the error message
 * @param q the modulus
 * @throws TypeError if q is not a safe integer; RangeError if q < 2 or q >= 2^30
 */
export function checkModulus(fn: string, q: unknown): asserts q is number {
  if (typeof q !== 'number' || !Number.isSafeInteger(q)) checkInt(fn, 'q', q, 2, MAX_MODULUS - 1);
  if ((q as number) < 2 || (q as number) >= MAX_MODULUS) {
    rangeError(fn, 'q', `an integer in [2, 2^${MAX_MODULUS_BITS}) (the arithmetic's bound)`, q);
  }
}

/**
 * (a + b) mod q with one conditional correction.
 * @param a in [0, q)
 * @param b in [0, q)
 * @param q modulus < 2^30
 * @returns a + b mod q, in [0, q). Largest intermediate a + b < 2q < 2^31.
 */
export function addMod(a: number, b: number, q: number): number {
  const s = (a + b - q) | 0; // in [-q, q): int32
  return s + ((s >> 31) & q);
}

/**
 * (a - b) mod q with one conditional correction.
 * @param a in [0, q)
 * @param b in [0, q)
 * @param q modulus < 2^30
 * @returns a - b mod q, in [0, q). Largest intermediate |a - b| < q < 2^30.
 */
export function subMod(a: number, b: number, q: number): number {
  const d = (a - b) | 0; // in (-q, q)
  return d + ((d >> 31) & q);
}

/**
 * (-a) mod q.
 * @param a in [0, q)
 * @param q modulus < 2^30
 * @returns q - a for a > 0, and 0 for a = 0.
 */
export function negMod(a: number, q: number): number {
  return a === 0 ? 0 : q - a;
}

/**
 * Shoup constant for multiplication by the fixed operand w modulo q: the
 * float64 value (w/q)(1 - 2^-45), see {@link mulConstLazy}.
 * @param w the constant, in [0, q)
 * @param q modulus < 2^30
 * @returns a float64 in [0, 1)
 * @throws RangeError if w is not an integer in [0, q) or q is out of range
 */
export function shoupConstant(w: number, q: number): number {
  checkModulus('shoupConstant', q);
  checkInt('shoupConstant', 'w', w, 0, q - 1);
  return (w / q) * SHOUP_SHRINK;
}

/**
 * Lazy Shoup-style product a*w mod q, for a precomputed constant w.
 *
 * The quotient estimate t = floor(a * ws) is floor(a*w/q) or one less (see
 * SHOUP_SHRINK), so r = a*w - t*q lies in [0, 2q). r is computed as
 * imul(a, w) - imul(t, q) modulo 2^32; since 0 <= r < 2^31 the int32 result is
 * r itself.
 *
 * Largest intermediate: a*ws < 2^32 in float64 (only its floor modulo 2^32 is
 * used, so the |0 wrap above 2^31 is harmless); both imul products wrap
 * modulo 2^32 by design; the true a*w < 2^62 is never formed.
 *
 * @param a in [0, 2^32): lazily reduced values up to 4q are accepted
 * @param w the constant, in [0, q)
 * @param ws its Shoup constant, {@link shoupConstant}(w, q)
 * @param q modulus < 2^30
 * @returns a*w mod q, lazily reduced: in [0, 2q)
 */
export function mulConstLazy(a: number, w: number, ws: number, q: number): number {
  const t = (a * ws) | 0;
  return (Math.imul(a, w) - Math.imul(t, q)) | 0;
}

/**
 * Shoup-style product a*w mod q, fully reduced. See {@link mulConstLazy}.
 * @param a in [0, 2^32)
 * @param w in [0, q)
 * @param ws {@link shoupConstant}(w, q)
 * @param q modulus < 2^30
 * @returns a*w mod q in [0, q)
 */
export function mulConst(a: number, w: number, ws: number, q: number): number {
  const t = (a * ws) | 0;
  const r = (Math.imul(a, w) - Math.imul(t, q) - q) | 0; // in [-q, q)
  return r + ((r >> 31) & q);
}

/**
 * General modular product a*b mod q (Barrett reduction with a float64
 * quotient estimate).
 *
 * The estimate t = floor(a * b * qInv) differs from floor(a*b/q) by at most 1:
 * a*b < 2^60 is rounded to float64 (relative error 2^-53), multiplied by the
 * rounded 1/q (2^-53 each), so the quotient (< 2^30) is off by less than
 * 2^30 * 2^-50 = 2^-20 before the floor. Hence r = a*b - t*q is in [-q, 2q),
 * which fits int32 because q < 2^30; two conditional corrections finish.
 *
 * Largest intermediate: the float64 a*b < 2^60 (inexact above 2^53, used only
 * for the estimate); the imul products wrap modulo 2^32 by design; the exact
 * remainder is below 2^31.
 *
 * @param a in [0, q)
 * @param b in [0, q)
 * @param q modulus < 2^30
 * @param qInv the float64 1/q
 * @returns a*b mod q in [0, q)
 */
export function mulMod(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0; // truncation = floor: the value is in [0, 2^30)
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0; // in [-q, 2q)
  r += (r >> 31) & q; // [0, 2q)
  r = (r - q) | 0; // [-q, q)
  return r + ((r >> 31) & q);
}

/**
 * Modular exponentiation base^exp mod q by square and multiply.
 * @param base in [0, q)
 * @param exp a non-negative safe integer
 * @param q modulus < 2^30
 * @returns base^exp mod q in [0, q); 0^0 = 1
 * @throws RangeError on a bad modulus or a negative exponent
 */
export function powMod(base: number, exp: number, q: number): number {
  checkModulus('powMod', q);
  checkInt('powMod', 'exp', exp, 0, Number.MAX_SAFE_INTEGER);
  checkInt('powMod', 'base', base, 0, q - 1);
  const qInv = 1 / q;
  let r = 1 % q;
  let b = base;
  let e = exp;
  while (e > 0) {
    if (e % 2 === 1) r = mulMod(r, b, q, qInv);
    b = mulMod(b, b, q, qInv);
    e = Math.floor(e / 2);
  }
  return r;
}

/**
 * Modular inverse by the extended Euclidean algorithm (all intermediates are
 * below q < 2^30 in absolute value, exact in float64).
 * @param a in [1, q), coprime to q
 * @param q modulus < 2^30
 * @returns the x in [1, q) with a*x = 1 mod q
 * @throws RangeError if a is 0 or not invertible modulo q
 */
export function invMod(a: number, q: number): number {
  checkModulus('invMod', q);
  checkInt('invMod', 'a', a, 0, q - 1);
  let r0 = q;
  let r1 = a;
  let s0 = 0;
  let s1 = 1;
  while (r1 !== 0) {
    const k = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - k * r1];
    [s0, s1] = [s1, s0 - k * s1];
  }
  if (r0 !== 1) rangeError('invMod', 'a', `invertible modulo ${q}`, a);
  return s0 < 0 ? s0 + q : s0;
}

/**
 * Reduce an arbitrary BigInt into [0, q).
 * @param x any BigInt
 * @param q modulus (number)
 * @returns x mod q as a number in [0, q)
 */
export function reduceBigInt(x: bigint, q: number): number {
  const Q = BigInt(q);
  let r = x % Q;
  if (r < 0n) r += Q;
  return Number(r);
}
