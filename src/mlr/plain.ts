/**
 * Plaintext reference trainer for multiclass logistic regression, after
 * J. Chiang, "Privacy-Preserving CNN Training with Transfer Learning" (2023),
 * as specified in docs/ALGORITHM.md (reconstructed from the paper's code,
 * HE.CNNtraining: Methods.cpp, Tools.cpp and the Python experiment script).
 *
 * Two uses:
 *  - the three methods of the paper's Python experiments (RawNAG, SigmoidNAG,
 *    SigmoidNAGQG) with the exact sigmoid;
 *  - the plaintext MIRROR of the encrypted circuit (SigmoidNAGQG with the
 *    degree-3 polynomial sigmoid, no clipping, W0 = V0 = 0.0128, gamma with
 *    n = 128): an encrypted trainer decrypts W after each iteration and
 *    compares it with {@link PlainTrainerState.step}.
 *
 * Everything is deterministic and works on `Float64Array`s, row-major.
 * Shapes: X is n x d (bias column X[:,0] = 1 included), Y is n x K one-hot,
 * W and V are K x d.
 *
 * Decisions where docs/ALGORITHM.md leaves room, checked against its mirror
 * accuracy table (train rows 1-128, test rows 129-256 of
 * data/mnist-regnet-x-400mf-first256.csv; 0.2109 0.2266 0.2109 0.2344 0.4609
 * 0.7188 0.8125 after 1 2 3 5 10 20 50 iterations, reproduced exactly to 4
 * decimals by test/mlr/plain.test.ts):
 *  - mirror = SigmoidNAGQG, sigma3, NO clipping (the circuit has none), gamma_t
 *    with n = 128, W0 = V0 = 0.0128 in every entry of the K x d matrices;
 *  - Bbar from the 128 training rows only, absolute values, bias column
 *    included, eps = 1e-10, no 0.5 factor;
 *  - eta_t = (1 - alpha_t) / alpha_{t+1} with alpha_0 = 0.01 used in the FIRST
 *    iteration (t = 0), gamma_0 = 1/n;
 *  - metrics on W (not V), ACC = argmax of the exact sigmoid, first maximum wins.
 * Not reproducing the table (so ruled out): the exact sigmoid, W0 = 0, metrics
 * on V, a 0.5 factor in Bbar, Bbar from all 256 rows, SigmoidNAG without Bbar,
 * and eta_t = (1 - alpha_{t+1}) / alpha_{t+2}. Indistinguishable by the table
 * (all reproduce it): clipping to [-8, 8] (first matters after iteration 20),
 * gamma with n = 256, argmax of z instead of sigma(z), NAG constants rounded
 * to 2^-20; the spec's choice is kept for each (no clipping, n = 128, sigma,
 * unrounded unless `constantBits` is given).
 *
 * @module
 */

import { ArgumentRangeError } from '../core/errors.js';

/** A dense row-major matrix: entry (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** `rows * cols` entries, row-major. */
  readonly data: Float64Array;
}

/**
 * Make a {@link Matrix}, zero-filled or wrapping `data` (not copied).
 * @param rows number of rows (integer >= 0)
 * @param cols number of columns (integer >= 0)
 * @param data optional row-major entries, length `rows * cols`
 * @returns the matrix
 * @throws RangeError for bad dimensions or a `data` of the wrong length
 */
export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(cols) || cols < 0) {
    throw new ArgumentRangeError('matrix', `rows and cols must be integers >= 0, got ${rows} x ${cols}`);
  }
  const m = { rows, cols, data: data ?? new Float64Array(rows * cols) };
  checkMatrix('matrix', 'data', m);
  return m;
}

/** Constant term of the degree-3 sigmoid approximation (docs/ALGORITHM.md, step C). */
export const SIGMOID3_C0 = 0.5;
/** Linear coefficient of the degree-3 sigmoid approximation. */
export const SIGMOID3_C1 = 0.10679534503216294;
/** Cubic coefficient of the degree-3 sigmoid approximation (there is no x^2 term). */
export const SIGMOID3_C3 = -0.00038503259805075;
/** eps in Bbar_j = 1 / (eps + 0.25 sum_r |x_rj| sum_k |x_rk|) (Tools::zInvBFromTraindata). */
export const BBAR_EPS = 1e-10;
/** alpha_0 of the Nesterov schedule (docs/ALGORITHM.md, "Methods"). */
export const NAG_ALPHA0 = 0.01;
/** The Python experiments clip X V^T to [-SIGMOID_CLIP, SIGMOID_CLIP] before the sigmoid. */
export const SIGMOID_CLIP = 8;

