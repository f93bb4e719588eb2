/**
 * `hecnn train` (data owner and server in one process): encrypted training on
 * CSV data (default: the bundled REGNET_X_400MF features of 256 MNIST images,
 * train rows 1-128, test rows 129-256, the paper's setting), with a plaintext
 * mirror, a metrics table, encrypted prediction on the test rows, and optional
 * JSON report and SVG chart.
 *
 * @module
 */

import { Encoder, Evaluator, PRESETS, createParameters } from '../ckks/index.js';
import {
  BootstrapRefresher,
  type CsvData,
  type TrainingBootstrapPreset,
  DEFAULT_WEIGHT_BOUND,
  DataOwner,
  EncryptedTrainer,
  PlainTrainerState,
  accuracy,
  buildDesign,
  checkFeatureRange,
  compactBootstrapKeys,
  predict,
  selectRows,
  sle,
  trainingDataLevel,
  trainingLayout,
  weightBoundRatio,
} from '../mlr/index.js';
import { NodePairPool, NodeTransformWorkers } from '../node/index.js';
import { UsageError, parseOptions, parsePositiveInt, parseRange, parseThreads } from './args.js';
import { type RefreshMode, parseRefreshMode, parseTrainPreset, trainablePresets } from './presets.js';
import { DEFAULT_PRESET, showHelp } from './help.js';
import { Progress, bundledData, readData, writeAtomic } from './io.js';
import { checkOutputs } from './outputs.js';
import { type AccuracyPoint, svgPlot } from './plot.js';

/** The options of `hecnn train` (in one process). */
export const TRAIN_OPTIONS = {
  data: { type: 'string' },
  'train-rows': { type: 'string' },
  'test-rows': { type: 'string' },
  test: { type: 'string' },
  pixels: { type: 'boolean' },
  iterations: { type: 'string' },
  preset: { type: 'string' },
  threads: { type: 'string' },
  refresh: { type: 'string' },
  'no-mirror': { type: 'boolean' },
  json: { type: 'string' },
  plot: { type: 'string' },
  force: { type: 'boolean' },
  'allow-insecure': { type: 'boolean' },
} as const;

/** The usage line of `hecnn train` (in one process). */
export const TRAIN_USAGE = 'hecnn train [options]';

/** `hecnn train --help`, and the first half of `hecnn --help`. */
export const TRAIN_HELP = `usage: ${TRAIN_USAGE}

Encrypted training of multiclass logistic regression (Chiang 2023: SLE loss,
degree-3 sigmoid, quadratic gradient, Nesterov) on CSV data: label, then
features, one sample per row. The data owner and the server run in one
process; the server only holds evaluation keys and ciphertexts.

options:
  --data FILE          training CSV (default: the bundled REGNET_X_400MF features
                       of the first 256 MNIST training images)
  --train-rows A:B     1-based inclusive rows to train on (default 1:128)
  --test-rows C:D      rows of the same file to test on (default 129:256 for the
                       bundled data when training ends before row 129; otherwise
                       none, and the metrics are on the training rows)
  --test FILE          a separate test CSV (all its rows)
  --pixels             the file is raw MNIST pixels (.csv or .csv.gz, label then 784
                       values in [0,1]); features are used as they are
  --iterations N       iterations (default 50)
  --preset NAME        parameter preset (default ${DEFAULT_PRESET}); the presets
                       that can train: ${trainablePresets().join(', ')}
  --threads N          worker threads for the pairs of classes (default: available
                       cores, at most 5; 1 = no workers)
  --refresh MODE       how the weights get fresh levels when they run out:
                       bootstrap  the server bootstraps them, the owner stays offline
                                  (default for the bootstrapping preset
                                  PN16QP1530_TRAIN_BOOT_H192; its keys take minutes)
                       owner      a round trip to the data owner, who decrypts and
                                  encrypts them again (default for the other presets)
  --no-mirror          skip the plaintext mirror comparison
  --json FILE          write {params, mode, iterations, bootstraps, ownerRoundTrips,
                       secondsPerIterationAmortized, maxAbsDiffVsPlain, peakRssMB, ...}
  --plot FILE.svg      draw accuracy per iteration, encrypted against plaintext
  --force              let --json / --plot replace a key, upload or checkpoint file
                       or an input (they are checked before the run starts)
  --allow-insecure     accept a test preset above the security bound (NOT SECURE)
  -h, --help           this text`;

