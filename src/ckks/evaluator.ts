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

import {
  RnsPoly,
  addLimbs,
  addScalarLimbs,
  mulLimbs,
  mulScalarLimbs,
  negateLimbs,
  polyForwardNtt,
  tensorLimbs,
} from '../ntt/index.js';
import { CkksError, LevelMismatchError, MissingKeyError, checkKeyLevel } from '../rlwe/index.js';
import { Encoder } from './encoder.js';
import { GaloisEvaluator } from './evaluator-galois.js';
import { rescaleComponents, rescaleFirstPass, residueOfInteger } from './kernels.js';
import { Ciphertext, Plaintext, reshape } from './types.js';

/**
 * Evaluates additions, multiplications, rescaling, rotations and conjugation
 * on ciphertexts, given the evaluation keys it needs.
 */
export class Evaluator extends GaloisEvaluator {
  private readonly monomials = new Map<number, Uint32Array>();

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
    this.checkCt('Evaluator.add', a, 'a');
    this.checkCt('Evaluator.add', b, 'b');
    return this.add(a, b, this.newOut(a, Math.max(a.degree, b.degree), Math.min(a.level, b.level)));
  }

  /** out = a - b. @throws as {@link add} */
  sub(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    return this.addSub('Evaluator.sub', a, b, out, true);
  }

  /** Allocating {@link sub}. */
  subNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.sub', a, 'a');
    this.checkCt('Evaluator.sub', b, 'b');
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
    const Q = this.params.Q;
    const words = (level + 1) * N;
    for (let k = 0; k <= deg; k++) {
      const O = out.c[k].data;
      const x = A[k];
      const y = B[k];
      if (x !== undefined && y !== undefined) addLimbs(x, y, O, Q, N, level + 1, subtract);
      else if (x !== undefined) {
        if (O !== x) O.set(x.subarray(0, words));
      } else if (subtract) negateLimbs(y, O, Q, N, level + 1);
      else if (O !== y) O.set(y.subarray(0, words));
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
    for (let k = 0; k < A.length; k++) negateLimbs(A[k], out.c[k].data, this.params.Q, this.params.N, level + 1);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link negate}. */
  negateNew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.negate', a, 'a');
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
    addLimbs(A[0], M, out.c[0].data, this.params.Q, N, level + 1, subtract);
    for (let k = 1; k < A.length; k++) {
      const O = out.c[k].data;
      if (O !== A[k]) O.set(A[k].subarray(0, (level + 1) * N));
    }
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link addPlain}. */
  addPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    this.checkCt('Evaluator.addPlain', a, 'a');
    this.checkPt('Evaluator.addPlain', pt, 'pt');
    return this.addPlain(a, pt, this.newOut(a, a.degree, Math.min(a.level, pt.level)));
  }

  /** out = a - pt. */
  subPlain(a: Ciphertext, pt: Plaintext, out: Ciphertext): Ciphertext {
    return this.addPlain(a, pt, out, true);
  }

  /** Allocating {@link subPlain}. */
  subPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    this.checkCt('Evaluator.subPlain', a, 'a');
    this.checkPt('Evaluator.subPlain', pt, 'pt');
    return this.addPlain(a, pt, this.newOut(a, a.degree, Math.min(a.level, pt.level)), true);
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
    // The input satisfies |m scale| < Q_level / 2, so |M| >= Q_level makes the sum
    // certain to wrap around modulo Q_level (it would decrypt to an unrelated value).
    if (!Number.isFinite(M) || !(Math.log2(Math.abs(M)) < this.logQAt(a.level))) {
      throw new CkksError('OUT_OF_RANGE', op, `round(c * scale) = ${c} * 2^${Math.log2(a.scale).toFixed(2)} reaches Q_${a.level} = 2^${this.logQAt(a.level).toFixed(2)}: the sum would wrap around`);
    }
    if (out !== a) this.copy(a, out);
    // The constant polynomial M has the value M at every NTT point.
    const m = this.params.Q.slice(0, out.level + 1).map((q) => residueOfInteger(M, q));
    addScalarLimbs(out.c[0].data, m, out.c[0].data, this.params.Q, this.params.N, out.level + 1);
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link addConst}. */
  addConstNew(a: Ciphertext, c: number): Ciphertext {
    this.checkCt('Evaluator.addConst', a, 'a');
    return this.addConst(a, c, this.newOut(a, a.degree, a.level));
  }

  // ---------------------------------------------------------------- multiplication

  /**
   * out = a * c for a real constant c, encoded as round(c * constScale); the
   * result's scale is a.scale * constScale. The default constScale is the
   * modulus of the top level (q_level, or the product of its primes on a
   * high-precision level), so that a following rescale restores a.scale.
   * @throws CkksError if c or constScale is not finite / positive
   */
  mulConst(a: Ciphertext, c: number, out: Ciphertext, constScale?: number): Ciphertext {
    const op = 'Evaluator.mulConst';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    const cs = constScale ?? this.levelModulus(a.level);
    if (!Number.isFinite(c)) throw new CkksError('OUT_OF_RANGE', op, `the constant must be finite, got ${c}`);
    if (!(Number.isFinite(cs) && cs > 0)) throw new CkksError('OUT_OF_RANGE', op, `constScale must be finite and positive, got ${cs}`);
    const M = Math.round(c * cs);
    const A = a.c.map((p) => p.data);
    const level = a.level;
    const scale = a.scale * cs;
    // An encoded constant is only defined modulo Q_level: |M| >= Q_level / 2 multiplies by
    // M - Q_level as well, and any message above the rounding (|m scale| >= 1) then wraps.
    if (!Number.isFinite(M) || !(Math.log2(Math.abs(M)) < this.logQAt(level) - 1)) {
      throw new CkksError('OUT_OF_RANGE', op, `round(c * constScale) = ${c} * 2^${Math.log2(cs).toFixed(2)} reaches Q_${level}/2 = 2^${(this.logQAt(level) - 1).toFixed(2)}: lower constScale or c`);
    }
    this.checkScaleFinite(op, scale);
    const slots = a.slots;
    reshape(this.params, out, a.degree, level);
    const m = this.params.Q.slice(0, level + 1).map((q) => residueOfInteger(M, q));
    for (let k = 0; k < A.length; k++) mulScalarLimbs(A[k], m, out.c[k].data, this.params.Q, this.params.N, level + 1);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.constMultiplications++;
    return out;
  }

  /** Allocating {@link mulConst}. */
  mulConstNew(a: Ciphertext, c: number, constScale?: number): Ciphertext {
    this.checkCt('Evaluator.mulConst', a, 'a');
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
    this.checkScaleFinite(op, a.scale * pt.scale);
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
    for (let k = 0; k < A.length; k++) mulLimbs(A[k], M, out.c[k].data, this.params.Q, this.params.N, level + 1);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
  }

  /**
   * out = a (.) v for a vector of real constants v (one per slot; fewer are
   * zero-padded), encoded at the ciphertext's level with scale `constScale`
   * (default: the modulus of the top level, as {@link mulConst}, so that a following rescale restores
   * a.scale exactly). The result's scale is a.scale * constScale.
   * @throws CkksError on non-finite values or more values than slots
   */
  mulConstVector(a: Ciphertext, values: ArrayLike<number>, out: Ciphertext, constScale?: number): Ciphertext {
    this.checkCt('Evaluator.mulConstVector', a, 'a');
    const pt = this.encoder().encode(values, a.level, constScale ?? this.levelModulus(a.level), a.slots);
    return this.mulPlain(a, pt, out);
  }

  /** Allocating {@link mulConstVector}. */
  mulConstVectorNew(a: Ciphertext, values: ArrayLike<number>, constScale?: number): Ciphertext {
    this.checkCt('Evaluator.mulConstVector', a, 'a');
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
    this.checkCt('Evaluator.addConstVector', a, 'a');
    return this.addConstVector(a, values, this.newOut(a, a.degree, a.level));
  }

  private encoderInstance: Encoder | undefined;

  private encoder(): Encoder {
    if (this.encoderInstance === undefined) this.encoderInstance = new Encoder(this.params);
    return this.encoderInstance;
  }

  /** Allocating {@link mulPlain}. */
  mulPlainNew(a: Ciphertext, pt: Plaintext): Ciphertext {
    this.checkCt('Evaluator.mulPlain', a, 'a');
    this.checkPt('Evaluator.mulPlain', pt, 'pt');
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
    this.checkScaleFinite(op, a.scale * b.scale);
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
    tensorLimbs(a0, a1, b0, b1, o0, o1, o2, this.params.Q, N, level + 1);
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
    this.checkCt('Evaluator.mul', a, 'a');
    this.checkCt('Evaluator.mul', b, 'b');
    return this.mul(a, b, this.newOut(a, 2, Math.min(a.level, b.level)));
  }

  /**
   * Relinearize a degree-2 ciphertext to degree 1 with the relinearization key.
   * A degree-1 input is copied unchanged.
   * @throws MissingKeyError without a relinearization key; LevelMismatchError if the key was
   *   generated for lower levels than a's (checked before any work)
   */
  relinearize(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.relinearize';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    if (a.degree === 1) return out === a ? out : this.copy(a, out);
    const level = a.level;
    const rlk = this.keys.relinKeyAt(level);
    if (rlk === undefined) throw new MissingKeyError(op, 'no relinearization key in the evaluation keys (generate one with KeyGenerator.genRelinKey)');
    checkKeyLevel(op, rlk, level, 'the relinearization key');
    const dec = this.decomposeReusing(a.c[2]);
    this.counters.decompositions++;
    const scale = a.scale;
    const slots = a.slots;
    // out_k = c_k + ModDown(acc_k), the sum made by the ModDown's last pass (in place when
    // out is a: c_2 was read by the decomposition already, and each word of c_k is read
    // before the same word of out_k is written).
    const [c0, c1] = a.c;
    if (out !== a) reshape(this.params, out, 1, level);
    this.ks.innerProductModDown(dec, rlk, undefined, out.c[0], out.c[1], c0, c1);
    this.counters.keySwitches++;
    if (out === a) out.c.length = 2;
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    return out;
  }

  /** Allocating {@link relinearize}. */
  relinearizeNew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.relinearize', a, 'a');
    return this.relinearize(a, this.newOut(a, 1, a.level));
  }

  /** out = relinearize(a * b). @throws as {@link mul} and {@link relinearize} */
  mulRelin(a: Ciphertext, b: Ciphertext, out: Ciphertext): Ciphertext {
    this.mul(a, b, out);
    return this.relinearize(out, out);
  }

  /** Allocating {@link mulRelin}. */
  mulRelinNew(a: Ciphertext, b: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.mulRelin', a, 'a');
    this.checkCt('Evaluator.mulRelin', b, 'b');
    return this.mulRelin(a, b, this.newOut(a, 2, Math.min(a.level, b.level)));
  }

  /** out = a^2 (degree 2; relinearize after). */
  square(a: Ciphertext, out: Ciphertext): Ciphertext {
    return this.mul(a, a, out);
  }

  /** Allocating {@link square}. */
  squareNew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.square', a, 'a');
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
    this.checkCt('Evaluator.mulMonomial', a, 'a');
    return this.mulMonomial(a, k, this.newOut(a, a.degree, a.level));
  }

  /** out = i * a (every slot times the imaginary unit), exact, no level. */
  mulByI(a: Ciphertext, out: Ciphertext): Ciphertext {
    return this.mulMonomial(a, this.params.N / 2, out);
  }

  /** Allocating {@link mulByI}. */
  mulByINew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.mulByI', a, 'a');
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
   * Rescale: divide by the primes of the top level with rounding and drop
   * them (Cheon, Han, Kim, Kim and Song, SAC 2018, section 3.3). With one prime
   * per level that is round(c / q_l). A high-precision level of two primes
   * (`levelPrimes`) divides by their product in one pass: the result is
   * exactly round(c / (q_l q_{l-1})) (see rescaleComponentTwo in kernels.ts).
   * A level of k > 2 primes divides by q_l q_{l-1} ... q_{l-k+1} one prime
   * after the other (each step rounds to nearest, so the result is within
   * 1/2 + 1/(2 q) of round(c / (q_l ... q_{l-k+1}))). The scale becomes
   * scale / q_l / ... as float64 quotients.
   * @param a the ciphertext, at the top prime of a level
   * @param out destination (may alias a), at level l - k on return
   * @returns out
   * @throws LevelMismatchError at the chain's base, or at a level inside a high-precision level
   */
  rescale(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.rescale';
    this.checkCt(op, a, 'a');
    this.checkCt(op, out, 'out');
    const l = a.level;
    const prm = this.params;
    const k = prm.rescalePrimes[l];
    if (k === 0) {
      throw new LevelMismatchError(op, `level ${l} is inside a high-precision level of the chain (levelPrimes ${JSON.stringify(prm.levelPrimes)}): rescale from the top prime of a level`);
    }
    if (l - k < 0) throw new LevelMismatchError(op, `the ciphertext is at level ${l}, the base of the chain: no prime left to divide by`);
    const N = prm.N;
    const src = a.c.map((p) => p.data);
    let scale = a.scale;
    for (let j = 0; j < k; j++) scale /= prm.Q[l - j];
    const slots = a.slots;
    // Destinations of what the first pass writes (two primes of a level in one pass, else one):
    // fresh polynomials when out aliases a, else out reshaped; cut to level l - k at the end.
    const first = rescaleFirstPass(prm, l);
    let dst: Uint32Array[];
    let fresh: RnsPoly[] | undefined;
    if (out === a) {
      fresh = src.map(() => new RnsPoly(N, l + 1 - first, undefined, true));
      dst = fresh.map((p) => p.data);
    } else {
      reshape(prm, out, src.length - 1, l - first);
      dst = out.c.map((p) => p.data);
    }
    rescaleComponents(prm, src, dst, l, k);
    if (fresh !== undefined) {
      out.c.length = 0;
      out.c.push(...fresh);
    }
    if (k > first) reshape(prm, out, src.length - 1, l - k);
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.rescales++;
    return out;
  }

  /** Allocating {@link rescale}. */
  rescaleNew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.rescale', a, 'a');
    return this.rescale(a, this.newOut(a, a.degree, Math.max(0, a.level - Math.max(1, this.params.rescalePrimes[a.level]))));
  }
}
