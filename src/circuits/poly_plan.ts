/**
 * The plan of a baby-step giant-step polynomial evaluation and its cost,
 * known before any homomorphic work (Bossuat, Mouchet, Troncoso-Pastoriza and
 * Hubaux, Eurocrypt 2021, section 4.2, Algorithms 1 and 2; Paterson and
 * Stockmeyer, SIAM J. Comput. 1973).
 *
 * Powers. T_1 is the input (after the change of variable of a Chebyshev
 * series off [-1, 1], which costs one level). Every other power is made on
 * demand: T_2n = 2 T_n^2 - 1 (x^2n = (x^n)^2) and, for n not a power of two,
 * T_n = 2 T_a T_b - T_(a-b) with a the largest power of two below n and
 * b = n - a (x^n = x^a x^b). T_n then sits at depth ceil(log2 n), the least
 * possible, and only the powers some term needs are made: an odd series
 * needs only odd babies and powers of two.
 *
 * Series. A polynomial of degree d evaluated to depth m = ceil(log2(d + 1)) is
 * produced before its last rescale at depth m - 1. A node (series p, depth t
 * at which it must be available before rescaling) is
 *  - a leaf, sum c_i T_i (scalar products, no level of their own: they are
 *    rescaled with the parent's product), when every T_i it uses is a baby
 *    (i < 2^logBaby) or a power of two and has depth <= t;
 *  - otherwise split by the largest power of two n <= deg p:
 *    p = q T_n + r, q made at depth t - 1, rescaled, times T_n (depth
 *    log2 n <= t), plus r made at depth t.
 * By induction every node with t >= ceil(log2(deg p + 1)) - 1 is feasible, so
 * the total depth is ceil(log2(d + 1)), plus one for a change of variable.
 * Splitting by the largest power of two (not only by giant steps) is what the
 * leading branch needs to stay at the optimal depth (Lattigo's "lead"
 * re-split); elsewhere it is the usual giant-step recursion.
 *
 * The baby-step count 2^logBaby is chosen by the cost model: the one with the
 * fewest non-scalar multiplications over all the polynomials sharing the
 * powers (ties: fewer scalar products).
 *
 * @module
 */

import { CkksError, LevelMismatchError } from '../ckks/index.js';
import { type Polynomial, type PolynomialBasis, splitCoefficients } from './poly.js';

/**
 * ceil(log2 n): the depth of T_n (x^n) in the power basis.
 * @param n a positive integer
 * @returns the smallest k with 2^k >= n
 */
export function ceilLog2(n: number): number {
  let k = 0;
  while (2 ** k < n) k++;
  return k;
}

function isPow2(n: number): boolean {
  return n >= 1 && (n & (n - 1)) === 0;
}

/** A node of the evaluation tree of one series. */
export type PlanNode =
  /** A constant (possibly zero): added with addConst, no ciphertext work. */
  | { readonly kind: 'const'; readonly value: number }
  /** sum of coefficient * T_index (index >= 1) plus a constant, ready before rescaling at `depth`. */
  | { readonly kind: 'leaf'; readonly depth: number; readonly indices: Int32Array; readonly coeffs: Float64Array; readonly constant: number }
  /** quotient * T_power + remainder, ready before rescaling at `depth`. */
  | { readonly kind: 'split'; readonly depth: number; readonly power: number; readonly quotient: PlanNode; readonly remainder: PlanNode };

/** How one power is made: T_n = 2 T_a T_b - T_c (c = 0: the constant 1), or x^n = x^a x^b. */
export interface PowerStep {
  /** The index made. */
  readonly n: number;
  readonly a: number;
  readonly b: number;
  /** Chebyshev only: the index subtracted (0 for the constant T_0 = 1). */
  readonly c: number;
  /** Depth (levels below T_1): ceil(log2 n). */
  readonly depth: number;
}

/** Cost of an evaluation, counted as the evaluator counts it. */
export interface PolynomialCost {
  /** Levels consumed: the largest polynomial depth, plus one for a change of variable. */
  levels: number;
  /** Ciphertext-ciphertext multiplications (non-scalar). */
  ctMultiplications: number;
  /** Relinearizations (the evaluator's keySwitches; no rotations are used). */
  relinearizations: number;
  /** Rescalings. */
  rescales: number;
  /** Scalar products (fused multiply-accumulates by an integer constant). */
  constMultiplications: number;
}

