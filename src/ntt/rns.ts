/**
 * Residue number system (RNS) polynomials over Z_Q[X]/(X^N + 1) with
 * Q = q_0 * q_1 * ... * q_{k-1}, and conversions between RNS bases.
 *
 * Layout: one polynomial is one contiguous Uint32Array, limb after limb:
 * limb i (the residues modulo q_i) is data.subarray(i*N, (i+1)*N). Dropping the
 * last limbs (going down the modulus chain) is a view of a prefix, no copy.
 * The buffer may be a SharedArrayBuffer so that worker threads can share it.
 *
 * @module
 */

import { checkInt, checkU32, rangeError, typeError } from './errors.js';
import { addMod, invMod, negMod, reduceBigInt, shoupConstant, subMod } from './modular.js';
import { type NttTables, createNttTables, forwardNttLazy, inverseNttLazyInput, mulPointwise, reduceFrom4q } from './ntt.js';
import { checkLogN } from './primes.js';

/**
 * An ordered set of distinct NTT-friendly primes for one ring degree, with
 * their NTT tables and CRT constants. Frozen.
 */
export interface RnsBasis {
  readonly logN: number;
  readonly N: number;
  /** The primes q_0 ... q_{k-1}. */
  readonly moduli: readonly number[];
  /** NTT tables, one per prime. */
  readonly tables: readonly NttTables[];
  /** Q = product of the primes. */
  readonly product: bigint;
}

const tableCache = new Map<string, NttTables>();

/**
 * y[off + c] = [x_c * w]_q for c < n (Shoup product), centered to [-(q-1)/2, (q-1)/2] if asked.
 * @param input residues in [0, q)
 */
function scaleCentered(input: Uint32Array, y: Int32Array, off: number, n: number, q: number, w: number, ws: number, centered: boolean): void {
  const halfQ = q >>> 1;
  for (let c = off, e = off + n; c < e; c++) {
    // mulConst: Shoup estimate, remainder in [0, 2q), one correction: [0, q).
    const x = input[c];
    const t = (x * ws) | 0;
    let r = (Math.imul(x, w) - Math.imul(t, q) - q) | 0; // [-q, q)
    r += (r >> 31) & q;
    y[c] = centered && r > halfQ ? r - q : r;
  }
}

/**
 * hi[c] = sum_i y_i[b0 + c] * wHi[jk + i] and lo[c] likewise, for c < bs, exactly: each product is
 * below 2^30 * 2^15 = 2^45 in absolute value and k <= 128 terms stay below 2^52.
 */
function accumulateBlock(y: Int32Array, N: number, b0: number, bs: number, k: number, wHi: Float64Array, wLo: Float64Array, jk: number, hi: Float64Array, lo: Float64Array): void {
  let wh = wHi[jk];
  let wl = wLo[jk];
  for (let c = 0; c < bs; c++) {
    const x = y[b0 + c];
    hi[c] = x * wh;
    lo[c] = x * wl;
  }
  for (let i = 1; i < k; i++) {
    wh = wHi[jk + i];
    wl = wLo[jk + i];
    const off = i * N + b0;
    for (let c = 0; c < bs; c++) {
      const x = y[off + c];
      hi[c] += x * wh;
      lo[c] += x * wl;
    }
  }
}

/**
 * out[o + c] = (hi[c] * 2^15 + lo[c]) mod p for c < bs. Every quotient estimate is floor(t/p) or one
 * off (|t| < 2^53, relative error 2^-52), so each remainder is exact and within [-p, 2p).
 */
function reduceBlock(hi: Float64Array, lo: Float64Array, bs: number, p: number, out: Uint32Array, o: number): void {
  const pInv = 1 / p;
  for (let c = 0; c < bs; c++) {
    const h = hi[c];
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p), |rh * 2^15| < 2^46
    let r = rh * SPLIT + lo[c]; // |r| < 2^46 + 2^52 < 2^53, exact
    r -= Math.floor(r * pInv) * p; // [-p, 2p)
    r -= Math.floor(r * pInv) * p; // [0, p) up to a final off-by-one
    out[o + c] = r < 0 ? r + p : r >= p ? r - p : r;
  }
}

/** Coefficients per cache block of the basis conversion. */
const BLOCK = 1024;

/** Split point of the conversion constants: w = wHi * 2^15 + wLo. */
const SPLIT = 2 ** 15;

