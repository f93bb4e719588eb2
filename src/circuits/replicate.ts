/**
 * Rotate-and-add replication, x <- x + rot(x, s) for each step s in order,
 * of several independent ciphertexts, shared between the caller and worker
 * threads: the trainer's unpacking of bootstrapped weights (src/mlr/bootstrap.ts)
 * replicates 20 blocks by 5 rotations each, 100 key switchings one after the
 * other per block but independent across blocks.
 *
 * With workers, the caller keeps the first ceil(m / (threads + 1)) inputs
 * and posts the others, in contiguous runs, one {@link ReplicateJob} per
 * input, over SharedArrayBuffers; each input goes through the same
 * operations on whichever thread, so the results are bit-identical to one
 * thread, and the evaluator's counters are those of one thread (the jobs
 * report theirs).
 *
 * @module
 */

import { Ciphertext, CkksError, type Evaluator } from '../ckks/index.js';
import { EVALMOD_COUNTERS } from './bootstrap/evalmod.js';
import { settlePostedJobs } from './posted.js';
import type { CircuitWorkers } from './workers.js';

/** A replication for a worker thread: its input, steps and output on SharedArrayBuffers. */
export interface ReplicateJob {
  readonly type: 'replicate';
  /** The input's level, scale and slots, and its two components (level + 1 limbs each). */
  readonly level: number;
  readonly scale: number;
  readonly slots: number;
  readonly c0: Uint32Array;
  readonly c1: Uint32Array;
  /** The rotation steps, in order. */
  readonly steps: Int32Array;
  /** The output's components (level + 1 limbs each) and the counters it bumped (EVALMOD_COUNTERS: all the evaluator's). */
  readonly out0: Uint32Array;
  readonly out1: Uint32Array;
  readonly meta: Float64Array;
}

/** One replication on the calling thread: x + rot(x, s) for each step in turn, as one rotate-and-add chain (x is not modified). */
function replicateOne(ev: Evaluator, x: Ciphertext, steps: ArrayLike<number>): Ciphertext {
  if (steps.length === 0) return x.clone(ev.params);
  return ev.rotateAddChainNew(x, Array.from(steps));
}

/**
 * Run a {@link ReplicateJob} (the worker's side).
 * @param ev an evaluator with the steps' Galois keys
 * @param job the job
 * @throws CkksError on a malformed job; MissingKeyError without a step's key
 */
export function runReplicateJob(ev: Evaluator, job: ReplicateJob): void {
  const prm = ev.params;
  const words = (job.level + 1) * prm.N;
  const sized = (a: unknown): boolean => a instanceof Uint32Array && a.length === words;
  if (
    !Number.isInteger(job.level) ||
    job.level < 0 ||
    job.level > prm.maxLevel ||
    ![job.c0, job.c1, job.out0, job.out1].every(sized) ||
    !(job.steps instanceof Int32Array) ||
    !(job.meta instanceof Float64Array) ||
    job.meta.length < EVALMOD_COUNTERS.length
  ) {
    throw new CkksError('INVALID_ARGUMENT', 'runReplicateJob', `the job's arrays do not match level ${job.level}`);
  }
  const x = new Ciphertext(prm, 1, job.level, job.scale, job.slots);
  x.c[0].data.set(job.c0);
  x.c[1].data.set(job.c1);
  const before = EVALMOD_COUNTERS.map((k) => ev.counters[k]);
  const y = replicateOne(ev, x, job.steps);
  job.out0.set(y.c[0].data.subarray(0, words));
  job.out1.set(y.c[1].data.subarray(0, words));
  EVALMOD_COUNTERS.forEach((k, i) => {
    job.meta[i] = ev.counters[k] - before[i];
  });
}

/**
 * Replicate each ciphertext by rotate-and-add over `steps` (x + rot(x, s),
 * then the same on the sum for the next step), sharing the inputs with
 * worker threads when given (see the module comment).
 * @param ev the evaluator (the steps' Galois keys)
 * @param xs degree-1 ciphertexts (not modified)
 * @param steps rotation steps, in order
 * @param workers optional worker threads over the same keys
 * @returns one new ciphertext per input, in order
 * @throws CkksError (INVALID_ARGUMENT) on a ciphertext of another degree; MissingKeyError without a
 *   step's key; CkksError from a worker (its message)
 */
export function replicateAll(ev: Evaluator, xs: readonly Ciphertext[], steps: readonly number[], workers?: CircuitWorkers): Ciphertext[] {
  const op = 'replicateAll';
  for (const x of xs) if (!(x instanceof Ciphertext) || x.degree !== 1) throw new CkksError('INVALID_ARGUMENT', op, 'every input must be a Ciphertext of degree 1');
  const m = xs.length;
  const threads = workers === undefined ? 0 : workers.threads;
  if (threads === 0 || m < 2) return xs.map((x) => replicateOne(ev, x, steps));
  const prm = ev.params;
  const shared = (n: number): Uint32Array => new Uint32Array(new SharedArrayBuffer(n * 4));
  const stepArray = Int32Array.from(steps);
  const own = Math.ceil(m / (threads + 1));
  const per = Math.ceil((m - own) / threads);
  const jobs: { index: number; job: ReplicateJob }[] = [];
  for (let i = own; i < m; i++) {
    const x = xs[i];
    const words = (x.level + 1) * prm.N;
    const c0 = shared(words);
    const c1 = shared(words);
    c0.set(x.c[0].data.subarray(0, words));
    c1.set(x.c[1].data.subarray(0, words));
    const job: ReplicateJob = { type: 'replicate', level: x.level, scale: x.scale, slots: x.slots, c0, c1, steps: stepArray, out0: shared(words), out1: shared(words), meta: new Float64Array(new SharedArrayBuffer(8 * EVALMOD_COUNTERS.length)) };
    jobs.push({ index: i, job });
  }
  // Contiguous runs: inputs own .. own + per - 1 to thread 0, and so on.
  jobs.forEach(({ job }, k) => (workers as CircuitWorkers).post(Math.min(threads - 1, Math.floor(k / per)), job));
  const out = new Array<Ciphertext>(m);
  try {
    for (let i = 0; i < own; i++) out[i] = replicateOne(ev, xs[i], steps);
  } catch (e) {
    settlePostedJobs(workers as CircuitWorkers);
    throw e;
  }
  (workers as CircuitWorkers).wait();
  for (const { index, job } of jobs) {
    const y = new Ciphertext(prm, 1, job.level, job.scale, job.slots);
    const words = (job.level + 1) * prm.N;
    y.c[0].data.set(job.out0.subarray(0, words));
    y.c[1].data.set(job.out1.subarray(0, words));
    EVALMOD_COUNTERS.forEach((k, i) => {
      ev.counters[k] += job.meta[i];
    });
    out[index] = y;
  }
  return out;
}
