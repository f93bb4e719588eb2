/**
 * Fast basis conversion between RNS bases (Bajard, Eynard, Hasan and Zucca,
 * SAC 2016; the centered variant of Cheon, Han, Kim, Kim and Song, SAC 2018):
 * the ModUp and ModDown of hybrid key switching and of public-key
 * encryption. The kernels are written out four or eight times per step on
 * purpose (the unrolling is the optimization); their bounds are stated at each.
 *
 * @module
 */

import { checkU32, rangeError } from './errors.js';
import { invMod, reduceBigInt, shoupConstant } from './modular.js';
import type { RnsBasis } from './rns.js';

/**
 * y[yo + c*k] = [x[xo + c] * w]_q for c < n (row yo of a block stored row-interleaved:
 * coefficient c of row i at c*k + i, so that the k values one output needs are adjacent), as float64, in [0, q) or, when cq = q
 * (centered), in [-(q-1)/2, (q-1)/2] (q odd): values above (q-1)/2 have q
 * subtracted. cq is 0 or q, so the loop has no branch.
 * Largest intermediates: x * ws < 2^30 in float64 (x < q, ws < 1); Math.imul
 * wraps modulo 2^32 (int32) and the Shoup remainder minus q is in [-q, q),
 * |.| < 2^30; halfQ - r is in (-2^30, 2^30).
 * @param x residues in [0, q)
 */
function scaleBlock(x: Uint32Array, xo: number, y: Float64Array, yo: number, k: number, n: number, q: number, w: number, ws: number, cq: number): void {
  // The int32 parameters are marked as such (`| 0`; they are integers below 2^30 already): otherwise V8
  // may keep a prime that arrived as a heap number in a float register and do the index and the
  // int32 arithmetic below in float64 with conversions (measured: a third of the conversion's time).
  xo |= 0;
  yo |= 0;
  k |= 0;
  n |= 0;
  q |= 0;
  w |= 0;
  cq |= 0;
  const halfQ = q >>> 1;
  const k2 = 2 * k;
  const k3 = 3 * k;
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
    const b = (yo + Math.imul(c, k)) | 0; // row-interleaved: coefficient c of row i at c * k + i
    y[b] = r0;
    y[b + k] = r1;
    y[b + k2] = r2;
    y[b + k3] = r3;
  }
}

/**
 * As {@link scaleBlock} for residues already multiplied by the conversion's factor (by an
 * inverse NTT with the factor merged, `inverseNttLazyInputTimes`): y[yo + c*k] = x[xo + c]
 * as float64, in [0, q), or centered in [-(q-1)/2, (q-1)/2] when cq = q. Largest
 * intermediate: halfQ - r in (-2^30, 2^30), int32.
 * @param x residues in [0, q)
 */
function loadBlock(x: Uint32Array, xo: number, y: Float64Array, yo: number, k: number, n: number, q: number, cq: number): void {
  xo |= 0; // int32-marked, as in scaleBlock
  yo |= 0;
  k |= 0;
  n |= 0;
  q |= 0;
  cq |= 0;
  const halfQ = q >>> 1;
  const k2 = 2 * k;
  const k3 = 3 * k;
  // Four coefficients per step (n is a multiple of 4), as in scaleBlock.
  for (let c = 0; c < n; c += 4) {
    let r0 = x[xo + c] | 0; // < 2^30
    let r1 = x[xo + c + 1] | 0;
    let r2 = x[xo + c + 2] | 0;
    let r3 = x[xo + c + 3] | 0;
    r0 -= ((halfQ - r0) >> 31) & cq; // centered: r > (q-1)/2 becomes r - q
    r1 -= ((halfQ - r1) >> 31) & cq;
    r2 -= ((halfQ - r2) >> 31) & cq;
    r3 -= ((halfQ - r3) >> 31) & cq;
    const b = (yo + Math.imul(c, k)) | 0;
    y[b] = r0;
    y[b + k] = r1;
    y[b + k2] = r2;
    y[b + k3] = r3;
  }
}

