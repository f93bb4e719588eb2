/**
 * A relinearization shared between the caller and worker threads: each of
 * the three phases of hybrid key switching (Han and Ki, CT-RSA 2020,
 * section 3) is split, with a barrier between phases:
 *
 *  1. ModUp of c_2, by digit (digits are independent);
 *  2. the inner product with the relinearization key over Q_l ∪ P, by limb
 *     (limbs are independent);
 *  3. ModDown, by polynomial: the caller divides the b part by P, a worker
 *     the a part.
 *
 * The sparse bootstrapping's EvalMod reduces one ciphertext, so without this
 * its 20-odd relinearizations at levels 18-36 ran on one thread while the
 * other waited. The result is {@link Evaluator.relinearize}'s bit for bit:
 * the same modular operations on the same values, in pieces. All arrays live
 * in the worker set's shared slabs (./scratch.ts).
 *
 * @module
 */

import { type Ciphertext, CkksError, type Evaluator, MissingKeyError, checkKeyLevel } from '../ckks/index.js';
import { RnsPoly, addLimbs } from '../ntt/index.js';
import { settlePostedJobs } from './posted.js';
import { switcherOf } from './rotsum.js';
import { Scratch } from './scratch.js';
import type { CircuitWorkers } from './workers.js';

/** One phase of a split relinearization, for a worker thread; arrays on SharedArrayBuffers. */
export interface RelinJob {
  readonly type: 'relin';
  readonly phase: 'modup' | 'inner' | 'moddown';
  /** The ciphertext's level. */
  readonly level: number;
  /** c_2, level + 1 limbs, NTT form (read). */
  readonly d: Uint32Array;
  /** The digits of c_2 (KeySwitcher.digitsAt(level) of them), level + 1 + |P| limbs each. */
  readonly digits: readonly Uint32Array[];
  /** The inner product's two accumulators, level + 1 + |P| limbs each. */
  readonly acc0: Uint32Array;
  readonly acc1: Uint32Array;
  /** ModDown of acc1 (written by the 'moddown' phase), level + 1 limbs. */
  readonly out1: Uint32Array;
  /** 'modup': digits [from, to); 'inner': limbs [from, to); 'moddown': unused. */
  readonly from: number;
  readonly to: number;
}

/**
 * The worker's side of a {@link RelinJob}.
 * @param ev the worker's evaluator (the same relinearization key as the caller's)
 * @param job the job
 * @throws CkksError (INVALID_ARGUMENT) on a malformed job; MissingKeyError without a relinearization key
 */
export function runRelinJob(ev: Evaluator, job: RelinJob): void {
  const op = 'runRelinJob';
  const prm = ev.params;
  const N = prm.N;
  const level = job.level;
  if (!Number.isInteger(level) || level < 0 || level > prm.maxLevel) throw new CkksError('INVALID_ARGUMENT', op, `level ${String(level)} is outside the chain`);
  const ks = switcherOf(ev);
  const nL = level + 1;
  const ext = nL + prm.P.length;
  const words = (a: unknown, n: number, what: string): Uint32Array => {
    if (!(a instanceof Uint32Array) || a.length !== n) throw new CkksError('INVALID_ARGUMENT', op, `${what} must be a Uint32Array of ${n} words`);
    return a;
  };
  if (!Array.isArray(job.digits) || job.digits.length !== ks.digitsAt(level)) throw new CkksError('INVALID_ARGUMENT', op, `a relinearization at level ${level} has ${ks.digitsAt(level)} digits`);
  const digits = job.digits.map((b, j) => new RnsPoly(N, ext, words(b, ext * N, `digit ${j}`), true));
  const acc1 = new RnsPoly(N, ext, words(job.acc1, ext * N, 'acc1'), true);
  if (job.phase === 'modup') {
    ks.decomposeDigits(new RnsPoly(N, nL, words(job.d, nL * N, 'd'), true), digits, job.from, job.to);
  } else if (job.phase === 'inner') {
    const acc0 = new RnsPoly(N, ext, words(job.acc0, ext * N, 'acc0'), true);
    ks.innerProductLimbs({ level, digits }, relinKey(ev, level, op), undefined, acc0, acc1, job.from, job.to);
  } else if (job.phase === 'moddown') {
    ks.modDownInto(acc1, level, new RnsPoly(N, nL, words(job.out1, nL * N, 'out1'), true));
  } else {
    throw new CkksError('INVALID_ARGUMENT', op, `unknown phase ${String((job as { phase?: unknown }).phase)}`);
  }
}

