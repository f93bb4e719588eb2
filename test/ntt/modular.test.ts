import fc from 'fast-check';
import { modInv, modPow } from 'bigint-mod-arith';
import { describe, expect, it } from 'vitest';
import {
  MAX_MODULUS,
  addMod,
  invMod,
  mulConst,
  mulConstLazy,
  mulMod,
  negMod,
  powMod,
  reduceBigInt,
  shoupConstant,
  subMod,
} from '../../src/ntt/index.js';
import { lazyValue, residue } from './helpers.js';
import { mod, modinv, modmul, modpow } from './reference.js';

/** Moduli at the top of the supported range (30-bit), prime and composite. */
const TOP_MODULI = [
  2 ** 30 - 1, // largest supported modulus (composite: 3 * 7 * 11 * 31 * 151 * 331)
  1073741789, // largest prime below 2^30
  1073741441, // largest NTT prime for N = 2^4..2^6
  1073707009, // largest NTT prime for N = 2^10
  1073479681, // largest NTT prime for N = 2^16, 2^17
  2 ** 29 + 11, // just above 2^29
];
const SMALL_MODULI = [2, 3, 4, 5, 17, 97, 257, 7681, 12289, 65537, 786433];

/** Any modulus in the supported range, with the extremes drawn often. */
const anyModulus = fc.oneof(
  fc.constantFrom(...TOP_MODULI, ...SMALL_MODULI),
  fc.integer({ min: 2 ** 30 - 2 ** 16, max: 2 ** 30 - 1 }),
  fc.integer({ min: 2, max: 2 ** 30 - 1 }),
  fc.integer({ min: 2, max: 300 }),
);

const withTwo = (qArb: fc.Arbitrary<number>) =>
  qArb.chain((q) => fc.tuple(fc.constant(q), residue(q), residue(q)));

const B = BigInt;

describe('MAX_MODULUS', () => {
  it('is 2^30', () => {
    expect(MAX_MODULUS).toBe(1073741824);
  });
});

