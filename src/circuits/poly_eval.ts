/**
 * Homomorphic evaluation of polynomials (monomial basis, or Chebyshev series
 * on [a, b]) by baby steps and giant steps, at the optimal depth
 * ceil(log2(d + 1)) (plus one level for the change of variable of a Chebyshev
 * series off [-1, 1]) and O(sqrt d) non-scalar multiplications: Bossuat,
 * Mouchet, Troncoso-Pastoriza and Hubaux, "Efficient Bootstrapping for
 * Approximate Homomorphic Encryption with Non-Sparse Keys", Eurocrypt 2021,
 * section 4.2 and Algorithm 2 (after Paterson and Stockmeyer 1973 and Han and
 * Ki 2020). The plan and its cost come from ./poly_plan.ts.
 *
 * Scales. The output has exactly the scale the caller asks for. Scales are
 * planned backwards from the target, as in Lattigo: a node that must be
 * ready at level l with scale S before its parent's rescale gets, for its
 * quotient, the level l + 1 and the scale S q_(l+1) / scale(T_n), so that
 * rescaling the quotient and multiplying it by T_n lands on S; the remainder
 * is made directly at the product's scale. In a leaf every term c_i T_i is an
 * integer multiple round(c_i S / scale(T_i)) of T_i added into one
 * accumulator: S ~ Delta q, so the integers carry ~30 bits of c_i and no level
 * is spent on them (the parent's rescale absorbs it). The root is made at
 * scale target * q_(l+1) and rescaled once; the evaluator tracks every scale
 * exactly, so the result's scale is the target up to float64 rounding (it is
 * then set to the target).
 *
 * Change of variable (Chebyshev series on [a, b] != [-1, 1]): by default
 * y = (2x - a - b)/(b - a) costs a scalar product and a rescale (one level,
 * and that rescale's rounding on y, which the powers amplify); with
 * `changeOfVariable: 'free'` the input's scale is reinterpreted instead (no
 * level, no added noise), for inputs encoded at scale about 2q/(b - a).
 *
 * Relinearization is lazy: products are summed in degree 2 and relinearized
 * once per node, before the rescale (so the key-switching noise is divided
 * by q as well).
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator, LevelMismatchError, MissingKeyError, type Parameters } from '../ckks/index.js';
import { mulIntThenAdd, zeroCiphertext } from './kernels.js';
import type { Polynomial } from './poly.js';
import { type PlanNode, type PlanOptions, type PolynomialPlan, planPolynomials } from './poly_plan.js';

/** Options of {@link PolynomialEvaluator.evaluate}. */
export interface PolynomialEvalOptions extends PlanOptions {
  /** Scale of the result (default: the input's scale). */
  targetScale?: number;
  /**
   * The cleartext values the input encrypts, when the caller knows them (the
   * data owner before encryption, or a test). With them, every value is checked
   * against the interval [a, b] of the series (with a tolerance of 2^-20 of its
   * width) before any homomorphic work, and a CkksError OUT_OF_RANGE names the
   * first one outside. Nothing can be checked on a ciphertext alone: keeping the
   * input in [a, b] is then the caller's responsibility (outside it a Chebyshev
   * series diverges quickly: |T_n(y)| ~ (|y| + sqrt(y^2 - 1))^n / 2).
   */
  plainInput?: ArrayLike<number>;
}

/**
 * Evaluates polynomials on ciphertexts through an {@link Evaluator} (whose
 * counters then show exactly the plan's cost). Needs a relinearization key
 * for every polynomial of degree >= 2.
 */
/**
 * The level of a ciphertext counted in rescales above the chain's base (its
 * index in `params.levelTops`): the same number as `ct.level` with one prime
 * per level, half of it (about) with levels of two primes.
 * @param params the parameters
 * @param level a ciphertext level (top prime index)
 * @param op the operation, named by the error
 * @returns the logical level
 * @throws LevelMismatchError if `level` is inside a high-precision level
 */
