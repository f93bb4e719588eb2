/**
 * {@link NodeTransformWorkers}: worker threads (worker_threads) that take
 * part of the key switchings of double-hoisted linear transforms
 * (src/circuits/bsgs-qp.ts), synchronously: the caller posts a job per
 * thread, runs its own part, and blocks in Atomics.wait (allowed on Node's
 * main thread) until the threads are done. Keys, diagonals and every buffer
 * of a job live on SharedArrayBuffers; nothing is copied per job.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, type Worker, receiveMessageOnPort } from 'node:worker_threads';
import { CkksError, type EvaluationKeys, type Parameters, type ParametersLiteral } from '../ckks/index.js';
import type { CircuitJob, CircuitWorkers } from '../circuits/index.js';
import { type WireKeys, keysToWire, shareKeys } from '../mlr/parallel.js';
import { spawnWorker } from './spawn.js';

/** The start-up message of a transform worker. @internal */
export interface TransformWorkerInit {
  readonly literal: ParametersLiteral;
  readonly keys: WireKeys;
  /** Int32 control words, 4 per thread: jobs posted, jobs done, failed flag, spare (a timer). */
  readonly control: SharedArrayBuffer;
  readonly index: number;
  readonly jobs: MessagePort;
  readonly replies: MessagePort;
}

/** Options of {@link NodeTransformWorkers.create}. */
export interface NodeTransformWorkersOptions {
  /** Worker threads besides the caller's (default: available parallelism - 1, at least 1). */
  threads?: number;
  /** URL of the worker entry (default: transform-worker.js next to this module, or the .ts source under tsx). */
  workerUrl?: URL;
}

/** How long {@link NodeTransformWorkers.wait} waits for a thread that makes no progress (one job takes seconds). */
const WAIT_LIMIT_MS = 600_000;

