/**
 * Hybrid key switching (Han and Ki, CT-RSA 2020, section 3; RNS form of
 * Cheon, Han, Kim, Kim and Song, SAC 2018, section 4.2), split so that the
 * decomposition can be shared by several rotations (hoisting: Halevi and
 * Shoup, "Faster Homomorphic Linear Transformations in HElib", CRYPTO 2018).
 *
 * For d in R_{Q_l} (NTT form):
 *  1. decompose: for each digit j (primes D_j of Q_l), ModUp [d]_{D_j} to
 *     Q_l ∪ P by fast basis conversion; the result d~_j is in NTT form. The
 *     conversion adds u*Q_j (u small), which the gadget factor annihilates.
 *  2. inner product with the key, optionally through the slot permutation of
 *     an automorphism: acc = sum_j sigma(d~_j) * (b_j, a_j) over Q_l ∪ P.
 *  3. ModDown: (acc - [acc]_P lifted to Q_l) * P^-1, back in R_{Q_l}.
 * The result (u0, u1) satisfies u0 + u1 s = sigma(d) s' + e_ks (mod Q_l).
 *
 * @module
 */

import {
  BasisConverter,
  RnsPoly,
  addLimbs,
  indexRange,
  selectBasis,
  subBasis,
  forwardNtt,
  forwardNttLazy,
  inverseNttLazyInput,
  inverseNttLazyInputTimes,
  invMod,
  mulMod,
  mulScalarLimbs,
  shoupConstant,
} from '../ntt/index.js';
import { CkksError } from './errors.js';
import { expandSwitchingKeyA, switchingKeyAWords } from './compact.js';
import { type SwitchingKey, checkKeyLevel } from './keys.js';
import { addAutomorphismLimb, liftOnePrime, macDigits, modDownLimb, shiftSmallInto } from './ks-kernels.js';
import type { RlweParameters as Parameters } from './params.js';

/**
 * x <- x + sign * e mod q, for x in [0, q) and small signed e (|e| < q): the
 * sum lies in (-q, 2q) and one correction each way brings it back to [0, q).
 */
function addSmallInto(x: Uint32Array, e: Int32Array, q: number, sign: 1 | -1): void {
  q |= 0;
  for (let c = 0; c < x.length; c++) {
    let v = (x[c] + sign * e[c]) | 0; // (-q, 2q): int32
    v += (v >> 31) & q;
    v -= q;
    x[c] = v + ((v >> 31) & q);
  }
}

