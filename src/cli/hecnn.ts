/**
 * The `hecnn` command (Node only: this adapter reads files and writes reports;
 * the library under src/ntt, src/ckks, src/encoding and src/mlr does not).
 *
 *   hecnn train [options]     encrypted training on CSV data (default: the bundled
 *                             REGNET_X_400MF features of 256 MNIST images, train
 *                             rows 1-128, test rows 129-256, the paper's setting),
 *                             data owner and server in one process
 *
 * The same protocol as separate processes over files (src/mlr/bundle.ts):
 *
 *   hecnn keygen   (owner)   secret-key file + evaluation-key file
 *   hecnn encrypt  (owner)   CSV -> upload
 *   hecnn train --keys ...   (server) iterations with checkpoints; exit 3 when a refresh is due
 *   hecnn refresh  (owner)   re-encrypt the checkpoint's weights at the top level
 *   hecnn decrypt  (owner)   weights and a test report from a checkpoint
 *
 * Run `hecnn --help` or `hecnn <command> --help` for the options.
 *
 * @module
 */

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CkksError,
  Evaluator,
  INSECURE_OPT_IN,
  KeyGenerator,
  type Parameters,
  type ParametersLiteral,
  PRESETS,
  createParameters,
  randomSeed,
} from '../ckks/index.js';
import {
  type BundleLoadOptions,
  BundleKind,
  type Checkpoint,
  type CsvData,
  DataError,
  DataOwner,
  EncryptedTrainer,
  KEY_ID_BYTES,
  LEVELS_PER_ITERATION,
  PlainTrainerState,
  type Refresher,
  TrainerError,
  accuracy,
  buildDesign,
  bundleDigest,
  decodeCheckpoint,
  decodeEvaluationKeysFile,
  decodeSecretKeyFile,
  decodeUpload,
  encodeCheckpoint,
  encodeEvaluationKeysFile,
  encodeSecretKeyFile,
  encodeUpload,
  keyIdHex,
  parseCsv,
  parsePixelCsv,
  predict,
  predictScores,
  readBundleKind,
  sameId,
  selectRows,
  sle,
  trainingLayout,
  shareKeys,
} from '../mlr/index.js';
import { NodePairPool } from '../node/index.js';

const DEFAULT_PRESET = 'PN16QP690_TRAIN_SEC128';
const here = dirname(fileURLToPath(import.meta.url));

/** The bundled data file (the package carries its own copy). */
function bundledData(): string {
  for (const rel of ['../../data/mnist-regnet-x-400mf-first256.csv', '../data/mnist-regnet-x-400mf-first256.csv']) {
    const p = resolve(here, rel); // from src/cli or dist/cli
    if (existsSync(p)) return p;
  }
  throw new Error('the bundled data file data/mnist-regnet-x-400mf-first256.csv was not found next to the package');
}

interface TrainOptions {
  data: string;
  trainRows: [number, number];
  testRows: [number, number] | undefined;
  testFile: string | undefined;
  iterations: number;
  preset: string;
  json: string | undefined;
  plot: string | undefined;
  pixels: boolean;
  mirror: boolean;
  threads: number;
}

const HELP = `usage: hecnn train [options]

Encrypted training of multiclass logistic regression (Chiang 2023: SLE loss,
degree-3 sigmoid, quadratic gradient, Nesterov) on CSV data: label, then
features, one sample per row. The data owner and the server run in one
process; the server only holds evaluation keys and ciphertexts.

options:
  --data FILE          training CSV (default: the bundled REGNET_X_400MF features
                       of the first 256 MNIST training images)
  --train-rows A:B     1-based inclusive rows to train on (default 1:128)
  --test-rows C:D      rows of the same file to test on (default 129:256 for the
                       bundled data, none otherwise)
  --test FILE          a separate test CSV (all its rows)
  --pixels             the file is raw MNIST pixels (.csv or .csv.gz, label then 784
                       values in [0,1]); features are used as they are
  --iterations N       iterations (default 50)
  --preset NAME        parameter preset (default ${DEFAULT_PRESET}); one of:
                       ${Object.keys(PRESETS).join(', ')}
  --threads N          worker threads for the pairs of classes (default: available
                       cores, at most 5; 1 = no workers)
  --no-mirror          skip the plaintext mirror comparison
  --json FILE          write {params, iterations, rotationsPerIteration, refreshes, peakRssMB}
  --plot FILE.svg      draw accuracy per iteration, encrypted against plaintext
  -h, --help           this text`;

class UsageError extends Error {}

function parseRange(flag: string, v: string | undefined): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(v ?? '');
  if (!m) throw new UsageError(`${flag} takes A:B (1-based, inclusive), got ${v ?? 'nothing'}`);
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a < 1 || b < a) throw new UsageError(`${flag}: need 1 <= A <= B, got ${v}`);
  return [a, b];
}

