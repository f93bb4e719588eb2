/**
 * A sum of rotated ciphertexts, sum_j rot(c_j, r_j), with one ModDown for the
 * whole sum: each term is decomposed (ModUp) and multiplied by its Galois key
 * into accumulators over Q_l ∪ P, and the accumulators are divided by P once
 * at the end. This is the lazy giant-step accumulation of the baby-step
 * giant-step linear transform (Halevi and Shoup, "Faster Homomorphic Linear
 * Transformations in HElib", Crypto 2018, section 5, "hoisting" of the
 * outer loop; Bossuat et al., Eurocrypt 2021, section 6.1, as in Lattigo's
 * MultiplyByDiagMatrixBSGS): with n2 giant steps it saves n2 - 1 ModDowns,
 * (level + 1 + |P|) NTTs each, about a third of a key switching. The
 * rounding of the single division is no larger than one key switching's.
 *
 * Built on the RLWE key switcher's public API (KeySwitcher.decompose,
 * innerProductAdd and modDownInto, the Galois keys of the evaluator, the automorphism's NTT
 * permutation); the evaluator's counters are bumped as its own rotations
 * would (one rotation, key switching and decomposition per term).
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator, KeySwitcher, MissingKeyError, SCALE_TOLERANCE } from '../ckks/index.js';
import { RnsPoly, addPermutedLimbs, automorphismNttIndex, galoisElementForRotation } from '../ntt/index.js';

const switchers = new WeakMap<Evaluator, KeySwitcher>();
const permutations = new WeakMap<Evaluator, Map<number, Uint32Array>>();

/** The key switcher of an evaluator's parameters, one per evaluator (scratch buffers reused). @internal */
export function switcherOf(ev: Evaluator): KeySwitcher {
  let ks = switchers.get(ev);
  if (ks === undefined) {
    ks = new KeySwitcher(ev.params);
    switchers.set(ev, ks);
  }
  return ks;
}

/** The NTT slot permutation of the automorphism g, cached per evaluator. @internal */
export function permutationOf(ev: Evaluator, g: number): Uint32Array {
  let m = permutations.get(ev);
  if (m === undefined) {
    m = new Map();
    permutations.set(ev, m);
  }
  let p = m.get(g);
  if (p === undefined) {
    p = automorphismNttIndex(ev.params.logN, g);
    m.set(g, p);
  }
  return p;
}

/**
 * Accumulates rot(c_j, r_j) for ciphertexts of one level and scale, then
 * returns the sum with one ModDown. Single use: {@link add} any number of
 * times, then {@link finish} once.
 */
export class LazyRotationSum {
  private readonly ev: Evaluator;
  /** Level of every term and of the result. */
  readonly level: number;
  /** Scale of every term and of the result. */
  readonly scale: number;
  private slots: number;
  private readonly acc0: RnsPoly;
  private readonly acc1: RnsPoly;
  /** Sum of the permuted c_0 parts, over Q_l. */
  private readonly c0: Uint32Array;
  /** Sum of the c_1 parts of unrotated terms, over Q_l (allocated on first use). */
  private c1: Uint32Array | undefined;
  private terms = 0;
  private done = false;

  /**
   * @param ev the evaluator (parameters, Galois keys, counters)
   * @param level level of the terms
   * @param scale scale of the terms
   * @param slots slot count of the result (at least)
   * @throws CkksError (INVALID_ARGUMENT) on a level outside the chain
   */
  constructor(ev: Evaluator, level: number, scale: number, slots: number) {
    const prm = ev.params;
    if (!Number.isInteger(level) || level < 0 || level > prm.maxLevel) throw new CkksError('INVALID_ARGUMENT', 'LazyRotationSum', `level must be in [0, ${prm.maxLevel}], got ${level}`);
    this.ev = ev;
    this.level = level;
    this.scale = scale;
    this.slots = slots;
    const ext = level + 1 + prm.P.length;
    this.acc0 = new RnsPoly(prm.N, ext, undefined, true);
    this.acc1 = new RnsPoly(prm.N, ext, undefined, true);
    this.c0 = new Uint32Array((level + 1) * prm.N);
  }

  /**
   * Add rot(ct, step) (left rotation of the slots by step).
   * @param ct a degree-1 ciphertext at this sum's level and scale (not modified)
   * @param step rotation step (0 is allowed: the term is added unrotated, without key switching)
   * @throws MissingKeyError without the Galois key of the step; CkksError (INVALID_ARGUMENT) on a
   *   mismatched ciphertext or after {@link finish}
   */
  add(ct: Ciphertext, step: number): void {
    const op = 'LazyRotationSum.add';
    const ev = this.ev;
    const prm = ev.params;
    if (this.done) throw new CkksError('INVALID_ARGUMENT', op, 'the sum is already finished');
    if (!(ct instanceof Ciphertext) || ct.degree !== 1 || ct.level !== this.level || Math.abs(ct.scale - this.scale) > SCALE_TOLERANCE * this.scale) {
      throw new CkksError('INVALID_ARGUMENT', op, `need a degree-1 ciphertext at level ${this.level} and scale 2^${Math.log2(this.scale).toFixed(2)}`);
    }
    const g = galoisElementForRotation(step, prm.logN);
    const N = prm.N;
    const nL = this.level + 1;
    const C = ct.c[0].data;
    if (g === 1) {
      this.c1 ??= new Uint32Array(nL * N);
      addPermutedLimbs(this.c1, ct.c[1].data, undefined, prm.Q, N, nL);
      addPermutedLimbs(this.c0, C, undefined, prm.Q, N, nL);
      this.absorbSlots(ct.slots);
      return;
    }
    const key = ev.keys.galoisKeyAt(g, this.level);
    if (key === undefined) throw new MissingKeyError(op, `no Galois key for rotation by ${step} (Galois element ${g})`);
    const perm = permutationOf(ev, g);
    const dec = switcherOf(ev).decompose(ct.c[1]);
    switcherOf(ev).innerProductAdd(dec, key, perm, this.acc0, this.acc1);
    addPermutedLimbs(this.c0, C, perm, prm.Q, N, nL);
    this.absorbSlots(ct.slots);
    this.terms++;
    ev.counters.decompositions++;
    ev.counters.keySwitches++;
    ev.counters.rotations++;
  }

  private absorbSlots(s: number): void {
    if (s > this.slots) this.slots = s;
  }

  /**
   * The sum: ModDown of the accumulated key-switching parts plus the permuted c_0 parts.
   * @returns a new degree-1 ciphertext at this sum's level and scale
   * @throws CkksError (INVALID_ARGUMENT) if called twice
   */
  finish(): Ciphertext {
    if (this.done) throw new CkksError('INVALID_ARGUMENT', 'LazyRotationSum.finish', 'the sum is already finished');
    this.done = true;
    const prm = this.ev.params;
    const N = prm.N;
    const out = new Ciphertext(prm, 1, this.level, this.scale, this.slots);
    if (this.terms > 0) {
      const ks = switcherOf(this.ev);
      ks.modDownInto(this.acc0, this.level, out.c[0]);
      ks.modDownInto(this.acc1, this.level, out.c[1]);
    }
    addPermutedLimbs(out.c[0].data, this.c0, undefined, prm.Q, N, this.level + 1);
    if (this.c1 !== undefined) addPermutedLimbs(out.c[1].data, this.c1, undefined, prm.Q, N, this.level + 1);
    return out;
  }
}
