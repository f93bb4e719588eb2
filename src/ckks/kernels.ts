/**
 * The rescaling kernels of the CKKS evaluator: one component of a division by
 * the top prime, or by the two top primes of a high-precision level, with
 * rounding. (The pointwise kernels, sums, products and the tensor product,
 * are the ring layer's: src/ntt/pointwise.ts.)
 *
 * @module
 */

import { type NttTables, forwardNttLazy, inverseNttLazyInput } from '../ntt/index.js';
import type { Parameters, RescaleTwoTables } from './params.js';

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
 * How many primes the first pass of a rescale from level l divides away: 2 for
 * a level of two primes (one pass, {@link rescaleComponentTwo}), else 1.
 * @param params the parameters
 * @param l the level rescaled from
 * @returns 1 or 2
 */
export function rescaleFirstPass(params: Parameters, l: number): number {
  return params.rescalePrimes[l] === 2 && params.rescaleTwo[l] !== undefined ? 2 : 1;
}

/**
 * The components of a rescale from level l by the k primes of its level
 * (Evaluator.rescale): a level of two primes in one pass (exact), else one
 * prime per pass, the first from src into dst and the others in place.
 * @param params the parameters
 * @param src the components (l + 1 limbs each, NTT form; not modified unless dst aliases them)
 * @param dst destinations of l + 1 - {@link rescaleFirstPass} limbs each (the limbs below
 *   l + 1 - k hold the result)
 * @param l the level rescaled from
 * @param k the primes of its level (params.rescalePrimes[l])
 */
export function rescaleComponents(params: Parameters, src: readonly Uint32Array[], dst: readonly Uint32Array[], l: number, k: number): void {
  const N = params.N;
  const last = new Uint32Array(N);
  const tmp = new Uint32Array(N);
  const two = rescaleFirstPass(params, l) === 2 ? (params.rescaleTwo[l] as RescaleTwoTables) : undefined;
  if (two !== undefined) {
    const xb = new Uint32Array(N);
    for (let c = 0; c < src.length; c++) rescaleComponentTwo(src[c], dst[c], params.basisQ.tables, two, l, N, last, xb, tmp);
    return;
  }
  // rescaleComponent reads every element before writing it, so passes after the first run in place.
  for (let j = 0; j < k; j++) {
    const top = l - j;
    const tables = { tables: params.basisQ.tables, inv: params.rescaleInv[top], invShoup: params.rescaleInvShoup[top] };
    for (let c = 0; c < src.length; c++) rescaleComponent(j === 0 ? src[c] : dst[c], dst[c], tables, top, N, last, tmp);
  }
}

/**
 * One component of a rescale by q_l (Cheon, Han, Kim, Kim and Song, SAC 2018,
 * section 3.3, with rounding): O_i = (S_i - [S_l]_centered) * q_l^-1 mod q_i
 * for i < l, where [S_l]_centered is the centered remainder of the last limb,
 * so that O = round(S / q_l). S and O in NTT form; O may not alias S's first
 * l limbs unless it is S itself read limb by limb (it is: each limb is read
 * once, element by element, before being written).
 * With y = (S_l + half) mod q_l, the NTT's input is y - half modulo q_i: where
 * q_l < 3 q_i (every chain of primes of one size) as y + (q_i - half mod q_i),
 * below 4 q_i and so a valid lazy input without a reduction ({@link addConstant}),
 * else fully reduced ({@link centeredRemainder}).
 * Bounds: the shifted last limb y < q_l < 2^30; see the two kernels; d = S - z + 2q
 * in (0, 3q] < 2^32 (exact in float64); the Shoup product's remainder in [0, 2q),
 * one correction.
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
    // y - half mod q as a lazy NTT input: y + (q - half mod q) when that stays below 4q (q_l < 3q,
    // every chain of primes of one size), else fully reduced.
    if (ql < 3 * q) addConstant(last, tmp, N, q - (half % q));
    else centeredRemainder(last, tmp, N, q, half % q);
    forwardNttLazy(tmp, tab); // [0, 4q)
    subtractScale(S, tmp, O, i * N, N, q, t.inv[i], t.invShoup[i]);
  }
}

/**
 * One component of a rescale by Q' = q_a q_b, the two top primes of a
 * high-precision level (q_b = q_l, q_a = q_{l-1}), in one pass: the RNS form
 * of the division by the product (Cheon, Han, Kim, Kim and Song, SAC 2018,
 * section 3.3, with rounding, divided by Q' at once instead of by q_l then
 * q_{l-1}). The two top limbs go to coefficient form; the centered remainder
 * r = [S]_{Q'} in (-Q'/2, Q'/2) comes from their residues x_a, x_b by Garner's
 * formula x = x_a + q_a y, y = (x_b - x_a) q_a^-1 mod q_b, with x - Q' taken
 * when x > (Q' - 1)/2 (decided from y and x_a: x itself, up to 60 bits, is
 * never formed); then for each i < l - 1, with one forward NTT of r mod q_i,
 * O_i = (S_i - r) (q_a q_b)^-1 mod q_i. So O = (S - r) / Q' = round(S / Q')
 * exactly, for the integer S of any representative of the input modulo
 * q_0 ... q_l (Q' is odd: no ties). S and O in NTT form; O may alias S (limb
 * i of O is written after limb i of S is read, element by element, and the two
 * top limbs are copied out first).
 * Bounds: see {@link garnerRemainder}, {@link twoPrimeRemainder} and
 * {@link subtractScale}.
 * @param S source component (l + 1 limbs, NTT form)
 * @param O destination (l - 1 limbs, NTT form)
 * @param tables NTT tables of q_0..q_l
 * @param t the pair's constants: params.rescaleTwo[l]
 * @param l the top prime's index (q_l and q_{l-1} are divided away), l >= 1
 * @param N ring degree
 * @param xa scratch of N words (x_a, then kept for the remainders)
 * @param xb scratch of N words (x_b, then z, see {@link garnerRemainder})
 * @param tmp scratch of N words
 */
