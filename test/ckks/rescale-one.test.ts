/**
 * The rescale by one prime (rescaleComponent, src/ckks/kernels.ts) against a
 * BigInt reference: exact round(x / q_l) mod q_i from the CRT-centered x, word
 * for word, in NTT form. Chains of primes of one size take the lazy path (the
 * shifted last limb plus a constant is the NTT's input); a top prime 3 times
 * q_i or more takes the reduced path. Edge values: 0, +-1, +-(q_l - 1)/2 and
 * its neighbours (the rounding's tie side), +-(Q - 1)/2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRnsBasis, generateNttPrimes, polyForwardNtt, polyFromBigInts, polyToBigInts } from '../../src/ntt/index.js';
import { rescaleComponent } from '../../src/ckks/kernels.js';
import { invMod, shoupConstant } from '../../src/ntt/index.js';

/** round(x / d) for d > 0 odd (no ties): floor((2x + d) / 2d). */
function roundDiv(x: bigint, d: bigint): bigint {
  const n = 2n * x + d;
  const m = 2n * d;
  const q = n / m;
  return n < 0n && q * m !== n ? q - 1n : q;
}

const CHAINS: readonly [string, number, number[]][] = [
  ['four 30-bit primes (the lazy path)', 4, [30, 30, 30, 30]],
  ['30-bit top over 20-bit primes (the reduced path)', 5, [20, 20, 30]],
  ['mixed sizes: 28, 30, 25, 29', 4, [28, 30, 25, 29]],
];

describe('rescaleComponent: exact round(x / q_l) against BigInt', () => {
  for (const [name, logN, sizes] of CHAINS) {
    it(name, () => {
      const N = 2 ** logN;
      const Q = generateNttPrimes(logN, sizes);
      const basis = createRnsBasis(Q, logN);
      const l = Q.length - 1;
      const ql = BigInt(Q[l]);
      const inv = Uint32Array.from(Q.slice(0, l), (q) => invMod(Q[l] % q, q));
      const invShoup = Float64Array.from(inv, (w, i) => shoupConstant(w, Q[i]));
      const H = (basis.product - 1n) / 2n;
      const h = (ql - 1n) / 2n;
      const edges = [0n, 1n, -1n, h, h + 1n, h - 1n, -h, -h - 1n, ql, -ql, H, -H, H - h];
      const coeff = fc.oneof(fc.constantFrom(...edges), fc.bigInt({ min: -H, max: H }));
      fc.assert(
        fc.property(fc.array(coeff, { minLength: N, maxLength: N }), (xs) => {
          const S = polyFromBigInts(xs, basis);
          polyForwardNtt(S, basis);
          const O = new Uint32Array(l * N);
          rescaleComponent(S.data, O, { tables: basis.tables, inv, invShoup }, l, N, new Uint32Array(N), new Uint32Array(N));
          const centered = polyToBigInts(polyFromBigInts(xs, basis), basis, true);
          const want = polyFromBigInts(centered.map((x) => roundDiv(x, ql)), basis, l);
          polyForwardNtt(want, basis);
          expect(Array.from(O)).toEqual(Array.from(want.data));
        }),
        { numRuns: 40 },
      );
    });
  }
});
