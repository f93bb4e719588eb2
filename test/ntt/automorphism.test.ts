import fc from 'fast-check';
import { modPow } from 'bigint-mod-arith';
import { describe, expect, it } from 'vitest';
import {
  GALOIS_GENERATOR,
  type NttTables,
  automorphismCoeff,
  automorphismNtt,
  automorphismNttIndex,
  createNttTables,
  forwardNtt,
  galoisElementForConjugation,
  galoisElementForRotation,
  negacyclicMul,
} from '../../src/ntt/index.js';
import { big, polyArb, randomPoly } from './helpers.js';
import { automorphismRef, brev, mod, nttPrimesRef, smallestNttPrimeAtLeast } from './reference.js';

const B = BigInt;

const safeK = fc.oneof(
  fc.constantFrom(0, 1, -1, 2, -2, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.integer({ min: -70000, max: 70000 }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);
const logNArb = fc.integer({ min: 4, max: 17 });
const oddG = (logN: number) =>
  fc.oneof(
    fc.constantFrom(1, 5, 2 ** (logN + 1) - 1, 2 ** (logN + 1) - 5),
    fc.integer({ min: 0, max: 2 ** logN - 1 }).map((x) => 2 * x + 1),
  );

/** Test rings: small and 30-bit primes at a few degrees. */
const RINGS: [number, number][] = [
  [4, Number(smallestNttPrimeAtLeast(4, 2n))],
  [4, Number(nttPrimesRef(4, [30])[0])],
  [5, Number(nttPrimesRef(5, [30])[0])],
  [8, Number(smallestNttPrimeAtLeast(8, 2n))],
  [8, Number(nttPrimesRef(8, [30])[0])],
];
const tableOf = new Map<string, NttTables>();
function tablesFor(logN: number, q: number): NttTables {
  const k = `${logN}:${q}`;
  if (!tableOf.has(k)) tableOf.set(k, createNttTables(q, logN));
  return tableOf.get(k)!;
}

function sigma(a: Uint32Array, g: number, q: number): Uint32Array {
  const out = new Uint32Array(a.length);
  automorphismCoeff(a, out, g, q);
  return out;
}
function sigmaNtt(A: Uint32Array, logN: number, g: number): Uint32Array {
  const out = new Uint32Array(A.length);
  automorphismNtt(A, out, automorphismNttIndex(logN, g));
  return out;
}
function ntt(a: Uint32Array, t: NttTables): Uint32Array {
  const x = a.slice();
  forwardNtt(x, t);
  return x;
}

describe('Galois elements', () => {
  it('galoisElementForRotation(k) = 5^k mod 2N (bigint-mod-arith modPow, negative k through the inverse)', () => {
    expect(GALOIS_GENERATOR).toBe(5);
    fc.assert(
      fc.property(logNArb, safeK, (logN, k) => {
        const M = 2n ** B(logN + 1);
        const g = galoisElementForRotation(k, logN);
        expect(B(g)).toBe(modPow(5n, B(k), M));
        expect(g % 2).toBe(1);
        expect(g).toBeGreaterThanOrEqual(1);
        expect(g).toBeLessThan(Number(M));
      }),
      { numRuns: 1000 },
    );
  });

  it('rotations compose: g(k) g(-k) = 1 and g(k1) g(k2) = g(k1 + k2) mod 2N; 5 has order N/2', () => {
    fc.assert(
      fc.property(logNArb, fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 }), (logN, k1, k2) => {
        const M = 2n ** B(logN + 1);
        const g1 = B(galoisElementForRotation(k1, logN));
        expect(mod(g1 * B(galoisElementForRotation(-k1, logN)), M)).toBe(1n);
        expect(mod(g1 * B(galoisElementForRotation(k2, logN)), M)).toBe(B(galoisElementForRotation(k1 + k2, logN)));
      }),
      { numRuns: 500 },
    );
    for (let logN = 4; logN <= 17; logN++) {
      const N = 2 ** logN;
      expect(galoisElementForRotation(0, logN)).toBe(1);
      expect(galoisElementForRotation(1, logN)).toBe(5);
      expect(galoisElementForRotation(N / 2, logN)).toBe(1);
      expect(galoisElementForRotation(N / 4, logN)).not.toBe(1);
      expect(galoisElementForRotation(-1, logN)).toBe(Number(modPow(5n, B(N / 2 - 1), B(2 * N))));
    }
  });

  it('conjugation is 2N - 1, not a rotation, an involution', () => {
    for (let logN = 4; logN <= 17; logN++) {
      const M = 2 ** (logN + 1);
      const c = galoisElementForConjugation(logN);
      expect(c).toBe(M - 1);
      expect(Number((B(c) * B(c)) % B(M))).toBe(1);
      // -1 is not a power of 5 modulo 2N
      if (logN <= 10) for (let k = 0; k < M / 4; k++) expect(galoisElementForRotation(k, logN)).not.toBe(c);
    }
  });
});