export function rescaleComponentTwo(
  S: Uint32Array, O: Uint32Array, tables: readonly NttTables[], t: RescaleTwoTables,
  l: number, N: number, xa: Uint32Array, xb: Uint32Array, tmp: Uint32Array,
): void {
  const ta = tables[l - 1];
  const tb = tables[l];
  xa.set(S.subarray((l - 1) * N, l * N));
  inverseNttLazyInput(xa, ta); // [0, q_a)
  xb.set(S.subarray(l * N, (l + 1) * N));
  inverseNttLazyInput(xb, tb); // [0, q_b)
  garnerRemainder(xa, xb, N, ta.q, tb.q, t.garnerShift, t.garnerInv, t.garnerInvShoup);
  // One kernel per loop, as in rescaleComponent (whole-function compilation by V8).
  for (let i = 0; i < l - 1; i++) {
    const tab = tables[i];
    const q = tab.q;
    twoPrimeRemainder(xa, xb, tmp, N, q, t.qaMod[i], t.qaModShoup[i], t.prodNeg[i]);
    forwardNttLazy(tmp, tab); // [0, 4q)
    subtractScale(S, tmp, O, i * N, N, q, t.inv[i], t.invShoup[i]);
  }
}

/**
 * Garner's step of the two-prime remainder, for c < N: from x_a = xa[c] in
 * [0, q_a) and x_b = xb[c] in [0, q_b), y = (x_b - x_a) q_a^-1 mod q_b in
 * [0, q_b), so that x = x_a + q_a y in [0, Q') is the residue modulo Q' = q_a q_b;
 * then xb[c] = z = y + q_b when x <= H = (Q' - 1)/2, z = y when x > H, in
 * [0, 2 q_b), so that the centered remainder is r = x_a + q_a z - Q' in
 * [-H, H] in both cases. xa is left as is.
 * The comparison: H = q_a hy + hx with hy = (q_b - 1)/2, hx = (q_a - 1)/2 (q_a,
 * q_b odd), so x - H = q_a (y - hy) + (x_a - hx) with |x_a - hx| < q_a: x > H
 * iff y > hy, or y = hy and x_a > hx, i.e. iff 2 (hy - y) + sign(hx - x_a) < 0
 * (sign as 0 or -1 from the int32 sign bit; |2 (hy - y)| < q_b < 2^30, int32).
 * Bounds: d = x_b - x_a + shift with shift = ceil(q_a / q_b) q_b in [q_a, q_a + q_b)
 * lies in (0, q_a + 2 q_b) < 3 * 2^30 < 2^32, exact in float64 and a multiple-of-q_b
 * shift of x_b - x_a; d * ws < 2^32 in float64; Math.imul wraps modulo 2^32 (int32)
 * and the Shoup remainder minus q_b is in [-q_b, q_b), one correction; z < 2 q_b < 2^31.
 * @param xa x_a per coefficient (coefficient form of limb l - 1)
 * @param xb x_b per coefficient (coefficient form of limb l), overwritten with z
 * @param N ring degree
 * @param qa q_a = q_{l-1}
 * @param qb q_b = q_l
 * @param shift ceil(q_a / q_b) q_b
 * @param w q_a^-1 mod q_b
 * @param ws its Shoup constant
 */
