/**
 * `hecnn decrypt` (data owner): the weights of a checkpoint in clear, and the
 * accuracy of the model on test rows.
 *
 * @module
 */

import { type CsvData, DEFAULT_SHARE_BITS, accuracy, buildDesign, decodeCheckpoint, predict, roundForSharing, selectRows, sle, weightBoundRatio } from '../mlr/index.js';
import { type OptionValues, UsageError, parseOptions, parseRange, requireValue } from './args.js';
import { checkCheckpointKey, loadOptions, loadOwner, wipeOwner } from './bundles.js';
import { DECRYPT_HELP, showHelp } from './help.js';
import { readBytes, readData, say, writeAtomic } from './io.js';
import { checkOutputs } from './outputs.js';

/** The options of `hecnn decrypt`. */
export const DECRYPT_OPTIONS = {
  'secret-key': { type: 'string' },
  checkpoint: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'string' },
  data: { type: 'string' },
  'test-rows': { type: 'string' },
  'train-rows': { type: 'string' },
  test: { type: 'string' },
  pixels: { type: 'boolean' },
  share: { type: 'boolean' },
  'share-bits': { type: 'string' },
  force: { type: 'boolean' },
  'allow-insecure': { type: 'boolean' },
} as const;

/** The usage line of `hecnn decrypt`. */
export const DECRYPT_USAGE =
  'hecnn decrypt --secret-key FILE --checkpoint FILE [--out weights.csv|.json] [--data CSV (--test-rows C:D | --train-rows A:B) | --test CSV] [--json FILE] [--pixels] [--share | --share-bits B] [--force] [--allow-insecure]';

/** Test data as read, before its design is built (the class count comes from the checkpoint). */
interface TestRows {
  /** The file the rows come from. */
  file: string;
  /** 1-based row number in the file of the first row. */
  firstRow: number;
  /** The rows. */
  data: CsvData;
}

/**
 * The test data of --test, or of --data with --test-rows (or --train-rows).
 * @param v the parsed options
 * @returns the rows, or undefined without test data
 * @throws UsageError on a missing or bad row range or an unreadable file; DataError on unusable data
 */
function testData(v: OptionValues<typeof DECRYPT_OPTIONS>): TestRows | undefined {
  const pixels = v.pixels === true;
  if (v.test !== undefined) return { file: v.test, firstRow: 1, data: readData(v.test, pixels) };
  if (v.data === undefined) return undefined;
  const rowsArg = v['test-rows'] ?? v['train-rows'];
  if (rowsArg === undefined) throw new UsageError('--data needs --test-rows C:D (or --train-rows A:B)');
  const [c, d] = parseRange('--test-rows', rowsArg);
  const all: CsvData = readData(v.data, pixels);
  if (d > all.n) throw new UsageError(`--test-rows ${c}:${d}: ${v.data} has ${all.n} rows`);
  return { file: v.data, firstRow: c, data: selectRows(all, c - 1, d) };
}

/**
 * The design of the test rows for a model of K classes and d columns.
 * @param t the test rows
 * @param shape the model's shape (K classes, d columns with the bias)
 * @returns the design matrices, with K label columns
 * @throws UsageError if the feature count differs or a label is not below K
 */
function testDesign(t: TestRows, shape: { K: number; d: number }): ReturnType<typeof buildDesign> {
  if (t.data.d + 1 !== shape.d) throw new UsageError(`the test data has ${t.data.d} features, the model ${shape.d - 1}`);
  const r = t.data.labels.findIndex((l) => l >= shape.K);
  if (r >= 0) throw new UsageError(`${t.file}:${t.firstRow + r}: label ${t.data.labels[r]}, but the model has ${shape.K} classes (labels 0..${shape.K - 1})`);
  return buildDesign(t.data, { numClasses: shape.K });
}

/**
 * The rounding of --share / --share-bits B.
 * @param v the parsed options
 * @returns B (bits kept after the binary point), or undefined without sharing
 * @throws UsageError if B is not an integer in [1, 52]
 */
function shareBits(v: OptionValues<typeof DECRYPT_OPTIONS>): number | undefined {
  const b = v['share-bits'];
  if (b === undefined) return v.share === true ? DEFAULT_SHARE_BITS : undefined;
  const n = /^\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 52) throw new UsageError(`--share-bits takes an integer in 1..52 (bits kept after the binary point), got ${b}`);
  return n;
}