/** The checked options of `hecnn train`. */
interface TrainOptions {
  data: string;
  trainRows: [number, number];
  testRows: [number, number] | undefined;
  testFile: string | undefined;
  iterations: number;
  preset: string;
  json: string | undefined;
  plot: string | undefined;
  force: boolean;
  pixels: boolean;
  mirror: boolean;
  threads: number;
  refresh: RefreshMode;
  /** The preset's bootstrapping when refresh is 'bootstrap'. */
  boot: TrainingBootstrapPreset | undefined;
}

/** One iteration's metrics. */
interface Row extends AccuracyPoint {
  iteration: number;
  sle: number;
  seconds: number;
  levelsLeft: number;
  maxAbsDiffVsPlain: number | null;
  refreshed: boolean;
  rotations: number;
  /** Seconds of the bootstrapping before this iteration (0 without one). */
  refreshSeconds: number;
}

/** The bundled file's default test rows (its second half), 1-based inclusive. */
const BUNDLED_TEST_ROWS: readonly [number, number] = [129, 256];

/**
 * Parse and check the options (default data: the bundled file, with test rows
 * 129:256 unless --test-rows or --test is given or the training rows reach row 129).
 * @param argv the arguments after `train`
 * @returns the options, or 'help'
 * @throws UsageError on bad arguments
 * @internal exported for the tests
 */
export function trainOptions(argv: readonly string[]): TrainOptions | 'help' {
  const v = parseOptions(argv, TRAIN_OPTIONS, TRAIN_USAGE);
  if (v === 'help') return 'help';
  const o: TrainOptions = {
    data: v.data ?? '',
    trainRows: v['train-rows'] === undefined ? [1, 128] : parseRange('--train-rows', v['train-rows']),
    testRows: v['test-rows'] === undefined ? undefined : parseRange('--test-rows', v['test-rows']),
    testFile: v.test,
    iterations: v.iterations === undefined ? 50 : parsePositiveInt('--iterations', v.iterations),
    preset: parseTrainPreset(v.preset ?? DEFAULT_PRESET, v['allow-insecure'] === true),
    json: v.json,
    plot: v.plot,
    force: v.force === true,
    pixels: v.pixels === true,
    mirror: v['no-mirror'] !== true,
    threads: parseThreads(v.threads),
    ...parseRefreshMode(v.refresh, v.preset ?? DEFAULT_PRESET),
  };
  if (o.data === '') {
    o.data = bundledData();
    // The default test rows are the bundled file's second half, unless the training takes them:
    // then the metrics are on the training data (e.g. --train-rows 1:256).
    if (o.testRows === undefined && o.testFile === undefined && o.trainRows[1] < BUNDLED_TEST_ROWS[0]) o.testRows = [...BUNDLED_TEST_ROWS];
  }
  return o;
}

/**
 * Run `hecnn train` in one process: prints the setting, progress on stderr,
 * the metrics per iteration and the encrypted prediction; writes the JSON
 * report (--json) and the chart (--plot) at the end (their paths are checked
 * before the run starts).
 * @param argv the arguments after `train`
 * @returns the exit code (0)
 * @throws UsageError on bad arguments, unreadable files or report paths that cannot or may not be written; DataError on unusable data; TrainerError, CkksError or LayoutError when the parameters cannot train on the data
 */
export async function runTrain(argv: readonly string[]): Promise<number> {
  const o = trainOptions(argv);
  if (o === 'help') return showHelp(TRAIN_HELP);
  // The report's paths are checked now, not after the run (which may take half an hour).
  const outputs = [
    ...(o.json === undefined ? [] : [{ flag: '--json', path: o.json, kind: 'report' as const }]),
    ...(o.plot === undefined ? [] : [{ flag: '--plot', path: o.plot, kind: 'report' as const }]),
  ];
  checkOutputs(outputs, { force: o.force, inputs: [o.data, o.testFile] });
  await train(o);
  return 0;
}

/**
 * Training rows, and test rows or file, as design matrices.
 * @param o the options
 * @returns training and test data (test undefined without test rows)
 * @throws UsageError if rows run past the file or the feature counts differ
 */
