/**
 * The automorphisms of the evaluator: rotations of the slots, conjugation,
 * hoisted rotations (several steps sharing one decomposition) and
 * rotate-and-add chains (x <- x + rot(x, k) for a list of steps, with the
 * c_0 side divided by P once for the whole chain). Each is sigma_g applied
 * to both components (in NTT form, a permutation of the slots) and a key
 * switching of sigma_g(c_1) back to the secret s (Cheon, Kim, Kim and Song,
 * ASIACRYPT 2017, section 4; hybrid key switching: src/rlwe/keyswitch.ts).
 * {@link Evaluator} (src/ckks/evaluator.ts) extends this class with the
 * arithmetic; users use that class.
 *
 * @module
 */

import { RnsPoly, automorphismNttIndex, galoisElementForConjugation, galoisElementForRotation } from '../ntt/index.js';
import { type Decomposition, CkksError, MissingKeyError, type SwitchingKey, checkKeyLevel } from '../rlwe/index.js';
import { EvaluatorBase } from './evaluator-base.js';
import { Ciphertext, reshape } from './types.js';

/**
 * Rotations, conjugation and rotate-and-add chains; the base of {@link Evaluator}.
 */
export abstract class GaloisEvaluator extends EvaluatorBase {
  private readonly perms = new Map<number, Uint32Array>();


  private permFor(g: number): Uint32Array {
    let p = this.perms.get(g);
    if (p === undefined) {
      p = automorphismNttIndex(this.params.logN, g);
      this.perms.set(g, p);
    }
    return p;
  }

  /** The Galois key of g, usable at `level` (its lower copy if one covers the level; a key restricted below it is refused). */
  private galoisKey(op: string, g: number, what: string, level: number): SwitchingKey {
    const key = this.keys.galoisKeyAt(g, level);
    if (key === undefined) {
      throw new MissingKeyError(op, `no Galois key for ${what} (Galois element ${g}); generate it with KeyGenerator.genEvaluationKeys`);
    }
    checkKeyLevel(op, key, level, `the Galois key for ${what}`);
    return key;
  }

  /** Apply sigma_g with its key, from a shared decomposition of a.c[1]. */
  private applyGalois(a: Ciphertext, dec: Decomposition, g: number, key: SwitchingKey, out: Ciphertext): Ciphertext {
    const prm = this.params;
    const level = a.level;
    const perm = this.permFor(g);
    // u0 = ModDown(acc0) + sigma(c_0), the sum made by the ModDown's last pass, so u0 cannot be
    // c_0: into out's own buffer when out is not a, else through the scratch. u1 can always be
    // out's c_1 (the decomposition holds its own copy of a's).
    if (out !== a) reshape(prm, out, 1, level);
    const u0 = out === a ? this.switchOutput(level) : out.c[0];
    this.ks.innerProductModDown(dec, key, perm, u0, out.c[1], a.c[0]);
    this.counters.keySwitches++;
    if (out === a) {
      out.c.length = 2;
      out.c[0].data.set(u0.data);
    }
    const scale = a.scale;
    const slots = a.slots;
    out.scale = scale;
    out.slots = slots;
    out.seed = undefined;
    this.counters.rotations++;
    return out;
  }

