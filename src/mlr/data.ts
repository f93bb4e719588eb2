/**
 * Data sets for the trainer: parsing the paper's CSV format, splitting rows,
 * and building the design matrix X (bias column first) and the one-hot Y.
 *
 * Format (the one HE.CNNtraining's data/*.py scripts write, see
 * docs/ALGORITHM.md "Notation"): one sample per line, no header, comma
 * separated; the first cell is the class label written as a float (`5.0`), the
 * remaining cells are the features (`0.23424642`). Lines may end in `\n` or
 * `\r\n` (the bundled files use `\r\n`). Trailing blank lines are allowed;
 * blank lines between samples are not.
 *
 * This module is pure: it takes text that has already been read (and, for
 * `.csv.gz` files, already decompressed) by the caller. Reading files and
 * gunzipping belong to a platform adapter (a CLI), so that the library runs
 * unchanged in Node.js and in browsers.
 *
 * @module
 */
import { ArgumentRangeError, ArgumentTypeError, HecnnError } from '../core/errors.js';
import type { Matrix } from './plain.js';

/** A parsed data set: `n` samples with `d` features each (no bias column). */
export interface CsvData {
  /** Class label of each sample, length `n`, each in `[0, numClasses)`. */
  readonly labels: Int32Array;
  /** Features, row-major `n x d`: sample `r`, feature `j` is `features[r * d + j]`. */
  readonly features: Float64Array;
  /** Number of samples (rows). */
  readonly n: number;
  /** Number of features per sample (cells per line minus the label). */
  readonly d: number;
}

/** Options of {@link parseCsv}. */
export interface ParseCsvOptions {
  /** Name used in error messages, normally the file name. Default `"<csv>"`. */
  source?: string;
  /** Number of classes K; labels must be integers in `[0, K)`. Default 10. */
  numClasses?: number;
  /** Largest accepted number of features per row. Default: no limit. */
  maxFeatures?: number;
}

/**
 * A data file that cannot be used. The message has the form
 * `"<source>:<line>: <problem>"` (or `"<source>:<line>:<column>: <problem>"`
 * when one cell is at fault), so it names the file, the 1-based line and the
 * problem. The same pieces are available as fields.
 */
export class DataError extends HecnnError {
  /** The file (or other source) the text came from, as passed in `opts.source`. */
  readonly source: string;
  /** 1-based line number of the offending line. */
  readonly line: number;
  /** 1-based cell number on that line (1 = the label cell), when one cell is at fault. */
  readonly column?: number;
  /** The problem alone, without the location prefix. */
  readonly problem: string;

  /**
   * @param source file name (or other source description)
   * @param line 1-based line number
   * @param problem what is wrong, in words
   * @param column 1-based cell number, when one cell is at fault
   */
  constructor(source: string, line: number, problem: string, column?: number) {
    super('INVALID_DATA', `${source}:${line}${column === undefined ? '' : `:${column}`}`, problem);
    this.name = 'DataError';
    this.source = source;
    this.line = line;
    if (column !== undefined) this.column = column;
    this.problem = problem;
  }
}

/** A decimal number, optionally signed, with optional fraction and exponent. Nothing else. */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Spellings of non-finite values that some writers (numpy, C printf, JS) emit. */
const NONFINITE_RE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * Whether a cell that matched {@link NUMBER_RE} writes an integer, decided on
 * its decimal digits (not on the float it rounds to: `1e-400` underflows to 0
 * and `5.0000000000000001` rounds to 5, yet neither is an integer): every
 * digit that the exponent leaves after the decimal point is 0. `5`, `5.0`,
 * `5.000000000000000000e+00` (numpy's savetxt) and `50e-1` are integers.
 */
function isIntegerLiteral(cell: string): boolean {
  const m = /^[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(cell);
  if (m === null) return false;
  const digits = m[1] + (m[2] ?? '');
  const point = m[1].length + (m[3] === undefined ? 0 : Number(m[3]));
  return /^0*$/.test(digits.slice(Math.max(0, Math.min(point, digits.length))));
}

function checkOptionInt(fn: string, name: string, v: unknown, lo: number): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < lo) {
    throw new ArgumentRangeError(fn, `${name} must be an integer >= ${lo}, got ${String(v)}`);
  }
}

