/**
 * EvalMod: the homomorphic reduction x -> x mod 1 for x = I + eps, I a small
 * integer (|I| < K) and |eps| small, as the scaled sine
 * sin(2 pi x) / (2 pi) ~ eps (Cheon, Han, Kim, Kim and Song, "Bootstrapping
 * for Approximate Homomorphic Encryption", Eurocrypt 2018, section 3.2),
 * computed as a cosine approximated on [-K, K] by a Chebyshev interpolant
 * followed by r double-angle steps cos(2t) = 2 cos(t)^2 - 1 (Han and Ki,
 * CT-RSA 2020; Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, Eurocrypt
 * 2021, section 6):
 *
 *   c_0(x) = cos(2 pi (x - 1/4) / 2^r),   c_(k+1) = 2 c_k^2 - 1,
 *   c_r(x) = cos(2 pi (x - 1/4)) = sin(2 pi x).
 *
 * The 1/(2 pi) factor is not computed: the caller reinterprets the scale.
 * No arcsine correction (the relative error of sin(2 pi eps)/(2 pi) against
 * eps is about (2 pi eps)^2 / 6, hence the message ratio of the bootstrapper).
 *
 * Scales: the input reads x at scale about q / K (q the modulus of its level),
 * so that y = x / K is read at scale q for free (the polynomial evaluator's
 * 'free' change of variable); the cosine is made at scale q_out (the modulus
 * of the level it lands on), so that each squaring followed by a rescale
 * keeps the scale near q.
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator, levelModulus } from '../../ckks/index.js';
import { type Polynomial, chebyshevInterpolant } from '../poly.js';
import { PolynomialEvaluator, logicalLevel } from '../poly_eval.js';
import { planPolynomials } from '../poly_plan.js';

/** Options of {@link EvalMod}. */
export interface EvalModOptions {
  /** The interval [-K, K] of the integer part (default 12). */
  K?: number;
  /** Double-angle steps r (default 3). */
  doubleAngles?: number;
  /** Degree of the cosine interpolant (default: the smallest 2^d - 1 reaching 2^-40 on [-K, K], at most 255). */
  degree?: number;
}

/** The cosine interpolated before the double angles. */
function cosine(r: number): (x: number) => number {
  const s = 2 ** r;
  return (x) => Math.cos((2 * Math.PI * (x - 0.25)) / s);
}

/**
 * The largest error of a Chebyshev interpolant against f on 2048 points of [a, b].
 * @param p the interpolant
 * @param f the function
 * @returns max |p(x) - f(x)|
 */
function maxError(p: Polynomial, f: (x: number) => number): number {
  const xs = new Float64Array(2048);
  for (let i = 0; i < xs.length; i++) xs[i] = p.a + ((p.b - p.a) * i) / (xs.length - 1);
  const ys = p.evaluateAll(xs);
  let e = 0;
  for (let i = 0; i < xs.length; i++) e = Math.max(e, Math.abs(ys[i] - f(xs[i])));
  return e;
}

/**
 * The scaled-sine reduction modulo 1 with its cost known in advance.
 */
export class EvalMod {
  /** K: the integer part is assumed in (-K, K). */
  readonly K: number;
  /** Double-angle steps r. */
  readonly doubleAngles: number;
  /** The cosine interpolant on [-K, K]. */
  readonly polynomial: Polynomial;
  /** The degree it was interpolated at (the option `degree` that rebuilds it; polynomial.degree drops zero leading terms). */
  readonly interpolationDegree: number;
  /** Its largest error on [-K, K] (before the double angles, which multiply it by up to 4^r). */
  readonly approximationError: number;
  /** Levels consumed: the interpolant's depth (free change of variable) plus r. */
  readonly levels: number;
  /** Ciphertext products (with relinearization) per evaluation. */
  readonly ctMultiplications: number;

  /**
   * @param opts K, double angles and degree
   * @throws CkksError (INVALID_ARGUMENT) on a K, r or degree out of range
   */
  constructor(opts: EvalModOptions = {}) {
    const op = 'EvalMod';
    const K = opts.K ?? 12;
    const r = opts.doubleAngles ?? 3;
    if (!Number.isInteger(K) || K < 1 || K > 1024) throw new CkksError('INVALID_ARGUMENT', op, `K must be an integer in [1, 1024], got ${String(K)}`);
    if (!Number.isInteger(r) || r < 0 || r > 8) throw new CkksError('INVALID_ARGUMENT', op, `doubleAngles must be an integer in [0, 8], got ${String(r)}`);
    const f = cosine(r);
    let p: Polynomial | undefined;
    let err = Infinity;
    let degree = opts.degree ?? 7;
    if (opts.degree !== undefined) {
      if (!Number.isInteger(opts.degree) || opts.degree < 1 || opts.degree > 1023) throw new CkksError('INVALID_ARGUMENT', op, `degree must be an integer in [1, 1023], got ${String(opts.degree)}`);
      p = chebyshevInterpolant(f, -K, K, opts.degree, { zeroBelow: 0 });
      err = maxError(p, f);
    } else {
      for (let d = 7; d <= 255; d = 2 * d + 1) {
        degree = d;
        p = chebyshevInterpolant(f, -K, K, d, { zeroBelow: 0 });
        err = maxError(p, f);
        if (err < 2 ** -40) break;
      }
    }
    this.K = K;
    this.doubleAngles = r;
    this.polynomial = p as Polynomial;
    this.interpolationDegree = degree;
    this.approximationError = err;
    const plan = planPolynomials([this.polynomial], { changeOfVariable: 'free' });
    this.levels = plan.cost.levels + r;
    this.ctMultiplications = plan.cost.ctMultiplications + r;
  }