/**
 * Largest source basis of a {@link BasisConverter}: the exact float64 partial sums
 * need k * 2^45 + 2^46 < 2^53.
 */
export const MAX_CONVERSION_PRIMES = 128;

/**
 * NTT tables for (q, logN), built once per process and shared (they are frozen).
 * @throws RangeError as {@link createNttTables}
 */
export function nttTablesFor(q: number, logN: number): NttTables {
  const key = `${logN}:${q}`;
  let t = tableCache.get(key);
  if (t === undefined) {
    t = createNttTables(q, logN);
    tableCache.set(key, t);
  }
  return t;
}

/**
 * Build an RNS basis.
 * @param moduli distinct NTT-friendly primes for 2^logN, each < 2^30
 * @param logN log2 of the ring degree, in [4, 17]
 * @returns a frozen basis with NTT tables for every prime
 * @throws RangeError on an empty or repeated list, or a prime that is not NTT-friendly
 */
export function createRnsBasis(moduli: readonly number[], logN: number): RnsBasis {
  const fn = 'createRnsBasis';
  checkLogN(fn, logN);
  if (!Array.isArray(moduli)) typeError(fn, 'moduli', 'an array of primes', moduli);
  if (moduli.length === 0) rangeError(fn, 'moduli', 'a non-empty array', moduli);
  if (new Set(moduli).size !== moduli.length) rangeError(fn, 'moduli', 'distinct primes', moduli.join(','));
  const tables = moduli.map((q) => nttTablesFor(q, logN));
  let product = 1n;
  for (const q of moduli) product *= BigInt(q);
  return Object.freeze({ logN, N: 2 ** logN, moduli: Object.freeze(moduli.slice()), tables: Object.freeze(tables), product });
}

/**
 * The sub-basis made of the first `count` primes (a level of the modulus chain).
 * @throws RangeError unless 1 <= count <= basis.moduli.length
 */
export function subBasis(basis: RnsBasis, count: number): RnsBasis {
  checkInt('subBasis', 'count', count, 1, basis.moduli.length);
  if (count === basis.moduli.length) return basis;
  let product = 1n;
  for (let i = 0; i < count; i++) product *= BigInt(basis.moduli[i]);
  return Object.freeze({
    logN: basis.logN,
    N: basis.N,
    moduli: Object.freeze(basis.moduli.slice(0, count)),
    tables: Object.freeze(basis.tables.slice(0, count)),
    product,
  });
}

/**
 * A polynomial in RNS form: `limbs` residue polynomials of N coefficients in
 * one contiguous Uint32Array. Whether it is in coefficient or NTT form is the
 * caller's bookkeeping (`isNtt`), not checked by the arithmetic below.
 */
export class RnsPoly {
  /** Ring degree. */
  readonly N: number;
  /** Number of limbs (RNS residues) held. */
  readonly limbs: number;
  /** limbs * N residues, limb after limb. */
  readonly data: Uint32Array;
  /** True when the limbs hold NTT values (bit-reversed evaluation order). */
  isNtt: boolean;

  /**
   * @param N ring degree (a power of two)
   * @param limbs number of limbs, >= 1
   * @param data optional backing array of exactly limbs*N elements (not copied); a zeroed one is allocated otherwise
   * @param isNtt representation flag
   * @throws RangeError/TypeError on mismatched sizes
   */
  constructor(N: number, limbs: number, data?: Uint32Array, isNtt = false) {
    checkInt('RnsPoly', 'N', N, 16, 2 ** 17);
    if ((N & (N - 1)) !== 0) rangeError('RnsPoly', 'N', 'a power of two', N);
    checkInt('RnsPoly', 'limbs', limbs, 1, 4096);
    if (data === undefined) data = new Uint32Array(limbs * N);
    else checkU32('RnsPoly', 'data', data, limbs * N);
    this.N = N;
    this.limbs = limbs;
    this.data = data;
    this.isNtt = isNtt;
  }

  /**
   * Allocate a zero polynomial, optionally on a SharedArrayBuffer.
   * @param N ring degree
   * @param limbs number of limbs
   * @param shared place the data on a SharedArrayBuffer (for worker threads)
   */
  static alloc(N: number, limbs: number, shared = false): RnsPoly {
    const bytes = limbs * N * 4;
    const data = shared ? new Uint32Array(new SharedArrayBuffer(bytes)) : new Uint32Array(limbs * N);
    return new RnsPoly(N, limbs, data);
  }