describe.each(RINGS)('automorphisms, logN = %i, q = %i', (logN, q) => {
  const N = 2 ** logN;
  const M = 2 * N;
  const Q = B(q);
  const t = tablesFor(logN, q);

  it('coefficient form matches a(X^g) written out term by term', () => {
    fc.assert(
      fc.property(polyArb(N, q), oddG(logN), (a, g) => {
        const a0 = a.slice();
        const s = sigma(a, g, q);
        expect(big(s)).toEqual(automorphismRef(big(a), B(g), Q));
        expect(a).toEqual(a0);
      }),
      { numRuns: 100 },
    );
  });

  it('coefficient form: sigma_g2(sigma_g1(a)) = sigma_(g1 g2 mod 2N)(a); g = 1 is the identity', () => {
    fc.assert(
      fc.property(polyArb(N, q), oddG(logN), oddG(logN), (a, g1, g2) => {
        const g12 = (g1 * g2) % M;
        expect(sigma(sigma(a, g1, q), g2, q)).toEqual(sigma(a, g12, q));
        expect(sigma(a, 1, q)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });

  it('rotation by k then by -k, and conjugation twice, are the identity (both forms)', () => {
    fc.assert(
      fc.property(polyArb(N, q), fc.integer({ min: -3 * N, max: 3 * N }), (a, k) => {
        const gk = galoisElementForRotation(k, logN);
        const gmk = galoisElementForRotation(-k, logN);
        expect(sigma(sigma(a, gk, q), gmk, q)).toEqual(a);
        const c = galoisElementForConjugation(logN);
        expect(sigma(sigma(a, c, q), c, q)).toEqual(a);
        const A = ntt(a, t);
        expect(sigmaNtt(sigmaNtt(A, logN, gk), logN, gmk)).toEqual(A);
        expect(sigmaNtt(sigmaNtt(A, logN, c), logN, c)).toEqual(A);
      }),
      { numRuns: 60 },
    );
  });

  it('NTT form: the slot permutation equals the NTT of the coefficient-form automorphism', () => {
    fc.assert(
      fc.property(polyArb(N, q), oddG(logN), (a, g) => {
        expect(sigmaNtt(ntt(a, t), logN, g)).toEqual(ntt(sigma(a, g, q), t));
      }),
      { numRuns: 100 },
    );
  });

  it('NTT form: composition, perm_(g1 g2)[i] = perm_g1[perm_g2[i]]', () => {
    fc.assert(
      fc.property(polyArb(N, q), oddG(logN), oddG(logN), (a, g1, g2) => {
        const A = ntt(a, t);
        const g12 = (g1 * g2) % M;
        expect(sigmaNtt(sigmaNtt(A, logN, g1), logN, g2)).toEqual(sigmaNtt(A, logN, g12));
        const p1 = automorphismNttIndex(logN, g1);
        const p2 = automorphismNttIndex(logN, g2);
        const p12 = automorphismNttIndex(logN, g12);
        for (let i = 0; i < N; i++) expect(p12[i]).toBe(p1[p2[i]]);
      }),
      { numRuns: 60 },
    );
  });

  it('sigma_g is a ring homomorphism: sigma(a b) = sigma(a) sigma(b)', () => {
    fc.assert(
      fc.property(polyArb(N, q), polyArb(N, q), oddG(logN), (a, b, g) => {
        expect(sigma(negacyclicMul(a, b, t), g, q)).toEqual(negacyclicMul(sigma(a, g, q), sigma(b, g, q), t));
      }),
      { numRuns: 30 },
    );
  });
});

describe('automorphismNttIndex', () => {
  it('is a permutation given by brev(((2 brev(i) + 1) g mod 2N - 1) / 2), identity for g = 1', () => {
    for (const logN of [4, 5, 6, 9]) {
      const N = 2 ** logN;
      for (let g = 1; g < 2 * N; g += 2) {
        const p = automorphismNttIndex(logN, g);
        expect(p).toHaveLength(N);
        expect(new Set(p).size).toBe(N);
        const want = Array.from({ length: N }, (_, i) => brev((((2 * brev(i, logN) + 1) * g) % (2 * N) - 1) / 2, logN));
        expect(Array.from(p)).toEqual(want);
        if (g === 1) expect(Array.from(p)).toEqual(Array.from({ length: N }, (_, i) => i));
      }
    }
  });

  it('at N = 2^17 with g = 5^k: a permutation consistent with a direct computation', () => {
    const logN = 17;
    const N = 2 ** logN;
    const g = galoisElementForRotation(12345, logN);
    const p = automorphismNttIndex(logN, g);
    const seen = new Uint8Array(N);
    for (let i = 0; i < N; i++) seen[p[i]] = 1;
    expect(seen.every((x) => x === 1)).toBe(true);
    for (const i of [0, 1, 2, N / 2, N - 1, 99999]) {
      const e = mod(B(2 * brev(i, logN) + 1) * B(g), B(2 * N));
      expect(p[i]).toBe(brev(Number((e - 1n) / 2n), logN));
    }
  });
});

describe('automorphisms at N = 2^16', () => {
  it('NTT-form permutation equals the NTT of the coefficient-form automorphism', () => {
    const logN = 16;
    const N = 2 ** logN;
    const q = Number(nttPrimesRef(logN, [30])[0]);
    const t = createNttTables(q, logN);
    const a = randomPoly(N, q, 4242);
    for (const g of [galoisElementForRotation(1, logN), galoisElementForRotation(-7, logN), galoisElementForConjugation(logN)]) {
      const s = sigma(a, g, q);
      expect(sigmaNtt(ntt(a, t), logN, g)).toEqual(ntt(s, t));
      // spot-check coefficients against the term-by-term definition: X^i -> +-X^(ig mod N)
      for (const i of [0, 1, 2, 1000, N - 1]) {
        const e = i * g;
        const k = e % N;
        const sign = Math.floor(e / N) % 2 === 0 ? 1 : -1;
        expect(s[k]).toBe(sign === 1 ? a[i] : a[i] === 0 ? 0 : q - a[i]);
      }
    }
  });
});