  /**
   * sin(2 pi x) for x in (-K, K) (the 1/(2 pi) of the reduction is left to the
   * caller's scale): the cosine interpolant, then r double angles.
   * @param ev an evaluator with a relinearization key
   * @param x a ciphertext of x at scale about q_level / K
   * @param relinearize relinearizes a degree-2 ciphertext in place, counting as Evaluator.relinearize
   *   (default: ev.relinearize; the sparse bootstrapping shares it with its workers, ../relin-split.ts)
   * @returns a new ciphertext {@link levels} levels lower
   * @throws as PolynomialEvaluator.evaluate (levels, keys, the scale of the free change of variable)
   */
  evaluate(ev: Evaluator, x: Ciphertext, relinearize?: (ct: Ciphertext) => void): Ciphertext {
    const params = ev.params;
    const plan = planPolynomials([this.polynomial], { changeOfVariable: 'free' });
    const outLogical = logicalLevel(params, x.level, 'EvalMod.evaluate') - plan.cost.levels;
    const outLevel = params.levelTops[Math.max(0, outLogical)];
    const relin = relinearize ?? ((ct: Ciphertext) => ev.relinearize(ct, ct));
    const pe = new PolynomialEvaluator(ev, { relinearize: relin });
    let c = pe.evaluate(x, this.polynomial, { changeOfVariable: 'free', targetScale: levelModulus(params, outLevel) });
    for (let k = 0; k < this.doubleAngles; k++) {
      const sq = ev.mulNew(c, c);
      relin(sq);
      ev.rescale(sq, sq);
      ev.add(sq, sq, sq);
      c = ev.addConst(sq, -1, sq);
    }
    return c;
  }
}

/**
 * EvalMod of one ciphertext on a worker thread: the full-slot bootstrapping
 * reduces its real and imaginary parts independently, so one of the two can
 * run beside the other. Arrays on SharedArrayBuffers.
 */
export interface EvalModJob {
  readonly type: 'evalmod';
  /** The reduction's options, with its degree resolved (the same polynomial on both threads). */
  readonly K: number;
  readonly doubleAngles: number;
  readonly degree: number;
  /** The input's level, scale, slots and two components (level + 1 limbs each). */
  readonly level: number;
  readonly scale: number;
  readonly slots: number;
  readonly c0: Uint32Array;
  readonly c1: Uint32Array;
  /** The output's components (written, at most level + 1 limbs each) and [level, scale, slots, counter deltas (EVALMOD_COUNTERS)]. */
  readonly out0: Uint32Array;
  readonly out1: Uint32Array;
  readonly meta: Float64Array;
}

/** The evaluator counters an {@link EvalModJob} reports, in its meta array from index 3. */
export const EVALMOD_COUNTERS = ['rotations', 'ctMultiplications', 'ptMultiplications', 'constMultiplications', 'rescales', 'keySwitches', 'decompositions'] as const;

const evalMods = new Map<string, EvalMod>();

/**
 * Run an {@link EvalModJob} (the worker's side): EvalMod of the job's
 * ciphertext, written into its output arrays, with the counters it bumped.
 * @param ev an evaluator with the relinearization key
 * @param job the job
 * @throws CkksError on a malformed job or options
 */
export function runEvalModJob(ev: Evaluator, job: EvalModJob): void {
  const prm = ev.params;
  const N = prm.N;
  const words = (job.level + 1) * N;
  const sized = (a: unknown): boolean => a instanceof Uint32Array && a.length === words;
  if (!Number.isInteger(job.level) || job.level < 0 || job.level > prm.maxLevel || ![job.c0, job.c1, job.out0, job.out1].every(sized) || !(job.meta instanceof Float64Array) || job.meta.length < 3 + EVALMOD_COUNTERS.length) {
    throw new CkksError('INVALID_ARGUMENT', 'runEvalModJob', `the job's arrays do not match level ${job.level}`);
  }
  const key = `${job.K}:${job.doubleAngles}:${job.degree}`;
  let em = evalMods.get(key);
  if (em === undefined) {
    em = new EvalMod({ K: job.K, doubleAngles: job.doubleAngles, degree: job.degree });
    evalMods.set(key, em);
  }
  const x = new Ciphertext(prm, 1, job.level, job.scale, job.slots);
  x.c[0].data.set(job.c0);
  x.c[1].data.set(job.c1);
  const before = EVALMOD_COUNTERS.map((k) => ev.counters[k]);
  const y = em.evaluate(ev, x);
  const n = (y.level + 1) * N;
  job.out0.set(y.c[0].data.subarray(0, n));
  job.out1.set(y.c[1].data.subarray(0, n));
  job.meta[0] = y.level;
  job.meta[1] = y.scale;
  job.meta[2] = y.slots;
  EVALMOD_COUNTERS.forEach((k, i) => {
    job.meta[3 + i] = ev.counters[k] - before[i];
  });
}