  /** Limb i as a view (no copy). @throws RangeError if i is out of range */
  limb(i: number): Uint32Array {
    if (!(i >= 0 && i < this.limbs && Number.isInteger(i))) rangeError('RnsPoly.limb', 'i', `an integer in [0, ${this.limbs})`, i);
    return this.data.subarray(i * this.N, (i + 1) * this.N);
  }

  /**
   * The first `limbs` limbs as a polynomial sharing this one's memory
   * (the same polynomial at a lower level of the modulus chain).
   * @throws RangeError unless 1 <= limbs <= this.limbs
   */
  prefix(limbs: number): RnsPoly {
    checkInt('RnsPoly.prefix', 'limbs', limbs, 1, this.limbs);
    return new RnsPoly(this.N, limbs, this.data.subarray(0, limbs * this.N), this.isNtt);
  }

  /** A deep copy (on a new, non-shared buffer). */
  clone(): RnsPoly {
    return new RnsPoly(this.N, this.limbs, this.data.slice(), this.isNtt);
  }

  /** Overwrite this polynomial with `src` (same N and limbs). @throws RangeError on a shape mismatch */
  copyFrom(src: RnsPoly): void {
    checkSameShape('RnsPoly.copyFrom', this, src);
    this.data.set(src.data);
    this.isNtt = src.isNtt;
  }
}

function checkSameShape(fn: string, a: RnsPoly, b: RnsPoly, argB = 'b'): void {
  if (!(b instanceof RnsPoly)) typeError(fn, argB, 'an RnsPoly', b);
  if (a.N !== b.N || a.limbs !== b.limbs) {
    rangeError(fn, argB, `a polynomial with N = ${a.N} and ${a.limbs} limbs`, `N = ${b.N} with ${b.limbs} limbs`);
  }
}

function checkAgainstBasis(fn: string, p: RnsPoly, basis: RnsBasis, arg = 'a'): void {
  if (!(p instanceof RnsPoly)) typeError(fn, arg, 'an RnsPoly', p);
  if (p.N !== basis.N) rangeError(fn, arg, `a polynomial of degree N = ${basis.N}`, `N = ${p.N}`);
  if (p.limbs > basis.moduli.length) rangeError(fn, arg, `at most ${basis.moduli.length} limbs (the basis size)`, `${p.limbs} limbs`);
}

/**
 * Forward NTT of every limb, in place, fully reduced.
 * @param p polynomial in coefficient form, residues in [0, q_i)
 * @param basis basis whose first p.limbs primes are p's moduli
 * @throws RangeError if p does not fit the basis or is already in NTT form
 */
export function polyForwardNtt(p: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polyForwardNtt', p, basis, 'p');
  if (p.isNtt) rangeError('polyForwardNtt', 'p', 'in coefficient form', 'a polynomial in NTT form');
  const N = p.N;
  for (let i = 0; i < p.limbs; i++) {
    const a = p.data.subarray(i * N, (i + 1) * N);
    forwardNttLazy(a, basis.tables[i]);
    reduceFrom4q(a, basis.moduli[i]);
  }
  p.isNtt = true;
}

/**
 * Inverse NTT of every limb, in place, fully reduced.
 * @param p polynomial in NTT form, residues in [0, 2q_i)
 * @param basis basis whose first p.limbs primes are p's moduli
 * @throws RangeError if p does not fit the basis or is not in NTT form
 */
export function polyInverseNtt(p: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polyInverseNtt', p, basis, 'p');
  if (!p.isNtt) rangeError('polyInverseNtt', 'p', 'in NTT form', 'a polynomial in coefficient form');
  const N = p.N;
  for (let i = 0; i < p.limbs; i++) inverseNttLazyInput(p.data.subarray(i * N, (i + 1) * N), basis.tables[i]);
  p.isNtt = false;
}

/**
 * out = a + b, limb-wise (any representation, as long as a and b share it).
 * out may alias a or b.
 * @throws RangeError on shape mismatches
 */