/**
 * The logistic function 1 / (1 + e^-z), written exactly as the paper's code
 * writes it (so it saturates to exactly 1 for z above about 36.7, and to 0 for
 * z below about -745).
 * @param z the argument
 * @returns sigma(z) in [0, 1]
 */
export function sigmoidExact(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/**
 * The degree-3 least-squares sigmoid approximation used by the encrypted
 * circuit (docs/ALGORITHM.md step C):
 * sigma3(z) = 0.5 + 0.10679534503216294 z - 0.00038503259805075 z^3,
 * evaluated as C0 + z (C1 + C3 z^2). Good on about [-8, 8]; it is not
 * monotonic beyond |z| = sqrt(C1 / (3 |C3|)) ~ 9.6 and leaves [0, 1] there.
 * @param z the argument
 * @returns sigma3(z)
 */
export function sigmoidPoly3(z: number): number {
  return SIGMOID3_C0 + z * (SIGMOID3_C1 + SIGMOID3_C3 * z * z);
}

/**
 * Chiang's diagonal bound for the quadratic gradient (Tools::zInvBFromTraindata):
 * Bbar_j = 1 / (eps + 0.25 * sum_r |x_rj| * sum_k |x_rk|), the inverse of the
 * j-th row sum of 0.25 |X|^T |X|. Absolute values, no 0.5 factor, computed from
 * the TRAINING X (bias column included) in O(n d).
 * @param X the n x d design matrix (bias column first)
 * @param eps regulariser, default {@link BBAR_EPS} = 1e-10
 * @returns Bbar, length d
 * @throws RangeError when X is malformed
 */
export function computeBbar(X: Matrix, eps: number = BBAR_EPS): Float64Array {
  checkMatrix('computeBbar', 'X', X);
  const { rows: n, cols: d, data: x } = X;
  const rowAbs = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += Math.abs(x[r * d + k]);
    rowAbs[r] = s;
  }
  const acc = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    const ra = rowAbs[r];
    for (let j = 0; j < d; j++) acc[j] += Math.abs(x[o + j]) * ra;
  }
  const b = new Float64Array(d);
  for (let j = 0; j < d; j++) b[j] = 1 / (eps + 0.25 * acc[j]);
  return b;
}

/** The Nesterov coefficients for a run, see {@link nagSchedule}. */
export interface NagSchedule {
  /** alpha_0 .. alpha_T (length T + 1). */
  readonly alpha: Float64Array;
  /** eta_t = (1 - alpha_t) / alpha_{t+1}, t = 0 .. T-1. */
  readonly eta: Float64Array;
  /** gamma_t = 1 / ((t + 1) gammaN), t = 0 .. T-1. */
  readonly gamma: Float64Array;
}

/**
 * The NAG schedule of docs/ALGORITHM.md ("Methods, Common"): alpha_0 = 0.01,
 * alpha_{t+1} = (1 + sqrt(1 + 4 alpha_t^2)) / 2, eta_t = (1 - alpha_t) / alpha_{t+1},
 * gamma_t = 1 / ((t + 1) n) for t = 0, 1, ... Iteration t+1 (1-based) uses eta_t, gamma_t.
 * @param iterations T, the number of iterations (integer >= 0)
 * @param gammaN the n in gamma_t (the encrypted circuit uses 128)
 * @returns alpha (T+1 values), eta and gamma (T values each)
 * @throws RangeError for a bad T or gammaN
 */
export function nagSchedule(iterations: number, gammaN: number): NagSchedule {
  checkCount('nagSchedule', 'iterations', iterations, 0);
  checkPositive('nagSchedule', 'gammaN', gammaN);
  const alpha = new Float64Array(iterations + 1);
  const eta = new Float64Array(iterations);
  const gamma = new Float64Array(iterations);
  alpha[0] = NAG_ALPHA0;
  for (let t = 0; t < iterations; t++) {
    alpha[t + 1] = (1 + Math.sqrt(1 + 4 * alpha[t] * alpha[t])) / 2;
    eta[t] = (1 - alpha[t]) / alpha[t + 1];
    gamma[t] = 1 / ((t + 1) * gammaN);
  }
  return { alpha, eta, gamma };
}