function shortCell(s: string): string {
  return JSON.stringify(s.length > 24 ? s.slice(0, 24) + '…' : s);
}

/**
 * Parse one cell as a finite number.
 * @throws DataError for an empty, non-numeric or non-finite cell
 */
function parseCell(cell: string, source: string, line: number, column: number): number {
  const s = cell.trim();
  if (s === '') throw new DataError(source, line, `cell ${column} is empty`, column);
  if (NONFINITE_RE.test(s)) {
    throw new DataError(source, line, `cell ${column} is not finite: ${shortCell(s)}`, column);
  }
  if (!NUMBER_RE.test(s)) {
    const hint = line === 1 ? ' (header lines are not supported)' : '';
    throw new DataError(source, line, `cell ${column} is not a number: ${shortCell(s)}${hint}`, column);
  }
  // A feature smaller than the least subnormal (e.g. 1e-400) underflows to 0 (or -0): fine for a
  // feature, whose value is all that matters. Labels are checked on their digits (isIntegerLiteral).
  const v = Number(s);
  if (!Number.isFinite(v)) {
    // e.g. 1e999: a valid literal that overflows to Infinity.
    throw new DataError(source, line, `cell ${column} is not finite: ${shortCell(s)} overflows`, column);
  }
  return v;
}

/**
 * Parse the paper's CSV format: per line a label written as a float (`5.0`),
 * then the features. All lines must have as many cells as the first.
 *
 * The whole text is validated before anything is returned: on error nothing
 * is returned, the first problem (in file order) is thrown.
 *
 * @param text the file content (already decompressed)
 * @param opts `source` (file name for messages, default `"<csv>"`), `numClasses`
 *   (default 10), `maxFeatures` (default unlimited)
 * @returns labels, row-major features, n and d
 * @throws DataError (message `"<source>:<line>[:<cell>]: <problem>"`) when the
 *   file is empty (no data line), a line is blank between data lines, a row has
 *   a different number of cells than the first row, a cell is empty, not a
 *   number, or NaN/Infinity (also as an overflowing literal like `1e999`), a
 *   label is not an integer written as such (decided on its digits: `1e-400`
 *   and `5.0000000000000001` are refused; `5.0` and `5e0` are integers) or not
 *   in `[0, numClasses)`, a row has no feature,
 *   or the rows have more than `maxFeatures` features
 * @throws RangeError when `numClasses` or `maxFeatures` is not a positive integer
 */
export function parseCsv(text: string, opts: ParseCsvOptions = {}): CsvData {
  const fn = 'parseCsv';
  if (typeof text !== 'string') throw new ArgumentTypeError(fn, `text must be a string, got ${typeof text}`);
  const source = opts.source ?? '<csv>';
  const numClasses = opts.numClasses ?? 10;
  checkOptionInt(fn, 'numClasses', numClasses, 1);
  const maxFeatures = opts.maxFeatures ?? Infinity;
  if (maxFeatures !== Infinity) checkOptionInt(fn, 'maxFeatures', maxFeatures, 1);

  const lines = text.split('\n');
  // Strip the `\r` of `\r\n` endings; drop trailing blank lines.
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  let n = lines.length;
  while (n > 0 && lines[n - 1].trim() === '') n--;
  if (n === 0) throw new DataError(source, 1, 'empty file: no data line');

  // The feature count, from the commas of the first line, before any split: a
  // hostile row of millions of cells is refused without allocating them.
  if (maxFeatures !== Infinity) {
    let commas = 0;
    for (let at = lines[0].indexOf(','); at >= 0; at = lines[0].indexOf(',', at + 1)) commas++;
    if (commas > maxFeatures) throw new DataError(source, 1, `too many features: ${commas} per row, more than maxFeatures = ${maxFeatures}`);
  }
  const first = lines[0].split(',');
  const cells = first.length;
  const d = cells - 1;
  if (d < 1) throw new DataError(source, 1, `row has no feature: expected a label then features, got ${cells} cell`);
  if (d > maxFeatures) {
    throw new DataError(source, 1, `too many features: ${d} per row, more than maxFeatures = ${maxFeatures}`);
  }

  const labels = new Int32Array(n);
  const features = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const lineNo = r + 1;
    const line = lines[r];
    if (line.trim() === '') {
      throw new DataError(source, lineNo, 'blank line between data lines (only trailing blank lines are allowed)');
    }
    const row = r === 0 ? first : line.split(',');
    if (row.length !== cells) {
      throw new DataError(
        source,
        lineNo,
        `ragged row: ${row.length} cells, but the first row has ${cells} (label + ${d} features)`,
      );
    }
    const label = parseCell(row[0], source, lineNo, 1);
    if (!Number.isInteger(label) || !isIntegerLiteral(row[0].trim())) {
      throw new DataError(source, lineNo, `label ${row[0].trim()} is not an integer`, 1);
    }
    if (label < 0 || label >= numClasses) {
      throw new DataError(source, lineNo, `label ${row[0].trim()} is out of range [0, ${numClasses})`, 1);
    }
    labels[r] = label;
    const off = r * d;
    for (let j = 0; j < d; j++) features[off + j] = parseCell(row[j + 1], source, lineNo, j + 2);
  }
  return { labels, features, n, d };
}

