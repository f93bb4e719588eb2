/**
 * The pieces of a key switching that threads can split
 * (KeySwitcher.decomposeDigits, innerProductLimbs; src/circuits/relin-split.ts
 * uses them): digit ranges give decompose's digits word for word, limb ranges
 * of the inner product followed by ModDown give innerProductModDown's result
 * word for word, at every level of a chain with partial digits; bad ranges
 * are typed errors.
 */
import { describe, expect, it } from 'vitest';
import { CkksError, INSECURE_OPT_IN, KeyGenerator, KeySwitcher, createParameters } from '../../src/ckks/index.js';
import { RnsPoly } from '../../src/ntt/index.js';
import { randomPoly } from '../ntt/helpers.js';

describe('KeySwitcher: digit and limb ranges of a key switching', () => {
  // 5 primes in digits of 2: {q0,q1}, {q2,q3}, {q4}; partial digits at even levels.
  const params = createParameters({ logN: 10, logQ: [30, 30, 30, 30, 30], logP: [30, 30, 30], logDefaultScale: 25, digitSize: 2, unsafeAllowInsecure: INSECURE_OPT_IN });
  const N = params.N;
  const K = params.P.length;
  const kg = new KeyGenerator(params);
  const rlk = kg.genRelinKey(kg.genSecretKey());

  for (let level = 0; level < params.Q.length; level++) {
    it(`level ${level}: ranges equal the whole, word for word`, () => {
      const nL = level + 1;
      const ext = nL + K;
      const d = new RnsPoly(N, nL, undefined, true);
      for (let i = 0; i < nL; i++) d.data.set(randomPoly(N, params.Q[i], 100 * level + i + 1), i * N);
      const whole = new KeySwitcher(params);
      const dec = whole.decompose(d);
      const beta = dec.digits.length;
      expect(beta).toBe(Math.ceil(nL / 2));
      // Digits in two ranges, by two switchers (two threads'), into one set of buffers.
      const digits = Array.from({ length: beta }, () => new RnsPoly(N, ext, undefined, true));
      const cut = Math.ceil(beta / 2);
      new KeySwitcher(params).decomposeDigits(d, digits, 0, cut);
      new KeySwitcher(params).decomposeDigits(d, digits, cut, beta);
      for (let j = 0; j < beta; j++) expect(Array.from(digits[j].data)).toEqual(Array.from(dec.digits[j].data));
      // The inner product by limb ranges, then ModDown of each part.
      const want0 = new RnsPoly(N, nL, undefined, true);
      const want1 = new RnsPoly(N, nL, undefined, true);
      whole.innerProductModDown(dec, rlk, undefined, want0, want1);
      const acc0 = new RnsPoly(N, ext, undefined, true);
      const acc1 = new RnsPoly(N, ext, undefined, true);
      const split = [0, 1, Math.floor(ext / 2), ext];
      for (let k = 0; k + 1 < split.length; k++) new KeySwitcher(params).innerProductLimbs({ level, digits }, rlk, undefined, acc0, acc1, split[k], split[k + 1]);
      const got0 = new RnsPoly(N, nL, undefined, true);
      const got1 = new RnsPoly(N, nL, undefined, true);
      const ks = new KeySwitcher(params);
      ks.modDownInto(acc0, level, got0);
      ks.modDownInto(acc1, level, got1);
      expect(Array.from(got0.data)).toEqual(Array.from(want0.data));
      expect(Array.from(got1.data)).toEqual(Array.from(want1.data));
    });
  }

  it('ranges outside the digits or limbs, and destinations of another shape: CkksError', () => {
    const level = 3;
    const ext = level + 1 + K;
    const d = new RnsPoly(N, level + 1, undefined, true);
    const ks = new KeySwitcher(params);
    const digits = [0, 1].map(() => new RnsPoly(N, ext, undefined, true));
    expect(() => ks.decomposeDigits(d, digits, 0, 3)).toThrow(CkksError);
    expect(() => ks.decomposeDigits(d, digits, 1, 0)).toThrow(CkksError);
    expect(() => ks.decomposeDigits(d, [digits[0], new RnsPoly(N, ext - 1)], 0, 2)).toThrow(/digit 1 must have/);
    const acc = new RnsPoly(N, ext, undefined, true);
    expect(() => ks.innerProductLimbs({ level, digits }, rlk, undefined, acc, acc, 0, ext + 1)).toThrow(CkksError);
    expect(() => ks.innerProductLimbs({ level, digits }, rlk, undefined, acc, new RnsPoly(N, ext - 1), 0, 1)).toThrow(CkksError);
  });
});