/** The three methods of the paper's experiments (docs/ALGORITHM.md "Methods"). */
export type TrainMethod = 'RawNAG' | 'SigmoidNAG' | 'SigmoidNAGQG';
/** Which sigmoid the sigmoid methods use: the exact logistic or the degree-3 polynomial. */
export type SigmoidKind = 'exact' | 'poly3';

/** Options of {@link PlainTrainerState}. */
export interface PlainTrainerOptions {
  /** RawNAG (softmax, step gamma G), SigmoidNAG (sigmoid, step gamma G) or SigmoidNAGQG (step (1+gamma) Bbar (.) G). */
  method: TrainMethod;
  /** `'exact'` (the Python experiments) or `'poly3'` (the encrypted circuit). Ignored by RawNAG. */
  sigmoid: SigmoidKind;
  /** Initial value of every entry of W and V. Default 0 (Python); the circuit uses 0.0128. */
  w0?: number;
  /**
   * Clip X V^T to [-8, 8] before the sigmoid. Default: `true` with the exact
   * sigmoid (the Python SigmoidNAG / SigmoidNAGQG), `false` with `poly3` (the
   * encrypted circuit has no clipping). Ignored by RawNAG.
   */
  clip?: boolean;
  /** n in gamma_t = 1 / ((t+1) n). Default X.rows. */
  gammaN?: number;
  /** Bbar to use (length d). Default {@link computeBbar}(X). Only SigmoidNAGQG uses it. */
  bbar?: Float64Array;
  /**
   * If set, the NAG constants (the step factor gamma_t or 1 + gamma_t, 1 - eta_t
   * and eta_t) are rounded to multiples of 2^-constantBits, as CKKS encodes a
   * scalar constant at scale 2^constantBits (the reference circuit uses
   * pBits = 20). Default: unrounded doubles.
   */
  constantBits?: number;
}

/** What one iteration produced. The arrays are fresh and never written again by the trainer. */
export interface PlainStep {
  /** 1-based number of this iteration (1 after the first {@link PlainTrainerState.step}). */
  readonly iteration: number;
  /** eta_t used (t = iteration - 1); rounded when `constantBits` is set (1 - eta_t is rounded separately, as the circuit encodes two constants). */
  readonly eta: number;
  /** gamma_t used (unrounded). */
  readonly gamma: number;
  /** Z = X V^T, n x K, with V before the update (unclipped). */
  readonly Z: Float64Array;
  /** P = sigma(Z) (or softmax for RawNAG), n x K. */
  readonly P: Float64Array;
  /** G = (Y - P)^T X, K x d, before Bbar and the step constant. */
  readonly G: Float64Array;
  /** W after the iteration, K x d. */
  readonly W: Float64Array;
  /** V after the iteration, K x d. */
  readonly V: Float64Array;
}

/**
 * Step-by-step plaintext trainer. Each {@link step} performs one iteration in
 * the order of the encrypted circuit (docs/ALGORITHM.md "HE circuit per
 * iteration"), so that an encrypted trainer can decrypt W after every
 * iteration and compare:
 *
 *  1. Z = X V^T                                   (step B; gradient at V, the "velocity")
 *  2. P = sigma(Z), elementwise                   (step C; poly3 with no clipping for the circuit;
 *                                                  RawNAG: row softmax with max subtraction)
 *  3. E = Y - P                                   (step D)
 *  4. G = E^T X, K x d                            (steps E, F)
 *  5. G' = Bbar (.) G, Bbar broadcast over rows   (step G; SigmoidNAGQG only)
 *  6. tmp = W + (1 + gamma_t) G'                  (step H; the other methods: W + gamma_t G)
 *  7. W <- (1 - eta_t) tmp + eta_t V,  V <- tmp   (step H)
 *
 * Dot products are summed left to right in double precision; the circuit sums
 * by rotate-and-add trees, but the resulting difference (~1e-16 relative) is
 * far below the CKKS noise at scale 2^40, so it is immaterial. Likewise
 * sigma3 is evaluated as C0 + z (C1 + C3 z^2). An encrypted implementation
 * that folds Bbar into X or (1 + gamma_t) into Y - P (docs/CIRCUIT.md) computes
 * the same values up to double rounding; compare with a tolerance set by the
 * CKKS precision, using the intermediates Z, P, G of {@link PlainStep} to
 * locate a discrepancy.
 *
 * The state never writes into an array it has returned: `W`, `V` and every
 * array of a {@link PlainStep} stay valid and unchanged.
 */
