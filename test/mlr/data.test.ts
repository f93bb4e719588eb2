/**
 * CSV parsing, row selection and the design matrix (src/mlr/data.ts): the
 * bundled files, every error case (file, 1-based line, problem), and
 * fast-check round trips.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, buildDesign, parseCsv, parsePixelCsv, selectRows, type CsvData } from '../../src/mlr/index.js';

const FEATURES_FILE = new URL('../../data/mnist-regnet-x-400mf-first256.csv', import.meta.url);
const PIXELS_FILE = new URL('../../data/mnist-raw-pixels-5000.csv.gz', import.meta.url);

/** Run `f`, expect a DataError, return it. */
function dataError(f: () => unknown): DataError {
  let result: unknown;
  try {
    result = f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect(e).toBeInstanceOf(Error);
    return e as DataError;
  }
  throw new Error(`expected a DataError, got a result: ${String(result)}`);
}

describe('parseCsv on the bundled feature file', () => {
  it('reads 256 rows of label + 400 RegNet features (CRLF line ends)', () => {
    const text = readFileSync(FEATURES_FILE, 'utf8');
    expect(text.includes('\r\n')).toBe(true);
    const data = parseCsv(text, { source: 'mnist-regnet-x-400mf-first256.csv', maxFeatures: 400 });
    expect(data.n).toBe(256);
    expect(data.d).toBe(400);
    expect(data.labels[0]).toBe(5);
    expect(data.features[0]).toBe(4.153106);
    expect(data.features[1]).toBe(0.23424642);
    expect(data.features[399]).toBe(Number(text.split('\r\n')[0].split(',')[400]));
    expect(Math.min(...data.features)).toBeGreaterThanOrEqual(0); // "all features are >= 0"
    // Train rows 1-128 hold every digit.
    expect(new Set(selectRows(data, 0, 128).labels).size).toBe(10);
  });
});

describe('parseCsv errors name the file, the 1-based line and the problem', () => {
  const cases: Array<{ name: string; text: string; line: number; column?: number; problem: RegExp; opts?: object }> = [
    { name: 'empty file', text: '', line: 1, problem: /empty file/ },
    { name: 'file of blank lines', text: '\r\n\n  \n', line: 1, problem: /empty file/ },
    { name: 'ragged row (too few cells)', text: '1.0,2,3\n2.0,4,5\n3.0,6\n', line: 3, problem: /ragged row: 2 cells, but the first row has 3/ },
    { name: 'ragged row (too many cells)', text: '1.0,2,3\n2.0,4,5,6\n', line: 2, problem: /ragged row: 4 cells/ },
    { name: 'non-numeric feature', text: '1.0,2,3\n2.0,4,abc\n', line: 2, column: 3, problem: /cell 3 is not a number: "abc"/ },
    { name: 'hex is not a decimal number', text: '1.0,0x10\n', line: 1, column: 2, problem: /not a number/ },
    { name: 'empty cell', text: '1.0,2,3\n2.0,,5\n', line: 2, column: 2, problem: /cell 2 is empty/ },
    { name: 'NaN feature', text: '1.0,2\n2.0,NaN\n', line: 2, column: 2, problem: /not finite: "NaN"/ },
    { name: 'Infinity feature', text: '1.0,2\n2.0,-Infinity\n', line: 2, column: 2, problem: /not finite/ },
    { name: 'inf (numpy spelling)', text: '1.0,inf\n', line: 1, column: 2, problem: /not finite/ },
    { name: 'overflowing literal', text: '1.0,2\n1.0,1e999\n', line: 2, column: 2, problem: /not finite: "1e999" overflows/ },
    { name: 'label out of range (10 with 10 classes)', text: '1.0,2\n10.0,3\n', line: 2, column: 1, problem: /label 10.0 is out of range \[0, 10\)/ },
    { name: 'negative label', text: '-1.0,2\n', line: 1, column: 1, problem: /out of range/ },
    { name: 'label out of range for numClasses 3', text: '2.0,1\n3.0,1\n', line: 2, column: 1, problem: /out of range \[0, 3\)/, opts: { numClasses: 3 } },
    { name: 'non-integer label', text: '1.0,2\n2.5,3\n', line: 2, column: 1, problem: /label 2.5 is not an integer/ },
    { name: 'non-numeric label', text: 'five,2\n', line: 1, column: 1, problem: /cell 1 is not a number/ },
    { name: 'header line', text: 'label,f1\n1.0,2\n', line: 1, column: 1, problem: /header lines are not supported/ },
    { name: 'too many features', text: '1.0,1,2,3\n', line: 1, problem: /too many features: 3 per row, more than maxFeatures = 2/, opts: { maxFeatures: 2 } },
    { name: 'no feature', text: '1.0\n2.0\n', line: 1, problem: /no feature/ },
    { name: 'blank line between rows', text: '1.0,2\n\n2.0,3\n', line: 2, problem: /blank line between data lines/ },
    { name: 'error on the last line (nothing returned for the good lines)', text: '1.0,2\n2.0,3\n3.0,x', line: 3, column: 2, problem: /not a number/ },
  ];

  it.each(cases)('$name', ({ text, line, column, problem, opts }) => {
    const e = dataError(() => parseCsv(text, { source: 'digits.csv', ...opts }));
    expect(e.name).toBe('DataError');
    expect(e.source).toBe('digits.csv');
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    expect(e.problem).toMatch(problem);
    expect(e.message).toBe(`digits.csv:${line}${column === undefined ? '' : `:${column}`}: ${e.problem}`);
  });

  it('names the source "<csv>" when none is given', () => {
    expect(dataError(() => parseCsv('')).message).toBe('<csv>:1: empty file: no data line');
  });

  it('rejects bad options with a RangeError', () => {
    expect(() => parseCsv('1.0,2', { numClasses: 0 })).toThrow(RangeError);
    expect(() => parseCsv('1.0,2', { maxFeatures: 1.5 })).toThrow(/maxFeatures/);
  });

  it('accepts trailing blank lines, CRLF and LF, and spaces around cells', () => {
    for (const text of ['1.0,2,3\n4.0,5,6', '1.0,2,3\n4.0,5,6\n', '1.0,2,3\r\n4.0,5,6\r\n', '1.0, 2 ,3\n4.0,5,6\n\n\r\n']) {
      const d = parseCsv(text);
      expect(d.n).toBe(2);
      expect(Array.from(d.labels)).toEqual([1, 4]);
      expect(Array.from(d.features)).toEqual([2, 3, 5, 6]);
    }
  });
});

