/**
 * Labels must be integers written as such: the decision is made on the
 * decimal text, not on the float it rounds to (1e-400 underflows to 0,
 * 5.0000000000000001 rounds to 5; neither is an integer label). Features may
 * underflow: a feature of 1e-400 is read as 0.
 */
import { describe, expect, it } from 'vitest';
import { DataError, parseCsv } from '../../src/mlr/index.js';

describe('parseCsv: labels are integers written as such', () => {
  const refused: [string, RegExp][] = [
    ['1e-400', /label 1e-400 is not an integer/],
    ['5.0000000000000001', /label 5.0000000000000001 is not an integer/],
    ['-1e-400', /label -1e-400 is not an integer/],
  ];
  for (const [label, re] of refused) {
    it(`refuses the label ${label} (line and cell named)`, () => {
      let err: unknown;
      try {
        parseCsv(`1.0,2\n${label},3\n`, { source: 'f.csv' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DataError);
      expect((err as DataError).line).toBe(2);
      expect((err as DataError).column).toBe(1);
      expect((err as Error).message).toMatch(re);
    });
  }

  it('accepts integer labels in the usual spellings: 5, 5.0, 5., +5, 5.000000000000000000e+00 (numpy savetxt), 50e-1, 0.5e1, -0.0', () => {
    const d = parseCsv('5,1\n5.0,1\n5.,1\n+5,1\n5.000000000000000000e+00,1\n50e-1,1\n0.5e1,1\n-0.0,1\n');
    expect(Array.from(d.labels)).toEqual([5, 5, 5, 5, 5, 5, 5, 0]);
  });

  it('reads a feature of 1e-400 as 0 (underflow is fine for features)', () => {
    const d = parseCsv('1,1e-400,-1e-400,4.9e-324\n');
    expect(Array.from(d.features)).toEqual([0, -0, 4.9e-324]);
  });
});

describe('wide rows', () => {
  it('a row of millions of features is refused from its commas, before the cells are split', async () => {
    const { parseCsv, DataError } = await import('../../src/mlr/index.js');
    const row = '3' + ',0.5'.repeat(4_600_000);
    const t0 = performance.now();
    expect(() => parseCsv(row, { source: 'wide.csv', maxFeatures: 65_536 })).toThrow(DataError);
    expect(() => parseCsv(row, { source: 'wide.csv', maxFeatures: 65_536 })).toThrow(/too many features: 4600000 per row, more than maxFeatures = 65536/);
    expect(performance.now() - t0).toBeLessThan(2000);
    // A row at the limit still parses.
    expect(parseCsv('1' + ',0.25'.repeat(8), { maxFeatures: 8 }).d).toBe(8);
  });
});