export class PlainTrainerState {
  /** The design matrix, n x d. */
  readonly X: Matrix;
  /** The one-hot labels, n x K. */
  readonly Y: Matrix;
  /** The method. */
  readonly method: TrainMethod;
  /** The sigmoid (irrelevant for RawNAG). */
  readonly sigmoid: SigmoidKind;
  /** Whether Z is clipped to [-8, 8] before the sigmoid. */
  readonly clip: boolean;
  /** n used in gamma_t. */
  readonly gammaN: number;
  /** Bbar (length d) for SigmoidNAGQG, `null` for the other methods. */
  readonly bbar: Float64Array | null;
  /** The constant rounding precision, or `null` for unrounded doubles. */
  readonly constantBits: number | null;
  private w: Float64Array;
  private v: Float64Array;
  private t = 0;
  private alpha = NAG_ALPHA0;

  /**
   * @param X n x d design matrix (bias column first)
   * @param Y n x K one-hot labels
   * @param opts see {@link PlainTrainerOptions}
   * @throws RangeError for malformed or mismatched matrices or bad options
   */
  constructor(X: Matrix, Y: Matrix, opts: PlainTrainerOptions) {
    const fn = 'PlainTrainerState';
    checkMatrix(fn, 'X', X);
    checkMatrix(fn, 'Y', Y);
    if (Y.rows !== X.rows) throw new ArgumentRangeError(fn, `Y must have ${X.rows} rows like X, got ${Y.rows}`);
    if (X.rows < 1 || X.cols < 1 || Y.cols < 1) {
      throw new ArgumentRangeError(fn, `X and Y must be non-empty, got X ${X.rows} x ${X.cols}, Y ${Y.rows} x ${Y.cols}`);
    }
    const method = opts.method;
    if (method !== 'RawNAG' && method !== 'SigmoidNAG' && method !== 'SigmoidNAGQG') {
      throw new ArgumentRangeError(fn, `method must be 'RawNAG', 'SigmoidNAG' or 'SigmoidNAGQG', got ${String(method)}`);
    }
    const sigmoid = opts.sigmoid;
    if (sigmoid !== 'exact' && sigmoid !== 'poly3') {
      throw new ArgumentRangeError(fn, `sigmoid must be 'exact' or 'poly3', got ${String(sigmoid)}`);
    }
    const w0 = opts.w0 ?? 0;
    if (!Number.isFinite(w0)) throw new ArgumentRangeError(fn, `w0 must be a finite number, got ${w0}`);
    const gammaN = opts.gammaN ?? X.rows;
    checkPositive(fn, 'gammaN', gammaN);
    let bbar: Float64Array | null = null;
    if (method === 'SigmoidNAGQG') {
      if (opts.bbar !== undefined) {
        if (!(opts.bbar instanceof Float64Array) || opts.bbar.length !== X.cols) {
          throw new ArgumentRangeError(fn, `bbar must be a Float64Array of length ${X.cols}`);
        }
        bbar = opts.bbar.slice();
      } else {
        bbar = computeBbar(X);
      }
    }
    let constantBits: number | null = null;
    if (opts.constantBits !== undefined) {
      checkCount(fn, 'constantBits', opts.constantBits, 1);
      if (opts.constantBits > 60) throw new ArgumentRangeError(fn, `constantBits must be <= 60, got ${opts.constantBits}`);
      constantBits = opts.constantBits;
    }
    this.X = X;
    this.Y = Y;
    this.method = method;
    this.sigmoid = sigmoid;
    this.clip = opts.clip ?? sigmoid === 'exact';
    this.gammaN = gammaN;
    this.bbar = bbar;
    this.constantBits = constantBits;
    this.w = new Float64Array(Y.cols * X.cols).fill(w0);
    this.v = new Float64Array(Y.cols * X.cols).fill(w0);
  }

  /** Number of iterations done so far. */
  get iteration(): number {
    return this.t;
  }