// ------------------------------------------------------------ property tests

const K = 10;
/** Random data sets: labels in [0, K), finite features (no -0, which prints as "0"). */
const dataArb = fc
  .record({
    n: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 9 }),
  })
  .chain(({ n, d }) =>
    fc.record({
      n: fc.constant(n),
      d: fc.constant(d),
      labels: fc.array(fc.integer({ min: 0, max: K - 1 }), { minLength: n, maxLength: n }),
      features: fc.array(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: 0, max: 10, noNaN: true }),
          fc.integer({ min: 0, max: 255 }),
        ).map((v) => (Object.is(v, -0) ? 0 : v)),
        { minLength: n * d, maxLength: n * d },
      ),
      eol: fc.constantFrom('\n', '\r\n'),
      trailing: fc.constantFrom('', '\n', '\r\n', '\n\n'),
    }),
  );

type Gen = { n: number; d: number; labels: number[]; features: number[]; eol: string; trailing: string };

function format(g: Gen): string[][] {
  return Array.from({ length: g.n }, (_, r) => [
    g.labels[r].toFixed(1), // the paper writes labels as floats: 5.0
    ...g.features.slice(r * g.d, (r + 1) * g.d).map((v) => String(v)),
  ]);
}
const join = (rows: string[][], g: Gen): string => rows.map((r) => r.join(',')).join(g.eol) + g.trailing;

