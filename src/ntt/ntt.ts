/**
 * Negacyclic number-theoretic transform over Z_q[X]/(X^N + 1), in place on a
 * Uint32Array.
 *
 * Forward: Cooley-Tukey decimation in time with the powers of psi merged into
 * the twiddles (Longa and Naehrig, "Speeding up the Number Theoretic Transform
 * for Faster Ideal Lattice-Based Cryptography", CANS 2016, Algorithm 1), so no
 * pre-multiplication by psi^i is needed. Coefficient order in, bit-reversed
 * order out: slot i holds a(psi^(2*brev(i)+1)).
 * Inverse: Gentleman-Sande (ibid., Algorithm 2), bit-reversed order in,
 * coefficient order out, with the factor 1/N merged into the last layer.
 *
 * Butterflies are Harvey's lazy ones (J. Symb. Comp. 2014): the forward
 * transform keeps values in [0, 4q) and reduces one operand per butterfly; the
 * inverse keeps them in [0, 2q). Two layers run per pass (radix 4) to halve the
 * memory traffic; the butterflies are written out four times per loop step, and
 * the layers at the small-gap end (the last ones of the forward transform, the
 * first ones of the inverse) are fused on blocks of 16 values (even logN) or 8
 * values (odd logN) held in registers, so that both directions make the same
 * number of sweeps over the array for every logN. The kernels mark their
 * integer parameters with `| 0` so that V8 keeps them in int32 registers (a
 * prime that arrives as a heap number otherwise makes it do index and int32
 * arithmetic through float64 conversions; measured 2.4 -> 1.8 ns per
 * butterfly at N = 2^16). Stored values above 2^31 are written from wrapped int32
 * results, which a Uint32Array stores as the intended unsigned value, so V8
 * never leaves int32 arithmetic. Requires q < 2^30 (so 4q < 2^32).
 *
 * @module
 */

import { checkU32, rangeError } from './errors.js';
import { invMod, mulConst, mulMod, powMod, shoupConstant } from './modular.js';
import { checkLogN, checkNttPrime, minimalPrimitive2NthRoot } from './primes.js';

/**
 * Precomputed tables for the NTT modulo one prime. Frozen; the typed arrays
 * must be treated as read-only.
 */
export interface NttTables {
  /** The prime modulus, q = 1 mod 2N, q < 2^30. */
  readonly q: number;
  /** float64 1/q, for {@link mulMod}. */
  readonly qInv: number;
  /** log2 of the ring degree. */
  readonly logN: number;
  /** Ring degree N. */
  readonly N: number;
  /** The primitive 2N-th root of unity used (the minimal one). */
  readonly psi: number;
  /** psi^(brev(i)) for i < N (bit reversal on logN bits). */
  readonly psiRev: Uint32Array;
  /** Shoup constants of psiRev. */
  readonly psiRevShoup: Float64Array;
  /** psi^(-brev(i)) for i < N. */
  readonly psiInvRev: Uint32Array;
  /** Shoup constants of psiInvRev. */
  readonly psiInvRevShoup: Float64Array;
  /** N^-1 mod q and its Shoup constant. */
  readonly nInv: number;
  readonly nInvShoup: number;
  /** N^-1 * psi^-(N/2) mod q (the last inverse layer's merged twiddle) and its Shoup constant. */
  readonly nInvPsi: number;
  readonly nInvPsiShoup: number;
}

/**
 * Reverse the low `bits` bits of x.
 * @param x a non-negative integer below 2^bits
 * @param bits number of bits, at most 31
 */
export function bitReverse(x: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return r >>> 0;
}

/**
 * Build the NTT tables for one NTT-friendly prime.
 * @param q prime with q = 1 mod 2^(logN+1) and q < 2^30
 * @param logN log2 of the ring degree, in [4, 17]
 * @param psi optional primitive 2N-th root to use instead of the minimal one
 * @returns frozen tables
 * @throws RangeError if logN is out of range, q is not an NTT-friendly prime, or psi is not a primitive 2N-th root
 */
export function createNttTables(q: number, logN: number, psi?: number): NttTables {
  const fn = 'createNttTables';
  checkLogN(fn, logN);
  checkNttPrime(fn, q, logN);
  const N = 2 ** logN;
  if (psi === undefined) psi = minimalPrimitive2NthRoot(q, logN);
  else if (!(Number.isSafeInteger(psi) && psi > 0 && psi < q && powMod(psi, N, q) === q - 1)) {
    rangeError(fn, 'psi', `a primitive ${2 * N}-th root of unity modulo ${q}`, psi);
  }
  const qInv = 1 / q;
  const psiInv = invMod(psi, q);
  // Powers in natural order first, then scattered to bit-reversed positions.
  const pow = new Uint32Array(N);
  const powInv = new Uint32Array(N);
  pow[0] = 1;
  powInv[0] = 1;
  for (let i = 1; i < N; i++) {
    pow[i] = mulMod(pow[i - 1], psi, q, qInv);
    powInv[i] = mulMod(powInv[i - 1], psiInv, q, qInv);
  }
  const psiRev = new Uint32Array(N);
  const psiInvRev = new Uint32Array(N);
  const psiRevShoup = new Float64Array(N);
  const psiInvRevShoup = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const r = bitReverse(i, logN);
    psiRev[i] = pow[r];
    psiInvRev[i] = powInv[r];
  }
  for (let i = 0; i < N; i++) {
    psiRevShoup[i] = shoupConstant(psiRev[i], q);
    psiInvRevShoup[i] = shoupConstant(psiInvRev[i], q);
  }
  const nInv = invMod(N % q, q);
  const nInvPsi = mulMod(nInv, psiInvRev[1], q, qInv);
  return Object.freeze({
    q,
    qInv,
    logN,
    N,
    psi,
    psiRev,
    psiRevShoup,
    psiInvRev,
    psiInvRevShoup,
    nInv,
    nInvShoup: shoupConstant(nInv, q),
    nInvPsi,
    nInvPsiShoup: shoupConstant(nInvPsi, q),
  });
}

/**
 * One radix-4 pass of the forward NTT: layers (m, gap) and (2m, gap/2) at once,
 * inputs and outputs in [0, 4q) (outputs stored through int32 wrap). The same
 * butterfly as {@link radix4PassGeneric}, written out four times per loop step
 * (h = gap/2 must be a multiple of 4): V8 keeps the four independent chains in
 * registers and the loop and bounds-check overhead is paid once per four
 * (measured 1.71 -> 1.42 ms per limb at N = 2^16). Largest intermediates: the
 * float products x * s < 2^32 (values < 4q < 2^32, s < 1); Math.imul wraps
 * modulo 2^32 (int32), the Shoup difference is in [0, 2q) < 2^31.
 */
