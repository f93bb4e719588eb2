/**
 * The encrypted trainer at a small ring (logN 12, insecure test parameters):
 * after every iteration the decrypted W matches the plaintext mirror to 1e-3
 * (max abs difference), across refresh round trips; predictions agree; the
 * cost per iteration is the model's; the server API never takes a secret key.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Encoder, Evaluator, INSECURE_OPT_IN, createParameters, type Parameters } from '../../src/ckks/index.js';
import { MatrixOps } from '../../src/encoding/index.js';
import {
  DataOwner,
  EncryptedTrainer,
  LEVELS_PER_ITERATION,
  PlainTrainerState,
  TrainerError,
  buildDesign,
  encodeModel,
  parseCsv,
  predict,
  predictScores,
  selectRows,
  trainingLayout,
} from '../../src/mlr/index.js';

const FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);

describe('EncryptedTrainer (logN 11, 16 samples, 101 columns, 10 classes)', () => {
  let params: Parameters;
  let owner: DataOwner;
  let trainer: EncryptedTrainer;
  let mirror: PlainTrainerState;
  let X: ReturnType<typeof buildDesign>['X'];

  beforeAll(() => {
    // 12 ciphertext primes: 11 levels, so refreshes happen every 2 iterations. Rows of 64 slots:
    // 16 rows per ciphertext, 101 columns in 2 parts; 16 samples in one team member.
    params = createParameters({ logN: 11, logQ: new Array(12).fill(30), logP: new Array(4).fill(30), logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    const all = selectRows(parseCsv(readFileSync(FILE, 'utf8'), { source: 'bundled' }), 0, 16);
    const d = 100;
    const few = { ...all, d, features: Float64Array.from({ length: all.n * d }, (_, i) => all.features[Math.floor(i / d) * all.d + (i % d)]) };
    const tr = buildDesign(few);
    X = tr.X;
    owner = new DataOwner(params);
    const upload = owner.encryptDataset(tr.X, tr.Y, { width: 64 });
    const layout = trainingLayout(params, upload.shape, upload.width);
    // X and X~ in 2 parts, Y once, W0 once: the paper's 6 ciphertexts.
    expect(upload.X.length + upload.Xt.length + upload.Y.length + 1).toBe(6);
    expect(layout.parts).toBe(2);
    expect(layout.teams).toBe(1);
    trainer = new EncryptedTrainer(new Evaluator(params, owner.evaluationKeys(layout)), upload, owner, { maxIterations: 10 });
    mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
  });

  let refreshes = 0;
  for (let i = 1; i <= 5; i++) {
    it(`iteration ${i}: W matches the plaintext mirror to 1e-3, predictions agree, cost as modelled`, () => {
      const layout = trainer.layout;
      const pairs = Math.ceil(trainer.shape.K / 2);
      const Z = MatrixOps.costABt(layout, pairs).rotations + pairs * layout.teams * MatrixOps.costSplit().rotations;
      const G = MatrixOps.costAtB(layout, pairs).rotations;
      const st = trainer.step();
      const m = mirror.step();
      const W = owner.decryptWeights(trainer.weights.W);
      let diff = 0;
      for (let j = 0; j < W.data.length; j++) diff = Math.max(diff, Math.abs(W.data[j] - m.W[j]));
      expect(diff).toBeLessThan(1e-3);
      expect(Array.from(predict(X, W.data))).toEqual(Array.from(predict(X, m.W)));
      expect(st.rotations).toBe(Z + G);
      if (st.refreshed) refreshes++;
    });
  }

  it('refreshed at least twice in 5 iterations (11 levels, 4 per iteration), counted on both sides', () => {
    expect(refreshes).toBeGreaterThanOrEqual(2);
    expect(trainer.refreshes).toBe(refreshes);
    expect(owner.refreshes).toBe(refreshes);
  });

  it('consumes LEVELS_PER_ITERATION levels of V per iteration', () => {
    if (!trainer.canIterate()) trainer.weights = owner.refresh(trainer.weights);
    const before = trainer.weights.V[0][0].level;
    const st = trainer.step();
    if (!st.refreshed) expect(before - st.level).toBe(LEVELS_PER_ITERATION);
    expect(trainer.weights.W[0][0].level).toBe(st.level - 1);
  });

  it('encrypted prediction: scores of new samples (2 team members), with the encrypted and with a plaintext model, match X W^T', () => {
    // Rows 17-48 of the file: 32 new samples, 16 per ciphertext at logN 11 with rows of 64 slots.
    const all = selectRows(parseCsv(readFileSync(FILE, 'utf8'), { source: 'bundled' }), 16, 48);
    const d = 100;
    const few = { ...all, d, features: Float64Array.from({ length: all.n * d }, (_, i) => all.features[Math.floor(i / d) * all.d + (i % d)]) };
    const te = buildDesign(few);
    const W = owner.decryptWeights(trainer.weights.W);
    const want = (r: number, c: number): number => {
      let z = 0;
      for (let j = 0; j < te.X.cols; j++) z += te.X.data[r * te.X.cols + j] * W.data[c * W.cols + j];
      return z;
    };
    const enc = owner.encryptFeatures(te.X);
    expect(enc.shape).toEqual({ n: 32, d: 101, K: 10 });
    expect(trainingLayout(params, enc.shape, enc.width).teams).toBe(2);
    const fromEncrypted = predictScores(trainer.ev, enc.shape, enc.width, enc.X, trainer.weights.W);
    const plainModel = encodeModel(new Encoder(params), W, enc.width, enc.X[0].level);
    const fromPlain = predictScores(trainer.ev, enc.shape, enc.width, enc.X, plainModel);
    for (const scores of [fromEncrypted, fromPlain]) {
      const Z = owner.decryptScores(scores, enc.shape, enc.width);
      let err = 0;
      let max = 0;
      for (let r = 0; r < 32; r++) {
        for (let c = 0; c < 10; c++) {
          err = Math.max(err, Math.abs(Z.data[r * 10 + c] - want(r, c)));
          max = Math.max(max, Math.abs(want(r, c)));
        }
      }
      expect(max).toBeGreaterThan(0.05);
      expect(err).toBeLessThan(1e-3);
      // The predicted class agrees wherever the true scores' top two differ by more than the error bound.
      const plainPred = predict(te.X, W.data);
      let compared = 0;
      for (let r = 0; r < 32; r++) {
        const sorted = Array.from({ length: 10 }, (_, c) => want(r, c)).sort((a, b) => b - a);
        if (sorted[0] - sorted[1] < 2e-3) continue;
        let best = 0;
        for (let c = 1; c < 10; c++) if (Z.data[r * 10 + c] > Z.data[r * 10 + best]) best = c;
        expect(best).toBe(plainPred[r]);
        compared++;
      }
      expect(compared).toBeGreaterThan(24);
    }
    expect(() => owner.encryptFeatures({ rows: 2, cols: 7, data: new Float64Array(14) })).toThrow(/7 columns, the model 101/);
    expect(() => predictScores(trainer.ev, enc.shape, enc.width, enc.X.slice(1), trainer.weights.W)).toThrow(TrainerError);
  });

  it('refuses data that does not fit, naming the shapes', () => {
    const tooMany = { rows: 16, cols: 10, data: new Float64Array(160) };
    const Y = { rows: 16, cols: 300, data: new Float64Array(16 * 300) }; // 300 classes do not fit rows of 256
    expect(() => owner.encryptDataset(tooMany, Y)).toThrow(TrainerError);
    expect(() => owner.encryptDataset(tooMany, { rows: 15, cols: 10, data: new Float64Array(150) })).toThrow(/16 rows but Y has 15/);
  });
});
