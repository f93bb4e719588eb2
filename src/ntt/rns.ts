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
 * y[yo + c] = [x[xo + c] * w]_q for c < n, as float64, in [0, q) or, when cq = q
 * (centered), in [-(q-1)/2, (q-1)/2] (q odd): values above (q-1)/2 have q
 * subtracted. cq is 0 or q, so the loop has no branch.
 * Largest intermediates: x * ws < 2^30 in float64 (x < q, ws < 1); Math.imul
 * wraps modulo 2^32 (int32) and the Shoup remainder minus q is in [-q, q),
 * |.| < 2^30; halfQ - r is in (-2^30, 2^30).
 * @param x residues in [0, q)
 */
function scaleBlock(x: Uint32Array, xo: number, y: Float64Array, yo: number, n: number, q: number, w: number, ws: number, cq: number): void {
  // The int32 parameters are marked as such (`| 0`; they are integers below 2^30 already): otherwise V8
  // may keep a prime that arrived as a heap number in a float register and do the index and the
  // int32 arithmetic below in float64 with conversions (measured: a third of the conversion's time).
  xo |= 0;
  yo |= 0;
  n |= 0;
  q |= 0;
  w |= 0;
  cq |= 0;
  const halfQ = q >>> 1;
  // Four coefficients per step (n is a multiple of 4): the same statements written four times,
  // so that the four independent chains overlap and the loop overhead is paid once per four.
  for (let c = 0; c < n; c += 4) {
    const v0 = x[xo + c];
    const v1 = x[xo + c + 1];
    const v2 = x[xo + c + 2];
    const v3 = x[xo + c + 3];
    let r0 = (Math.imul(v0, w) - Math.imul((v0 * ws) | 0, q) - q) | 0; // [-q, q)
    let r1 = (Math.imul(v1, w) - Math.imul((v1 * ws) | 0, q) - q) | 0;
    let r2 = (Math.imul(v2, w) - Math.imul((v2 * ws) | 0, q) - q) | 0;
    let r3 = (Math.imul(v3, w) - Math.imul((v3 * ws) | 0, q) - q) | 0;
    r0 += (r0 >> 31) & q; // [0, q)
    r1 += (r1 >> 31) & q;
    r2 += (r2 >> 31) & q;
    r3 += (r3 >> 31) & q;
    r0 -= ((halfQ - r0) >> 31) & cq; // centered: r > (q-1)/2 becomes r - q
    r1 -= ((halfQ - r1) >> 31) & cq;
    r2 -= ((halfQ - r2) >> 31) & cq;
    r3 -= ((halfQ - r3) >> 31) & cq;
    y[yo + c] = r0;
    y[yo + c + 1] = r1;
    y[yo + c + 2] = r2;
    y[yo + c + 3] = r3;
  }
}

/**
 * hi[c] (+)= sum_{i < 4} y[yo + i*bs + c] * wHi[wo + i] and lo[c] likewise, for c < bs:
 * four source rows per pass over the accumulators, the four pairs of constants in
 * registers (the same statement written for i = 0..3; it is the optimization:
 * one accumulator load and store per four terms instead of per term).
 * Exact: see {@link BasisConverter.convert}.
 * @param add false: overwrite hi and lo (first rows); true: add to them
 */
function accumulate4(y: Float64Array, yo: number, bs: number, wHi: Float64Array, wLo: Float64Array, wo: number, hi: Float64Array, lo: Float64Array, add: boolean): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  bs |= 0;
  wo |= 0;
  const h0 = wHi[wo];
  const h1 = wHi[wo + 1];
  const h2 = wHi[wo + 2];
  const h3 = wHi[wo + 3];
  const l0 = wLo[wo];
  const l1 = wLo[wo + 1];
  const l2 = wLo[wo + 2];
  const l3 = wLo[wo + 3];
  const o1 = yo + bs;
  const o2 = o1 + bs;
  const o3 = o2 + bs;
  if (add) {
    for (let c = 0; c < bs; c++) {
      const x0 = y[yo + c];
      const x1 = y[o1 + c];
      const x2 = y[o2 + c];
      const x3 = y[o3 + c];
      hi[c] += x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3);
      lo[c] += x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3);
    }
  } else {
    for (let c = 0; c < bs; c++) {
      const x0 = y[yo + c];
      const x1 = y[o1 + c];
      const x2 = y[o2 + c];
      const x3 = y[o3 + c];
      hi[c] = x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3);
      lo[c] = x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3);
    }
  }
}

