/**
 * The key-switching inner kernels (src/rlwe/ks-kernels.ts) against BigInt:
 * macLimb in its four forms (with and without an automorphism's slot
 * permutation, overwriting and accumulating) and the last step of ModDown,
 * for a small prime, 30-bit primes at the top of the supported range and a
 * 20-bit one, with the edge values 0, 1, q - 1 (and the ends of the lazy
 * ranges [0, 2q), [0, 4q)) drawn often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateNttPrimes, shoupConstant } from '../../src/ntt/index.js';
import { macLimb, modDownLimb } from '../../src/rlwe/ks-kernels.js';
import { lazyValue, residue } from '../ntt/helpers.js';
import { mod, modinv } from '../ntt/reference.js';

const N = 16;
/** A small prime, the largest 30-bit NTT primes for N = 16 (just below 2^30), a 20-bit one. */
const PRIMES = [97, ...generateNttPrimes(4, [30, 30, 20], [])];
const B = BigInt;

const vec = (arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: N, maxLength: N }).map((xs) => Uint32Array.from(xs));
/** A permutation of [0, N). */
const permArb = fc.array(fc.nat(), { minLength: N, maxLength: N }).map((keys) => Uint32Array.from(Array.from({ length: N }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)));

describe('macLimb against BigInt', () => {
  for (const q of PRIMES) {
    it(`q = ${q}: acc (+)= x b, acc' (+)= x a, with and without a permutation, values in [0, 2q)`, () => {
      fc.assert(
        fc.property(vec(residue(q)), vec(residue(q)), vec(residue(q)), vec(lazyValue(q, 2 * q)), vec(lazyValue(q, 2 * q)), fc.option(permArb), fc.boolean(), (d, b, a, acc0, acc1, perm, first) => {
          // Offsets inside larger arrays, as in the key switcher (limb i at i * N).
          const D = new Uint32Array(3 * N);
          D.set(d, N);
          const KB = new Uint32Array(2 * N);
          const KA = new Uint32Array(2 * N);
          KB.set(b, N);
          KA.set(a, N);
          const A0 = new Uint32Array(2 * N);
          const A1 = new Uint32Array(2 * N);
          A0.set(acc0, N);
          A1.set(acc1, N);
          macLimb(D, N, perm ?? undefined, KB, KA, N, A0, A1, N, N, q, first);
          for (let c = 0; c < N; c++) {
            const x = B(d[perm ? perm[c] : c]);
            const want0 = mod((first ? 0n : B(acc0[c])) + x * B(b[c]), B(q));
            const want1 = mod((first ? 0n : B(acc1[c])) + x * B(a[c]), B(q));
            expect(A0[N + c]).toBeLessThan(2 * q);
            expect(A1[N + c]).toBeLessThan(2 * q);
            expect(mod(B(A0[N + c]), B(q))).toBe(want0);
            expect(mod(B(A1[N + c]), B(q))).toBe(want1);
          }
          // Nothing outside the limb is touched.
          expect(Array.from(A0.subarray(0, N))).toEqual(new Array(N).fill(0));
        }),
      );
    });
  }
});

describe('modDownLimb against BigInt', () => {
  for (const q of PRIMES) {
    it(`q = ${q}: O = (A - L) w mod q in [0, q), A in [0, 2q), L in [0, 4q)`, () => {
      const wArb = fc.oneof(fc.constantFrom(0, 1, q - 1), fc.integer({ min: 0, max: q - 1 }));
      fc.assert(
        fc.property(vec(lazyValue(q, 2 * q)), vec(lazyValue(q, 4 * q)), wArb, fc.boolean(), (acc, lifted, w, inPlace) => {
          const A = new Uint32Array(2 * N);
          A.set(acc, N);
          const O = inPlace ? A : new Uint32Array(2 * N);
          modDownLimb(A, lifted, O, N, N, q, w, shoupConstant(w, q));
          for (let c = 0; c < N; c++) {
            expect(O[N + c]).toBeLessThan(q);
            expect(B(O[N + c])).toBe(mod((B(acc[c]) - B(lifted[c])) * B(w), B(q)));
          }
        }),
      );
    });
  }

  it('with w = P^-1 mod q it divides an exact multiple of P', () => {
    const q = PRIMES[1];
    const P = B(PRIMES[2]) * B(PRIMES[3]);
    const w = Number(modinv(P % B(q), B(q)));
    const m = Uint32Array.from({ length: N }, (_, c) => (c * 7919) % q);
    // A = m P mod q and L = 0: the result is m.
    const A = Uint32Array.from(m, (x) => Number(mod(B(x) * P, B(q))));
    const O = new Uint32Array(N);
    modDownLimb(A, new Uint32Array(N), O, 0, N, q, w, shoupConstant(w, q));
    expect(Array.from(O)).toEqual(Array.from(m));
  });
});
