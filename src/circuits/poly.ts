/**
 * Polynomials for homomorphic evaluation: in the monomial basis
 * (sum c_i x^i) or in the Chebyshev basis on an interval [a, b]
 * (sum c_i T_i(y), y = (2x - a - b) / (b - a)), with their float64 value
 * (Horner, Clenshaw), Chebyshev interpolation of a JavaScript function, and
 * the division by a power T_n / x^n that the baby-step giant-step evaluation
 * recurses on (Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, "Efficient
 * Bootstrapping for Approximate Homomorphic Encryption with Non-Sparse Keys",
 * Eurocrypt 2021, section 4.2 and Algorithm 2).
 *
 * @module
 */

import { CkksError } from '../ckks/index.js';

/** The basis a polynomial's coefficients refer to. */
export type PolynomialBasis = 'monomial' | 'chebyshev';

/** Options of {@link Polynomial}. */
export interface PolynomialOptions {
  /** Interval [a, b] of a Chebyshev series (default [-1, 1]); ignored for monomials. */
  interval?: readonly [number, number];
}

/**
 * A real polynomial, immutable. Coefficients are stored lowest degree first;
 * trailing zeros do not count towards the degree, and exact zeros are terms the
 * evaluation skips (so odd and even polynomials cost less).
 */
export class Polynomial {
  /** The basis of {@link coeffs}. */
  readonly basis: PolynomialBasis;
  /** Coefficients c_0, c_1, ... (length degree + 1). */
  readonly coeffs: Float64Array;
  /** Lower end of the interval (-1 for monomials). */
  readonly a: number;
  /** Upper end of the interval (1 for monomials). */
  readonly b: number;

  /**
   * @param basis 'monomial' or 'chebyshev'
   * @param coeffs coefficients, lowest degree first (at least one; trailing zeros are dropped)
   * @param opts the interval of a Chebyshev series
   * @throws CkksError (INVALID_ARGUMENT) on an unknown basis, no coefficients, a non-finite
   *   coefficient or an interval that is not finite with a < b
   */
  constructor(basis: PolynomialBasis, coeffs: ArrayLike<number>, opts: PolynomialOptions = {}) {
    const op = 'Polynomial';
    if (basis !== 'monomial' && basis !== 'chebyshev') throw new CkksError('INVALID_ARGUMENT', op, `basis must be 'monomial' or 'chebyshev', got ${String(basis)}`);
    if (coeffs === null || typeof coeffs !== 'object' || typeof coeffs.length !== 'number' || coeffs.length === 0) {
      throw new CkksError('INVALID_ARGUMENT', op, 'coeffs must be a non-empty array of numbers');
    }
    let deg = 0;
    for (let i = 0; i < coeffs.length; i++) {
      const c = coeffs[i];
      if (typeof c !== 'number' || !Number.isFinite(c)) throw new CkksError('INVALID_ARGUMENT', op, `coeffs[${i}] must be a finite number, got ${String(c)}`);
      if (c !== 0) deg = i;
    }
    this.basis = basis;
    this.coeffs = Float64Array.from({ length: deg + 1 }, (_, i) => coeffs[i]);
    const [a, b] = basis === 'chebyshev' ? (opts.interval ?? [-1, 1]) : [-1, 1];
    if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) throw new CkksError('INVALID_ARGUMENT', op, `the interval must be finite with a < b, got [${a}, ${b}]`);
    this.a = a;
    this.b = b;
  }

  /** Degree: index of the highest nonzero coefficient (0 for a constant). @returns the degree */
  get degree(): number {
    return this.coeffs.length - 1;
  }

  /**
   * Whether the series needs the change of variable y = (2x - a - b) / (b - a)
   * (a Chebyshev series off [-1, 1]); it costs one level in the evaluation.
   * @returns true off [-1, 1]
   */
  get needsChangeOfVariable(): boolean {
    return this.basis === 'chebyshev' && (this.a !== -1 || this.b !== 1);
  }

  /**
   * The value at x in float64 (Horner for monomials; Clenshaw's recurrence
   * for Chebyshev series, after the change of variable).
   * @param x the point
   * @returns p(x)
   */
  evaluate(x: number): number {
    const c = this.coeffs;
    const d = c.length - 1;
    if (this.basis === 'monomial') {
      let r = c[d];
      for (let i = d - 1; i >= 0; i--) r = r * x + c[i];
      return r;
    }
    const y = (2 * x - this.a - this.b) / (this.b - this.a);
    let b1 = 0;
    let b2 = 0;
    for (let i = d; i >= 1; i--) {
      const t = 2 * y * b1 - b2 + c[i];
      b2 = b1;
      b1 = t;
    }
    return y * b1 - b2 + c[0];
  }

  /**
   * The values at many points.
   * @param xs points
   * @returns p(x) for each x
   */
  evaluateAll(xs: ArrayLike<number>): Float64Array {
    const out = new Float64Array(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = this.evaluate(xs[i]);
    return out;
  }

  /**
   * Whether every point lies in [a, b] up to a relative tolerance of the
   * width (Chebyshev series; monomials accept every finite point).
   * @param xs points
   * @param tolerance relative tolerance (default 2^-20)
   * @returns the index of the first point outside, or -1
   */
  firstOutside(xs: ArrayLike<number>, tolerance = 2 ** -20): number {
    const slack = tolerance * (this.b - this.a);
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (!Number.isFinite(x)) return i;
      if (this.basis === 'chebyshev' && (x < this.a - slack || x > this.b + slack)) return i;
    }
    return -1;
  }
}

