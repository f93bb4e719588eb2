import fc from 'fast-check';
import { modPow } from 'bigint-mod-arith';
import { describe, expect, it } from 'vitest';
import {
  MAX_LOG_N,
  MIN_LOG_N,
  checkNttPrime,
  generateNttPrimes,
  isPrime,
  isPrimitive2NthRoot,
  minimalPrimitive2NthRoot,
} from '../../src/ntt/index.js';
import {
  allPrimitive2NthRoots,
  isPrimeMR,
  isPrimeTrial,
  isStrongProbablePrime,
  minimalPsiBruteForce,
  nttPrimesRef,
} from './reference.js';

const B = BigInt;

/** Sieve of Eratosthenes: primality of every n < limit. */
function sieve(limit: number): Uint8Array {
  const p = new Uint8Array(limit).fill(1);
  p[0] = 0;
  p[1] = 0;
  for (let i = 2; i * i < limit; i++) if (p[i]) for (let j = i * i; j < limit; j += i) p[j] = 0;
  return p;
}

/** Carmichael numbers below 2^32 (composite, Fermat liars to every coprime base). */
const CARMICHAEL = [
  561, 1105, 1729, 2465, 2821, 6601, 8911, 10585, 15841, 29341, 41041, 46657, 52633, 62745, 63973, 75361, 101101,
  115921, 126217, 162401, 172081, 188461, 252601, 278545, 294409, 314821, 334153, 340561, 399001, 410041, 449065,
  488881, 512461, 3215031751,
];

/** Strong pseudoprimes to base 2. */
const SPSP2 = [2047, 3277, 4033, 4681, 8321, 15841, 29341, 42799, 49141, 52633, 65281, 74665, 80581, 85489, 88357, 90751];

/**
 * Composites that are strong pseudoprimes to two of the three bases the code
 * uses (2, 7, 61), so only the third base exposes them; 3215031751 is a strong
 * pseudoprime to 2, 3, 5 and 7 (above 2^30: the BigInt branch).
 */
const SPSP_PAIRS: [number, bigint[]][] = [
  [314821, [2n, 7n]],
  [2269093, [2n, 7n]],
  [2284453, [2n, 7n]],
  [3539101, [2n, 7n]],
  [36765901, [2n, 7n]],
  [916327, [2n, 61n]],
  [2205967, [2n, 61n]],
  [9006401, [2n, 61n]],
  [58449847, [2n, 61n]],
  [79381, [7n, 61n]],
  [178709, [7n, 61n]],
  [2814283, [7n, 61n]],
  [3215031751, [2n, 3n, 5n, 7n]],
];

describe('isPrime', () => {
  it('agrees with a sieve on every n < 200000', () => {
    const s = sieve(200000);
    const bad: number[] = [];
    for (let n = 0; n < 200000; n++) if (isPrime(n) !== (s[n] === 1)) bad.push(n);
    expect(bad).toEqual([]);
  });

  it('agrees with the BigInt Miller-Rabin reference (12 bases) on random n < 2^32', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.integer({ min: 2 ** 30 - 2 ** 20, max: 2 ** 30 + 2 ** 20 }),
          fc.integer({ min: 2 ** 32 - 2 ** 20, max: 2 ** 32 - 1 }),
          // odd numbers only, so that primes are frequent enough to matter
          fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((x) => 2 * x + 1),
        ),
        (n) => {
          expect(isPrime(n)).toBe(isPrimeMR(B(n)));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('agrees with trial division on random n < 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((x) => 2 * x + 1), (n) => {
        expect(isPrime(n)).toBe(isPrimeTrial(B(n)));
      }),
      { numRuns: 300 },
    );
  });

  it('edge values', () => {
    const cases: [number, boolean][] = [
      [0, false],
      [1, false],
      [2, true],
      [3, true],
      [4, false],
      [37, true],
      [41, true],
      [61, true], // one of the Miller-Rabin bases itself
      [1369, false], // 37^2
      [2 ** 30 - 35, true], // largest prime below 2^30
      [2 ** 30 - 1, false],
      [2 ** 30, false],
      [2 ** 30 + 1, false],
      [2 ** 30 + 3, true], // smallest prime above 2^30 (the BigInt branch)
      [2 ** 30 + 7, true],
      [2 ** 31 - 1, true], // Mersenne prime
      [2 ** 32 - 5, true], // largest prime below 2^32
      [2 ** 32 - 1, false], // 3 * 5 * 17 * 257 * 65537
      [65521 * 65521, false], // square of the largest 16-bit prime, just under 2^32
      [65519 * 65521, false],
      [32749 * 32771, false], // semiprime around 2^30
      [46337 * 46349, false], // semiprime just above 2^31
    ];
    for (const [n, want] of cases) {
      expect(isPrimeTrial(B(n))).toBe(want); // the table itself is right
      expect(isPrime(n)).toBe(want);
    }
  });

  it('rejects Carmichael numbers and strong pseudoprimes', () => {
    for (const n of CARMICHAEL) {
      expect(isPrimeTrial(B(n))).toBe(false);
      expect(modPow(2n, B(n - 1), B(n))).toBe(1n); // a Fermat liar to base 2 indeed (2 is coprime to every entry)
      expect(isPrime(n)).toBe(false);
    }
    for (const n of SPSP2) {
      expect(isPrimeTrial(B(n))).toBe(false);
      expect(isStrongProbablePrime(B(n), 2n)).toBe(true);
      expect(isPrime(n)).toBe(false);
    }
    for (const [n, bases] of SPSP_PAIRS) {
      expect(isPrimeTrial(B(n))).toBe(false);
      for (const a of bases) expect(isStrongProbablePrime(B(n), a)).toBe(true);
      expect(isPrime(n)).toBe(false);
    }
  });

  it('rejects Carmichael numbers (6k+1)(12k+1)(18k+1) in [2^30, 2^32) (the BigInt branch)', () => {
    let found = 0;
    for (let k = 1n; k < 200n; k++) {
      const f = [6n * k + 1n, 12n * k + 1n, 18n * k + 1n];
      if (!f.every((p) => isPrimeTrial(p))) continue;
      const n = f[0] * f[1] * f[2];
      if (n < 2n ** 30n || n >= 2n ** 32n) continue;
      found++;
      expect(isPrime(Number(n))).toBe(false);
    }
    expect(found).toBeGreaterThan(0);
  });

  it('classifies the odd numbers just below 2^32 like trial division, down to the 20th prime', () => {
    let n = 2n ** 32n - 1n;
    let count = 0;
    while (count < 20) {
      if (isPrimeTrial(n)) {
        expect(isPrime(Number(n))).toBe(true);
        count++;
      } else {
        expect(isPrime(Number(n))).toBe(false);
      }
      n -= 2n;
    }
  });
});

