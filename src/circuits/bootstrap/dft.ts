/**
 * The homomorphic DFT of bootstrapping: the encoder's special FFT (decoding,
 * z = V w) and its inverse as products of sparse matrices given by their
 * diagonals, with the FFT's butterfly stages merged into a chosen number of
 * levels (Cheon, Han, Kim, Kim and Song, "Bootstrapping for Approximate
 * Homomorphic Encryption", Eurocrypt 2018, section 4.2; Chen, Chillotti and
 * Song, "Improved Bootstrapping for Approximate Homomorphic Encryption",
 * Eurocrypt 2019, section 3; the level/rotation trade-off of Bossuat, Mouchet,
 * Troncoso-Pastoriza and Hubaux, Eurocrypt 2021, section 5).
 *
 * Conventions (src/ckks/encoder.ts): with n slots, xi = exp(2 pi i / 4n) and
 * z_j = sum_i w_i xi^(i 5^j). The FFT is V = S_(log n) ... S_1 BR (bit
 * reversal BR, then Cooley-Tukey stages S_t of half-block 2^(t-1)) and
 * V^-1 = (1/n) BR G_1 ... G_(log n) (Gentleman-Sande stages with conjugate
 * twiddles). The bit reversals are dropped on both sides, as Lattigo does:
 * CoeffsToSlots computes BR V^-1 and SlotsToCoeffs V BR, and the slot-wise
 * EvalMod between them commutes with the permutation.
 *
 * Matrices act on vectors of `size` entries (n, or 2n for the sparse packing
 * of real and imaginary parts side by side); a matrix is a map from a
 * diagonal index d in [0, size) to the vector diag_d[i] = M[i][(i + d) mod size].
 *
 * @module
 */

import { CkksError } from '../../ckks/index.js';

/** A complex diagonal. */
export interface ComplexDiagonal {
  re: Float64Array;
  im: Float64Array;
}

/** A matrix by its nonzero diagonals, keyed by index in [0, size). */
export type DiagonalMatrix = Map<number, ComplexDiagonal>;

function diag(m: DiagonalMatrix, d: number, size: number): ComplexDiagonal {
  let v = m.get(d);
  if (v === undefined) {
    v = { re: new Float64Array(size), im: new Float64Array(size) };
    m.set(d, v);
  }
  return v;
}

/** Add the entry value at (row, col) of a size x size matrix. */
function addEntry(m: DiagonalMatrix, size: number, row: number, col: number, re: number, im: number): void {
  const d = (((col - row) % size) + size) % size;
  const v = diag(m, d, size);
  v.re[row] += re;
  v.im[row] += im;
}

/**
 * The product A B of two matrices by diagonals:
 * (AB)_(d+e)[i] += a_d[i] b_e[(i + d) mod size].
 * @param a left factor
 * @param b right factor
 * @param size vector length
 * @returns the product (entries below 2^-60 of the largest are dropped)
 * @throws nothing
 */
export function composeDiagonals(a: DiagonalMatrix, b: DiagonalMatrix, size: number): DiagonalMatrix {
  const out: DiagonalMatrix = new Map();
  for (const [d, ad] of a) {
    for (const [e, be] of b) {
      const v = diag(out, (d + e) % size, size);
      for (let i = 0; i < size; i++) {
        const k = (i + d) % size;
        const ar = ad.re[i];
        const ai = ad.im[i];
        const br = be.re[k];
        const bi = be.im[k];
        v.re[i] += ar * br - ai * bi;
        v.im[i] += ar * bi + ai * br;
      }
    }
  }
  for (const [d, v] of out) {
    let nz = false;
    for (let i = 0; i < size && !nz; i++) nz = v.re[i] !== 0 || v.im[i] !== 0;
    if (!nz) out.delete(d);
  }
  return out;
}

/** exp(2 pi i (5^j mod 4 len) / (4 len)) for j < len/2. */
function twiddles(len: number, conj: boolean): ComplexDiagonal {
  const h = len >> 1;
  const re = new Float64Array(h);
  const im = new Float64Array(h);
  const m = 4 * len;
  let g = 1;
  for (let j = 0; j < h; j++) {
    const a = (2 * Math.PI * g) / m;
    re[j] = Math.cos(a);
    im[j] = conj ? -Math.sin(a) : Math.sin(a);
    g = (g * 5) % m;
  }
  return { re, im };
}

/**
 * One butterfly stage of the special FFT on n points (block length len),
 * repeated on every block of n entries of a size-entry vector (size = n or 2n).
 * Decoding (Cooley-Tukey): y_k = x_k + w x_l, y_l = x_k - w x_l; inverse
 * (Gentleman-Sande, conjugate twiddles): y_k = x_k + x_l, y_l = w (x_k - x_l);
 * l = k + len/2.
 * @param n FFT length (power of two)
 * @param size vector length, a multiple of n
 * @param len block length, a power of two in [2, n]
 * @param inverse the inverse stage
 * @returns the stage's diagonals (0, len/2 and size - len/2)
 * @throws nothing
 */