/**
 * The last four source rows fused with the reduction (4 <= k < 8): for c < bs,
 *   out[o + c] = (H * 2^15 + L) mod p in [0, p), with
 *   H = (add ? hi[c] : 0) + sum_{i < 4} y[yo + i*bs + c] * wHi[wo + i] and L likewise,
 * the sums exact (|H|, |L| < 2^52, see {@link BasisConverter.convert}), reduced as in
 * {@link reduceBlock} (same statements, largest intermediates as there: |t| < 2^53 exact,
 * the remainder in [-p, 2p) inside int32; written again here so that H and L never go
 * through memory).
 */
function accumulate4Reduce(
  y: Float64Array,
  yo: number,
  bs: number,
  wHi: Float64Array,
  wLo: Float64Array,
  wo: number,
  hi: Float64Array,
  lo: Float64Array,
  add: boolean,
  p: number,
  out: Uint32Array,
  o: number,
): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  bs |= 0;
  wo |= 0;
  p |= 0;
  o |= 0;
  const pInv = 1 / p;
  const h0 = wHi[wo];
  const h1 = wHi[wo + 1];
  const h2 = wHi[wo + 2];
  const h3 = wHi[wo + 3];
  const l0 = wLo[wo];
  const l1 = wLo[wo + 1];
  const l2 = wLo[wo + 2];
  const l3 = wLo[wo + 3];
  const o1 = yo + bs;
  const o2 = o1 + bs;
  const o3 = o2 + bs;
  const keep = add ? 1 : 0; // multiplies the accumulators: 0 discards them (exactly: they are finite)
  for (let c = 0; c < bs; c++) {
    const x0 = y[yo + c];
    const x1 = y[o1 + c];
    const x2 = y[o2 + c];
    const x3 = y[o3 + c];
    const h = hi[c] * keep + (x0 * h0 + x1 * h1) + (x2 * h2 + x3 * h3); // exact, |h| < 2^52
    const l = lo[c] * keep + (x0 * l0 + x1 * l1) + (x2 * l2 + x3 * l3);
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * SPLIT + l; // |t| < 2^53, exact
    let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
    r += (r >> 31) & p; // [-p, p)
    out[o + c] = r + ((r >> 31) & p); // [0, p)
  }
}

/**
 * As {@link accumulate4Reduce} for the last eight source rows (k >= 8; for k = 8,
 * the common case, no accumulator traffic at all): the statements written for
 * rows 0..7, bounds as there.
 */