/** The full plan: powers to make, one tree per polynomial, and the cost. */
export interface PolynomialPlan {
  readonly basis: PolynomialBasis;
  /** Whether T_1 = (2x - a - b)/(b - a) is computed first with a level ('free' mode and [-1, 1]: false). */
  readonly changeOfVariable: boolean;
  /** log2 of the baby-step bound. */
  readonly logBaby: number;
  /** The powers made, in order (T_1 excluded). */
  readonly powers: readonly PowerStep[];
  /** One tree per polynomial (`depth` of its root: the polynomial's depth minus one). */
  readonly trees: readonly PlanNode[];
  /** Levels each polynomial consumes after T_1 (its output is at level(T_1) - depth). */
  readonly depths: readonly number[];
  readonly cost: PolynomialCost;
}

/** Options of {@link planPolynomials}. */
export interface PlanOptions {
  /** Force log2 of the baby-step bound (default: chosen by the cost model). */
  logBaby?: number;
  /**
   * How a Chebyshev series off [-1, 1] maps x to y = (2x - a - b)/(b - a):
   * 'level' (default): a scalar product and a rescale, one level (and the
   * rescale's rounding noise on y); 'free': the input's scale is reinterpreted
   * (a ciphertext of x at scale s is one of 2x/(b - a) at scale s (b - a)/2)
   * and the constant added: no level, no noise, but the caller must have
   * encoded x at scale about 2 q / (b - a) (2^24 for [-64, 64] with 30-bit
   * primes) so that y lands at the usual scale (checked: within a factor 2 of
   * q_level, else CkksError OUT_OF_RANGE).
   */
  changeOfVariable?: 'level' | 'free';
}

function degreeOf(c: Float64Array): number {
  let d = c.length - 1;
  while (d > 0 && c[d] === 0) d--;
  return d;
}

function buildNode(op: string, c: Float64Array, t: number, baby: number, basis: PolynomialBasis): PlanNode {
  const deg = degreeOf(c);
  if (deg === 0) return { kind: 'const', value: c[0] };
  if (t < 0) throw new LevelMismatchError(op, `internal: a series of degree ${deg} cannot be made at depth ${t}`);
  let leaf = true;
  let terms = 0;
  for (let i = 1; i <= deg && leaf; i++) {
    if (c[i] === 0) continue;
    terms++;
    leaf = (i < baby || isPow2(i)) && ceilLog2(i) <= t;
  }
  if (leaf) {
    const indices = new Int32Array(terms);
    const coeffs = new Float64Array(terms);
    for (let i = 1, k = 0; i <= deg; i++) {
      if (c[i] !== 0) {
        indices[k] = i;
        coeffs[k++] = c[i];
      }
    }
    return { kind: 'leaf', depth: t, indices, coeffs, constant: c[0] };
  }
  let n = 1;
  while (2 * n <= deg) n *= 2;
  if (ceilLog2(n) > t) throw new LevelMismatchError(op, `internal: T_${n} (depth ${ceilLog2(n)}) is not available at depth ${t}`);
  const [q, r] = splitCoefficients(c.subarray(0, deg + 1), n, basis);
  return { kind: 'split', depth: t, power: n, quotient: buildNode(op, q, t - 1, baby, basis), remainder: buildNode(op, r, t, baby, basis) };
}

/** Every power index a tree uses directly. */
function collectPowers(node: PlanNode, into: Set<number>): void {
  if (node.kind === 'leaf') {
    for (const i of node.indices) into.add(i);
  } else if (node.kind === 'split') {
    into.add(node.power);
    collectPowers(node.quotient, into);
    collectPowers(node.remainder, into);
  }
}

/** The recipes of all powers needed (closure under the product rules), sorted by index. */
function powerSteps(needed: Set<number>, basis: PolynomialBasis): PowerStep[] {
  const all = new Set<number>();
  const visit = (n: number): void => {
    if (n <= 1 || all.has(n)) return;
    all.add(n);
    if (isPow2(n)) {
      visit(n / 2);
    } else {
      const a = 2 ** (ceilLog2(n) - 1);
      visit(a);
      visit(n - a);
      if (basis === 'chebyshev') visit(a - (n - a));
    }
  };
  for (const n of needed) visit(n);
  return [...all]
    .sort((x, y) => x - y)
    .map((n) => {
      if (isPow2(n)) return { n, a: n / 2, b: n / 2, c: 0, depth: ceilLog2(n) };
      const a = 2 ** (ceilLog2(n) - 1);
      return { n, a, b: n - a, c: basis === 'chebyshev' ? 2 * a - n : 0, depth: ceilLog2(n) };
    });
}

/**
 * Degree of a node's result before its final relinearization (lazy
 * relinearization: a split's product stays of degree 2 until its parent).
 * @param node a plan node
 * @returns 1 or 2
 */
