/**
 * `npm run bench -- train`: encrypted training iterations at the paper's
 * setting (128 samples x 401 columns of the bundled REGNET_X_400MF features,
 * 10 classes, N = 2^16, the trainer's preset PN16QP690_TRAIN_SEC128) with all
 * evaluation keys in memory, the pairs of classes on worker threads sharing
 * the keys (NodePairPool). Runs two refresh windows (6 iterations: V at levels
 * 14, 10, 6, refresh, 14, 10, 6) and reports the server's seconds per
 * iteration (mean), the owner's refresh round trips (seconds each, and per
 * iteration amortized), rotations, levels and peak RSS (all threads), and the
 * largest difference from the plaintext mirror.
 * Bars (2-core machine): at most 60 s per iteration, peak RSS at most 4 GB,
 * at most 400 rotations per iteration (reference: 946 s, 18.5 GB, 3,040).
 *
 * Bootstrapped mode (TRAIN_BENCH_MODE=bootstrap, preset
 * PN16QP1530_TRAIN_BOOT_H192 by default): the server refreshes the weights by
 * bootstrapping (src/mlr/bootstrap.ts), no owner round trip; the JSON adds
 * {mode, bootstraps, ownerRoundTrips, secondsPerIterationAmortized,
 * maxAbsDiffVsPlain}. Bars of that mode: 0 owner round trips, at most 60 s
 * per iteration amortized, peak RSS at most 8 GB (read as 8 x 10^9 bytes,
 * 7,629 MiB).
 *
 * Amortization (both modes): a refresh serves the iterations of one cycle, as
 * many as ran before the first refresh (iterationsPerRefresh; 2 with
 * bootstrapping, 3 with the owner); secondsPerIterationAmortized is the mean
 * iteration (the first, a JIT warm-up, left out when more were measured) plus
 * the mean refresh divided by that count. The keys only the bootstrapping uses are held compact
 * (compactBootstrapKeys: half their memory, their a_j regenerated at each
 * use); TRAIN_BENCH_COMPACT_KEYS=0 holds them whole.
 *
 * Environment: TRAIN_BENCH_ITERATIONS (default 6), TRAIN_BENCH_THREADS
 * (default 2; 0 = the single-threaded step), TRAIN_BENCH_MODE (owner, the
 * default, or bootstrap), TRAIN_BENCH_PRESET (default PN16QP690_TRAIN_SEC128,
 * or PN16QP1530_TRAIN_BOOT_H192 in bootstrap mode), TRAIN_BENCH_ROWS (default 128),
 * TRAIN_BENCH_COMPACT_KEYS (default 1).
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Encoder, Evaluator, PRESETS, createParameters } from '../src/ckks/index.js';
import {
  BootstrapRefresher,
  DataOwner,
  EncryptedTrainer,
  type EncryptedWeights,
  LEVELS_PER_ITERATION,
  PlainTrainerState,
  type Refresher,
  TRAINING_BOOTSTRAP_PRESETS,
  buildDesign,
  compactBootstrapKeys,
  parseCsv,
  selectRows,
  trainingDataLevel,
  trainingLayout,
} from '../src/mlr/index.js';
import { NodePairPool, NodeTransformWorkers } from '../src/node/index.js';
import { peakRssMiB, round } from './util.js';

/** Run the suite. */
export async function run(): Promise<object> {
  const iterations = Number(process.env.TRAIN_BENCH_ITERATIONS ?? 6);
  const threads = Number(process.env.TRAIN_BENCH_THREADS ?? 2);
  const mode = process.env.TRAIN_BENCH_MODE === 'bootstrap' ? 'bootstrap' : 'owner';
  const presetName = process.env.TRAIN_BENCH_PRESET ?? (mode === 'bootstrap' ? 'PN16QP1530_TRAIN_BOOT_H192' : 'PN16QP690_TRAIN_SEC128');
  const boot = mode === 'bootstrap' ? TRAINING_BOOTSTRAP_PRESETS[presetName] : undefined;
  if (mode === 'bootstrap' && boot === undefined) throw new Error(`${presetName} has no bootstrapping chain`);
  const params = createParameters(PRESETS[presetName]);
  const rowsUsed = Number(process.env.TRAIN_BENCH_ROWS ?? 128);
  const file = fileURLToPath(new URL('../data/mnist-regnet-x-400mf-first256.csv', import.meta.url));
  const tr = buildDesign(selectRows(parseCsv(readFileSync(file, 'utf8'), { source: file }), 0, rowsUsed));
  let t0 = performance.now();
  const owner = new DataOwner(params, {
    shared: threads > 0,
    ...(boot === undefined ? {} : { hammingWeight: boot.hammingWeight, dataLevel: trainingDataLevel(params, boot.config) }),
  });
  const upload = owner.encryptDataset(tr.X, tr.Y);
  const layout = trainingLayout(params, upload.shape);
  // With bootstrapping, keys generated compact and held as compactBootstrapKeys does (the bootstrapping's
  // compact, whole copies at the training level of the trainer's), unless TRAIN_BENCH_COMPACT_KEYS=0.
  const compactKeys = boot !== undefined && process.env.TRAIN_BENCH_COMPACT_KEYS !== '0';
  let keys = owner.evaluationKeys(layout, boot === undefined ? {} : { bootstrap: boot.config, compact: compactKeys });
  const mainKeys = (ks: typeof keys) => [...(ks.relin === undefined ? [] : [ks.relin]), ...ks.galois.values()];
  // A compact key's a_j are as large as its b_j.
  const wholeKeyBytes = mainKeys(keys).reduce((s, k) => s + (k.compact ? 2 : 1) * k.byteLength, 0);
  if (boot !== undefined && compactKeys) keys = compactBootstrapKeys(params, keys, layout, Math.ceil(tr.Y.cols / 2), boot.config);
  const bytesOf = (ks: typeof keys): number =>
    [...mainKeys(ks), ...(ks.lowRelin === undefined ? [] : [ks.lowRelin]), ...ks.lowGalois.values()].reduce((s, k) => s + k.byteLength, 0);
  const setupSeconds = (performance.now() - t0) / 1000;
  const keyBytes = bytesOf(keys);
  console.log(
    `${presetName}: setup (keys + upload) ${setupSeconds.toFixed(1)} s, ${keys.galois.size} Galois keys, ${(keyBytes / 2 ** 20).toFixed(0)} MiB of evaluation keys held` +
      (compactKeys ? ` (${(wholeKeyBytes / 2 ** 20).toFixed(0)} MiB whole; held compact, with ${keys.lowGalois.size + (keys.lowRelin === undefined ? 0 : 1)} whole copies at the training level)` : ''),
  );
  // The owner's refreshes, timed.
  const refreshSeconds: number[] = [];
  const ev = new Evaluator(params, keys);
  // With threads, the bootstrapping's transforms share their key switchings with a worker (NodeTransformWorkers).
  const transformWorkers = boot !== undefined && threads > 1 ? await NodeTransformWorkers.create(params, keys, { threads: threads - 1 }) : undefined;
  const bootstrapper = boot === undefined ? undefined : new BootstrapRefresher(ev, new Encoder(params), layout, Math.ceil(tr.Y.cols / 2), { ...boot.config, ...(transformWorkers === undefined ? {} : { workers: transformWorkers }) });
  const inner: Refresher = bootstrapper ?? owner;
  const refresher = {
    refresh(w: EncryptedWeights): EncryptedWeights {
      const t = performance.now();
      const out = inner.refresh(w);
      refreshSeconds.push((performance.now() - t) / 1000);
      return out;
    },
  };
  const trainer = new EncryptedTrainer(ev, upload, refresher, { maxIterations: iterations, ...(bootstrapper === undefined ? {} : { minLevel: bootstrapper.minWeightLevel }) });
  const pool = threads > 0 ? await NodePairPool.create(trainer.context(), keys, { threads }) : undefined;
  const rssAfterSetup = process.memoryUsage().rss / 2 ** 20;
  const mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
  const rows: { iteration: number; seconds: number; rotations: number; level: number; refreshed: boolean; maxAbsDiffVsPlain: number }[] = [];
  try {
    for (let i = 0; i < iterations; i++) {
      const st = pool === undefined ? trainer.step() : await trainer.stepWith(pool);
      const m = mirror.step();
      const W = owner.decryptWeights(trainer.weights.W);
      let diff = 0;
      for (let j = 0; j < W.data.length; j++) diff = Math.max(diff, Math.abs(W.data[j] - m.W[j]));
      rows.push({ iteration: st.iteration, seconds: round(st.seconds), rotations: st.rotations, level: st.level, refreshed: st.refreshed, maxAbsDiffVsPlain: round(diff) });
      console.log(`iteration ${st.iteration}${st.refreshed ? ' (after a refresh)' : ''}: ${st.seconds.toFixed(1)} s, ${st.rotations} rotations, ${st.keySwitches} key switchings, V at level ${st.level}, max |W - mirror| ${diff.toExponential(2)}`);
    }
  } finally {
    await pool?.close();
    await transformWorkers?.close();
  }
  const mean = rows.reduce((s, r) => s + r.seconds, 0) / rows.length;
  const refreshTotal = refreshSeconds.reduce((s, x) => s + x, 0);
  const peak = peakRssMiB();
  console.log(`mean ${mean.toFixed(1)} s per iteration over ${rows.length} (${threads} thread(s)); ${refreshSeconds.length} refresh(es), ${(refreshTotal / Math.max(1, refreshSeconds.length)).toFixed(1)} s each; peak RSS ${peak.toFixed(0)} MiB`);
  // A refresh serves the iterations of one cycle: as many as ran before the first refresh (the upload
  // starts where a refresh leaves the weights). Its time is spread over them, added to the mean
  // iteration; the first iteration, which runs while the JIT warms up, is left out of that mean
  // when others were measured.
  const firstRefreshed = rows.findIndex((r) => r.refreshed);
  const served = firstRefreshed > 0 ? firstRefreshed : rows.length;
  const steady = rows.length > 1 ? rows.slice(1) : rows;
  const meanSteady = steady.reduce((s, r) => s + r.seconds, 0) / steady.length;
  const amortized = refreshSeconds.length === 0 ? mean : meanSteady + refreshTotal / refreshSeconds.length / served;
  const maxDiff = Math.max(...rows.map((r) => r.maxAbsDiffVsPlain));
  return {
    suite: 'train',
    mode,
    preset: presetName,
    bootstraps: bootstrapper?.bootstraps ?? 0,
    ownerRoundTrips: owner.refreshes,
    secondsPerIterationAmortized: round(amortized),
    maxAbsDiffVsPlain: round(maxDiff),
    threads,
    bootstrapThreads: transformWorkers === undefined ? (boot === undefined ? 0 : 1) : transformWorkers.threads + 1,
    samples: tr.X.rows,
    columns: tr.X.cols,
    classes: tr.Y.cols,
    secondsPerIteration: round(mean),
    firstIterationSeconds: rows[0].seconds,
    refreshes: refreshSeconds.length,
    refreshSeconds: round(refreshTotal / Math.max(1, refreshSeconds.length)),
    iterationsPerRefresh: served,
    secondsPerIterationWithRefreshes: round(amortized),
    rotationsPerIteration: rows[0].rotations,
    levelsPerIteration: LEVELS_PER_ITERATION,
    peakRssMB: round(peak),
    setupSeconds: round(setupSeconds),
    evaluationKeyMiB: round(keyBytes / 2 ** 20),
    evaluationKeyMiBWhole: round(wholeKeyBytes / 2 ** 20),
    compactKeys,
    diagonalMiB: bootstrapper === undefined ? 0 : round(bootstrapper.diagonalBytes / 2 ** 20),
    rssAfterSetupMiB: round(rssAfterSetup),
    iterations: rows,
    bar:
      mode === 'bootstrap'
        ? { ownerRoundTrips0: owner.refreshes === 0, amortizedSecondsAtMost60: amortized <= 60, rssAtMost8GB: peak <= 8e9 / 2 ** 20 }
        : { secondsAtMost60: mean <= 60, rssAtMost4GB: peak <= 4096, rotationsAtMost400: rows[0].rotations <= 400 },
  };
}