/**
 * Rows `from` (inclusive) to `to` (exclusive), 0-based, as a new data set
 * (copies; the input is not modified). "Train rows 1-128" of
 * docs/ALGORITHM.md is `selectRows(data, 0, 128)`, "test rows 129-256" is
 * `selectRows(data, 128, 256)`.
 *
 * @param data a parsed data set
 * @param from first row, 0-based, inclusive
 * @param to end row, 0-based, exclusive
 * @returns the selected rows, with the same `d`
 * @throws RangeError unless `0 <= from <= to <= data.n` (integers)
 */
export function selectRows(data: CsvData, from: number, to: number): CsvData {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from || to > data.n) {
    throw new ArgumentRangeError('selectRows', `need integers 0 <= from <= to <= ${data.n}, got from = ${from}, to = ${to}`);
  }
  const { d } = data;
  return {
    labels: data.labels.slice(from, to),
    features: data.features.slice(from * d, to * d),
    n: to - from,
    d,
  };
}

/** Options of {@link buildDesign}. */
export interface DesignOptions {
  /** Number of classes K (columns of Y). Default 10. */
  numClasses?: number;
  /**
   * Every feature is multiplied by `scale` (the bias column stays 1). Default 1.
   *
   * The RegNet features (data/mnist-regnet-x-400mf-first256.csv) are used as
   * they are: scale 1, as in the paper.
   *
   * For MNIST pixels the convention is pixel/255, so that features lie in
   * [0, 1]. The bundled data/mnist-raw-pixels-5000.csv.gz is ALREADY in that
   * form (its cells are k/255, e.g. 0.99215686 = 253/255, maximum 1.0), so it
   * must be used with scale 1 as well; scale 1/255 is for files holding integer
   * pixels 0..255. {@link parsePixelCsv} checks which form a file is in.
   */
  scale?: number;
}

/** The design of a training or test set, as the trainer uses it. */
export interface Design {
  /** n x (d+1): column 0 is the bias (all ones), columns 1..d the (scaled) features. */
  readonly X: Matrix;
  /** n x K one-hot labels: `Y[r, labels[r]] = 1`, all else 0. */
  readonly Y: Matrix;
  /** The labels (a copy). */
  readonly labels: Int32Array;
}

/**
 * Build X (bias column of ones first, then the features times `scale`, so
 * d+1 columns; docs/ALGORITHM.md: "X is n x d with X[:,0] = 1") and the one-hot
 * Y (n x K).
 *
 * @param data a parsed data set
 * @param opts `numClasses` (default 10), `scale` (default 1; see {@link DesignOptions.scale})
 * @returns X, Y and a copy of the labels
 * @throws RangeError when `numClasses` is not a positive integer, `scale` is not
 *   finite, or a label is outside `[0, numClasses)`
 */
