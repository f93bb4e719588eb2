/**
 * The caller's side of posted circuit jobs (./workers.ts) when its own part
 * fails: bsgs-qp.ts and replicate.ts post jobs, then do their own part.
 *
 * @module
 */

import type { CircuitWorkers } from './workers.js';

/**
 * After the caller's own part of a shared computation threw: wait for the
 * jobs it had posted, which may still be writing into buffers the caller is
 * about to give back or drop, so that nothing writes into them afterwards.
 * Their own failures are dropped: the caller reports its error.
 * @param workers the worker set the jobs were posted to
 * @returns nothing, once every posted job has ended
 * @throws nothing
 */
export function settlePostedJobs(workers: CircuitWorkers): void {
  try {
    workers.wait();
  } catch {
    // the caller's error is the one reported
  }
}
