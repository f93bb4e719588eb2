/**
 * The bootstrapping secret: a sparse ternary secret of fixed Hamming weight h
 * (exact sampler from a RandomSource), the KeyGenerator option that draws it,
 * and the sparse-secret security bound (refused without the insecure opt-in).
 */
import { describe, expect, it } from 'vitest';
import {
  CkksError,
  INSECURE_OPT_IN,
  InsecureParametersError,
  KeyGenerator,
  SPARSE_SECRET_MAX_LOG_QP_128,
  XofSource,
  checkSparseSecurity,
  createParameters,
  maxLogQPSparse,
  sampleTernarySparse,
} from '../../src/ckks/index.js';

const seed = (v: number): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => (v + 13 * i) & 255);

describe('sparse ternary secret of fixed Hamming weight', () => {
  it('exactly h coefficients in {-1, 1}, the rest 0; deterministic per seed', () => {
    for (const [N, h] of [
      [1024, 64],
      [4096, 192],
      [64, 64],
      [16, 1],
    ]) {
      const s = sampleTernarySparse(new XofSource(seed(N + h), 'hecnn/test sparse'), N, h);
      expect(s.length).toBe(N);
      expect(s.filter((c) => c !== 0).length).toBe(h);
      expect(s.every((c) => c === 0 || c === 1 || c === -1)).toBe(true);
      const again = sampleTernarySparse(new XofSource(seed(N + h), 'hecnn/test sparse'), N, h);
      expect(again).toEqual(s);
    }
    const other = sampleTernarySparse(new XofSource(seed(5), 'hecnn/test sparse'), 1024, 64);
    expect(other).not.toEqual(sampleTernarySparse(new XofSource(seed(6), 'hecnn/test sparse'), 1024, 64));
  });

  it('positions uniform and signs balanced (4000 draws of h = 8 among N = 64)', () => {
    const N = 64;
    const h = 8;
    const draws = 4000;
    const hits = new Float64Array(N);
    let plus = 0;
    const src = new XofSource(seed(77), 'hecnn/test sparse stats');
    const out = new Int8Array(N);
    for (let d = 0; d < draws; d++) {
      sampleTernarySparse(src, N, h, out);
      for (let i = 0; i < N; i++) {
        if (out[i] !== 0) hits[i]++;
        if (out[i] === 1) plus++;
      }
    }
    const expected = (draws * h) / N; // 500 per position
    const sd = Math.sqrt(expected * (1 - h / N));
    for (let i = 0; i < N; i++) expect(Math.abs(hits[i] - expected)).toBeLessThan(5 * sd);
    const total = draws * h;
    expect(Math.abs(plus - total / 2)).toBeLessThan(5 * Math.sqrt(total / 4));
  });

  it('refuses a bad weight, length or output', () => {
    const src = new XofSource(seed(1), 'hecnn/test sparse');
    expect(() => sampleTernarySparse(src, 64, 0)).toThrow(CkksError);
    expect(() => sampleTernarySparse(src, 64, 65)).toThrow(CkksError);
    expect(() => sampleTernarySparse(src, 64, 2.5)).toThrow(CkksError);
    expect(() => sampleTernarySparse(src, 64, 8, new Int8Array(63))).toThrow(CkksError);
  });

  it('KeyGenerator({ hammingWeight }) draws secrets of that weight', () => {
    const params = createParameters({ logN: 11, logQ: [30, 30, 30], logP: [30, 30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    const kg = new KeyGenerator(params, { source: new XofSource(seed(3), 'hecnn/test kg'), hammingWeight: 64 });
    expect(kg.hammingWeight).toBe(64);
    const sk = kg.genSecretKey();
    expect(sk.coeffs.filter((c) => c !== 0).length).toBe(64);
    expect(() => new KeyGenerator(params, { hammingWeight: 0 })).toThrow(CkksError);
    expect(() => new KeyGenerator(params, { hammingWeight: params.N + 1 })).toThrow(CkksError);
    // the dense generator is unchanged
    expect(new KeyGenerator(params).hammingWeight).toBeUndefined();
  });
});

describe('sparse-secret security bound', () => {
  it('the table and its lookup (an entry applies to heavier secrets)', () => {
    expect(SPARSE_SECRET_MAX_LOG_QP_128[192][16]).toBe(1553);
    expect(maxLogQPSparse(16, 192)).toBe(1553);
    expect(maxLogQPSparse(16, 256)).toBe(1553);
    expect(maxLogQPSparse(15, 192)).toBe(768);
    expect(maxLogQPSparse(16, 64)).toBeUndefined();
    expect(maxLogQPSparse(12, 192)).toBeUndefined();
  });

  it('checkSparseSecurity refuses above the bound without the opt-in', () => {
    expect(checkSparseSecurity('t', 16, 1550, 192, false)).toBe(true);
    expect(() => checkSparseSecurity('t', 16, 1560, 192, false)).toThrow(InsecureParametersError);
    expect(() => checkSparseSecurity('t', 16, 1560, 192, false)).toThrow(/exceeds the 128-bit bound 1553 for a sparse secret of Hamming weight 192/);
    expect(checkSparseSecurity('t', 16, 1560, 192, true)).toBe(false);
    expect(() => checkSparseSecurity('t', 16, 1000, 64, false)).toThrow(/no 128-bit bound is known/);
  });

  it('KeyGenerator enforces it: dense-secure parameters above the sparse bound are refused for h = 192', () => {
    // logN 16, 57 primes of 30 bits: log2(QP) ~ 1710, under the dense bound 1747, above the sparse 1553
    const lit = { logN: 16, logQ: new Array<number>(49).fill(30), logP: new Array<number>(8).fill(30), logDefaultScale: 30 };
    const params = createParameters(lit);
    expect(params.insecure).toBe(false);
    expect(() => new KeyGenerator(params, { hammingWeight: 192 })).toThrow(InsecureParametersError);
    expect(() => new KeyGenerator(params)).not.toThrow();
    const small = createParameters({ ...lit, logQ: new Array<number>(42).fill(30) }); // ~1500 bits
    expect(() => new KeyGenerator(small, { hammingWeight: 192 })).not.toThrow();
    const optedIn = createParameters({ ...lit, unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(() => new KeyGenerator(optedIn, { hammingWeight: 192 })).not.toThrow();
  });
});