export function logicalLevel(params: Parameters, level: number, op = 'logicalLevel'): number {
  const k = params.levelTops.indexOf(level);
  if (k < 0) throw new LevelMismatchError(op, `level ${level} is inside a high-precision level of the chain (levelPrimes ${JSON.stringify(params.levelPrimes)})`);
  return k;
}

export class PolynomialEvaluator {
  /** The evaluator used (and whose counters are bumped). */
  readonly ev: Evaluator;
  private readonly relinearize: (ct: Ciphertext) => void;

  /**
   * @param ev an evaluator with a relinearization key (needed from degree 2 on)
   * @param opts `relinearize`: relinearizes a degree-2 ciphertext in place, counting as
   *   Evaluator.relinearize does (default: ev.relinearize; the bootstrapping passes one
   *   that shares the work with its worker threads, ./relin-split.ts)
   */
  constructor(ev: Evaluator, opts: { relinearize?: (ct: Ciphertext) => void } = {}) {
    this.ev = ev;
    this.relinearize = opts.relinearize ?? ((ct) => ev.relinearize(ct, ct));
  }

  /**
   * The plan and cost of evaluating polynomials on one input (no homomorphic work).
   * @param polys the polynomials (one basis and interval)
   * @param opts a forced baby-step bound
   * @returns the plan (cost.levels, cost.ctMultiplications, ...)
   * @throws CkksError (INVALID_ARGUMENT) on mixed bases or intervals
   */
  static plan(polys: readonly Polynomial[], opts: PlanOptions = {}): PolynomialPlan {
    return planPolynomials(polys, opts);
  }

  /**
   * p(ct), slot-wise, at level ct.level - plan.cost.levels and the target scale.
   * @param ct the input (degree 1)
   * @param poly the polynomial
   * @param opts target scale, baby-step bound, interval check
   * @returns a new ciphertext
   * @throws as {@link evaluateMany}
   */
  evaluate(ct: Ciphertext, poly: Polynomial, opts: PolynomialEvalOptions = {}): Ciphertext {
    return this.evaluateMany(ct, [poly], opts)[0];
  }

  /**
   * Several polynomials on one input, sharing its powers (Bossuat et al.
   * 2021, Algorithm 2, once per polynomial over one power basis). Polynomial i
   * comes out at level ct.level - plan.depths[i] (- 1 for a change of variable).
   * A constant polynomial gives a trivial (noiseless) ciphertext of the constant.
   * Headroom: the last product runs before its rescale at scale target * q,
   * so an output at level 0 (modulus q_0 q_1 ~ 2^60 with 30-bit primes and
   * target 2^30) needs |p(x)| well below 1/2; keep a spare level otherwise.
   * @param ct the input (degree 1)
   * @param polys the polynomials (one basis and interval)
   * @param opts target scale, baby-step bound, interval check
   * @returns one new ciphertext per polynomial
   * @throws LevelMismatchError if the input has fewer levels than the plan consumes;
   *   MissingKeyError without a relinearization key when one is needed;
   *   CkksError OUT_OF_RANGE if `plainInput` has a value outside [a, b];
   *   CkksError INVALID_ARGUMENT on a bad input or option
   */
  evaluateMany(ct: Ciphertext, polys: readonly Polynomial[], opts: PolynomialEvalOptions = {}): Ciphertext[] {
    const op = 'PolynomialEvaluator.evaluate';
    const ev = this.ev;
    if (!(ct instanceof Ciphertext) || ct.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, 'the input must be a Ciphertext of degree 1');
    const plan = planPolynomials(polys, opts);
    const target = opts.targetScale ?? ct.scale;
    if (!(Number.isFinite(target) && target > 0)) throw new CkksError('INVALID_ARGUMENT', op, `targetScale must be finite and positive, got ${target}`);
    const maxDeg = Math.max(...polys.map((p) => p.degree));
    const available = logicalLevel(ev.params, ct.level, op);
    if (plan.cost.levels > available) {
      throw new LevelMismatchError(
        op,
        `degree ${maxDeg} needs ${plan.cost.levels} levels (ceil(log2(${maxDeg} + 1))${plan.changeOfVariable ? ' + 1 for the change of variable' : ''}), got an input with ${available} level${available === 1 ? '' : 's'} left (level ${ct.level})`,
      );
    }
    if (plan.cost.ctMultiplications > 0 && ev.keys.relin === undefined) {
      throw new MissingKeyError(op, `degree ${maxDeg} needs a relinearization key (generate one with KeyGenerator.genEvaluationKeys)`);
    }
    if (opts.plainInput !== undefined) {
      const bad = polys[0].firstOutside(opts.plainInput);
      if (bad >= 0) throw new CkksError('OUT_OF_RANGE', op, `input value ${bad} is ${opts.plainInput[bad]}, outside the interval [${polys[0].a}, ${polys[0].b}]`);
    }
    let t1 = ct;
    if (plan.changeOfVariable) t1 = this.changeOfVariable(ct, polys[0]);
    else if (polys[0].needsChangeOfVariable && maxDeg > 0) t1 = this.freeChangeOfVariable(ct, polys[0]);
    const run = new PolyRun(ev, plan, t1, this.relinearize);
    return plan.trees.map((tree, i) => run.root(tree, plan.depths[i], target));
  }

