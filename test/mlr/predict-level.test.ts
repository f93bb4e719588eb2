/**
 * Encrypted prediction at the lowest level the trainer leaves the model at
 * (W at minLevel = 1): the product Z = X W^T would land at level 0 with its
 * scale as large as the modulus, and decrypt to garbage. predictScores
 * refuses such inputs with a TrainerError; EncryptedTrainer.predictScores
 * refreshes the model through its Refresher first and gets the right scores.
 * Insecure small parameters: logN 11, 11 ciphertext primes (10 levels):
 * V goes 10 -> 6 -> 2 in two iterations, W ends at level 1.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Encoder, Evaluator, INSECURE_OPT_IN, type Parameters, createParameters } from '../../src/ckks/index.js';
import {
  DataOwner,
  EncryptedTrainer,
  type Refresher,
  TrainerError,
  buildDesign,
  encodeModel,
  parseCsv,
  predictScores,
  selectRows,
  trainingLayout,
} from '../../src/mlr/index.js';

const FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);

describe('encrypted prediction with the model at the lowest level the trainer leaves', () => {
  let params: Parameters;
  let owner: DataOwner;
  let trainer: EncryptedTrainer;
  let te: ReturnType<typeof buildDesign>;
  let keys: ReturnType<DataOwner['evaluationKeys']>;

  const slice = (from: number, to: number): ReturnType<typeof buildDesign> => {
    const all = selectRows(parseCsv(readFileSync(FILE, 'utf8'), { source: 'bundled' }), from, to);
    const d = 100;
    return buildDesign({ ...all, d, features: Float64Array.from({ length: all.n * d }, (_, i) => all.features[Math.floor(i / d) * all.d + (i % d)]) });
  };

  beforeAll(() => {
    params = createParameters({ logN: 11, logQ: new Array(11).fill(30), logP: new Array(4).fill(30), logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    const tr = slice(0, 16);
    te = slice(16, 32);
    owner = new DataOwner(params);
    const upload = owner.encryptDataset(tr.X, tr.Y, { width: 64 });
    keys = owner.evaluationKeys(trainingLayout(params, upload.shape, upload.width));
    trainer = new EncryptedTrainer(new Evaluator(params, keys), upload, owner, { maxIterations: 10 });
    trainer.step();
    trainer.step();
  });

  const want = (W: Float64Array, r: number, c: number): number => {
    let z = 0;
    for (let j = 0; j < te.X.cols; j++) z += te.X.data[r * te.X.cols + j] * W[c * te.X.cols + j];
    return z;
  };

  it('the trainer leaves W at its minLevel (1)', () => {
    expect(trainer.weights.W[0][0].level).toBe(trainer.minLevel);
    expect(trainer.minLevel).toBe(1);
  });

  it('predictScores refuses a model at that level with a TrainerError naming the levels (encrypted and plaintext model)', () => {
    const q = owner.encryptFeatures(te.X);
    expect(() => predictScores(trainer.ev, q.shape, q.width, q.X, trainer.weights.W)).toThrow(TrainerError);
    expect(() => predictScores(trainer.ev, q.shape, q.width, q.X, trainer.weights.W)).toThrow(/level/);
    const W = owner.decryptWeights(trainer.weights.W);
    const low = encodeModel(new Encoder(params), W, q.width, 1);
    const X1 = q.X.map((c) => trainer.ev.dropLevelNew(c, c.level - 1));
    expect(() => predictScores(trainer.ev, q.shape, q.width, X1, low)).toThrow(TrainerError);
  });

  it('EncryptedTrainer.predictScores refreshes the model first (one round trip) and gives X W^T', () => {
    const W = owner.decryptWeights(trainer.weights.W).data;
    const before = trainer.refreshes;
    const q = owner.encryptFeatures(te.X);
    const Z = owner.decryptScores(trainer.predictScores(q.shape, q.width, q.X), q.shape, q.width);
    expect(trainer.refreshes).toBe(before + 1);
    expect(trainer.weights.W[0][0].level).toBe(params.maxLevel);
    let err = 0;
    for (let r = 0; r < te.X.rows; r++) for (let c = 0; c < 10; c++) err = Math.max(err, Math.abs(Z.data[r * 10 + c] - want(W, r, c)));
    expect(err).toBeLessThan(1e-3);
    // At a level that suffices no refresh happens.
    trainer.predictScores(q.shape, q.width, q.X);
    expect(trainer.refreshes).toBe(before + 1);
  });

  it('without a refresher that can refresh (the server alone), EncryptedTrainer.predictScores refuses with a TrainerError', () => {
    const refuse: Refresher = {
      refresh(): never {
        throw new TrainerError('test', 'no refresh here');
      },
    };
    const upload = owner.encryptDataset(slice(0, 16).X, slice(0, 16).Y, { width: 64 });
    const server = new EncryptedTrainer(new Evaluator(params, keys), upload, refuse, { maxIterations: 10, resume: { iteration: 2, refreshes: 0, weights: trainer.weights } });
    const q = owner.encryptFeatures(te.X);
    const lowW = trainer.weights.W.map((parts) => parts.map((c) => trainer.ev.dropLevelNew(c, c.level - 1)));
    server.weights = { W: lowW, V: trainer.weights.V };
    expect(() => server.predictScores(q.shape, q.width, q.X)).toThrow(TrainerError);
  });
});
