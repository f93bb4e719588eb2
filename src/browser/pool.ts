/**
 * {@link BrowserPairPool}: the browser counterpart of `NodePairPool`. The
 * trainer's pairs of classes run as jobs on Web Workers; the evaluation keys
 * are posted once and, when the page is cross-origin isolated, live on
 * SharedArrayBuffers that every worker reads in place.
 *
 * Cross-origin isolation: a page can only create SharedArrayBuffers when it is
 * served with
 *
 *     Cross-Origin-Opener-Policy: same-origin
 *     Cross-Origin-Embedder-Policy: require-corp
 *
 * (`globalThis.crossOriginIsolated` is then true; `hecnn serve --owner` sends
 * both). Without them the pool still works, but every worker receives its own
 * copy of the keys (hundreds of MB at N = 2^16).
 *
 * @module
 */

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

/** The part of a Web Worker the pool uses (a `Worker`, or a stand-in in tests). */
export interface WorkerLike {
  /** Post a message (structured clone; the listed buffers are transferred). */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Listen to `message` and `error` events. */
  addEventListener(type: 'message' | 'error', listener: (ev: { data?: unknown; message?: string }) => void): void;
  /** Stop the worker. */
  terminate(): void;
}

/** Options of {@link BrowserPairPool.create}. */
export interface BrowserPairPoolOptions {
  /** Workers (default: min(pairs, navigator.hardwareConcurrency)). */
  threads?: number;
  /** URL of the worker entry (default: pair-worker.js next to this module). */
  workerUrl?: URL | string;
  /** Make a worker (default: `new Worker(workerUrl, { type: 'module' })`). */
  createWorker?: () => WorkerLike;
}

/**
 * Whether this page can share memory between workers (it is cross-origin
 * isolated and has SharedArrayBuffer).
 * @returns true when keys can live on SharedArrayBuffers
 * @throws never
 */
export function canShareMemory(): boolean {
  const g = globalThis as { crossOriginIsolated?: boolean };
  return typeof SharedArrayBuffer !== 'undefined' && g.crossOriginIsolated !== false;
}


/**
 * A pool of Web Workers running {@link PairJob}s: a {@link PairExecutor} for
 * `EncryptedTrainer.stepWith`, with the same messages as the Node pool (the
 * result is bitwise that of the single-threaded `step()`). Call
 * {@link close} when done.
 */
export class BrowserPairPool implements PairExecutor {
  /** The number of workers. */
  readonly threads: number;
  /** Whether the keys are shared (SharedArrayBuffers) rather than copied into every worker. */
  readonly sharedKeys: boolean;
  private readonly workers: WorkerLike[];
  private readonly context: PairContext;
  private readonly dispatch: PairDispatcher;
  private closed = false;

  private constructor(context: PairContext, workers: WorkerLike[], threads: number, sharedKeys: boolean) {
    this.context = context;
    this.workers = workers;
    this.dispatch = new PairDispatcher('BrowserPairPool', context.params, workers);
    this.threads = threads;
    this.sharedKeys = sharedKeys;
  }

  /**
   * Start the workers and hand them the trainer's context and the keys (on
   * SharedArrayBuffers when the page is cross-origin isolated).
   * @param context the trainer's `EncryptedTrainer.context()`
   * @param keys the evaluation keys the trainer's evaluator holds
   * @param options worker count, worker entry or factory
   * @returns a ready pool
   * @throws TrainerError if the thread count is out of range or a worker fails to start
   */
  static async create(context: PairContext, keys: EvaluationKeys, options: BrowserPairPoolOptions = {}): Promise<BrowserPairPool> {
    const pairs = context.Ym.length;
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
    const threads = options.threads ?? Math.max(1, Math.min(pairs, cores));
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new TrainerError('BrowserPairPool.create', `threads must be an integer in 1..256, got ${threads}`);
    }
    const make =
      options.createWorker ??
      ((): WorkerLike => {
        const url = options.workerUrl ?? new URL('./pair-worker.js', import.meta.url);
        return new Worker(url, { type: 'module', name: 'hecnn-pair-worker' }) as unknown as WorkerLike;
      });
    const shared = canShareMemory();
    const init = workerInit(context, shared ? shareKeys(context.params, keys) : keys);
    const workers: WorkerLike[] = [];
    const pool = new BrowserPairPool(context, workers, threads, shared);
    try {
      for (let i = 0; i < threads; i++) workers.push(make());
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              let started = false;
              w.addEventListener('message', (ev) => {
                const m = ev.data as { type: string; message?: string } | WorkerResult | WorkerFailure;
                if (!started) {
                  started = true;
                  if (m.type === 'ready') resolve();
                  else reject(new TrainerError('BrowserPairPool.create', `a worker failed to start: ${(m as { message?: string }).message ?? m.type}`));
                  return;
                }
                pool.dispatch.settle(m as WorkerResult | WorkerFailure);
              });
              w.addEventListener('error', (ev) => {
                const e = new TrainerError('BrowserPairPool', `a worker failed: ${ev.message ?? 'error event'}`);
                if (!started) reject(e);
                else pool.dispatch.failAll(e);
              });
              w.postMessage(init);
            }),
        ),
      );
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e instanceof TrainerError ? e : new TrainerError('BrowserPairPool.create', `a worker failed to start: ${(e as Error).message}`);
    }
    return pool;
  }

  /**
   * Run the jobs, at most one per worker at a time, each on the next free worker.
   * @param jobs one per pair
   * @returns the results in job order
   * @throws TrainerError if the pool is closed or a worker fails
   */
  async run(jobs: readonly PairJob[]): Promise<PairResult[]> {
    if (this.closed) throw new TrainerError('BrowserPairPool.run', 'the pool is closed');
    return this.dispatch.run(jobs);
  }

  /**
   * Stop the workers.
   * @returns nothing
   * @throws never
   */
  close(): void {
    this.closed = true;
    for (const w of this.workers) w.terminate();
    this.dispatch.failAll(new TrainerError('BrowserPairPool', 'the pool was closed'));
  }
}