/**
 * hi[c] (+)= sum_{i < 4} y[c*k + yo + i] * wHi[wo + i] and lo[c] likewise, for c < bs:
 * four source rows per pass over the accumulators, the four pairs of constants in
 * registers (the same statement written for i = 0..3; it is the optimization:
 * one accumulator load and store per four terms instead of per term).
 * Exact: see {@link BasisConverter.convert}.
 * @param add false: overwrite hi and lo (first rows); true: add to them
 */
function accumulate4(y: Float64Array, yo: number, k: number, bs: number, wHi: Float64Array, wLo: Float64Array, wo: number, hi: Float64Array, lo: Float64Array, add: boolean): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  k |= 0;
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
    if (add) {
    for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
      const x1 = y[(b + 1) | 0];
      const x2 = y[(b + 2) | 0];
      const x3 = y[(b + 3) | 0];
      hi[c] += x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3);
      lo[c] += x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3);
    }
  } else {
    for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
      const x1 = y[(b + 1) | 0];
      const x2 = y[(b + 2) | 0];
      const x3 = y[(b + 3) | 0];
      hi[c] = x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3);
      lo[c] = x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3);
    }
  }
}

/**
 * The last four source rows fused with the reduction (4 <= k < 8): for c < bs,
 *   out[o + c] = (H * 2^15 + L) mod p in [0, p), with
 *   H = (add ? hi[c] : 0) + sum_{i < 4} y[c*k + yo + i] * wHi[wo + i] and L likewise,
 * the sums exact (|H|, |L| < 2^52, see {@link BasisConverter.convert}), reduced as in
 * {@link reduceBlock} (same statements, largest intermediates as there: |t| < 2^53 exact,
 * the remainder in [-p, 2p) inside int32; written again here so that H and L never go
 * through memory).
 */
function accumulate4Reduce(
  y: Float64Array,
  yo: number,
  k: number,
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
  k |= 0;
  bs |= 0;
  wo |= 0;
  p |= 0;
  o |= 0;
  const pInv = 1 / p;
  // A local copy: the module constant would be re-read from the context and checked (TDZ, number
  // representation) on every iteration.
  const split = 32768; // 2^15, SPLIT
  const h0 = wHi[wo];
  const h1 = wHi[wo + 1];
  const h2 = wHi[wo + 2];
  const h3 = wHi[wo + 3];
  const l0 = wLo[wo];
  const l1 = wLo[wo + 1];
  const l2 = wLo[wo + 2];
  const l3 = wLo[wo + 3];
    const keep = add ? 1 : 0; // multiplies the accumulators: 0 discards them (exactly: they are finite)
  for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
    const x1 = y[(b + 1) | 0];
    const x2 = y[(b + 2) | 0];
    const x3 = y[(b + 3) | 0];
    const h = hi[c] * keep + (x0 * h0 + x1 * h1) + (x2 * h2 + x3 * h3); // exact, |h| < 2^52
    const l = lo[c] * keep + (x0 * l0 + x1 * l1) + (x2 * l2 + x3 * l3);
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * split + l; // |t| < 2^53, exact
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
  k: number,
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
  k |= 0;
  bs |= 0;
  wo |= 0;
  p |= 0;
  o |= 0;
  const pInv = 1 / p;
  // A local copy: the module constant would be re-read from the context and checked (TDZ, number
  // representation) on every iteration.
  const split = 32768; // 2^15, SPLIT
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
    if (!add) {
    // No earlier rows (k = 8): the accumulators are not read.
    for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
      const x1 = y[(b + 1) | 0];
      const x2 = y[(b + 2) | 0];
      const x3 = y[(b + 3) | 0];
      const x4 = y[(b + 4) | 0];
      const x5 = y[(b + 5) | 0];
      const x6 = y[(b + 6) | 0];
      const x7 = y[(b + 7) | 0];
      const h = x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3) + (x4 * h4 + x5 * h5 + (x6 * h6 + x7 * h7)); // exact, |h| < 2^52
      const l = x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3) + (x4 * l4 + x5 * l5 + (x6 * l6 + x7 * l7));
      const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
      const t = rh * split + l; // |t| < 2^53, exact
      let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
      r += (r >> 31) & p; // [-p, p)
      out[o + c] = r + ((r >> 31) & p); // [0, p)
    }
    return;
  }
  for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
    const x1 = y[(b + 1) | 0];
    const x2 = y[(b + 2) | 0];
    const x3 = y[(b + 3) | 0];
    const x4 = y[(b + 4) | 0];
    const x5 = y[(b + 5) | 0];
    const x6 = y[(b + 6) | 0];
    const x7 = y[(b + 7) | 0];
    const h = hi[c] + (x0 * h0 + x1 * h1 + (x2 * h2 + x3 * h3)) + (x4 * h4 + x5 * h5 + (x6 * h6 + x7 * h7)); // exact, |h| < 2^52
    const l = lo[c] + (x0 * l0 + x1 * l1 + (x2 * l2 + x3 * l3)) + (x4 * l4 + x5 * l5 + (x6 * l6 + x7 * l7));
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * split + l; // |t| < 2^53, exact
    let r = (t - Math.floor(t * pInv) * p - p) | 0; // [-2p, p), int32
    r += (r >> 31) & p; // [-p, p)
    out[o + c] = r + ((r >> 31) & p); // [0, p)
  }
}