function designs(o: TrainOptions): { tr: ReturnType<typeof buildDesign>; te: ReturnType<typeof buildDesign> | undefined } {
  const all = readData(o.data, o.pixels);
  const [a, b] = o.trainRows;
  if (b > all.n) throw new UsageError(`--train-rows ${a}:${b}: ${o.data} has ${all.n} rows`);
  const trainData = selectRows(all, a - 1, b);
  let testData: CsvData | undefined;
  if (o.testFile !== undefined) testData = readData(o.testFile, o.pixels);
  else if (o.testRows !== undefined) {
    const [c, d] = o.testRows;
    if (d > all.n) throw new UsageError(`--test-rows ${c}:${d}: ${o.data} has ${all.n} rows`);
    testData = selectRows(all, c - 1, d);
  }
  const tr = buildDesign(trainData);
  // Decided before anything is encrypted: rows whose first scores leave the sigmoid's interval are refused.
  checkFeatureRange(tr.X, { source: o.data, firstLine: a });
  const te = testData === undefined ? undefined : buildDesign(testData);
  if (te !== undefined && te.X.cols !== tr.X.cols) throw new UsageError(`the test data has ${te.X.cols - 1} features, the training data ${tr.X.cols - 1}`);
  return { tr, te };
}

/**
 * The metrics table on stdout.
 * @param rows the metrics per iteration
 * @param test whether the metrics are on test data (else on the training data)
 */
function printTable(rows: readonly Row[], test: boolean): void {
  console.log(`\n${test ? 'test' : 'training'} metrics per iteration (SLE with the exact sigmoid, a total):`);
  console.log('iter  accuracy  plain acc      SLE      seconds  levels left  max|W - mirror|  refresh');
  for (const r of rows) {
    console.log(
      `${String(r.iteration).padStart(4)}  ${(r.accuracy * 100).toFixed(2).padStart(7)}%  ${r.plainAccuracy === null ? '      -' : `${(r.plainAccuracy * 100).toFixed(2).padStart(7)}%`}  ${r.sle.toFixed(2).padStart(10)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.levelsLeft).padStart(11)}  ${r.maxAbsDiffVsPlain === null ? '              -' : r.maxAbsDiffVsPlain.toExponential(2).padStart(15)}  ${r.refreshed ? (r.refreshSeconds > 0 ? `boot ${r.refreshSeconds.toFixed(0)} s` : 'owner') : ''}`,
    );
  }
}

/** The encrypted prediction's figures in the report. */
interface EncryptedPrediction {
  samples: number;
  accuracy: number;
  agreesWithDecryptedModel: number;
  seconds: number;
}

/**
 * Encrypted prediction: the owner encrypts the test features, the server
 * computes the class scores with the encrypted model (refreshing it first if
 * its level leaves the scores too little room: after an iteration that ended
 * at the lowest level), the owner decrypts them.
 * @param owner the data owner
 * @param trainer the trained model's trainer
 * @param te the test rows
 * @param refresh the refresh mode, for the message
 * @returns accuracy, agreement with the decrypted model, seconds
 */
function predictEncrypted(owner: DataOwner, trainer: EncryptedTrainer, te: ReturnType<typeof buildDesign>, refresh: string): EncryptedPrediction {
  const t0 = performance.now();
  const q = owner.encryptFeatures(te.X);
  const refreshesBefore = trainer.refreshes;
  const scores = owner.decryptScores(trainer.predictScores(q.shape, q.width, q.X), q.shape, q.width);
  if (trainer.refreshes > refreshesBefore) console.log(`\n(the model was at its lowest level: ${refresh === 'bootstrap' ? 'bootstrapped' : 'refreshed by the owner'} before the encrypted prediction)`);
  const seconds = (performance.now() - t0) / 1000;
  const W = owner.decryptWeights(trainer.weights.W);
  const plainPred = predict(te.X, W.data);
  let correct = 0;
  let agree = 0;
  for (let r = 0; r < te.X.rows; r++) {
    let best = 0;
    for (let c = 1; c < scores.cols; c++) if (scores.data[r * scores.cols + c] > scores.data[r * scores.cols + best]) best = c;
    if (best === te.labels[r]) correct++;
    if (best === plainPred[r]) agree++;
  }
  console.log(`\nencrypted prediction on the ${te.X.rows} test samples (encrypted features x encrypted model, ${seconds.toFixed(1)} s): accuracy ${((correct / te.X.rows) * 100).toFixed(2)}%, same class as the decrypted model for ${agree} of ${te.X.rows}`);
  return { samples: te.X.rows, accuracy: correct / te.X.rows, agreesWithDecryptedModel: agree / te.X.rows, seconds };
}

/**
 * The training run itself (owner and server in this process).
 * @param o the checked options
 */