function parseTrainArgs(argv: string[]): TrainOptions | 'help' {
  const o: TrainOptions = {
    data: '',
    trainRows: [1, 128],
    testRows: undefined,
    testFile: undefined,
    iterations: 50,
    preset: DEFAULT_PRESET,
    json: undefined,
    plot: undefined,
    pixels: false,
    mirror: true,
    threads: parseThreads(undefined),
  };
  let testRowsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '-h':
      case '--help':
        return 'help';
      case '--data':
        o.data = next();
        break;
      case '--train-rows':
        o.trainRows = parseRange(a, next());
        break;
      case '--test-rows':
        o.testRows = parseRange(a, next());
        testRowsGiven = true;
        break;
      case '--test':
        o.testFile = next();
        break;
      case '--iterations': {
        const v = next();
        o.iterations = Number(v);
        if (!Number.isInteger(o.iterations) || o.iterations < 1) throw new UsageError(`--iterations takes a positive integer, got ${v}`);
        break;
      }
      case '--preset':
        o.preset = next();
        if (!(o.preset in PRESETS)) throw new UsageError(`unknown preset ${o.preset}; one of ${Object.keys(PRESETS).join(', ')}`);
        break;
      case '--json':
        o.json = next();
        break;
      case '--plot':
        o.plot = next();
        break;
      case '--pixels':
        o.pixels = true;
        break;
      case '--no-mirror':
        o.mirror = false;
        break;
      case '--threads':
        o.threads = parseThreads(next());
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  if (o.data === '') {
    o.data = bundledData();
    if (!testRowsGiven && o.testFile === undefined) o.testRows = [129, 256];
  }
  return o;
}

function readData(file: string, pixels: boolean): CsvData {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  return pixels ? parsePixelCsv(text, { source: file }) : parseCsv(text, { source: file });
}