  /**
   * T_1 = (2x - a - b)/(b - a) without a level: the input's scale divided by
   * 2/(b - a) (exact reinterpretation), then the constant added.
   * @throws CkksError (OUT_OF_RANGE) unless the new scale is within a factor 2 of q_level
   */
  private freeChangeOfVariable(ct: Ciphertext, p: Polynomial): Ciphertext {
    const ev = this.ev;
    const scale = (ct.scale * (p.b - p.a)) / 2;
    const q = ev.levelModulus(ct.level);
    if (!(scale <= 2 * q && scale >= q / 2)) {
      throw new CkksError(
        'OUT_OF_RANGE',
        'PolynomialEvaluator.evaluate',
        `changeOfVariable 'free' needs the input at scale about 2 q / (b - a) = 2^${Math.log2((2 * q) / (p.b - p.a)).toFixed(2)}, got 2^${Math.log2(ct.scale).toFixed(2)}`,
      );
    }
    const t1 = ct.clone(ev.params);
    t1.scale = scale;
    return ev.addConst(t1, -(p.a + p.b) / (p.b - p.a), t1);
  }

  /** T_1 = (2x - a - b)/(b - a) at one level below, at the input's scale (one scalar product, one rescale). */
  private changeOfVariable(ct: Ciphertext, p: Polynomial): Ciphertext {
    const ev = this.ev;
    const l = ct.level;
    const q = ev.levelModulus(l);
    const alpha = 2 / (p.b - p.a);
    const beta = -(p.a + p.b) / (p.b - p.a);
    const acc = zeroCiphertext(ev.params, l, ct.scale * q, ct.slots);
    mulIntThenAdd(ev, acc, ct, Math.round(alpha * q));
    ev.addConst(acc, beta, acc);
    return ev.rescale(acc, acc);
  }
}

/** One evaluation: the power basis (with dropped copies per level) and the recursion over a plan's trees. */
class PolyRun {
  private readonly ev: Evaluator;
  private readonly plan: PolynomialPlan;
  /** Logical level of T_1 (rescales above the base; see {@link logicalLevel}). */
  private readonly top: number;
  /** Ciphertext level (top prime) of each logical level. */
  private readonly tops: readonly number[];
  private readonly powers = new Map<number, Ciphertext>();
  private readonly dropped = new Map<string, Ciphertext>();

  private readonly relin: (ct: Ciphertext) => void;

  constructor(ev: Evaluator, plan: PolynomialPlan, t1: Ciphertext, relin: (ct: Ciphertext) => void) {
    this.ev = ev;
    this.relin = relin;
    this.plan = plan;
    this.tops = ev.params.levelTops;
    this.top = logicalLevel(ev.params, t1.level, 'PolynomialEvaluator.evaluate');
    this.powers.set(1, t1);
    for (const s of plan.powers) this.powers.set(s.n, this.makePower(s.a, s.b, s.c));
  }

