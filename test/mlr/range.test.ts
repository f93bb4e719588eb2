/**
 * The feature range the encrypted circuit takes (src/mlr/range.ts; issue 15,
 * item 6): rows whose first scores w0 (1 + sum |x|) leave the sigmoid's
 * interval [-8, 8] are refused before anything is encrypted, with a DataError
 * naming the row; the bundled features pass.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataError, DEFAULT_W0, buildDesign, checkFeatureRange, initialScoreBound, parseCsv } from '../../src/mlr/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('checkFeatureRange', () => {
  it('the bundled REGNET features pass (largest first score 4.05)', () => {
    const all = parseCsv(readFileSync(`${ROOT}data/mnist-regnet-x-400mf-first256.csv`, 'utf8'));
    const { X } = buildDesign(all);
    const { bound } = initialScoreBound(X);
    expect(bound).toBeCloseTo(4.0537, 3);
    expect(() => checkFeatureRange(X, { source: 'bundled', firstLine: 1 })).not.toThrow();
  });

  it('one feature of 1e4 (the issue) is refused, naming its row and a power-of-two divisor', () => {
    const text = '0,0.5,0.25\n1,10000,0.5\n2,0.1,0.1\n';
    const { X } = buildDesign(parseCsv(text));
    let err: unknown;
    try {
      checkFeatureRange(X, { source: 'f.csv', firstLine: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    const d = err as DataError;
    expect([d.code, d.source, d.line]).toEqual(['INVALID_DATA', 'f.csv', 2]);
    expect(d.message).toMatch(/add up to 1\.000e\+4.*at most 624.*divide them by 32/);
  });

  it('the edge: w0 (1 + sum |x|) = 8 exactly passes, one ulp above is refused; negative features count by magnitude', () => {
    const limit = 8 / DEFAULT_W0 - 1; // 624
    const at = { rows: 1, cols: 2, data: Float64Array.of(1, -limit) };
    expect(initialScoreBound(at).bound).toBe(8);
    expect(() => checkFeatureRange(at, { source: 's', firstLine: 1 })).not.toThrow();
    const above = { rows: 1, cols: 2, data: Float64Array.of(1, -(limit + 1e-9)) };
    expect(() => checkFeatureRange(above, { source: 's', firstLine: 1 })).toThrow(DataError);
    // Another w0 moves the limit.
    expect(() => checkFeatureRange(above, { source: 's', firstLine: 1 }, DEFAULT_W0 / 2)).not.toThrow();
  });
});
