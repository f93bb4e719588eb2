/**
 * Linear transforms y = M x of encrypted vectors by a plaintext n x n matrix
 * given by its nonzero diagonals, with the baby-step giant-step split of
 * Halevi and Shoup ("Algorithms in HElib", Crypto 2014, section 4.2;
 * "Faster homomorphic linear transformations in HElib", Crypto 2018, sections
 * 3-4) and hoisted baby steps (one decomposition of x shared by every baby
 * rotation).
 *
 * Diagonals. diag_k[i] = M[i][(i + k) mod n], so y = sum_k diag_k (.) rot(x, k)
 * with rot(x, k)[i] = x[(i + k) mod n] (a left rotation). Indices are taken
 * modulo n and centred in [-n/2, n/2).
 *
 * Split. With a baby bound n1, each k = n1 j + i (0 <= i < n1) and
 *   y = sum_j rot( sum_i rot(diag_(n1 j + i), -n1 j) (.) rot(x, i), n1 j ),
 * so the baby rotations rot(x, i) are shared by every giant step, and each
 * giant step rotates one inner sum. The diagonals are pre-rotated by -n1 j and
 * encoded in advance at the level of the input with scale q_level, so that
 * the one rescale at the end restores the input's scale exactly. n1 (a power
 * of two) is chosen by the cost model: fewest key switchings (baby rotations
 * plus giant rotations, a giant one weighted by `giantCost`), then fewest
 * giant steps (they cannot be hoisted).
 *
 * Double hoisting (the default where it saves ModDowns; ./bsgs-qp.ts,
 * Bossuat et al., Eurocrypt 2021, section 6.1): the baby rotations stay over
 * Q_l ∪ P without a ModDown, the inner sums are taken there with diagonals
 * encoded over Q_l ∪ P, and the whole sum is divided by P once. With single
 * hoisting instead:
 *
 * Lazy evaluation where it pays: the inner sums are accumulated by fused
 * multiply-adds into one ciphertext (no temporaries); the giant step 0 needs
 * no rotation; with two or more giant rotations their key switchings are
 * accumulated over Q_l ∪ P and divided by P once (./rotsum.ts, as Lattigo
 * does), saving a ModDown per giant step; and everything is summed before the
 * single rescale (key-switching noise at scale Delta q, divided by q
 * afterwards).
 *
 * Sparse packing. The vector has n slots (a power of two, n <= N/2). Rotations
 * act on all N/2 slots, so the input must be n-periodic: encode it with
 * `slots = n` (the encoder then replicates it N/(2n) times, the usual sparse
 * packing) or replicate it yourself. The diagonals are encoded with n slots
 * (replicated the same way), so the output is n-periodic as well and decodes
 * with n slots. Such a diagonal is a polynomial in X^(N/2n), whose NTT form is
 * made of runs of N/2n equal values: it is kept with one word per run
 * (./kernels.ts, CompactPlaintext), N/2n times less memory than a plaintext.
 *
 * @module
 */

import {
  Ciphertext,
  CkksError,
  type ComplexArrayLike,
  type Encoder,
  type Evaluator,
  LevelMismatchError,
  MissingKeyError,
  type SwitchingKey,
  levelModulus,
} from '../ckks/index.js';
import { galoisElementForRotation } from '../ntt/index.js';
import { bsgsDoubleHoisted } from './bsgs-qp.js';
import type { CircuitWorkers } from './workers.js';
import { type CoefficientPlaintext, type CompactPlaintext, compactExtended, compactPlaintext, diagonalWords, mulCompactPlainThenAdd, zeroCiphertext } from './kernels.js';
import { LazyRotationSum } from './rotsum.js';

/** A diagonal: n reals or {re, im}. */
export type Diagonal = ArrayLike<number> | ComplexArrayLike;

/** One giant step: its rotation and the (diagonal, baby rotation) pairs of its inner sum. */
export interface GiantStep {
  /** Rotation applied to the inner sum (centred modulo n; 0: none). */
  readonly rotation: number;
  /** Diagonal indices (centred) in this inner sum. */
  readonly diagonals: readonly number[];
  /** The baby rotation each diagonal's term uses (centred; 0: x itself). */
  readonly babies: readonly number[];
}