async function train(o: TrainOptions): Promise<void> {
  const { tr, te } = designs(o);
  const params = createParameters(PRESETS[o.preset]);
  console.log(`hecnn train: ${tr.X.rows} samples x ${tr.X.cols - 1} features (+ bias), ${tr.Y.cols} classes, ${te ? `${te.X.rows} test samples` : 'no test samples (metrics on the training rows)'}`);
  console.log(`preset ${o.preset}: N = ${params.N}, ${params.slots} slots, log2(QP) = ${params.logQP.toFixed(0)}, ${params.maxLevel} levels, ${params.securityLevel}-bit security`);
  const layout = trainingLayout(params, { n: tr.X.rows, d: tr.X.cols, K: tr.Y.cols });
  console.log(`layout: ${layout}`);

  const boot = o.boot;
  console.log(
    boot === undefined
      ? 'refresh: owner round trips (the data owner decrypts and re-encrypts the weights when their levels run out)'
      : `refresh: bootstrapping on the server (${boot.config.slots} slots, secret of Hamming weight ${boot.hammingWeight}); the owner stays offline`,
  );

  // Data owner: keys and upload.
  let p = new Progress('key generation', 1);
  p.update(0);
  // Keys on SharedArrayBuffers when worker threads will read them; a sparse secret for bootstrapping.
  const owner = new DataOwner(params, {
    shared: o.threads > 1,
    ...(boot === undefined ? {} : { hammingWeight: boot.hammingWeight, dataLevel: trainingDataLevel(params, boot.config) }),
  });
  // With bootstrapping, every key is generated compact (seed and b_j: its a_j are never kept), and the
  // trainer takes whole copies at its level of those it uses every iteration (compactBootstrapKeys).
  let keys = owner.evaluationKeys(layout, boot === undefined ? {} : { bootstrap: boot.config, pairs: Math.ceil(tr.Y.cols / 2), compact: true });
  if (boot !== undefined) keys = compactBootstrapKeys(params, keys, layout, Math.ceil(tr.Y.cols / 2), boot.config);
  p.done(`(${keys.galois.size} Galois keys + relinearization${boot === undefined ? '' : `, bootstrapping included, held compact with ${keys.lowGalois.size + (keys.lowRelin === undefined ? 0 : 1)} whole copies at the training level`})`);
  p = new Progress('encryption', 1);
  p.update(0);
  const upload = owner.encryptDataset(tr.X, tr.Y);
  p.done(`(${upload.X.length + upload.Xt.length + upload.Y.length + 1} ciphertexts)`);

  // Server.
  const ev = new Evaluator(params, keys);
  // The bootstrapping's transforms share their key switchings with a worker thread (keys shared above).
  const transformWorkers = boot !== undefined && o.threads > 1 ? await NodeTransformWorkers.create(params, keys, { threads: o.threads - 1 }) : undefined;
  const refresher = boot === undefined ? owner : new BootstrapRefresher(ev, new Encoder(params), layout, Math.ceil(tr.Y.cols / 2), { ...boot.config, ...(transformWorkers === undefined ? {} : { workers: transformWorkers }) });
  const trainer = new EncryptedTrainer(ev, upload, refresher, {
    maxIterations: o.iterations,
    ...(refresher instanceof BootstrapRefresher ? { minLevel: refresher.minWeightLevel } : {}),
  });
  const pool = o.threads > 1 ? await NodePairPool.create(trainer.context(), keys, { threads: o.threads }) : undefined;
  console.log(
    pool === undefined
      ? 'one thread'
      : `${pool.threads} worker threads (pairs of classes in parallel, keys shared)${transformWorkers === undefined ? '' : `; the bootstrapping's transforms on ${transformWorkers.threads + 1} threads`}`,
  );
  const mirror = o.mirror ? new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 }) : undefined;
  const rows: Row[] = [];
  let boundWarned = false;
  let encryptedPrediction: EncryptedPrediction | null = null;
  let training = { seconds: 0, bootstraps: 0 };
  const prog = new Progress('training', o.iterations);
  prog.update(0);
  try {
    for (let i = 0; i < o.iterations; i++) {
      const bootBefore = refresher instanceof BootstrapRefresher ? refresher.seconds : 0;
      const st = pool === undefined ? trainer.step() : await trainer.stepWith(pool);
      const refreshSeconds = refresher instanceof BootstrapRefresher ? refresher.seconds - bootBefore : 0;
      const W = owner.decryptWeights(trainer.weights.W);
      const m = mirror?.step();
      let diff: number | null = null;
      if (m !== undefined) {
        diff = 0;
        for (let j = 0; j < W.data.length; j++) diff = Math.max(diff, Math.abs(W.data[j] - m.W[j]));
      }
      const evalOn = te ?? tr;
      rows.push({
        iteration: st.iteration,
        accuracy: accuracy(evalOn.X, evalOn.labels, W.data),
        sle: sle(evalOn.X, evalOn.Y, W.data),
        seconds: st.seconds,
        levelsLeft: trainer.weights.W[0][0].level,
        maxAbsDiffVsPlain: diff,
        plainAccuracy: m === undefined ? null : accuracy(evalOn.X, evalOn.labels, m.W),
        refreshed: st.refreshed,
        rotations: st.rotations,
        refreshSeconds,
      });
      if (boot !== undefined && weightBoundRatio(W, boot.config.bound ?? DEFAULT_WEIGHT_BOUND) > 0.8 && !boundWarned) {
        boundWarned = true;
        console.log(`warning: after iteration ${st.iteration} the weights reach over 80% of the bootstrapping bound ${boot.config.bound ?? DEFAULT_WEIGHT_BOUND}; beyond it the bootstrapping breaks the model`);
      }
      prog.update(i + 1, `acc ${(rows[i].accuracy * 100).toFixed(1)}%`);
    }
    prog.done();
    // The training's bootstrappings (the encrypted prediction below may add one).
    if (refresher instanceof BootstrapRefresher) training = { seconds: refresher.seconds, bootstraps: refresher.bootstraps };
    printTable(rows, te !== undefined);
    if (te !== undefined) encryptedPrediction = predictEncrypted(owner, trainer, te, o.refresh);
  } finally {
    // After the encrypted prediction, which may bootstrap the model first (on the workers); the
    // threads would keep the process alive after an error.
    await pool?.close();
    await transformWorkers?.close();
  }
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  const secs = rows.map((r) => r.seconds);
  const mean = secs.reduce((s, x) => s + x, 0) / secs.length;
  // Bootstrapping time spread over the iterations it served (the refreshes before and during the run).
  const bootSeconds = training.seconds;
  const amortized = (secs.reduce((s, x) => s + x, 0) + bootSeconds) / secs.length;
  const bootstraps = training.bootstraps;
  const ownerRoundTrips = owner.refreshes;
  const diffs = rows.map((r) => r.maxAbsDiffVsPlain).filter((d): d is number => d !== null);
  const maxAbsDiffVsPlain = diffs.length === 0 ? null : Math.max(...diffs);
  console.log(
    `\nrefresh: ${o.refresh}; owner round trips: ${ownerRoundTrips}; bootstrappings: ${bootstraps}${bootstraps > 0 ? ` (${(bootSeconds / bootstraps).toFixed(1)} s each with packing)` : ''}; rotations per iteration: ${rows[0].rotations}; mean ${mean.toFixed(1)} s per iteration, ${amortized.toFixed(1)} s with the refreshes spread over the iterations; max |W - mirror| ${maxAbsDiffVsPlain === null ? '-' : maxAbsDiffVsPlain.toExponential(2)}; peak RSS ${peakRssMB} MB`,
  );
  if (o.json !== undefined) {
    const report = {
      params: { preset: o.preset, logN: params.logN, slots: params.slots, logQP: params.logQP, levels: params.maxLevel, securityLevel: params.securityLevel, logScale: Math.log2(params.defaultScale) },
      data: { file: o.data, trainRows: o.trainRows, testRows: o.testRows ?? null, testFile: o.testFile ?? null, samples: tr.X.rows, features: tr.X.cols - 1, classes: tr.Y.cols },
      iterations: rows.map(({ iteration, accuracy: acc, sle: s, seconds, levelsLeft, maxAbsDiffVsPlain }) => ({ iteration, accuracy: acc, sle: s, seconds, levelsLeft, maxAbsDiffVsPlain })),
      rotationsPerIteration: rows[0].rotations,
      mode: o.refresh,
      refreshes: trainer.refreshes,
      bootstraps,
      ownerRoundTrips,
      secondsPerIteration: mean,
      secondsPerIterationAmortized: amortized,
      maxAbsDiffVsPlain,
      threads: o.threads,
      encryptedPrediction,
      peakRssMB,
    };
    writeAtomic(o.json, JSON.stringify(report, null, 2) + '\n');
    console.log(`wrote ${o.json}`);
  }
  if (o.plot !== undefined) {
    writeAtomic(o.plot, svgPlot(rows));
    console.log(`wrote ${o.plot}`);
  }
  owner.wipe();
}
