/**
 * Shared harness of the encoding tests: float64 references of the matrix
 * products, encryption of matrices in a layout, and the read-back of results
 * (decrypt + decode, then compare with the reference in bits).
 *
 * Precision thresholds (bits = -log2(max |error|), Lattigo style), at logN 12,
 * scale 2^30, values uniform in [-1, 1].
 *
 * One operation. A rescale or a key switching leaves in each slot an error of
 * RMS about 2^-20.5; the maximum over 2048 slots is heavy-tailed (the
 * rounding term r_1(zeta) s(zeta) is a product of two Gaussians), ~6.5x the
 * RMS: ~17.5 bits measured, asserted >= 15 by test/ckks/helpers.ts
 * (THRESHOLDS.PN12QP180_INSECURE.rot / .mul, typical minus 2 bits).
 *
 * Sums. Every output of these operations is a sum of T terms that each carry
 * such an independent error: a rotate-and-add over T slots sums the rescale
 * error of T slots, and the key-switching error of step i over T / 2^i slots
 * (variance about T (s_rescale^2 + s_ks^2)); the products sum T products
 * whose inputs carry fresh errors. The standard deviation grows as sqrt(T):
 * half a bit lost per doubling of T. The sum is close to Gaussian, so its
 * maximum over the slots is ~4 standard deviations: about 2^-(20.5 - 0.5 log2 T
 * - 2) = 18.5 - 0.5 log2 T bits, and measured: 17.3 - 21 (median ~19.5) for
 * bits + 0.5 log2 T over 160 random shapes of both products at full slots
 * (sparse slots are 1.5 - 2 bits better). The threshold keeps the Lattigo-style
 * margin of 2 bits below the worst of these and never exceeds the one-operation
 * threshold:
 *
 *   threshold(T) = min(15, 15.5 - 0.5 log2 T)     (rounded down to half a bit)
 *
 * T = the number of slots that feed one output:
 *  - Z = A B^T: the padded row, parts * width (the dot product's terms and the
 *    slots summed by the rotate-and-add within the row);
 *  - G = E^T X: every slot of X's team, teams * slots: E's column is spread
 *    over the row (replicateColumn0 sums the error of the width slots of the
 *    row, every slot of E carries one), then weighted by X and summed over all
 *    rows (measured: bits + 0.5 log2 (teams * slots) is 18.9 - 22, while
 *    teams * rowsPerCt alone would leave 1.5 bits unexplained at width 64);
 *  - sumWithinRows / replicateColumn0: the width; sumOverRows: slots / width.
 * At T = 2048 (a sum over every slot of a logN 12 ciphertext) this gives 10
 * bits; at T = 6144 (three ciphertexts) 9. Any real bug (a wrong slot, step,
 * mask, scale or key) gives about 0 bits or worse: the values are O(1) to O(10).
 */

import type { Ciphertext, Plaintext } from '../../src/ckks/types.js';
import { type MatrixLayout, tileRow } from '../../src/encoding/index.js';
import { type Ctx, bitsOf, maxErr, rng } from '../ckks/helpers.js';

export const PRESET = 'PN12QP180_INSECURE';

/** Threshold (bits) of one operation at logN 12 (rescale or key switching, test/ckks/helpers.ts). */
export const ONE_OP_BITS = 15;

/** Threshold (bits) for outputs fed by `terms` noisy slots: min(15, 15.5 - 0.5 log2 terms), rounded down to half a bit. */
export function sumThreshold(terms: number): number {
  return Math.floor(2 * Math.min(ONE_OP_BITS, 15.5 - 0.5 * Math.log2(Math.max(1, terms)))) / 2;
}

/**
 * Threshold (bits) of a weighted sum of inputs that each carry an independent
 * error below 2^-inBits (inBits keeps a 2-bit margin above the typical error,
 * so independent errors add up as the l2 norm of the weights), put through an
 * operation of `opBits` bits: -log2(weightNorm 2^-inBits + 2^-opBits), rounded
 * down to half a bit.
 * @param weightNorm the largest l2 norm of the weights of one output (sqrt(n) for n weights of at most 1)
 */
export function composedThreshold(inBits: number, weightNorm: number, opBits: number): number {
  return Math.floor(2 * -Math.log2(weightNorm * 2 ** -inBits + 2 ** -opBits)) / 2;
}

/** A rows x cols matrix, row-major, seeded entries uniform in [-1, 1). */
export function randMatrix(rows: number, cols: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: rows * cols }, () => r());
}