/**
 * The common k = 8 case for two output primes at once: out[o0 + c] = H0 * 2^15 + L0 mod p0 and
 * out[o1 + c] likewise modulo p1, with H0 = sum_{i < 8} y[c*8 + i] * wHi[w0 + i], L0 with wLo, and
 * H1, L1 with the constants at w1. Each y value is loaded once for both primes (the loads and
 * their bounds checks are half of {@link accumulate8Reduce}'s per output). Two coefficients per
 * loop step (bs is even), the statements written twice (the second copy's names end in `_`):
 * the loop's own overhead and V8's per-iteration checks of the typed arrays are paid once per
 * two (measured 0.34 -> 0.32 ms per output limb for this kernel at N = 2^16). Sums exact and the
 * reductions as in {@link reduceBlock} (|H|, |L| < 2^48 for k = 8; |t| < 2^53; the remainder in
 * [-2p, p) inside int32, two corrections).
 */
function convert8Pair(
  y: Float64Array,
  bs: number,
  wHi: Float64Array,
  wLo: Float64Array,
  w0: number,
  w1: number,
  p0: number,
  p1: number,
  out: Uint32Array,
  o0: number,
  o1: number,
): void {
  // int32 parameters marked as such, as in scaleBlock.
  bs |= 0;
  w0 |= 0;
  w1 |= 0;
  p0 |= 0;
  p1 |= 0;
  o0 |= 0;
  o1 |= 0;
  const split = 32768; // 2^15, SPLIT (local: see accumulate4Reduce)
  const pInv0 = 1 / p0;
  const pInv1 = 1 / p1;
  const a0 = wHi[w0];
  const a1 = wHi[w0 + 1];
  const a2 = wHi[w0 + 2];
  const a3 = wHi[w0 + 3];
  const a4 = wHi[w0 + 4];
  const a5 = wHi[w0 + 5];
  const a6 = wHi[w0 + 6];
  const a7 = wHi[w0 + 7];
  const b0 = wLo[w0];
  const b1 = wLo[w0 + 1];
  const b2 = wLo[w0 + 2];
  const b3 = wLo[w0 + 3];
  const b4 = wLo[w0 + 4];
  const b5 = wLo[w0 + 5];
  const b6 = wLo[w0 + 6];
  const b7 = wLo[w0 + 7];
  const d0 = wHi[w1];
  const d1 = wHi[w1 + 1];
  const d2 = wHi[w1 + 2];
  const d3 = wHi[w1 + 3];
  const d4 = wHi[w1 + 4];
  const d5 = wHi[w1 + 5];
  const d6 = wHi[w1 + 6];
  const d7 = wHi[w1 + 7];
  const e0 = wLo[w1];
  const e1 = wLo[w1 + 1];
  const e2 = wLo[w1 + 2];
  const e3 = wLo[w1 + 3];
  const e4 = wLo[w1 + 4];
  const e5 = wLo[w1 + 5];
  const e6 = wLo[w1 + 6];
  const e7 = wLo[w1 + 7];
  for (let c = 0, b = 0; c < bs; c += 2, b = (b + 16) | 0) {
    const x0 = y[b];
    const x1 = y[(b + 1) | 0];
    const x2 = y[(b + 2) | 0];
    const x3 = y[(b + 3) | 0];
    const x4 = y[(b + 4) | 0];
    const x5 = y[(b + 5) | 0];
    const x6 = y[(b + 6) | 0];
    const x7 = y[(b + 7) | 0];
    const h0 = x0 * a0 + x1 * a1 + (x2 * a2 + x3 * a3) + (x4 * a4 + x5 * a5 + (x6 * a6 + x7 * a7)); // exact, |h| < 2^48
    const l0 = x0 * b0 + x1 * b1 + (x2 * b2 + x3 * b3) + (x4 * b4 + x5 * b5 + (x6 * b6 + x7 * b7));
    const h1 = x0 * d0 + x1 * d1 + (x2 * d2 + x3 * d3) + (x4 * d4 + x5 * d5 + (x6 * d6 + x7 * d7));
    const l1 = x0 * e0 + x1 * e1 + (x2 * e2 + x3 * e3) + (x4 * e4 + x5 * e5 + (x6 * e6 + x7 * e7));
    const rh0 = h0 - Math.floor(h0 * pInv0) * p0; // [-p, 2p)
    const rh1 = h1 - Math.floor(h1 * pInv1) * p1;
    const t0 = rh0 * split + l0; // |t| < 2^53, exact
    const t1 = rh1 * split + l1;
    let r0 = (t0 - Math.floor(t0 * pInv0) * p0 - p0) | 0; // [-2p, p), int32
    let r1 = (t1 - Math.floor(t1 * pInv1) * p1 - p1) | 0;
    r0 += (r0 >> 31) & p0; // [-p, p)
    r1 += (r1 >> 31) & p1;
    out[(o0 + c) | 0] = r0 + ((r0 >> 31) & p0); // [0, p)
    out[(o1 + c) | 0] = r1 + ((r1 >> 31) & p1);
    const x0_ = y[(b + 8) | 0];
    const x1_ = y[(b + 9) | 0];
    const x2_ = y[(b + 10) | 0];
    const x3_ = y[(b + 11) | 0];
    const x4_ = y[(b + 12) | 0];
    const x5_ = y[(b + 13) | 0];
    const x6_ = y[(b + 14) | 0];
    const x7_ = y[(b + 15) | 0];
    const h0_ = x0_ * a0 + x1_ * a1 + (x2_ * a2 + x3_ * a3) + (x4_ * a4 + x5_ * a5 + (x6_ * a6 + x7_ * a7)); // exact, |h| < 2^48
    const l0_ = x0_ * b0 + x1_ * b1 + (x2_ * b2 + x3_ * b3) + (x4_ * b4 + x5_ * b5 + (x6_ * b6 + x7_ * b7));
    const h1_ = x0_ * d0 + x1_ * d1 + (x2_ * d2 + x3_ * d3) + (x4_ * d4 + x5_ * d5 + (x6_ * d6 + x7_ * d7));
    const l1_ = x0_ * e0 + x1_ * e1 + (x2_ * e2 + x3_ * e3) + (x4_ * e4 + x5_ * e5 + (x6_ * e6 + x7_ * e7));
    const rh0_ = h0_ - Math.floor(h0_ * pInv0) * p0; // [-p, 2p)
    const rh1_ = h1_ - Math.floor(h1_ * pInv1) * p1;
    const t0_ = rh0_ * split + l0_; // |t| < 2^53, exact
    const t1_ = rh1_ * split + l1_;
    let r0_ = (t0_ - Math.floor(t0_ * pInv0) * p0 - p0) | 0; // [-2p, p), int32
    let r1_ = (t1_ - Math.floor(t1_ * pInv1) * p1 - p1) | 0;
    r0_ += (r0_ >> 31) & p0; // [-p, p)
    r1_ += (r1_ >> 31) & p1;
    out[(o0 + c + 1) | 0] = r0_ + ((r0_ >> 31) & p0); // [0, p)
    out[(o1 + c + 1) | 0] = r1_ + ((r1_ >> 31) & p1);
  }
}