export function polyAdd(a: RnsPoly, b: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polyAdd', a, basis);
  checkSameShape('polyAdd', a, b);
  checkSameShape('polyAdd', a, out, 'out');
  const N = a.N;
  const A = a.data;
  const B = b.data;
  const O = out.data;
  for (let l = 0; l < a.limbs; l++) {
    const q = basis.moduli[l];
    for (let j = l * N, e = j + N; j < e; j++) O[j] = addMod(A[j], B[j], q);
  }
  out.isNtt = a.isNtt;
}

/**
 * out = a - b, limb-wise. out may alias a or b.
 * @throws RangeError on shape mismatches
 */
export function polySub(a: RnsPoly, b: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polySub', a, basis);
  checkSameShape('polySub', a, b);
  checkSameShape('polySub', a, out, 'out');
  const N = a.N;
  const A = a.data;
  const B = b.data;
  const O = out.data;
  for (let l = 0; l < a.limbs; l++) {
    const q = basis.moduli[l];
    for (let j = l * N, e = j + N; j < e; j++) O[j] = subMod(A[j], B[j], q);
  }
  out.isNtt = a.isNtt;
}

/**
 * out = -a, limb-wise. out may alias a.
 * @throws RangeError on shape mismatches
 */
export function polyNeg(a: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polyNeg', a, basis);
  checkSameShape('polyNeg', a, out, 'out');
  const N = a.N;
  for (let l = 0; l < a.limbs; l++) {
    const q = basis.moduli[l];
    for (let j = l * N, e = j + N; j < e; j++) out.data[j] = negMod(a.data[j], q);
  }
  out.isNtt = a.isNtt;
}

/**
 * out = a * b pointwise in every limb (the ring product when both are in NTT form).
 * out may alias a or b.
 * @throws RangeError on shape mismatches or operands not in NTT form
 */
export function polyMulNtt(a: RnsPoly, b: RnsPoly, out: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polyMulNtt', a, basis);
  checkSameShape('polyMulNtt', a, b);
  checkSameShape('polyMulNtt', a, out, 'out');
  if (!a.isNtt || !b.isNtt) rangeError('polyMulNtt', 'a, b', 'both in NTT form', `a.isNtt = ${a.isNtt}, b.isNtt = ${b.isNtt}`);
  const N = a.N;
  for (let l = 0; l < a.limbs; l++) {
    const t = basis.tables[l];
    const s = l * N;
    mulPointwise(a.data.subarray(s, s + N), b.data.subarray(s, s + N), out.data.subarray(s, s + N), t.q, t.qInv);
  }
  out.isNtt = true;
}

/**
 * Set p to the polynomial with the given integer coefficients (any sign, any size).
 * @param coeffs N BigInt coefficients
 * @param basis basis; the result has `limbs` limbs (default: all of the basis)
 * @returns a new polynomial in coefficient form
 * @throws RangeError if coeffs does not have N entries or limbs is not in [1, basis size]; TypeError if a coefficient is not a BigInt
 */
export function polyFromBigInts(coeffs: readonly bigint[], basis: RnsBasis, limbs = basis.moduli.length): RnsPoly {
  if (coeffs.length !== basis.N) rangeError('polyFromBigInts', 'coeffs', `of length ${basis.N}`, coeffs);
  checkInt('polyFromBigInts', 'limbs', limbs, 1, basis.moduli.length);
  for (let j = 0; j < basis.N; j++) if (typeof coeffs[j] !== 'bigint') typeError('polyFromBigInts', `coeffs[${j}]`, 'a BigInt', coeffs[j]);
  const p = new RnsPoly(basis.N, limbs);
  for (let l = 0; l < limbs; l++) {
    const q = basis.moduli[l];
    const off = l * basis.N;
    for (let j = 0; j < basis.N; j++) p.data[off + j] = reduceBigInt(coeffs[j], q);
  }
  return p;
}

/**
 * Set a polynomial from small signed integer coefficients (|c| < 2^31), e.g.
 * secret keys and errors.
 * @param coeffs N signed integers
 * @param out destination polynomial (coefficient form), every limb overwritten
 * @param basis its basis
 * @throws RangeError on a length mismatch or a coefficient that is not an int32
 */
