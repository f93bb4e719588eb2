/**
 * The pointwise RNS kernels (src/ntt/pointwise.ts) against BigInt references:
 * fast-check properties over two or three limbs with primes up to the top of
 * the supported range (just below 2^30), edge values 0, 1, q - 1 drawn often,
 * and in-place use (the destination aliasing an input).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addLimbs,
  addPermutedLimbs,
  addScalarLimbs,
  generateNttPrimes,
  mulAddLimbs,
  mulAddLimbsRepeated,
  mulLimbs,
  mulScalarAddLimbs,
  mulScalarLimbs,
  negateLimbs,
  residuesOfSmallIntegers,
  tensorLimbs,
} from '../../src/ntt/index.js';
import { residue } from './helpers.js';
import { modadd, modmul, modsub } from './reference.js';

const N = 8;
/** A small prime, a 30-bit prime at the top of the range, a 20-bit one. */
const MODULI = [97, ...generateNttPrimes(4, [30, 20], [])];
const L = MODULI.length;

/** L limbs of N residues, limb i modulo MODULI[i]. */
const polyArb = fc.tuple(...MODULI.map((q) => fc.array(residue(q), { minLength: N, maxLength: N }))).map((ls) => Uint32Array.from(ls.flat()));

/** Apply a BigInt reference element-wise. */
function ref(f: (q: bigint, i: number, c: number) => bigint): number[] {
  const out: number[] = [];
  for (let i = 0; i < L; i++) for (let c = 0; c < N; c++) out.push(Number(f(BigInt(MODULI[i]), i, c)));
  return out;
}
const at = (p: Uint32Array, i: number, c: number): bigint => BigInt(p[i * N + c]);