/** The split of a transform and its cost, known before running. */
export interface LinearTransformPlan {
  /** Vector length (power of two). */
  readonly n: number;
  /** Baby-step bound n1. */
  readonly baby: number;
  /** Baby rotations (nonzero, distinct, sorted), hoisted together. */
  readonly babySteps: readonly number[];
  /** Giant rotations (nonzero, distinct, sorted). */
  readonly giantSteps: readonly number[];
  /** Inner sums, one per giant step (including rotation 0). */
  readonly giants: readonly GiantStep[];
  /** Key switchings: babySteps.length + giantSteps.length. */
  readonly rotations: number;
  /** Decompositions (one shared by the babies, one per giant rotation). */
  readonly decompositions: number;
  /** Plaintext products: one per diagonal. */
  readonly ptMultiplications: number;
  /** Levels consumed: 1 (one rescale). */
  readonly levels: number;
}

/** Options of the planner. */
export interface LinearTransformPlanOptions {
  /** Force the baby-step bound (a power of two in [1, n]); default: chosen by the cost model. */
  baby?: number;
  /**
   * The cost of a giant rotation in baby rotations (default 1: fewest key
   * switchings). A hoisted baby rotation is an inner product with the key
   * (and, with single hoisting, a ModDown); a giant one also decomposes its
   * input and divides its inner sum by P, several times a baby step's work at
   * the top of a long chain (about 5 times with double hoisting at N = 2^16,
   * 41 primes, digits of 9: docs/CIRCUIT.md). A higher cost gives more baby steps, fewer giant steps,
   * and often more Galois keys.
   */
  giantCost?: number;
}

/**
 * k modulo n, centred in [-n/2, n/2).
 * @param k an integer
 * @param n a power of two
 * @returns the centred residue
 */
export function centredIndex(k: number, n: number): number {
  const r = ((k % n) + n) % n;
  return n > 1 && r >= n / 2 ? r - n : r;
}

function checkN(op: string, n: number, maxSlots?: number): void {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0 || (maxSlots !== undefined && n > maxSlots)) {
    throw new CkksError('INVALID_ARGUMENT', op, `n must be a power of two${maxSlots === undefined ? '' : ` <= ${maxSlots}`}, got ${n}`);
  }
}

function normalizedIndices(op: string, indices: Iterable<number>, n: number): number[] {
  const seen = new Set<number>();
  for (const k of indices) {
    if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `diagonal indices must be integers, got ${k}`);
    const c = centredIndex(k, n);
    if (seen.has(c)) throw new CkksError('INVALID_ARGUMENT', op, `diagonal ${k} is given twice (indices are taken modulo n = ${n})`);
    seen.add(c);
  }
  if (seen.size === 0) throw new CkksError('INVALID_ARGUMENT', op, 'need at least one diagonal');
  return [...seen].sort((a, b) => a - b);
}

function planFor(ks: readonly number[], n: number, n1: number): LinearTransformPlan {
  const groups = new Map<number, { diagonals: number[]; babies: number[] }>();
  const babySet = new Set<number>();
  for (const k of ks) {
    const j = Math.floor(k / n1);
    const g = centredIndex(n1 * j, n);
    const b = centredIndex(k - n1 * j, n);
    let grp = groups.get(g);
    if (grp === undefined) {
      grp = { diagonals: [], babies: [] };
      groups.set(g, grp);
    }
    grp.diagonals.push(k);
    grp.babies.push(b);
    if (b !== 0) babySet.add(b);
  }
  const babySteps = [...babySet].sort((a, b) => a - b);
  const giantSteps = [...groups.keys()].filter((g) => g !== 0).sort((a, b) => a - b);
  const giants = [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([rotation, g]) => ({ rotation, diagonals: g.diagonals, babies: g.babies }));
  return {
    n,
    baby: n1,
    babySteps,
    giantSteps,
    giants,
    rotations: babySteps.length + giantSteps.length,
    decompositions: (babySteps.length > 0 ? 1 : 0) + giantSteps.length,
    ptMultiplications: ks.length,
    levels: 1,
  };
}

/**
 * Choose the baby-step giant-step split of a transform with the given
 * diagonals (Halevi-Shoup 2018, section 4): over n1 = 1, 2, 4, ..., n, the one
 * with the fewest key switchings (a giant one counted `giantCost` times), then
 * the fewest rotations, then the fewest giant rotations.
 * @param indices the nonzero diagonals' indices (any integers; taken modulo n)
 * @param n vector length, a power of two
 * @param opts a forced baby-step bound
 * @returns the plan: rotations, steps and inner sums
 * @throws CkksError (INVALID_ARGUMENT) on a bad n, no or repeated diagonals, or a bad forced bound
 */