function accumulate8Reduce(
  y: Float64Array,
  yo: number,
  bs: number,
  wHi: Float64Array,
  wLo: Float64Array,
  wo: number,
  hi: Float64Array,
  lo: Float64Array,
  add: boolean,
  p: number,
  out: Uint32Array,
  o: number,
): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  bs |= 0;
  wo |= 0;
  p |= 0;
  o |= 0;
  const pInv = 1 / p;
  const h0 = wHi[wo];
  const h1 = wHi[wo + 1];
  const h2 = wHi[wo + 2];
  const h3 = wHi[wo + 3];
  const h4 = wHi[wo + 4];
  const h5 = wHi[wo + 5];
  const h6 = wHi[wo + 6];
  const h7 = wHi[wo + 7];
  const l0 = wLo[wo];
  const l1 = wLo[wo + 1];
  const l2 = wLo[wo + 2];
  const l3 = wLo[wo + 3];
  const l4 = wLo[wo + 4];
  const l5 = wLo[wo + 5];
  const l6 = wLo[wo + 6];
  const l7 = wLo[wo + 7];
  const o1 = yo + bs;
  const o2 = o1 + bs;
  const o3 = o2 + bs;
  const o4 = o3 + bs;
  const o5 = o4 + bs;
  const o6 = o5 + bs;
  const o7 = o6 + bs;
  if (!add) {
    // No earlier rows (k = 8): the accumulators are not read.
    for (let c = 0; c < bs; c++) {
      const x0 = y[yo + c];
      const x1 = y[o1 + c];
      const x2 = y[o2 + c];
      const x3 = y[o3 + c];
      const x4 = y[o4 + c];
      const x5 = y[o5 + c];
      const x6 = y[o6 + c];
      const x7 = y[o7 + c];
      const h = x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3) + (x4 * h4 + x5 * h5 + (x6 * h6 + x7 * h7)); // exact, |h| < 2^52
      const l = x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3) + (x4 * l4 + x5 * l5 + (x6 * l6 + x7 * l7));
      const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
      const t = rh * SPLIT + l; // |t| < 2^53, exact
      let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
      r += (r >> 31) & p; // [-p, p)
      out[o + c] = r + ((r >> 31) & p); // [0, p)
    }
    return;
  }
  for (let c = 0; c < bs; c++) {
    const x0 = y[yo + c];
    const x1 = y[o1 + c];
    const x2 = y[o2 + c];
    const x3 = y[o3 + c];
    const x4 = y[o4 + c];
    const x5 = y[o5 + c];
    const x6 = y[o6 + c];
    const x7 = y[o7 + c];
    const h = hi[c] + (x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3)) + (x4 * h4 + x5 * h5 + (x6 * h6 + x7 * h7)); // exact, |h| < 2^52
    const l = lo[c] + (x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3)) + (x4 * l4 + x5 * l5 + (x6 * l6 + x7 * l7));
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * SPLIT + l; // |t| < 2^53, exact
    let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
    r += (r >> 31) & p; // [-p, p)
    out[o + c] = r + ((r >> 31) & p); // [0, p)
  }
}

/** As {@link accumulate4} for one source row. */
function accumulate1(y: Float64Array, yo: number, bs: number, h0: number, l0: number, hi: Float64Array, lo: Float64Array, add: boolean): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  bs |= 0;
  if (add) {
    for (let c = 0; c < bs; c++) {
      const x0 = y[yo + c];
      hi[c] += x0 * h0;
      lo[c] += x0 * l0;
    }
  } else {
    for (let c = 0; c < bs; c++) {
      const x0 = y[yo + c];
      hi[c] = x0 * h0;
      lo[c] = x0 * l0;
    }
  }
}

/**
 * out[o + c] = (hi[c] * 2^15 + lo[c]) mod p in [0, p), for c < bs (used when
 * k < 4; the fused kernels end with the same statements).
 * |hi|, |lo| < 2^52 exact integers (see {@link BasisConverter.convert}). Each
 * float quotient estimate floor(t * pInv) of an exact |t| < 2^53 is floor(t/p)
 * or one off (relative error of t * pInv below 2^-51 and |t/p| < 2^51 for any
 * p >= 5, so the absolute error is below 1), so each remainder is exact (the
 * products floor(.) * p are below 2^53 + 2p) and in [-p, 2p):
 *   rh = hi - floor(hi/p) p in [-p, 2p), |rh * 2^15| < 2^46,
 *   t = rh * 2^15 + lo, |t| < 2^46 + 2^52 < 2^53 (exact),
 *   r = t - floor(t/p) p in [-p, 2p) subset of int32 (2p < 2^31),
 * then two branch-free int32 corrections.
 */
function reduceBlock(hi: Float64Array, lo: Float64Array, bs: number, p: number, pInv: number, out: Uint32Array, o: number): void {
  // int32 parameters marked as such, as in scaleBlock.
  bs |= 0;
  p |= 0;
  o |= 0;
  for (let c = 0; c < bs; c++) {
    const h = hi[c];
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * SPLIT + lo[c]; // |t| < 2^53, exact
    let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
    r += (r >> 31) & p; // [-p, p)
    out[o + c] = r + ((r >> 31) & p); // [0, p)
  }
}

/** Upper bound on the float64 scratch block of the conversion (k * block values): 64 KiB. */
const BLOCK_VALUES = 8192;

/** Split point of the conversion constants: w = wHi * 2^15 + wLo. */
const SPLIT = 2 ** 15;