/** Z[r, j] = sum_c A[r, c] B[j, c]: rows(A) x rows(B), row-major. */
export function refABt(A: ArrayLike<number>, rows: number, cols: number, B: ArrayLike<number>, k: number): Float64Array {
  const Z = new Float64Array(rows * k);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += A[r * cols + c] * B[j * cols + c];
      Z[r * k + j] = s;
    }
  }
  return Z;
}

/** G[j, c] = sum_r E[r, j] X[r, c]: k x cols, row-major (E is rows x k). */
export function refAtB(E: ArrayLike<number>, k: number, X: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const G = new Float64Array(k * cols);
  for (let j = 0; j < k; j++) {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let r = 0; r < rows; r++) s += E[r * k + j] * X[r * cols + c];
      G[j * cols + c] = s;
    }
  }
  return G;
}

/** Column j of a row-major matrix with k columns. */
export function column(M: ArrayLike<number>, rows: number, k: number, j: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, r) => M[r * k + j]);
}

/** Row j of a row-major matrix with `cols` columns. */
export function row(M: ArrayLike<number>, cols: number, j: number): Float64Array {
  return Float64Array.from({ length: cols }, (_, c) => M[j * cols + c]);
}

/** Encrypt a matrix in a layout (one ciphertext per layout vector, slots = layout.slots). */
export function encryptLayout(ctx: Ctx, layout: MatrixLayout, m: ArrayLike<number>, level = ctx.params.maxLevel): Ciphertext[] {
  return layout.pack(m).map((v) => ctx.sym.encrypt(ctx.encoder.encode(v, level, undefined, layout.slots)));
}

/** Encode (without encrypting) a matrix in a layout. */
export function encodeLayout(ctx: Ctx, layout: MatrixLayout, m: ArrayLike<number>, level = ctx.params.maxLevel): Plaintext[] {
  return layout.pack(m).map((v) => ctx.encoder.encode(v, level, undefined, layout.slots));
}

/** The tiled slot vectors of a row vector of length layout.cols, one per column part. */
export function tiledParts(layout: MatrixLayout, v: ArrayLike<number>): Float64Array[] {
  const w = layout.width;
  return Array.from({ length: layout.parts }, (_, p) => {
    const seg = Array.from(v).slice(p * w, Math.min(layout.cols, (p + 1) * w));
    return tileRow(seg, w, layout.slots);
  });
}

/** A column vector e (length layout.rows) at column 0 of each row, zeros elsewhere, one vector per team member. */
export function columnVectors(layout: MatrixLayout, e: ArrayLike<number>): Float64Array[] {
  const out = Array.from({ length: layout.teams }, () => new Float64Array(layout.slots));
  for (let r = 0; r < layout.rows; r++) {
    const { ct, slot } = layout.locate(r, 0);
    out[ct][slot] = e[r]; // part 0: ct index = team
  }
  return out;
}

/** Decrypt and decode the complex slots of a ciphertext. */
export function decryptComplex(ctx: Ctx, ct: Ciphertext): { re: Float64Array; im: Float64Array } {
  return ctx.encoder.decodeComplex(ctx.dec.decrypt(ct));
}

/**
 * Read Z back from productABt's output for one B row (or pair): the value at
 * slot (r mod R) * width of team member floor(r / R), real and imaginary parts.
 */
export function readColumn0(ctx: Ctx, layout: MatrixLayout, cts: readonly Ciphertext[]): { re: Float64Array; im: Float64Array } {
  const dec = cts.map((c) => decryptComplex(ctx, c));
  const re = new Float64Array(layout.rows);
  const im = new Float64Array(layout.rows);
  for (let r = 0; r < layout.rows; r++) {
    const { ct, slot } = layout.locate(r, 0);
    re[r] = dec[ct].re[slot];
    im[r] = dec[ct].im[slot];
  }
  return { re, im };
}

/** Precision in bits of got against want. */
export function bits(got: ArrayLike<number>, want: ArrayLike<number>): number {
  return bitsOf(maxErr(got, want));
}

/** Precision in bits of a complex result against (wantRe, wantIm). */
export function complexBits(got: { re: ArrayLike<number>; im: ArrayLike<number> }, wantRe: ArrayLike<number>, wantIm: ArrayLike<number>): number {
  return bitsOf(Math.max(maxErr(got.re, wantRe), maxErr(got.im, wantIm)));
}

/** Number of terms in one output of Z = A B^T on this layout (padded row length). */
export function termsABt(layout: MatrixLayout): number {
  return layout.parts * layout.width;
}

/** Number of noisy slots that feed one output of G = E^T X on this layout (every slot of a team). */
export function termsAtB(layout: MatrixLayout): number {
  return layout.teams * layout.slots;
}
