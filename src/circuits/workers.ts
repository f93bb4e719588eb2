/**
 * Worker threads for circuits: the interface a platform adapter implements
 * (the Node adapter's `NodeTransformWorkers`) and the worker's side that runs
 * the jobs. Four kinds of job, all on SharedArrayBuffers and synchronous for
 * the caller, who posts them, does its own part and blocks in {@link
 * CircuitWorkers.wait}:
 *
 * - parts of a double-hoisted linear transform (./bsgs-qp.ts: baby rotations
 *   or giant steps);
 * - an EvalMod (./bootstrap/evalmod.ts): the full-slot bootstrapping's
 *   imaginary part while the caller reduces the real part;
 * - a rotate-and-add replication of one ciphertext (./replicate.ts): some of
 *   the independent ones the caller has (the trainer's unpacking);
 * - a phase of a relinearization split between threads (./relin-split.ts):
 *   the sparse bootstrapping's EvalMod.
 *
 * Results are bit-identical to one thread.
 *
 * @module
 */

import { CkksError, type Evaluator } from '../ckks/index.js';
import { type EvalModJob, runEvalModJob } from './bootstrap/evalmod.js';
import { type BsgsJob, runBsgsJob } from './bsgs-qp.js';
import { type RelinJob, runRelinJob } from './relin-split.js';
import { type ReplicateJob, runReplicateJob } from './replicate.js';

/** A job for a worker thread. */
export type CircuitJob = BsgsJob | EvalModJob | ReplicateJob | RelinJob;

/**
 * Worker threads that run {@link CircuitJob}s synchronously (the caller
 * blocks in {@link wait}; Node's main thread may, through Atomics.wait).
 * Implemented by the Node adapter (`NodeTransformWorkers`).
 */
export interface CircuitWorkers {
  /** Number of worker threads. */
  readonly threads: number;
  /**
   * Start a job on worker `thread` (returns at once).
   * @param thread in [0, threads)
   * @param job the job, its arrays on SharedArrayBuffers
   */
  post(thread: number, job: CircuitJob): void;
  /**
   * Block until every posted job has finished.
   * @throws CkksError if a worker failed (its message)
   */
  wait(): void;
}

/**
 * The worker's side of {@link CircuitJob}s. Platform adapters build one per
 * worker thread over an Evaluator with the same (shared) keys.
 */
export class CircuitJobRunner {
  private readonly ev: Evaluator;

  /** @param ev an evaluator with the keys the jobs use */
  constructor(ev: Evaluator) {
    this.ev = ev;
  }

  /**
   * Run one job (its outputs are written into its shared arrays).
   * @param job the job
   * @throws CkksError on a malformed job
   */
  run(job: CircuitJob): void {
    if (job?.type === 'bsgs') runBsgsJob(this.ev, job);
    else if (job?.type === 'evalmod') runEvalModJob(this.ev, job);
    else if (job?.type === 'replicate') runReplicateJob(this.ev, job);
    else if (job?.type === 'relin') runRelinJob(this.ev, job);
    else throw new CkksError('INVALID_ARGUMENT', 'CircuitJobRunner.run', `expected a bsgs, evalmod, replicate or relin job, got ${String((job as { type?: unknown })?.type)}`);
  }
}
