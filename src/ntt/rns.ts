/**
 * Residue number system (RNS) polynomials over Z_Q[X]/(X^N + 1) with
 * Q = q_0 * q_1 * ... * q_{k-1} (the conversions between bases are in conversion.ts).
 *
 * Layout: one polynomial is one contiguous Uint32Array, limb after limb:
 * limb i (the residues modulo q_i) is data.subarray(i*N, (i+1)*N). Dropping the
 * last limbs (going down the modulus chain) is a view of a prefix, no copy.
 * The buffer may be a SharedArrayBuffer so that worker threads can share it.
 *
 * @module
 */

import { checkInt, checkU32, rangeError, typeError } from './errors.js';
import { addMod, invMod, negMod, reduceBigInt, subMod } from './modular.js';
import { type NttTables, createNttTables, forwardNtt, inverseNttLazyInput, mulPointwise } from './ntt.js';
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

/**
 * Budget of the process-wide NTT-table cache, in bytes (32 MiB). The cache
 * only spares rebuilding the tables of a parameter set that is created again
 * (a test suite, a loader called twice); the tables a parameter set uses are
 * owned by its bases, and the scheme's sub-bases share them (`selectBasis`),
 * so evicting a table never slows a live parameter set. Least recently used
 * tables go first; a table larger than the budget is not cached.
 */
export const NTT_TABLE_CACHE_BYTES = 32 * 2 ** 20;

/** Cached tables, least recently used first (Map order), and their total size. */
const tableCache = new Map<string, NttTables>();
let tableCacheBytes = 0;

/** Bytes held by the typed arrays of a table set. */
function tableBytes(t: NttTables): number {
  let b = 0;
  for (const v of Object.values(t)) if (ArrayBuffer.isView(v)) b += v.byteLength;
  return b;
}


/**
 * NTT tables for (q, logN), from a bounded least-recently-used cache
 * ({@link NTT_TABLE_CACHE_BYTES}) or built (they are frozen and shared).
 * @param q an NTT-friendly prime for 2^logN
 * @param logN log2 of the ring degree
 * @returns the tables
 * @throws RangeError as {@link createNttTables}
 */
export function nttTablesFor(q: number, logN: number): NttTables {
  const key = `${logN}:${q}`;
  let t = tableCache.get(key);
  if (t !== undefined) {
    tableCache.delete(key); // most recently used: to the end
    tableCache.set(key, t);
    return t;
  }
  t = createNttTables(q, logN);
  const bytes = tableBytes(t);
  if (bytes <= NTT_TABLE_CACHE_BYTES) {
    tableCache.set(key, t);
    tableCacheBytes += bytes;
    for (const [k, old] of tableCache) {
      if (tableCacheBytes <= NTT_TABLE_CACHE_BYTES) break;
      tableCache.delete(k);
      tableCacheBytes -= tableBytes(old);
    }
  }
  return t;
}

/**
 * The bytes the NTT-table cache holds (at most {@link NTT_TABLE_CACHE_BYTES}).
 * @returns the total size of the cached tables
 */
export function nttTableCacheBytes(): number {
  return tableCacheBytes;
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
  // forwardNtt ends with fused, fully reducing passes: the same values as forwardNttLazy + reduceFrom4q, one sweep fewer.
  for (let i = 0; i < p.limbs; i++) forwardNtt(p.data.subarray(i * N, (i + 1) * N), basis.tables[i]);
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