export function polySetSmall(coeffs: ArrayLike<number>, out: RnsPoly, basis: RnsBasis): void {
  checkAgainstBasis('polySetSmall', out, basis, 'out');
  if (coeffs.length !== out.N) rangeError('polySetSmall', 'coeffs', `of length ${out.N}`, coeffs);
  for (let j = 0; j < out.N; j++) {
    const c = coeffs[j];
    if (!(Number.isInteger(c) && c >= -(2 ** 31) && c < 2 ** 31)) rangeError('polySetSmall', `coeffs[${j}]`, 'an int32', c);
  }
  const N = out.N;
  for (let l = 0; l < out.limbs; l++) {
    const q = basis.moduli[l];
    const off = l * N;
    for (let j = 0; j < N; j++) {
      const c = coeffs[j] % q; // in (-q, q)
      out.data[off + j] = c < 0 ? c + q : c;
    }
  }
  out.isNtt = false;
}

/**
 * CRT reconstruction of a coefficient-form polynomial to integers.
 * x = sum_i [a_i * (Q/q_i)^-1]_{q_i} * (Q/q_i) mod Q.
 * @param p polynomial in coefficient form
 * @param basis basis whose first p.limbs primes are p's moduli
 * @param centered return representatives in (-Q/2, Q/2] instead of [0, Q)
 * @returns N BigInts
 * @throws RangeError if p is in NTT form or does not fit the basis
 */
export function polyToBigInts(p: RnsPoly, basis: RnsBasis, centered = false): bigint[] {
  checkAgainstBasis('polyToBigInts', p, basis, 'p');
  if (p.isNtt) rangeError('polyToBigInts', 'p', 'in coefficient form', 'a polynomial in NTT form');
  const k = p.limbs;
  const b = subBasis(basis, k);
  const Q = b.product;
  const half = Q >> 1n;
  const qHat: bigint[] = [];
  const qHatInv: number[] = [];
  for (let i = 0; i < k; i++) {
    const qi = b.moduli[i];
    const h = Q / BigInt(qi);
    qHat.push(h);
    qHatInv.push(invMod(reduceBigInt(h, qi), qi));
  }
  const out = new Array<bigint>(p.N);
  for (let j = 0; j < p.N; j++) {
    let x = 0n;
    for (let i = 0; i < k; i++) {
      const qi = b.moduli[i];
      const y = Number((BigInt(p.data[i * p.N + j]) * BigInt(qHatInv[i])) % BigInt(qi));
      x += BigInt(y) * qHat[i];
    }
    x %= Q;
    if (centered && x > half) x -= Q;
    out[j] = x;
  }
  return out;
}

/**
 * Fast (approximate) basis conversion from a basis Q = {q_i} to a basis
 * P = {p_j}: the "FastBConv" of Bajard, Eynard, Hasan and Zucca (SAC 2016),
 * the building block of ModUp, ModDown and rescaling in RNS-CKKS
 * (Cheon, Han, Kim, Kim and Song, SAC 2018).
 *
 * For a residue vector of x in [0, Q) it returns, modulo every p_j,
 *   y = sum_i [x_i * (Q/q_i)^-1]_{q_i} * (Q/q_i) = x + u*Q,  0 <= u < k,
 * where k is the number of source primes: the result is exact up to a small
 * multiple of Q (the approximation error), with u the same in every p_j.
 *
 * Centered variant ({@link BasisConverter.convert} with centered = true): the
 * y_i = [x_i (Q/q_i)^-1]_{q_i} are taken in [-q_i/2, q_i/2), so the integer
 * converted is sum_i y_i (Q/q_i), which lies in [-kQ/2, kQ/2): it equals
 * x + u*Q with -k/2 - 1 <= u < k/2, and its distribution is symmetric about
 * the centered representative of x. Key switching needs this: with the
 * non-centered form, ModUp digits have mean Q_j/2 and ModDown a bias of
 * (k-1)/2, and both turn into a fixed low-frequency error concentrated in a
 * few CKKS slots. Taking y_i - q_i for the v entries with y_i >= q_i/2 amounts
 * to subtracting v*Q.
 *
 * Arithmetic: the y_i are held as (signed) float64 and the constants
 * [(Q/q_i)]_{p_j} < 2^30 are split as wHi * 2^15 + wLo, so every product is
 * below 2^45 and the k-term sums are exact in float64 (k <= 128): two
 * multiplications and two additions per term, one reduction per output.
 *
 * Cost per coefficient: k Shoup products for the y_i, then 2k float64
 * multiply-adds per output prime, cache-blocked. The converter owns scratch
 * buffers (k * N int32 and 2 * 1024 float64); one converter must not be used by two callers at once.
 */
