/**
 * Precision statistics of decrypted values against expected ones, as Lattigo
 * prints them (`ckks.GetPrecisionStats`): for the real and the imaginary parts
 * separately, the minimum, mean and median bits of precision over the slots,
 * where the bits of an error e are -log2 |e|. The minimum comes from the
 * largest error, the mean from the mean absolute error and the median from
 * the median absolute error (bits of the statistic of the errors, not
 * statistics of the bits, as in Lattigo). An exact zero error counts as `cap`
 * bits (default 53, the float64 mantissa), so exact slots neither yield
 * Infinity nor dominate the mean.
 *
 * @module
 */

import { CkksError } from '../ckks/index.js';

/** Statistics of one part (real or imaginary). */
export interface PartPrecision {
  /** Bits of the largest error (the worst slot). */
  minBits: number;
  /** Bits of the mean absolute error. */
  meanBits: number;
  /** Bits of the median absolute error. */
  medianBits: number;
  /** Bits of the smallest error (the best slot). */
  maxBits: number;
  /** Largest absolute error. */
  maxError: number;
  /** Mean absolute error. */
  meanError: number;
}

/** Statistics of a complex vector. */
export interface PrecisionStats {
  real: PartPrecision;
  imag: PartPrecision;
  /** Number of slots compared. */
  slots: number;
}

/** A vector given as reals or as {re, im}. */
export type VectorLike = ArrayLike<number> | { readonly re: ArrayLike<number>; readonly im: ArrayLike<number> };

/** Options of {@link precisionStats}. */
export interface PrecisionOptions {
  /** Bits given to an exact (zero) error, and the most any figure reports (default 53). */
  cap?: number;
  /** Number of slots to compare (default: the expected vector's length). */
  slots?: number;
}

function parts(v: VectorLike): [ArrayLike<number>, ArrayLike<number> | undefined] {
  if (typeof v === 'object' && v !== null && 're' in v && 'im' in v && !ArrayBuffer.isView(v)) return [v.re, v.im];
  return [v as ArrayLike<number>, undefined];
}

/**
 * Bits of precision of an absolute error: -log2 |e|, at most `cap`; NaN gives -Infinity.
 * @param err the error
 * @param cap the largest value returned (default 53)
 * @returns the bits
 */
export function bitsOfError(err: number, cap = 53): number {
  if (Number.isNaN(err)) return -Infinity;
  const a = Math.abs(err);
  return a === 0 ? cap : Math.min(cap, -Math.log2(a));
}

function partStats(got: ArrayLike<number> | undefined, want: ArrayLike<number> | undefined, n: number, cap: number): PartPrecision {
  const err = new Float64Array(n);
  let sum = 0;
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const g = got === undefined || i >= got.length ? 0 : got[i];
    const w = want === undefined || i >= want.length ? 0 : want[i];
    const e = Math.abs(g - w);
    err[i] = e;
    sum += e;
    if (!(e <= max)) max = e;
    if (e < min) min = e;
  }
  err.sort();
  const median = n === 0 ? 0 : n % 2 === 1 ? err[n >> 1] : (err[n / 2 - 1] + err[n / 2]) / 2;
  const mean = n === 0 ? 0 : sum / n;
  return {
    minBits: bitsOfError(max, cap),
    meanBits: bitsOfError(mean, cap),
    medianBits: bitsOfError(median, cap),
    maxBits: bitsOfError(n === 0 ? 0 : min, cap),
    maxError: max,
    meanError: mean,
  };
}

/**
 * Precision of `got` against `want`, real and imaginary parts separately
 * (a real vector has a zero imaginary part).
 * @param got decrypted (decoded) values
 * @param want expected values
 * @param opts cap and slot count
 * @returns the statistics
 * @throws CkksError (INVALID_ARGUMENT) if got has fewer values than compared, or cap is not positive
 */
export function precisionStats(got: VectorLike, want: VectorLike, opts: PrecisionOptions = {}): PrecisionStats {
  const [gr, gi] = parts(got);
  const [wr, wi] = parts(want);
  const n = opts.slots ?? wr.length;
  const cap = opts.cap ?? 53;
  if (!(cap > 0)) throw new CkksError('INVALID_ARGUMENT', 'precisionStats', `cap must be positive, got ${cap}`);
  if (gr.length < n) throw new CkksError('INVALID_ARGUMENT', 'precisionStats', `got ${gr.length} values, expected at least ${n}`);
  return { real: partStats(gr, wr, n, cap), imag: partStats(gi, wi, n, cap), slots: n };
}

/**
 * A short table in Lattigo's layout (MIN / AVG / MED bits, real and imaginary).
 * @param s the statistics
 * @returns a multi-line string
 */
export function formatPrecision(s: PrecisionStats): string {
  const f = (x: number): string => x.toFixed(2).padStart(6);
  return [
    `precision over ${s.slots} slots (bits)   Real    Imag`,
    `MIN                              ${f(s.real.minBits)}  ${f(s.imag.minBits)}`,
    `AVG                              ${f(s.real.meanBits)}  ${f(s.imag.meanBits)}`,
    `MED                              ${f(s.real.medianBits)}  ${f(s.imag.medianBits)}`,
  ].join('\n');
}