function radix4PassX4(a: Uint32Array, W: Uint32Array, WS: Float64Array, m: number, gap: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  m |= 0;
  gap |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const h = gap >>> 1;
  for (let i = 0; i < m; i++) {
    const w1 = W[m + i];
    const s1 = WS[m + i];
    const w2 = W[2 * m + 2 * i];
    const s2 = WS[2 * m + 2 * i];
    const w3 = W[2 * m + 2 * i + 1];
    const s3 = WS[2 * m + 2 * i + 1];
    const j1 = 2 * i * gap;
    const j2 = j1 + h;
    for (let j = j1; j < j2; j += 4) {
      // butterfly group 0: positions j+0, j+h+0, j+gap+0, j+gap+h+0
      let x0_0 = (a[j + 0] - q2) | 0; // [-2q, 2q)
      x0_0 += (x0_0 >> 31) & q2; // [0, 2q)
      let x1_0 = (a[j + h + 0] - q2) | 0;
      x1_0 += (x1_0 >> 31) & q2;
      const x2_0 = a[j + gap + 0]; // [0, 4q), as an unsigned value
      const x3_0 = a[j + gap + h + 0];
      const t2_0 = (Math.imul(x2_0, w1) - Math.imul((x2_0 * s1) | 0, q)) | 0; // [0, 2q)
      const t3_0 = (Math.imul(x3_0, w1) - Math.imul((x3_0 * s1) | 0, q)) | 0;
      let y0_0 = (x0_0 + t2_0 - q2) | 0;
      y0_0 += (y0_0 >> 31) & q2; // [0, 2q)
      let y2_0 = (x0_0 - t2_0) | 0;
      y2_0 += (y2_0 >> 31) & q2; // [0, 2q)
      const y1_0 = x1_0 + t3_0; // [0, 4q), float-exact
      const y3_0 = x1_0 - t3_0 + q2; // (0, 4q)
      const u1_0 = (Math.imul(y1_0, w2) - Math.imul((y1_0 * s2) | 0, q)) | 0; // [0, 2q)
      const u3_0 = (Math.imul(y3_0, w3) - Math.imul((y3_0 * s3) | 0, q)) | 0;
      // butterfly group 1: positions j+1, j+h+1, j+gap+1, j+gap+h+1
      let x0_1 = (a[j + 1] - q2) | 0; // [-2q, 2q)
      x0_1 += (x0_1 >> 31) & q2; // [0, 2q)
      let x1_1 = (a[j + h + 1] - q2) | 0;
      x1_1 += (x1_1 >> 31) & q2;
      const x2_1 = a[j + gap + 1]; // [0, 4q), as an unsigned value
      const x3_1 = a[j + gap + h + 1];
      const t2_1 = (Math.imul(x2_1, w1) - Math.imul((x2_1 * s1) | 0, q)) | 0; // [0, 2q)
      const t3_1 = (Math.imul(x3_1, w1) - Math.imul((x3_1 * s1) | 0, q)) | 0;
      let y0_1 = (x0_1 + t2_1 - q2) | 0;
      y0_1 += (y0_1 >> 31) & q2; // [0, 2q)
      let y2_1 = (x0_1 - t2_1) | 0;
      y2_1 += (y2_1 >> 31) & q2; // [0, 2q)
      const y1_1 = x1_1 + t3_1; // [0, 4q), float-exact
      const y3_1 = x1_1 - t3_1 + q2; // (0, 4q)
      const u1_1 = (Math.imul(y1_1, w2) - Math.imul((y1_1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3_1 = (Math.imul(y3_1, w3) - Math.imul((y3_1 * s3) | 0, q)) | 0;
      // butterfly group 2: positions j+2, j+h+2, j+gap+2, j+gap+h+2
      let x0_2 = (a[j + 2] - q2) | 0; // [-2q, 2q)
      x0_2 += (x0_2 >> 31) & q2; // [0, 2q)
      let x1_2 = (a[j + h + 2] - q2) | 0;
      x1_2 += (x1_2 >> 31) & q2;
      const x2_2 = a[j + gap + 2]; // [0, 4q), as an unsigned value
      const x3_2 = a[j + gap + h + 2];
      const t2_2 = (Math.imul(x2_2, w1) - Math.imul((x2_2 * s1) | 0, q)) | 0; // [0, 2q)
      const t3_2 = (Math.imul(x3_2, w1) - Math.imul((x3_2 * s1) | 0, q)) | 0;
      let y0_2 = (x0_2 + t2_2 - q2) | 0;
      y0_2 += (y0_2 >> 31) & q2; // [0, 2q)
      let y2_2 = (x0_2 - t2_2) | 0;
      y2_2 += (y2_2 >> 31) & q2; // [0, 2q)
      const y1_2 = x1_2 + t3_2; // [0, 4q), float-exact
      const y3_2 = x1_2 - t3_2 + q2; // (0, 4q)
      const u1_2 = (Math.imul(y1_2, w2) - Math.imul((y1_2 * s2) | 0, q)) | 0; // [0, 2q)
      const u3_2 = (Math.imul(y3_2, w3) - Math.imul((y3_2 * s3) | 0, q)) | 0;
      // butterfly group 3: positions j+3, j+h+3, j+gap+3, j+gap+h+3
      let x0_3 = (a[j + 3] - q2) | 0; // [-2q, 2q)
      x0_3 += (x0_3 >> 31) & q2; // [0, 2q)
      let x1_3 = (a[j + h + 3] - q2) | 0;
      x1_3 += (x1_3 >> 31) & q2;
      const x2_3 = a[j + gap + 3]; // [0, 4q), as an unsigned value
      const x3_3 = a[j + gap + h + 3];
      const t2_3 = (Math.imul(x2_3, w1) - Math.imul((x2_3 * s1) | 0, q)) | 0; // [0, 2q)
      const t3_3 = (Math.imul(x3_3, w1) - Math.imul((x3_3 * s1) | 0, q)) | 0;
      let y0_3 = (x0_3 + t2_3 - q2) | 0;
      y0_3 += (y0_3 >> 31) & q2; // [0, 2q)
      let y2_3 = (x0_3 - t2_3) | 0;
      y2_3 += (y2_3 >> 31) & q2; // [0, 2q)
      const y1_3 = x1_3 + t3_3; // [0, 4q), float-exact
      const y3_3 = x1_3 - t3_3 + q2; // (0, 4q)
      const u1_3 = (Math.imul(y1_3, w2) - Math.imul((y1_3 * s2) | 0, q)) | 0; // [0, 2q)
      const u3_3 = (Math.imul(y3_3, w3) - Math.imul((y3_3 * s3) | 0, q)) | 0;
      a[j + 0] = (y0_0 + u1_0) | 0; // [0, 4q) through int32 wrap
      a[j + h + 0] = (y0_0 - u1_0 + q2) | 0;
      a[j + gap + 0] = (y2_0 + u3_0) | 0;
      a[j + gap + h + 0] = (y2_0 - u3_0 + q2) | 0;
      a[j + 1] = (y0_1 + u1_1) | 0; // [0, 4q) through int32 wrap
      a[j + h + 1] = (y0_1 - u1_1 + q2) | 0;
      a[j + gap + 1] = (y2_1 + u3_1) | 0;
      a[j + gap + h + 1] = (y2_1 - u3_1 + q2) | 0;
      a[j + 2] = (y0_2 + u1_2) | 0; // [0, 4q) through int32 wrap
      a[j + h + 2] = (y0_2 - u1_2 + q2) | 0;
      a[j + gap + 2] = (y2_2 + u3_2) | 0;
      a[j + gap + h + 2] = (y2_2 - u3_2 + q2) | 0;
      a[j + 3] = (y0_3 + u1_3) | 0; // [0, 4q) through int32 wrap
      a[j + h + 3] = (y0_3 - u1_3 + q2) | 0;
      a[j + gap + 3] = (y2_3 + u3_3) | 0;
      a[j + gap + h + 3] = (y2_3 - u3_3 + q2) | 0;
    }
  }
}

/**
 * One radix-4 pass for any h = gap/2 >= 1 (used where h is not a multiple of
 * 4: the passes at gap 4 when logN is odd and gap 2 of the lazy transform).
 * Ranges as in {@link radix4PassX4}.
 */
function radix4PassGeneric(a: Uint32Array, W: Uint32Array, WS: Float64Array, m: number, gap: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  m |= 0;
  gap |= 0;
  q |= 0;
  const q2 = 2 * q;
  const h = gap >>> 1;
  for (let i = 0; i < m; i++) {
    const w1 = W[m + i];
    const s1 = WS[m + i];
    const w2 = W[2 * m + 2 * i];
    const s2 = WS[2 * m + 2 * i];
    const w3 = W[2 * m + 2 * i + 1];
    const s3 = WS[2 * m + 2 * i + 1];
    const j1 = 2 * i * gap;
    const j2 = j1 + h;
    for (let j = j1; j < j2; j++) {
      // x0, x1: [0,4q) -> [0,2q). a[j] - 2q is in [-2q, 2q): int32.
      let x0 = (a[j] - q2) | 0;
      x0 += (x0 >> 31) & q2;
      let x1 = (a[j + h] - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const x2 = a[j + gap]; // [0,4q), used as an unsigned value
      const x3 = a[j + gap + h];
      // Lazy Shoup products, see mulConstLazy: float estimate < 2^32, imul wraps mod 2^32, result in [0,2q).
      let e = (x2 * s1) | 0;
      const t2 = (Math.imul(x2, w1) - Math.imul(e, q)) | 0;
      e = (x3 * s1) | 0;
      const t3 = (Math.imul(x3, w1) - Math.imul(e, q)) | 0;
      // First layer. y0, y2 are reduced to [0,2q) (they are reduced operands next);
      // y1, y3 stay in [0,4q) as real numbers < 2^32 (multiplied next).
      let y0 = (x0 + t2 - q2) | 0; // [-2q, 2q)
      y0 += (y0 >> 31) & q2;
      let y2 = (x0 - t2) | 0; // (-2q, 2q)
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q), float-exact
      const y3 = x1 - t3 + q2; // (0, 4q)
      e = (y1 * s2) | 0;
      const u1 = (Math.imul(y1, w2) - Math.imul(e, q)) | 0;
      e = (y3 * s3) | 0;
      const u3 = (Math.imul(y3, w3) - Math.imul(e, q)) | 0;
      // Second layer: sums in [0,4q) stored through int32 wrap.
      a[j] = (y0 + u1) | 0;
      a[j + h] = (y0 - u1 + q2) | 0;
      a[j + gap] = (y2 + u3) | 0;
      a[j + gap + h] = (y2 - u3 + q2) | 0;
    }
  }
}

/**
 * The last two radix-4 passes of the forward transform (gap 8, then gap 2),
 * fused on blocks of 16 consecutive values that stay in registers between the
 * two, with the outputs fully reduced to [0, q) (so that {@link forwardNtt}
 * needs no separate reduction pass). Saves 16 typed-array loads and stores per
 * block (measured 1.52 -> 1.49 ms per limb at N = 2^16).
 * Inputs in [0, 4q); between the passes the values are in [0, 4q) as unsigned
 * numbers (`>>> 0`); ranges of the butterflies as in {@link radix4PassX4}.
 * @param m twiddle groups of the gap-8 pass (N / 16); the gap-2 pass has 4m
 */
function radix16LastPassesReduced(a: Uint32Array, W: Uint32Array, WS: Float64Array, m: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  m |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const m4 = 4 * m;
  for (let i = 0, j = 0; i < m; i++, j += 16) {
    let w1 = W[m + i];
    let s1 = WS[m + i];
    let w2 = W[2 * m + 2 * i];
    let s2 = WS[2 * m + 2 * i];
    let w3 = W[2 * m + 2 * i + 1];
    let s3 = WS[2 * m + 2 * i + 1];
    let v0 = a[j + 0];
    let v1 = a[j + 1];
    let v2 = a[j + 2];
    let v3 = a[j + 3];
    let v4 = a[j + 4];
    let v5 = a[j + 5];
    let v6 = a[j + 6];
    let v7 = a[j + 7];
    let v8 = a[j + 8];
    let v9 = a[j + 9];
    let v10 = a[j + 10];
    let v11 = a[j + 11];
    let v12 = a[j + 12];
    let v13 = a[j + 13];
    let v14 = a[j + 14];
    let v15 = a[j + 15];
    // Gap-8 pass: butterfly groups (k, 4 + k, 8 + k, 12 + k), one twiddle triple.
    {
      let x0 = (v0 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v4 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v8, w1) - Math.imul((v8 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v12, w1) - Math.imul((v12 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v0 = (y0 + u1) >>> 0; // [0, 4q)
      v4 = (y0 - u1 + q2) >>> 0;
      v8 = (y2 + u3) >>> 0;
      v12 = (y2 - u3 + q2) >>> 0;
    }
    {
      let x0 = (v1 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v5 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v9, w1) - Math.imul((v9 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v13, w1) - Math.imul((v13 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v1 = (y0 + u1) >>> 0; // [0, 4q)
      v5 = (y0 - u1 + q2) >>> 0;
      v9 = (y2 + u3) >>> 0;
      v13 = (y2 - u3 + q2) >>> 0;
    }
    {
      let x0 = (v2 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v6 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v10, w1) - Math.imul((v10 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v14, w1) - Math.imul((v14 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v2 = (y0 + u1) >>> 0; // [0, 4q)
      v6 = (y0 - u1 + q2) >>> 0;
      v10 = (y2 + u3) >>> 0;
      v14 = (y2 - u3 + q2) >>> 0;
    }
    {
      let x0 = (v3 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v7 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v11, w1) - Math.imul((v11 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v15, w1) - Math.imul((v15 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v3 = (y0 + u1) >>> 0; // [0, 4q)
      v7 = (y0 - u1 + q2) >>> 0;
      v11 = (y2 + u3) >>> 0;
      v15 = (y2 - u3 + q2) >>> 0;
    }
    // Gap-2 pass: groups of four consecutive values, twiddle group 4i + g of 4m; outputs in [0, q).
    {
      const ii = 4 * i + 0;
      w1 = W[m4 + ii];
      s1 = WS[m4 + ii];
      w2 = W[2 * m4 + 2 * ii];
      s2 = WS[2 * m4 + 2 * ii];
      w3 = W[2 * m4 + 2 * ii + 1];
      s3 = WS[2 * m4 + 2 * ii + 1];
      let x0 = (v0 - q2) | 0;
      x0 += (x0 >> 31) & q2;
      let x1 = (v1 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v2, w1) - Math.imul((v2 * s1) | 0, q)) | 0;
      const t3 = (Math.imul(v3, w1) - Math.imul((v3 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2;
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3;
      const y3 = x1 - t3 + q2;
      // Shoup products in [0, 2q), then -q and a correction: [0, q); y0, y2 likewise.
      let u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q) - q) | 0;
      u1 += (u1 >> 31) & q;
      let u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q) - q) | 0;
      u3 += (u3 >> 31) & q;
      y0 = (y0 - q) | 0;
      y0 += (y0 >> 31) & q;
      y2 = (y2 - q) | 0;
      y2 += (y2 >> 31) & q;
      // Sums and differences of values in [0, q), corrected once: [0, q).
      let o = (y0 + u1 - q) | 0;
      a[j + 0] = o + ((o >> 31) & q);
      o = (y0 - u1) | 0;
      a[j + 1] = o + ((o >> 31) & q);
      o = (y2 + u3 - q) | 0;
      a[j + 2] = o + ((o >> 31) & q);
      o = (y2 - u3) | 0;
      a[j + 3] = o + ((o >> 31) & q);
    }
    {
      const ii = 4 * i + 1;
      w1 = W[m4 + ii];
      s1 = WS[m4 + ii];
      w2 = W[2 * m4 + 2 * ii];
      s2 = WS[2 * m4 + 2 * ii];
      w3 = W[2 * m4 + 2 * ii + 1];
      s3 = WS[2 * m4 + 2 * ii + 1];
      let x0 = (v4 - q2) | 0;
      x0 += (x0 >> 31) & q2;
      let x1 = (v5 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v6, w1) - Math.imul((v6 * s1) | 0, q)) | 0;
      const t3 = (Math.imul(v7, w1) - Math.imul((v7 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2;
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3;
      const y3 = x1 - t3 + q2;
      // Shoup products in [0, 2q), then -q and a correction: [0, q); y0, y2 likewise.
      let u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q) - q) | 0;
      u1 += (u1 >> 31) & q;
      let u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q) - q) | 0;
      u3 += (u3 >> 31) & q;
      y0 = (y0 - q) | 0;
      y0 += (y0 >> 31) & q;
      y2 = (y2 - q) | 0;
      y2 += (y2 >> 31) & q;
      // Sums and differences of values in [0, q), corrected once: [0, q).
      let o = (y0 + u1 - q) | 0;
      a[j + 4] = o + ((o >> 31) & q);
      o = (y0 - u1) | 0;
      a[j + 5] = o + ((o >> 31) & q);
      o = (y2 + u3 - q) | 0;
      a[j + 6] = o + ((o >> 31) & q);
      o = (y2 - u3) | 0;
      a[j + 7] = o + ((o >> 31) & q);
    }
    {
      const ii = 4 * i + 2;
      w1 = W[m4 + ii];
      s1 = WS[m4 + ii];
      w2 = W[2 * m4 + 2 * ii];
      s2 = WS[2 * m4 + 2 * ii];
      w3 = W[2 * m4 + 2 * ii + 1];
      s3 = WS[2 * m4 + 2 * ii + 1];
      let x0 = (v8 - q2) | 0;
      x0 += (x0 >> 31) & q2;
      let x1 = (v9 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v10, w1) - Math.imul((v10 * s1) | 0, q)) | 0;
      const t3 = (Math.imul(v11, w1) - Math.imul((v11 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2;
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3;
      const y3 = x1 - t3 + q2;
      // Shoup products in [0, 2q), then -q and a correction: [0, q); y0, y2 likewise.
      let u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q) - q) | 0;
      u1 += (u1 >> 31) & q;
      let u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q) - q) | 0;
      u3 += (u3 >> 31) & q;
      y0 = (y0 - q) | 0;
      y0 += (y0 >> 31) & q;
      y2 = (y2 - q) | 0;
      y2 += (y2 >> 31) & q;
      // Sums and differences of values in [0, q), corrected once: [0, q).
      let o = (y0 + u1 - q) | 0;
      a[j + 8] = o + ((o >> 31) & q);
      o = (y0 - u1) | 0;
      a[j + 9] = o + ((o >> 31) & q);
      o = (y2 + u3 - q) | 0;
      a[j + 10] = o + ((o >> 31) & q);
      o = (y2 - u3) | 0;
      a[j + 11] = o + ((o >> 31) & q);
    }
    {
      const ii = 4 * i + 3;
      w1 = W[m4 + ii];
      s1 = WS[m4 + ii];
      w2 = W[2 * m4 + 2 * ii];
      s2 = WS[2 * m4 + 2 * ii];
      w3 = W[2 * m4 + 2 * ii + 1];
      s3 = WS[2 * m4 + 2 * ii + 1];
      let x0 = (v12 - q2) | 0;
      x0 += (x0 >> 31) & q2;
      let x1 = (v13 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v14, w1) - Math.imul((v14 * s1) | 0, q)) | 0;
      const t3 = (Math.imul(v15, w1) - Math.imul((v15 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2;
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3;
      const y3 = x1 - t3 + q2;
      // Shoup products in [0, 2q), then -q and a correction: [0, q); y0, y2 likewise.
      let u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q) - q) | 0;
      u1 += (u1 >> 31) & q;
      let u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q) - q) | 0;
      u3 += (u3 >> 31) & q;
      y0 = (y0 - q) | 0;
      y0 += (y0 >> 31) & q;
      y2 = (y2 - q) | 0;
      y2 += (y2 >> 31) & q;
      // Sums and differences of values in [0, q), corrected once: [0, q).
      let o = (y0 + u1 - q) | 0;
      a[j + 12] = o + ((o >> 31) & q);
      o = (y0 - u1) | 0;
      a[j + 13] = o + ((o >> 31) & q);
      o = (y2 + u3 - q) | 0;
      a[j + 14] = o + ((o >> 31) & q);
      o = (y2 - u3) | 0;
      a[j + 15] = o + ((o >> 31) & q);
    }
  }
}

/**
 * The last three layers of the forward transform when logN is odd (gaps 4, 2
 * and 1: a radix-4 pass and a radix-2 layer), fused on blocks of 8
 * consecutive values that stay in registers, with the outputs fully reduced
 * to [0, q). Before, odd logN ran a generic radix-4 pass at gap 4, a radix-2
 * layer and a separate reduction pass (three sweeps over the array, the first
 * two with a short inner loop): measured 2.76-2.92 ns per butterfly at
 * logN = 13, 15 against 2.40-2.45 at logN = 14, 16; with this kernel (and the
 * int32 parameter marks) 1.9-2.1 against 1.8-1.9 (same run, CPU time).
 * The butterflies are those of {@link radix4PassX4} and of the radix-2 layer
 * of {@link forwardNttLazy}, written out for the eight values (the repetition
 * is the optimization). Ranges: inputs in [0, 4q); between the passes the
 * values are in [0, 4q) as unsigned numbers (`>>> 0`); Shoup products as in
 * {@link radix4PassX4} (float x * s < 2^32, Math.imul wraps modulo 2^32
 * (int32), remainders in [0, 2q) < 2^31); every int32 sum or difference below
 * is within (-2^31, 2^31) since q < 2^30.
 * @param m twiddle groups of the gap-4 layer (N / 8); the gap-2 layer has 2m, the gap-1 layer 4m
 */
function radix8LastPassesReduced(a: Uint32Array, W: Uint32Array, WS: Float64Array, m: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  m |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const m4 = 4 * m;
  for (let b = 0, j = 0; b < m; b++, j += 8) {
    const b4 = 4 * b;
    const w1 = W[m + b];
    const s1 = WS[m + b];
    const w2 = W[2 * m + 2 * b];
    const s2 = WS[2 * m + 2 * b];
    const w3 = W[2 * m + 2 * b + 1];
    const s3 = WS[2 * m + 2 * b + 1];
    let v0 = a[j + 0]; // [0, 4q)
    let v1 = a[j + 1]; // [0, 4q)
    let v2 = a[j + 2]; // [0, 4q)
    let v3 = a[j + 3]; // [0, 4q)
    let v4 = a[j + 4]; // [0, 4q)
    let v5 = a[j + 5]; // [0, 4q)
    let v6 = a[j + 6]; // [0, 4q)
    let v7 = a[j + 7]; // [0, 4q)
    // gap-4 and gap-2 layers: radix-4 butterflies on values (k, 2 + k, 4 + k, 6 + k), k = 0, 1
    {
      let x0 = (v0 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v2 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v4, w1) - Math.imul((v4 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v6, w1) - Math.imul((v6 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v0 = (y0 + u1) >>> 0; // [0, 4q)
      v2 = (y0 - u1 + q2) >>> 0;
      v4 = (y2 + u3) >>> 0;
      v6 = (y2 - u3 + q2) >>> 0;
    }
    {
      let x0 = (v1 - q2) | 0;
      x0 += (x0 >> 31) & q2; // [0, 2q)
      let x1 = (v3 - q2) | 0;
      x1 += (x1 >> 31) & q2;
      const t2 = (Math.imul(v5, w1) - Math.imul((v5 * s1) | 0, q)) | 0; // [0, 2q)
      const t3 = (Math.imul(v7, w1) - Math.imul((v7 * s1) | 0, q)) | 0;
      let y0 = (x0 + t2 - q2) | 0;
      y0 += (y0 >> 31) & q2; // [0, 2q)
      let y2 = (x0 - t2) | 0;
      y2 += (y2 >> 31) & q2;
      const y1 = x1 + t3; // [0, 4q)
      const y3 = x1 - t3 + q2; // (0, 4q)
      const u1 = (Math.imul(y1, w2) - Math.imul((y1 * s2) | 0, q)) | 0; // [0, 2q)
      const u3 = (Math.imul(y3, w3) - Math.imul((y3 * s3) | 0, q)) | 0;
      v1 = (y0 + u1) >>> 0; // [0, 4q)
      v3 = (y0 - u1 + q2) >>> 0;
      v5 = (y2 + u3) >>> 0;
      v7 = (y2 - u3 + q2) >>> 0;
    }
    // gap-1 layer (radix 2): pairs (2g, 2g + 1), twiddle group 4b + g; outputs in [0, q)
    {
      const w = W[m4 + b4 + 0];
      const s = WS[m4 + b4 + 0];
      let x = (v0 - q2) | 0; // [-2q, 2q)
      x += (x >> 31) & q2; // [0, 2q)
      x = (x - q) | 0;
      x += (x >> 31) & q; // [0, q)
      let t = (Math.imul(v1, w) - Math.imul((v1 * s) | 0, q) - q) | 0; // Shoup in [0, 2q), minus q
      t += (t >> 31) & q; // [0, q)
      let o = (x + t - q) | 0;
      a[j + 0] = o + ((o >> 31) & q); // [0, q)
      o = (x - t) | 0;
      a[j + 1] = o + ((o >> 31) & q);
    }
    {
      const w = W[m4 + b4 + 1];
      const s = WS[m4 + b4 + 1];
      let x = (v2 - q2) | 0; // [-2q, 2q)
      x += (x >> 31) & q2; // [0, 2q)
      x = (x - q) | 0;
      x += (x >> 31) & q; // [0, q)
      let t = (Math.imul(v3, w) - Math.imul((v3 * s) | 0, q) - q) | 0; // Shoup in [0, 2q), minus q
      t += (t >> 31) & q; // [0, q)
      let o = (x + t - q) | 0;
      a[j + 2] = o + ((o >> 31) & q); // [0, q)
      o = (x - t) | 0;
      a[j + 3] = o + ((o >> 31) & q);
    }
    {
      const w = W[m4 + b4 + 2];
      const s = WS[m4 + b4 + 2];
      let x = (v4 - q2) | 0; // [-2q, 2q)
      x += (x >> 31) & q2; // [0, 2q)
      x = (x - q) | 0;
      x += (x >> 31) & q; // [0, q)
      let t = (Math.imul(v5, w) - Math.imul((v5 * s) | 0, q) - q) | 0; // Shoup in [0, 2q), minus q
      t += (t >> 31) & q; // [0, q)
      let o = (x + t - q) | 0;
      a[j + 4] = o + ((o >> 31) & q); // [0, q)
      o = (x - t) | 0;
      a[j + 5] = o + ((o >> 31) & q);
    }
    {
      const w = W[m4 + b4 + 3];
      const s = WS[m4 + b4 + 3];
      let x = (v6 - q2) | 0; // [-2q, 2q)
      x += (x >> 31) & q2; // [0, 2q)
      x = (x - q) | 0;
      x += (x >> 31) & q; // [0, q)
      let t = (Math.imul(v7, w) - Math.imul((v7 * s) | 0, q) - q) | 0; // Shoup in [0, 2q), minus q
      t += (t >> 31) & q; // [0, q)
      let o = (x + t - q) | 0;
      a[j + 6] = o + ((o >> 31) & q); // [0, q)
      o = (x - t) | 0;
      a[j + 7] = o + ((o >> 31) & q);
    }
  }
}

/**
 * The radix-4 passes of the forward transform while gap > `stopGap` (0: all
 * of them, down to gap 1 for odd logN), inputs and outputs in [0, 4q).
 * @returns the number m of twiddle groups of the next pass
 */
function forwardPasses(a: Uint32Array, t: NttTables, stopGap: number): number {
  const N = t.N;
  const q = t.q;
  const W = t.psiRev;
  const WS = t.psiRevShoup;
  let m = 1;
  let gap = N >>> 1;
  for (; gap >= 8 && gap > stopGap; m <<= 2, gap >>>= 2) radix4PassX4(a, W, WS, m, gap, q);
  if ((gap === 4 || gap === 2) && gap > stopGap) {
    radix4PassGeneric(a, W, WS, m, gap, q);
    m <<= 2;
  }
  return m;
}

/**
 * Forward negacyclic NTT in place, lazily reduced output.
 * @param a N coefficients, each in [0, 4q) (fully reduced input is fine)
 * @param t tables for q and N
 * @returns nothing; a holds the NTT in bit-reversed order, each value in [0, 4q)
 */
export function forwardNttLazy(a: Uint32Array, t: NttTables): void {
  const N = t.N;
  const q = t.q | 0;
  const q2 = 2 * q; // < 2^31
  const W = t.psiRev;
  const WS = t.psiRevShoup;
  // Radix-4 passes: layers (m, gap) and (2m, gap/2) at once (down to gap 1 or past 2).
  let m = forwardPasses(a, t, 0);
  let gap = N / (2 * m);
  // One radix-2 layer left when logN is odd (gap = 1).
  for (; m < N; m <<= 1, gap >>>= 1) {
    for (let i = 0; i < m; i++) {
      const w = W[m + i];
      const s = WS[m + i];
      const j1 = 2 * i * gap;
      const j2 = j1 + gap;
      for (let j = j1; j < j2; j++) {
        let x = (a[j] - q2) | 0;
        x += (x >> 31) & q2;
        const y = a[j + gap];
        const e = (y * s) | 0;
        const tt = (Math.imul(y, w) - Math.imul(e, q)) | 0;
        a[j] = (x + tt) | 0;
        a[j + gap] = (x - tt + q2) | 0;
      }
    }
  }
}

/**
 * Reduce every value of `a` from [0, 4q) to [0, q) in place.
 * @param a values in [0, 4q)
 * @param q modulus < 2^30
 */
export function reduceFrom4q(a: Uint32Array, q: number): void {
  q |= 0; // int32 (see scaleBlock in rns.ts)
  const q2 = 2 * q;
  for (let j = 0, n = a.length; j < n; j++) {
    let x = (a[j] - q2) | 0; // [-2q, 2q)
    x += (x >> 31) & q2;
    x = (x - q) | 0;
    a[j] = x + ((x >> 31) & q);
  }
}

/**
 * Forward negacyclic NTT in place, fully reduced output.
 * @param a N coefficients in [0, 4q)
 * @param t tables for q and N
 * @throws TypeError/RangeError if a is not a Uint32Array of length N
 */
export function forwardNtt(a: Uint32Array, t: NttTables): void {
  checkU32('forwardNtt', 'a', a, t.N);
  if (t.logN % 2 === 0) {
    // Even logN: the radix-4 passes end with gaps 8 and 2, fused, with reduced outputs.
    const m = forwardPasses(a, t, 8);
    radix16LastPassesReduced(a, t.psiRev, t.psiRevShoup, m, t.q);
  } else {
    // Odd logN: the radix-4 passes end at gap 8; the last three layers are fused, with reduced outputs.
    const m = forwardPasses(a, t, 4);
    radix8LastPassesReduced(a, t.psiRev, t.psiRevShoup, m, t.q);
  }
}

/**
 * The inverse transform with plain (not unrolled) loops, for any N >= 4: the
 * path for logN = 4, where the unrolled kernels of {@link inverseNttLazyInput}
 * do not fit (it is also their reference in the tests, through logN = 4).
 * Same contract as {@link inverseNttLazyInput}; values in [0, 2q) between
 * layers, Shoup products as in {@link radix4PassX4}.
 */
function inverseNttSmall(a: Uint32Array, t: NttTables, ni: number, nis: number, np: number, nps: number): void {
  const N = t.N;
  const q = t.q;
  const q2 = 2 * q;
  const W = t.psiInvRev;
  const WS = t.psiInvRevShoup;
  let gap = 1;
  let m = N; // number of elements per group is 2*gap; h = m/2 groups in the current layer
  // All layers but the last (h = 1), two at a time while possible.
  for (; m > 4; m >>>= 2, gap <<= 2) {
    const h = m >>> 1; // groups in layer A; layer B has h/2
    const h2 = h >>> 1;
    for (let i = 0; i < h2; i++) {
      const wa = W[h + 2 * i];
      const sa = WS[h + 2 * i];
      const wb = W[h + 2 * i + 1];
      const sb = WS[h + 2 * i + 1];
      const wc = W[h2 + i];
      const sc = WS[h2 + i];
      const j1 = 4 * i * gap;
      const j2 = j1 + gap;
      for (let j = j1; j < j2; j++) {
        const x0 = a[j]; // all in [0, 2q)
        const x1 = a[j + gap];
        const x2 = a[j + 2 * gap];
        const x3 = a[j + 3 * gap];
        let u0 = (x0 + x1 - q2) | 0; // [-2q, 2q)
        u0 += (u0 >> 31) & q2;
        let d = x0 - x1 + q2; // (0, 4q): exact float, < 2^32
        let e = (d * sa) | 0;
        const u1 = (Math.imul(d, wa) - Math.imul(e, q)) | 0; // [0, 2q)
        let u2 = (x2 + x3 - q2) | 0;
        u2 += (u2 >> 31) & q2;
        d = x2 - x3 + q2;
        e = (d * sb) | 0;
        const u3 = (Math.imul(d, wb) - Math.imul(e, q)) | 0;
        let v0 = (u0 + u2 - q2) | 0;
        v0 += (v0 >> 31) & q2;
        d = u0 - u2 + q2;
        e = (d * sc) | 0;
        const v2 = (Math.imul(d, wc) - Math.imul(e, q)) | 0;
        let v1 = (u1 + u3 - q2) | 0;
        v1 += (v1 >> 31) & q2;
        d = u1 - u3 + q2;
        e = (d * sc) | 0;
        const v3 = (Math.imul(d, wc) - Math.imul(e, q)) | 0;
        a[j] = v0;
        a[j + gap] = v1;
        a[j + 2 * gap] = v2;
        a[j + 3 * gap] = v3;
      }
    }
  }
  // A single remaining radix-2 layer before the last one (when logN is even).
  if (m === 4) {
    for (let i = 0; i < 2; i++) {
      const w = W[2 + i];
      const s = WS[2 + i];
      const j1 = 2 * i * gap;
      const j2 = j1 + gap;
      for (let j = j1; j < j2; j++) {
        const x = a[j];
        const y = a[j + gap];
        let u = (x + y - q2) | 0;
        u += (u >> 31) & q2;
        const d = x - y + q2;
        const e = (d * s) | 0;
        a[j] = u;
        a[j + gap] = (Math.imul(d, w) - Math.imul(e, q)) | 0;
      }
    }
    gap <<= 1;
  }
  // Last layer with N^-1 (times the caller's factor, see inverseNttLazyInputTimes) merged:
  // a[j] = (x + y) ni, a[j+N/2] = (x - y) np, with ni = N^-1 c and np = N^-1 psi^-(N/2) c, fully reduced.
  for (let j = 0; j < gap; j++) {
    const x = a[j];
    const y = a[j + gap];
    let s = x + y; // [0, 4q), exact float
    let e = (s * nis) | 0;
    let r = (Math.imul(s, ni) - Math.imul(e, q) - q) | 0; // [-q, q)
    a[j] = r + ((r >> 31) & q);
    s = x - y + q2; // (0, 4q)
    e = (s * nps) | 0;
    r = (Math.imul(s, np) - Math.imul(e, q) - q) | 0;
    a[j + gap] = r + ((r >> 31) & q);
  }
}

/**
 * One radix-4 pass of the inverse transform (Gentleman-Sande): layers
 * (gap, 2 gap) at once, inputs and outputs in [0, 2q). The butterfly is
 * written out four times per loop step (gap must be a multiple of 4), as in
 * {@link radix4PassX4}: the repetition is the optimization (the four
 * independent chains stay in registers, loop and bounds-check overhead once
 * per four). Largest intermediates: sums x + y < 4q < 2^32 are float-exact and
 * (x + y - 2q) | 0 is in [-2q, 2q) (int32); differences x - y + 2q are in
 * (0, 4q) < 2^32; the Shoup estimates d * s < 2^32 (s < 1) and Math.imul wrap
 * modulo 2^32 (int32), the remainders are in [0, 2q) < 2^31.
 * @param m N / gap (the current layer has m / 2 twiddle groups, the next m / 4)
 */
function invRadix4PassX4(a: Uint32Array, W: Uint32Array, WS: Float64Array, m: number, gap: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  m |= 0;
  gap |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const h = m >>> 1;
  const h2 = h >>> 1;
  const gap2 = 2 * gap;
  const gap3 = 3 * gap;
  for (let i = 0; i < h2; i++) {
    const wa = W[h + 2 * i];
    const sa = WS[h + 2 * i];
    const wb = W[h + 2 * i + 1];
    const sb = WS[h + 2 * i + 1];
    const wc = W[h2 + i];
    const sc = WS[h2 + i];
    const j1 = 4 * i * gap;
    const j2 = j1 + gap;
    for (let j = j1; j < j2; j += 4) {
      // butterfly group 0: positions j+0, j+gap+0, j+2gap+0, j+3gap+0
      const x0_0 = a[j + 0]; // [0, 2q)
      const x1_0 = a[j + gap + 0];
      const x2_0 = a[j + gap2 + 0];
      const x3_0 = a[j + gap3 + 0];
      let u0_0 = (x0_0 + x1_0 - q2) | 0; // [-2q, 2q)
      u0_0 += (u0_0 >> 31) & q2; // [0, 2q)
      let d_0 = x0_0 - x1_0 + q2; // (0, 4q), float-exact
      const u1_0 = (Math.imul(d_0, wa) - Math.imul((d_0 * sa) | 0, q)) | 0; // [0, 2q)
      let u2_0 = (x2_0 + x3_0 - q2) | 0;
      u2_0 += (u2_0 >> 31) & q2;
      d_0 = x2_0 - x3_0 + q2;
      const u3_0 = (Math.imul(d_0, wb) - Math.imul((d_0 * sb) | 0, q)) | 0;
      let v0_0 = (u0_0 + u2_0 - q2) | 0;
      v0_0 += (v0_0 >> 31) & q2;
      d_0 = u0_0 - u2_0 + q2;
      const v2_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
      let v1_0 = (u1_0 + u3_0 - q2) | 0;
      v1_0 += (v1_0 >> 31) & q2;
      d_0 = u1_0 - u3_0 + q2;
      const v3_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
      // butterfly group 1: positions j+1, j+gap+1, j+2gap+1, j+3gap+1
      const x0_1 = a[j + 1]; // [0, 2q)
      const x1_1 = a[j + gap + 1];
      const x2_1 = a[j + gap2 + 1];
      const x3_1 = a[j + gap3 + 1];
      let u0_1 = (x0_1 + x1_1 - q2) | 0; // [-2q, 2q)
      u0_1 += (u0_1 >> 31) & q2; // [0, 2q)
      let d_1 = x0_1 - x1_1 + q2; // (0, 4q), float-exact
      const u1_1 = (Math.imul(d_1, wa) - Math.imul((d_1 * sa) | 0, q)) | 0; // [0, 2q)
      let u2_1 = (x2_1 + x3_1 - q2) | 0;
      u2_1 += (u2_1 >> 31) & q2;
      d_1 = x2_1 - x3_1 + q2;
      const u3_1 = (Math.imul(d_1, wb) - Math.imul((d_1 * sb) | 0, q)) | 0;
      let v0_1 = (u0_1 + u2_1 - q2) | 0;
      v0_1 += (v0_1 >> 31) & q2;
      d_1 = u0_1 - u2_1 + q2;
      const v2_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
      let v1_1 = (u1_1 + u3_1 - q2) | 0;
      v1_1 += (v1_1 >> 31) & q2;
      d_1 = u1_1 - u3_1 + q2;
      const v3_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
      // butterfly group 2: positions j+2, j+gap+2, j+2gap+2, j+3gap+2
      const x0_2 = a[j + 2]; // [0, 2q)
      const x1_2 = a[j + gap + 2];
      const x2_2 = a[j + gap2 + 2];
      const x3_2 = a[j + gap3 + 2];
      let u0_2 = (x0_2 + x1_2 - q2) | 0; // [-2q, 2q)
      u0_2 += (u0_2 >> 31) & q2; // [0, 2q)
      let d_2 = x0_2 - x1_2 + q2; // (0, 4q), float-exact
      const u1_2 = (Math.imul(d_2, wa) - Math.imul((d_2 * sa) | 0, q)) | 0; // [0, 2q)
      let u2_2 = (x2_2 + x3_2 - q2) | 0;
      u2_2 += (u2_2 >> 31) & q2;
      d_2 = x2_2 - x3_2 + q2;
      const u3_2 = (Math.imul(d_2, wb) - Math.imul((d_2 * sb) | 0, q)) | 0;
      let v0_2 = (u0_2 + u2_2 - q2) | 0;
      v0_2 += (v0_2 >> 31) & q2;
      d_2 = u0_2 - u2_2 + q2;
      const v2_2 = (Math.imul(d_2, wc) - Math.imul((d_2 * sc) | 0, q)) | 0;
      let v1_2 = (u1_2 + u3_2 - q2) | 0;
      v1_2 += (v1_2 >> 31) & q2;
      d_2 = u1_2 - u3_2 + q2;
      const v3_2 = (Math.imul(d_2, wc) - Math.imul((d_2 * sc) | 0, q)) | 0;
      // butterfly group 3: positions j+3, j+gap+3, j+2gap+3, j+3gap+3
      const x0_3 = a[j + 3]; // [0, 2q)
      const x1_3 = a[j + gap + 3];
      const x2_3 = a[j + gap2 + 3];
      const x3_3 = a[j + gap3 + 3];
      let u0_3 = (x0_3 + x1_3 - q2) | 0; // [-2q, 2q)
      u0_3 += (u0_3 >> 31) & q2; // [0, 2q)
      let d_3 = x0_3 - x1_3 + q2; // (0, 4q), float-exact
      const u1_3 = (Math.imul(d_3, wa) - Math.imul((d_3 * sa) | 0, q)) | 0; // [0, 2q)
      let u2_3 = (x2_3 + x3_3 - q2) | 0;
      u2_3 += (u2_3 >> 31) & q2;
      d_3 = x2_3 - x3_3 + q2;
      const u3_3 = (Math.imul(d_3, wb) - Math.imul((d_3 * sb) | 0, q)) | 0;
      let v0_3 = (u0_3 + u2_3 - q2) | 0;
      v0_3 += (v0_3 >> 31) & q2;
      d_3 = u0_3 - u2_3 + q2;
      const v2_3 = (Math.imul(d_3, wc) - Math.imul((d_3 * sc) | 0, q)) | 0;
      let v1_3 = (u1_3 + u3_3 - q2) | 0;
      v1_3 += (v1_3 >> 31) & q2;
      d_3 = u1_3 - u3_3 + q2;
      const v3_3 = (Math.imul(d_3, wc) - Math.imul((d_3 * sc) | 0, q)) | 0;
      a[j + 0] = v0_0;
      a[j + gap + 0] = v1_0;
      a[j + gap2 + 0] = v2_0;
      a[j + gap3 + 0] = v3_0;
      a[j + 1] = v0_1;
      a[j + gap + 1] = v1_1;
      a[j + gap2 + 1] = v2_1;
      a[j + gap3 + 1] = v3_1;
      a[j + 2] = v0_2;
      a[j + gap + 2] = v1_2;
      a[j + gap2 + 2] = v2_2;
      a[j + gap3 + 2] = v3_2;
      a[j + 3] = v0_3;
      a[j + gap + 3] = v1_3;
      a[j + gap2 + 3] = v2_3;
      a[j + gap3 + 3] = v3_3;
    }
  }
}

/**
 * The first four layers of the inverse transform (gaps 1, 2, 4 and 8: two
 * radix-4 passes) fused on blocks of 16 consecutive values that stay in
 * registers between the passes (even logN >= 6). The butterflies are those of
 * {@link invRadix4PassX4}, written out for the sixteen values (the repetition
 * is the optimization); inputs, outputs and every intermediate value in
 * [0, 2q), bounds as there.
 */
function invFirstPasses16(a: Uint32Array, W: Uint32Array, WS: Float64Array, N: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  N |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const h1 = N >>> 1; // twiddle groups of the gap-1 layer
  const h2 = N >>> 2; // gap 2
  const h3 = N >>> 3; // gap 4
  const h4 = N >>> 4; // gap 8
  let ii = 0;
  let wa = 0;
  let sa = 0;
  let wb = 0;
  let sb = 0;
  let wc = 0;
  let sc = 0;
  for (let b = 0, j = 0; j < N; b++, j += 16) {
    const b4 = 4 * b;
    // gap-1 and gap-2 layers on values 0..3: twiddle group i = 4b + 0
    const x0 = a[j + 0]; // [0, 2q)
    const x1 = a[j + 1]; // [0, 2q)
    const x2 = a[j + 2]; // [0, 2q)
    const x3 = a[j + 3]; // [0, 2q)
    ii = b4 + 0;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_0 = (x0 + x1 - q2) | 0; // [-2q, 2q)
    u0_0 += (u0_0 >> 31) & q2; // [0, 2q)
    let d_0 = x0 - x1 + q2; // (0, 4q), float-exact
    const u1_0 = (Math.imul(d_0, wa) - Math.imul((d_0 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_0 = (x2 + x3 - q2) | 0;
    u2_0 += (u2_0 >> 31) & q2;
    d_0 = x2 - x3 + q2;
    const u3_0 = (Math.imul(d_0, wb) - Math.imul((d_0 * sb) | 0, q)) | 0;
    let v0_0 = (u0_0 + u2_0 - q2) | 0;
    v0_0 += (v0_0 >> 31) & q2;
    d_0 = u0_0 - u2_0 + q2;
    const v2_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
    let v1_0 = (u1_0 + u3_0 - q2) | 0;
    v1_0 += (v1_0 >> 31) & q2;
    d_0 = u1_0 - u3_0 + q2;
    const v3_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
    // gap-1 and gap-2 layers on values 4..7: twiddle group i = 4b + 1
    const x4 = a[j + 4]; // [0, 2q)
    const x5 = a[j + 5]; // [0, 2q)
    const x6 = a[j + 6]; // [0, 2q)
    const x7 = a[j + 7]; // [0, 2q)
    ii = b4 + 1;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_1 = (x4 + x5 - q2) | 0; // [-2q, 2q)
    u0_1 += (u0_1 >> 31) & q2; // [0, 2q)
    let d_1 = x4 - x5 + q2; // (0, 4q), float-exact
    const u1_1 = (Math.imul(d_1, wa) - Math.imul((d_1 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_1 = (x6 + x7 - q2) | 0;
    u2_1 += (u2_1 >> 31) & q2;
    d_1 = x6 - x7 + q2;
    const u3_1 = (Math.imul(d_1, wb) - Math.imul((d_1 * sb) | 0, q)) | 0;
    let v0_1 = (u0_1 + u2_1 - q2) | 0;
    v0_1 += (v0_1 >> 31) & q2;
    d_1 = u0_1 - u2_1 + q2;
    const v2_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
    let v1_1 = (u1_1 + u3_1 - q2) | 0;
    v1_1 += (v1_1 >> 31) & q2;
    d_1 = u1_1 - u3_1 + q2;
    const v3_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
    // gap-1 and gap-2 layers on values 8..11: twiddle group i = 4b + 2
    const x8 = a[j + 8]; // [0, 2q)
    const x9 = a[j + 9]; // [0, 2q)
    const x10 = a[j + 10]; // [0, 2q)
    const x11 = a[j + 11]; // [0, 2q)
    ii = b4 + 2;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_2 = (x8 + x9 - q2) | 0; // [-2q, 2q)
    u0_2 += (u0_2 >> 31) & q2; // [0, 2q)
    let d_2 = x8 - x9 + q2; // (0, 4q), float-exact
    const u1_2 = (Math.imul(d_2, wa) - Math.imul((d_2 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_2 = (x10 + x11 - q2) | 0;
    u2_2 += (u2_2 >> 31) & q2;
    d_2 = x10 - x11 + q2;
    const u3_2 = (Math.imul(d_2, wb) - Math.imul((d_2 * sb) | 0, q)) | 0;
    let v0_2 = (u0_2 + u2_2 - q2) | 0;
    v0_2 += (v0_2 >> 31) & q2;
    d_2 = u0_2 - u2_2 + q2;
    const v2_2 = (Math.imul(d_2, wc) - Math.imul((d_2 * sc) | 0, q)) | 0;
    let v1_2 = (u1_2 + u3_2 - q2) | 0;
    v1_2 += (v1_2 >> 31) & q2;
    d_2 = u1_2 - u3_2 + q2;
    const v3_2 = (Math.imul(d_2, wc) - Math.imul((d_2 * sc) | 0, q)) | 0;
    // gap-1 and gap-2 layers on values 12..15: twiddle group i = 4b + 3
    const x12 = a[j + 12]; // [0, 2q)
    const x13 = a[j + 13]; // [0, 2q)
    const x14 = a[j + 14]; // [0, 2q)
    const x15 = a[j + 15]; // [0, 2q)
    ii = b4 + 3;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_3 = (x12 + x13 - q2) | 0; // [-2q, 2q)
    u0_3 += (u0_3 >> 31) & q2; // [0, 2q)
    let d_3 = x12 - x13 + q2; // (0, 4q), float-exact
    const u1_3 = (Math.imul(d_3, wa) - Math.imul((d_3 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_3 = (x14 + x15 - q2) | 0;
    u2_3 += (u2_3 >> 31) & q2;
    d_3 = x14 - x15 + q2;
    const u3_3 = (Math.imul(d_3, wb) - Math.imul((d_3 * sb) | 0, q)) | 0;
    let v0_3 = (u0_3 + u2_3 - q2) | 0;
    v0_3 += (v0_3 >> 31) & q2;
    d_3 = u0_3 - u2_3 + q2;
    const v2_3 = (Math.imul(d_3, wc) - Math.imul((d_3 * sc) | 0, q)) | 0;
    let v1_3 = (u1_3 + u3_3 - q2) | 0;
    v1_3 += (v1_3 >> 31) & q2;
    d_3 = u1_3 - u3_3 + q2;
    const v3_3 = (Math.imul(d_3, wc) - Math.imul((d_3 * sc) | 0, q)) | 0;
    // gap-4 and gap-8 layers: butterflies on values (c, 4 + c, 8 + c, 12 + c), twiddle group b
    wa = W[h3 + 2 * b];
    sa = WS[h3 + 2 * b];
    wb = W[h3 + 2 * b + 1];
    sb = WS[h3 + 2 * b + 1];
    wc = W[h4 + b];
    sc = WS[h4 + b];
    let u0_0b = (v0_0 + v0_1 - q2) | 0; // [-2q, 2q)
    u0_0b += (u0_0b >> 31) & q2; // [0, 2q)
    let d_0b = v0_0 - v0_1 + q2; // (0, 4q), float-exact
    const u1_0b = (Math.imul(d_0b, wa) - Math.imul((d_0b * sa) | 0, q)) | 0; // [0, 2q)
    let u2_0b = (v0_2 + v0_3 - q2) | 0;
    u2_0b += (u2_0b >> 31) & q2;
    d_0b = v0_2 - v0_3 + q2;
    const u3_0b = (Math.imul(d_0b, wb) - Math.imul((d_0b * sb) | 0, q)) | 0;
    let v0_0b = (u0_0b + u2_0b - q2) | 0;
    v0_0b += (v0_0b >> 31) & q2;
    d_0b = u0_0b - u2_0b + q2;
    const v2_0b = (Math.imul(d_0b, wc) - Math.imul((d_0b * sc) | 0, q)) | 0;
    let v1_0b = (u1_0b + u3_0b - q2) | 0;
    v1_0b += (v1_0b >> 31) & q2;
    d_0b = u1_0b - u3_0b + q2;
    const v3_0b = (Math.imul(d_0b, wc) - Math.imul((d_0b * sc) | 0, q)) | 0;
    let u0_1b = (v1_0 + v1_1 - q2) | 0; // [-2q, 2q)
    u0_1b += (u0_1b >> 31) & q2; // [0, 2q)
    let d_1b = v1_0 - v1_1 + q2; // (0, 4q), float-exact
    const u1_1b = (Math.imul(d_1b, wa) - Math.imul((d_1b * sa) | 0, q)) | 0; // [0, 2q)
    let u2_1b = (v1_2 + v1_3 - q2) | 0;
    u2_1b += (u2_1b >> 31) & q2;
    d_1b = v1_2 - v1_3 + q2;
    const u3_1b = (Math.imul(d_1b, wb) - Math.imul((d_1b * sb) | 0, q)) | 0;
    let v0_1b = (u0_1b + u2_1b - q2) | 0;
    v0_1b += (v0_1b >> 31) & q2;
    d_1b = u0_1b - u2_1b + q2;
    const v2_1b = (Math.imul(d_1b, wc) - Math.imul((d_1b * sc) | 0, q)) | 0;
    let v1_1b = (u1_1b + u3_1b - q2) | 0;
    v1_1b += (v1_1b >> 31) & q2;
    d_1b = u1_1b - u3_1b + q2;
    const v3_1b = (Math.imul(d_1b, wc) - Math.imul((d_1b * sc) | 0, q)) | 0;
    let u0_2b = (v2_0 + v2_1 - q2) | 0; // [-2q, 2q)
    u0_2b += (u0_2b >> 31) & q2; // [0, 2q)
    let d_2b = v2_0 - v2_1 + q2; // (0, 4q), float-exact
    const u1_2b = (Math.imul(d_2b, wa) - Math.imul((d_2b * sa) | 0, q)) | 0; // [0, 2q)
    let u2_2b = (v2_2 + v2_3 - q2) | 0;
    u2_2b += (u2_2b >> 31) & q2;
    d_2b = v2_2 - v2_3 + q2;
    const u3_2b = (Math.imul(d_2b, wb) - Math.imul((d_2b * sb) | 0, q)) | 0;
    let v0_2b = (u0_2b + u2_2b - q2) | 0;
    v0_2b += (v0_2b >> 31) & q2;
    d_2b = u0_2b - u2_2b + q2;
    const v2_2b = (Math.imul(d_2b, wc) - Math.imul((d_2b * sc) | 0, q)) | 0;
    let v1_2b = (u1_2b + u3_2b - q2) | 0;
    v1_2b += (v1_2b >> 31) & q2;
    d_2b = u1_2b - u3_2b + q2;
    const v3_2b = (Math.imul(d_2b, wc) - Math.imul((d_2b * sc) | 0, q)) | 0;
    let u0_3b = (v3_0 + v3_1 - q2) | 0; // [-2q, 2q)
    u0_3b += (u0_3b >> 31) & q2; // [0, 2q)
    let d_3b = v3_0 - v3_1 + q2; // (0, 4q), float-exact
    const u1_3b = (Math.imul(d_3b, wa) - Math.imul((d_3b * sa) | 0, q)) | 0; // [0, 2q)
    let u2_3b = (v3_2 + v3_3 - q2) | 0;
    u2_3b += (u2_3b >> 31) & q2;
    d_3b = v3_2 - v3_3 + q2;
    const u3_3b = (Math.imul(d_3b, wb) - Math.imul((d_3b * sb) | 0, q)) | 0;
    let v0_3b = (u0_3b + u2_3b - q2) | 0;
    v0_3b += (v0_3b >> 31) & q2;
    d_3b = u0_3b - u2_3b + q2;
    const v2_3b = (Math.imul(d_3b, wc) - Math.imul((d_3b * sc) | 0, q)) | 0;
    let v1_3b = (u1_3b + u3_3b - q2) | 0;
    v1_3b += (v1_3b >> 31) & q2;
    d_3b = u1_3b - u3_3b + q2;
    const v3_3b = (Math.imul(d_3b, wc) - Math.imul((d_3b * sc) | 0, q)) | 0;
    a[j + 0] = v0_0b;
    a[j + 4] = v1_0b;
    a[j + 8] = v2_0b;
    a[j + 12] = v3_0b;
    a[j + 1] = v0_1b;
    a[j + 5] = v1_1b;
    a[j + 9] = v2_1b;
    a[j + 13] = v3_1b;
    a[j + 2] = v0_2b;
    a[j + 6] = v1_2b;
    a[j + 10] = v2_2b;
    a[j + 14] = v3_2b;
    a[j + 3] = v0_3b;
    a[j + 7] = v1_3b;
    a[j + 11] = v2_3b;
    a[j + 15] = v3_3b;
  }
}

/**
 * The first three layers of the inverse transform (gaps 1, 2 and 4: a radix-4
 * pass and a radix-2 layer) fused on blocks of 8 consecutive values (odd
 * logN >= 5). Written out as {@link invFirstPasses16}; values in [0, 2q)
 * throughout, bounds as in {@link invRadix4PassX4}.
 */
function invFirstPasses8(a: Uint32Array, W: Uint32Array, WS: Float64Array, N: number, q: number): void {
  // int32 parameters marked as such (see scaleBlock in rns.ts).
  N |= 0;
  q |= 0;
  const q2 = 2 * q; // < 2^31
  const h1 = N >>> 1;
  const h2 = N >>> 2;
  const h3 = N >>> 3;
  let ii = 0;
  let wa = 0;
  let sa = 0;
  let wb = 0;
  let sb = 0;
  let wc = 0;
  let sc = 0;
  for (let b = 0, j = 0; j < N; b++, j += 8) {
    const b2 = 2 * b;
    // gap-1 and gap-2 layers on values 0..3: twiddle group i = 2b + 0
    const x0 = a[j + 0]; // [0, 2q)
    const x1 = a[j + 1]; // [0, 2q)
    const x2 = a[j + 2]; // [0, 2q)
    const x3 = a[j + 3]; // [0, 2q)
    ii = b2 + 0;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_0 = (x0 + x1 - q2) | 0; // [-2q, 2q)
    u0_0 += (u0_0 >> 31) & q2; // [0, 2q)
    let d_0 = x0 - x1 + q2; // (0, 4q), float-exact
    const u1_0 = (Math.imul(d_0, wa) - Math.imul((d_0 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_0 = (x2 + x3 - q2) | 0;
    u2_0 += (u2_0 >> 31) & q2;
    d_0 = x2 - x3 + q2;
    const u3_0 = (Math.imul(d_0, wb) - Math.imul((d_0 * sb) | 0, q)) | 0;
    let v0_0 = (u0_0 + u2_0 - q2) | 0;
    v0_0 += (v0_0 >> 31) & q2;
    d_0 = u0_0 - u2_0 + q2;
    const v2_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
    let v1_0 = (u1_0 + u3_0 - q2) | 0;
    v1_0 += (v1_0 >> 31) & q2;
    d_0 = u1_0 - u3_0 + q2;
    const v3_0 = (Math.imul(d_0, wc) - Math.imul((d_0 * sc) | 0, q)) | 0;
    // gap-1 and gap-2 layers on values 4..7: twiddle group i = 2b + 1
    const x4 = a[j + 4]; // [0, 2q)
    const x5 = a[j + 5]; // [0, 2q)
    const x6 = a[j + 6]; // [0, 2q)
    const x7 = a[j + 7]; // [0, 2q)
    ii = b2 + 1;
    wa = W[h1 + 2 * ii];
    sa = WS[h1 + 2 * ii];
    wb = W[h1 + 2 * ii + 1];
    sb = WS[h1 + 2 * ii + 1];
    wc = W[h2 + ii];
    sc = WS[h2 + ii];
    let u0_1 = (x4 + x5 - q2) | 0; // [-2q, 2q)
    u0_1 += (u0_1 >> 31) & q2; // [0, 2q)
    let d_1 = x4 - x5 + q2; // (0, 4q), float-exact
    const u1_1 = (Math.imul(d_1, wa) - Math.imul((d_1 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_1 = (x6 + x7 - q2) | 0;
    u2_1 += (u2_1 >> 31) & q2;
    d_1 = x6 - x7 + q2;
    const u3_1 = (Math.imul(d_1, wb) - Math.imul((d_1 * sb) | 0, q)) | 0;
    let v0_1 = (u0_1 + u2_1 - q2) | 0;
    v0_1 += (v0_1 >> 31) & q2;
    d_1 = u0_1 - u2_1 + q2;
    const v2_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
    let v1_1 = (u1_1 + u3_1 - q2) | 0;
    v1_1 += (v1_1 >> 31) & q2;
    d_1 = u1_1 - u3_1 + q2;
    const v3_1 = (Math.imul(d_1, wc) - Math.imul((d_1 * sc) | 0, q)) | 0;
    // gap-4 layer (radix 2): pairs (c, 4 + c), twiddle group b
    const w = W[h3 + b];
    const s = WS[h3 + b];
    let e0 = (v0_0 + v0_1 - q2) | 0; // [-2q, 2q)
    a[j + 0] = e0 + ((e0 >> 31) & q2); // [0, 2q)
    const f0 = v0_0 - v0_1 + q2; // (0, 4q)
    a[j + 4] = (Math.imul(f0, w) - Math.imul((f0 * s) | 0, q)) | 0; // [0, 2q)
    let e1 = (v1_0 + v1_1 - q2) | 0; // [-2q, 2q)
    a[j + 1] = e1 + ((e1 >> 31) & q2); // [0, 2q)
    const f1 = v1_0 - v1_1 + q2; // (0, 4q)
    a[j + 5] = (Math.imul(f1, w) - Math.imul((f1 * s) | 0, q)) | 0; // [0, 2q)
    let e2 = (v2_0 + v2_1 - q2) | 0; // [-2q, 2q)
    a[j + 2] = e2 + ((e2 >> 31) & q2); // [0, 2q)
    const f2 = v2_0 - v2_1 + q2; // (0, 4q)
    a[j + 6] = (Math.imul(f2, w) - Math.imul((f2 * s) | 0, q)) | 0; // [0, 2q)
    let e3 = (v3_0 + v3_1 - q2) | 0; // [-2q, 2q)
    a[j + 3] = e3 + ((e3 >> 31) & q2); // [0, 2q)
    const f3 = v3_0 - v3_1 + q2; // (0, 4q)
    a[j + 7] = (Math.imul(f3, w) - Math.imul((f3 * s) | 0, q)) | 0; // [0, 2q)
  }
}

/**
 * The last two layers of the inverse transform (gaps N/4 and N/2) as one
 * radix-4 pass, with N^-1 merged into the last layer and the outputs fully
 * reduced to [0, q):
 *   a[j] = (u0 + u2) / N, a[j + N/2] = (u0 - u2) psi^-(N/2) / N (and likewise for u1, u3).
 * Written out four times per loop step as {@link invRadix4PassX4}. Inputs in
 * [0, 2q); the last-layer operands u0 + u2 < 4q and u0 - u2 + 2q in (0, 4q) are
 * float-exact below 2^32; their Shoup products minus q are in [-q, q) (int32)
 * and one correction gives [0, q).
 */
function invLastPassX4(a: Uint32Array, t: NttTables, ni: number, nis: number, np: number, nps: number): void {
  const q = t.q | 0;
  const q2 = 2 * q; // < 2^31
  const g4 = t.N >>> 2;
  const g2 = 2 * g4;
  const g3 = 3 * g4;
  const wa = t.psiInvRev[2];
  const sa = t.psiInvRevShoup[2];
  const wb = t.psiInvRev[3];
  const sb = t.psiInvRevShoup[3];
  ni |= 0; // int32-marked (see scaleBlock in conversion.ts)
  np |= 0;
  for (let j = 0; j < g4; j += 4) {
    // group 0: positions j+0, j+g4+0, j+2g4+0, j+3g4+0
    const x0_0 = a[j + 0]; // [0, 2q)
    const x1_0 = a[j + g4 + 0];
    const x2_0 = a[j + g2 + 0];
    const x3_0 = a[j + g3 + 0];
    let u0_0 = (x0_0 + x1_0 - q2) | 0; // [-2q, 2q)
    u0_0 += (u0_0 >> 31) & q2; // [0, 2q)
    let d_0 = x0_0 - x1_0 + q2; // (0, 4q), float-exact
    const u1_0 = (Math.imul(d_0, wa) - Math.imul((d_0 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_0 = (x2_0 + x3_0 - q2) | 0;
    u2_0 += (u2_0 >> 31) & q2;
    d_0 = x2_0 - x3_0 + q2;
    const u3_0 = (Math.imul(d_0, wb) - Math.imul((d_0 * sb) | 0, q)) | 0;
    // last layer, N^-1 merged: sums in [0, 4q), differences + 2q in (0, 4q); Shoup minus q in [-q, q)
    d_0 = u0_0 + u2_0;
    let r0_0 = (Math.imul(d_0, ni) - Math.imul((d_0 * nis) | 0, q) - q) | 0;
    d_0 = u0_0 - u2_0 + q2;
    let r2_0 = (Math.imul(d_0, np) - Math.imul((d_0 * nps) | 0, q) - q) | 0;
    d_0 = u1_0 + u3_0;
    let r1_0 = (Math.imul(d_0, ni) - Math.imul((d_0 * nis) | 0, q) - q) | 0;
    d_0 = u1_0 - u3_0 + q2;
    let r3_0 = (Math.imul(d_0, np) - Math.imul((d_0 * nps) | 0, q) - q) | 0;
    // group 1: positions j+1, j+g4+1, j+2g4+1, j+3g4+1
    const x0_1 = a[j + 1]; // [0, 2q)
    const x1_1 = a[j + g4 + 1];
    const x2_1 = a[j + g2 + 1];
    const x3_1 = a[j + g3 + 1];
    let u0_1 = (x0_1 + x1_1 - q2) | 0; // [-2q, 2q)
    u0_1 += (u0_1 >> 31) & q2; // [0, 2q)
    let d_1 = x0_1 - x1_1 + q2; // (0, 4q), float-exact
    const u1_1 = (Math.imul(d_1, wa) - Math.imul((d_1 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_1 = (x2_1 + x3_1 - q2) | 0;
    u2_1 += (u2_1 >> 31) & q2;
    d_1 = x2_1 - x3_1 + q2;
    const u3_1 = (Math.imul(d_1, wb) - Math.imul((d_1 * sb) | 0, q)) | 0;
    // last layer, N^-1 merged: sums in [0, 4q), differences + 2q in (0, 4q); Shoup minus q in [-q, q)
    d_1 = u0_1 + u2_1;
    let r0_1 = (Math.imul(d_1, ni) - Math.imul((d_1 * nis) | 0, q) - q) | 0;
    d_1 = u0_1 - u2_1 + q2;
    let r2_1 = (Math.imul(d_1, np) - Math.imul((d_1 * nps) | 0, q) - q) | 0;
    d_1 = u1_1 + u3_1;
    let r1_1 = (Math.imul(d_1, ni) - Math.imul((d_1 * nis) | 0, q) - q) | 0;
    d_1 = u1_1 - u3_1 + q2;
    let r3_1 = (Math.imul(d_1, np) - Math.imul((d_1 * nps) | 0, q) - q) | 0;
    // group 2: positions j+2, j+g4+2, j+2g4+2, j+3g4+2
    const x0_2 = a[j + 2]; // [0, 2q)
    const x1_2 = a[j + g4 + 2];
    const x2_2 = a[j + g2 + 2];
    const x3_2 = a[j + g3 + 2];
    let u0_2 = (x0_2 + x1_2 - q2) | 0; // [-2q, 2q)
    u0_2 += (u0_2 >> 31) & q2; // [0, 2q)
    let d_2 = x0_2 - x1_2 + q2; // (0, 4q), float-exact
    const u1_2 = (Math.imul(d_2, wa) - Math.imul((d_2 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_2 = (x2_2 + x3_2 - q2) | 0;
    u2_2 += (u2_2 >> 31) & q2;
    d_2 = x2_2 - x3_2 + q2;
    const u3_2 = (Math.imul(d_2, wb) - Math.imul((d_2 * sb) | 0, q)) | 0;
    // last layer, N^-1 merged: sums in [0, 4q), differences + 2q in (0, 4q); Shoup minus q in [-q, q)
    d_2 = u0_2 + u2_2;
    let r0_2 = (Math.imul(d_2, ni) - Math.imul((d_2 * nis) | 0, q) - q) | 0;
    d_2 = u0_2 - u2_2 + q2;
    let r2_2 = (Math.imul(d_2, np) - Math.imul((d_2 * nps) | 0, q) - q) | 0;
    d_2 = u1_2 + u3_2;
    let r1_2 = (Math.imul(d_2, ni) - Math.imul((d_2 * nis) | 0, q) - q) | 0;
    d_2 = u1_2 - u3_2 + q2;
    let r3_2 = (Math.imul(d_2, np) - Math.imul((d_2 * nps) | 0, q) - q) | 0;
    // group 3: positions j+3, j+g4+3, j+2g4+3, j+3g4+3
    const x0_3 = a[j + 3]; // [0, 2q)
    const x1_3 = a[j + g4 + 3];
    const x2_3 = a[j + g2 + 3];
    const x3_3 = a[j + g3 + 3];
    let u0_3 = (x0_3 + x1_3 - q2) | 0; // [-2q, 2q)
    u0_3 += (u0_3 >> 31) & q2; // [0, 2q)
    let d_3 = x0_3 - x1_3 + q2; // (0, 4q), float-exact
    const u1_3 = (Math.imul(d_3, wa) - Math.imul((d_3 * sa) | 0, q)) | 0; // [0, 2q)
    let u2_3 = (x2_3 + x3_3 - q2) | 0;
    u2_3 += (u2_3 >> 31) & q2;
    d_3 = x2_3 - x3_3 + q2;
    const u3_3 = (Math.imul(d_3, wb) - Math.imul((d_3 * sb) | 0, q)) | 0;
    // last layer, N^-1 merged: sums in [0, 4q), differences + 2q in (0, 4q); Shoup minus q in [-q, q)
    d_3 = u0_3 + u2_3;
    let r0_3 = (Math.imul(d_3, ni) - Math.imul((d_3 * nis) | 0, q) - q) | 0;
    d_3 = u0_3 - u2_3 + q2;
    let r2_3 = (Math.imul(d_3, np) - Math.imul((d_3 * nps) | 0, q) - q) | 0;
    d_3 = u1_3 + u3_3;
    let r1_3 = (Math.imul(d_3, ni) - Math.imul((d_3 * nis) | 0, q) - q) | 0;
    d_3 = u1_3 - u3_3 + q2;
    let r3_3 = (Math.imul(d_3, np) - Math.imul((d_3 * nps) | 0, q) - q) | 0;
    a[j + 0] = r0_0 + ((r0_0 >> 31) & q); // [0, q)
    a[j + g4 + 0] = r1_0 + ((r1_0 >> 31) & q);
    a[j + g2 + 0] = r2_0 + ((r2_0 >> 31) & q);
    a[j + g3 + 0] = r3_0 + ((r3_0 >> 31) & q);
    a[j + 1] = r0_1 + ((r0_1 >> 31) & q); // [0, q)
    a[j + g4 + 1] = r1_1 + ((r1_1 >> 31) & q);
    a[j + g2 + 1] = r2_1 + ((r2_1 >> 31) & q);
    a[j + g3 + 1] = r3_1 + ((r3_1 >> 31) & q);
    a[j + 2] = r0_2 + ((r0_2 >> 31) & q); // [0, q)
    a[j + g4 + 2] = r1_2 + ((r1_2 >> 31) & q);
    a[j + g2 + 2] = r2_2 + ((r2_2 >> 31) & q);
    a[j + g3 + 2] = r3_2 + ((r3_2 >> 31) & q);
    a[j + 3] = r0_3 + ((r0_3 >> 31) & q); // [0, q)
    a[j + g4 + 3] = r1_3 + ((r1_3 >> 31) & q);
    a[j + g2 + 3] = r2_3 + ((r2_3 >> 31) & q);
    a[j + g3 + 3] = r3_3 + ((r3_3 >> 31) & q);
  }
}

/**
 * Inverse negacyclic NTT in place (including the factor 1/N), fully reduced output.
 * Structure (logN >= 5): the first three (odd logN) or four (even logN) layers
 * fused on blocks of 8 or 16 values, then radix-4 passes unrolled four times,
 * then the last two layers with N^-1 merged and the outputs reduced: the
 * mirror image of {@link forwardNtt}, with the same number of sweeps over the
 * array. logN = 4 takes {@link inverseNttSmall}. Measured (CPU time, same run):
 * 2.76-2.87 ns per butterfly before, 1.77-1.97 after, for logN 12 to 17, within
 * 10 % of the forward transform at every logN.
 * @param a N values in bit-reversed NTT order, each in [0, 2q)
 * @param t tables for q and N
 * @returns nothing; a holds the coefficients in [0, q)
 */
export function inverseNttLazyInput(a: Uint32Array, t: NttTables): void {
  inversePasses(a, t, t.nInv, t.nInvShoup, t.nInvPsi, t.nInvPsiShoup);
}

/**
 * The inverse transform times a constant: a <- c * INTT(a), at the cost of
 * {@link inverseNttLazyInput} (c joins the factor N^-1 already merged into the
 * last layer). Fast basis conversion starts by multiplying every residue by
 * [(Q/q_i)^-1]_{q_i}; after an inverse NTT that product is free this way
 * (key switching's ModUp and ModDown, src/rlwe/keyswitch.ts).
 * @param a N values in bit-reversed NTT order, each in [0, 2q)
 * @param t tables for q and N
 * @param c the factor, in [0, q)
 * @param cShoup the Shoup constant of c ({@link shoupConstant})
 * @returns nothing; a holds c times the inverse transform in coefficient order, each value in [0, q)
 * @throws nothing (the caller checks shapes; c must be a residue)
 */
export function inverseNttLazyInputTimes(a: Uint32Array, t: NttTables, c: number, cShoup: number): void {
  const q = t.q;
  // N^-1 c and N^-1 psi^-(N/2) c: two modular products per call, not per coefficient.
  const ni = mulConst(t.nInv, c, cShoup, q);
  const np = mulConst(t.nInvPsi, c, cShoup, q);
  inversePasses(a, t, ni, shoupConstant(ni, q), np, shoupConstant(np, q));
}

/** The inverse passes with the last layer's two factors given (N^-1 and N^-1 psi^-(N/2), times a constant). */
function inversePasses(a: Uint32Array, t: NttTables, ni: number, nis: number, np: number, nps: number): void {
  const N = t.N;
  const logN = t.logN;
  if (logN < 5) {
    inverseNttSmall(a, t, ni, nis, np, nps);
    return;
  }
  const q = t.q;
  const W = t.psiInvRev;
  const WS = t.psiInvRevShoup;
  let gap: number;
  if (logN % 2 === 0) {
    invFirstPasses16(a, W, WS, N, q);
    gap = 16;
  } else {
    invFirstPasses8(a, W, WS, N, q);
    gap = 8;
  }
  // An even number of layers is left, from gap to N/2: radix-4 passes, the last one with N^-1.
  const quarter = N >>> 2;
  for (; gap < quarter; gap <<= 2) invRadix4PassX4(a, W, WS, N / gap, gap, q);
  invLastPassX4(a, t, ni, nis, np, nps);
}

/**
 * Inverse negacyclic NTT in place, fully reduced output.
 * @param a N values in bit-reversed NTT order, each in [0, 2q)
 * @param t tables for q and N
 * @throws TypeError/RangeError if a is not a Uint32Array of length N
 */
export function inverseNtt(a: Uint32Array, t: NttTables): void {
  checkU32('inverseNtt', 'a', a, t.N);
  inverseNttLazyInput(a, t);
}

/**
 * Pointwise product out[i] = a[i] * b[i] mod q (NTT-domain multiplication).
 * out may alias a or b.
 * @param a values in [0, q)
 * @param b values in [0, q)
 * @param out destination, same length
 * @param q modulus < 2^30
 * @param qInv float64 1/q
 */
export function mulPointwise(a: Uint32Array, b: Uint32Array, out: Uint32Array, q: number, qInv: number): void {
  for (let i = 0, n = out.length; i < n; i++) {
    const x = a[i];
    const y = b[i];
    // Same reduction as mulMod: float estimate of x*y/q (< 2^30), remainder in [-q, 2q).
    const e = (x * y * qInv) | 0;
    let r = (Math.imul(x, y) - Math.imul(e, q)) | 0;
    r += (r >> 31) & q;
    r = (r - q) | 0;
    out[i] = r + ((r >> 31) & q);
  }
}

/**
 * Negacyclic product of two coefficient-form polynomials through the NTT:
 * c = a * b mod (X^N + 1, q). Allocates two scratch arrays; for hot paths
 * keep operands in NTT form and use {@link mulPointwise}.
 * @param a N coefficients in [0, q)
 * @param b N coefficients in [0, q)
 * @param t tables for q and N
 * @returns a new Uint32Array with the product's coefficients in [0, q)
 * @throws TypeError/RangeError on arrays of the wrong type or length
 */
export function negacyclicMul(a: Uint32Array, b: Uint32Array, t: NttTables): Uint32Array {
  checkU32('negacyclicMul', 'a', a, t.N);
  checkU32('negacyclicMul', 'b', b, t.N);
  const fa = a.slice();
  const fb = b.slice();
  forwardNtt(fa, t);
  forwardNtt(fb, t);
  mulPointwise(fa, fb, fa, t.q, t.qInv);
  inverseNttLazyInput(fa, t);
  return fa;
}
