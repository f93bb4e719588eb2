/**
 * What every evaluator operation shares: the parameters, the evaluation keys,
 * the options, the operation counters and the key switcher; the operand checks
 * (type, parameters, level, scale) that run before any output is written; and
 * the level bookkeeping that needs no arithmetic (dropping primes, copying).
 * The operations themselves are in {@link Evaluator} (src/ckks/evaluator.ts).
 *
 * @module
 */

import { RnsPoly } from '../ntt/index.js';
import { CkksError, type Decomposition, EvaluationKeys, KeySwitcher, LevelMismatchError, ScaleMismatchError } from '../rlwe/index.js';
import { type Parameters, levelModulus } from './params.js';
import { Ciphertext, Plaintext, checkFingerprint, reshape } from './types.js';

/** Relative tolerance when comparing scales of operands that are added. */
export const SCALE_TOLERANCE = 2 ** -40;

/** Options of the evaluator. */
export interface EvaluatorOptions {
  /** Drop the operand at the higher level instead of throwing on a level mismatch (default false). */
  matchLevels?: boolean;
}

/** Counters of the expensive operations performed, for cost models and tests. */
export interface OperationCounters {
  /** Rotations and conjugations (each hoisted rotation counts one). */
  rotations: number;
  /** Ciphertext-ciphertext multiplications (including squares). */
  ctMultiplications: number;
  /** Plaintext and constant-vector multiplications. */
  ptMultiplications: number;
  /** Multiplications by a scalar constant. */
  constMultiplications: number;
  /** Rescalings. */
  rescales: number;
  /** Key switchings (relinearizations and rotations). */
  keySwitches: number;
  /** Decompositions (ModUp), shared by hoisted rotations. */
  decompositions: number;
}

/** Counters at zero. */
function newCounters(): OperationCounters {
  return { rotations: 0, ctMultiplications: 0, ptMultiplications: 0, constMultiplications: 0, rescales: 0, keySwitches: 0, decompositions: 0 };
}

/**
 * Base of {@link Evaluator}: state, operand checks and level bookkeeping.
 */
export abstract class EvaluatorBase {
  readonly params: Parameters;
  readonly keys: EvaluationKeys;
  readonly options: Readonly<EvaluatorOptions>;
  /** Operation counters; reset with {@link resetCounters}. */
  readonly counters: OperationCounters = newCounters();
  /** The key switcher (ModUp, inner product, ModDown) of these parameters. */
  protected readonly ks: KeySwitcher;

  /**
   * @param params parameters
   * @param keys evaluation keys (relinearization and Galois keys); may be omitted for key-free operations
   * @param options level matching
   * @throws ParametersMismatchError if the keys were made under other parameters
   */
  constructor(params: Parameters, keys?: EvaluationKeys, options: EvaluatorOptions = {}) {
    this.params = params;
    this.keys = keys ?? new EvaluationKeys(params);
    checkFingerprint('Evaluator', params, this.keys, 'the evaluation keys');
    this.options = Object.freeze({ ...options });
    this.ks = new KeySwitcher(params);
  }

  /** Reset the operation counters to zero. */
  resetCounters(): void {
    Object.assign(this.counters, newCounters());
  }

  // ---------------------------------------------------------------- checks

  protected checkCt(op: string, ct: Ciphertext, name: string): void {
    if (!(ct instanceof Ciphertext)) throw new CkksError('INVALID_ARGUMENT', op, `${name} must be a Ciphertext`);
    checkFingerprint(op, this.params, ct, name);
  }

  protected checkPt(op: string, pt: Plaintext, name: string): void {
    if (!(pt instanceof Plaintext)) throw new CkksError('INVALID_ARGUMENT', op, `${name} must be a Plaintext`);
    checkFingerprint(op, this.params, pt, name);
  }

  protected checkScales(op: string, s1: number, s2: number): void {
    if (Math.abs(s1 - s2) > SCALE_TOLERANCE * Math.max(s1, s2)) {
      throw new ScaleMismatchError(op, `operands must have the same scale, got 2^${Math.log2(s1).toFixed(4)} and 2^${Math.log2(s2).toFixed(4)}`);
    }
  }

  /** The common level of two operands, or an error (or the min with matchLevels). */
  protected commonLevel(op: string, l1: number, l2: number): number {
    if (l1 !== l2 && !this.options.matchLevels) {
      throw new LevelMismatchError(op, `operands must be at the same level, got ${l1} and ${l2} (drop a level or create the Evaluator with { matchLevels: true })`);
    }
    return Math.min(l1, l2);
  }

  private logQPrefix: Float64Array | undefined;

  /**
   * log2 of Q_level = q_0 ... q_level.
   * @param level a level of the chain
   * @returns the sum of log2 q_i for i <= level
   */
  protected logQAt(level: number): number {
    if (this.logQPrefix === undefined) {
      const t = new Float64Array(this.params.Q.length);
      let acc = 0;
      for (let i = 0; i < t.length; i++) t[i] = acc += Math.log2(this.params.Q[i]);
      this.logQPrefix = t;
    }
    return this.logQPrefix[level];
  }

  /**
   * Refuse a result scale that is not a finite positive number (a product of
   * scales that overflowed float64). Scales past the modulus are not refused:
   * a small message may use them legitimately (|m| scale < Q_level / 2 is
   * what decryption needs, and only the caller knows |m|).
   * @param op the operation
   * @param scale the result's scale
   * @throws CkksError (OUT_OF_RANGE) if the scale is not finite and positive
   */
  protected checkScaleFinite(op: string, scale: number): void {
    if (!(Number.isFinite(scale) && scale > 0)) throw new CkksError('OUT_OF_RANGE', op, `the result's scale overflows float64, got ${scale}`);
  }

