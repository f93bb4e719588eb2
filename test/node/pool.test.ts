/**
 * NodePairPool: the trainer's pairs of classes on worker threads give the
 * same ciphertexts, bit for bit, as the single-threaded step (evaluation is
 * deterministic), across a refresh; bad messages end in typed errors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Evaluator, INSECURE_OPT_IN, createParameters, type Parameters } from '../../src/ckks/index.js';
import {
  DataOwner,
  EncryptedTrainer,
  PairDispatcher,
  PairWorker,
  TrainerError,
  buildDesign,
  ciphertextFromWire,
  ciphertextToWire,
  keysFromWire,
  keysToWire,
  parseCsv,
  selectRows,
  trainingLayout,
  workerInit,
  type EncryptedWeights,
  type WorkerJob,
} from '../../src/mlr/index.js';
import { NodePairPool } from '../../src/node/index.js';

const FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);

function same(a: EncryptedWeights, b: EncryptedWeights): boolean {
  const flat = (w: EncryptedWeights) => [...w.W.flat(), ...w.V.flat()];
  const x = flat(a);
  const y = flat(b);
  return x.length === y.length && x.every((c, i) => c.scale === y[i].scale && c.level === y[i].level && c.c.every((p, j) => Buffer.compare(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength), Buffer.from(y[i].c[j].data.buffer, y[i].c[j].data.byteOffset, y[i].c[j].data.byteLength)) === 0));
}

describe('NodePairPool (logN 11, 16 samples, 5 pairs of classes, 2 threads)', () => {
  let params: Parameters;
  let owner: DataOwner;
  let serial: EncryptedTrainer;
  let threaded: EncryptedTrainer;
  let pool: NodePairPool;
  let upload: ReturnType<DataOwner['encryptDataset']>;

  beforeAll(async () => {
    params = createParameters({ logN: 11, logQ: new Array(10).fill(30), logP: new Array(4).fill(30), logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    const all = selectRows(parseCsv(readFileSync(FILE, 'utf8'), { source: 'bundled' }), 0, 16);
    const d = 60;
    const few = { ...all, d, features: Float64Array.from({ length: all.n * d }, (_, i) => all.features[Math.floor(i / d) * all.d + (i % d)]) };
    const tr = buildDesign(few);
    owner = new DataOwner(params);
    upload = owner.encryptDataset(tr.X, tr.Y, { width: 32 });
    const keys = owner.evaluationKeys(trainingLayout(params, upload.shape, upload.width));
    const ev = new Evaluator(params, keys);
    serial = new EncryptedTrainer(ev, upload, owner, { maxIterations: 10 });
    threaded = new EncryptedTrainer(ev, upload, owner, { maxIterations: 10 });
    pool = await NodePairPool.create(threaded.context(), keys, { threads: 2 });
  }, 120_000);
  afterAll(async () => pool?.close());

  it('three iterations (one refresh): bitwise the single-threaded result, same counts', async () => {
    for (let i = 0; i < 3; i++) {
      if (!serial.canIterate()) {
        // Refresh both from the same fresh encryption, so that the comparison stays bitwise.
        const fresh = owner.refresh(serial.weights);
        serial.weights = fresh;
        threaded.weights = { W: fresh.W.map((p) => [...p]), V: fresh.V.map((p) => [...p]) };
      }
      const a = serial.step();
      const b = await threaded.stepWith(pool);
      expect(same(serial.weights, threaded.weights)).toBe(true);
      expect(b.rotations).toBe(a.rotations);
      expect(b.keySwitches).toBe(a.keySwitches);
      expect(b.level).toBe(a.level);
    }
    expect(threaded.iteration).toBe(3);
  }, 120_000);

  it('the dispatcher runs each pair in stages (errors, then one job per part) on whichever worker is free: the same words', async () => {
    // Two in-process workers behind ports that answer on a later macrotask, recording what they ran.
    const keys = owner.evaluationKeys(trainingLayout(params, serial.shape, serial.layout.width));
    // Two trainers from the upload (the same initial weights): one iteration each (the next would
    // start with an owner's refresh, which draws fresh randomness).
    const trainer = new EncryptedTrainer(new Evaluator(params, keys), upload, owner, { maxIterations: 10 });
    const ref = new EncryptedTrainer(new Evaluator(params, keys), upload, owner, { maxIterations: 10 });
    const init = workerInit(trainer.context(), keys);
    const ran: { worker: number; stage: string; pair: number; part?: number }[] = [];
    let dispatcher: PairDispatcher | undefined;
    const ports = [0, 1].map((k) => {
      const worker = new PairWorker(init);
      return {
        postMessage(m: WorkerJob): void {
          ran.push({ worker: k, stage: m.stage ?? 'whole', pair: m.pair, ...(m.part === undefined ? {} : { part: m.part }) });
          setTimeout(() => dispatcher?.settle(worker.handle(m)), 0);
        },
      };
    });
    dispatcher = new PairDispatcher('test', params, ports);
    const a = ref.step();
    const b = await trainer.stepWith(dispatcher);
    expect(b.refreshed || a.refreshed).toBe(false);
    expect(same(ref.weights, trainer.weights)).toBe(true);
    expect(b.rotations).toBe(a.rotations);
    expect(b.keySwitches).toBe(a.keySwitches);
    const pairs = serial.weights.W.length;
    const parts = serial.layout.parts;
    expect(parts).toBe(2);
    expect(ran).toHaveLength(pairs * (1 + parts));
    for (let u = 0; u < pairs; u++) {
      const first = ran.findIndex((r) => r.pair === u);
      expect(ran[first].stage).toBe('errors');
      expect(ran.filter((r) => r.pair === u && r.stage === 'part').map((r) => r.part).sort()).toEqual([0, 1]);
    }
    // Both workers ran parts of pairs whose errors job ran on the other or on themselves.
    expect(new Set(ran.map((r) => r.worker))).toEqual(new Set([0, 1]));
  });

  it('stage jobs with a bad part, a missing or short rows list, or an unknown stage: typed errors', () => {
    const worker = new PairWorker(workerInit(serial.context(), owner.evaluationKeys(trainingLayout(params, serial.shape, serial.layout.width))));
    const w = ciphertextToWire(serial.weights.W[0][0], true);
    const v = ciphertextToWire(serial.weights.V[0][0], true);
    const constants = { iteration: 0, eta: 0.5, g1: 1 };
    const base = { type: 'job' as const, id: 0, pair: 0, constants };
    expect(() => worker.handle({ ...base, stage: 'part', part: 2, W: [w], V: [v], rows: [v] })).toThrow(/part 2 is outside/);
    expect(() => worker.handle({ ...base, stage: 'part', part: 0, W: [w], V: [v] })).toThrow(/rows must be an array/);
    expect(() => worker.handle({ ...base, stage: 'part', part: 0, W: [w], V: [v], rows: [] })).toThrow(/takes 1 row/);
    expect(() => worker.handle({ ...base, stage: 'part', part: 0, W: [w, w], V: [v], rows: [v] })).toThrow(/one W and one V/);
    expect(() => worker.handle({ ...base, stage: 'other' as 'part', W: [], V: [v] })).toThrow(TrainerError);
  });

  it('wire round trips: ciphertexts and keys', () => {
    const ct = serial.weights.W[0][0];
    const back = ciphertextFromWire(params, ciphertextToWire(ct, true));
    expect(back.scale).toBe(ct.scale);
    expect(Array.from(back.c[1].data.subarray(0, 64))).toEqual(Array.from(ct.c[1].data.subarray(0, 64)));
    const keys = owner.evaluationKeys(trainingLayout(params, serial.shape, serial.layout.width));
    const k2 = keysFromWire(params, keysToWire(params, keys));
    expect([...k2.galois.keys()]).toEqual([...keys.galois.keys()]);
  });

  it('malformed wire data: typed errors', () => {
    const w = ciphertextToWire(serial.weights.W[0][0], true);
    expect(() => ciphertextFromWire(params, { ...w, fingerprint: 'x' })).toThrow(TrainerError);
    expect(() => ciphertextFromWire(params, { ...w, level: params.maxLevel + 1 })).toThrow(TrainerError);
    expect(() => ciphertextFromWire(params, { ...w, scale: Number.NaN })).toThrow(TrainerError);
    expect(() => ciphertextFromWire(params, { ...w, slots: 3 })).toThrow(TrainerError);
    expect(() => ciphertextFromWire(params, { ...w, c: [w.c[0]] })).toThrow(TrainerError);
    expect(() => ciphertextFromWire(params, { ...w, c: [w.c[0], w.c[1].subarray(1)] })).toThrow(TrainerError);
    const big = w.c[1].slice();
    big[5] = params.Q[0];
    expect(() => ciphertextFromWire(params, { ...w, c: [w.c[0], big] })).toThrow(/modulus/);
    const keys = keysToWire(params, owner.evaluationKeys(trainingLayout(params, serial.shape, serial.layout.width)));
    expect(() => keysFromWire(params, { ...keys, fingerprint: 'y' })).toThrow(TrainerError);
    const [g, k] = keys.galois[0];
    expect(() => keysFromWire(params, { ...keys, galois: [[g, { ...k, b: k.b.slice(1) }]] })).toThrow(TrainerError);
    const worker = new PairWorker(workerInit(serial.context(), owner.evaluationKeys(trainingLayout(params, serial.shape, serial.layout.width))));
    expect(() => worker.handle({ type: 'job', id: 0, pair: 9, W: [], V: [], constants: { iteration: 0, eta: 0.5, g1: 1 } })).toThrow(TrainerError);
  });
});