/**
 * Division by the n-th basis element: p = q * B_n + r with deg r < n, where
 * B_n = T_n (Chebyshev, using 2 T_n T_j = T_{n+j} + T_{n-j}) or x^n. Requires
 * deg p < 2n, which the evaluation guarantees (n is the largest power of two
 * <= deg p). Parity is kept when n is even.
 * @param c coefficients of p (length deg p + 1, deg p >= n)
 * @param n the divisor's index
 * @param basis the basis
 * @returns [q, r] as coefficient arrays (q of length deg p - n + 1, r of length n)
 * @throws CkksError (OUT_OF_RANGE) unless n <= deg p < 2n
 */
export function splitCoefficients(c: Float64Array, n: number, basis: PolynomialBasis): [Float64Array, Float64Array] {
  const d = c.length - 1;
  if (!(n <= d && d < 2 * n)) throw new CkksError('OUT_OF_RANGE', 'circuits.splitCoefficients', `need n <= degree < 2n, got n = ${n}, degree ${d}`);
  const q = new Float64Array(d - n + 1);
  const r = c.slice(0, n);
  if (basis === 'monomial') {
    for (let j = 0; j <= d - n; j++) q[j] = c[n + j];
    return [q, r];
  }
  q[0] = c[n];
  for (let j = 1; j <= d - n; j++) {
    q[j] = 2 * c[n + j];
    r[n - j] -= c[n + j];
  }
  return [q, r];
}

/**
 * The Chebyshev nodes of the first kind mapped onto [a, b]:
 * x_k = (a + b)/2 + (b - a)/2 cos(pi (k + 1/2) / n), k < n.
 * @param a lower end
 * @param b upper end
 * @param n number of nodes
 * @returns the nodes (decreasing)
 * @throws CkksError (INVALID_ARGUMENT) unless a < b are finite and n >= 1 is an integer
 */
export function chebyshevNodes(a: number, b: number, n: number): Float64Array {
  if (!(Number.isFinite(a) && Number.isFinite(b) && a < b)) throw new CkksError('INVALID_ARGUMENT', 'chebyshevNodes', `need finite a < b, got [${a}, ${b}]`);
  if (!Number.isInteger(n) || n < 1) throw new CkksError('INVALID_ARGUMENT', 'chebyshevNodes', `n must be a positive integer, got ${n}`);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = (a + b) / 2 + ((b - a) / 2) * Math.cos((Math.PI * (k + 0.5)) / n);
  return out;
}

/** Options of {@link chebyshevInterpolant}. */
export interface InterpolationOptions {
  /**
   * Coefficients smaller than this times the largest one are set to zero
   * (default 1e-13): the even (odd) coefficients of an odd (even) function
   * come out as rounding noise, and zeroing them lets the evaluation skip
   * them. 0 keeps every coefficient.
   */
  zeroBelow?: number;
}

/**
 * Chebyshev interpolation of f at degree d on [a, b]: the series
 * sum_{j <= d} c_j T_j(y) that equals f at the d + 1 Chebyshev nodes,
 * c_j = (2 - [j = 0]) / (d + 1) sum_k f(x_k) cos(pi j (k + 1/2) / (d + 1))
 * (near-minimax for smooth f; Trefethen, Approximation Theory and
 * Approximation Practice, ch. 3-4). O(d^2) float64 work.
 * @param f the function (called d + 1 times)
 * @param a lower end of the interval
 * @param b upper end
 * @param degree d >= 0
 * @param opts zeroing of negligible coefficients
 * @returns a Chebyshev-basis {@link Polynomial} on [a, b]
 * @throws CkksError (INVALID_ARGUMENT) on a bad interval or degree, or if f returns a non-finite value
 */
export function chebyshevInterpolant(f: (x: number) => number, a: number, b: number, degree: number, opts: InterpolationOptions = {}): Polynomial {
  if (!Number.isInteger(degree) || degree < 0 || degree > 1 << 16) throw new CkksError('INVALID_ARGUMENT', 'chebyshevInterpolant', `degree must be an integer in [0, 65536], got ${degree}`);
  const n = degree + 1;
  const xs = chebyshevNodes(a, b, n);
  const fx = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    fx[k] = f(xs[k]);
    if (!Number.isFinite(fx[k])) throw new CkksError('INVALID_ARGUMENT', 'chebyshevInterpolant', `f(${xs[k]}) is not finite: ${fx[k]}`);
  }
  const c = new Float64Array(n);
  let max = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += fx[k] * Math.cos((Math.PI * j * (k + 0.5)) / n);
    c[j] = ((j === 0 ? 1 : 2) / n) * s;
    max = Math.max(max, Math.abs(c[j]));
  }
  const cut = (opts.zeroBelow ?? 1e-13) * max;
  for (let j = 0; j < n; j++) if (Math.abs(c[j]) < cut) c[j] = 0;
  return new Polynomial('chebyshev', c, { interval: [a, b] });
}
