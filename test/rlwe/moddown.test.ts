/**
 * ModDown with a small coefficient-form addend (KeySwitcher.modDownInto's
 * `small`): bit for bit the ModDown of acc + NTT(e), for random acc over
 * Q_l ∪ P and Gaussian-sized e, at every level and at the edge values of e.
 * Public-key encryption relies on it to add its errors without their NTTs.
 * ModDown by the first special primes only (public-key encryption divides by
 * P_0): against BigInt CRT, exact with one prime, with and without a small
 * addend (the one-prime path lifts without a basis conversion, and a 30-bit
 * P_0 over 25-bit q_i exercises its full reduction).
 * ModDown with an added term (`add`, the fused c_0 + ... of a rotation or a
 * relinearization): equal to ModDown then addPermutedLimbs, plain, permuted
 * and in place, with all of P and with one prime.
 */
import { describe, expect, it } from 'vitest';
import { INSECURE_OPT_IN, KeySwitcher, createParameters, publicKeyModDownPrimes } from '../../src/ckks/index.js';
import { RnsPoly, addPermutedLimbs, automorphismNttIndex, indexRange, polyForwardNtt, polyInverseNtt, polySetSmall, selectBasis } from '../../src/ntt/index.js';
import { crtRef, mod, product } from '../ntt/reference.js';
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

describe('KeySwitcher.modDownInto by the first special primes only (public-key encryption)', () => {
  const params = createParameters({ logN: 10, logQ: [30, 28, 30, 25], logP: [30, 29, 30], logDefaultScale: 25, unsafeAllowInsecure: INSECURE_OPT_IN });
  const N = params.N;
  const nQ = params.Q.length;

  for (const [level, primes, withE] of [[0, 1, false], [3, 1, false], [0, 1, true], [3, 1, true], [2, 2, false], [3, 2, true]] as const) {
    it(`level ${level}, ${primes} prime(s)${withE ? ', small addend e' : ''}: round((acc + e) / (P_0 ... P_${primes - 1})) against BigInt CRT${primes === 1 ? ', exactly' : ', within the fast conversion error'}`, () => {
      const nL = level + 1;
      const ext = selectBasis(params.basisQP, [...indexRange(0, nL), ...indexRange(nQ, nQ + primes)]);
      const acc = new RnsPoly(N, nL + primes, undefined, true);
      ext.moduli.forEach((q, i) => acc.data.set(randomPoly(N, q, 77 * level + 5 * primes + i), i * N));
      // Edge values in coefficient form: 0, 1 and q - 1 in every limb at the first coefficients.
      const coeffs = new RnsPoly(N, nL + primes, undefined, true);
      coeffs.data.set(acc.data);
      polyInverseNtt(coeffs, ext);
      ext.moduli.forEach((q, i) => { coeffs.data[i * N] = 0; coeffs.data[i * N + 1] = 1; coeffs.data[i * N + 2] = q - 1; });
      acc.data.set(coeffs.data);
      acc.isNtt = false;
      polyForwardNtt(acc, ext);
      // The error's edge values (|e| up to 41, the Gaussian bound) at the first coefficients.
      const e = withE ? Int32Array.from({ length: N }, (_, c) => (c < 4 ? [0, 1, -41, 41][c] : (((c * 2654435761) >>> 0) % 83) - 41)) : undefined;
      const got = new RnsPoly(N, nL, undefined, true);
      new KeySwitcher(params).modDownInto(acc, level, got, e, primes);
      polyInverseNtt(got, selectBasis(params.basisQP, indexRange(0, nL)));
      const moduli = ext.moduli.map(BigInt);
      const M = product(moduli);
      const Pm = product(moduli.slice(nL));
      for (let c = 0; c < N; c++) {
        let X = crtRef(ext.moduli.map((_, i) => BigInt(coeffs.data[i * N + c])), moduli);
        if (e !== undefined) X = mod(X + BigInt(e[c]), M);
        if (X > M / 2n) X -= M;
        // round(X / P) to nearest (P odd: no ties).
        const Y = (2n * X + Pm) / (2n * Pm) - ((2n * X + Pm) % (2n * Pm) < 0n ? 1n : 0n);
        for (let i = 0; i < nL; i++) {
          const q = BigInt(params.Q[i]);
          const diff = Number(mod(BigInt(got.data[i * N + c]) - Y, q));
          const off = diff > Number(q) / 2 ? diff - Number(q) : diff;
          if (primes === 1) expect(off, `coefficient ${c}, limb ${i}`).toBe(0);
          else expect(Math.abs(off), `coefficient ${c}, limb ${i}`).toBeLessThanOrEqual(primes);
        }
      }
    });
  }

  it('public-key encryption divides by one 30-bit special prime, by more only when they are small', () => {
    expect(publicKeyModDownPrimes(params)).toBe(1);
    const small = createParameters({ logN: 10, logQ: [30, 30], logP: [16, 17], logDefaultScale: 20, digitSize: 1, unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(publicKeyModDownPrimes(small)).toBe(2);
  });
});

describe('KeySwitcher.modDownInto with an added term', () => {
  const params = createParameters({ logN: 10, logQ: [30, 28, 30, 25], logP: [30, 29, 30], logDefaultScale: 25, unsafeAllowInsecure: INSECURE_OPT_IN });
  const N = params.N;
  const nQ = params.Q.length;
  const perm = automorphismNttIndex(params.logN, 5);

  for (const [level, primes] of [[3, 3], [1, 3], [3, 1], [0, 1]] as const) {
    for (const how of ['plain', 'permuted', 'in place'] as const) {
      it(`level ${level}, ${primes} prime(s), ${how}: out = ModDown(acc) + sigma(x)`, () => {
        const nL = level + 1;
        const ext = selectBasis(params.basisQP, [...indexRange(0, nL), ...indexRange(nQ, nQ + primes)]);
        const acc = new RnsPoly(N, nL + primes, undefined, true);
        ext.moduli.forEach((q, i) => acc.data.set(randomPoly(N, q, 31 * level + 7 * primes + i), i * N));
        const x = new RnsPoly(N, nL, undefined, true);
        params.Q.slice(0, nL).forEach((q, i) => {
          x.data.set(randomPoly(N, q, 900 + i), i * N);
          x.data[i * N] = q - 1; // edge values of the added term
          x.data[i * N + 1] = 0;
        });
        const ks = new KeySwitcher(params);
        const want = new RnsPoly(N, nL, undefined, true);
        ks.modDownInto(acc.clone(), level, want, undefined, primes);
        const p = how === 'permuted' ? perm : undefined;
        addPermutedLimbs(want.data, x.data, p, params.Q, N, nL);
        const out = how === 'in place' ? x : new RnsPoly(N, nL, undefined, true);
        ks.modDownInto(acc, level, out, undefined, primes, { x, perm: p });
        expect(Array.from(out.data)).toEqual(Array.from(want.data));
      });
    }
  }

  it('refuses a permuted term that is the output itself', () => {
    const nL = 2;
    const ks = new KeySwitcher(params);
    const acc = new RnsPoly(N, nL + params.P.length, undefined, true);
    const x = new RnsPoly(N, nL, undefined, true);
    expect(() => ks.modDownInto(acc, 1, x, undefined, undefined, { x, perm })).toThrow(/permuted addend cannot be/);
  });
});