export class BasisConverter {
  readonly from: RnsBasis;
  readonly to: RnsBasis;
  /** [(Q/q_i)^-1]_{q_i} and its Shoup constant. */
  private readonly qHatInv: Uint32Array;
  private readonly qHatInvShoup: Float64Array;
  /** [(Q/q_i)]_{p_j} = wHi * 2^15 + wLo at index j*k + i, the halves as float64. */
  private readonly qHatModPHi: Float64Array;
  private readonly qHatModPLo: Float64Array;
  /** y_i (signed when centered), k*N. */
  private readonly y: Int32Array;
  /** Accumulators of the high and low partial sums, N each. */
  private readonly accHi: Float64Array;
  private readonly accLo: Float64Array;

  /**
   * @param from source basis (all its primes are used)
   * @param to target basis; the primes must be distinct from the source's
   * @throws RangeError if the bases have different N or share a prime
   */
  constructor(from: RnsBasis, to: RnsBasis) {
    const fn = 'BasisConverter';
    if (from.N !== to.N) rangeError(fn, 'to', `a basis with N = ${from.N}`, `N = ${to.N}`);
    for (const p of to.moduli) if (from.moduli.includes(p)) rangeError(fn, 'to', 'primes disjoint from the source basis', p);
    this.from = from;
    this.to = to;
    const k = from.moduli.length;
    const l = to.moduli.length;
    const Q = from.product;
    this.qHatInv = new Uint32Array(k);
    this.qHatInvShoup = new Float64Array(k);
    this.qHatModPHi = new Float64Array(k * l);
    this.qHatModPLo = new Float64Array(k * l);
    for (let i = 0; i < k; i++) {
      const qi = from.moduli[i];
      const h = Q / BigInt(qi);
      const inv = invMod(reduceBigInt(h, qi), qi);
      this.qHatInv[i] = inv;
      this.qHatInvShoup[i] = shoupConstant(inv, qi);
      for (let j = 0; j < l; j++) {
        const pj = to.moduli[j];
        const v = reduceBigInt(h, pj);
        this.qHatModPHi[j * k + i] = Math.floor(v / SPLIT);
        this.qHatModPLo[j * k + i] = v % SPLIT;
      }
    }
    if (k > MAX_CONVERSION_PRIMES) rangeError(fn, 'from', `a basis of at most ${MAX_CONVERSION_PRIMES} primes`, k);
    this.y = new Int32Array(k * from.N);
    this.accHi = new Float64Array(Math.min(BLOCK, from.N));
    this.accLo = new Float64Array(Math.min(BLOCK, from.N));
  }

  /**
   * Convert: out (|P| limbs) receives sum_i [x_i (Q/q_i)^-1]_{q_i} (Q/q_i) mod p_j,
   * with the [.]_{q_i} in [0, q_i), or in [-q_i/2, q_i/2) when centered.
   * Works on coefficient-form data (the conversion is not NTT-compatible).
   * @param input k*N residues modulo the source primes, each in [0, q_i)
   * @param out |P|*N words, overwritten with values in [0, p_j)
   * @param centered use centered y_i (see the class comment)
   * @throws RangeError/TypeError on arrays of the wrong length
   */
  convert(input: Uint32Array, out: Uint32Array, centered = false): void {
    const k = this.from.moduli.length;
    const l = this.to.moduli.length;
    const N = this.from.N;
    checkU32('BasisConverter.convert', 'input', input, k * N);
    checkU32('BasisConverter.convert', 'out', out, l * N);
    const y = this.y;
    for (let i = 0; i < k; i++) {
      const off = i * N;
      scaleCentered(input, y, off, N, this.from.moduli[i], this.qHatInv[i], this.qHatInvShoup[i], centered);
    }
    // Cache blocking: for one block of BLOCK coefficients, the k input rows (k * BLOCK int32)
    // stay in L2 across all output primes and the two accumulators (2 * BLOCK float64) in L1.
    for (let b0 = 0; b0 < N; b0 += BLOCK) {
      const bs = Math.min(BLOCK, N - b0);
      for (let j = 0; j < l; j++) {
        accumulateBlock(y, N, b0, bs, k, this.qHatModPHi, this.qHatModPLo, j * k, this.accHi, this.accLo);
        reduceBlock(this.accHi, this.accLo, bs, this.to.moduli[j], out, j * N + b0);
      }
    }
  }
}

