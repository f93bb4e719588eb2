/**
 * The key-switching inner kernels (src/rlwe/ks-kernels.ts) against BigInt:
 * macDigits over one to seven digits (so every group size of its one-, two-
 * and three-digit kernels, first and later groups), with an automorphism's
 * slot permutation and with the identity, overwriting (zero start values) and
 * accumulating; and the last step of ModDown with its added term, through the
 * identity and a permutation, in place and not; and the c_0 side of a rotate-and-add step
 * (y + x + sigma(x)). For a small prime, 30-bit primes at the top of
 * the supported range and a 20-bit one, with the edge values 0, 1, q - 1
 * (and the ends of the lazy ranges [0, 2q), [0, 4q)) drawn often.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateNttPrimes, shoupConstant } from '../../src/ntt/index.js';
import { addAutomorphismLimb, macDigits, modDownLimb } from '../../src/rlwe/ks-kernels.js';
import { lazyValue, residue } from '../ntt/helpers.js';
import { mod, modinv } from '../ntt/reference.js';

const N = 16;
/** A small prime, the largest 30-bit NTT primes for N = 16 (just below 2^30), a 20-bit one. */
const PRIMES = [97, ...generateNttPrimes(4, [30, 30, 20], [])];
const B = BigInt;

const vec = (arb: fc.Arbitrary<number>) => fc.array(arb, { minLength: N, maxLength: N }).map((xs) => Uint32Array.from(xs));
/** The identity permutation (the inner product without an automorphism). */
const IDENTITY = Uint32Array.from({ length: N }, (_, i) => i);
/** A permutation of [0, N). */
const permArb = fc.array(fc.nat(), { minLength: N, maxLength: N }).map((keys) => Uint32Array.from(Array.from({ length: N }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b)));
/** Limb 1 of a 3-limb array holding v (limb i at i * N, as in the key switcher). */
const atLimb1 = (v: Uint32Array, limbs = 3) => {
  const a = new Uint32Array(limbs * N);
  a.set(v, N);
  return a;
};

describe('macDigits against BigInt', () => {
  for (const q of PRIMES) {
    it(`q = ${q}: acc = start + sum_j x_j (b_j, a_j) over 1-7 digits, with and without a permutation, values in [0, 2q)`, () => {
      const digit = fc.record({ d: vec(residue(q)), b: vec(residue(q)), a: vec(residue(q)) });
      fc.assert(
        fc.property(
          fc.array(digit, { minLength: 1, maxLength: 7 }), vec(lazyValue(q, 2 * q)), vec(lazyValue(q, 2 * q)), fc.option(permArb), fc.boolean(),
          (digits, acc0, acc1, perm, accumulate) => {
            const D = digits.map((g) => atLimb1(g.d));
            const KB = digits.map((g) => atLimb1(g.b, 2));
            const KA = digits.map((g) => atLimb1(g.a, 2));
            const A0 = atLimb1(acc0, 2);
            const A1 = atLimb1(acc1, 2);
            const zero = new Uint32Array(N);
            const p = perm ?? IDENTITY;
            if (accumulate) macDigits(D, KB, KA, 0, digits.length, N, p, N, A0, A1, N, A0, A1, N, N, q);
            else macDigits(D, KB, KA, 0, digits.length, N, p, N, zero, zero, 0, A0, A1, N, N, q);
            for (let c = 0; c < N; c++) {
              let want0 = accumulate ? B(acc0[c]) : 0n;
              let want1 = accumulate ? B(acc1[c]) : 0n;
              for (const g of digits) {
                const x = B(g.d[perm ? perm[c] : c]);
                want0 += x * B(g.b[c]);
                want1 += x * B(g.a[c]);
              }
              expect(A0[N + c]).toBeLessThan(2 * q);
              expect(A1[N + c]).toBeLessThan(2 * q);
              expect(mod(B(A0[N + c]), B(q))).toBe(mod(want0, B(q)));
              expect(mod(B(A1[N + c]), B(q))).toBe(mod(want1, B(q)));
            }
            // Nothing outside the limb is touched; the zero start values stay zero.
            expect(Array.from(A0.subarray(0, N))).toEqual(new Array(N).fill(0));
            expect(Array.from(zero)).toEqual(new Array(N).fill(0));
          },
        ),
      );
    });
  }

  it('the largest sums: every value q - 1 with accumulators at 2q - 1, three digits in one group', () => {
    for (const q of PRIMES) {
      const full = new Uint32Array(N).fill(q - 1);
      const D = [0, 1, 2].map(() => atLimb1(full));
      const K = [0, 1, 2].map(() => atLimb1(full, 2));
      const A0 = atLimb1(new Uint32Array(N).fill(2 * q - 1), 2);
      const A1 = atLimb1(new Uint32Array(N).fill(2 * q - 1), 2);
      macDigits(D, K, K, 0, 3, N, IDENTITY, N, A0, A1, N, A0, A1, N, N, q);
      const want = mod(B(2 * q - 1) + 3n * B(q - 1) * B(q - 1), B(q));
      for (let c = 0; c < N; c++) expect(mod(B(A0[N + c]), B(q))).toBe(want);
    }
  });
});

