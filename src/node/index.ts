/**
 * `@hecnn/ckks/node`: Node-only adapters. {@link NodePairPool} runs the
 * trainer's pairs of classes on worker threads (worker_threads) that share the
 * evaluation keys through SharedArrayBuffers; {@link NodeTransformWorkers}
 * shares the key switchings of double-hoisted linear transforms (and so of
 * bootstrapping) with worker threads.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { EvaluationKeys } from '../ckks/index.js';
import {
  type PairContext,
  PairDispatcher,
  type PairExecutor,
  type PairJob,
  type PairResult,
  TrainerError,
  type WorkerFailure,
  type WorkerResult,
  shareKeys,
  workerInit,
} from '../mlr/index.js';
import { spawnWorker } from './spawn.js';

export { NodeTransformWorkers, type NodeTransformWorkersOptions } from './transform-workers.js';

/** Options of {@link NodePairPool.create}. */
export interface NodePairPoolOptions {
  /** Worker threads (default: min(pairs, available parallelism)). */
  threads?: number;
  /** URL of the worker entry (default: pair-worker.js next to this module, or the .ts source under tsx). */
  workerUrl?: URL;
}

/** Where the worker entry is: built next to this module, its chunk or the CLI, or the TypeScript source (run under tsx). */
function defaultWorker(): URL {
  // dist/node/index.js, a shared chunk in dist/ (the built package splits the
  // library into chunks), dist/cli/hecnn.js, or src/node/index.ts under tsx.
  for (const rel of ['./pair-worker.js', './node/pair-worker.js', '../node/pair-worker.js', './pair-worker.ts', '../node/pair-worker.ts']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new TrainerError('NodePairPool', `the worker entry pair-worker.js was not found next to ${import.meta.url}`);
}

/**
 * A pool of worker threads running {@link PairJob}s: a {@link PairExecutor}
 * for `EncryptedTrainer.stepWith`. Jobs go to whichever thread is free
 * (pairs cost the same, so the slowest thread runs ceil(pairs / threads)).
 * Call {@link close} when done (the threads keep the process alive otherwise).
 */
export class NodePairPool implements PairExecutor {
  readonly threads: number;
  private readonly workers: Worker[];
  private readonly context: PairContext;
  private readonly dispatch: PairDispatcher;
  private closed = false;

  private constructor(context: PairContext, workers: Worker[]) {
    this.context = context;
    this.workers = workers;
    this.dispatch = new PairDispatcher('NodePairPool', context.params, workers);
    this.threads = workers.length;
  }

  /**
   * Start the threads and hand them the trainer's context and the keys.
   * Keys not on SharedArrayBuffers are copied there once (generate them with
   * the KeyGenerator option `shared: true` to avoid the copy).
   * @param context the trainer's `EncryptedTrainer.context()`
   * @param keys the evaluation keys the trainer's evaluator holds
   * @param options thread count, worker entry
   * @returns a ready pool
   * @throws TrainerError if a thread fails to start
   */
  static async create(context: PairContext, keys: EvaluationKeys, options: NodePairPoolOptions = {}): Promise<NodePairPool> {
    const pairs = context.Ym.length;
    const threads = options.threads ?? Math.max(1, Math.min(pairs, availableParallelism()));
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new TrainerError('NodePairPool.create', `threads must be an integer in 1..256, got ${threads}`);
    }
    const entry = options.workerUrl ?? defaultWorker();
    const init = workerInit(context, shareKeys(context.params, keys));
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: threads }, async () => {
          const w = spawnWorker(entry);
          workers.push(w);
          await new Promise<void>((resolve, reject) => {
            const onMsg = (m: { type: string; message?: string }): void => {
              w.off('message', onMsg);
              w.off('error', reject);
              if (m.type === 'ready') resolve();
              else reject(new TrainerError('NodePairPool.create', `a worker failed to start: ${m.message ?? m.type}`));
            };
            w.on('message', onMsg);
            w.once('error', reject);
            w.postMessage(init);
          });
        }),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e instanceof TrainerError ? e : new TrainerError('NodePairPool.create', `a worker failed to start: ${(e as Error).message}`);
    }
    const pool = new NodePairPool(context, workers);
    for (const w of workers) {
      w.on('message', (m: WorkerResult | WorkerFailure) => pool.dispatch.settle(m));
      w.on('error', (e) => pool.dispatch.failAll(e));
      w.on('exit', (code) => {
        if (!pool.closed) pool.dispatch.failAll(new Error(`a worker exited with code ${code}`));
      });
    }
    return pool;
  }

  /**
   * Run the jobs, at most one per thread at a time, each on the next free thread.
   * @param jobs one per pair
   * @returns the results in job order
   * @throws TrainerError if the pool is closed or a worker fails
   */
  async run(jobs: readonly PairJob[]): Promise<PairResult[]> {
    if (this.closed) throw new TrainerError('NodePairPool.run', 'the pool is closed');
    return this.dispatch.run(jobs);
  }

  /** Stop the threads. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
