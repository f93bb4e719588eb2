/**
 * The baby-step giant-step product of a linear transform with double
 * hoisting (Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, "Efficient
 * Bootstrapping for Approximate Homomorphic Encryption with Non-Sparse Keys",
 * Eurocrypt 2021, section 6.1 and Algorithm 6; Lattigo's
 * MultiplyByDiagMatrixBSGS): every key switching stays over Q_l ∪ P until the
 * end.
 *
 *  1. one ModUp of x's c_1 (KeySwitcher.decompose), shared by the baby steps;
 *  2. each baby rotation rot(x, i) is kept over Q_l ∪ P, multiplied by P:
 *     (P sigma_i(c_0) + sum_j sigma_i(d~_j) b_j, sum_j sigma_i(d~_j) a_j)
 *     (no ModDown), and x itself as (P c_0, P c_1);
 *  3. each giant step's inner sum sum_i diag (.) rot(x, i) is taken over
 *     Q_l ∪ P with the diagonals encoded over Q_l ∪ P (Encoder.encodeExtended);
 *  4. giant step 0 is added as it is; any other giant rotation r divides only
 *     the inner sum's c_1 part by P (one ModDown), decomposes it and adds its
 *     key switching to the result's accumulators over Q_l ∪ P; its c_0 part,
 *     already a multiple of P, is permuted and added there without a ModDown;
 *  5. one ModDown of the result's two parts.
 *
 * Against hoisted baby steps with a ModDown each (two polynomials per baby
 * step) and a lazy giant-step sum, this saves 2 b - g ModDowns of one
 * polynomial for b baby and g nonzero giant steps, at the price of products
 * over |P| more limbs and diagonals |P| limbs longer. Every division by P
 * rounds as one key switching's does; the one of a giant step's c_1 adds
 * e s with |e| <= 1/2 + (the conversion's error), far below the key-switching
 * noise of the same term.
 *
 * @module
 */

import { Ciphertext, type Evaluator, type SwitchingKey } from '../ckks/index.js';
import { RnsPoly, addPermutedLimbs, galoisElementForRotation, mulAddLimbs, mulAddLimbsRepeated, mulScalarLimbs, reduceFrom4q } from '../ntt/index.js';
import type { CompactPlaintext } from './kernels.js';
import type { LinearTransformPlan } from './lintrans.js';
import { permutationOf, switcherOf } from './rotsum.js';

/** Moduli of Q_0..Q_level then P, cached per parameter set and level. */
const extModuli = new WeakMap<object, Map<number, number[]>>();

function moduliQP(ev: Evaluator, level: number): number[] {
  const prm = ev.params;
  let m = extModuli.get(prm);
  if (m === undefined) {
    m = new Map();
    extModuli.set(prm, m);
  }
  let v = m.get(level);
  if (v === undefined) {
    v = [...prm.Q.slice(0, level + 1), ...prm.P];
    m.set(level, v);
  }
  return v;
}

/** Values of every limb from [0, 2q) to [0, q), in place. */
function reduceLimbs(x: Uint32Array, moduli: readonly number[], N: number): void {
  for (let i = 0; i < moduli.length; i++) reduceFrom4q(x.subarray(i * N, (i + 1) * N), moduli[i]);
}

/**
 * y = M x over Q_l ∪ P (see the module comment), before the rescale.
 * The caller has checked the keys, the level and the input.
 * @param ev the evaluator (parameters, Galois keys, counters)
 * @param x the input, degree 1, at the transform's level
 * @param plan the transform's split
 * @param encoded per giant step, the diagonals of its inner sum, compact and extended
 * @param scale the output's scale (x.scale times the diagonals' scale)
 * @returns a new ciphertext at x's level with that scale (not yet rescaled)
 */