describe('modDownLimb against BigInt', () => {
  for (const q of PRIMES) {
    it(`q = ${q}: O = (A - L) w + sigma(X) mod q in [0, q), A in [0, 2q), L in [0, 4q), X in [0, q)`, () => {
      const wArb = fc.oneof(fc.constantFrom(0, 1, q - 1), fc.integer({ min: 0, max: q - 1 }));
      fc.assert(
        fc.property(vec(lazyValue(q, 2 * q)), vec(lazyValue(q, 4 * q)), wArb, vec(residue(q)), fc.option(permArb), fc.constantFrom('fresh', 'acc', 'addend'), (acc, lifted, w, x, perm, where) => {
          const A = atLimb1(acc, 2);
          const X = atLimb1(x, 2);
          // The output may be the accumulator, or (without a permutation) the added term.
          const O = where === 'acc' ? A : where === 'addend' && perm === null ? X : new Uint32Array(2 * N);
          modDownLimb(A, lifted, O, N, N, q, w, shoupConstant(w, q), X, N, perm ?? IDENTITY);
          for (let c = 0; c < N; c++) {
            expect(O[N + c]).toBeLessThan(q);
            const xc = B(x[perm === null ? c : perm[c]]);
            expect(B(O[N + c])).toBe(mod((B(acc[c]) - B(lifted[c])) * B(w) + xc, B(q)));
          }
        }),
      );
    });
  }

  it('with w = P^-1 mod q and X = 0 it divides an exact multiple of P', () => {
    const q = PRIMES[1];
    const P = B(PRIMES[2]) * B(PRIMES[3]);
    const w = Number(modinv(P % B(q), B(q)));
    const m = Uint32Array.from({ length: N }, (_, c) => (c * 7919) % q);
    // A = m P mod q and L = 0: the result is m.
    const A = Uint32Array.from(m, (x) => Number(mod(B(x) * P, B(q))));
    const O = new Uint32Array(N);
    modDownLimb(A, new Uint32Array(N), O, 0, N, q, w, shoupConstant(w, q), new Uint32Array(N), 0, IDENTITY);
    expect(Array.from(O)).toEqual(Array.from(m));
  });
});

describe('addAutomorphismLimb against BigInt', () => {
  for (const q of PRIMES) {
    it(`q = ${q}: Y = Y + X + sigma(X) mod q in [0, 2q), Y and X in [0, 2q)`, () => {
      fc.assert(
        fc.property(vec(lazyValue(q, 2 * q)), vec(lazyValue(q, 2 * q)), fc.option(permArb), (y, x, perm) => {
          const Y = atLimb1(y);
          const X = atLimb1(x);
          const p = perm ?? IDENTITY;
          addAutomorphismLimb(Y, X, N, N, q, p);
          for (let c = 0; c < N; c++) {
            expect(Y[N + c]).toBeLessThan(2 * q);
            expect(mod(B(Y[N + c]), B(q))).toBe(mod(B(y[c]) + B(x[c]) + B(x[p[c]]), B(q)));
          }
          // Only limb 1 is written; X is not.
          expect(Array.from(Y.subarray(0, N))).toEqual(new Array(N).fill(0));
          expect(Array.from(Y.subarray(2 * N))).toEqual(new Array(N).fill(0));
          expect(Array.from(X.subarray(N, 2 * N))).toEqual(Array.from(x));
        }),
      );
    });
  }

  it('the largest sums: Y, X and sigma(X) all at 2q - 1', () => {
    for (const q of PRIMES) {
      const Y = new Uint32Array(N).fill(2 * q - 1);
      const X = new Uint32Array(N).fill(2 * q - 1);
      addAutomorphismLimb(Y, X, 0, N, q, IDENTITY);
      const want = mod(3n * B(2 * q - 1), B(q));
      for (let c = 0; c < N; c++) {
        expect(Y[c]).toBeLessThan(2 * q);
        expect(mod(B(Y[c]), B(q))).toBe(want);
      }
    }
  });
});