/**
 * Largest source basis of a {@link BasisConverter}: the exact float64 partial sums
 * need k * 2^45 + 2^46 < 2^53.
 */
export const MAX_CONVERSION_PRIMES = 128;

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
 * Cost per coefficient: k Shoup products for the y_i (computed once, shared by
 * all output primes), then 2k float64 multiply-adds per output prime and one
 * reduction. Cache-blocked: the y_i of one block of coefficients (at most
 * 8192 float64, 64 KiB) are computed and then used for every output prime
 * while they are in L1/L2. Per output prime the source rows are read four at
 * a time (constants in registers, one accumulator load and store per four
 * terms), and the last eight (k >= 8) or four rows are fused with the
 * reduction so that the sums of the common k = 8 never go through memory
 * (the unrolled kernels repeat their statements on purpose), and the kernels
 * mark their integer parameters with `| 0` (see scaleBlock). Measured with
 * bench/ntt.ts (N = 2^16, 8 -> 8 primes, CPU time, same machine): 3.48 ms
 * (centered 3.67) -> 0.73 ms (centered 0.70) per output limb, i.e. 2.5 -> 0.65
 * times a forward NTT of one limb of the same run (0.52 times the forward NTT
 * as it was before its own speed-up). The converter owns
 * scratch buffers (that block and two accumulators of one block row); one
 * converter must not be used by two callers at once.
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
  /** Coefficients per cache block (a power of two, at most N). */
  private readonly block: number;
  /** y_i of one block (signed when centered), row i at i * bs, k * block float64. */
  private readonly y: Float64Array;
  /** Accumulators of the high and low partial sums, one block each. */
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
    let block = from.N;
    while (block > 64 && block * k > BLOCK_VALUES) block >>>= 1;
    this.block = block;
    this.y = new Float64Array(k * block);
    this.accHi = new Float64Array(block);
    this.accLo = new Float64Array(block);
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
    const hi = this.accHi;
    const lo = this.accLo;
    const wHi = this.qHatModPHi;
    const wLo = this.qHatModPLo;
    const bs = this.block; // divides N (both powers of two)
    // Bounds (every kernel below): |y_i| < 2^30 (in [0, q_i) or centered), wHi, wLo < 2^15, so
    // every product is below 2^45 and a sum of k <= 128 of them below 2^52: exact in float64, in
    // any order of summation. The reduction (reduceBlock) keeps |t| < 2^53 exact and ends in
    // [-p, 2p), inside int32 since p < 2^30. y_i come from Shoup products: Math.imul wraps
    // modulo 2^32 (int32), the float estimates are below 2^30 (see scaleBlock).
    for (let b0 = 0; b0 < N; b0 += bs) {
      // y_i of this block, once for all output primes.
      for (let i = 0; i < k; i++) {
        const q = this.from.moduli[i];
        scaleBlock(input, i * N + b0, y, i * bs, bs, q, this.qHatInv[i], this.qHatInvShoup[i], centered ? q : 0);
      }
      for (let j = 0; j < l; j++) {
        const jk = j * k;
        const p = this.to.moduli[j];
        // Rows [0, k - 8) (or [0, k - 4) when k < 8) into the accumulators, the k mod 4 single rows
        // first, then the last eight (four) rows fused with the reduction; below four rows, single
        // rows and a separate reduction pass.
        const fused = k >= 8 ? 8 : k >= 4 ? 4 : 0;
        const r1 = k % 4;
        let i = 0;
        for (; i < r1; i++) accumulate1(y, i * bs, bs, wHi[jk + i], wLo[jk + i], hi, lo, i > 0);
        for (; i < k - fused; i += 4) accumulate4(y, i * bs, bs, wHi, wLo, jk + i, hi, lo, i > 0);
        const o = j * N + b0;
        if (fused === 8) accumulate8Reduce(y, i * bs, bs, wHi, wLo, jk + i, hi, lo, i > 0, p, out, o);
        else if (fused === 4) accumulate4Reduce(y, i * bs, bs, wHi, wLo, jk + i, hi, lo, i > 0, p, out, o);
        else reduceBlock(hi, lo, bs, p, 1 / p, out, o);
      }
    }
  }
}