export function bsgsDoubleHoisted(ev: Evaluator, x: Ciphertext, plan: LinearTransformPlan, encoded: readonly (readonly CompactPlaintext[])[], scale: number): Ciphertext {
  const prm = ev.params;
  const N = prm.N;
  const level = x.level;
  const nL = level + 1;
  const mod = moduliQP(ev, level);
  const ext = mod.length;
  const ks = switcherOf(ev);
  const logN = prm.logN;
  const key = (s: number): SwitchingKey => ev.keys.galois.get(galoisElementForRotation(s, logN)) as SwitchingKey;
  // x over Q_l ∪ P, times P: (P c_0, P c_1) on the Q limbs, zero on the P limbs.
  const babies = new Map<number, [Uint32Array, Uint32Array]>();
  const px0 = new Uint32Array(ext * N);
  const px1 = new Uint32Array(ext * N);
  mulScalarLimbs(x.c[0].data, prm.pModQ, px0, prm.Q, N, nL);
  mulScalarLimbs(x.c[1].data, prm.pModQ, px1, prm.Q, N, nL);
  babies.set(0, [px0, px1]);
  // 1-2. The baby rotations over Q_l ∪ P, from one decomposition.
  let dec = plan.babySteps.length > 0 ? ks.decompose(x.c[1]) : undefined;
  if (dec !== undefined) ev.counters.decompositions++;
  for (const s of plan.babySteps) {
    const g = galoisElementForRotation(s, logN);
    const perm = permutationOf(ev, g);
    const r0 = new RnsPoly(N, ext, undefined, true);
    const r1 = new RnsPoly(N, ext, undefined, true);
    ks.innerProductAdd(dec as NonNullable<typeof dec>, key(s), perm, r0, r1); // [0, 2q)
    reduceLimbs(r0.data, mod, N);
    reduceLimbs(r1.data, mod, N);
    addPermutedLimbs(r0.data, px0, perm, prm.Q, N, nL); // + P sigma(c_0) on the Q limbs
    babies.set(s, [r0.data, r1.data]);
    ev.counters.keySwitches++;
    ev.counters.rotations++;
  }
  // 3-4. Inner sums over Q_l ∪ P; the result's accumulators: c0/c1 for terms added as they
  // are ([0, q)), acc0/acc1 for the giant steps' key switchings ([0, 2q)).
  const c0 = new Uint32Array(ext * N);
  const c1 = new Uint32Array(ext * N);
  const acc0 = new RnsPoly(N, ext, undefined, true);
  const acc1 = new RnsPoly(N, ext, undefined, true);
  const s0 = new Uint32Array(ext * N);
  const s1 = new RnsPoly(N, ext, undefined, true);
  const down = new RnsPoly(N, nL, undefined, true);
  let slots = Math.max(x.slots, plan.n);
  let switched = false;
  plan.giants.forEach((gs, gi) => {
    const zero = gs.rotation === 0;
    const t0 = zero ? c0 : s0;
    const t1 = zero ? c1 : s1.data;
    if (!zero) {
      s0.fill(0);
      s1.data.fill(0);
    }
    gs.diagonals.forEach((_, t) => {
      const d = encoded[gi][t];
      const [b0, b1] = babies.get(gs.babies[t]) as [Uint32Array, Uint32Array];
      if (d.repeat === 1) {
        mulAddLimbs(t0, b0, d.data, t0, mod, N, ext);
        mulAddLimbs(t1, b1, d.data, t1, mod, N, ext);
      } else {
        mulAddLimbsRepeated(t0, b0, d.data, t0, mod, N, ext, d.repeat);
        mulAddLimbsRepeated(t1, b1, d.data, t1, mod, N, ext, d.repeat);
      }
      if (d.slots > slots) slots = d.slots;
      ev.counters.ptMultiplications++;
    });
    if (zero) return;
    // The inner sum's c_1 back to Q_l (one ModDown), decomposed and switched by the giant
    // rotation's key into acc; its c_0 (a multiple of P) permuted into c0 over Q_l ∪ P.
    const g = galoisElementForRotation(gs.rotation, logN);
    const perm = permutationOf(ev, g);
    ks.modDownInto(s1, level, down);
    dec = ks.decompose(down, dec);
    ks.innerProductAdd(dec, key(gs.rotation), perm, acc0, acc1);
    addPermutedLimbs(c0, s0, perm, mod, N, ext);
    switched = true;
    ev.counters.decompositions++;
    ev.counters.keySwitches++;
    ev.counters.rotations++;
  });
  // 5. One ModDown of (acc + c): acc reduced to [0, q) first (addPermutedLimbs' range).
  const out = new Ciphertext(prm, 1, level, scale, slots);
  if (switched) {
    reduceLimbs(acc0.data, mod, N);
    reduceLimbs(acc1.data, mod, N);
    addPermutedLimbs(acc0.data, c0, undefined, mod, N, ext);
    addPermutedLimbs(acc1.data, c1, undefined, mod, N, ext);
  } else {
    acc0.data.set(c0);
    acc1.data.set(c1);
  }
  ks.modDownInto(acc0, level, out.c[0]);
  ks.modDownInto(acc1, level, out.c[1]);
  return out;
}
