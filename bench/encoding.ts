/**
 * `npm run bench -- encoding`: the two products of one training iteration at
 * N = 2^16 with the paper preset (PN16QP690_TRAIN_SEC128, the trainer's chain), on the paper's shapes:
 *   Z = X W^T   X: 128 x 401 (bias + 400 RegNet features of the first 128
 *               bundled MNIST rows) in two ciphertexts (column parts of 256);
 *               W: 10 x 401, rows tiled, packed two classes per ciphertext
 *   G = E^T X   E = Y - P: 128 x 10, one pair of columns per ciphertext at
 *               column 0 of each row; the result tiled, split per class
 * Prints time, rotations (including conjugations), multiplications and
 * levels of each, and checks the results against float64 (bits).
 * Bar: together at most 400 rotations and 4 levels (reference: 2,304 + 660 rotations, 12 levels).
 *
 * Fixed seed; key generation and encryption are outside the timed part.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ciphertext, Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, PN16QP690_TRAIN_SEC128, createParameters } from '../src/ckks/index.js';
import { MatrixLayout, MatrixOps, rotationStepsFor, tileRow } from '../src/encoding/index.js';
import { buildDesign, parseCsv, selectRows } from '../src/mlr/index.js';
import { DEFAULT_SEED, SplitMix32, peakRssMiB, round } from './util.js';

const K = 10;

function bitsOf(err: number): number {
  return err === 0 ? Infinity : -Math.log2(err);
}

/** Run the suite. */
export async function run(): Promise<object> {
  const params = createParameters(PN16QP690_TRAIN_SEC128);
  const S = params.slots;
  const file = fileURLToPath(new URL('../data/mnist-regnet-x-400mf-first256.csv', import.meta.url));
  const data = selectRows(parseCsv(readFileSync(file, 'utf8'), { source: file }), 0, 128);
  const { X } = buildDesign(data);
  const n = X.rows;
  const d = X.cols;
  const layout = new MatrixLayout(n, d, S, 256);
  console.log(`X: ${n} x ${d} as ${layout}`);
  const rng = new SplitMix32(DEFAULT_SEED);
  const uniform = (): number => (rng.nextU32() / 2 ** 32) * 2 - 1;
  const W = Float64Array.from({ length: K * d }, () => 0.05 * uniform());
  const E = Float64Array.from({ length: n * K }, () => uniform());

  const { steps, conjugate } = rotationStepsFor(layout);
  const kg = new KeyGenerator(params);
  const sk = kg.genSecretKey();
  let t0 = performance.now();
  const keys = kg.genEvaluationKeys(sk, { steps, conjugate });
  console.log(`keys: relinearization + ${keys.galois.size} Galois keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const enc = new Encoder(params);
  const encr = new Encryptor(params, sk);
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys);
  const ops = new MatrixOps(ev);
  const level = params.maxLevel;

  // Encrypt X (two parts), W (tiled rows per part, packed in pairs), E (pairs of columns at column 0).
  const Xct = layout.pack(X.data).map((v) => encr.encrypt(enc.encode(v, level)));
  const tiled = (j: number, p: number): Ciphertext => {
    const lo = p * layout.width;
    const hi = Math.min(d, lo + layout.width);
    return encr.encrypt(enc.encode(tileRow(W.subarray(j * d + lo, j * d + hi), layout.width, S), level));
  };
  const Wpairs = Array.from({ length: K / 2 }, (_, u) => Array.from({ length: layout.parts }, (_, p) => ops.pack(tiled(2 * u, p), tiled(2 * u + 1, p))));
  const Epairs = Array.from({ length: K / 2 }, (_, u) => {
    const re = new Float64Array(S);
    const im = new Float64Array(S);
    for (let r = 0; r < n; r++) {
      re[r * layout.width] = E[r * K + 2 * u];
      im[r * layout.width] = E[r * K + 2 * u + 1];
    }
    return [encr.encrypt(enc.encode({ re, im }, level - 1))];
  });
  const Xlow = Xct.map((c) => ev.dropLevelNew(c, 1));

  // Z = X W^T: 5 packed products, then split each pair into two classes.
  ev.resetCounters();
  t0 = performance.now();
  const Zpacked = ops.productABt(layout, Xct, Wpairs);
  const Z = Zpacked.map((team) => ops.split(team[0]));
  const zSeconds = (performance.now() - t0) / 1000;
  const zCounters = { ...ev.counters };
  const zLevels = level - Z[0][0].level;

  // G = E^T X: 5 packed products, split per class and part.
  ev.resetCounters();
  t0 = performance.now();
  const Gpacked = Epairs.map((e) => ops.productAtB(layout, e, Xlow));
  const G = Gpacked.map((parts) => parts.map((g) => ops.split(g)));
  const gSeconds = (performance.now() - t0) / 1000;
  const gCounters = { ...ev.counters };
  const gLevels = level - 1 - G[0][0][0].level;

  // Check against float64.
  let zErr = 0;
  for (let u = 0; u < K / 2; u++) {
    for (let h = 0; h < 2; h++) {
      const j = 2 * u + h;
      const got = enc.decode(dec.decrypt(Z[u][h]));
      for (let r = 0; r < n; r++) {
        let want = 0;
        for (let c = 0; c < d; c++) want += X.data[r * d + c] * W[j * d + c];
        zErr = Math.max(zErr, Math.abs(got[r * layout.width] - want));
      }
    }
  }
  let gErr = 0;
  for (let u = 0; u < K / 2; u++) {
    for (let p = 0; p < layout.parts; p++) {
      for (let h = 0; h < 2; h++) {
        const j = 2 * u + h;
        const got = enc.decode(dec.decrypt(G[u][p][h]));
        for (let c = p * layout.width; c < Math.min(d, (p + 1) * layout.width); c++) {
          let want = 0;
          for (let r = 0; r < n; r++) want += E[r * K + j] * X.data[r * d + c];
          gErr = Math.max(gErr, Math.abs(got[c - p * layout.width] - want));
        }
      }
    }
  }
  const model = {
    z: MatrixOps.costABt(layout, K / 2).rotations + (K / 2) * MatrixOps.costSplit().rotations,
    g: MatrixOps.costAtB(layout, K / 2).rotations + (K / 2) * layout.parts * MatrixOps.costSplit().rotations,
  };
  const products = [
    {
      name: 'Z = X W^T',
      seconds: round(zSeconds),
      rotations: zCounters.rotations,
      rotationsModel: model.z,
      multiplications: zCounters.ctMultiplications,
      relinearizations: zCounters.keySwitches - zCounters.rotations,
      levels: zLevels,
      maxAbsError: round(zErr),
      bits: round(bitsOf(zErr)),
    },
    {
      name: 'G = (Y - P)^T X',
      seconds: round(gSeconds),
      rotations: gCounters.rotations,
      rotationsModel: model.g,
      multiplications: gCounters.ctMultiplications,
      relinearizations: gCounters.keySwitches - gCounters.rotations,
      levels: gLevels,
      maxAbsError: round(gErr),
      bits: round(bitsOf(gErr)),
    },
  ];
  for (const p of products) {
    console.log(`${p.name.padEnd(18)} ${p.seconds.toFixed(2)} s  rotations ${p.rotations} (model ${p.rotationsModel})  ct mults ${p.multiplications}  relins ${p.relinearizations}  levels ${p.levels}  error ${p.maxAbsError} (${p.bits.toFixed(1)} bits)`);
  }
  const totalRotations = products[0].rotations + products[1].rotations;
  const totalLevels = products[0].levels + products[1].levels;
  console.log(`together: ${totalRotations} rotations (bar 400; reference 2,304 + 660), ${totalLevels} levels (bar 4; reference 12)`);
  return {
    suite: 'encoding',
    N: params.N,
    preset: 'PN16QP690_TRAIN_SEC128',
    level,
    products,
    together: { rotations: totalRotations, levels: totalLevels, seconds: round(zSeconds + gSeconds) },
    bar: { rotationsAtMost400: totalRotations <= 400, levelsAtMost4: totalLevels <= 4 },
    galoisKeys: keys.galois.size,
    peakRssMB: round(peakRssMiB()),
  };
}