describe('parseCsv properties (fast-check)', () => {
  it('round trip: formatting a random matrix and parsing it back gives it exactly', () => {
    fc.assert(
      fc.property(dataArb, (g) => {
        const data = parseCsv(join(format(g), g), { numClasses: K });
        expect(data.n).toBe(g.n);
        expect(data.d).toBe(g.d);
        expect(Array.from(data.labels)).toEqual(g.labels);
        expect(Array.from(data.features)).toEqual(g.features);
      }),
      { numRuns: 300 },
    );
  });

  it('a row with a cell removed or added is reported as ragged on its line', () => {
    fc.assert(
      fc.property(dataArb, fc.nat(), fc.boolean(), (g, pick, add) => {
        fc.pre(g.n >= 2 && (add || g.d >= 2));
        const rows = format(g);
        const r = 1 + (pick % (g.n - 1));
        if (add) rows[r].push('1.5');
        else rows[r].pop();
        const e = dataError(() => parseCsv(join(rows, g), { source: 'p.csv' }));
        expect(e.line).toBe(r + 1);
        expect(e.problem).toMatch(/ragged row/);
        expect(e.message.startsWith(`p.csv:${r + 1}: `)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a bad cell anywhere is reported at its line and cell', () => {
    fc.assert(
      fc.property(dataArb, fc.nat(), fc.nat(), fc.constantFrom('x', 'NaN', 'Infinity', '', '1..2', '--1'), (g, pr, pc, bad) => {
        const rows = format(g);
        const r = pr % g.n;
        const c = 1 + (pc % g.d); // a feature cell
        rows[r][c] = bad;
        const e = dataError(() => parseCsv(join(rows, g), { source: 'p.csv' }));
        expect(e.line).toBe(r + 1);
        expect(e.column).toBe(c + 1);
      }),
      { numRuns: 200 },
    );
  });
});

describe('selectRows and buildDesign', () => {
  const data: CsvData = parseCsv('3.0,1,2\n0.0,3,4\n9.0,5,6\n');

  it('selectRows is 0-based half-open and copies', () => {
    const s = selectRows(data, 1, 3);
    expect(s.n).toBe(2);
    expect(s.d).toBe(2);
    expect(Array.from(s.labels)).toEqual([0, 9]);
    expect(Array.from(s.features)).toEqual([3, 4, 5, 6]);
    s.features[0] = 99;
    expect(data.features[2]).toBe(3);
    expect(selectRows(data, 2, 2).n).toBe(0);
    expect(() => selectRows(data, 2, 4)).toThrow(RangeError);
    expect(() => selectRows(data, -1, 1)).toThrow(RangeError);
    expect(() => selectRows(data, 2, 1)).toThrow(RangeError);
  });

  it('buildDesign puts a bias column of ones first and one-hot labels in Y', () => {
    const { X, Y, labels } = buildDesign(data);
    expect([X.rows, X.cols, Y.rows, Y.cols]).toEqual([3, 3, 3, 10]);
    expect(Array.from(X.data)).toEqual([1, 1, 2, 1, 3, 4, 1, 5, 6]);
    expect(Array.from(Y.data.subarray(0, 10))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    expect(Y.data[1 * 10 + 0]).toBe(1);
    expect(Y.data[2 * 10 + 9]).toBe(1);
    expect(Y.data.reduce((a, b) => a + b, 0)).toBe(3);
    expect(Array.from(labels)).toEqual([3, 0, 9]);
  });

  it('scale multiplies the features but not the bias', () => {
    const { X } = buildDesign(parseCsv('1.0,255,0,51\n'), { scale: 1 / 255 });
    expect(Array.from(X.data)).toEqual([1, 1, 0, 51 / 255]);
    expect(() => buildDesign(data, { scale: NaN })).toThrow(RangeError);
    expect(() => buildDesign(data, { numClasses: 5 })).toThrow(/label of row 2 is 9/);
  });
});

describe('raw MNIST pixels', () => {
  it('the bundled data/mnist-raw-pixels-5000.csv.gz is already pixel/255: features in [0, 1], used with scale 1', () => {
    const text = gunzipSync(readFileSync(PIXELS_FILE)).toString('utf8');
    const data = parsePixelCsv(text, { source: 'mnist-raw-pixels-5000.csv' });
    expect(data.n).toBe(5000);
    expect(data.d).toBe(784);
    let max = 0;
    let min = Infinity;
    let offGrid = 0;
    for (const v of data.features) {
      max = Math.max(max, v);
      min = Math.min(min, v);
      if (Math.abs(v * 255 - Math.round(v * 255)) > 1e-4) offGrid++;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(offGrid).toBe(0); // every value is k/255
    expect(new Set(data.labels).size).toBe(10);
    const { X } = buildDesign(data);
    expect(X.cols).toBe(785);
  });

  it('integer pixels need pixelMax 255, and are then scaled to [0, 1]', () => {
    const text = '7.0,0,128,255\n';
    const e = dataError(() => parsePixelCsv(text, { source: 'ints.csv', pixels: 3 }));
    expect(e.message).toBe('ints.csv:1:3: pixel 2 is 128, outside [0, 1] (integer pixels 0..255? use pixelMax: 255)');
    const data = parsePixelCsv(text, { source: 'ints.csv', pixels: 3, pixelMax: 255 });
    expect(Array.from(data.features)).toEqual([0, 128 / 255, 1]);
    expect(dataError(() => parsePixelCsv('7.0,0,256,0\n', { pixels: 3, pixelMax: 255 })).problem).toMatch(/outside \[0, 255\]/);
    expect(dataError(() => parsePixelCsv('7.0,0,1\n', { pixels: 3 })).problem).toMatch(/expected 3 pixels per row, got 2/);
    expect(dataError(() => parsePixelCsv('7.0,0,1,0,0\n', { pixels: 3 })).problem).toMatch(/too many features/);
  });
});
