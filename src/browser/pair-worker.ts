/**
 * Web Worker entry of {@link BrowserPairPool} (load it as a module worker):
 * receives the start-up message, then runs pair jobs and posts the results
 * back, transferring their arrays. The same protocol as the Node worker.
 *
 * @module
 */

import { PairWorker, type WorkerFailure, type WorkerInit, type WorkerJob, type WorkerResult, resultTransferList } from '../mlr/parallel.js';

/** The worker's global scope, as far as this entry uses it. */
interface Scope {
  onmessage: ((ev: { data: WorkerInit | WorkerJob }) => void) | null;
  postMessage(message: unknown, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as Scope;
let worker: PairWorker | undefined;

scope.onmessage = (ev) => {
  const msg = ev.data;
  const id = msg?.type === 'job' ? msg.id : -1;
  try {
    if (msg?.type === 'init') {
      worker = new PairWorker(msg);
      scope.postMessage({ type: 'ready' });
      return;
    }
    if (worker === undefined) throw new Error('pair-worker: job before init');
    const r: WorkerResult = worker.handle(msg);
    const transfer = resultTransferList(r);
    scope.postMessage(r, transfer);
  } catch (e) {
    const f: WorkerFailure = { type: 'error', id, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    scope.postMessage(f);
  }
};
