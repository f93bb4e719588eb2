/**
 * ModDown with a small coefficient-form addend (KeySwitcher.modDownInto's
 * `small`): bit for bit the ModDown of acc + NTT(e), for random acc over
 * Q_l ∪ P and Gaussian-sized e, at every level and at the edge values of e.
 * Public-key encryption relies on it to add its errors without their NTTs.
 */
import { describe, expect, it } from 'vitest';
import { INSECURE_OPT_IN, KeySwitcher, createParameters } from '../../src/ckks/index.js';
import { RnsPoly, indexRange, polyForwardNtt, polySetSmall, selectBasis } from '../../src/ntt/index.js';
import { randomPoly } from '../ntt/helpers.js';

describe('KeySwitcher.modDownInto with a small addend', () => {
  const params = createParameters({ logN: 10, logQ: [30, 30, 30, 30, 30], logP: [30, 30, 30], logDefaultScale: 25, unsafeAllowInsecure: INSECURE_OPT_IN });
  const N = params.N;
  const nQ = params.Q.length;
  const K = params.P.length;

  for (let level = 0; level < nQ; level++) {
    it(`equals ModDown(acc + NTT(e)) at level ${level}`, () => {
      const nL = level + 1;
      const ext = selectBasis(params.basisQP, [...indexRange(0, nL), ...indexRange(nQ, nQ + K)]);
      const acc = new RnsPoly(N, nL + K, undefined, true);
      ext.moduli.forEach((q, i) => acc.data.set(randomPoly(N, q, 1000 * level + i + 1), i * N));
      const e = Int32Array.from({ length: N }, (_, c) => (c < 4 ? [0, 1, -41, 41][c] : ((c * 2654435761) >>> 0) % 83) - (c < 4 ? 0 : 41));
      // Reference: acc + NTT(e) over Q_l ∪ P, then the plain ModDown.
      const eNtt = new RnsPoly(N, nL + K);
      polySetSmall(e, eNtt, ext);
      polyForwardNtt(eNtt, ext);
      const sum = new RnsPoly(N, nL + K, undefined, true);
      for (let i = 0; i < nL + K; i++) {
        const q = ext.moduli[i];
        for (let c = i * N; c < (i + 1) * N; c++) sum.data[c] = (acc.data[c] + eNtt.data[c]) % q;
      }
      const ks = new KeySwitcher(params);
      const want = new RnsPoly(N, nL, undefined, true);
      ks.modDownInto(sum, level, want);
      const got = new RnsPoly(N, nL, undefined, true);
      ks.modDownInto(acc, level, got, e);
      expect(Array.from(got.data)).toEqual(Array.from(want.data));
    });
  }
});
