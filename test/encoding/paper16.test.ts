/**
 * The paper's shapes at N = 2^16: X 128 x 401 (bias + 400 REGNET_X_400MF
 * features of the first 128 bundled MNIST rows) in two ciphertexts, W 10 x 401
 * as 5 packed pairs of tiled rows, E = Y - P as 5 packed pairs of columns.
 * Z = X W^T and G = E^T X against float64, with the counters equal to the
 * cost model (165 key switchings, 1 level each). A short secure chain
 * (3 + 2 primes, log2(QP) ~ 150) keeps the key generation cheap.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, createParameters, type Ciphertext, type Parameters } from '../../src/ckks/index.js';
import { MatrixLayout, MatrixOps, rotationStepsFor, tileRow } from '../../src/encoding/index.js';
import { buildDesign, parseCsv, selectRows } from '../../src/mlr/index.js';
import { randMatrix } from './harness.js';

const K = 10;

describe('paper shapes at N = 2^16 (128 x 401 data, 10 x 401 weights)', () => {
  let params: Parameters;
  let layout: MatrixLayout;
  let X: Float64Array;
  let d: number;
  let enc: Encoder;
  let encr: Encryptor;
  let dec: Decryptor;
  let ev: Evaluator;
  let ops: MatrixOps;

  beforeAll(() => {
    params = createParameters({ logN: 16, logQ: [30, 30, 30], logP: [30, 30], logDefaultScale: 30 });
    const data = selectRows(parseCsv(readFileSync(new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url), 'utf8')), 0, 128);
    const design = buildDesign(data);
    X = design.X.data;
    d = design.X.cols;
    layout = new MatrixLayout(128, d, params.slots, 256);
    const kg = new KeyGenerator(params);
    const sk = kg.genSecretKey();
    const { steps, conjugate } = rotationStepsFor(layout);
    ev = new Evaluator(params, kg.genEvaluationKeys(sk, { steps, conjugate }));
    enc = new Encoder(params);
    encr = new Encryptor(params, sk);
    dec = new Decryptor(params, sk);
    ops = new MatrixOps(ev);
  });

  it('layout: two ciphertexts (two column parts of 256), one team member', () => {
    expect(layout.parts).toBe(2);
    expect(layout.teams).toBe(1);
    expect(layout.ciphertexts).toBe(2);
  });

  it('Z = X W^T (5 packed pairs) and G = E^T X (5 packed pairs): values, counters, levels', () => {
    const S = params.slots;
    const level = params.maxLevel;
    const W = randMatrix(K, d, 11).map((v) => 0.05 * v);
    const E = randMatrix(128, K, 12).map((v) => 0.1 * v);
    const Xct = layout.pack(X).map((v) => encr.encrypt(enc.encode(v, level)));
    const tiled = (j: number, p: number): Ciphertext =>
      encr.encrypt(enc.encode(tileRow(W.subarray(j * d + p * 256, j * d + Math.min(d, (p + 1) * 256)), 256, S), level));
    const Wpairs = Array.from({ length: K / 2 }, (_, u) => [0, 1].map((p) => ops.pack(tiled(2 * u, p), tiled(2 * u + 1, p))));
    ev.resetCounters();
    const Z = ops.productABt(layout, Xct, Wpairs).map((t) => ops.split(t[0]));
    const zRot = ev.counters.rotations;
    expect(zRot).toBe(MatrixOps.costABt(layout, K / 2).rotations + (K / 2) * MatrixOps.costSplit().rotations);
    expect(level - Z[0][0].level).toBe(1);
    let zErr = 0;
    let zMax = 0;
    for (let u = 0; u < K / 2; u++) {
      for (let h = 0; h < 2; h++) {
        const got = enc.decode(dec.decrypt(Z[u][h]));
        for (let r = 0; r < 128; r++) {
          let want = 0;
          for (let c = 0; c < d; c++) want += X[r * d + c] * W[(2 * u + h) * d + c];
          zErr = Math.max(zErr, Math.abs(got[r * 256] - want));
          zMax = Math.max(zMax, Math.abs(want));
        }
      }
    }
    // Measured 13.7 bits (absolute, values up to ~1.8); threshold 11.
    expect(-Math.log2(zErr)).toBeGreaterThanOrEqual(11);
    expect(zMax).toBeGreaterThan(0.1);

    const Epairs = Array.from({ length: K / 2 }, (_, u) => {
      const re = new Float64Array(S);
      const im = new Float64Array(S);
      for (let r = 0; r < 128; r++) {
        re[r * 256] = E[r * K + 2 * u];
        im[r * 256] = E[r * K + 2 * u + 1];
      }
      return [encr.encrypt(enc.encode({ re, im }, level))];
    });
    ev.resetCounters();
    const G = Epairs.map((e) => ops.productAtB(layout, e, Xct).map((g) => ops.split(g)));
    expect(ev.counters.rotations).toBe(MatrixOps.costAtB(layout, K / 2).rotations + (K / 2) * layout.parts * MatrixOps.costSplit().rotations);
    expect(zRot + ev.counters.rotations).toBe(165);
    expect(level - G[0][0][0].level).toBe(1);
    let gErr = 0;
    let gMax = 0;
    for (let u = 0; u < K / 2; u++) {
      for (let p = 0; p < 2; p++) {
        for (let h = 0; h < 2; h++) {
          const got = enc.decode(dec.decrypt(G[u][p][h]));
          for (let c = p * 256; c < Math.min(d, (p + 1) * 256); c++) {
            let want = 0;
            for (let r = 0; r < 128; r++) want += E[r * K + 2 * u + h] * X[r * d + c];
            gErr = Math.max(gErr, Math.abs(got[c - p * 256] - want));
            gMax = Math.max(gMax, Math.abs(want));
          }
        }
      }
    }
    // G carries E's replication noise (8 rotate-and-adds at scale 2^30) times |X| (raw features)
    // summed over 128 rows: relative to the largest entry (~11), measured 7.2 bits; threshold 5.5.
    expect(gMax).toBeGreaterThan(0.5);
    expect(-Math.log2(gErr / gMax)).toBeGreaterThanOrEqual(5.5);
  });
});
