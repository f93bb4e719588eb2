/**
 * `npm run bench -- train`: encrypted training iterations at the paper's
 * setting (128 samples x 401 columns of the bundled REGNET_X_400MF features,
 * 10 classes, N = 2^16, the trainer's preset PN16QP1200_TRAIN_SEC128) with all
 * evaluation keys in memory. Times the first iteration (at the top level, the
 * most expensive) and the mean over one refresh window (5 iterations), with
 * rotations, levels and peak RSS, and the largest difference from the
 * plaintext mirror.
 * Bars (2-core machine): at most 60 s per iteration, peak RSS at most 4 GB,
 * at most 400 rotations per iteration (reference: 946 s, 18.5 GB, 3,040).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Evaluator, PN16QP1200_TRAIN_SEC128, createParameters } from '../src/ckks/index.js';
import { DataOwner, EncryptedTrainer, LEVELS_PER_ITERATION, PlainTrainerState, buildDesign, parseCsv, selectRows, trainingLayout } from '../src/mlr/index.js';
import { peakRssMiB, round } from './util.js';

/** Run the suite. */
export async function run(): Promise<object> {
  const iterations = Number(process.env.TRAIN_BENCH_ITERATIONS ?? 5);
  const params = createParameters(PN16QP1200_TRAIN_SEC128);
  const file = fileURLToPath(new URL('../data/mnist-regnet-x-400mf-first256.csv', import.meta.url));
  const tr = buildDesign(selectRows(parseCsv(readFileSync(file, 'utf8'), { source: file }), 0, 128));
  let t0 = performance.now();
  const owner = new DataOwner(params);
  const upload = owner.encryptDataset(tr.X, tr.Y);
  const layout = trainingLayout(params, upload.shape);
  const keys = owner.evaluationKeys(layout);
  const setupSeconds = (performance.now() - t0) / 1000;
  let keyBytes = keys.relin?.byteLength ?? 0;
  for (const k of keys.galois.values()) keyBytes += k.byteLength;
  console.log(`setup (keys + upload): ${setupSeconds.toFixed(1)} s, ${keys.galois.size} Galois keys, ${(keyBytes / 2 ** 20).toFixed(0)} MiB of evaluation keys`);
  const trainer = new EncryptedTrainer(new Evaluator(params, keys), upload, owner, { maxIterations: iterations });
  const mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
  const rows: { iteration: number; seconds: number; rotations: number; level: number; maxAbsDiffVsPlain: number }[] = [];
  for (let i = 0; i < iterations; i++) {
    t0 = performance.now();
    const st = trainer.step();
    const m = mirror.step();
    const W = owner.decryptWeights(trainer.weights.W);
    let diff = 0;
    for (let j = 0; j < W.data.length; j++) diff = Math.max(diff, Math.abs(W.data[j] - m.W[j]));
    rows.push({ iteration: st.iteration, seconds: round(st.seconds), rotations: st.rotations, level: st.level, maxAbsDiffVsPlain: round(diff) });
    console.log(`iteration ${st.iteration}: ${st.seconds.toFixed(1)} s, ${st.rotations} rotations, ${st.keySwitches} key switchings, V at level ${st.level}, max |W - mirror| ${diff.toExponential(2)}`);
  }
  const mean = rows.reduce((s, r) => s + r.seconds, 0) / rows.length;
  const peak = peakRssMiB();
  console.log(`mean ${mean.toFixed(1)} s per iteration over ${rows.length}; first ${rows[0].seconds} s; peak RSS ${peak.toFixed(0)} MiB`);
  return {
    suite: 'train',
    preset: 'PN16QP1200_TRAIN_SEC128',
    samples: tr.X.rows,
    columns: tr.X.cols,
    classes: tr.Y.cols,
    secondsPerIteration: round(mean),
    firstIterationSeconds: rows[0].seconds,
    rotationsPerIteration: rows[0].rotations,
    levelsPerIteration: LEVELS_PER_ITERATION,
    peakRssMB: round(peak),
    setupSeconds: round(setupSeconds),
    evaluationKeyMiB: round(keyBytes / 2 ** 20),
    iterations: rows,
    bar: { secondsAtMost60: mean <= 60, rssAtMost4GB: peak <= 4096, rotationsAtMost400: rows[0].rotations <= 400 },
  };
}