/** Whether two views share any byte of one buffer. */
function overlaps(a: Uint32Array, b: Uint32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** The ModUp of one polynomial: one extended polynomial per digit, over Q_l ∪ P, NTT form. */
export interface Decomposition {
  readonly level: number;
  /** digits[j] has (level + 1 + |P|) limbs: Q_0..Q_l, then P_0..P_{K-1}. */
  readonly digits: RnsPoly[];
}

/**
 * Key-switching engine for one parameter set. Holds cached basis converters
 * per level and scratch buffers; not safe to share between concurrent callers.
 */
export class KeySwitcher {
  readonly params: Parameters;
  private readonly modUp = new Map<string, BasisConverter>();
  private readonly modDown = new Map<string, BasisConverter>();
  private readonly pInv = new Map<number, { w: Uint32Array; ws: Float64Array }>();
  private scratchCoeff: Uint32Array | undefined;
  private readonly acc: (Uint32Array | undefined)[] = [undefined, undefined];
  private scratchConv: Uint32Array | undefined;
  /** The compact key whose first a_j {@link expandedA} holds (the last one taken up). */
  private expandedKey: SwitchingKey | undefined;
  private expandedA: Uint32Array[] = [];
  private expandBuf: Uint32Array | undefined;
  /** N zero words: the start values of an overwriting inner product and the addend of a bare ModDown (never written). */
  private zeroLimb: Uint32Array | undefined;
  /** N zero small coefficients: the error of a one-prime ModDown without one (never written). */
  private zeroSmall: Int32Array | undefined;
  /** The identity permutation of N slots: the inner product's and ModDown's when no automorphism applies (never written). */
  private identityPerm: Uint32Array | undefined;

  /** @param params parameters */
  constructor(params: Parameters) {
    this.params = params;
  }

  /**
   * The words of a key's first `digits` a_j: its own, or for a compact key
   * the seed's expansion (src/rlwe/compact.ts) into this switcher's buffer,
   * kept until another compact key is taken up (so consecutive switchings
   * with one key expand it once). Below the key's level only the digits
   * in use are expanded.
   */
  private keyA(key: SwitchingKey, digits: number): Uint32Array[] {
    if (!key.compact) return key.a.map((p) => p.data);
    if (this.expandedKey !== key || this.expandedA.length < digits) {
      const words = switchingKeyAWords(this.params, key, digits);
      if (this.expandBuf === undefined || this.expandBuf.length < words) this.expandBuf = new Uint32Array(words);
      this.expandedKey = undefined; // not valid while being overwritten
      this.expandedA = expandSwitchingKeyA(this.params, key, this.expandBuf, digits);
      this.expandedKey = key;
    }
    return this.expandedA;
  }

  /** Number of digits active at a level. */
  digitsAt(level: number): number {
    return Math.ceil((level + 1) / this.params.digitSize);
  }

  private modUpConverter(level: number, j: number): BasisConverter {
    const key = `${level}:${j}`;
    let c = this.modUp.get(key);
    if (c === undefined) {
      const prm = this.params;
      const lo = j * prm.digitSize;
      const hi = Math.min(level + 1, lo + prm.digitSize);
      // Sub-bases of the parameters' own basis Q ∪ P: no table is built.
      const nQ = prm.Q.length;
      const from = indexRange(lo, hi);
      const to = [...indexRange(0, lo), ...indexRange(hi, level + 1), ...indexRange(nQ, nQ + prm.P.length)];
      c = new BasisConverter(selectBasis(prm.basisQP, from), selectBasis(prm.basisQP, to));
      this.modUp.set(key, c);
    }
    return c;
  }

  private modDownConverter(level: number, primes: number): BasisConverter {
    const key = `${level}:${primes}`;
    let c = this.modDown.get(key);
    if (c === undefined) {
      const prm = this.params;
      const nQ = prm.Q.length;
      const from = primes === prm.P.length ? prm.basisP : selectBasis(prm.basisQP, indexRange(nQ, nQ + primes));
      c = new BasisConverter(from, subBasis(prm.basisQ, level + 1));
      this.modDown.set(key, c);
    }
    return c;
  }

  /** (P_0 ... P_{primes-1})^-1 mod q_i with Shoup constants, i < |Q| (the parameters' own for all of P). */
  private pInverse(primes: number): { w: Uint32Array; ws: Float64Array } {
    const prm = this.params;
    let c = this.pInv.get(primes);
    if (c === undefined && primes === prm.P.length) {
      c = { w: prm.pInvModQ, ws: prm.pInvModQShoup };
      this.pInv.set(primes, c);
    }
    if (c === undefined) {
      const w = new Uint32Array(prm.Q.length);
      const ws = new Float64Array(prm.Q.length);
      for (let i = 0; i < prm.Q.length; i++) {
        const q = prm.Q[i];
        let prod = 1;
        for (let k = 0; k < primes; k++) prod = mulMod(prod, prm.P[k] % q, q, 1 / q);
        w[i] = invMod(prod, q);
        ws[i] = shoupConstant(w[i], q);
      }
      c = { w, ws };
      this.pInv.set(primes, c);
    }
    return c;
  }

  private identity(): Uint32Array {
    return (this.identityPerm ??= Uint32Array.from({ length: this.params.N }, (_, c) => c));
  }

  private zeros(): Uint32Array {
    return (this.zeroLimb ??= new Uint32Array(this.params.N));
  }

  /** The prime of limb i of a polynomial over Q_l ∪ P with nL = level + 1 limbs of Q: q_i, then P's. */
  private extModulus(i: number, nL: number): number {
    const prm = this.params;
    return prm.basisQP.moduli[i < nL ? i : prm.Q.length + (i - nL)];
  }

  /** Refuse a rotate-and-add step's operands unless x0 and y0 are separate with level + 1 + |P| limbs and c1 has level + 1. */
  private checkChainOperands(op: string, level: number, x0: RnsPoly, y0: RnsPoly, c1: RnsPoly): void {
    const nL = level + 1;
    const ext = nL + this.params.P.length;
    if (x0.limbs < ext || y0.limbs < ext || c1.limbs < nL || overlaps(x0.data, y0.data)) {
      throw new CkksError('INVALID_ARGUMENT', op, `need x0 and a separate y0 with ${ext} limbs and c1 with ${nL}`);
    }
  }

  /** y0 += x0 + sigma(x0) on every limb over Q_l ∪ P (values in [0, 2q)). */
  private addAutomorphismInto(y0: RnsPoly, x0: RnsPoly, perm: Uint32Array, level: number): void {
    const N = this.params.N;
    const nL = level + 1;
    for (let i = 0, ext = nL + this.params.P.length; i < ext; i++) addAutomorphismLimb(y0.data, x0.data, i * N, N, this.extModulus(i, nL), perm);
    y0.isNtt = true;
  }

  /** Reused accumulator polynomial k (0 or 1) with `limbs` limbs. */
  private accumulator(k: number, limbs: number): RnsPoly {
    const N = this.params.N;
    let buf = this.acc[k];
    if (buf === undefined || buf.length < limbs * N) {
      buf = new Uint32Array((this.params.Q.length + this.params.P.length) * N);
      this.acc[k] = buf;
    }
    return new RnsPoly(N, limbs, buf.subarray(0, limbs * N), true);
  }

  private scratch(words: number, which: 'coeff' | 'conv'): Uint32Array {
    const cur = which === 'coeff' ? this.scratchCoeff : this.scratchConv;
    if (cur !== undefined && cur.length >= words) return cur.subarray(0, words);
    const fresh = new Uint32Array(words);
    if (which === 'coeff') this.scratchCoeff = fresh;
    else this.scratchConv = fresh;
    return fresh;
  }

  /**
   * ModUp of every digit of d (NTT form, level + 1 limbs).
   * Cost: (level+1) inverse NTTs and, per digit, (level + 1 - |D_j| + |P|) forward NTTs.
   * @param d the polynomial to decompose (not modified)
   * @param out optional decomposition to reuse (same level)
   */
  decompose(d: RnsPoly, out?: Decomposition): Decomposition {
    const prm = this.params;
    const N = prm.N;
    const level = d.limbs - 1;
    const ext = level + 1 + prm.P.length;
    const beta = this.digitsAt(level);
    const digits = out !== undefined && out.level === level ? out.digits : [];
    while (digits.length < beta) digits.push(new RnsPoly(N, ext, undefined, true));
    this.decomposeDigits(d, digits, 0, beta);
    return { level, digits: digits.slice(0, beta) };
  }

  /**
   * ModUp of digits [from, to) of d only: the part of {@link decompose} one
   * thread does when a key switching is split between threads (each digit is
   * independent of the others). The result is decompose's, digit for digit.
   * Cost: the inverse NTTs of those digits' limbs and, per digit,
   * (level + 1 - |D_j| + |P|) forward NTTs.
   * @param d the polynomial to decompose (NTT form, level + 1 limbs; not modified)
   * @param digits destinations, digits[j] for j in [from, to) with level + 1 + |P| limbs (overwritten)
   * @param from first digit
   * @param to one past the last digit, at most {@link digitsAt}(level)
   * @throws CkksError (INVALID_ARGUMENT) on a digit range or destination of another shape
   */
  decomposeDigits(d: RnsPoly, digits: readonly RnsPoly[], from: number, to: number): void {
    const prm = this.params;
    const N = prm.N;
    const level = d.limbs - 1;
    const nL = level + 1;
    const K = prm.P.length;
    const ext = nL + K;
    const beta = this.digitsAt(level);
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > beta || from > to) {
      throw new CkksError('INVALID_ARGUMENT', 'KeySwitcher.decomposeDigits', `digits [${from}, ${to}) are not within [0, ${beta})`);
    }
    for (let j = from; j < to; j++) {
      if (digits[j]?.limbs !== ext) throw new CkksError('INVALID_ARGUMENT', 'KeySwitcher.decomposeDigits', `digit ${j} must have ${ext} limbs`);
    }
    if (from === to) return;
    // Coefficient form of the digits' limbs of d.
    const first = from * prm.digitSize;
    const last = Math.min(nL, to * prm.digitSize);
    const coeff = this.scratch(nL * N, 'coeff');
    coeff.set(d.data.subarray(first * N, last * N), first * N);
    for (let j = from; j < to; j++) {
      const lo = j * prm.digitSize;
      const hi = Math.min(nL, lo + prm.digitSize);
      const conv = this.modUpConverter(level, j);
      // Coefficient form of the digit's limbs, each times the conversion's factor (merged into
      // the inverse NTT's last layer, with N^-1), so the conversion skips its own products.
      for (let i = lo; i < hi; i++) {
        const [c, cs] = conv.scaleFactor(i - lo);
        inverseNttLazyInputTimes(coeff.subarray(i * N, (i + 1) * N), prm.basisQ.tables[i], c, cs);
      }
      const outLimbs = nL - (hi - lo) + K;
      const tmp = this.scratch(outLimbs * N, 'conv');
      conv.convertScaled(coeff.subarray(lo * N, hi * N), tmp, true);
      const dst = digits[j].data;
      // Digit's own limbs: already known in NTT form.
      dst.set(d.data.subarray(lo * N, hi * N), lo * N);
      // Converted limbs: Q_0..Q_{lo-1}, Q_hi..Q_l, P_0..P_{K-1}, each NTT'd in place.
      let t = 0;
      for (let i = 0; i < ext; i++) {
        if (i >= lo && i < hi) continue;
        const limb = dst.subarray(i * N, (i + 1) * N);
        limb.set(tmp.subarray(t * N, (t + 1) * N));
        const tables = i < nL ? prm.basisQP.tables[i] : prm.basisQP.tables[prm.Q.length + (i - nL)];
        forwardNtt(limb, tables); // fully reduced
        t++;
      }
      digits[j].isNtt = true;
    }
  }

  /**
   * Inner product of a decomposition with a switching key, then ModDown.
   * @param dec the decomposition of d (from {@link decompose})
   * @param key the switching key (s' -> s)
   * @param perm optional NTT slot permutation of an automorphism sigma; the result then switches sigma(d)
   * @param u0 destination (level + 1 limbs, NTT form), overwritten
   * @param u1 destination (level + 1 limbs, NTT form), overwritten
   * @param x0 optional term added to u0 in the same pass as the ModDown, through perm when it is
   *   given: u0 = ModDown(acc0) + sigma(x0) (level + 1 limbs, NTT form, values in [0, q); it may
   *   be u0 itself only without perm). A rotation's c_0, a relinearization's d_0.
   * @param x1 likewise for u1 (a relinearization's d_1)
   * @throws LevelMismatchError if the key is restricted below dec.level (nothing written)
   */
  innerProductModDown(dec: Decomposition, key: SwitchingKey, perm: Uint32Array | undefined, u0: RnsPoly, u1: RnsPoly, x0?: RnsPoly, x1?: RnsPoly): void {
    checkKeyLevel('KeySwitcher.innerProductModDown', key, dec.level);
    const level = dec.level;
    const ext = level + 1 + this.params.P.length;
    const acc0 = this.accumulator(0, ext);
    const acc1 = this.accumulator(1, ext);
    this.macLimbs(dec, key, perm, acc0, acc1, 0, ext, true);
    this.modDownInto(acc0, level, u0, undefined, undefined, x0 === undefined ? undefined : { x: x0, perm });
    this.modDownInto(acc1, level, u1, undefined, undefined, x1 === undefined ? undefined : { x: x1, perm });
  }

  /**
   * Limbs [from, to) of the inner product of {@link innerProductModDown},
   * before its ModDown: acc0 = sum_j sigma(d~_j) b_j and acc1 = sum_j
   * sigma(d~_j) a_j there (overwritten), over Q_0..Q_level then P. Limbs are
   * independent, so threads can split them.
   * @param dec the decomposition of d (every digit)
   * @param key the switching key (s' -> s)
   * @param perm optional NTT slot permutation of an automorphism sigma
   * @param acc0 level + 1 + |P| limbs; limbs [from, to) get values in [0, 2q)
   * @param acc1 like acc0
   * @param from first limb (of Q_0..Q_level, P_0..P_{K-1})
   * @param to one past the last limb
   * @throws LevelMismatchError if the key is restricted below dec.level; CkksError (INVALID_ARGUMENT) on a limb range outside the accumulators
   */
  innerProductLimbs(dec: Decomposition, key: SwitchingKey, perm: Uint32Array | undefined, acc0: RnsPoly, acc1: RnsPoly, from: number, to: number): void {
    checkKeyLevel('KeySwitcher.innerProductLimbs', key, dec.level);
    const ext = dec.level + 1 + this.params.P.length;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > ext || from > to || acc0.limbs < ext || acc1.limbs < ext) {
      throw new CkksError('INVALID_ARGUMENT', 'KeySwitcher.innerProductLimbs', `limbs [${from}, ${to}) must lie within [0, ${ext}) of accumulators with ${ext} limbs`);
    }
    this.macLimbs(dec, key, perm, acc0, acc1, from, to, true);
  }

  /** Limbs [from, to) of sum_j sigma(d~_j) (b_j, a_j) into (acc0, acc1): overwritten, or added (values in [0, 2q) either way). */
  private macLimbs(dec: Decomposition, key: SwitchingKey, perm: Uint32Array | undefined, acc0: RnsPoly, acc1: RnsPoly, from: number, to: number, overwrite: boolean): void {
    const prm = this.params;
    const N = prm.N;
    const nL = dec.level + 1;
    const kQ = key.level + 1; // the key's Q limbs; its P limbs follow
    const beta = dec.digits.length;
    const a = this.keyA(key, beta);
    const D = dec.digits.map((d) => d.data);
    const B = key.b.map((p) => p.data);
    const A0 = acc0.data;
    const A1 = acc1.data;
    const zero = this.zeros();
    const p = perm ?? this.identity();
    for (let i = from; i < to; i++) {
      const keyLimb = i < nL ? i : kQ + (i - nL);
      const q = this.extModulus(i, nL);
      if (overwrite) macDigits(D, B, a, 0, beta, i * N, p, keyLimb * N, zero, zero, 0, A0, A1, i * N, N, q);
      else macDigits(D, B, a, 0, beta, i * N, p, keyLimb * N, A0, A1, i * N, A0, A1, i * N, N, q);
    }
  }

  /**
   * The lazy half of key switching: acc0 += sum_j sigma(d~_j) b_j and
   * acc1 += sum_j sigma(d~_j) a_j over Q_l ∪ P, without ModDown. Key-switched
   * terms that are summed anyway (the giant steps of a linear transform, a
   * rotate-and-add) can be accumulated here and divided by P once with
   * {@link modDownInto}, saving a ModDown per extra term (Halevi and Shoup,
   * Crypto 2018, section 5; Bossuat et al., Eurocrypt 2021, section 6.1).
   * The rounding of the single division is that of one key switching.
   * @param dec the decomposition of d (from {@link decompose})
   * @param key the switching key (s' -> s)
   * @param perm optional NTT slot permutation of an automorphism sigma (the term then switches sigma(d))
   * @param acc0 accumulator with level + 1 + |P| limbs (Q_0..Q_level then P), values in [0, 2q); zero to start
   * @param acc1 accumulator like acc0
   * @throws LevelMismatchError if the key is restricted below dec.level (nothing written)
   */
  innerProductAdd(dec: Decomposition, key: SwitchingKey, perm: Uint32Array | undefined, acc0: RnsPoly, acc1: RnsPoly): void {
    checkKeyLevel('KeySwitcher.innerProductAdd', key, dec.level);
    this.macLimbs(dec, key, perm, acc0, acc1, 0, dec.level + 1 + this.params.P.length, false);
  }

  /**
   * x over Q_l to P x over Q_l ∪ P (NTT form): [P]_{q_i} x on the limbs of Q_l, zero on those
   * of P. {@link modDownInto} takes it back to x exactly ([P x]_P = 0, so the lift is zero and
   * the division by P is exact): the start of a sum kept over Q_l ∪ P, such as the c_0 side of
   * {@link rotateAddStep}.
   * @param x level + 1 limbs (NTT form, values in [0, q)); not modified
   * @param level its level
   * @param out destination with level + 1 + |P| limbs (must not overlap x), overwritten with values in [0, q)
   * @throws CkksError (INVALID_ARGUMENT) on too few limbs or an overlap
   */
  liftByPInto(x: RnsPoly, level: number, out: RnsPoly): void {
    const prm = this.params;
    const N = prm.N;
    const nL = level + 1;
    const ext = nL + prm.P.length;
    if (x.limbs < nL || out.limbs < ext || overlaps(x.data, out.data)) {
      throw new CkksError('INVALID_ARGUMENT', 'KeySwitcher.liftByPInto', `need x with ${nL} limbs and a separate output with ${ext}`);
    }
    mulScalarLimbs(x.data, prm.pModQ, out.data, prm.Q, N, nL);
    out.data.fill(0, nL * N, ext * N);
    out.isNtt = true;
  }

  /**
   * One step x <- x + sigma(x) of a rotate-and-add chain, with the c_0 side kept over Q_l ∪ P
   * (the ModDown of a rotation's b part is linear up to its rounding, so the c_0 side of a
   * whole chain can be divided by P once; only c_1 must come back to Q_l at every step, to be
   * decomposed by the next one). With (acc0, acc1) = sum_j sigma(d~_j) (b_j, a_j) over Q_l ∪ P,
   * the inner product of this step's key with the decomposition of c_1:
   *   y0 = x0 + sigma(x0) + acc0   over Q_l ∪ P,
   *   c1 = c1 + ModDown(acc1)      over Q_l.
   * If x0 = P c_0 + (earlier terms), ModDown(y0) is the c_0 of x + rot(x) up to one rounding
   * instead of one per step. Saves, per step, the ModDown of acc0: |P| inverse and level + 1
   * forward NTTs and a basis conversion (Halevi and Shoup, Crypto 2018, section 5, applied to
   * the c_0 terms of a rotate-and-add chain).
   * @param dec the decomposition of c1 (from {@link decompose}, taken before this call)
   * @param key the switching key of sigma (s(X^g) -> s)
   * @param perm the NTT slot permutation of sigma (the identity for g = 1 is allowed)
   * @param x0 the c_0 side so far: level + 1 + |P| limbs, values in [0, 2q); not modified
   * @param y0 destination for the new c_0 side, like x0; must not overlap x0; values in [0, 2q)
   * @param c1 c_1 over Q_l (level + 1 limbs, NTT form, values in [0, q)), updated in place
   * @throws LevelMismatchError if the key is restricted below dec.level; CkksError
   *   (INVALID_ARGUMENT) on too few limbs or if y0 overlaps x0 (nothing written)
   */
  rotateAddStep(dec: Decomposition, key: SwitchingKey, perm: Uint32Array, x0: RnsPoly, y0: RnsPoly, c1: RnsPoly): void {
    const op = 'KeySwitcher.rotateAddStep';
    const level = dec.level;
    checkKeyLevel(op, key, level);
    this.checkChainOperands(op, level, x0, y0, c1);
    const ext = level + 1 + this.params.P.length;
    const acc1 = this.accumulator(1, ext);
    this.macLimbs(dec, key, perm, y0, acc1, 0, ext, true);
    this.addAutomorphismInto(y0, x0, perm, level);
    this.modDownInto(acc1, level, c1, undefined, undefined, { x: c1 });
  }

  /**
   * The step of {@link rotateAddStep} for sigma the identity (a rotation by a multiple of the
   * slot count, which needs no key): y0 = 2 x0 over Q_l ∪ P and c1 = 2 c1.
   * @param level the level
   * @param x0 as in {@link rotateAddStep}
   * @param y0 as in {@link rotateAddStep}
   * @param c1 as in {@link rotateAddStep}
   * @throws CkksError (INVALID_ARGUMENT) on too few limbs or if y0 overlaps x0
   */
  doubleAddStep(level: number, x0: RnsPoly, y0: RnsPoly, c1: RnsPoly): void {
    this.checkChainOperands('KeySwitcher.doubleAddStep', level, x0, y0, c1);
    const prm = this.params;
    const N = prm.N;
    y0.data.fill(0, 0, (level + 1 + prm.P.length) * N);
    this.addAutomorphismInto(y0, x0, this.identity(), level); // 0 + x0 + x0
    addLimbs(c1.data, c1.data, c1.data, prm.Q, N, level + 1);
  }

  /**
   * ModDown: acc over Q_l ∪ P (NTT form, values in [0, 2q)) to
   * round(acc / P) = (acc - lift([acc]_P)) * P^-1 over Q_l, fully reduced, into out
   * (the lift is centered, so the division rounds to nearest up to the fast
   * conversion's small error). The P limbs of acc are overwritten.
   * @param acc level + 1 + |P| limbs, Q_0..Q_level then P_0..P_{K-1}
   * @param level the level of the result
   * @param out destination with at least level + 1 limbs
   * @param small optional small polynomial e (coefficient form, |e_c| < min(q)) that counts
   *   as added to acc before the division: the result is that of ModDown(acc + NTT(e)),
   *   bit for bit, without any NTT of e (e is added to the P part after its inverse NTT
   *   and subtracted from the lifted part before its forward NTT). Public-key
   *   encryption uses it for its Gaussian errors.
   * @param primes divide by the product of the first `primes` special primes only (default
   *   all of P): acc then has level + 1 + primes limbs. With one prime the lift is exact
   *   and the result is round(acc / P_0) exactly; public-key encryption divides by P_0 only.
   * @param add optional term added to the result in the same pass: out = round(acc / P) +
   *   sigma(add.x), through the NTT slot permutation add.perm of an automorphism when given
   *   (add.x: at least level + 1 limbs, NTT form, values in [0, q); it may be out itself only
   *   without a permutation)
   * @throws CkksError (INVALID_ARGUMENT) if add.perm is given and add.x overlaps out
   */
  modDownInto(acc: RnsPoly, level: number, out: RnsPoly, small?: Int32Array, primes: number = this.params.P.length, add?: { x: RnsPoly; perm?: Uint32Array }): void {
    if (add?.perm !== undefined && overlaps(add.x.data, out.data)) {
      throw new CkksError('INVALID_ARGUMENT', 'KeySwitcher.modDownInto', 'a permuted addend cannot be (or overlap) the output itself');
    }
    const prm = this.params;
    const N = prm.N;
    const nL = level + 1;
    const K = primes;
    const nQ = prm.Q.length;
    const pInv = this.pInverse(K);
    const pPart = acc.data.subarray(nL * N, (nL + K) * N);
    const A = acc.data;
    const O = out.data;
    const X = add === undefined ? this.zeros() : add.x.data;
    const perm = add?.perm ?? this.identity();
    const finish = (i: number, limb: Uint32Array): void => {
      const t = prm.basisQ.tables[i];
      forwardNttLazy(limb, t); // [0, 4q)
      modDownLimb(A, limb, O, i * N, N, t.q, pInv.w[i], pInv.ws[i], X, add === undefined ? 0 : i * N, perm);
    };
    if (K === 1) {
      // One prime p: its centered lift is exact and needs no basis conversion. y = (x + e + h)
      // mod p once, then per q_i one pass (y - h - e) mod q_i: the same words as the general
      // path below (the one-prime conversion, centered, minus e), in two passes fewer per limb.
      const p = prm.P[0];
      const h = (p - 1) / 2;
      const e = small ?? (this.zeroSmall ??= new Int32Array(N));
      inverseNttLazyInput(pPart, prm.basisQP.tables[nQ]); // [0, p)
      shiftSmallInto(pPart, e, N, p, h);
      const lifted = this.scratch(N, 'conv');
      for (let i = 0; i < nL; i++) {
        const q = prm.Q[i];
        liftOnePrime(pPart, lifted, N, q, h % q, e);
        finish(i, lifted);
      }
      out.isNtt = true;
      return;
    }
    const conv = this.modDownConverter(level, K);
    for (let k = 0; k < K; k++) {
      const limb = pPart.subarray(k * N, (k + 1) * N);
      if (small === undefined) {
        // Times the conversion's factor, merged into the inverse NTT (see decomposeDigits).
        const [c, cs] = conv.scaleFactor(k);
        inverseNttLazyInputTimes(limb, prm.basisQP.tables[nQ + k], c, cs); // [0, p)
      } else {
        inverseNttLazyInput(limb, prm.basisQP.tables[nQ + k]); // [0, p)
        addSmallInto(limb, small, prm.P[k], 1);
      }
    }
    const lifted = this.scratch(nL * N, 'conv');
    if (small === undefined) {
      conv.convertScaled(pPart, lifted, true);
    } else {
      conv.convert(pPart, lifted, true);
      for (let i = 0; i < nL; i++) addSmallInto(lifted.subarray(i * N, (i + 1) * N), small, prm.Q[i], -1);
    }
    for (let i = 0; i < nL; i++) finish(i, lifted.subarray(i * N, (i + 1) * N));
    out.isNtt = true;
  }
}