/** A progress bar with ETA on stderr (plain lines when stderr is not a terminal). */
class Progress {
  private readonly start = performance.now();
  private lastLine = -1;
  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}
  update(done: number, note = ''): void {
    const el = (performance.now() - this.start) / 1000;
    const eta = done > 0 ? (el / done) * (this.total - done) : 0;
    const width = 24;
    const fill = Math.round((done / this.total) * width);
    const bar = '#'.repeat(fill) + '.'.repeat(width - fill);
    const line = `${this.label.padEnd(22)} [${bar}] ${done}/${this.total}  ${el.toFixed(0)}s elapsed, ETA ${eta.toFixed(0)}s ${note}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else if (done !== this.lastLine) {
      // A log, not a terminal: one line per step (so a long run shows its progress), none repeated.
      process.stderr.write(`${line}\n`);
      this.lastLine = done;
    }
  }
  done(note = ''): void {
    this.update(this.total, note);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

/** Write a file atomically (temporary file in the same directory, flushed, then renamed over the target). */
function writeAtomic(file: string, content: string | Uint8Array, mode = 0o644): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    if (typeof content === 'string') writeFileSync(fd, content);
    else {
      let off = 0;
      while (off < content.length) off += writeSync(fd, content, off, content.length - off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

interface Row {
  iteration: number;
  accuracy: number;
  sle: number;
  seconds: number;
  levelsLeft: number;
  maxAbsDiffVsPlain: number | null;
  plainAccuracy: number | null;
  refreshed: boolean;
  rotations: number;
}

function svgPlot(rows: Row[]): string {
  const W = 640;
  const H = 400;
  const m = { l: 56, r: 16, t: 36, b: 44 };
  const n = rows.length;
  const x = (i: number): number => m.l + ((W - m.l - m.r) * i) / Math.max(1, n);
  const y = (a: number): number => H - m.b - (H - m.t - m.b) * a;
  const path = (vals: (number | null)[]): string =>
    vals
      .map((v, i) => (v === null ? '' : `${i === 0 ? 'M' : 'L'}${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((s) => s !== '')
      .join(' ');
  const grid: string[] = [];
  for (let k = 0; k <= 10; k += 2) {
    const yy = y(k / 10);
    grid.push(`<line x1="${m.l}" y1="${yy}" x2="${W - m.r}" y2="${yy}" stroke="#ddd"/><text x="${m.l - 8}" y="${yy + 4}" text-anchor="end" font-size="11">${k * 10}%</text>`);
  }
  const ticks: string[] = [];
  const step = Math.max(1, Math.ceil(n / 10));
  for (let i = step; i <= n; i += step) ticks.push(`<text x="${x(i)}" y="${H - m.b + 16}" text-anchor="middle" font-size="11">${i}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">Test accuracy per iteration: encrypted vs plaintext mirror</text>
${grid.join('\n')}
${ticks.join('\n')}
<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle" font-size="12">iteration</text>
<path d="${path(rows.map((r) => r.plainAccuracy))}" fill="none" stroke="#999" stroke-width="4" stroke-dasharray="6 4"/>
<path d="${path(rows.map((r) => r.accuracy))}" fill="none" stroke="#c0392b" stroke-width="2"/>
<rect x="${W - m.r - 190}" y="${m.t + 8}" width="180" height="44" fill="white" stroke="#ccc"/>
<line x1="${W - m.r - 180}" y1="${m.t + 22}" x2="${W - m.r - 150}" y2="${m.t + 22}" stroke="#c0392b" stroke-width="2"/>
<text x="${W - m.r - 144}" y="${m.t + 26}" font-size="12">encrypted (CKKS)</text>
<line x1="${W - m.r - 180}" y1="${m.t + 40}" x2="${W - m.r - 150}" y2="${m.t + 40}" stroke="#999" stroke-width="4" stroke-dasharray="6 4"/>
<text x="${W - m.r - 144}" y="${m.t + 44}" font-size="12">plaintext mirror</text>
</svg>
`;
}

async function train(o: TrainOptions): Promise<void> {
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
  const te = testData === undefined ? undefined : buildDesign(testData);
  if (te !== undefined && te.X.cols !== tr.X.cols) throw new UsageError(`the test data has ${te.X.cols - 1} features, the training data ${tr.X.cols - 1}`);

  const params = createParameters(PRESETS[o.preset]);
  console.log(`hecnn train: ${tr.X.rows} samples x ${tr.X.cols - 1} features (+ bias), ${tr.Y.cols} classes, ${te ? te.X.rows : 0} test samples`);
  console.log(`preset ${o.preset}: N = ${params.N}, ${params.slots} slots, log2(QP) = ${params.logQP.toFixed(0)}, ${params.maxLevel} levels, ${params.securityLevel}-bit security`);
  const layout = trainingLayout(params, { n: tr.X.rows, d: tr.X.cols, K: tr.Y.cols });
  console.log(`layout: ${layout}`);

  // Data owner: keys and upload.
  let p = new Progress('key generation', 1);
  p.update(0);
  // Keys on SharedArrayBuffers when worker threads will read them.
  const owner = new DataOwner(params, { shared: o.threads > 1 });
  const keys = owner.evaluationKeys(layout);
  p.done(`(${keys.galois.size} Galois keys + relinearization)`);
  p = new Progress('encryption', 1);
  p.update(0);
  const upload = owner.encryptDataset(tr.X, tr.Y);
  p.done(`(${upload.X.length + upload.Xt.length + upload.Y.length + 1} ciphertexts)`);

  // Server.
  const ev = new Evaluator(params, keys);
  const trainer = new EncryptedTrainer(ev, upload, owner, { maxIterations: o.iterations });
  const pool = o.threads > 1 ? await NodePairPool.create(trainer.context(), keys, { threads: o.threads }) : undefined;
  console.log(pool === undefined ? 'one thread' : `${pool.threads} worker threads (pairs of classes in parallel, keys shared)`);
  const mirror = o.mirror ? new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 }) : undefined;
  const rows: Row[] = [];
  const prog = new Progress('training', o.iterations);
  prog.update(0);
  try {
    for (let i = 0; i < o.iterations; i++) {
      const st = pool === undefined ? trainer.step() : await trainer.stepWith(pool);
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
      });
      prog.update(i + 1, `acc ${(rows[i].accuracy * 100).toFixed(1)}%`);
    }
  } finally {
    // The threads would keep the process alive after an error.
    await pool?.close();
  }
  prog.done();

  console.log(`\n${te ? 'test' : 'training'} metrics per iteration (SLE with the exact sigmoid, a total):`);
  console.log('iter  accuracy  plain acc      SLE      seconds  levels left  max|W - mirror|  refresh');
  for (const r of rows) {
    console.log(
      `${String(r.iteration).padStart(4)}  ${(r.accuracy * 100).toFixed(2).padStart(7)}%  ${r.plainAccuracy === null ? '      -' : `${(r.plainAccuracy * 100).toFixed(2).padStart(7)}%`}  ${r.sle.toFixed(2).padStart(10)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.levelsLeft).padStart(11)}  ${r.maxAbsDiffVsPlain === null ? '              -' : r.maxAbsDiffVsPlain.toExponential(2).padStart(15)}  ${r.refreshed ? 'yes' : ''}`,
    );
  }
  // Encrypted prediction: the owner encrypts the test features, the server computes the class
  // scores with the encrypted model, the owner decrypts them.
  let encryptedPrediction: { samples: number; accuracy: number; agreesWithDecryptedModel: number; seconds: number } | null = null;
  if (te !== undefined) {
    const t0 = performance.now();
    const q = owner.encryptFeatures(te.X);
    const scores = owner.decryptScores(predictScores(ev, q.shape, q.width, q.X, trainer.weights.W), q.shape, q.width);
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
    encryptedPrediction = { samples: te.X.rows, accuracy: correct / te.X.rows, agreesWithDecryptedModel: agree / te.X.rows, seconds };
    console.log(`\nencrypted prediction on the ${te.X.rows} test samples (encrypted features x encrypted model, ${seconds.toFixed(1)} s): accuracy ${(encryptedPrediction.accuracy * 100).toFixed(2)}%, same class as the decrypted model for ${agree} of ${te.X.rows}`);
  }
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  const secs = rows.map((r) => r.seconds);
  console.log(`\nrefresh round trips: ${trainer.refreshes}; rotations per iteration: ${rows[0].rotations}; mean ${(secs.reduce((s, x) => s + x, 0) / secs.length).toFixed(1)} s per iteration; peak RSS ${peakRssMB} MB`);
  if (o.json !== undefined) {
    const report = {
      params: { preset: o.preset, logN: params.logN, slots: params.slots, logQP: params.logQP, levels: params.maxLevel, securityLevel: params.securityLevel, logScale: Math.log2(params.defaultScale) },
      data: { file: o.data, trainRows: o.trainRows, testRows: o.testRows ?? null, testFile: o.testFile ?? null, samples: tr.X.rows, features: tr.X.cols - 1, classes: tr.Y.cols },
      iterations: rows.map(({ iteration, accuracy: acc, sle: s, seconds, levelsLeft, maxAbsDiffVsPlain }) => ({ iteration, accuracy: acc, sle: s, seconds, levelsLeft, maxAbsDiffVsPlain })),
      rotationsPerIteration: rows[0].rotations,
      refreshes: trainer.refreshes,
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


// ---------------------------------------------------------------------------
// Owner and server as separate processes
// ---------------------------------------------------------------------------

/** Exit code of `hecnn train --keys ...` when the levels ran out and the owner must run `hecnn refresh`. */
export const EXIT_NEEDS_REFRESH = 3;

const ROLES_HELP = `Owner and server as separate processes (files: src/mlr/bundle.ts formats):

  hecnn keygen  --out DIR [--preset NAME | --params JSON] [--width W] [--allow-insecure]
      (owner) writes DIR/secret.key (the secret key in clear, mode 0600: keep it)
      and DIR/eval.keys (relinearization, the Galois keys of the training plan and
      conjugation; no secret). The rotations depend only on the slot count and
      the part width W (default min(256, slots)), not on the data, so keys come
      before the data is read. --params takes a parameters literal as JSON, e.g.
      '{"logN":12,"logQ":[30,30,30],"logP":[30],"logDefaultScale":30}'.
  hecnn encrypt --secret-key FILE --out FILE [--data CSV] [--train-rows A:B] [--pixels]
      (owner) encrypts X, X~, Y and W0 (the upload); prints its size.
  hecnn train   --keys FILE --upload FILE --checkpoint FILE [--iterations N] [--resume]
      (server) runs iterations with the evaluation keys only (a secret-key file is
      refused) and writes the checkpoint atomically after every iteration. Exit 0:
      all N iterations done; exit ${EXIT_NEEDS_REFRESH}: the levels ran out, the checkpoint
      is marked "needs refresh": run hecnn refresh, then train again with --resume.
      N (default 50) fixes the NAG schedule; a resumed run keeps the checkpoint's.
  hecnn refresh --secret-key FILE --checkpoint FILE
      (owner) decrypts W and V and encrypts them again at the top level.
  hecnn decrypt --secret-key FILE --checkpoint FILE [--out weights.csv|.json]
                [--data CSV (--test-rows C:D | --train-rows A:B) | --test CSV] [--json FILE]
      (owner) decrypts the weights (K rows of d values: bias first) and reports
      the accuracy on the given rows.

Every command takes --allow-insecure to accept test parameters above the
security bound. Exit 2 on bad input (nothing is written then).`;

interface RoleArgs {
  flags: Map<string, string>;
  bools: Set<string>;
}

/** Parse --name value pairs and boolean flags; unknown names are usage errors. */
function parseRoleArgs(argv: string[], valued: readonly string[], booleans: readonly string[]): RoleArgs | 'help' {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    if (booleans.includes(a)) bools.add(a);
    else if (valued.includes(a)) {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      flags.set(a, v);
    } else throw new UsageError(`unknown option ${a}`);
  }
  return { flags, bools };
}

function required(args: RoleArgs, name: string): string {
  const v = args.flags.get(name);
  if (v === undefined) throw new UsageError(`${name} is required`);
  return v;
}

function loadOpts(args: RoleArgs): BundleLoadOptions {
  return args.bools.has('--allow-insecure') ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {};
}

function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function mb(n: number): string {
  return `${(n / 2 ** 20).toFixed(2)} MB`;
}

/** A line on stdout, written synchronously (a supervisor may act on it at once). */
function say(line: string): void {
  writeSync(1, `${line}\n`);
}

function keygenParams(args: RoleArgs): Parameters {
  const preset = args.flags.get('--preset');
  const json = args.flags.get('--params');
  if (preset !== undefined && json !== undefined) throw new UsageError('give --preset or --params, not both');
  let lit: ParametersLiteral;
  if (json !== undefined) {
    try {
      lit = JSON.parse(json) as ParametersLiteral;
    } catch (e) {
      throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof lit !== 'object' || lit === null || Array.isArray(lit)) throw new UsageError('--params must be a JSON object (a parameters literal)');
  } else {
    const name = preset ?? DEFAULT_PRESET;
    if (!(name in PRESETS)) throw new UsageError(`unknown preset ${name}; one of ${Object.keys(PRESETS).join(', ')}`);
    lit = { ...PRESETS[name] };
  }
  if (args.bools.has('--allow-insecure')) lit = { ...lit, unsafeAllowInsecure: INSECURE_OPT_IN };
  else if ('unsafeAllowInsecure' in lit) lit = { ...lit, unsafeAllowInsecure: undefined };
  return createParameters(lit);
}

/** hecnn keygen (owner). */
function keygen(args: RoleArgs): number {
  const out = required(args, '--out');
  const params = keygenParams(args);
  const wArg = args.flags.get('--width');
  const width = wArg === undefined ? Math.min(256, params.slots) : Number(wArg);
  if (!Number.isInteger(width) || width < 2 || width > params.slots || (width & (width - 1)) !== 0) {
    throw new UsageError(`--width must be a power of two in [2, ${params.slots}], got ${wArg}`);
  }
  // The rotation keys depend on the slot count and the width only (rotationStepsFor).
  const layout = trainingLayout(params, { n: 1, d: width, K: 1 }, width);
  const sk = new KeyGenerator(params).genSecretKey();
  const owner = DataOwner.fromSecretKey(params, sk);
  let skFile: Uint8Array | undefined;
  try {
    const keys = owner.evaluationKeys(layout);
    const plan = { keyId: randomSeed().slice(0, KEY_ID_BYTES), width };
    skFile = encodeSecretKeyFile(params, sk, plan);
    const evFile = encodeEvaluationKeysFile(params, keys, plan);
    mkdirSync(out, { recursive: true });
    writeAtomic(join(out, 'secret.key'), skFile, 0o600);
    writeAtomic(join(out, 'eval.keys'), evFile);
    say(`hecnn keygen: N = ${params.N}, ${params.maxLevel} levels, part width ${width}, key id ${keyIdHex(plan.keyId)}`);
    say(`  ${join(out, 'secret.key')}: ${mb(skFile.length)} (owner only)`);
    say(`  ${join(out, 'eval.keys')}: ${mb(evFile.length)} (relinearization + ${keys.galois.size} Galois keys)`);
    return 0;
  } finally {
    skFile?.fill(0);
    owner.wipe();
  }
}

/** Load the owner's secret-key file and wipe its bytes. */
function loadOwner(args: RoleArgs): { owner: DataOwner; params: Parameters; keyId: Uint8Array; width: number } {
  const file = required(args, '--secret-key');
  const bytes = readBytes(file);
  try {
    const { params, sk, plan } = decodeSecretKeyFile(bytes, loadOpts(args));
    return { owner: DataOwner.fromSecretKey(params, sk), params, keyId: plan.keyId, width: plan.width };
  } finally {
    bytes.fill(0);
  }
}

/** hecnn encrypt (owner). */
function encrypt(args: RoleArgs): number {
  const out = required(args, '--out');
  const data = args.flags.get('--data') ?? bundledData();
  const rows = parseRange('--train-rows', args.flags.get('--train-rows') ?? '1:128');
  const all = readData(data, args.bools.has('--pixels'));
  if (rows[1] > all.n) throw new UsageError(`--train-rows ${rows[0]}:${rows[1]}: ${data} has ${all.n} rows`);
  const tr = buildDesign(selectRows(all, rows[0] - 1, rows[1]));
  const { owner, params, keyId, width } = loadOwner(args);
  try {
    const upload = owner.encryptDataset(tr.X, tr.Y, { width });
    const { bytes, fullBytes } = encodeUpload(params, upload, keyId);
    writeAtomic(out, bytes);
    const count = upload.X.length + upload.Xt.length + upload.Y.length + 1;
    say(`hecnn encrypt: ${tr.X.rows} samples x ${tr.X.cols - 1} features (+ bias), ${tr.Y.cols} classes, ${count} ciphertexts`);
    say(`upload ${out}: ${mb(bytes.length)} (seeded; ${mb(fullBytes)} with every ciphertext in full)`);
    return 0;
  } finally {
    owner.wipe();
  }
}

const serverRefresher: Refresher = {
  refresh(): never {
    throw new TrainerError('hecnn train', 'the server cannot refresh: the data owner must (hecnn refresh)');
  },
};

/** hecnn train --keys (server). */
async function serve(args: RoleArgs): Promise<number> {
  const keysFile = required(args, '--keys');
  const uploadFile = required(args, '--upload');
  const cpFile = required(args, '--checkpoint');
  const resume = args.bools.has('--resume');
  const itArg = args.flags.get('--iterations');
  let iterations: number | undefined;
  if (itArg !== undefined) {
    iterations = Number(itArg);
    if (!Number.isInteger(iterations) || iterations < 1) throw new UsageError(`--iterations takes a positive integer, got ${itArg}`);
  }
  const opts = loadOpts(args);
  const keyBytes = readBytes(keysFile);
  // Refuse the owner's secret key before anything else.
  const looksLikeBareKey = keyBytes.length > 7 && keyBytes[0] === 0x48 && keyBytes[1] === 0x45 && keyBytes[2] === 0x43 && keyBytes[3] === 0x4b && keyBytes[6] === 7;
  if (looksLikeBareKey || (keyBytes.length >= 12 && keyBytes[3] === 0x4d && readBundleKind(keyBytes).kind === BundleKind.SecretKey)) {
    keyBytes.fill(0);
    throw new UsageError(`${keysFile} is a secret-key file: the server refuses it (it must only hold the evaluation keys, e.g. eval.keys)`);
  }
  const { params, keys, plan } = decodeEvaluationKeysFile(keyBytes, opts);
  const uploadBytes = readBytes(uploadFile);
  const { params: uParams, upload, keyId } = decodeUpload(uploadBytes, opts);
  if (uParams.fingerprint !== params.fingerprint) throw new UsageError(`${uploadFile} was made under other parameters than ${keysFile}`);
  if (!sameId(keyId, plan.keyId)) throw new UsageError(`${uploadFile} is encrypted under key ${keyIdHex(keyId)}, ${keysFile} holds key ${keyIdHex(plan.keyId)}`);
  if (upload.width !== plan.width) throw new UsageError(`${uploadFile} has part width ${upload.width}, the keys were made for ${plan.width}`);
  const digest = bundleDigest(uploadBytes);
  let state: Checkpoint | undefined;
  if (resume) {
    const { params: cParams, checkpoint } = decodeCheckpoint(readBytes(cpFile), opts);
    if (cParams.fingerprint !== params.fingerprint) throw new UsageError(`${cpFile} was made under other parameters`);
    if (!sameId(checkpoint.keyId, plan.keyId)) throw new UsageError(`${cpFile} is encrypted under key ${keyIdHex(checkpoint.keyId)}, not ${keyIdHex(plan.keyId)}`);
    if (!sameId(checkpoint.uploadDigest, digest)) throw new UsageError(`${cpFile} belongs to another upload than ${uploadFile}`);
    if (iterations !== undefined && iterations !== checkpoint.maxIterations) {
      throw new UsageError(`--iterations ${iterations} differs from the checkpoint's ${checkpoint.maxIterations} (the NAG schedule depends on it); omit it to resume`);
    }
    state = checkpoint;
  } else if (existsSync(cpFile)) {
    throw new UsageError(`${cpFile} exists; pass --resume to continue from it, or remove it`);
  }
  const maxIterations = state?.maxIterations ?? iterations ?? 50;
  if (state !== undefined && state.needsRefresh) {
    say(`hecnn train: ${cpFile} (iteration ${state.iteration}) still needs a refresh: run hecnn refresh --secret-key ... --checkpoint ${cpFile}`);
    return EXIT_NEEDS_REFRESH;
  }
  if (state !== undefined && state.iteration >= maxIterations) {
    say(`hecnn train: all ${maxIterations} iterations done (${cpFile})`);
    return 0;
  }
  say(`hecnn train (server): ${upload.shape.n} samples x ${upload.shape.d} columns, ${upload.shape.K} classes; N = ${params.N}; ${keys.galois.size} Galois keys; iteration ${state?.iteration ?? 0} of ${maxIterations}`);
  const threads = parseThreads(args.flags.get('--threads'));
  // With worker threads, the keys move onto SharedArrayBuffers once and every thread reads them there.
  const evKeys = threads > 1 ? shareKeys(params, keys) : keys;
  const ev = new Evaluator(params, evKeys);
  const trainer = new EncryptedTrainer(ev, upload, serverRefresher, {
    maxIterations,
    resume: state === undefined ? undefined : { iteration: state.iteration, refreshes: state.refreshes, weights: state.weights },
  });
  const save = (needsRefresh: boolean): void => {
    const st = trainer.state();
    const cp: Checkpoint = { keyId: plan.keyId, uploadDigest: digest, shape: upload.shape, width: upload.width, iteration: st.iteration, refreshes: st.refreshes, maxIterations, needsRefresh, weights: st.weights };
    writeAtomic(cpFile, encodeCheckpoint(params, cp));
  };
  const pool = threads > 1 ? await NodePairPool.create(trainer.context(), evKeys, { threads }) : undefined;
  try {
    while (trainer.iteration < maxIterations) {
      if (!trainer.canIterate()) {
        if (trainer.weights.V[0][0].level >= params.maxLevel) {
          throw new TrainerError('hecnn train', `the parameters have ${params.maxLevel} levels; one iteration needs ${LEVELS_PER_ITERATION + 1 + trainer.minLevel} even right after a refresh`);
        }
        save(true);
        say(`levels exhausted after iteration ${trainer.iteration}: ${cpFile} needs a refresh (exit ${EXIT_NEEDS_REFRESH}); run hecnn refresh, then hecnn train --resume`);
        return EXIT_NEEDS_REFRESH;
      }
      say(`iteration ${trainer.iteration + 1}: started`);
      const st = pool === undefined ? trainer.step() : await trainer.stepWith(pool);
      save(false);
      say(`iteration ${st.iteration}: ${st.seconds.toFixed(1)} s, ${st.rotations} rotations, V at level ${st.level}; checkpoint written`);
    }
  } finally {
    await pool?.close();
  }
  say(`hecnn train: all ${maxIterations} iterations done (${cpFile})`);
  return 0;
}

/** --threads: an integer in 1..64 (default: the machine's available parallelism, at most 5, one per pair of the paper's 10 classes). */
function parseThreads(v: string | undefined): number {
  if (v === undefined) return Math.max(1, Math.min(5, availableParallelism()));
  const t = Number(v);
  if (!Number.isInteger(t) || t < 1 || t > 64) throw new UsageError(`--threads takes an integer in 1..64, got ${v}`);
  return t;
}

/** hecnn refresh (owner). */
function refreshCmd(args: RoleArgs): number {
  const cpFile = required(args, '--checkpoint');
  const { params: cParams, checkpoint } = decodeCheckpoint(readBytes(cpFile), loadOpts(args));
  const { owner, params, keyId } = loadOwner(args);
  try {
    if (cParams.fingerprint !== params.fingerprint) throw new UsageError(`${cpFile} was made under other parameters than the secret key`);
    if (!sameId(keyId, checkpoint.keyId)) throw new UsageError(`${cpFile} is encrypted under key ${keyIdHex(checkpoint.keyId)}, the secret key is ${keyIdHex(keyId)}`);
    if (!checkpoint.needsRefresh) throw new UsageError(`${cpFile} does not need a refresh (iteration ${checkpoint.iteration})`);
    const weights = owner.refresh(checkpoint.weights);
    writeAtomic(cpFile, encodeCheckpoint(params, { ...checkpoint, weights, refreshes: checkpoint.refreshes + 1, needsRefresh: false }));
    say(`hecnn refresh: W and V re-encrypted at level ${params.maxLevel} (refresh ${checkpoint.refreshes + 1}); continue with hecnn train --resume`);
    return 0;
  } finally {
    owner.wipe();
  }
}

/** hecnn decrypt (owner). */
function decryptCmd(args: RoleArgs): number {
  const cpFile = required(args, '--checkpoint');
  const out = args.flags.get('--out');
  const json = args.flags.get('--json');
  // Test data first (bad input ends here, before any secret is loaded).
  let test: ReturnType<typeof buildDesign> | undefined;
  const testFile = args.flags.get('--test');
  const data = args.flags.get('--data');
  if (testFile !== undefined) test = buildDesign(readData(testFile, args.bools.has('--pixels')));
  else if (data !== undefined) {
    const rowsArg = args.flags.get('--test-rows') ?? args.flags.get('--train-rows');
    if (rowsArg === undefined) throw new UsageError('--data needs --test-rows C:D (or --train-rows A:B)');
    const [c, d] = parseRange('--test-rows', rowsArg);
    const all = readData(data, args.bools.has('--pixels'));
    if (d > all.n) throw new UsageError(`--test-rows ${c}:${d}: ${data} has ${all.n} rows`);
    test = buildDesign(selectRows(all, c - 1, d));
  }
  const { params: cParams, checkpoint } = decodeCheckpoint(readBytes(cpFile), loadOpts(args));
  if (test !== undefined && test.X.cols !== checkpoint.shape.d) throw new UsageError(`the test data has ${test.X.cols - 1} features, the model ${checkpoint.shape.d - 1}`);
  const { owner, params, keyId } = loadOwner(args);
  try {
    if (cParams.fingerprint !== params.fingerprint) throw new UsageError(`${cpFile} was made under other parameters than the secret key`);
    if (!sameId(keyId, checkpoint.keyId)) throw new UsageError(`${cpFile} is encrypted under key ${keyIdHex(checkpoint.keyId)}, the secret key is ${keyIdHex(keyId)}`);
    owner.setProblem(checkpoint.shape, checkpoint.width);
    const W = owner.decryptWeights(checkpoint.weights.W);
    const { K, d } = checkpoint.shape;
    const rows: number[][] = Array.from({ length: K }, (_, k) => Array.from(W.data.subarray(k * d, (k + 1) * d)));
    say(`hecnn decrypt: ${K} x ${d} weights after ${checkpoint.iteration} iteration(s), ${checkpoint.refreshes} refresh(es)${checkpoint.needsRefresh ? ' (the checkpoint awaits a refresh)' : ''}`);
    let report: { samples: number; accuracy: number; sle: number } | undefined;
    if (test !== undefined) {
      report = { samples: test.X.rows, accuracy: accuracy(test.X, test.labels, W.data), sle: sle(test.X, test.Y, W.data) };
      say(`test: ${report.samples} samples, accuracy ${(report.accuracy * 100).toFixed(2)}%, SLE ${report.sle.toFixed(3)}`);
    }
    if (out !== undefined) {
      if (out.endsWith('.json')) writeAtomic(out, JSON.stringify({ classes: K, columns: d, iteration: checkpoint.iteration, refreshes: checkpoint.refreshes, weights: rows }) + '\n');
      else writeAtomic(out, rows.map((r) => r.map((x) => String(x)).join(',')).join('\n') + '\n');
      say(`wrote ${out}`);
    }
    if (json !== undefined) {
      const predictions = test === undefined ? null : Array.from(predict(test.X, W.data));
      writeAtomic(json, JSON.stringify({ iteration: checkpoint.iteration, refreshes: checkpoint.refreshes, test: report ?? null, predictions }, null, 2) + '\n');
      say(`wrote ${json}`);
    }
    return 0;
  } finally {
    owner.wipe();
  }
}

const INSECURE = ['--allow-insecure'] as const;

/** Run a role command. @returns the exit code */
async function runRole(cmd: string, rest: string[]): Promise<number> {
  const spec: Record<string, { valued: string[]; bools: string[]; run: (a: RoleArgs) => number | Promise<number> }> = {
    keygen: { valued: ['--out', '--preset', '--params', '--width'], bools: [...INSECURE], run: keygen },
    encrypt: { valued: ['--secret-key', '--out', '--data', '--train-rows'], bools: [...INSECURE, '--pixels'], run: encrypt },
    train: { valued: ['--keys', '--upload', '--checkpoint', '--iterations', '--threads'], bools: [...INSECURE, '--resume'], run: serve },
    refresh: { valued: ['--secret-key', '--checkpoint'], bools: [...INSECURE], run: refreshCmd },
    decrypt: { valued: ['--secret-key', '--checkpoint', '--out', '--json', '--data', '--test-rows', '--train-rows', '--test'], bools: [...INSECURE, '--pixels'], run: decryptCmd },
  };
  const s = spec[cmd];
  const args = parseRoleArgs(rest, s.valued, s.bools);
  if (args === 'help') {
    console.log(ROLES_HELP);
    return 0;
  }
  return s.run(args);
}

/** Entry point. @returns the exit code */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'keygen' || cmd === 'encrypt' || cmd === 'refresh' || cmd === 'decrypt' || (cmd === 'train' && rest.includes('--keys'))) {
      return await runRole(cmd, rest);
    }
    if (cmd === 'train') {
      const o = parseTrainArgs(rest);
      if (o === 'help') {
        console.log(HELP);
        return 0;
      }
      await train(o);
      return 0;
    }
    if (cmd === undefined || cmd === '-h' || cmd === '--help') {
      console.log(`${HELP}\n\n${ROLES_HELP}`);
      return cmd === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command ${cmd} (try: hecnn --help)`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError || e instanceof TrainerError || e instanceof CkksError) {
      console.error(`hecnn: ${e.message}`);
      return 2;
    }
    if (e instanceof Error && (e.name === 'LayoutError' || e.name === 'CkksError' || e.name === 'InsecureParametersError')) {
      console.error(`hecnn: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

function invokedDirectly(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