export function resultDegree(node: PlanNode): number {
  if (node.kind !== 'split') return 1;
  return node.quotient.kind === 'const' ? resultDegree(node.remainder) : 2;
}

/** Adds the cost of evaluating a node (without the final relinearization and rescale). */
function nodeCost(node: PlanNode, cost: PolynomialCost): void {
  if (node.kind === 'leaf') {
    cost.constMultiplications += node.indices.length;
  } else if (node.kind === 'split') {
    if (node.quotient.kind === 'const') {
      cost.constMultiplications++;
    } else {
      nodeCost(node.quotient, cost);
      if (resultDegree(node.quotient) === 2) cost.relinearizations++;
      cost.rescales++;
      cost.ctMultiplications++;
    }
    nodeCost(node.remainder, cost);
  }
}

function planWith(op: string, polys: readonly Polynomial[], logBaby: number, mode: 'level' | 'free'): PolynomialPlan {
  const basis = polys[0].basis;
  const changeOfVariable = polys[0].needsChangeOfVariable && polys.some((p) => p.degree > 0) && mode !== 'free';
  const baby = 2 ** logBaby;
  const depths = polys.map((p) => (p.degree === 0 ? 0 : ceilLog2(p.degree + 1)));
  const trees = polys.map((p, i) => buildNode(op, p.coeffs, depths[i] - 1, baby, basis));
  const needed = new Set<number>();
  for (const t of trees) collectPowers(t, needed);
  const powers = powerSteps(needed, basis);
  const cost: PolynomialCost = { levels: Math.max(...depths) + (changeOfVariable ? 1 : 0), ctMultiplications: 0, relinearizations: 0, rescales: 0, constMultiplications: 0 };
  if (changeOfVariable) {
    cost.constMultiplications++;
    cost.rescales++;
  }
  for (const s of powers) {
    cost.ctMultiplications++;
    cost.relinearizations++;
    cost.rescales++;
    if (basis === 'chebyshev' && s.c !== 0) cost.constMultiplications++;
  }
  for (const t of trees) {
    if (t.kind === 'const') continue;
    nodeCost(t, cost);
    if (resultDegree(t) === 2) cost.relinearizations++;
    cost.rescales++;
  }
  return { basis, changeOfVariable, logBaby, powers, trees, depths, cost };
}

/**
 * Plan the evaluation of one or more polynomials on the same input, sharing
 * the powers: choose the baby-step bound, build the trees and count the cost.
 * @param polys the polynomials (same basis and, for Chebyshev series, the same interval)
 * @param opts a forced baby-step bound
 * @returns the plan with its cost
 * @throws CkksError (INVALID_ARGUMENT) on an empty list, mixed bases or intervals, or a bad logBaby
 */
export function planPolynomials(polys: readonly Polynomial[], opts: PlanOptions = {}): PolynomialPlan {
  const op = 'planPolynomials';
  if (!Array.isArray(polys) || polys.length === 0) throw new CkksError('INVALID_ARGUMENT', op, 'need at least one polynomial');
  const p0 = polys[0];
  for (const p of polys) {
    if (p.basis !== p0.basis || p.a !== p0.a || p.b !== p0.b) {
      throw new CkksError('INVALID_ARGUMENT', op, `polynomials sharing an input must have one basis and interval, got ${p0.basis} [${p0.a}, ${p0.b}] and ${p.basis} [${p.a}, ${p.b}]`);
    }
  }
  const maxDepth = Math.max(1, ...polys.map((p) => ceilLog2(p.degree + 1)));
  const mode = opts.changeOfVariable ?? 'level';
  if (mode !== 'level' && mode !== 'free') throw new CkksError('INVALID_ARGUMENT', op, `changeOfVariable must be 'level' or 'free', got ${String(mode)}`);
  if (opts.logBaby !== undefined) {
    if (!Number.isInteger(opts.logBaby) || opts.logBaby < 1 || opts.logBaby > maxDepth) {
      throw new CkksError('INVALID_ARGUMENT', op, `logBaby must be an integer in [1, ${maxDepth}], got ${opts.logBaby}`);
    }
    return planWith(op, polys, opts.logBaby, mode);
  }
  let best: PolynomialPlan | undefined;
  for (let lb = 1; lb <= maxDepth; lb++) {
    const p = planWith(op, polys, lb, mode);
    const better =
      best === undefined ||
      p.cost.ctMultiplications < best.cost.ctMultiplications ||
      (p.cost.ctMultiplications === best.cost.ctMultiplications && p.cost.constMultiplications < best.cost.constMultiplications);
    if (better) best = p;
  }
  return best as PolynomialPlan;
}