function relinKey(ev: Evaluator, level: number, op: string) {
  const rlk = ev.keys.relinKeyAt(level);
  if (rlk === undefined) throw new MissingKeyError(op, 'no relinearization key in the evaluation keys (generate one with KeyGenerator.genRelinKey)');
  checkKeyLevel(op, rlk, level, 'the relinearization key');
  return rlk;
}

/** [from, to) of part k when `count` items are split into `parts` nearly equal runs (the caller's part 0 the largest). */
function share(count: number, parts: number, k: number): [number, number] {
  const base = Math.floor(count / parts);
  const extra = count % parts;
  const from = k * base + Math.min(k, extra);
  return [from, from + base + (k < extra ? 1 : 0)];
}

/**
 * Relinearize a degree-2 ciphertext in place, the work split between the
 * caller and the workers (module comment). A degree-1 input is left as it is.
 * Counts one decomposition and one key switching, as Evaluator.relinearize.
 * @param ev the caller's evaluator (its relinearization key; the workers hold the same keys)
 * @param a the ciphertext (degree 2 becomes degree 1, same level, scale and slots)
 * @param workers the worker threads (at least one)
 * @returns a
 * @throws MissingKeyError without a relinearization key; LevelMismatchError if it was made for
 *   lower levels than a's (checked before any work); CkksError if a worker fails
 */
export function relinearizeOnWorkers(ev: Evaluator, a: Ciphertext, workers: CircuitWorkers): Ciphertext {
  const op = 'relinearizeOnWorkers';
  if (a.degree === 1) return a;
  if (a.degree !== 2) throw new CkksError('INVALID_ARGUMENT', op, `the ciphertext must have degree 1 or 2, got ${a.degree}`);
  if (!(workers.threads >= 1)) throw new CkksError('INVALID_ARGUMENT', op, 'at least one worker thread is needed');
  const prm = ev.params;
  const N = prm.N;
  const level = a.level;
  const rlk = relinKey(ev, level, op);
  const ks = switcherOf(ev);
  const nL = level + 1;
  const ext = nL + prm.P.length;
  const beta = ks.digitsAt(level);
  const parts = workers.threads + 1;
  const scratch = new Scratch(workers);
  let posted = false;
  try {
    const d = scratch.words(nL * N, true);
    d.set(a.c[2].data.subarray(0, nL * N));
    const digitArrays = Array.from({ length: beta }, () => scratch.words(ext * N, true)); // every limb written
    const acc0 = scratch.words(ext * N, true); // every limb written by phase 2
    const acc1 = scratch.words(ext * N, true);
    const out1 = scratch.words(nL * N, true);
    const digits = digitArrays.map((b) => new RnsPoly(N, ext, b, true));
    const job = (phase: RelinJob['phase'], [from, to]: [number, number]): RelinJob => ({ type: 'relin', phase, level, d, digits: digitArrays, acc0, acc1, out1, from, to });
    // 1. ModUp by digit.
    for (let k = 1; k < parts; k++) {
      const r = share(beta, parts, k);
      if (r[1] > r[0]) {
        workers.post(k - 1, job('modup', r));
        posted = true;
      }
    }
    const [d0, d1] = share(beta, parts, 0);
    ks.decomposeDigits(new RnsPoly(N, nL, d, true), digits, d0, d1);
    workers.wait();
    posted = false;
    // 2. The inner product by limb.
    const p0 = new RnsPoly(N, ext, acc0, true);
    const p1 = new RnsPoly(N, ext, acc1, true);
    for (let k = 1; k < parts; k++) {
      workers.post(k - 1, job('inner', share(ext, parts, k)));
      posted = true;
    }
    const [l0, l1] = share(ext, parts, 0);
    ks.innerProductLimbs({ level, digits }, rlk, undefined, p0, p1, l0, l1);
    workers.wait();
    posted = false;
    // 3. ModDown: acc1 on a worker, acc0 here.
    workers.post(0, job('moddown', [0, 0]));
    posted = true;
    const u0 = new RnsPoly(N, nL, scratch.words(nL * N, true), true); // every limb written
    ks.modDownInto(p0, level, u0);
    workers.wait();
    posted = false;
    addLimbs(a.c[0].data, u0.data, a.c[0].data, prm.Q, N, nL, false);
    addLimbs(a.c[1].data, out1, a.c[1].data, prm.Q, N, nL, false);
  } catch (e) {
    if (posted) settlePostedJobs(workers);
    throw e;
  } finally {
    scratch.release();
  }
  a.c.length = 2;
  a.seed = undefined;
  ev.counters.decompositions++;
  ev.counters.keySwitches++;
  return a;
}