export function planLinearTransform(indices: Iterable<number>, n: number, opts: LinearTransformPlanOptions = {}): LinearTransformPlan {
  const op = 'planLinearTransform';
  checkN(op, n);
  const ks = normalizedIndices(op, indices, n);
  if (opts.baby !== undefined) {
    checkN(op, opts.baby, n);
    return planFor(ks, n, opts.baby);
  }
  const w = opts.giantCost ?? 1;
  if (!(Number.isFinite(w) && w > 0)) throw new CkksError('INVALID_ARGUMENT', op, `giantCost must be a positive number, got ${String(w)}`);
  const cost = (p: LinearTransformPlan): number => p.babySteps.length + w * p.giantSteps.length;
  let best: LinearTransformPlan | undefined;
  for (let n1 = 1; n1 <= n; n1 *= 2) {
    const p = planFor(ks, n, n1);
    if (best === undefined) best = p;
    else {
      const d = cost(p) - cost(best);
      if (d < 0 || (d === 0 && (p.rotations < best.rotations || (p.rotations === best.rotations && p.giantSteps.length < best.giantSteps.length)))) best = p;
    }
  }
  return best as LinearTransformPlan;
}

/**
 * The rotation steps a transform uses: generate exactly these Galois keys,
 * `KeyGenerator.genEvaluationKeys(sk, { steps })`.
 * @param indices the nonzero diagonals' indices
 * @param n vector length, a power of two
 * @param opts a forced baby-step bound (must match the transform's)
 * @returns distinct steps, sorted
 * @throws as {@link planLinearTransform}
 */
export function linearTransformSteps(indices: Iterable<number>, n: number, opts: LinearTransformPlanOptions = {}): number[] {
  const p = planLinearTransform(indices, n, opts);
  return [...new Set([...p.babySteps, ...p.giantSteps])].sort((a, b) => a - b);
}

/**
 * The nonzero diagonals of a dense n x n matrix (row-major):
 * diag_k[i] = M[i][(i + k) mod n].
 * @param matrix n * n values, row-major
 * @param n the size
 * @returns the diagonals with a nonzero entry, keyed by centred index
 * @throws CkksError (INVALID_ARGUMENT) if the matrix does not have n * n values
 */
export function diagonalsOf(matrix: ArrayLike<number>, n: number): Map<number, Float64Array> {
  if (matrix.length !== n * n) throw new CkksError('INVALID_ARGUMENT', 'diagonalsOf', `need ${n} x ${n} = ${n * n} values, got ${matrix.length}`);
  const out = new Map<number, Float64Array>();
  for (let k = 0; k < n; k++) {
    const d = new Float64Array(n);
    let nz = false;
    for (let i = 0; i < n; i++) {
      d[i] = matrix[i * n + ((i + k) % n)];
      if (d[i] !== 0) nz = true;
    }
    if (nz) out.set(centredIndex(k, n), d);
  }
  return out;
}

/**
 * The diagonals of one radix-2 butterfly stage of an FFT on n slots with
 * half-block h (a DFT-like stage: Cooley-Tukey decimation in time; the
 * homomorphic DFT factors into such stages, Halevi-Shoup 2018 section 6):
 * for i in the top half of its block of 2h, y_i = x_i + w x_(i+h) and
 * y_(i+h) = x_i - w x_(i+h), w = twiddles[i mod h]. Diagonals 0, h and -h
 * (merged into one when h = n/2).
 * @param n vector length, a power of two
 * @param h half-block, a power of two in [1, n/2]
 * @param twiddles the h twiddle factors {re, im}
 * @returns the diagonals, keyed by centred index
 * @throws CkksError (INVALID_ARGUMENT) on a bad n or h, or twiddles of the wrong length
 */