/** As {@link accumulate4} for one source row. */
function accumulate1(y: Float64Array, yo: number, k: number, bs: number, h0: number, l0: number, hi: Float64Array, lo: Float64Array, add: boolean): void {
  // int32 parameters marked as such, as in scaleBlock.
  yo |= 0;
  k |= 0;
  bs |= 0;
  if (add) {
    for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
      hi[c] += x0 * h0;
      lo[c] += x0 * l0;
    }
  } else {
    for (let c = 0, b = yo; c < bs; c++, b = (b + k) | 0) {
      const x0 = y[b];
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
  const split = 32768; // 2^15, SPLIT (local: see accumulate4Reduce)
  for (let c = 0; c < bs; c++) {
    const h = hi[c];
    const rh = h - Math.floor(h * pInv) * p; // [-p, 2p)
    const t = rh * split + lo[c]; // |t| < 2^53, exact
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
 * while they are in L1/L2; the block is stored row-interleaved (coefficient c
 * of row i at c*k + i), so the k values one output needs are adjacent and read
 * from one base index. For k = 8 (the common ModUp/ModDown size) two output
 * primes are converted per pass, each y value loaded once for both; k = 5 to 7
 * (the digits of key switching at most levels) take the same kernels, their
 * rows stored with stride 8 and rows k..7 (y values and constants) left zero:
 * 8/k as many products, but no accumulator traffic and two outputs per pass
 * (measured below); otherwise,
 * per output prime, the source rows are read four at a time (constants in
 * registers, one accumulator load and store per four terms) and the last eight
 * (k >= 8) or four rows are fused with the reduction (the unrolled kernels
 * repeat their statements on purpose). The kernels mark their integer
 * parameters with `| 0` (see scaleBlock) and keep their constants local.
 * Measured with bench/ntt.ts (N = 2^16, 8 -> 8 primes, CPU time): 3.48 ms per
 * output limb three rounds ago, 0.73 ms, then 0.547 ms, now 0.535 ms: 0.50 times
 * a forward NTT of one limb in the same run (issue 11's bar: 0.5); 0.43 times
 * with the inputs pre-scaled ({@link convertScaled}, as key switching runs it);
 * 7 -> 16 primes 0.41 times. The converter owns scratch buffers (that block and
 * two accumulators of one block row); one converter must not be used by two
 * callers at once.
 */
export class BasisConverter {
  readonly from: RnsBasis;
  readonly to: RnsBasis;
  /** [(Q/q_i)^-1]_{q_i} and its Shoup constant. */
  private readonly qHatInv: Uint32Array;
  private readonly qHatInvShoup: Float64Array;
  /** [(Q/q_i)]_{p_j} = wHi * 2^15 + wLo at index j*stride + i (zero for i >= k), the halves as float64. */
  private readonly qHatModPHi: Float64Array;
  private readonly qHatModPLo: Float64Array;
  /** Coefficients per cache block (a power of two, at most N). */
  private readonly block: number;
  /**
   * Row stride of the y block and of the constants: k, or 8 for 5 <= k < 8, whose rows
   * k..7 stay zero (y and constants), so that the k = 8 kernels (two outputs per pass,
   * no accumulator traffic) serve digits of 5 to 7 primes too.
   */
  private readonly stride: number;
  /** y_i of one block (signed when centered), row-interleaved: coefficient c of row i at c * stride + i; stride * block float64. */
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
    const stride = k >= 5 && k < 8 ? 8 : k;
    this.stride = stride;
    this.qHatInv = new Uint32Array(k);
    this.qHatInvShoup = new Float64Array(k);
    this.qHatModPHi = new Float64Array(stride * l);
    this.qHatModPLo = new Float64Array(stride * l);
    for (let i = 0; i < k; i++) {
      const qi = from.moduli[i];
      const h = Q / BigInt(qi);
      const inv = invMod(reduceBigInt(h, qi), qi);
      this.qHatInv[i] = inv;
      this.qHatInvShoup[i] = shoupConstant(inv, qi);
      for (let j = 0; j < l; j++) {
        const pj = to.moduli[j];
        const v = reduceBigInt(h, pj);
        this.qHatModPHi[j * stride + i] = Math.floor(v / SPLIT);
        this.qHatModPLo[j * stride + i] = v % SPLIT;
      }
    }
    if (k > MAX_CONVERSION_PRIMES) rangeError(fn, 'from', `a basis of at most ${MAX_CONVERSION_PRIMES} primes`, k);
    let block = from.N;
    while (block > 64 && block * stride > BLOCK_VALUES) block >>>= 1;
    this.block = block;
    this.y = new Float64Array(stride * block);
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
    this.run('BasisConverter.convert', input, out, centered, false);
  }

  /**
   * {@link convert} for input residues already multiplied by the conversion's factors
   * [(Q/q_i)^-1]_{q_i} ({@link scaleFactor}), as an inverse NTT with the factor merged leaves
   * them (`inverseNttLazyInputTimes`): the same output, without the first step's k Shoup
   * products per coefficient (about a quarter of a conversion from 8 primes to 8).
   * @param input k*N residues x_i [(Q/q_i)^-1]_{q_i} mod q_i, each in [0, q_i)
   * @param out |P|*N words, overwritten with values in [0, p_j)
   * @param centered use centered y_i
   * @throws RangeError/TypeError on arrays of the wrong length
   */
  convertScaled(input: Uint32Array, out: Uint32Array, centered = false): void {
    this.run('BasisConverter.convertScaled', input, out, centered, true);
  }

  /**
   * The factor [(Q/q_i)^-1]_{q_i} of source prime i and its Shoup constant: what
   * {@link convertScaled} expects its input multiplied by.
   * @param i index of a source prime
   * @returns [factor, Shoup constant]
   * @throws RangeError if i is not the index of a source prime
   */
  scaleFactor(i: number): readonly [number, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.qHatInv.length) rangeError('BasisConverter.scaleFactor', 'i', `an index in [0, ${this.qHatInv.length})`, i);
    return [this.qHatInv[i], this.qHatInvShoup[i]];
  }

  private run(op: string, input: Uint32Array, out: Uint32Array, centered: boolean, scaled: boolean): void {
    const k = this.from.moduli.length;
    const l = this.to.moduli.length;
    const N = this.from.N;
    const stride = this.stride; // k, or 8 with rows k..7 zero
    checkU32(op, 'input', input, k * N);
    checkU32(op, 'out', out, l * N);
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
        if (scaled) loadBlock(input, i * N + b0, y, i, stride, bs, q, centered ? q : 0);
        else scaleBlock(input, i * N + b0, y, i, stride, bs, q, this.qHatInv[i], this.qHatInvShoup[i], centered ? q : 0);
      }
      let j0 = 0;
      if (stride === 8) {
        // Two output primes per pass (the common ModUp/ModDown size): each y value loaded once for both.
        for (; j0 + 1 < l; j0 += 2) {
          convert8Pair(y, bs, wHi, wLo, j0 * 8, (j0 + 1) * 8, this.to.moduli[j0], this.to.moduli[j0 + 1], out, j0 * N + b0, (j0 + 1) * N + b0);
        }
      }
      for (let j = j0; j < l; j++) {
        const jk = j * stride;
        const p = this.to.moduli[j];
        // Rows [0, k - 8) (or [0, k - 4) when k < 8) into the accumulators, the k mod 4 single rows
        // first, then the last eight (four) rows fused with the reduction; below four rows, single
        // rows and a separate reduction pass.
        const fused = stride >= 8 ? 8 : stride >= 4 ? 4 : 0;
        const r1 = stride % 4;
        let i = 0;
        for (; i < r1; i++) accumulate1(y, i, stride, bs, wHi[jk + i], wLo[jk + i], hi, lo, i > 0);
        for (; i < stride - fused; i += 4) accumulate4(y, i, stride, bs, wHi, wLo, jk + i, hi, lo, i > 0);
        const o = j * N + b0;
        if (fused === 8) accumulate8Reduce(y, i, stride, bs, wHi, wLo, jk + i, hi, lo, i > 0, p, out, o);
        else if (fused === 4) accumulate4Reduce(y, i, stride, bs, wHi, wLo, jk + i, hi, lo, i > 0, p, out, o);
        else reduceBlock(hi, lo, bs, p, 1 / p, out, o);
      }
    }
  }
}

