/**
 * Homomorphic evaluation on RNS-CKKS ciphertexts (Cheon, Kim, Kim and Song,
 * ASIACRYPT 2017, section 3.4; RNS variant: Cheon, Han, Kim, Kim and Song,
 * SAC 2018). Every operation comes as `op(a, b, out)` writing into `out`
 * (which may alias an input) and as an allocating `opNew(a, b)`.
 *
 * Rescaling is explicit. Operands must agree in level and scale, or the call
 * throws an error naming the operation, what it expected and what came,
 * unless the evaluator was created with `{ matchLevels: true }`, in which case
 * the operand at the higher level is dropped to the lower one first.
 *
 * @module
 */

import { RnsPoly, automorphismNttIndex, forwardNttLazy, galoisElementForConjugation, galoisElementForRotation, inverseNttLazyInput, polyForwardNtt } from '../ntt/index.js';
import { CkksError, LevelMismatchError, MissingKeyError, ScaleMismatchError } from './errors.js';
import { Encoder } from './encoder.js';
import { reshape } from './encryption.js';
import { EvaluationKeys, type SwitchingKey } from './keys.js';
import { type Decomposition, KeySwitcher } from './keyswitch.js';
import type { Parameters } from './params.js';
import { Ciphertext, Plaintext, checkFingerprint } from './types.js';

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

function newCounters(): OperationCounters {
  return { rotations: 0, ctMultiplications: 0, ptMultiplications: 0, constMultiplications: 0, rescales: 0, keySwitches: 0, decompositions: 0 };
}

/** Inline general modular product, bounds as mulMod (src/ntt/modular.ts): [0, q). */
// A module-local copy of mulMod (src/ntt/modular.ts) on purpose: calling the imported one from
// these loops measured 8x slower (an imported binding is not inlined under every loader).
function mulModI(a: number, b: number, q: number, qInv: number): number {
  const t = (a * b * qInv) | 0;
  let r = (Math.imul(a, b) - Math.imul(t, q)) | 0; // [-q, 2q)
  r += (r >> 31) & q;
  r = (r - q) | 0;
  return r + ((r >> 31) & q);
}

/** Residue of an integer-valued float64 (any magnitude) modulo q, in [0, q). `%` is exact on doubles. */
function residueOfInteger(x: number, q: number): number {
  const r = x % q;
  return r < 0 ? r + q : r;
}

/**
 * Evaluates additions, multiplications, rescaling, rotations and conjugation
 * on ciphertexts, given the evaluation keys it needs.
 */
export class Evaluator {
  readonly params: Parameters;
  readonly keys: EvaluationKeys;
  readonly options: Readonly<EvaluatorOptions>;
  /** Operation counters; reset with {@link resetCounters}. */
  readonly counters: OperationCounters = newCounters();
  private readonly ks: KeySwitcher;
  private readonly perms = new Map<number, Uint32Array>();
  private readonly monomials = new Map<number, Uint32Array>();

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

  private checkCt(op: string, ct: Ciphertext, name: string): void {
    if (!(ct instanceof Ciphertext)) throw new CkksError('INVALID_ARGUMENT', op, `${name} must be a Ciphertext`);
    checkFingerprint(op, this.params, ct, name);
  }

  private checkPt(op: string, pt: Plaintext, name: string): void {
    if (!(pt instanceof Plaintext)) throw new CkksError('INVALID_ARGUMENT', op, `${name} must be a Plaintext`);
    checkFingerprint(op, this.params, pt, name);
  }

  private checkScales(op: string, s1: number, s2: number): void {
    if (Math.abs(s1 - s2) > SCALE_TOLERANCE * Math.max(s1, s2)) {
      throw new ScaleMismatchError(op, `operands must have the same scale, got 2^${Math.log2(s1).toFixed(4)} and 2^${Math.log2(s2).toFixed(4)}`);
    }
  }