export function butterflyDiagonals(n: number, h: number, twiddles: ComplexArrayLike): Map<number, { re: Float64Array; im: Float64Array }> {
  const op = 'butterflyDiagonals';
  checkN(op, n);
  if (n < 2) throw new CkksError('INVALID_ARGUMENT', op, `n must be at least 2, got ${n}`);
  checkN(op, h, n / 2);
  if (twiddles.re.length !== h || twiddles.im.length !== h) throw new CkksError('INVALID_ARGUMENT', op, `need ${h} twiddles, got ${twiddles.re.length} / ${twiddles.im.length}`);
  const mk = (): { re: Float64Array; im: Float64Array } => ({ re: new Float64Array(n), im: new Float64Array(n) });
  const d0 = mk();
  const up = mk(); // index h: the top half reads x_(i+h)
  const down = 2 * h === n ? up : mk(); // index -h: the bottom half reads x_(i-h)
  for (let i = 0; i < n; i++) {
    const wr = twiddles.re[i % h];
    const wi = twiddles.im[i % h];
    if (i % (2 * h) < h) {
      d0.re[i] = 1;
      up.re[i] = wr;
      up.im[i] = wi;
    } else {
      d0.re[i] = -wr;
      d0.im[i] = -wi;
      down.re[i] = 1;
    }
  }
  const out = new Map([[0, d0]]);
  out.set(centredIndex(h, n), up);
  if (down !== up) out.set(centredIndex(-h, n), down);
  return out;
}

/** Options of {@link LinearTransform}. */
export interface LinearTransformOptions extends LinearTransformPlanOptions {
  /** Scale of the encoded diagonals (default the level's modulus `levelModulus(params, level)`, so the output keeps the input's scale after a rescale). */
  scale?: number;
  /**
   * Accumulate the giant steps over Q_l ∪ P with one ModDown (./rotsum.ts)
   * when there are at least two giant rotations (default true); false: one
   * complete rotation per giant step. Applies to single hoisting.
   */
  lazyGiants?: boolean;
  /**
   * 'double': baby steps kept over Q_l ∪ P, no ModDown until the giant steps
   * (./bsgs-qp.ts; the diagonals are then encoded over Q_l ∪ P, |P| limbs
   * more each); 'single': one ModDown per baby rotation. Default 'double'
   * when it saves ModDowns (2 baby steps > giant rotations), else 'single'.
   */
  hoisting?: 'double' | 'single';
  /**
   * Worker threads that share the baby and giant steps of a double-hoisted
   * evaluation (./bsgs-qp.ts; the Node adapter's `NodeTransformWorkers`). The
   * diagonals are then kept on SharedArrayBuffers.
   */
  workers?: CircuitWorkers;
  /**
   * How the diagonals are held: 'ntt' (default), ready to multiply, one word
   * per run and limb ({@link CompactPlaintext}); 'coefficients', as the 2n
   * rounded coefficients of each (`Encoder.encodeRounded`, 8 bytes each: 13.5
   * times less at 27 limbs), brought to NTT form at each use (one NTT of
   * N/(2n) points per limb and diagonal, ./kernels.ts `diagonalWords`). Needs
   * n < N/2.
   */
  diagonalForm?: 'ntt' | 'coefficients';
}

let transformIds = 0;

/** Left rotation by r of a length-n vector into out (centred r). */
function rotateInto(src: ArrayLike<number>, r: number, n: number, out: Float64Array): Float64Array {
  for (let t = 0; t < n; t++) out[t] = src[(((t + r) % n) + n) % n];
  return out;
}

function isComplex(d: Diagonal): d is ComplexArrayLike {
  return typeof d === 'object' && d !== null && 're' in d && 'im' in d && !ArrayBuffer.isView(d);
}

/**
 * A plaintext matrix ready to multiply encrypted vectors at one level: its
 * split and its diagonals, pre-rotated and encoded.
 */
export class LinearTransform {
  /** The split and its cost. */
  readonly plan: LinearTransformPlan;
  /** Level the input must have; the output is one level lower. */
  readonly level: number;
  /** Scale of the encoded diagonals. */
  readonly scale: number;
  /** Whether the giant steps share one ModDown (single hoisting). */
  readonly lazyGiants: boolean;
  /** Whether the baby steps stay over Q_l ∪ P (./bsgs-qp.ts). */
  readonly doubleHoisting: boolean;
  /** A number unique to this transform in this thread (it names the transform in worker jobs and their errors). */
  readonly id = ++transformIds;
  private readonly workers: CircuitWorkers | undefined;
  /** How the diagonals are held ({@link LinearTransformOptions.diagonalForm}). */
  readonly diagonalForm: 'ntt' | 'coefficients';
  /** Encoded diagonals per giant step, in the plan's order, compact (one word per run of N/(2n), see ./kernels.ts) or as coefficients. */
  private readonly encoded: (CompactPlaintext | CoefficientPlaintext)[][];

