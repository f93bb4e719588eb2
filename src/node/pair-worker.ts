/**
 * Worker-thread entry of {@link NodePairPool} (Node only): receives the
 * start-up message, then runs pair jobs and posts the results back,
 * transferring their arrays.
 *
 * @module
 */

import { parentPort } from 'node:worker_threads';
import { PairWorker, type WorkerFailure, type WorkerInit, type WorkerJob, type WorkerResult, resultTransferList } from '../mlr/parallel.js';

if (parentPort === null) throw new Error('pair-worker: must run as a worker thread');
const port = parentPort;
let worker: PairWorker | undefined;

port.on('message', (msg: WorkerInit | WorkerJob) => {
  const id = msg.type === 'job' ? msg.id : -1;
  try {
    if (msg.type === 'init') {
      worker = new PairWorker(msg);
      port.postMessage({ type: 'ready' });
      return;
    }
    if (worker === undefined) throw new Error('pair-worker: job before init');
    const r: WorkerResult = worker.handle(msg);
    const transfer = resultTransferList(r);
    port.postMessage(r, transfer);
  } catch (e) {
    const f: WorkerFailure = { type: 'error', id, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    port.postMessage(f);
  }
});
