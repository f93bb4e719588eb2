/**
 * The `hecnn` command (Node only: this adapter reads files and writes reports;
 * the library under src/ntt, src/ckks, src/encoding and src/mlr does not).
 *
 *   hecnn train [options]     encrypted training on CSV data (default: the bundled
 *                             REGNET_X_400MF features of 256 MNIST images, train
 *                             rows 1-128, test rows 129-256, the paper's setting)
 *
 * Run `hecnn train --help` for the options.
 *
 * @module
 */

import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Evaluator, PRESETS, createParameters } from '../ckks/index.js';
import {
  type CsvData,
  DataError,
  DataOwner,
  EncryptedTrainer,
  PlainTrainerState,
  TrainerError,
  accuracy,
  buildDesign,
  parseCsv,
  parsePixelCsv,
  selectRows,
  sle,
  trainingLayout,
} from '../mlr/index.js';

const DEFAULT_PRESET = 'PN16QP1200_TRAIN_SEC128';
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
    else if (done === this.total || done === 0) process.stderr.write(`${line}\n`);
  }
  done(note = ''): void {
    this.update(this.total, note);
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}

/** Write a file atomically (temporary file, then rename). */
function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
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
  const owner = new DataOwner(params);
  const keys = owner.evaluationKeys(layout);
  p.done(`(${keys.galois.size} Galois keys + relinearization)`);
  p = new Progress('encryption', 1);
  p.update(0);
  const upload = owner.encryptDataset(tr.X, tr.Y);
  p.done(`(${upload.X.length + upload.Xt.length + upload.Y.length + 1} ciphertexts)`);

  // Server.
  const ev = new Evaluator(params, keys);
  const trainer = new EncryptedTrainer(ev, upload, owner, { maxIterations: o.iterations });
  const mirror = o.mirror ? new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 }) : undefined;
  const rows: Row[] = [];
  const prog = new Progress('training', o.iterations);
  prog.update(0);
  for (let i = 0; i < o.iterations; i++) {
    const st = trainer.step();
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
  prog.done();

  console.log(`\n${te ? 'test' : 'training'} metrics per iteration (SLE with the exact sigmoid, a total):`);
  console.log('iter  accuracy  plain acc      SLE      seconds  levels left  max|W - mirror|  refresh');
  for (const r of rows) {
    console.log(
      `${String(r.iteration).padStart(4)}  ${(r.accuracy * 100).toFixed(2).padStart(7)}%  ${r.plainAccuracy === null ? '      -' : `${(r.plainAccuracy * 100).toFixed(2).padStart(7)}%`}  ${r.sle.toFixed(2).padStart(10)}  ${r.seconds.toFixed(1).padStart(8)}  ${String(r.levelsLeft).padStart(11)}  ${r.maxAbsDiffVsPlain === null ? '              -' : r.maxAbsDiffVsPlain.toExponential(2).padStart(15)}  ${r.refreshed ? 'yes' : ''}`,
    );
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

/** Entry point. @returns the exit code */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
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
      console.log(HELP);
      return cmd === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command ${cmd} (try: hecnn train --help)`);
  } catch (e) {
    if (e instanceof UsageError || e instanceof DataError || e instanceof TrainerError) {
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