export function buildDesign(data: CsvData, opts: DesignOptions = {}): Design {
  const fn = 'buildDesign';
  const K = opts.numClasses ?? 10;
  checkOptionInt(fn, 'numClasses', K, 1);
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale)) {
    throw new ArgumentRangeError(fn, `scale must be a finite number, got ${String(scale)}`);
  }
  const { n, d, features, labels } = data;
  for (let r = 0; r < n; r++) {
    if (labels[r] < 0 || labels[r] >= K) {
      throw new ArgumentRangeError(fn, `label of row ${r} is ${labels[r]}, outside [0, ${K})`);
    }
  }
  const cols = d + 1;
  const x = new Float64Array(n * cols);
  const y = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    const o = r * cols;
    x[o] = 1;
    for (let j = 0; j < d; j++) x[o + 1 + j] = features[r * d + j] * scale;
    y[r * K + labels[r]] = 1;
  }
  return {
    X: { rows: n, cols, data: x },
    Y: { rows: n, cols: K, data: y },
    labels: labels.slice(),
  };
}

/** Options of {@link parsePixelCsv}. */
export interface ParsePixelCsvOptions {
  /** Name used in error messages. Default `"<csv>"`. */
  source?: string;
  /** Number of classes. Default 10. */
  numClasses?: number;
  /** Pixels per image. Default 784 (28 x 28 MNIST). Every row must have exactly this many. */
  pixels?: number;
  /**
   * The value of a white pixel in the file: 1 (the file is already scaled to
   * [0, 1], as data/mnist-raw-pixels-5000.csv.gz is) or 255 (integer pixels).
   * Default 1.
   */
  pixelMax?: 1 | 255;
}

/**
 * Parse a raw-pixel MNIST CSV (label, then one cell per pixel) from
 * already-decompressed text, check that every pixel lies in `[0, pixelMax]`,
 * and return features in [0, 1] (pixel / pixelMax). The result goes to
 * {@link buildDesign} with the default scale 1.
 *
 * The bundled data/mnist-raw-pixels-5000.csv.gz holds pixel/255 already, so the
 * default `pixelMax = 1` is right for it; a value above 1 is reported as an
 * error pointing at `pixelMax: 255`, so that a file of integer pixels is never
 * silently used unscaled (and the bundled file never scaled twice).
 *
 * @param text the decompressed file content
 * @param opts `source`, `numClasses` (default 10), `pixels` (default 784), `pixelMax` (default 1)
 * @returns labels and features scaled to [0, 1]
 * @throws DataError for everything {@link parseCsv} rejects, a row with a
 *   number of pixels other than `pixels`, or a pixel outside `[0, pixelMax]`
 * @throws RangeError for invalid options
 */
export function parsePixelCsv(text: string, opts: ParsePixelCsvOptions = {}): CsvData {
  const source = opts.source ?? '<csv>';
  const pixels = opts.pixels ?? 784;
  checkOptionInt('parsePixelCsv', 'pixels', pixels, 1);
  const pixelMax = opts.pixelMax ?? 1;
  if (pixelMax !== 1 && pixelMax !== 255) {
    throw new ArgumentRangeError('parsePixelCsv', `pixelMax must be 1 or 255, got ${String(pixelMax)}`);
  }
  const data = parseCsv(text, { source, numClasses: opts.numClasses ?? 10, maxFeatures: pixels });
  if (data.d !== pixels) {
    throw new DataError(source, 1, `expected ${pixels} pixels per row, got ${data.d}`);
  }
  const { n, d, features } = data;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const v = features[r * d + j];
      if (v < 0 || v > pixelMax) {
        const hint = pixelMax === 1 && v <= 255 ? ' (integer pixels 0..255? use pixelMax: 255)' : '';
        throw new DataError(source, r + 1, `pixel ${j + 1} is ${v}, outside [0, ${pixelMax}]${hint}`, j + 2);
      }
    }
  }
  if (pixelMax !== 1) for (let i = 0; i < features.length; i++) features[i] /= pixelMax;
  return data;
}