/**
 * Run `hecnn decrypt`: prints the weights' shape and the test accuracy; writes
 * the weights (--out: CSV, or JSON for a .json name) and a report with the
 * predictions (--json). With --share (or --share-bits B) the weights are
 * rounded to multiples of 2^-B (default B = 16) before anything is written
 * ({@link roundForSharing}). The outputs are checked before any work.
 * @param argv the arguments after `decrypt`
 * @returns the exit code (0)
 * @throws UsageError on bad arguments, unreadable files, outputs that cannot or may not be written, test data that does not fit the model or a checkpoint of another key; DataError on unusable data; BundleError on invalid files
 */
export function runDecrypt(argv: readonly string[]): number {
  const v = parseOptions(argv, DECRYPT_OPTIONS, DECRYPT_USAGE);
  if (v === 'help') return showHelp(DECRYPT_HELP);
  const cpFile = requireValue('--checkpoint', v.checkpoint);
  const { out, json } = v;
  const bits = shareBits(v);
  // Outputs, then test data (bad input ends here, before any secret is loaded). A report never
  // replaces a key, an upload, a checkpoint or an input file without --force.
  const outputs = [
    ...(out === undefined ? [] : [{ flag: '--out', path: out, kind: 'report' as const }]),
    ...(json === undefined ? [] : [{ flag: '--json', path: json, kind: 'report' as const }]),
  ];
  checkOutputs(outputs, { force: v.force === true, inputs: [v['secret-key'], cpFile, v.data, v.test] });
  const rowsIn = testData(v);
  const opts = loadOptions(v['allow-insecure']);
  const { params: cParams, checkpoint } = decodeCheckpoint(readBytes(cpFile), opts);
  const test = rowsIn === undefined ? undefined : testDesign(rowsIn, checkpoint.shape);
  const key = loadOwner(v['secret-key'], opts);
  const { owner } = key;
  try {
    checkCheckpointKey(cpFile, cParams, checkpoint, key);
    owner.setProblem(checkpoint.shape, checkpoint.width);
    const exact = owner.decryptWeights(checkpoint.weights.W);
    // Shared weights: rounded to 2^-B, and everything written is computed from the rounded ones.
    const W = bits === undefined ? exact : { ...exact, data: roundForSharing(exact.data, bits) };
    const { K, d } = checkpoint.shape;
    const rows: number[][] = Array.from({ length: K }, (_, k) => Array.from(W.data.subarray(k * d, (k + 1) * d)));
    say(`hecnn decrypt: ${K} x ${d} weights after ${checkpoint.iteration} iteration(s), ${checkpoint.refreshes} refresh(es)${checkpoint.needsRefresh ? ' (the checkpoint awaits a refresh)' : ''}`);
    if (bits !== undefined) say(`weights rounded to multiples of 2^-${bits} for sharing (a heuristic, see the README's Security section)`);
    const bound = key.plan.bootstrap?.config.bound;
    if (bound !== undefined) {
      const r = weightBoundRatio(exact, bound);
      if (r > 0.8) say(`warning: the weights reach ${(r * 100).toFixed(0)}% of the bootstrapping bound ${bound} (beyond it the server's bootstrapping breaks the model): make new keys with a larger bound before training further`);
    }
    let report: { samples: number; accuracy: number; sle: number } | undefined;
    if (test !== undefined) {
      report = { samples: test.X.rows, accuracy: accuracy(test.X, test.labels, W.data), sle: sle(test.X, test.Y, W.data) };
      say(`test: ${report.samples} samples, accuracy ${(report.accuracy * 100).toFixed(2)}%, SLE ${report.sle.toFixed(3)}`);
    }
    const shared = bits === undefined ? {} : { sharedBits: bits };
    if (out !== undefined) {
      if (out.endsWith('.json')) writeAtomic(out, JSON.stringify({ classes: K, columns: d, iteration: checkpoint.iteration, refreshes: checkpoint.refreshes, ...shared, weights: rows }) + '\n');
      else writeAtomic(out, rows.map((r) => r.map((x) => String(x)).join(',')).join('\n') + '\n');
      say(`wrote ${out}`);
    }
    if (json !== undefined) {
      const predictions = test === undefined ? null : Array.from(predict(test.X, W.data));
      writeAtomic(json, JSON.stringify({ iteration: checkpoint.iteration, refreshes: checkpoint.refreshes, ...shared, test: report ?? null, predictions }, null, 2) + '\n');
      say(`wrote ${json}`);
    }
    return 0;
  } finally {
    wipeOwner(key);
  }
}
