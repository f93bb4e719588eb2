/**
 * Worker-thread entry of {@link NodeTransformWorkers} (Node only): receives
 * the start-up message (parameters, shared keys, the control words and the job
 * port), then runs jobs synchronously: it sleeps in Atomics.wait on its job
 * counter, takes the job with receiveMessageOnPort, runs it (writing into the
 * job's SharedArrayBuffers) and bumps its done counter.
 *
 * @module
 */

import { type MessagePort, parentPort, receiveMessageOnPort } from 'node:worker_threads';
import { Evaluator, createParameters } from '../ckks/index.js';
import { type CircuitJob, CircuitJobRunner } from '../circuits/index.js';
import { keysFromWire } from '../mlr/parallel.js';
import type { TransformWorkerInit } from './transform-workers.js';

if (parentPort === null) throw new Error('transform-worker: must run as a worker thread');
const port = parentPort;

port.once('message', (init: TransformWorkerInit) => {
  let runner: CircuitJobRunner;
  try {
    const params = createParameters(init.literal);
    runner = new CircuitJobRunner(new Evaluator(params, keysFromWire(params, init.keys)));
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    return;
  }
  port.postMessage({ type: 'ready' });
  serve(runner, new Int32Array(init.control), init.index * 4, init.jobs, init.replies);
});

/** The job loop (never returns; the pool terminates the thread). */
function serve(runner: CircuitJobRunner, ctrl: Int32Array, base: number, jobs: MessagePort, replies: MessagePort): void {
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, base, seen); // sleeps while the job counter is still `seen`
    const posted = Atomics.load(ctrl, base);
    while (seen < posted) {
      // The job was queued on the port before the counter moved.
      let m = receiveMessageOnPort(jobs);
      while (m === undefined) {
        Atomics.wait(ctrl, base + 3, 0, 1);
        m = receiveMessageOnPort(jobs);
      }
      try {
        runner.run(m.message as CircuitJob);
      } catch (e) {
        replies.postMessage(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
        Atomics.store(ctrl, base + 2, 1);
      }
      seen++;
      Atomics.add(ctrl, base + 1, 1);
      Atomics.notify(ctrl, base + 1);
    }
  }
}