  /** The common level of two operands, or an error (or the min with matchLevels). */
  private commonLevel(op: string, l1: number, l2: number): number {
    if (l1 !== l2 && !this.options.matchLevels) {
      throw new LevelMismatchError(op, `operands must be at the same level, got ${l1} and ${l2} (drop a level or create the Evaluator with { matchLevels: true })`);
    }
    return Math.min(l1, l2);
  }

  private newOut(like: { scale: number; slots: number }, degree: number, level: number): Ciphertext {
    return new Ciphertext(this.params, degree, level, like.scale, like.slots);
  }

  // ---------------------------------------------------------------- addition

  /**
   * out = a + b (degrees may differ; the result has the larger degree).
   * @throws LevelMismatchError / ScaleMismatchError on mismatched operands
   */
  add(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    return this.addSub('Evaluator.add', a, b, out, false);
  }

  /** Allocating {@link add}. */
  addNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    return this.add(a, b, this.newOut(a, Math.max(a.degree, b.degree), Math.min(a.level, b.level)));
  }

  /** out = a - b. @throws as {@link add} */
  sub(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    return this.addSub('Evaluator.sub', a, b, out, true);
  }

  /** Allocating {@link sub}. */
  subNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    return this.sub(a, b, this.newOut(a, Math.max(a.degree, b.degree), Math.min(a.level, b.level)));
  }

  private addSub(op: string, a: Ciphertext, b: Ciphertext, out: Ciphertext, subtract: boolean): Ciphertext {
    this.checkCt(op, a, 'a');
    this.checkCt(op, b, 'b');
    this.checkCt(op, out, 'out');
    const level = this.commonLevel(op, a.level, b.level);
    this.checkScales(op, a.scale, b.scale);
    const deg = Math.max(a.degree, b.degree);
    const scale = a.scale;
    const slots = Math.max(a.slots, b.slots);
    // Keep references to the input limbs before reshaping out (which may be a or b).
    const A = a.c.map((p) => p.data);
    const B = b.c.map((p) => p.data);
    reshape(this.params, out, deg, level);
    const N = this.params.N;
    for (let k = 0; k <= deg; k++) {
      const O = out.c[k].data;
      const x = A[k];
      const y = B[k];
      for (let i = 0; i <= level; i++) {
        const q = this.params.Q[i];
        const off = i * N;
        if (x !== undefined && y !== undefined) {
          if (subtract) {
            for (let c = off; c < off + N; c++) {
              const d = (x[c] - y[c]) | 0;
              O[c] = d + ((d >> 31) & q);
            }
          } else {
            for (let c = off; c < off + N; c++) {
              const s = (x[c] + y[c] - q) | 0;
              O[c] = s + ((s >> 31) & q);
            }
          }
        } else if (x !== undefined) {
          if (O !== x) O.set(x.subarray(off, off + N), off);
        } else if (subtract) {
          for (let c = off; c < off + N; c++) O[c] = y[c] === 0 ? 0 : q - y[c];
        } else if (O !== y) O.set(y.subarray(off, off + N), off);
      }
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** out = -a. */
  negate(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.negate';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    const A = a.c.map((p) => p.data);
    const level = a.level;
    const scale = a.scale;
    const slots = a.slots;
    reshape(this.params, out, a.degree, level);
    const N = this.params.N;
    for (let k = 0; k < A.length; k++) {
      const O = out.c[k].data;
      for (let i = 0; i <= level; i++) {
        const q = this.params.Q[i];
        for (let c = i * N; c < (i + 1) * N; c++) O[c] = A[k][c] === 0 ? 0 : q - A[k][c];
      }
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link negate}. */
  negateNew(a: Ciphertext): Ciphertext {
    return this.negate(a, this.newOut(a, a.degree, a.level));
  }

  /**
   * out = a + pt (or a - pt). The plaintext must have the ciphertext's scale.
   * @throws LevelMismatchError / ScaleMismatchError
   */
  addPlain(a: Ciphertext, pt: Plaintext, out: Ciphertext, subtract = false): Ciphertext {
    const op = subtract ? 'Evaluator.subPlain' : 'Evaluator.addPlain';
    this.checkCt(op, a, 'a');
    this.checkPt(op, pt, 'pt');
    this.checkCt(op, out, 'out');
    const level = this.plainLevel(op, a.level, pt.level);
    this.checkScales(op, a.scale, pt.scale);
    const A = a.c.map((p) => p.data);
    const M = pt.poly.data;
    const scale = a.scale;
    const slots = Math.max(a.slots, pt.slots);
    reshape(this.params, out, a.degree, level);
    const N = this.params.N;
    for (let k = 0; k < A.length; k++) {
      const O = out.c[k].data;
      if (k > 0) {
        if (O !== A[k]) O.set(A[k].subarray(0, (level + 1) * N));
        continue;
      }
      for (let i = 0; i <= level; i++) {
        const q = this.params.Q[i];
        for (let c = i * N; c < (i + 1) * N; c++) {
          if (subtract) {
            const d = (A[0][c] - M[c]) | 0;
            O[c] = d + ((d >> 31) & q);
          } else {
            const s = (A[0][c] + M[c] - q) | 0;
            O[c] = s + ((s >> 31) & q);
          }
        }
      }
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link addPlain}. */
  addPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    return this.addPlain(a, pt, this.newOut(a, a.degree, Math.min(a.level, pt.level)));
  }

  /** out = a - pt. */
  subPlain(a: Ciphertext, pt: Plaintext, out: Ciphertext): Ciphertext {
    return this.addPlain(a, pt, out, true);
  }

  /** Allocating {@link subPlain}. */
  subPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    return this.addPlain(a, pt, this.newOut(a, a.degree, Math.min(a.level, pt.level)), true);
  }

  /** A plaintext at a higher level than the ciphertext is usable through its prefix only with matchLevels. */
  private plainLevel(op: string, ctLevel: number, ptLevel: number): number {
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

  /**
   * out = a + c for a real constant c (added to every slot), encoded at the ciphertext's scale.
   * @throws CkksError if c is not finite
   */
  addConst(a: Ciphertext, c: number, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.addConst';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    if (!Number.isFinite(c)) throw new CkksError('OUT_OF_RANGE', op, `the constant must be finite, got ${c}`);
    const M = Math.round(c * a.scale);
    if (!Number.isFinite(M)) throw new CkksError('OUT_OF_RANGE', op, `c * scale overflows: ${c} * ${a.scale}`);
    if (out !== a) this.copy(a, out);
    const N = this.params.N;
    const O = out.c[0].data;
    // The constant polynomial M has the value M at every NTT point.
    for (let i = 0; i <= out.level; i++) {
      const q = this.params.Q[i];
      const m = residueOfInteger(M, q);
      for (let k = i * N; k < (i + 1) * N; k++) {
        const s = (O[k] + m - q) | 0;
        O[k] = s + ((s >> 31) & q);
      }
    }
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link addConst}. */
  addConstNew(a: Ciphertext, c: number): Ciphertext {
    return this.addConst(a, c, this.newOut(a, a.degree, a.level));
  }

  // ---------------------------------------------------------------- multiplication

  /**
   * out = a * c for a real constant c, encoded as round(c * constScale); the
   * result's scale is a.scale * constScale. The default constScale is the last
   * prime q_level, so that a following rescale restores a.scale exactly.
   * @throws CkksError if c or constScale is not finite / positive
   */
  mulConst(a: Ciphertext, c: number, out: Ciphertext, constScale?: number): Ciphertext {
    const op = 'Evaluator.mulConst';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    const cs = constScale ?? this.params.Q[a.level];
    if (!Number.isFinite(c)) throw new CkksError('OUT_OF_RANGE', op, `the constant must be finite, got ${c}`);
    if (!(Number.isFinite(cs) && cs > 0)) throw new CkksError('OUT_OF_RANGE', op, `constScale must be finite and positive, got ${cs}`);
    const M = Math.round(c * cs);
    const A = a.c.map((p) => p.data);
    const level = a.level;
    const scale = a.scale * cs;
    const slots = a.slots;
    reshape(this.params, out, a.degree, level);
    const N = this.params.N;
    for (let i = 0; i <= level; i++) {
      const q = this.params.Q[i];
      const qInv = 1 / q;
      const m = residueOfInteger(M, q);
      for (let k = 0; k < A.length; k++) {
        const O = out.c[k].data;
        const X = A[k];
        for (let j = i * N; j < (i + 1) * N; j++) O[j] = mulModI(X[j], m, q, qInv);
      }
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.constMultiplications++;
    return out;
  }

  /** Allocating {@link mulConst}. */
  mulConstNew(a: Ciphertext, c: number, constScale?: number): Ciphertext {
    return this.mulConst(a, c, this.newOut(a, a.degree, a.level), constScale);
  }

  /**
   * out = a * pt (slot-wise product); the result's scale is a.scale * pt.scale.
   * @throws LevelMismatchError on mismatched levels
   */
  mulPlain(a: Ciphertext, pt: Plaintext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.mulPlain';
    this.checkCt(op, a, 'a');
    this.checkPt(op, pt, 'pt');
    this.checkCt(op, out, 'out');
    const level = this.plainLevel(op, a.level, pt.level);
    this.mulByNttPoly(a, pt.poly.data, out, level, a.scale * pt.scale, Math.max(a.slots, pt.slots));
    this.counters.ptMultiplications++;
    return out;
  }

  /**
   * out_k = a_k * M (pointwise in NTT form) for every component, on the first
   * level + 1 limbs; out is reshaped and gets the given scale and slot count.
   * Safe when out aliases a (the input limbs are read before being overwritten,
   * element by element).
   */
  private mulByNttPoly(a: Ciphertext, M: Uint32Array, out: Ciphertext, level: number, scale: number, slots: number): void {
    const A = a.c.map((p) => p.data);
    reshape(this.params, out, a.degree, level);
    const N = this.params.N;
    for (let i = 0; i <= level; i++) {
      const q = this.params.Q[i];
      const qInv = 1 / q;
      for (let k = 0; k < A.length; k++) {
        const O = out.c[k].data;
        const X = A[k];
        for (let j = i * N; j < (i + 1) * N; j++) O[j] = mulModI(X[j], M[j], q, qInv);
      }
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
  }

  /**
   * out = a (.) v for a vector of real constants v (one per slot; fewer are
   * zero-padded), encoded at the ciphertext's level with scale `constScale`
   * (default: the last prime q_level, so that a following rescale restores
   * a.scale exactly). The result's scale is a.scale * constScale.
   * @throws CkksError on non-finite values or more values than slots
   */
  mulConstVector(a: Ciphertext, values: ArrayLike<number>, out: Ciphertext, constScale?: number): Ciphertext {
    this.checkCt('Evaluator.mulConstVector', a, 'a');
    const pt = this.encoder().encode(values, a.level, constScale ?? this.params.Q[a.level], a.slots);
    return this.mulPlain(a, pt, out);
  }

  /** Allocating {@link mulConstVector}. */
  mulConstVectorNew(a: Ciphertext, values: ArrayLike<number>, constScale?: number): Ciphertext {
    return this.mulConstVector(a, values, this.newOut(a, a.degree, a.level), constScale);
  }

  /**
   * out = a + v for a vector of real constants (one per slot), encoded at the
   * ciphertext's level and scale. No level is consumed.
   * @throws CkksError on non-finite values or more values than slots
   */
  addConstVector(a: Ciphertext, values: ArrayLike<number>, out: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.addConstVector', a, 'a');
    const pt = this.encoder().encode(values, a.level, a.scale, a.slots);
    return this.addPlain(a, pt, out);
  }

  /** Allocating {@link addConstVector}. */
  addConstVectorNew(a: Ciphertext, values: ArrayLike<number>): Ciphertext {
    return this.addConstVector(a, values, this.newOut(a, a.degree, a.level));
  }

  private encoderInstance: Encoder | undefined;

  private encoder(): Encoder {
    if (this.encoderInstance === undefined) this.encoderInstance = new Encoder(this.params);
    return this.encoderInstance;
  }

  /** Allocating {@link mulPlain}. */
  mulPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    return this.mulPlain(a, pt, this.newOut(a, a.degree, Math.min(a.level, pt.level)));
  }

  /**
   * out = a * b without relinearization: a degree-2 ciphertext
   * (a0 b0, a0 b1 + a1 b0, a1 b1). Both inputs must have degree 1.
   * @throws LevelMismatchError on mismatched levels; CkksError on degree-2 inputs
   */
  mul(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.mul';
    this.checkCt(op, a, 'a');
    this.checkCt(op, b, 'b');
    this.checkCt(op, out, 'out');
    if (a.degree !== 1 || b.degree !== 1) {
      throw new CkksError('INVALID_ARGUMENT', op, `operands must have degree 1 (relinearize first), got degrees ${a.degree} and ${b.degree}`);
    }
    const level = this.commonLevel(op, a.level, b.level);
    const a0 = a.c[0].data;
    const a1 = a.c[1].data;
    const b0 = b.c[0].data;
    const b1 = b.c[1].data;
    const scale = a.scale * b.scale;
    const slots = Math.max(a.slots, b.slots);
    const N = this.params.N;
    // Results go to fresh buffers when out aliases an input.
    const alias = out === a || out === b;
    const d0 = alias ? new RnsPoly(N, level + 1, undefined, true) : undefined;
    const d1 = alias ? new RnsPoly(N, level + 1, undefined, true) : undefined;
    const d2 = alias ? new RnsPoly(N, level + 1, undefined, true) : undefined;
    if (!alias) reshape(this.params, out, 2, level);
    const o0 = (d0 ?? out.c[0]).data;
    const o1 = (d1 ?? out.c[1]).data;
    const o2 = (d2 ?? out.c[2]).data;
    for (let i = 0; i <= level; i++) {
      const q = this.params.Q[i];
      const qInv = 1 / q;
      for (let j = i * N; j < (i + 1) * N; j++) {
        const x0 = a0[j];
        const x1 = a1[j];
        const y0 = b0[j];
        const y1 = b1[j];
        o0[j] = mulModI(x0, y0, q, qInv);
        const s = (mulModI(x0, y1, q, qInv) + mulModI(x1, y0, q, qInv) - q) | 0;
        o1[j] = s + ((s >> 31) & q);
        o2[j] = mulModI(x1, y1, q, qInv);
      }
    }
    if (alias) {
      out.c.length = 0;
      out.c.push(d0 as RnsPoly, d1 as RnsPoly, d2 as RnsPoly);
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.ctMultiplications++;
    return out;
  }

  /** Allocating {@link mul}. */
  mulNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    return this.mul(a, b, this.newOut(a, 2, Math.min(a.level, b.level)));
  }

  /**
   * Relinearize a degree-2 ciphertext to degree 1 with the relinearization key.
   * A degree-1 input is copied unchanged.
   * @throws MissingKeyError without a relinearization key
   */
  relinearize(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.relinearize';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    if (a.degree === 1) return out === a ? out : this.copy(a, out);
    const rlk = this.keys.relin;
    if (rlk === undefined) throw new MissingKeyError(op, 'no relinearization key in the evaluation keys (generate one with KeyGenerator.genRelinKey)');
    const level = a.level;
    const N = this.params.N;
    const u0 = new RnsPoly(N, level + 1, undefined, true);
    const u1 = new RnsPoly(N, level + 1, undefined, true);
    const dec = this.ks.decompose(a.c[2]);
    this.counters.decompositions++;
    this.ks.innerProductModDown(dec, rlk, undefined, u0, u1);
    this.counters.keySwitches++;
    const c0 = a.c[0].data;
    const c1 = a.c[1].data;
    const scale = a.scale;
    const slots = a.slots;
    // u_k <- c_k + u_k, then install u as out's components.
    for (let i = 0; i <= level; i++) {
      const q = this.params.Q[i];
      for (let j = i * N; j < (i + 1) * N; j++) {
        let s = (c0[j] + u0.data[j] - q) | 0;
        u0.data[j] = s + ((s >> 31) & q);
        s = (c1[j] + u1.data[j] - q) | 0;
        u1.data[j] = s + ((s >> 31) & q);
      }
    }
    out.c.length = 0;
    out.c.push(u0, u1);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link relinearize}. */
  relinearizeNew(a: Ciphertext): Ciphertext {
    return this.relinearize(a, this.newOut(a, 1, a.level));
  }

  /** out = relinearize(a * b). @throws as {@link mul} and {@link relinearize} */
  mulRelin(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    this.mul(a, b, out);
    return this.relinearize(out, out);
  }

  /** Allocating {@link mulRelin}. */
  mulRelinNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    return this.mulRelin(a, b, this.newOut(a, 2, Math.min(a.level, b.level)));
  }

  /** out = a^2 (degree 2; relinearize after). */
  square(a: Ciphertext, out: Ciphertext): Ciphertext {
    return this.mul(a, a, out);
  }

  /** Allocating {@link square}. */
  squareNew(a: Ciphertext): Ciphertext {
    return this.mulNew(a, a);
  }

  /**
   * out = a * X^k (negacyclic monomial product), exact and free of noise and
   * levels. With k = N/2 every slot is multiplied by the imaginary unit i
   * (X^(N/2) evaluates to zeta^(N/2 * 5^j) = i at every slot, since 5^j = 1 mod 4);
   * with k = 3N/2 (or -N/2) by -i. Used to pack two real vectors into the real
   * and imaginary parts of one ciphertext.
   * @param a the ciphertext
   * @param k exponent, any safe integer (taken modulo 2N)
   * @param out destination (may alias a)
   */
  mulMonomial(a: Ciphertext, k: number, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.mulMonomial';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `k must be a safe integer, got ${k}`);
    const M = 2 * this.params.N;
    const e = ((k % M) + M) % M;
    this.mulByNttPoly(a, this.monomialNtt(e), out, a.level, a.scale, a.slots);
    return out;
  }

  /** Allocating {@link mulMonomial}. */
  mulMonomialNew(a: Ciphertext, k: number): Ciphertext {
    return this.mulMonomial(a, k, this.newOut(a, a.degree, a.level));
  }

  /** out = i * a (every slot times the imaginary unit), exact, no level. */
  mulByI(a: Ciphertext, out: Ciphertext): Ciphertext {
    return this.mulMonomial(a, this.params.N / 2, out);
  }

  /** Allocating {@link mulByI}. */
  mulByINew(a: Ciphertext): Ciphertext {
    return this.mulMonomialNew(a, this.params.N / 2);
  }

  /** NTT form (over all Q primes) of the monomial X^e, cached. */
  private monomialNtt(e: number): Uint32Array {
    let t = this.monomials.get(e);
    if (t === undefined) {
      const prm = this.params;
      const N = prm.N;
      const p = new RnsPoly(N, prm.Q.length);
      const idx = e % N;
      const negative = e >= N;
      for (let i = 0; i < prm.Q.length; i++) p.data[i * N + idx] = negative ? prm.Q[i] - 1 : 1;
      polyForwardNtt(p, prm.basisQ);
      t = p.data;
      this.monomials.set(e, t);
    }
    return t;
  }

  // ---------------------------------------------------------------- levels

  /**
   * Rescale: divide by the last prime q_l with rounding and drop it; the scale
   * becomes scale / q_l exactly as a float64 quotient.
   * @throws LevelMismatchError at level 0
   */
  rescale(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.rescale';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    const l = a.level;
    if (l === 0) throw new LevelMismatchError(op, 'the ciphertext is at level 0: no prime left to divide by');
    const prm = this.params;
    const N = prm.N;
    const ql = prm.Q[l];
    const half = Math.floor(ql / 2);
    const inv = prm.rescaleInv[l];
    const invS = prm.rescaleInvShoup[l];
    const last = new Uint32Array(N);
    const tmp = new Uint32Array(N);
    const src = a.c.map((p) => p.data);
    const scale = a.scale / ql;
    const slots = a.slots;
    // Destinations: fresh polynomials when out aliases a, else out reshaped to level l - 1.
    let dst: Uint32Array[];
    let fresh: RnsPoly[] | undefined;
    if (out === a) {
      fresh = src.map(() => new RnsPoly(N, l, undefined, true));
      dst = fresh.map((p) => p.data);
    } else {
      reshape(prm, out, src.length - 1, l - 1);
      dst = out.c.map((p) => p.data);
    }
    for (let k = 0; k < src.length; k++) {
      const S = src[k];
      const O = dst[k];
      // Last limb to coefficient form, shifted by half: the centered remainder is then y - half.
      last.set(S.subarray(l * N, (l + 1) * N));
      inverseNttLazyInput(last, prm.basisQ.tables[l]);
      for (let c = 0; c < N; c++) {
        const s = (last[c] + half - ql) | 0;
        last[c] = s + ((s >> 31) & ql);
      }
      for (let i = 0; i < l; i++) {
        const t = prm.basisQ.tables[i];
        const q = t.q;
        const hq = half % q;
        const qInvF = 1 / q;
        // tmp = ([y]_q - [half]_q) mod q: the centered remainder of the last limb, modulo q.
        for (let c = 0; c < N; c++) {
          const y = last[c]; // < q_l < 2^30
          const e = (y * qInvF) | 0; // floor(y/q) +- 1
          let r = (y - Math.imul(e, q) - hq) | 0; // [-2q, 2q), int32
          r += (r >> 31) & q;
          r += (r >> 31) & q; // [0, 2q)
          r = (r - q) | 0;
          tmp[c] = r + ((r >> 31) & q);
        }
        forwardNttLazy(tmp, t); // [0, 4q)
        const w = inv[i];
        const ws = invS[i];
        const off = i * N;
        const q2 = 2 * q;
        for (let c = 0; c < N; c++) {
          let z = (tmp[c] - q2) | 0;
          z += (z >> 31) & q2; // [0, 2q)
          const d = S[off + c] - z + q2; // (0, 3q): exact, < 2^32
          // mulConst by q_l^-1 (Shoup): remainder in [0, 2q), one correction.
          const e = (d * ws) | 0;
          const r = (Math.imul(d, w) - Math.imul(e, q) - q) | 0; // [-q, q)
          O[off + c] = r + ((r >> 31) & q);
        }
      }
    }
    if (fresh !== undefined) {
      out.c.length = 0;
      out.c.push(...fresh);
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.rescales++;
    return out;
  }

  /** Allocating {@link rescale}. */
  rescaleNew(a: Ciphertext): Ciphertext {
    return this.rescale(a, this.newOut(a, a.degree, Math.max(0, a.level - 1)));
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

  // ---------------------------------------------------------------- automorphisms

  private permFor(g: number): Uint32Array {
    let p = this.perms.get(g);
    if (p === undefined) {
      p = automorphismNttIndex(this.params.logN, g);
      this.perms.set(g, p);
    }
    return p;
  }

  private galoisKey(op: string, g: number, what: string): SwitchingKey {
    const key = this.keys.galois.get(g);
    if (key === undefined) {
      throw new MissingKeyError(op, `no Galois key for ${what} (Galois element ${g}); generate it with KeyGenerator.genEvaluationKeys`);
    }
    return key;
  }

  /** Apply sigma_g with its key, from a shared decomposition of a.c[1]. */
  private applyGalois(a: Ciphertext, dec: Decomposition, g: number, key: SwitchingKey, out: Ciphertext): Ciphertext {
    const prm = this.params;
    const N = prm.N;
    const level = a.level;
    const perm = this.permFor(g);
    const u0 = new RnsPoly(N, level + 1, undefined, true);
    const u1 = new RnsPoly(N, level + 1, undefined, true);
    this.ks.innerProductModDown(dec, key, perm, u0, u1);
    this.counters.keySwitches++;
    const c0 = a.c[0].data;
    for (let i = 0; i <= level; i++) {
      const q = prm.Q[i];
      const off = i * N;
      for (let c = 0; c < N; c++) {
        const s = (u0.data[off + c] + c0[off + perm[c]] - q) | 0;
        u0.data[off + c] = s + ((s >> 31) & q);
      }
    }
    const scale = a.scale;
    const slots = a.slots;
    out.c.length = 0;
    out.c.push(u0, u1);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.rotations++;
    return out;
  }

  private checkRotatable(op: string, a: Ciphertext): void {
    this.checkCt(op, a, 'a');
    if (a.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, `the ciphertext must have degree 1 (relinearize first), got ${a.degree}`);
  }

  /**
   * Rotate the slots left by k (negative k rotates right). Rotation by 0
   * (mod N/2) is a copy and needs no key.
   * @throws MissingKeyError without the Galois key for 5^k
   */
  rotate(a: Ciphertext, k: number, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.rotate';
    this.checkRotatable(op, a);
    this.checkCt(op, out, 'out');
    if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `the step must be a safe integer, got ${k}`);
    const g = galoisElementForRotation(k, this.params.logN);
    if (g === 1) return this.copy(a, out);
    const key = this.galoisKey(op, g, `rotation by ${k}`);
    const dec = this.ks.decompose(a.c[1]);
    this.counters.decompositions++;
    return this.applyGalois(a, dec, g, key, out);
  }

  /** Allocating {@link rotate}. */
  rotateNew(a: Ciphertext, k: number): Ciphertext {
    return this.rotate(a, k, this.newOut(a, 1, a.level));
  }

  /**
   * Hoisted rotations: all the given steps of one ciphertext, sharing one
   * decomposition (ModUp) of c_1. Equal to rotating one step at a time.
   * @param a the ciphertext (degree 1)
   * @param steps left rotation steps
   * @returns one ciphertext per step, in order
   * @throws MissingKeyError if any step lacks its key (checked before any work)
   */
  rotateHoistedNew(a: Ciphertext, steps: readonly number[]): Ciphertext[] {
    const op = 'Evaluator.rotateHoisted';
    this.checkRotatable(op, a);
    const gs = steps.map((k) => {
      if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `steps must be safe integers, got ${k}`);
      return galoisElementForRotation(k, this.params.logN);
    });
    const keys = gs.map((g, i) => (g === 1 ? undefined : this.galoisKey(op, g, `rotation by ${steps[i]}`)));
    let dec: Decomposition | undefined;
    return gs.map((g, i) => {
      const out = this.newOut(a, 1, a.level);
      if (g === 1) return this.copy(a, out);
      if (dec === undefined) {
        dec = this.ks.decompose(a.c[1]);
        this.counters.decompositions++;
      }
      return this.applyGalois(a, dec, g, keys[i] as SwitchingKey, out);
    });
  }

  /**
   * Complex conjugation of every slot (sigma_{2N-1}).
   * @throws MissingKeyError without the conjugation key
   */
  conjugate(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.conjugate';
    this.checkRotatable(op, a);
    this.checkCt(op, out, 'out');
    const g = galoisElementForConjugation(this.params.logN);
    const key = this.galoisKey(op, g, 'conjugation');
    const dec = this.ks.decompose(a.c[1]);
    this.counters.decompositions++;
    return this.applyGalois(a, dec, g, key, out);
  }

  /** Allocating {@link conjugate}. */
  conjugateNew(a: Ciphertext): Ciphertext {
    return this.conjugate(a, this.newOut(a, 1, a.level));
  }
}