describe('addMod / subMod / negMod against BigInt', () => {
  it('exhaustively for small moduli', () => {
    const bad: [string, number, number, number][] = [];
    for (const q of [2, 3, 4, 5, 17, 97, 257]) {
      const Q = B(q);
      for (let a = 0; a < q; a++) {
        if (negMod(a, q) !== Number(mod(-B(a), Q))) bad.push(['neg', q, a, 0]);
        for (let b = 0; b < q; b++) {
          if (addMod(a, b, q) !== Number(mod(B(a + b), Q))) bad.push(['add', q, a, b]);
          if (subMod(a, b, q) !== Number(mod(B(a - b), Q))) bad.push(['sub', q, a, b]);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('for random and top-of-range moduli (edge values 0, 1, q-1 included)', () => {
    fc.assert(
      fc.property(withTwo(anyModulus), ([q, a, b]) => {
        const Q = B(q);
        expect(addMod(a, b, q)).toBe(Number(mod(B(a) + B(b), Q)));
        expect(subMod(a, b, q)).toBe(Number(mod(B(a) - B(b), Q)));
        expect(negMod(a, q)).toBe(Number(mod(-B(a), Q)));
      }),
      { numRuns: 1000 },
    );
  });

  it('at the extreme values of the largest modulus', () => {
    const q = 2 ** 30 - 1;
    expect(addMod(q - 1, q - 1, q)).toBe(q - 2);
    expect(addMod(q - 1, 1, q)).toBe(0);
    expect(subMod(0, q - 1, q)).toBe(1);
    expect(subMod(q - 1, 0, q)).toBe(q - 1);
    expect(negMod(0, q)).toBe(0);
    expect(negMod(1, q)).toBe(q - 1);
  });
});

describe('mulMod against BigInt', () => {
  it('exhaustively for small moduli', () => {
    const bad: [number, number, number][] = [];
    for (const q of [2, 3, 4, 5, 17, 97, 257, 1031]) {
      for (let a = 0; a < q; a++) {
        for (let b = 0; b < q; b++) if (mulMod(a, b, q, 1 / q) !== (a * b) % q) bad.push([q, a, b]);
      }
    }
    expect(bad).toEqual([]);
  });

  it('for a, b in [0, q), any modulus below 2^30 (edge values included)', () => {
    fc.assert(
      fc.property(withTwo(anyModulus), ([q, a, b]) => {
        expect(mulMod(a, b, q, 1 / q)).toBe(Number(modmul(B(a), B(b), B(q))));
      }),
      { numRuns: 2000 },
    );
  });

  it('for the largest operands of every top-of-range modulus', () => {
    for (const q of TOP_MODULI) {
      const vals = [0, 1, 2, q - 1, q - 2, Math.floor(q / 2), Math.ceil(q / 2), 2 ** 15, 2 ** 15 + 1];
      for (const a of vals) {
        for (const b of vals) expect(mulMod(a, b, q, 1 / q)).toBe(Number(modmul(B(a), B(b), B(q))));
      }
    }
  });
});

describe('Shoup products: shoupConstant, mulConstLazy, mulConst', () => {
  const check = (q: number, a: number, w: number) => {
    const ws = shoupConstant(w, q);
    expect(ws).toBeGreaterThanOrEqual(0);
    expect(ws).toBeLessThan(1);
    const want = Number(modmul(B(a), B(w), B(q)));
    const lazy = mulConstLazy(a, w, ws, q);
    // lazily reduced: in [0, 2q) and congruent
    expect(Number.isInteger(lazy)).toBe(true);
    expect(lazy).toBeGreaterThanOrEqual(0);
    expect(lazy).toBeLessThan(2 * q);
    expect(lazy % q).toBe(want);
    expect(mulConst(a, w, ws, q)).toBe(want);
  };

  it('exhaustively for small moduli, a in [0, 4q)', () => {
    const bad: [number, number, number][] = [];
    for (const q of [2, 3, 5, 17, 97, 257]) {
      for (let w = 0; w < q; w++) {
        const ws = shoupConstant(w, q);
        for (let a = 0; a < 4 * q; a++) {
          const want = (a * w) % q;
          const lazy = mulConstLazy(a, w, ws, q);
          if (!(lazy >= 0 && lazy < 2 * q && lazy % q === want && mulConst(a, w, ws, q) === want)) bad.push([q, a, w]);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('for a in [0, q) (edge values 0, 1, q-1 included)', () => {
    fc.assert(
      fc.property(withTwo(anyModulus), ([q, a, w]) => check(q, a, w)),
      { numRuns: 1000 },
    );
  });

  it('for lazily reduced a in [0, 4q) (edges of every window kq, kq+1, (k+1)q-1)', () => {
    fc.assert(
      fc.property(
        anyModulus.chain((q) => fc.tuple(fc.constant(q), lazyValue(q, 4 * q), residue(q))),
        ([q, a, w]) => check(q, a, w),
      ),
      { numRuns: 1000 },
    );
  });

  it('for any a < 2^32 (the documented input range)', () => {
    fc.assert(
      fc.property(
        anyModulus.chain((q) =>
          fc.tuple(fc.constant(q), fc.oneof(fc.constantFrom(2 ** 32 - 1, 2 ** 31, 2 ** 31 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 })), residue(q)),
        ),
        ([q, a, w]) => check(q, a, w),
      ),
      { numRuns: 1000 },
    );
  });

  it('where the quotient estimate falls one short: a = (r w^-1 mod q) + kq, r small (results in [q, 2q))', () => {
    let upper = 0;
    for (const q of [1073741789, 1073741441, 1073479681, 2 ** 29 + 11, 786433]) {
      for (const w of [2, 3, 12345, q - 1, (q - 1) >>> 1]) {
        const wInv = Number(modinv(B(w), B(q)));
        for (let r = 0; r < 64; r++) {
          for (let k = 0; k < 4; k++) {
            const a = Number(modmul(B(r), B(wInv), B(q))) + k * q;
            check(q, a, w);
            if (mulConstLazy(a, w, shoupConstant(w, q), q) >= q) upper++;
          }
        }
      }
    }
    expect(upper).toBeGreaterThan(100); // the upper half of the lazy range is really exercised
  });

  it('at exact multiples of q and the largest operands near 2^30', () => {
    for (const q of TOP_MODULI) {
      for (const w of [0, 1, 2, q - 1, q - 2, (q - 1) >>> 1]) {
        for (const a of [0, 1, q - 1, q, q + 1, 2 * q - 1, 2 * q, 3 * q, 4 * q - 1, 2 ** 32 - 1]) check(q, a, w);
      }
    }
  });
});

describe('powMod', () => {
  const expArb = fc.oneof(
    fc.constantFrom(0, 1, 2, Number.MAX_SAFE_INTEGER, 2 ** 32, 2 ** 31 - 1),
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  );

  it('matches BigInt square-and-multiply and bigint-mod-arith modPow', () => {
    fc.assert(
      fc.property(
        anyModulus.chain((q) => fc.tuple(fc.constant(q), residue(q), expArb)),
        ([q, b, e]) => {
          const got = powMod(b, e, q);
          expect(got).toBe(Number(modpow(B(b), B(e), B(q))));
          expect(B(got)).toBe(modPow(B(b), B(e), B(q)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('0^0 = 1, x^0 = 1, 0^e = 0, and Fermat for primes', () => {
    expect(powMod(0, 0, 97)).toBe(1);
    expect(powMod(5, 0, 97)).toBe(1);
    expect(powMod(0, 5, 97)).toBe(0);
    expect(powMod(1, 0, 2)).toBe(1);
    for (const q of [1073741789, 1073479681, 97]) {
      for (const b of [2, 3, q - 1]) expect(powMod(b, q - 1, q)).toBe(1);
      expect(powMod(q - 1, (q - 1) / 2, q)).toBe(((q - 1) / 2) % 2 === 0 ? 1 : q - 1); // (-1)^e
      expect(powMod(q - 1, 2 ** 53 - 1, q)).toBe(q - 1); // odd exponent
    }
  });
});

describe('invMod', () => {
  it('matches bigint-mod-arith modInv for prime moduli (edge values included)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3, 5, 97, 12289, 786433, 1073741789, 1073741441, 1073479681).chain((q) =>
          fc.tuple(fc.constant(q), fc.oneof(fc.constantFrom(1, 2, q - 1), fc.integer({ min: 1, max: q - 1 }))),
        ),
        ([q, a]) => {
          const x = invMod(a, q);
          expect(x).toBeGreaterThanOrEqual(1);
          expect(x).toBeLessThan(q);
          expect(B(x)).toBe(modInv(B(a), B(q)));
          expect(Number(modmul(B(a), B(x), B(q)))).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('for any modulus: the inverse exactly when gcd(a, q) = 1, a RangeError naming a otherwise', () => {
    fc.assert(
      fc.property(
        anyModulus.chain((q) => fc.tuple(fc.constant(q), residue(q))),
        ([q, a]) => {
          let want: bigint | undefined;
          try {
            want = modinv(B(a), B(q));
          } catch {
            want = undefined;
          }
          if (q === 1 || want === undefined || a === 0) {
            expect(() => invMod(a, q)).toThrow(RangeError);
            expect(() => invMod(a, q)).toThrow(/^invMod: a must be/);
          } else {
            expect(B(invMod(a, q))).toBe(want);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('reduceBigInt', () => {
  it('matches BigInt mod for any sign and size (edge values included)', () => {
    fc.assert(
      fc.property(
        anyModulus,
        fc.oneof(
          fc.constantFrom(0n, 1n, -1n, 2n ** 200n, -(2n ** 200n)),
          fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
          fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
        ),
        (q, x) => {
          const r = reduceBigInt(x, q);
          expect(r).toBe(Number(mod(x, B(q))));
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThan(q);
        },
      ),
      { numRuns: 1000 },
    );
    expect(reduceBigInt(-1n, 97)).toBe(96);
    expect(reduceBigInt(97n * 3n, 97)).toBe(0);
    expect(reduceBigInt(-97n, 97)).toBe(0);
  });
});