  /** Current W, K x d (the weights the metrics are evaluated on). Do not modify. */
  get W(): Float64Array {
    return this.w;
  }

  /** Current V, K x d (the point the next gradient is taken at). Do not modify. */
  get V(): Float64Array {
    return this.v;
  }

  /**
   * Perform one iteration (see the class documentation for the exact order).
   * @returns the iteration's intermediate values and the new W and V
   */
  step(): PlainStep {
    const { rows: n, cols: d, data: x } = this.X;
    const K = this.Y.cols;
    const y = this.Y.data;
    const t = this.t;
    const alphaNext = (1 + Math.sqrt(1 + 4 * this.alpha * this.alpha)) / 2;
    const etaRaw = (1 - this.alpha) / alphaNext;
    const gamma = 1 / ((t + 1) * this.gammaN);
    const qg = this.method === 'SigmoidNAGQG';
    const q = (c: number): number =>
      this.constantBits === null ? c : Math.round(c * 2 ** this.constantBits) / 2 ** this.constantBits;
    const stepConst = q(qg ? 1 + gamma : gamma);
    const oneMinusEta = q(1 - etaRaw);
    const eta = q(etaRaw);

    const v = this.v;
    const w = this.w;
    // 1. Z = X V^T
    const Z = new Float64Array(n * K);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let c = 0; c < K; c++) {
        const oc = c * d;
        let s = 0;
        for (let j = 0; j < d; j++) s += x[o + j] * v[oc + j];
        Z[r * K + c] = s;
      }
    }
    // 2. P
    const P = new Float64Array(n * K);
    if (this.method === 'RawNAG') {
      softmaxRows(Z, P, n, K);
    } else {
      const f = this.sigmoid === 'exact' ? sigmoidExact : sigmoidPoly3;
      const clip = this.clip;
      for (let i = 0; i < n * K; i++) {
        let z = Z[i];
        if (clip) z = z > SIGMOID_CLIP ? SIGMOID_CLIP : z < -SIGMOID_CLIP ? -SIGMOID_CLIP : z;
        P[i] = f(z);
      }
    }
    // 3.-4. G = (Y - P)^T X
    const G = new Float64Array(K * d);
    for (let r = 0; r < n; r++) {
      const o = r * d;
      for (let c = 0; c < K; c++) {
        const e = y[r * K + c] - P[r * K + c];
        const oc = c * d;
        for (let j = 0; j < d; j++) G[oc + j] += e * x[o + j];
      }
    }
    // 5.-7.
    const W = new Float64Array(K * d);
    const V = new Float64Array(K * d);
    const b = this.bbar;
    for (let c = 0; c < K; c++) {
      const oc = c * d;
      for (let j = 0; j < d; j++) {
        const i = oc + j;
        const g = b === null ? G[i] : b[j] * G[i];
        const tmp = w[i] + stepConst * g;
        W[i] = oneMinusEta * tmp + eta * v[i];
        V[i] = tmp;
      }
    }
    this.w = W;
    this.v = V;
    this.alpha = alphaNext;
    this.t = t + 1;
    return { iteration: t + 1, eta, gamma, Z, P, G, W, V };
  }
}

/** Options of {@link trainPlain}. */
export interface TrainPlainOptions extends PlainTrainerOptions {
  /** Number of iterations (integer >= 0). */
  iterations: number;
  /** Called after every iteration with its {@link PlainStep}. */
  onIteration?: (step: PlainStep) => void;
  /** Keep W of every iteration in `history`. Default true. */
  keepHistory?: boolean;
}

/** Result of {@link trainPlain}. */
export interface PlainTrainResult {
  /** Final W, K x d. */
  readonly W: Float64Array;
  /** Final V, K x d. */
  readonly V: Float64Array;
  /** `history[t - 1]` is W after iteration t (empty when `keepHistory` is false). */
  readonly history: Float64Array[];
}

/**
 * Run `iterations` iterations of {@link PlainTrainerState} from W = V = w0.
 *
 * The mirror of the encrypted circuit (docs/ALGORITHM.md, accuracy table) is
 * `trainPlain(X, Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128, iterations })`
 * on the first 128 rows (clip defaults to false with poly3; gammaN = X.rows = 128).
 *
 * @param X n x d design matrix (bias column first)
 * @param Y n x K one-hot labels
 * @param opts {@link TrainPlainOptions}
 * @returns final W and V and, unless `keepHistory` is false, W after every iteration
 * @throws RangeError for malformed inputs or options
 */
