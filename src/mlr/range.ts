/**
 * The range of feature values the encrypted training circuit can take,
 * decided before anything is encrypted.
 *
 * The circuit's sigmoid is the degree-3 fit sigma3(z) = C0 + C1 z + C3 z^3 of
 * Chiang (2023), good on about [-8, 8] ({@link SIGMOID_CLIP}; src/mlr/plain.ts)
 * and divergent beyond (not monotonic past |z| ~ 9.6). At the first iteration
 * every weight is w0 (0.0128 in the paper), so the score of row r is
 * z_r = w0 (1 + sum_j x_rj) and |z_r| <= w0 (1 + sum_j |x_rj|). Data whose
 * rows leave [-8, 8] already there drive the cubic, and with it the
 * ciphertexts' values, far past the range the scales and moduli were chosen
 * for (issue 15: one feature of 1e4 gave weights of 6.9e3 in the plaintext
 * mirror and an encrypted model unrelated to it, with no error). Such data is
 * refused; the remedy is to scale the features down (for example, divide them
 * by a power of two) before encrypting. The bundled REGNET_X_400MF features
 * reach w0 (1 + sum |x|) = 4.05 (row sums up to 316.7), MNIST pixels in [0, 1]
 * at most w0 x 785 = 10.05 only for an all-white image.
 *
 * @module
 */

import { DataError } from './data.js';
import { type Matrix, SIGMOID_CLIP } from './plain.js';

/** The paper's initial weight (Chiang 2023), as DataOwner.encryptDataset uses by default. */
export const DEFAULT_W0 = 0.0128;

/**
 * The largest |w0| (1 + sum_j |x_rj|) over the rows of a design matrix: a
 * bound on the scores the first iteration feeds the sigmoid.
 * @param X the n x (d+1) design (column 0 the bias)
 * @param w0 the initial weight
 * @returns the bound, and the 0-based row reaching it
 * @throws nothing (X is a checked Matrix)
 */
export function initialScoreBound(X: Matrix, w0: number = DEFAULT_W0): { bound: number; row: number } {
  let bound = 0;
  let row = 0;
  for (let r = 0; r < X.rows; r++) {
    let s = 0;
    for (let c = 0; c < X.cols; c++) s += Math.abs(X.data[r * X.cols + c]);
    const b = Math.abs(w0) * s;
    if (!(b <= bound)) {
      bound = b;
      row = r;
    }
  }
  return { bound, row };
}

/**
 * Refuse a design whose first scores leave the sigmoid's interval (see the
 * module documentation): every row must have |w0| (1 + sum_j |x_rj|) <= 8.
 * @param X the n x (d+1) design (bias column of ones first)
 * @param where names the rows for the message: the source and the 1-based line of row 0
 * @param w0 the initial weight (default {@link DEFAULT_W0})
 * @returns nothing
 * @throws DataError (INVALID_DATA) naming the first row that reaches the largest bound, the bound and the remedy
 */
export function checkFeatureRange(X: Matrix, where: { source: string; firstLine: number }, w0: number = DEFAULT_W0): void {
  const { bound, row } = initialScoreBound(X, w0);
  if (bound <= SIGMOID_CLIP) return;
  const sum = bound / Math.abs(w0) - 1;
  const limit = SIGMOID_CLIP / Math.abs(w0) - 1;
  throw new DataError(
    where.source,
    where.firstLine + row,
    `the features' absolute values add up to ${sum.toPrecision(4)}; the encrypted sigmoid (a degree-3 fit on [-${SIGMOID_CLIP}, ${SIGMOID_CLIP}]) takes at most ${limit.toFixed(0)} per row at w0 = ${w0} (scores w0 (1 + sum |x|) <= ${SIGMOID_CLIP}): scale the features down, e.g. divide them by ${2 ** Math.ceil(Math.log2((sum + 1) / (limit + 1)))}`,
  );
}