function garnerRemainder(xa: Uint32Array, xb: Uint32Array, N: number, qa: number, qb: number, shift: number, w: number, ws: number): void {
  N |= 0;
  qa |= 0;
  qb |= 0;
  w |= 0;
  const hy = (qb - 1) >> 1;
  const hx = (qa - 1) >> 1;
  for (let c = 0; c < N; c++) {
    const a = xa[c]; // [0, q_a)
    const d = xb[c] - a + shift; // (0, q_a + 2 q_b): exact, < 2^32
    const e = (d * ws) | 0;
    let y = (Math.imul(d, w) - Math.imul(e, qb) - qb) | 0; // [-q_b, q_b)
    y += (y >> 31) & qb; // [0, q_b)
    const s = (2 * (hy - y) + ((hx - a) >> 31)) | 0; // [-q_b, q_b): negative iff x > H
    xb[c] = y + (qb & ~(s >> 31)); // [0, 2 q_b)
  }
}

/**
 * tmp[c] = r mod q in [0, q) for c < N, r = x_a + q_a z - Q' the centered
 * remainder of {@link garnerRemainder} (x_a = xa[c] in [0, q_a), z = zs[c] in
 * [0, 2 q_b)), w = q_a mod q with Shoup constant ws, neg = q - (Q' mod q) in [1, q).
 * Bounds: the Shoup product p = z w mod q in [0, 2q) (z < 2^31, z * ws < 2^31 in
 * float64, Math.imul wraps modulo 2^32, the remainder is int32); s = x_a + p + neg
 * in [1, q_a + 3q) < 2^32, exact in float64; e = floor(s/q) +- 1 from the float
 * estimate (s/q < 2^26, int32); s - e q is in [-q, 2q) (the wrap of Math.imul modulo
 * 2^32 leaves it exact in int32); one correction gives [0, 2q), a second (after
 * subtracting q) [0, q).
 * @param xa x_a per coefficient
 * @param zs z per coefficient
 * @param tmp destination, N words
 * @param N ring degree
 * @param q the prime q_i
 * @param w q_a mod q
 * @param ws its Shoup constant
 * @param neg q - (q_a q_b mod q)
 */
function twoPrimeRemainder(xa: Uint32Array, zs: Uint32Array, tmp: Uint32Array, N: number, q: number, w: number, ws: number, neg: number): void {
  N |= 0;
  q |= 0;
  w |= 0;
  neg |= 0;
  const qInvF = 1 / q;
  for (let c = 0; c < N; c++) {
    const z = zs[c]; // [0, 2 q_b) < 2^31
    const t = (z * ws) | 0; // floor(z w / q) or one less
    const p = (Math.imul(z, w) - Math.imul(t, q)) | 0; // z w mod q in [0, 2q)
    const s = xa[c] + p + neg; // [1, q_a + 3q): exact, < 2^32
    const e = (s * qInvF) | 0; // floor(s/q) +- 1
    let r = (s - Math.imul(e, q)) | 0; // [-q, 2q), int32
    r += (r >> 31) & q; // [0, 2q)
    r = (r - q) | 0;
    tmp[c] = r + ((r >> 31) & q);
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
 * tmp[c] = y[c] + k for c < N: with y < q_l < 3q and k = q - (half mod q) in (0, q], a value
 * below 4q congruent to y - half modulo q (the lazy forward NTT's input range). Largest
 * value 4q < 2^32, written as an unsigned word (`>>> 0`).
 */
function addConstant(y: Uint32Array, tmp: Uint32Array, N: number, k: number): void {
  N |= 0;
  for (let c = 0; c < N; c++) tmp[c] = (y[c] + k) >>> 0;
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
 * O[off + c] = (S[off + c] - z[c]) * w mod q in [0, q) for c < N (w = q_l^-1 mod q, or
 * (q_{l-1} q_l)^-1 mod q for a rescale by two primes, ws its Shoup constant), z in [0, 4q) after a lazy NTT, S in [0, q).
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
