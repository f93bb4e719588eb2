/**
 * Precision statistics (src/circuits/precision.ts): min / mean / median bits
 * per part against hand-computed errors, the cap on exact slots, NaN, and
 * the printed table.
 */

import { describe, expect, it } from 'vitest';
import { CkksError } from '../../src/ckks/index.js';
import { bitsOfError, formatPrecision, precisionStats } from '../../src/circuits/index.js';

describe('precisionStats', () => {
  it('min from the largest error, mean from the mean error, median from the median error', () => {
    const want = [0, 0, 0, 0];
    const got = [2 ** -10, 2 ** -12, 2 ** -12, 2 ** -20];
    const s = precisionStats(got, want);
    expect(s.slots).toBe(4);
    expect(s.real.minBits).toBe(10);
    expect(s.real.maxBits).toBe(20);
    expect(s.real.medianBits).toBe(12);
    const mean = (2 ** -10 + 2 * 2 ** -12 + 2 ** -20) / 4;
    expect(s.real.meanBits).toBeCloseTo(-Math.log2(mean), 12);
    expect(s.real.maxError).toBe(2 ** -10);
    expect(s.imag.minBits).toBe(53);
  });

  it('real and imaginary parts separately; exact slots capped; slot count', () => {
    const s = precisionStats({ re: [1, 2, 3], im: [1, 1, 1 + 2 ** -8] }, { re: [1, 2, 3], im: [1, 1, 1] }, { cap: 40 });
    expect(s.real.minBits).toBe(40);
    expect(s.imag.minBits).toBe(8);
    expect(s.imag.medianBits).toBe(40);
    expect(precisionStats([1, 5], [1], {}).slots).toBe(1);
    expect(formatPrecision(s)).toMatch(/MIN\s+40\.00\s+8\.00/);
  });

  it('NaN is -Infinity bits; bad arguments are refused', () => {
    expect(bitsOfError(Number.NaN)).toBe(-Infinity);
    expect(bitsOfError(0, 30)).toBe(30);
    expect(bitsOfError(-0.25)).toBe(2);
    expect(precisionStats([Number.NaN], [0]).real.minBits).toBe(-Infinity);
    expect(() => precisionStats([1], [1, 2])).toThrow(CkksError);
    expect(() => precisionStats([1], [1], { cap: 0 })).toThrow(CkksError);
  });
});