  /**
   * Encode the diagonals (Halevi-Shoup 2018, section 4.2: pre-rotated by the giant step).
   * @param encoder an encoder for the parameters the input will use
   * @param diagonals nonzero diagonals by index (taken modulo n), each of n reals or {re, im}
   * @param n vector length, a power of two <= N/2
   * @param level the input's level (>= 1)
   * @param opts diagonal scale and forced baby-step bound
   * @throws CkksError (INVALID_ARGUMENT) on a bad n, a diagonal of the wrong length, no or repeated
   *   diagonals; LevelMismatchError on a level that cannot be rescaled
   */
  constructor(encoder: Encoder, diagonals: ReadonlyMap<number, Diagonal>, n: number, level: number, opts: LinearTransformOptions = {}) {
    const op = 'LinearTransform';
    const params = encoder.params;
    checkN(op, n, params.maxSlots);
    if (!Number.isInteger(level) || level < 1 || level > params.maxLevel) throw new LevelMismatchError(op, `level must be an integer in [1, ${params.maxLevel}], got ${level}`);
    const byIndex = new Map<number, Diagonal>();
    for (const [k, d] of diagonals) {
      const len = isComplex(d) ? Math.max(d.re.length, d.im.length) : d.length;
      if (len !== n) throw new CkksError('INVALID_ARGUMENT', op, `diagonal ${k} must have ${n} values, got ${len}`);
      byIndex.set(centredIndex(k, n), d);
    }
    this.plan = planLinearTransform(diagonals.keys(), n, opts);
    this.level = level;
    this.scale = opts.scale ?? levelModulus(params, level);
    const hoisting = opts.hoisting ?? (2 * this.plan.babySteps.length > this.plan.giantSteps.length ? 'double' : 'single');
    if (hoisting !== 'double' && hoisting !== 'single') throw new CkksError('INVALID_ARGUMENT', op, `hoisting must be 'double' or 'single', got ${String(hoisting)}`);
    this.doubleHoisting = hoisting === 'double' && params.P.length > 0;
    this.lazyGiants = !this.doubleHoisting && (opts.lazyGiants ?? true) && this.plan.giantSteps.length >= 2;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    this.workers = this.doubleHoisting && opts.workers !== undefined && opts.workers.threads > 0 ? opts.workers : undefined;
    // For worker threads the diagonals are written on SharedArrayBuffers directly (no copy).
    const shared = this.workers !== undefined;
    const form = opts.diagonalForm ?? 'ntt';
    if (form !== 'ntt' && form !== 'coefficients') throw new CkksError('INVALID_ARGUMENT', op, `diagonalForm must be 'ntt' or 'coefficients', got ${String(form)}`);
    if (form === 'coefficients' && n >= params.maxSlots) throw new CkksError('INVALID_ARGUMENT', op, `diagonals held as coefficients need n < N/2 = ${params.maxSlots} (sparse slots), got ${n}`);
    this.diagonalForm = form;
    const encode = (v: ArrayLike<number> | ComplexArrayLike): CompactPlaintext | CoefficientPlaintext => {
      if (form === 'coefficients') {
        const coeffs = encoder.encodeRounded(v, level, this.scale, n, shared);
        return { coeffs, repeat: params.N / (2 * n), level, scale: this.scale, slots: n, extended: this.doubleHoisting };
      }
      return this.doubleHoisting
        ? compactExtended(params, encoder.encodeExtended(v, level, this.scale, n, shared && n === params.maxSlots), level, this.scale, n, shared)
        : compactPlaintext(params, encoder.encode(v, level, this.scale, n));
    };
    this.encoded = this.plan.giants.map((g) =>
      g.diagonals.map((k) => {
        const d = byIndex.get(k) as Diagonal;
        if (isComplex(d)) {
          rotateInto(d.re, -g.rotation, n, re);
          rotateInto(d.im, -g.rotation, n, im);
          return encode({ re, im });
        }
        return encode(rotateInto(d, -g.rotation, n, re));
      }),
    );
  }