export function trainPlain(X: Matrix, Y: Matrix, opts: TrainPlainOptions): PlainTrainResult {
  checkCount('trainPlain', 'iterations', opts.iterations, 0);
  const state = new PlainTrainerState(X, Y, opts);
  const keep = opts.keepHistory ?? true;
  const history: Float64Array[] = [];
  for (let i = 0; i < opts.iterations; i++) {
    const s = state.step();
    if (keep) history.push(s.W);
    opts.onIteration?.(s);
  }
  return { W: state.W, V: state.V, history };
}

/**
 * Scores Z = X W^T.
 * @param X n x d design matrix
 * @param W K x d weights, row-major (K = W.length / d)
 * @returns Z, n x K, row-major
 * @throws RangeError when W.length is not a multiple of d
 */
export function scores(X: Matrix, W: Float64Array): Matrix {
  checkMatrix('scores', 'X', X);
  const K = classCount('scores', X, W);
  const { rows: n, cols: d, data: x } = X;
  const z = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < K; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += x[r * d + j] * W[c * d + j];
      z[r * K + c] = s;
    }
  }
  return { rows: n, cols: K, data: z };
}

/**
 * Predicted classes as the paper's Tools compute them: argmax_c sigma(x_r . w_c)
 * with the exact sigmoid, the FIRST maximum winning. (Because sigma saturates to
 * exactly 1, this can differ from argmax of the raw scores when several scores
 * exceed ~36.7; it is kept for fidelity to the paper.)
 * @param X n x d design matrix
 * @param W K x d weights
 * @returns predicted class per row, length n
 * @throws RangeError when W.length is not a multiple of d
 */
export function predict(X: Matrix, W: Float64Array): Int32Array {
  const Z = scores(X, W);
  const { rows: n, cols: K, data: z } = Z;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = sigmoidExact(z[r * K]);
    let arg = 0;
    for (let c = 1; c < K; c++) {
      const p = sigmoidExact(z[r * K + c]);
      if (p > best) {
        best = p;
        arg = c;
      }
    }
    out[r] = arg;
  }
  return out;
}

/**
 * ACC of docs/ALGORITHM.md "Test metrics": the fraction of rows whose
 * {@link predict}ed class equals the label.
 * @param X n x d design matrix
 * @param labels the labels (length n) or the one-hot Y (n x K; the label is
 *   the first column holding the row maximum)
 * @param W K x d weights
 * @returns the accuracy in [0, 1] (0 when X has no rows)
 * @throws RangeError for mismatched shapes
 */
export function accuracy(X: Matrix, labels: Int32Array | Matrix, W: Float64Array): number {
  const lab = labelsOf('accuracy', X, labels);
  const pred = predict(X, W);
  let ok = 0;
  for (let r = 0; r < pred.length; r++) if (pred[r] === lab[r]) ok++;
  return pred.length === 0 ? 0 : ok / pred.length;
}

/**
 * SLE of docs/ALGORITHM.md (Tools::calculateSLE and the Python loss): the sum
 * over rows r and classes c of log| sigma(x_r . w_c) - 1 + y_rc | with the exact
 * sigmoid. A total, not a mean; a log-likelihood, so larger (closer to 0) is
 * better. Computed literally, as the paper does: it is -Infinity as soon as one
 * sigma saturates to exactly the wrong 0 or 1.
 * @param X n x d design matrix
 * @param Y n x K one-hot labels
 * @param W K x d weights
 * @returns the SLE
 * @throws RangeError for mismatched shapes
 */
export function sle(X: Matrix, Y: Matrix, W: Float64Array): number {
  checkMatrix('sle', 'Y', Y);
  const Z = scores(X, W);
  if (Y.rows !== Z.rows || Y.cols !== Z.cols) {
    throw new ArgumentRangeError('sle', `Y must be ${Z.rows} x ${Z.cols}, got ${Y.rows} x ${Y.cols}`);
  }
  let L = 0;
  for (let i = 0; i < Z.data.length; i++) L += Math.log(Math.abs(sigmoidExact(Z.data[i]) - 1 + Y.data[i]));
  return L;
}