describe('generateNttPrimes', () => {
  const configs: [number, number[]][] = [
    [4, [30, 30, 30, 29, 20]],
    [4, [7]],
    [4, [10, 10, 10, 10, 10]],
    [10, [30, 30, 30, 28, 25, 25]],
    [13, [30, 30, 26, 20]],
    [16, new Array(8).fill(30)],
    [16, [29, 29, 25, 20]],
    [17, [30, 30, 30, 20]],
    [5, [30, 8, 12]],
  ];

  it.each(configs)('logN %i, sizes %j: prime, 1 mod 2N, distinct, right size, the largest ones', (logN, sizes) => {
    const ps = generateNttPrimes(logN, sizes);
    const m = 2 ** (logN + 1);
    expect(ps).toHaveLength(sizes.length);
    expect(new Set(ps).size).toBe(ps.length);
    ps.forEach((q, i) => {
      expect(Number.isSafeInteger(q)).toBe(true);
      expect(isPrimeMR(B(q))).toBe(true);
      expect(modPow(3n, B(q - 1), B(q))).toBe(1n); // Fermat, with bigint-mod-arith
      expect(q % m).toBe(1);
      expect(q).toBeGreaterThanOrEqual(2 ** (sizes[i] - 1));
      expect(q).toBeLessThan(2 ** sizes[i]);
    });
    expect(ps.map(B)).toEqual(nttPrimesRef(logN, sizes));
    // deterministic
    expect(generateNttPrimes(logN, sizes)).toEqual(ps);
    expect(generateNttPrimes(logN, sizes.slice())).toEqual(ps);
  });

  it('is the largest prime of each size: no NTT prime between q and 2^b is skipped', () => {
    const logN = 12;
    const m = 2 ** (logN + 1);
    const [q] = generateNttPrimes(logN, [30]);
    for (let c = 2 ** 30 - m + 1; c > q; c -= m) expect(isPrimeTrial(B(c))).toBe(false);
  });

  it('respects exclude (and does not mutate it)', () => {
    const logN = 14;
    const all = generateNttPrimes(logN, [30, 30, 30, 30, 30]);
    const exclude = [all[0], all[2]];
    const copy = exclude.slice();
    const got = generateNttPrimes(logN, [30, 30, 30], exclude);
    expect(got).toEqual([all[1], all[3], all[4]]);
    expect(exclude).toEqual(copy);
    expect(generateNttPrimes(logN, [30, 30, 30], new Set(exclude))).toEqual(got);
    // excluding primes of another size changes nothing
    expect(generateNttPrimes(logN, [30], [97, 12289])).toEqual([all[0]]);
    expect(got.map(B)).toEqual(nttPrimesRef(logN, [30, 30, 30], exclude.map(B)));
  });

  it('property: random logN, sizes and excludes agree with the reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_LOG_N, max: MAX_LOG_N }).chain((logN) =>
          fc.tuple(
            fc.constant(logN),
            fc.array(fc.integer({ min: Math.max(logN + 8, 24), max: 30 }), { minLength: 1, maxLength: 4 }),
            fc.integer({ min: 0, max: 3 }),
          ),
        ),
        ([logN, sizes, skip]) => {
          const pre = generateNttPrimes(logN, new Array(skip).fill(30));
          const got = generateNttPrimes(logN, sizes, pre);
          expect(got.map(B)).toEqual(nttPrimesRef(logN, sizes, pre.map(B)));
          for (const q of got) expect(pre).not.toContain(q);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('throws a RangeError naming the size when a size runs out of primes', () => {
    // only one NTT prime below 2^20 for N = 2^16 (786433) and one below 2^7 for N = 2^4 (97)
    expect(generateNttPrimes(16, [20])).toEqual([786433]);
    expect(() => generateNttPrimes(16, [20, 20])).toThrow(RangeError);
    expect(() => generateNttPrimes(16, [20, 20])).toThrow(/^generateNttPrimes: bitSizes\[1\] must be/);
    expect(() => generateNttPrimes(16, [20], [786433])).toThrow(/bitSizes\[0\]/);
    expect(() => generateNttPrimes(4, [6])).toThrow(/bitSizes\[0\]/); // 33 is the only candidate
    expect(generateNttPrimes(4, [7])).toEqual([97]);
  });
});

describe('checkNttPrime', () => {
  it('accepts NTT primes and rejects the rest with a RangeError naming q', () => {
    expect(() => checkNttPrime('f', 97, 4)).not.toThrow();
    expect(() => checkNttPrime('f', 1073479681, 17)).not.toThrow();
    expect(() => checkNttPrime('f', 97, 5)).toThrow(/^f: q must be congruent to 1 modulo 2N = 64/);
    expect(() => checkNttPrime('f', 65, 4)).toThrow(/^f: q must be prime/); // 65 = 1 mod 32, composite
    expect(() => checkNttPrime('f', 2 ** 30 + 1, 4)).toThrow(RangeError);
    expect(() => checkNttPrime('f', 2 ** 30 + 1, 4)).toThrow(/^f: q must be/);
  });
});

describe('primitive 2N-th roots', () => {
  it('minimalPrimitive2NthRoot is minimal: brute force over every x < q for small primes', () => {
    for (const logN of [4, 5, 6]) {
      const m = 2n ** B(logN + 1);
      let checked = 0;
      for (let q = m + 1n; q < 8000n; q += m) {
        if (!isPrimeTrial(q)) continue;
        const psi = minimalPrimitive2NthRoot(Number(q), logN);
        expect(B(psi)).toBe(minimalPsiBruteForce(q, logN));
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    }
  });

  it('minimalPrimitive2NthRoot at 30-bit primes: psi^N = -1 and psi is the least of the N roots', () => {
    for (const logN of [4, 5, 8, 10]) {
      for (const q of generateNttPrimes(logN, [30, 30, 25])) {
        const psi = minimalPrimitive2NthRoot(q, logN);
        const N = 2n ** B(logN);
        expect(modPow(B(psi), N, B(q))).toBe(B(q - 1));
        const roots = allPrimitive2NthRoots(B(q), logN);
        expect(new Set(roots).size).toBe(Number(N));
        for (const r of roots) expect(modPow(r, N, B(q))).toBe(B(q - 1));
        expect(B(psi)).toBe(roots[0]);
      }
    }
  });

  it('minimalPrimitive2NthRoot at N = 2^17 for a 30-bit prime', () => {
    const q = 1073479681;
    const psi = minimalPrimitive2NthRoot(q, 17);
    expect(modPow(B(psi), 2n ** 17n, B(q))).toBe(B(q - 1));
    expect(B(psi)).toBe(allPrimitive2NthRoots(B(q), 17)[0]);
  });

  it('isPrimitive2NthRoot agrees with psi^N = -1 for every x < q (small q)', () => {
    for (const [q, logN] of [
      [97, 4],
      [193, 5],
      [257, 6],
      [257, 4],
    ] as const) {
      const N = 2n ** B(logN);
      for (let x = 0; x < q; x++) {
        expect(isPrimitive2NthRoot(x, logN, q)).toBe(x > 0 && modPow(B(x), N, B(q)) === B(q - 1));
      }
    }
  });

  it('isPrimitive2NthRoot: random x at a 30-bit prime, order-N roots rejected', () => {
    const q = 1073707009;
    const logN = 10;
    const psi = minimalPrimitive2NthRoot(q, logN);
    expect(isPrimitive2NthRoot(psi, logN, q)).toBe(true);
    expect(isPrimitive2NthRoot(Number(modPow(B(psi), 2n, B(q))), logN, q)).toBe(false); // order N
    expect(isPrimitive2NthRoot(Number(modPow(B(psi), 3n, B(q))), logN, q)).toBe(true); // odd power
    expect(isPrimitive2NthRoot(q - 1, logN, q)).toBe(false); // order 2
    expect(isPrimitive2NthRoot(1, logN, q)).toBe(false);
    expect(isPrimitive2NthRoot(0, logN, q)).toBe(false);
    expect(isPrimitive2NthRoot(q, logN, q)).toBe(false);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: q - 1 }), (x) => {
        expect(isPrimitive2NthRoot(x, logN, q)).toBe(x > 0 && modPow(B(x), 1024n, B(q)) === B(q - 1));
      }),
      { numRuns: 300 },
    );
  });
});