  private power(n: number): Ciphertext {
    const p = this.powers.get(n);
    if (p === undefined) throw new CkksError('INVALID_ARGUMENT', 'PolynomialEvaluator', `internal: power ${n} was not planned`);
    return p;
  }

  /** T_n at exactly `level` (a cached dropped copy when it sits higher). */
  private powerAt(n: number, level: number): Ciphertext {
    const p = this.power(n);
    if (p.level === level) return p;
    const key = `${n}@${level}`;
    let d = this.dropped.get(key);
    if (d === undefined) {
      d = this.ev.dropLevelNew(p, p.level - level);
      this.dropped.set(key, d);
    }
    return d;
  }

  /** T_n = 2 T_a T_b - T_c (Chebyshev; T_0 = 1) or x^n = x^a x^b, relinearized then rescaled. */
  private makePower(a: number, b: number, c: number): Ciphertext {
    const ev = this.ev;
    const level = Math.min(this.power(a).level, this.power(b).level);
    const prod = ev.mulNew(this.powerAt(a, level), this.powerAt(b, level));
    this.relin(prod);
    if (this.plan.basis === 'chebyshev') {
      ev.add(prod, prod, prod);
      if (c === 0) {
        ev.addConst(prod, -1, prod);
      } else {
        const tc = this.power(c);
        mulIntThenAdd(ev, prod, tc, -Math.round(prod.scale / tc.scale));
      }
    }
    return ev.rescale(prod, prod);
  }

  /** A polynomial's result: its tree made at level(T_1) - depth + 1 and scale target * q, then rescaled. */
  root(tree: PlanNode, depth: number, target: number): Ciphertext {
    const ev = this.ev;
    if (tree.kind === 'const') {
      const z = zeroCiphertext(ev.params, this.tops[this.top], target, this.power(1).slots);
      return ev.addConst(z, tree.value, z);
    }
    const level = this.top - depth + 1;
    const res = this.node(tree, level, target * ev.levelModulus(this.tops[level]));
    if (res.degree === 2) this.relin(res);
    ev.rescale(res, res);
    res.scale = target;
    return res;
  }

  /** A node's value at logical `level` and (up to float64 rounding) `scale`, before rescaling; degree 1 or 2. */
  private node(node: PlanNode, level: number, scale: number): Ciphertext {
    const ev = this.ev;
    const slots = this.power(1).slots;
    const at = this.tops[level];
    if (node.kind === 'const') {
      const z = zeroCiphertext(ev.params, at, scale, slots);
      return node.value === 0 ? z : ev.addConst(z, node.value, z);
    }
    if (node.kind === 'leaf') {
      const acc = zeroCiphertext(ev.params, at, scale, slots);
      for (let k = 0; k < node.indices.length; k++) {
        const t = this.power(node.indices[k]);
        mulIntThenAdd(ev, acc, t, Math.round((node.coeffs[k] * scale) / t.scale));
      }
      return node.constant === 0 ? acc : ev.addConst(acc, node.constant, acc);
    }
    const xp = this.power(node.power);
    if (node.quotient.kind === 'const') {
      // q T_n + r with a constant q: one more scalar term on the remainder.
      const res = this.node(node.remainder, level, scale);
      return mulIntThenAdd(ev, res, xp, Math.round((node.quotient.value * scale) / xp.scale));
    }
    const qLevel = level + 1;
    const q = this.node(node.quotient, qLevel, (scale * ev.levelModulus(this.tops[qLevel])) / xp.scale);
    if (q.degree === 2) this.relin(q);
    ev.rescale(q, q);
    const prod = ev.mulNew(q, this.powerAt(node.power, at));
    if (node.remainder.kind === 'const' && node.remainder.value === 0) return prod;
    if (node.remainder.kind === 'const') return ev.addConst(prod, node.remainder.value, prod);
    const r = this.node(node.remainder, level, prod.scale);
    return ev.add(prod, r, prod);
  }
}