  /**
   * Bytes held by the encoded diagonals: (level + 1) N / r words of 4 bytes per
   * diagonal, r = N/(2n) (a quarter of a plaintext's size at n = N/8), and
   * (level + 1 + |P|) N / r with double hoisting.
   * @returns the size in bytes
   */
  get byteLength(): number {
    let bytes = 0;
    for (const g of this.encoded) for (const d of g) bytes += 'coeffs' in d ? d.coeffs.byteLength : d.data.byteLength;
    return bytes;
  }

  /**
   * The rotation steps this transform uses, for KeyGenerator.genEvaluationKeys(sk, { steps }).
   * @returns distinct steps, sorted
   */
  rotationSteps(): number[] {
    return [...new Set([...this.plan.babySteps, ...this.plan.giantSteps])].sort((a, b) => a - b);
  }

  /**
   * y = M x: hoisted baby rotations, fused inner sums, one rotation per giant
   * step, one rescale. The output is at level - 1 with scale
   * x.scale * scale / q_level (x.scale with the default diagonal scale).
   * @param ev an evaluator holding the Galois keys of {@link rotationSteps}
   * @param x the input at {@link level}, n-periodic (see the module comment)
   * @returns a new ciphertext
   * @throws LevelMismatchError if x is not at {@link level} or a Galois key was generated for
   *   lower levels; MissingKeyError if a Galois key is missing (keys checked before any work); CkksError (INVALID_ARGUMENT) on a bad input
   */
  evaluate(ev: Evaluator, x: Ciphertext): Ciphertext {
    const op = 'LinearTransform.evaluate';
    if (!(x instanceof Ciphertext) || x.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, 'the input must be a Ciphertext of degree 1');
    if (x.level !== this.level) throw new LevelMismatchError(op, `the transform was encoded for level ${this.level}, got an input at level ${x.level}`);
    const missing = this.rotationSteps().filter((s) => !ev.keys.galois.has(galoisElementForRotation(s, ev.params.logN)));
    if (missing.length > 0) {
      throw new MissingKeyError(op, `no Galois keys for rotations ${missing.join(', ')}; generate them with KeyGenerator.genEvaluationKeys(sk, { steps: transform.rotationSteps() })`);
    }
    const low = this.rotationSteps().filter((s) => (ev.keys.galois.get(galoisElementForRotation(s, ev.params.logN)) as SwitchingKey).level < this.level);
    if (low.length > 0) {
      throw new LevelMismatchError(op, `the Galois keys for rotations ${low.join(', ')} were generated for levels below the transform's level ${this.level}`);
    }
    const plan = this.plan;
    if (this.doubleHoisting) {
      const y = bsgsDoubleHoisted(ev, x, this.id, plan.giants, plan.babySteps, this.encoded, x.scale * this.scale, Math.max(x.slots, plan.n), this.workers);
      return ev.rescale(y, y);
    }
    const babies = new Map<number, Ciphertext>([[0, x]]);
    if (plan.babySteps.length > 0) {
      const rotated = ev.rotateHoistedNew(x, plan.babySteps);
      plan.babySteps.forEach((s, i) => babies.set(s, rotated[i]));
    }
    const slots = Math.max(x.slots, plan.n);
    const scale = x.scale * this.scale;
    const lazy = this.lazyGiants ? new LazyRotationSum(ev, this.level, scale, slots) : undefined;
    let acc: Ciphertext | undefined;
    let words: Uint32Array | undefined; // a diagonal held as coefficients, in NTT form for its product
    plan.giants.forEach((g, gi) => {
      const inner = zeroCiphertext(ev.params, this.level, scale, slots);
      g.diagonals.forEach((_, t) => {
        const d = this.encoded[gi][t];
        const pt = 'coeffs' in d ? { ...d, data: (words = diagonalWords(ev.params, d, words)) } : d;
        mulCompactPlainThenAdd(ev, inner, babies.get(g.babies[t]) as Ciphertext, pt);
      });
      if (lazy !== undefined && g.rotation !== 0) {
        lazy.add(inner, g.rotation);
        return;
      }
      const term = g.rotation === 0 ? inner : ev.rotate(inner, g.rotation, inner);
      acc = acc === undefined ? term : ev.add(acc, term, acc);
    });
    if (lazy !== undefined) {
      const sum = lazy.finish();
      acc = acc === undefined ? sum : ev.add(acc, sum, acc);
    }
    const out = acc as Ciphertext;
    return ev.rescale(out, out);
  }
}