export function fftStage(n: number, size: number, len: number, inverse: boolean): DiagonalMatrix {
  const m: DiagonalMatrix = new Map();
  const h = len >> 1;
  const w = twiddles(len, inverse);
  for (let base = 0; base < size; base += n) {
    for (let i = base; i < base + n; i += len) {
      for (let j = 0; j < h; j++) {
        const k = i + j;
        const l = k + h;
        if (inverse) {
          addEntry(m, size, k, k, 1, 0);
          addEntry(m, size, k, l, 1, 0);
          addEntry(m, size, l, k, w.re[j], w.im[j]);
          addEntry(m, size, l, l, -w.re[j], -w.im[j]);
        } else {
          addEntry(m, size, k, k, 1, 0);
          addEntry(m, size, k, l, w.re[j], w.im[j]);
          addEntry(m, size, l, k, 1, 0);
          addEntry(m, size, l, l, -w.re[j], -w.im[j]);
        }
      }
    }
  }
  return m;
}

/** A diagonal matrix (only diagonal 0) with the given entries. */
function diagonalOnly(re: Float64Array, im: Float64Array): DiagonalMatrix {
  return new Map([[0, { re, im }]]);
}

/**
 * Split `count` stages into `groups` consecutive runs as evenly as possible
 * (the larger runs first).
 * @param count number of stages
 * @param groups number of runs, in [1, count]
 * @returns the run lengths
 * @throws nothing
 */
export function splitStages(count: number, groups: number): number[] {
  const out: number[] = [];
  let left = count;
  for (let g = groups; g > 0; g--) {
    const k = Math.ceil(left / g);
    out.push(k);
    left -= k;
  }
  return out;
}

function log2Exact(op: string, n: number): number {
  if (!Number.isInteger(n) || n < 2 || (n & (n - 1)) !== 0) throw new CkksError('INVALID_ARGUMENT', op, `n must be a power of two >= 2, got ${n}`);
  return Math.round(Math.log2(n));
}

function checkLevels(op: string, levels: number, logn: number): void {
  if (!Number.isInteger(levels) || levels < 1 || levels > logn) throw new CkksError('INVALID_ARGUMENT', op, `levels must be an integer in [1, log2(n) = ${logn}], got ${levels}`);
}

/**
 * The CoeffsToSlots matrices, in the order they are applied: BR V^-1 scaled
 * by `factor`, on n slots (full packing) or, with `sparse`, on 2n slots as
 * blockdiag(factor BR V^-1 / 2, factor BR V^-1 / (2i)) for an input
 * replicated with period n (so that y + conj(y) holds the real parts in the
 * first n slots and the imaginary parts in the next n; Chen, Chillotti and
 * Song 2019, section 3.2).
 * @param n number of complex slots of the message
 * @param levels number of matrices (levels), in [1, log2 n]
 * @param factor a real factor folded into the first matrix
 * @param sparse the 2n-slot form
 * @returns the matrices, first applied first
 * @throws CkksError (INVALID_ARGUMENT) on a bad n or levels
 */
export function coeffsToSlotsMatrices(n: number, levels: number, factor: number, sparse: boolean): DiagonalMatrix[] {
  const op = 'coeffsToSlotsMatrices';
  const logn = log2Exact(op, n);
  checkLevels(op, levels, logn);
  const size = sparse ? 2 * n : n;
  const stages: DiagonalMatrix[] = [];
  for (let len = n; len >= 2; len >>= 1) stages.push(fftStage(n, size, len, true));
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    if (!sparse) re[i] = factor / n;
    else if (i < n) re[i] = factor / (2 * n);
    else im[i] = -factor / (2 * n); // 1/(2i) = -i/2
  }
  const out: DiagonalMatrix[] = [];
  let s = 0;
  for (const k of splitStages(logn, levels)) {
    let m = stages[s];
    for (let t = 1; t < k; t++) m = composeDiagonals(stages[s + t], m, size);
    if (out.length === 0) m = composeDiagonals(diagonalOnly(re, im), m, size);
    out.push(m);
    s += k;
  }
  return out;
}

/**
 * The SlotsToCoeffs matrices, in the order they are applied: V BR on n slots
 * (full packing) or, with `sparse`, on 2n real slots holding [a, b]:
 * the n-periodic V BR (a + i b) (the merge [[I, iI], [I, iI]] folded into the
 * first matrix).
 * @param n number of complex slots of the message
 * @param levels number of matrices (levels), in [1, log2 n]
 * @param sparse the 2n-slot form
 * @returns the matrices, first applied first
 * @throws CkksError (INVALID_ARGUMENT) on a bad n or levels
 */
export function slotsToCoeffsMatrices(n: number, levels: number, sparse: boolean): DiagonalMatrix[] {
  const op = 'slotsToCoeffsMatrices';
  const logn = log2Exact(op, n);
  checkLevels(op, levels, logn);
  const size = sparse ? 2 * n : n;
  const stages: DiagonalMatrix[] = [];
  for (let len = 2; len <= n; len <<= 1) stages.push(fftStage(n, size, len, false));
  const out: DiagonalMatrix[] = [];
  let s = 0;
  for (const k of splitStages(logn, levels)) {
    let m = stages[s];
    for (let t = 1; t < k; t++) m = composeDiagonals(stages[s + t], m, size);
    if (out.length === 0 && sparse) {
      const merge: DiagonalMatrix = new Map();
      for (let r = 0; r < size; r++) {
        const c = r < n ? r : r - n;
        addEntry(merge, size, r, c, 1, 0);
        addEntry(merge, size, r, c + n, 0, 1);
      }
      m = composeDiagonals(m, merge, size);
    }
    out.push(m);
    s += k;
  }
  return out;
}