  /** Scratch for a key-switched component that cannot go to its destination directly (reused). */
  private switchScratch: Uint32Array | undefined;

  /**
   * A polynomial of level + 1 limbs over the evaluator's scratch (a view, valid until the
   * next key switching of this evaluator): a rotation in place computes c_0 there, since
   * its ModDown reads the old c_0 through the automorphism while writing.
   */
  protected switchOutput(level: number): RnsPoly {
    const N = this.params.N;
    this.switchScratch ??= new Uint32Array(this.params.Q.length * N);
    return new RnsPoly(N, level + 1, this.switchScratch.subarray(0, (level + 1) * N), true);
  }

  /**
   * Digit buffers shared by the decompositions of every level, each as large as the
   * largest decomposition so far (|digits| x (level + 1 + |P|) limbs): a bootstrapping
   * key-switches at tens of levels, and one set of buffers per level held them all
   * (430 MiB at N = 2^16 on the training chain).
   */
  private decompBuffers: Uint32Array[] = [];
  /** Views of {@link decompBuffers} per level (the Decomposition objects only). */
  private readonly decompositions = new Map<number, Decomposition>();

  /**
   * ModUp of d into this evaluator's reused digit buffers (valid until its
   * next key switching, at any level): a key switching allocates nothing.
   * @param d the polynomial to decompose (NTT form)
   * @returns its decomposition
   */
  protected decomposeReusing(d: RnsPoly): Decomposition {
    const level = d.limbs - 1;
    let dec = this.decompositions.get(level);
    if (dec === undefined) {
      const N = this.params.N;
      const ext = level + 1 + this.params.P.length;
      const words = ext * N;
      const digits = this.ks.digitsAt(level);
      if (this.decompBuffers.length > 0 && this.decompBuffers[0].length < words) {
        // Larger buffers from now on: the views of the smaller ones go.
        this.decompBuffers = [];
        this.decompositions.clear();
      }
      const size = Math.max(words, this.decompBuffers[0]?.length ?? 0);
      while (this.decompBuffers.length < digits) this.decompBuffers.push(new Uint32Array(size));
      dec = { level, digits: this.decompBuffers.slice(0, digits).map((b) => new RnsPoly(N, ext, b.subarray(0, words), true)) };
      this.decompositions.set(level, dec);
    }
    return this.ks.decompose(d, dec);
  }

  protected newOut(like: { scale: number; slots: number }, degree: number, level: number): Ciphertext {
    return new Ciphertext(this.params, degree, level, like.scale, like.slots);
  }

  /** A plaintext at a higher level than the ciphertext is usable through its prefix only with matchLevels. */
  protected plainLevel(op: string, ctLevel: number, ptLevel: number): number {
    if (ptLevel < ctLevel) {
      if (!this.options.matchLevels) {
        throw new LevelMismatchError(op, `the plaintext must be at the ciphertext's level ${ctLevel}, got level ${ptLevel}`);
      }
      return ptLevel;
    }
    if (ptLevel > ctLevel && !this.options.matchLevels) {
      throw new LevelMismatchError(op, `the plaintext must be at the ciphertext's level ${ctLevel}, got level ${ptLevel}`);
    }
    return ctLevel;
  }

  // ---------------------------------------------------------------- levels

  /**
   * The modulus a rescale from `level` divides by, as a float64: q_level, or
   * the product of the primes of the high-precision level whose top is
   * `level` (rounded to float64 when it exceeds 2^53).
   * @param level a level of the chain
   * @returns the divisor, or q_level where the level is not the top of a group
   */
  levelModulus(level: number): number {
    return levelModulus(this.params, level);
  }


  /**
   * Drop `levels` primes without dividing (the message and scale are unchanged).
   * @throws LevelMismatchError if fewer levels remain
   */
  dropLevel(a: Ciphertext, levels: number, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.dropLevel';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    if (!Number.isInteger(levels) || levels < 0 || levels > a.level) {
      throw new LevelMismatchError(op, `levels must be an integer in [0, ${a.level}], got ${levels}`);
    }
    const target = a.level - levels;
    if (out === a) {
      reshape(this.params, out, a.degree, target);
      return out;
    }
    const src = a.c.map((p) => p.data);
    reshape(this.params, out, a.degree, target);
    for (let k = 0; k < src.length; k++) out.c[k].data.set(src[k].subarray(0, (target + 1) * this.params.N));
    out.scale = a.scale;
    out.slots = a.slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link dropLevel}. */
  dropLevelNew(a: Ciphertext, levels: number): Ciphertext {
    this.checkCt('Evaluator.dropLevel', a, 'a');
    return this.dropLevel(a, levels, this.newOut(a, a.degree, Math.max(0, a.level - levels)));
  }

  /** Copy a into out (reshaped). */
  copy(a: Ciphertext, out: Ciphertext): Ciphertext {
    if (a === out) return out;
    reshape(this.params, out, a.degree, a.level);
    for (let k = 0; k <= a.degree; k++) out.c[k].data.set(a.c[k].data);
    out.scale = a.scale;
    out.slots = a.slots;
    out.seed = a.seed?.slice();
    return out;
  }
}