/**
 * The loss the Python experiments record for RawNAG (docs/ALGORITHM.md
 * "Recorded losses"): -mean(Y (.) log softmax(X W^T)) over all n K entries.
 * log softmax is computed stably (z - max - log sum exp(z - max)), which equals
 * log of the max-subtracted softmax wherever that does not underflow.
 * @param X n x d design matrix
 * @param Y n x K one-hot labels
 * @param W K x d weights
 * @returns the loss (>= 0; ln(10)/10 for W = 0 and K = 10)
 * @throws RangeError for mismatched shapes
 */
export function meanCrossEntropy(X: Matrix, Y: Matrix, W: Float64Array): number {
  checkMatrix('meanCrossEntropy', 'Y', Y);
  const Z = scores(X, W);
  if (Y.rows !== Z.rows || Y.cols !== Z.cols) {
    throw new ArgumentRangeError('meanCrossEntropy', `Y must be ${Z.rows} x ${Z.cols}, got ${Y.rows} x ${Y.cols}`);
  }
  const { rows: n, cols: K, data: z } = Z;
  let s = 0;
  for (let r = 0; r < n; r++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, z[r * K + c]);
    let e = 0;
    for (let c = 0; c < K; c++) e += Math.exp(z[r * K + c] - m);
    const lse = m + Math.log(e);
    for (let c = 0; c < K; c++) {
      const yv = Y.data[r * K + c];
      if (yv !== 0) s += yv * (z[r * K + c] - lse);
    }
  }
  return n * K === 0 ? 0 : -s / (n * K);
}

// ---------------------------------------------------------------- helpers

function softmaxRows(Z: Float64Array, P: Float64Array, n: number, K: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * K;
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, Z[o + c]);
    let s = 0;
    for (let c = 0; c < K; c++) {
      const e = Math.exp(Z[o + c] - m);
      P[o + c] = e;
      s += e;
    }
    for (let c = 0; c < K; c++) P[o + c] /= s;
  }
}

function checkMatrix(fn: string, name: string, m: Matrix): void {
  if (
    m === null ||
    typeof m !== 'object' ||
    !(m.data instanceof Float64Array) ||
    !Number.isSafeInteger(m.rows) ||
    !Number.isSafeInteger(m.cols) ||
    m.rows < 0 ||
    m.cols < 0 ||
    m.data.length !== m.rows * m.cols
  ) {
    const shape =
      m !== null && typeof m === 'object'
        ? `${String(m.rows)} x ${String(m.cols)} with ${m.data instanceof Float64Array ? m.data.length : 'no Float64Array'} entries`
        : String(m);
    throw new ArgumentRangeError(fn, `${name} must be a Matrix (rows x cols Float64Array), got ${shape}`);
  }
}

function classCount(fn: string, X: Matrix, W: Float64Array): number {
  if (!(W instanceof Float64Array) || X.cols === 0 || W.length % X.cols !== 0 || W.length === 0) {
    throw new ArgumentRangeError(
      fn,
      `W must be a non-empty Float64Array of K x ${X.cols} entries, got ${W instanceof Float64Array ? W.length : typeof W}`,
    );
  }
  return W.length / X.cols;
}

function labelsOf(fn: string, X: Matrix, labels: Int32Array | Matrix): Int32Array {
  if (labels instanceof Int32Array) {
    if (labels.length !== X.rows) throw new ArgumentRangeError(fn, `labels must have length ${X.rows}, got ${labels.length}`);
    return labels;
  }
  checkMatrix(fn, 'Y', labels);
  if (labels.rows !== X.rows) throw new ArgumentRangeError(fn, `Y must have ${X.rows} rows, got ${labels.rows}`);
  const { rows: n, cols: K, data: y } = labels;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let arg = 0;
    for (let c = 1; c < K; c++) if (y[r * K + c] > y[r * K + arg]) arg = c;
    out[r] = arg;
  }
  return out;
}

function checkCount(fn: string, name: string, v: number, lo: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo) {
    throw new ArgumentRangeError(fn, `${name} must be an integer >= ${lo}, got ${String(v)}`);
  }
}

function checkPositive(fn: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ArgumentRangeError(fn, `${name} must be a positive finite number, got ${String(v)}`);
  }
}
