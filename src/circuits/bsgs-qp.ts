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
 * Threads. The baby rotations (given the shared decomposition) and the giant
 * steps (given the babies) are independent of each other: with
 * CircuitWorkers (./workers.ts; the Node adapter's `NodeTransformWorkers`) steps 2 and
 * 3-4 are split between the caller and the workers, on SharedArrayBuffers
 * (each job carries handles to the diagonals, so a worker keeps nothing),
 * each part accumulating its own sums, added before step 5. The result is
 * the same bit for bit (modular sums are exact and their order does not matter).
 *
 * @module
 */

import { Ciphertext, CkksError, type Decomposition, type Evaluator, type KeySwitcher, type SwitchingKey } from '../ckks/index.js';
import { RnsPoly, addLimbs, addPermutedLimbs, galoisElementForRotation, mulAddLimbs, mulAddLimbsRepeated, mulScalarLimbs, reduceFrom4q } from '../ntt/index.js';
import { type CoefficientPlaintext, type CompactPlaintext, diagonalWords } from './kernels.js';
import { settlePostedJobs } from './posted.js';
import { Scratch } from './scratch.js';
import type { GiantStep } from './lintrans.js';
import type { CircuitWorkers } from './workers.js';
import { permutationOf, switcherOf } from './rotsum.js';

/**
 * Diagonals as a worker receives them: per giant step, run length and either
 * the compact NTT words or the coefficients (./kernels.ts, CoefficientPlaintext:
 * brought to NTT form by whichever part uses the diagonal).
 */
export type WireDiagonals = readonly (readonly { readonly data?: Uint32Array; readonly coeffs?: Float64Array; readonly repeat: number }[])[];

/**
 * One part of a double-hoisted transform for a worker thread: all arrays on
 * SharedArrayBuffers (outputs are written in place).
 */
export interface BsgsJob {
  readonly type: 'bsgs';
  /** The transform (LinearTransform.id), for error messages. */
  readonly transform: number;
  /** Its giant steps and diagonals (the diagonals' arrays on SharedArrayBuffers: handles, not copies). */
  readonly giants: readonly GiantStep[];
  readonly diagonals: WireDiagonals;
  /** Level of the input. */
  readonly level: number;
  readonly phase: 'babies' | 'giants';
  /** x's decomposition (phase babies): one array of level + 1 + |P| limbs per digit. */
  readonly digits?: readonly Uint32Array[];
  /** P c_0 over Q_l ∪ P (phase babies: the c_0 term of every baby rotation). */
  readonly px0?: Uint32Array;
  /** Every baby rotation: step, then its two parts over Q_l ∪ P (0: x itself, P c). */
  readonly babies: readonly (readonly [number, Uint32Array, Uint32Array])[];
  /** Phase babies: the steps this part computes (into their arrays in `babies`). */
  readonly steps?: readonly number[];
  /** Phase giants: indices of the giant steps this part sums. */
  readonly giantIndices?: readonly number[];
  /** Phase giants: this part's accumulators c0, c1 ([0, q)) and acc0, acc1 ([0, 2q)), zero on entry. */
  readonly out?: readonly [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
}

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

/** The Galois key of rotation s for a ciphertext at `level` (its lower copy if one covers the level). */
function galoisKey(ev: Evaluator, s: number, level: number): SwitchingKey {
  return ev.keys.galoisKeyAt(galoisElementForRotation(s, ev.params.logN), level) as SwitchingKey;
}

/**
 * Step 2 for some baby steps: each rotation over Q_l ∪ P into its arrays.
 * @param ev the evaluator (keys)
 * @param ks its key switcher
 * @param dec x's decomposition
 * @param px0 P c_0 over Q_l ∪ P
 * @param steps the steps to compute
 * @param babies step -> its two arrays (ext limbs), overwritten
 */
function computeBabies(ev: Evaluator, ks: KeySwitcher, dec: Decomposition, px0: Uint32Array, steps: readonly number[], babies: ReadonlyMap<number, readonly [Uint32Array, Uint32Array]>): void {
  const prm = ev.params;
  const N = prm.N;
  const mod = moduliQP(ev, dec.level);
  const ext = mod.length;
  for (const s of steps) {
    const perm = permutationOf(ev, galoisElementForRotation(s, prm.logN));
    const [b0, b1] = babies.get(s) as readonly [Uint32Array, Uint32Array];
    const r0 = new RnsPoly(N, ext, b0, true);
    const r1 = new RnsPoly(N, ext, b1, true);
    b0.fill(0);
    b1.fill(0);
    ks.innerProductAdd(dec, galoisKey(ev, s, dec.level), perm, r0, r1); // [0, 2q)
    reduceLimbs(b0, mod, N);
    reduceLimbs(b1, mod, N);
    addPermutedLimbs(b0, px0, perm, prm.Q, N, dec.level + 1); // + P sigma(c_0) on the Q limbs
  }
}

/**
 * Steps 3-4 for some giant steps, into out = [c0, c1, acc0, acc1] (ext limbs, zero on entry).
 * @returns the number of giant rotations switched
 */
function computeGiants(
  ev: Evaluator, ks: KeySwitcher, level: number, giants: readonly GiantStep[], diagonals: WireDiagonals,
  indices: readonly number[], babies: ReadonlyMap<number, readonly [Uint32Array, Uint32Array]>,
  out: readonly [Uint32Array, Uint32Array, Uint32Array, Uint32Array],
): number {
  const prm = ev.params;
  const N = prm.N;
  const mod = moduliQP(ev, level);
  const ext = mod.length;
  const [c0, c1, a0, a1] = out;
  const acc0 = new RnsPoly(N, ext, a0, true);
  const acc1 = new RnsPoly(N, ext, a1, true);
  let s0: Uint32Array | undefined;
  let s1: RnsPoly | undefined;
  let down: RnsPoly | undefined;
  let dec: Decomposition | undefined;
  let words: Uint32Array | undefined; // a diagonal held as coefficients, in NTT form for its products
  let switched = 0;
  for (const gi of indices) {
    const gs = giants[gi];
    const zero = gs.rotation === 0;
    if (!zero) {
      s0 ??= new Uint32Array(ext * N);
      s1 ??= new RnsPoly(N, ext, undefined, true);
      s0.fill(0);
      s1.data.fill(0);
    }
    const t0 = zero ? c0 : (s0 as Uint32Array);
    const t1 = zero ? c1 : (s1 as RnsPoly).data;
    gs.diagonals.forEach((_, t) => {
      const d = diagonals[gi][t];
      const [b0, b1] = babies.get(gs.babies[t]) as readonly [Uint32Array, Uint32Array];
      const w =
        d.coeffs !== undefined
          ? (words = diagonalWords(prm, { coeffs: d.coeffs, repeat: d.repeat, level, scale: 1, slots: N / (2 * d.repeat), extended: true }, words))
          : (d.data as Uint32Array);
      if (d.repeat === 1) {
        mulAddLimbs(t0, b0, w, t0, mod, N, ext);
        mulAddLimbs(t1, b1, w, t1, mod, N, ext);
      } else {
        mulAddLimbsRepeated(t0, b0, w, t0, mod, N, ext, d.repeat);
        mulAddLimbsRepeated(t1, b1, w, t1, mod, N, ext, d.repeat);
      }
    });
    if (zero) continue;
    // The inner sum's c_1 back to Q_l (one ModDown), decomposed and switched by the giant
    // rotation's key into acc; its c_0 (a multiple of P) permuted into c0 over Q_l ∪ P.
    const perm = permutationOf(ev, galoisElementForRotation(gs.rotation, prm.logN));
    down ??= new RnsPoly(N, level + 1, undefined, true);
    ks.modDownInto(s1 as RnsPoly, level, down);
    dec = ks.decompose(down, dec);
    ks.innerProductAdd(dec, galoisKey(ev, gs.rotation, level), perm, acc0, acc1);
    addPermutedLimbs(c0, s0 as Uint32Array, perm, mod, N, ext);
    switched++;
  }
  return switched;
}

/**
 * The worker's side of a {@link BsgsJob} (nothing is kept between jobs):
 * its outputs are written into the job's shared arrays.
 * @param ev an evaluator with the Galois keys of the transform
 * @param job the job
 * @throws CkksError on a malformed job
 */
export function runBsgsJob(ev: Evaluator, job: BsgsJob): void {
  const op = 'runBsgsJob';
  if (!Array.isArray(job.giants) || !Array.isArray(job.diagonals) || job.giants.length !== job.diagonals.length || !Array.isArray(job.babies)) {
    throw new CkksError('INVALID_ARGUMENT', op, `transform ${job.transform}: the job lacks its giant steps, diagonals or baby steps`);
  }
  const prm = ev.params;
  if (!Number.isInteger(job.level) || job.level < 0 || job.level > prm.maxLevel) throw new CkksError('INVALID_ARGUMENT', op, `transform ${job.transform}: bad level ${String(job.level)}`);
  const ext = job.level + 1 + prm.P.length;
  const words = ext * prm.N;
  const sized = (a: unknown): boolean => a instanceof Uint32Array && a.length === words;
  if (!job.babies.every(([, b0, b1]) => sized(b0) && sized(b1))) throw new CkksError('INVALID_ARGUMENT', op, `transform ${job.transform}: baby arrays must hold ${words} words`);
  if (job.phase === 'babies' ? !(sized(job.px0) && Array.isArray(job.digits) && job.digits.every(sized)) : !(Array.isArray(job.out) && job.out.length === 4 && job.out.every(sized))) {
    throw new CkksError('INVALID_ARGUMENT', op, `transform ${job.transform}: the ${job.phase} job's arrays do not match level ${job.level}`);
  }
  const diagonalOk = (d: WireDiagonals[number][number]): boolean =>
    Number.isInteger(d?.repeat) && d.repeat >= 1 && prm.N % d.repeat === 0 &&
    (d.coeffs !== undefined ? d.coeffs instanceof Float64Array && d.repeat >= 2 && d.coeffs.length === prm.N / d.repeat : d.data instanceof Uint32Array && d.data.length === (ext * prm.N) / d.repeat);
  if (!job.diagonals.every((g) => Array.isArray(g) && g.every(diagonalOk))) throw new CkksError('INVALID_ARGUMENT', op, `transform ${job.transform}: a diagonal is neither ${ext}-limb words nor coefficients of its run length`);
  const babies = new Map(job.babies.map(([s, b0, b1]) => [s, [b0, b1] as const]));
  const ks = switcherOf(ev);
  if (job.phase === 'babies') {
    const digits = (job.digits ?? []).map((d) => new RnsPoly(prm.N, ext, d, true));
    computeBabies(ev, ks, { level: job.level, digits }, job.px0 as Uint32Array, job.steps ?? [], babies);
  } else {
    computeGiants(ev, ks, job.level, job.giants, job.diagonals, job.giantIndices ?? [], babies, job.out as BsgsJob['out'] & object);
  }
}

/** Split items into `parts` lists, round robin (item i to part i mod parts). */
function deal<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((v, i) => out[i % parts].push(v));
  return out;
}

/**
 * y = M x over Q_l ∪ P (see the module comment), before the rescale.
 * The caller has checked the keys, the level and the input.
 * @param ev the evaluator (parameters, Galois keys, counters)
 * @param x the input, degree 1, at the transform's level
 * @param id the transform's id (for workers)
 * @param giants the plan's giant steps
 * @param babySteps the plan's baby steps
 * @param encoded per giant step, the diagonals of its inner sum, compact and extended, or as coefficients
 *   (on SharedArrayBuffers when workers are given)
 * @param scale the output's scale (x.scale times the diagonals' scale)
 * @param slots the output's slot count
 * @param workers optional worker threads sharing the work
 * @returns a new ciphertext at x's level with that scale (not yet rescaled)
 * @throws CkksError if a worker fails
 */
export function bsgsDoubleHoisted(
  ev: Evaluator, x: Ciphertext, id: number, giants: readonly GiantStep[], babySteps: readonly number[],
  encoded: readonly (readonly (CompactPlaintext | CoefficientPlaintext)[])[], scale: number, slots: number, workers?: CircuitWorkers,
): Ciphertext {
  const shared = workers !== undefined && workers.threads > 0;
  const scratch = new Scratch(shared ? workers : undefined);
  try {
    return evaluateParts(ev, x, giants, babySteps, encoded, scale, slots, workers, id, scratch);
  } catch (e) {
    // A job may still be writing into the scratch: let it finish before the buffers go back.
    if (shared) settlePostedJobs(workers as CircuitWorkers);
    throw e;
  } finally {
    scratch.release();
  }
}

/** The body of {@link bsgsDoubleHoisted}, its arrays from `scratch`. */
function evaluateParts(
  ev: Evaluator, x: Ciphertext, giants: readonly GiantStep[], babySteps: readonly number[], encoded: readonly (readonly (CompactPlaintext | CoefficientPlaintext)[])[],
  scale: number, slots: number, workers: CircuitWorkers | undefined, id: number, scratch: Scratch,
): Ciphertext {
  const prm = ev.params;
  const N = prm.N;
  const level = x.level;
  const nL = level + 1;
  const mod = moduliQP(ev, level);
  const ext = mod.length;
  const ks = switcherOf(ev);
  const parts = workers === undefined ? 1 : workers.threads + 1;
  const shared = parts > 1;
  // x over Q_l ∪ P, times P: (P c_0, P c_1) on the Q limbs, zero on the P limbs.
  const px0 = scratch.words(ext * N);
  const px1 = scratch.words(ext * N);
  mulScalarLimbs(x.c[0].data, prm.pModQ, px0, prm.Q, N, nL);
  mulScalarLimbs(x.c[1].data, prm.pModQ, px1, prm.Q, N, nL);
  const babies = new Map<number, readonly [Uint32Array, Uint32Array]>([[0, [px0, px1]]]);
  for (const s of babySteps) babies.set(s, [scratch.words(ext * N, true), scratch.words(ext * N, true)]); // zeroed by computeBabies
  const wireBabies = [...babies].map(([s, [b0, b1]]) => [s, b0, b1] as const);
  const outs = Array.from({ length: parts }, (_, k) => [0, 1, 2, 3].map(() => (k === 0 ? new Uint32Array(ext * N) : scratch.words(ext * N))) as unknown as readonly [Uint32Array, Uint32Array, Uint32Array, Uint32Array]);
  const wireEncoded: WireDiagonals = encoded.map((g) => g.map((d) => ('coeffs' in d ? { coeffs: d.coeffs, repeat: d.repeat } : { data: d.data, repeat: d.repeat })));
  const post = (k: number, job: Omit<BsgsJob, 'type' | 'transform' | 'level' | 'giants' | 'diagonals'>): void => {
    (workers as CircuitWorkers).post(k - 1, { type: 'bsgs', transform: id, level, giants, diagonals: wireEncoded, ...job });
  };
  // 1-2. One decomposition, the baby rotations split between the parts.
  if (babySteps.length > 0) {
    let dec: Decomposition;
    if (shared) {
      const digits = Array.from({ length: ks.digitsAt(level) }, () => new RnsPoly(N, ext, scratch.words(ext * N, true), true)); // every limb written
      dec = ks.decompose(x.c[1], { level, digits });
    } else dec = ks.decompose(x.c[1]);
    ev.counters.decompositions++;
    const mine = deal(babySteps, parts);
    for (let k = 1; k < parts; k++) post(k, { phase: 'babies', digits: dec.digits.map((d) => d.data), px0, babies: wireBabies, steps: mine[k] });
    computeBabies(ev, ks, dec, px0, mine[0], babies);
    if (shared) (workers as CircuitWorkers).wait();
  }
  ev.counters.keySwitches += babySteps.length;
  ev.counters.rotations += babySteps.length;
  // 3-4. The giant steps split between the parts (the rotation-free one to the caller).
  const order = giants.map((_, i) => i).sort((a, b) => Number(giants[a].rotation !== 0) - Number(giants[b].rotation !== 0));
  const mine = deal(order, parts);
  for (let k = 1; k < parts; k++) post(k, { phase: 'giants', babies: wireBabies, giantIndices: mine[k], out: outs[k] });
  let switched = computeGiants(ev, ks, level, giants, wireEncoded, mine[0], babies, outs[0]);
  if (shared) {
    (workers as CircuitWorkers).wait();
    for (let k = 1; k < parts; k++) switched += mine[k].filter((gi) => giants[gi].rotation !== 0).length;
  }
  let ptMuls = 0;
  for (const g of giants) ptMuls += g.diagonals.length;
  ev.counters.ptMultiplications += ptMuls;
  ev.counters.decompositions += switched;
  ev.counters.keySwitches += switched;
  ev.counters.rotations += switched;
  // 5. The parts' sums, then one ModDown of (acc + c): acc reduced to [0, q) first
  // (addLimbs' range).
  const [c0, c1, a0, a1] = outs[0];
  reduceLimbs(a0, mod, N);
  reduceLimbs(a1, mod, N);
  for (let k = 1; k < parts; k++) {
    const [d0, d1, e0, e1] = outs[k];
    reduceLimbs(e0, mod, N);
    reduceLimbs(e1, mod, N);
    addLimbs(a0, e0, a0, mod, N, ext);
    addLimbs(a1, e1, a1, mod, N, ext);
    addLimbs(c0, d0, c0, mod, N, ext);
    addLimbs(c1, d1, c1, mod, N, ext);
  }
  addLimbs(a0, c0, a0, mod, N, ext);
  addLimbs(a1, c1, a1, mod, N, ext);
  const out = new Ciphertext(prm, 1, level, scale, slots);
  ks.modDownInto(new RnsPoly(N, ext, a0, true), level, out.c[0]);
  ks.modDownInto(new RnsPoly(N, ext, a1, true), level, out.c[1]);
  return out;
}
