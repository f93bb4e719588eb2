/**
 * BrowserPairPool's protocol, in Node: workers are stand-ins (`createWorker`)
 * that run the same PairWorker as the Web Worker entry, answering
 * asynchronously with structured clones. The pooled iteration must equal the
 * single-threaded step() bit for bit; failures end in TrainerErrors.
 */
import { describe, expect, it } from 'vitest';
import { BrowserPairPool, type WorkerLike } from '../../src/browser/index.js';
import { Evaluator, INSECURE_OPT_IN, createParameters } from '../../src/ckks/index.js';
import { DataOwner, EncryptedTrainer, type Matrix, PairWorker, TrainerError, trainingLayout } from '../../src/mlr/index.js';

/** A stand-in for a module Web Worker running src/browser/pair-worker.ts's protocol. */
function fakeWorker(opts: { failInit?: boolean } = {}): WorkerLike {
  const listeners: Record<string, ((ev: { data?: unknown; message?: string }) => void)[]> = { message: [], error: [] };
  let worker: PairWorker | undefined;
  const reply = (data: unknown): void => {
    setTimeout(() => {
      for (const l of listeners.message) l({ data: structuredClone(data) });
    }, 0);
  };
  return {
    postMessage(message: unknown): void {
      const msg = structuredClone(message) as { type: string; id?: number };
      try {
        if (msg.type === 'init') {
          if (opts.failInit) throw new Error('no memory');
          worker = new PairWorker(msg as never);
          reply({ type: 'ready' });
        } else reply(worker!.handle(msg as never));
      } catch (e) {
        reply({ type: 'error', id: msg.id ?? -1, message: (e as Error).message });
      }
    },
    addEventListener(type, listener): void {
      listeners[type].push(listener);
    },
    terminate(): void {},
  };
}

function setup(): { trainer: EncryptedTrainer; single: EncryptedTrainer; keys: ReturnType<DataOwner['evaluationKeys']> } {
  const params = createParameters({ logN: 12, logQ: new Array(8).fill(30), logP: [30, 30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
  const [n, d, K] = [16, 9, 4];
  const X: Matrix = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, (_, i) => (i % d === 0 ? 1 : ((i * 7919) % 100) / 200)) };
  const Y: Matrix = { rows: n, cols: K, data: Float64Array.from({ length: n * K }, (_, i) => (i % K === Math.floor(i / K) % K ? 1 : 0)) };
  const owner = new DataOwner(params);
  const keys = owner.evaluationKeys(trainingLayout(params, { n, d, K }));
  const upload = owner.encryptDataset(X, Y);
  const ev = new Evaluator(params, keys);
  return { trainer: new EncryptedTrainer(ev, upload, owner, { maxIterations: 1 }), single: new EncryptedTrainer(ev, upload, owner, { maxIterations: 1 }), keys };
}

describe('BrowserPairPool', () => {
  it('a pooled iteration equals step() bit for bit', async () => {
    const { trainer, single, keys } = setup();
    const pool = await BrowserPairPool.create(trainer.context(), keys, { threads: 2, createWorker: () => fakeWorker() });
    expect(pool.threads).toBe(2);
    await trainer.stepWith(pool);
    single.step();
    pool.close();
    const a = trainer.weights.W.flat();
    const b = single.weights.W.flat();
    expect(a.length).toBe(b.length);
    a.forEach((ct, j) => ct.c.forEach((p, m) => expect(Buffer.from(p.data.buffer).equals(Buffer.from(b[j].c[m].data.buffer))).toBe(true)));
    await expect(pool.run([])).rejects.toBeInstanceOf(TrainerError);
  });

  it('a worker that fails to start, and a bad thread count, are TrainerErrors', async () => {
    const { trainer, keys } = setup();
    await expect(BrowserPairPool.create(trainer.context(), keys, { threads: 1, createWorker: () => fakeWorker({ failInit: true }) })).rejects.toThrow(/failed to start: no memory/);
    await expect(BrowserPairPool.create(trainer.context(), keys, { threads: 0, createWorker: () => fakeWorker() })).rejects.toBeInstanceOf(TrainerError);
  });
});