function defaultEntry(): URL {
  for (const rel of ['./transform-worker.js', './node/transform-worker.js', '../node/transform-worker.js', './transform-worker.ts', '../node/transform-worker.ts']) {
    const url = new URL(rel, import.meta.url);
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new CkksError('INVALID_ARGUMENT', 'NodeTransformWorkers', `the worker entry transform-worker.js was not found next to ${import.meta.url}`);
}

/**
 * Worker threads for the baby and giant steps of double-hoisted linear
 * transforms (pass as `workers` to LinearTransform or Bootstrapper). The
 * transforms' results are the same bit for bit as on one thread. Call
 * {@link close} when done (the threads are unref'd, so a forgotten pool does
 * not keep the process alive).
 */
export class NodeTransformWorkers implements CircuitWorkers {
  readonly threads: number;
  private readonly workers: Worker[];
  private readonly ctrl: Int32Array;
  private readonly jobs: MessagePort[];
  private readonly replies: MessagePort[];
  private readonly posted: number[];
  private closed = false;

  private constructor(workers: Worker[], ctrl: Int32Array, jobs: MessagePort[], replies: MessagePort[]) {
    this.workers = workers;
    this.threads = workers.length;
    this.ctrl = ctrl;
    this.jobs = jobs;
    this.replies = replies;
    this.posted = workers.map(() => 0);
  }

  /**
   * Start the threads over the evaluator's keys (copied once onto
   * SharedArrayBuffers unless they already are: generate them with the
   * KeyGenerator option `shared: true` to avoid the copy).
   * @param params the parameters
   * @param keys the evaluation keys (the Galois keys of the transforms)
   * @param options thread count, worker entry
   * @returns a ready pool
   * @throws CkksError if a thread fails to start or the thread count is bad
   */
  static async create(params: Parameters, keys: EvaluationKeys, options: NodeTransformWorkersOptions = {}): Promise<NodeTransformWorkers> {
    const op = 'NodeTransformWorkers.create';
    const threads = options.threads ?? Math.max(1, availableParallelism() - 1);
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new CkksError('INVALID_ARGUMENT', op, `threads must be an integer in 1..64, got ${String(threads)}`);
    const entry = options.workerUrl ?? defaultEntry();
    const wire = keysToWire(params, shareKeys(params, keys));
    const control = new SharedArrayBuffer(threads * 4 * 4);
    const workers: Worker[] = [];
    const jobs: MessagePort[] = [];
    const replies: MessagePort[] = [];
    try {
      for (let t = 0; t < threads; t++) {
        const j = new MessageChannel();
        const r = new MessageChannel();
        const w = spawnWorker(entry);
        workers.push(w);
        jobs.push(j.port1);
        replies.push(r.port2);
        const init: TransformWorkerInit = { literal: params.literal, keys: wire, control, index: t, jobs: j.port2, replies: r.port1 };
        const ready = new Promise<void>((resolve, reject) => {
          w.once('message', (m: { type: string; message?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(m.message ?? m.type))));
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`exited with code ${code}`)));
        });
        w.postMessage(init, [j.port2, r.port1]);
        await ready;
        w.removeAllListeners('exit');
        w.removeAllListeners('error');
        w.unref();
      }
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw new CkksError('INVALID_ARGUMENT', op, `a transform worker failed to start: ${(e as Error).message}`);
    }
    return new NodeTransformWorkers(workers, new Int32Array(control), jobs, replies);
  }

  /**
   * Start a job on a thread (see CircuitWorkers.post).
   * @throws CkksError if the pool is closed or the thread index is bad
   */
  post(thread: number, job: CircuitJob): void {
    if (this.closed) throw new CkksError('INVALID_ARGUMENT', 'NodeTransformWorkers.post', 'the pool is closed');
    if (!Number.isInteger(thread) || thread < 0 || thread >= this.threads) throw new CkksError('INVALID_ARGUMENT', 'NodeTransformWorkers.post', `thread must be in [0, ${this.threads}), got ${thread}`);
    this.jobs[thread].postMessage(job);
    this.posted[thread]++;
    Atomics.add(this.ctrl, thread * 4, 1);
    Atomics.notify(this.ctrl, thread * 4);
  }

  /**
   * Block until every posted job is done (see CircuitWorkers.wait).
   * @throws CkksError with the worker's message if a job failed
   */
  wait(): void {
    const failures: string[] = [];
    for (let t = 0; t < this.threads; t++) {
      const at = t * 4 + 1;
      let last = Date.now();
      for (let d = Atomics.load(this.ctrl, at); d < this.posted[t]; ) {
        // A thread that died (out of memory, terminated) never answers: give up after
        // WAIT_LIMIT_MS without progress rather than block forever.
        if (Atomics.wait(this.ctrl, at, d, 1000) === 'timed-out' && Date.now() - last > WAIT_LIMIT_MS) {
          throw new CkksError('INVALID_ARGUMENT', 'NodeTransformWorkers.wait', `transform worker ${t} made no progress in ${WAIT_LIMIT_MS / 1000} s (did it exit?)`);
        }
        const now = Atomics.load(this.ctrl, at);
        if (now !== d) last = Date.now();
        d = now;
      }
      if (Atomics.load(this.ctrl, t * 4 + 2) !== 0) {
        Atomics.store(this.ctrl, t * 4 + 2, 0);
        // The message was posted before the flag was set; allow it a moment to arrive.
        let got = 0;
        for (let tries = 0; got === 0 && tries < 100; tries++) {
          for (let m = receiveMessageOnPort(this.replies[t]); m !== undefined; m = receiveMessageOnPort(this.replies[t]), got++) failures.push(String(m.message));
          if (got === 0) Atomics.wait(this.ctrl, t * 4 + 3, 0, 1);
        }
        if (got === 0) failures.push(`a job on thread ${t} failed without a message`);
      }
    }
    if (failures.length > 0) throw new CkksError('INVALID_ARGUMENT', 'NodeTransformWorkers', `a transform worker failed: ${failures.join('; ')}`);
  }

  /** Stop the threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of [...this.jobs, ...this.replies]) p.close();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