  /**
   * The Galois elements of left rotations by `steps` and their keys at `level` (undefined for a
   * rotation by a multiple of the slot count, which needs none), every step checked first.
   * @throws CkksError (INVALID_ARGUMENT) on a step that is not a safe integer; as {@link galoisKey}
   */
  private rotationKeys(op: string, steps: readonly number[], level: number): { gs: number[]; keys: (SwitchingKey | undefined)[] } {
    const gs = steps.map((k) => {
      if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `steps must be safe integers, got ${String(k)}`);
      return galoisElementForRotation(k, this.params.logN);
    });
    return { gs, keys: gs.map((g, i) => (g === 1 ? undefined : this.galoisKey(op, g, `rotation by ${steps[i]}`, level))) };
  }

  private checkRotatable(op: string, a: Ciphertext): void {
    this.checkCt(op, a, 'a');
    if (a.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, `the ciphertext must have degree 1 (relinearize first), got ${a.degree}`);
  }

  /**
   * Rotate the slots left by k (negative k rotates right). Rotation by 0
   * (mod N/2) is a copy and needs no key.
   * @throws MissingKeyError without the Galois key for 5^k; LevelMismatchError if that key was
   *   generated for lower levels than a's
   */
  rotate(a: Ciphertext, k: number, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.rotate';
    this.checkRotatable(op, a);
    this.checkCt(op, out, 'out');
    if (!Number.isSafeInteger(k)) throw new CkksError('INVALID_ARGUMENT', op, `the step must be a safe integer, got ${k}`);
    const g = galoisElementForRotation(k, this.params.logN);
    if (g === 1) return this.copy(a, out);
    const key = this.galoisKey(op, g, `rotation by ${k}`, a.level);
    const dec = this.decomposeReusing(a.c[1]);
    this.counters.decompositions++;
    return this.applyGalois(a, dec, g, key, out);
  }

  /** Allocating {@link rotate}. */
  rotateNew(a: Ciphertext, k: number): Ciphertext {
    this.checkCt('Evaluator.rotate', a, 'a');
    return this.rotate(a, k, this.newOut(a, 1, a.level));
  }

  /**
   * Hoisted rotations: all the given steps of one ciphertext, sharing one
   * decomposition (ModUp) of c_1. Equal to rotating one step at a time.
   * @param a the ciphertext (degree 1)
   * @param steps left rotation steps
   * @returns one ciphertext per step, in order
   * @throws MissingKeyError if any step lacks its key; LevelMismatchError if a key was generated
   *   for lower levels than a's (both checked before any work)
   */
  rotateHoistedNew(a: Ciphertext, steps: readonly number[]): Ciphertext[] {
    const op = 'Evaluator.rotateHoisted';
    this.checkRotatable(op, a);
    const { gs, keys } = this.rotationKeys(op, steps, a.level);
    let dec: Decomposition | undefined;
    return gs.map((g, i) => {
      const out = this.newOut(a, 1, a.level);
      if (g === 1) return this.copy(a, out);
      if (dec === undefined) {
        dec = this.decomposeReusing(a.c[1]);
        this.counters.decompositions++;
      }
      return this.applyGalois(a, dec, g, keys[i] as SwitchingKey, out);
    });
  }

  /**
   * Complex conjugation of every slot (sigma_{2N-1}).
   * @throws MissingKeyError without the conjugation key; LevelMismatchError if it was generated
   *   for lower levels than a's
   */
  conjugate(a: Ciphertext, out: Ciphertext): Ciphertext {
    const op = 'Evaluator.conjugate';
    this.checkRotatable(op, a);
    this.checkCt(op, out, 'out');
    const g = galoisElementForConjugation(this.params.logN);
    const key = this.galoisKey(op, g, 'conjugation', a.level);
    const dec = this.decomposeReusing(a.c[1]);
    this.counters.decompositions++;
    return this.applyGalois(a, dec, g, key, out);
  }

  /** Allocating {@link conjugate}. */
  conjugateNew(a: Ciphertext): Ciphertext {
    this.checkCt('Evaluator.conjugate', a, 'a');
    return this.conjugate(a, this.newOut(a, 1, a.level));
  }

  /** Two buffers of |Q| + |P| limbs for the c_0 side of a rotate-and-add chain (allocated on first use). */
  private chainScratch: [Uint32Array, Uint32Array] | undefined;

  /**
   * Rotate-and-add chain: x_0 = a, x_{i+1} = x_i + rot(x_i, steps[i]) (left rotations),
   * out = x_m. The sums within rows, replications and sums over rows of the training
   * circuit (src/encoding/ops.ts) and the bootstrapping's slot sums are such chains.
   *
   * Equal to m calls of {@link rotate} and `Evaluator.add` up to rounding, at a lower cost: the c_0
   * side is kept over Q_l ∪ P as P c_0 plus the key-switching terms, and divided by P once at
   * the end (KeySwitcher.rotateAddStep), while c_1 comes back to Q_l at every step, since the
   * next step decomposes it. That saves, per step after the first, a ModDown of one
   * polynomial: |P| inverse and level + 1 forward NTTs and a basis conversion, about a
   * quarter of the NTTs of a rotation. The c_0 side is rounded once instead of once per step,
   * so the result is at least as precise as the step-by-step chain's. Costs |P| more limbs in
   * the automorphism's additions of c_0 and two scratch polynomials of |Q| + |P| limbs held by
   * the evaluator. Counters: one rotation, key switching and decomposition per step (none for
   * a step that is a multiple of the slot count: x_{i+1} = 2 x_i, no key).
   * @param a the ciphertext (degree 1; not modified unless it is out)
   * @param steps the rotation steps, in order (may be empty: out = a)
   * @param out destination (may be a)
   * @returns out
   * @throws MissingKeyError if a step lacks its Galois key; LevelMismatchError if a key was
   *   generated for lower levels than a's; CkksError (INVALID_ARGUMENT) on a step that is not a
   *   safe integer or an operand that is not a degree-1 ciphertext of these parameters (all
   *   checked before anything is written)
   */
  rotateAddChain(a: Ciphertext, steps: readonly number[], out: Ciphertext): Ciphertext {
    const op = 'Evaluator.rotateAddChain';
    this.checkRotatable(op, a);
    this.checkCt(op, out, 'out');
    if (!Array.isArray(steps)) throw new CkksError('INVALID_ARGUMENT', op, 'steps must be an array of rotation steps');
    const level = a.level;
    const { gs, keys } = this.rotationKeys(op, steps, level);
    if (gs.length === 0) return this.copy(a, out);
    const prm = this.params;
    const N = prm.N;
    const ext = level + 1 + prm.P.length;
    const words = (prm.Q.length + prm.P.length) * N;
    this.chainScratch ??= [new Uint32Array(words), new Uint32Array(words)];
    let x0 = new RnsPoly(N, ext, this.chainScratch[0].subarray(0, ext * N), true);
    let y0 = new RnsPoly(N, ext, this.chainScratch[1].subarray(0, ext * N), true);
    this.ks.liftByPInto(a.c[0], level, x0);
    if (out !== a) {
      reshape(prm, out, 1, level);
      out.c[1].data.set(a.c[1].data);
      out.scale = a.scale;
      out.slots = a.slots;
    }
    out.seed = undefined;
    const c1 = out.c[1];
    for (let i = 0; i < gs.length; i++) {
      const key = keys[i];
      if (key === undefined) {
        this.ks.doubleAddStep(level, x0, y0, c1);
      } else {
        const dec = this.decomposeReusing(c1);
        this.ks.rotateAddStep(dec, key, this.permFor(gs[i]), x0, y0, c1);
        this.counters.decompositions++;
        this.counters.keySwitches++;
        this.counters.rotations++;
      }
      const t = x0;
      x0 = y0;
      y0 = t;
    }
    this.ks.modDownInto(x0, level, out.c[0]);
    return out;
  }

  /** Allocating {@link rotateAddChain}. */
  rotateAddChainNew(a: Ciphertext, steps: readonly number[]): Ciphertext {
    this.checkCt('Evaluator.rotateAddChain', a, 'a');
    return this.rotateAddChain(a, steps, this.newOut(a, 1, a.level));
  }
}