describe('pointwise kernels against BigInt', () => {
  it('addLimbs / subtract / negateLimbs', () => {
    fc.assert(fc.property(polyArb, polyArb, (x, y) => {
      const o = new Uint32Array(L * N);
      addLimbs(x, y, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modadd(at(x, i, c), at(y, i, c), q)));
      addLimbs(x, y, o, MODULI, N, L, true);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modsub(at(x, i, c), at(y, i, c), q)));
      negateLimbs(x, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modsub(0n, at(x, i, c), q)));
    }));
  });

  it('mulLimbs and mulAddLimbs (both signs), also in place', () => {
    fc.assert(fc.property(polyArb, polyArb, polyArb, (a, x, y) => {
      const o = new Uint32Array(L * N);
      mulLimbs(x, y, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modmul(at(x, i, c), at(y, i, c), q)));
      mulAddLimbs(a, x, y, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modadd(at(a, i, c), modmul(at(x, i, c), at(y, i, c), q), q)));
      const inPlace = a.slice();
      mulAddLimbs(inPlace, x, y, inPlace, MODULI, N, L, true);
      expect(Array.from(inPlace)).toEqual(ref((q, i, c) => modsub(at(a, i, c), modmul(at(x, i, c), at(y, i, c), q), q)));
    }));
  });

  it('mulAddLimbsRepeated: a compact factor whose word j stands for entries j r .. j r + r - 1, also in place', () => {
    for (const r of [1, 2, 4, 8]) {
      const M = N / r;
      const compactArb = fc.tuple(...MODULI.map((q) => fc.array(residue(q), { minLength: M, maxLength: M }))).map((ls) => Uint32Array.from(ls.flat()));
      fc.assert(fc.property(polyArb, polyArb, compactArb, (a, x, y) => {
        const expected = ref((q, i, c) => modadd(at(a, i, c), modmul(at(x, i, c), BigInt(y[i * M + Math.floor(c / r)]), q), q));
        const o = new Uint32Array(L * N);
        mulAddLimbsRepeated(a, x, y, o, MODULI, N, L, r);
        expect(Array.from(o)).toEqual(expected);
        const inPlace = a.slice();
        mulAddLimbsRepeated(inPlace, x, y, inPlace, MODULI, N, L, r);
        expect(Array.from(inPlace)).toEqual(expected);
        const full = new Uint32Array(L * N).map((_, k) => y[Math.floor(k / N) * M + Math.floor((k % N) / r)]);
        mulAddLimbs(a, x, full, o, MODULI, N, L);
        expect(Array.from(o)).toEqual(expected);
      }), { numRuns: 50 });
    }
  });

  it('scalar kernels: mulScalarLimbs, mulScalarAddLimbs, addScalarLimbs', () => {
    const scalars = fc.tuple(...MODULI.map((q) => residue(q)));
    fc.assert(fc.property(polyArb, polyArb, scalars, (a, x, m) => {
      const o = new Uint32Array(L * N);
      mulScalarLimbs(x, m, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modmul(at(x, i, c), BigInt(m[i]), q)));
      mulScalarAddLimbs(a, x, m, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modadd(at(a, i, c), modmul(at(x, i, c), BigInt(m[i]), q), q)));
      addScalarLimbs(x, m, o, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modadd(at(x, i, c), BigInt(m[i]), q)));
    }));
  });

  it('tensorLimbs: (a0 b0, a0 b1 + a1 b0, a1 b1)', () => {
    fc.assert(fc.property(polyArb, polyArb, polyArb, polyArb, (a0, a1, b0, b1) => {
      const [o0, o1, o2] = [0, 1, 2].map(() => new Uint32Array(L * N));
      tensorLimbs(a0, a1, b0, b1, o0, o1, o2, MODULI, N, L);
      expect(Array.from(o0)).toEqual(ref((q, i, c) => modmul(at(a0, i, c), at(b0, i, c), q)));
      expect(Array.from(o1)).toEqual(ref((q, i, c) => modadd(modmul(at(a0, i, c), at(b1, i, c), q), modmul(at(a1, i, c), at(b0, i, c), q), q)));
      expect(Array.from(o2)).toEqual(ref((q, i, c) => modmul(at(a1, i, c), at(b1, i, c), q)));
    }));
  });

  it('addPermutedLimbs: U + X[perm] per limb, and the identity without perm', () => {
    const permArb = fc.shuffledSubarray(Array.from({ length: N }, (_, i) => i), { minLength: N, maxLength: N }).map((p) => Uint32Array.from(p));
    fc.assert(fc.property(polyArb, polyArb, permArb, (u, x, perm) => {
      const o = u.slice();
      addPermutedLimbs(o, x, perm, MODULI, N, L);
      expect(Array.from(o)).toEqual(ref((q, i, c) => modadd(at(u, i, c), at(x, i, perm[c]), q)));
      const p = u.slice();
      addPermutedLimbs(p, x, undefined, MODULI, N, L);
      expect(Array.from(p)).toEqual(ref((q, i, c) => modadd(at(u, i, c), at(x, i, c), q)));
    }));
  });

  it('residuesOfSmallIntegers: x mod q in [0, q) for integer-valued doubles below 2^52, at a stride', () => {
    const LIM = 2 ** 52 - 1;
    const edge = fc.constantFrom(0, 1, -1, LIM, -LIM, 2 ** 31, -(2 ** 31));
    const val = fc.oneof(edge, fc.integer({ min: -LIM, max: LIM }), fc.integer({ min: -(2 ** 33), max: 2 ** 33 }));
    fc.assert(fc.property(fc.array(val, { minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(...MODULI), (xs, gap, q) => {
      const x = Float64Array.from(xs);
      const dst = new Uint32Array(xs.length * gap + 1).fill(0xffffffff);
      residuesOfSmallIntegers(x, xs.length, dst, 1, gap, q, 1 / q);
      const Q = BigInt(q);
      xs.forEach((v, i) => expect(BigInt(dst[1 + i * gap])).toBe(((BigInt(v) % Q) + Q) % Q));
      expect(dst[0]).toBe(0xffffffff); // nothing written before base
    }));
  });

  it('residuesOfSmallIntegers: at multiples of q and one either side, up to 2^52 (where the quotient estimate can be one off)', () => {
    for (const q of MODULI) {
      const kMax = Math.floor((2 ** 52 - 2) / q);
      const arb = fc.tuple(fc.oneof(fc.constantFrom(0, 1, 2, kMax, kMax - 1), fc.integer({ min: 0, max: kMax })), fc.constantFrom(-1, 0, 1), fc.boolean());
      fc.assert(fc.property(fc.array(arb, { minLength: 1, maxLength: 16 }), (ts) => {
        const xs = ts.map(([k, d, neg]) => (neg ? -1 : 1) * (k * q + d));
        const dst = new Uint32Array(xs.length);
        residuesOfSmallIntegers(Float64Array.from(xs), xs.length, dst, 0, 1, q, 1 / q);
        const Q = BigInt(q);
        xs.forEach((v, i) => expect(BigInt(dst[i])).toBe(((BigInt(v) % Q) + Q) % Q));
      }));
    }
  });
});
