import fc from 'fast-check';
import { modInv, modPow } from 'bigint-mod-arith';
import { describe, expect, it } from 'vitest';
import {
  type NttTables,
  bitReverse,
  createNttTables,
  forwardNtt,
  forwardNttLazy,
  generateNttPrimes,
  inverseNtt,
  inverseNttLazyInput,
  inverseNttLazyInputTimes,
  mulConstLazy,
  mulPointwise,
  negacyclicMul,
  reduceFrom4q,
  shoupConstant,
} from '../../src/ntt/index.js';
import { arr, big, lazyValue, nums, polyArb, randomPoly, residue } from './helpers.js';
import {
  brev,
  inttFastRef,
  inttRef,
  mod,
  modmul,
  modpow,
  minimalPsiRef,
  negacyclicRef,
  nttFastRef,
  nttPrimesRef,
  nttRef,
  nttSlotRef,
  smallestNttPrimeAtLeast,
} from './reference.js';

const B = BigInt;

/** For each ring degree: the smallest NTT prime, one around 2^20 and the largest 30-bit one. */
function moduliFor(logN: number): number[] {
  const small = Number(smallestNttPrimeAtLeast(logN, 2n));
  const mid = Number(smallestNttPrimeAtLeast(logN, 2n ** 20n));
  const top = Number(nttPrimesRef(logN, [30])[0]);
  return [small, mid, top];
}

const LOGNS = [4, 5, 8, 10];
const CASES: [number, number][] = LOGNS.flatMap((logN) => moduliFor(logN).map((q) => [logN, q] as [number, number]));

/** fast-check runs per property, smaller for larger N (the reference is O(N^2)). */
const runs = (logN: number): number => (logN <= 5 ? 60 : logN <= 8 ? 8 : 3);

const tablesCache = new Map<string, NttTables>();
function tables(q: number, logN: number): NttTables {
  const k = `${q}:${logN}`;
  let t = tablesCache.get(k);
  if (!t) tablesCache.set(k, (t = createNttTables(q, logN)));
  return t;
}

/** Slots checked against direct evaluation: all of them for N <= 256, a handful (first, last, spread) above. */
function slotsToCheck(N: number): number[] {
  if (N <= 256) return Array.from({ length: N }, (_, i) => i);
  return [0, 1, 2, 3, N / 2 - 1, N / 2, N / 2 + 1, N - 2, N - 1, 337 % N, (N * 3) / 4 + 5];
}

describe('bitReverse', () => {
  it('matches the string-reversal reference', () => {
    for (let bits = 0; bits <= 10; bits++) for (let i = 0; i < 1 << bits; i++) expect(bitReverse(i, bits)).toBe(brev(i, bits));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 31 }).chain((bits) => fc.tuple(fc.constant(bits), fc.integer({ min: 0, max: 2 ** bits - 1 }))),
        ([bits, i]) => {
          expect(bitReverse(i, bits)).toBe(brev(i, bits));
        },
      ),
      { numRuns: 500 },
    );
    expect(bitReverse(1, 31)).toBe(2 ** 30);
    expect(bitReverse(2 ** 31 - 1, 31)).toBe(2 ** 31 - 1);
  });
});

describe.each(CASES)('NTT, logN = %i, q = %i', (logN, q) => {
  const N = 2 ** logN;
  const t = tables(q, logN);
  const Q = B(q);
  const psi = B(t.psi);

  it('tables: minimal psi, psi^brev(i) and psi^-brev(i), N^-1, Shoup constants, frozen', () => {
    expect(t.q).toBe(q);
    expect(t.N).toBe(N);
    expect(t.logN).toBe(logN);
    expect(psi).toBe(minimalPsiRef(Q, logN));
    expect(modPow(psi, B(N), Q)).toBe(Q - 1n);
    const psiInv = modInv(psi, Q);
    for (let i = 0; i < N; i++) {
      expect(B(t.psiRev[i])).toBe(modpow(psi, B(brev(i, logN)), Q));
      expect(B(t.psiInvRev[i])).toBe(modpow(psiInv, B(brev(i, logN)), Q));
      expect(t.psiRevShoup[i]).toBeCloseTo(t.psiRev[i] / q, 12);
      expect(t.psiInvRevShoup[i]).toBeCloseTo(t.psiInvRev[i] / q, 12);
    }
    expect(modmul(B(t.nInv), B(N), Q)).toBe(1n);
    expect(B(t.nInvPsi)).toBe(modmul(B(t.nInv), modpow(psiInv, B(N / 2), Q), Q));
    expect(Object.isFrozen(t)).toBe(true);
  });

  it('forward output equals direct evaluation a(psi^(2 brev(i) + 1)), fully reduced', () => {
    const slots = slotsToCheck(N);
    fc.assert(
      fc.property(polyArb(N, q), (a) => {
        const A = a.slice();
        forwardNtt(A, t);
        const ab = big(a);
        if (N <= 256) expect(big(A)).toEqual(nttRef(ab, psi, Q, logN));
        else for (const i of slots) expect(B(A[i])).toBe(nttSlotRef(ab, i, psi, Q, logN));
        for (const v of A) expect(v).toBeLessThan(q);
      }),
      { numRuns: runs(logN) },
    );
  });

  it('forward of X^k is psi^((2 brev(i) + 1) k) in every slot; of a constant c is c everywhere', () => {
    for (const k of [0, 1, N / 2, N - 1]) {
      const a = new Uint32Array(N);
      a[k] = 1;
      forwardNtt(a, t);
      for (let i = 0; i < N; i++) expect(B(a[i])).toBe(modpow(psi, B((2 * brev(i, logN) + 1) * k), Q));
    }
    const c = new Uint32Array(N);
    c[0] = q - 1;
    forwardNtt(c, t);
    expect(arr(c)).toEqual(new Array(N).fill(q - 1));
  });

  it('forwardNttLazy: output in [0, 4q) and congruent to the reference; accepts input in [0, 4q)', () => {
    fc.assert(
      fc.property(fc.array(lazyValue(q, 4 * q), { minLength: N, maxLength: N }), (xs) => {
        const a = Uint32Array.from(xs);
        forwardNttLazy(a, t);
        for (const v of a) expect(v).toBeLessThan(4 * q);
        const reduced = xs.map((x) => B(x % q));
        const want = N <= 32 ? nttRef(reduced, psi, Q, logN) : null;
        // compare with the NTT of the reduced input, computed by the checked fully-reduced path
        const r = Uint32Array.from(xs, (x) => x % q);
        forwardNtt(r, t);
        for (let i = 0; i < N; i++) {
          expect(a[i] % q).toBe(r[i]);
          if (want) expect(B(a[i] % q)).toBe(want[i]);
        }
        // forwardNtt on the unreduced input gives the same reduced output
        const f = Uint32Array.from(xs);
        forwardNtt(f, t);
        expect(f).toEqual(r);
      }),
      { numRuns: runs(logN) * 2 },
    );
  });

  it('forwardNttLazy on the worst-case input (every value 4q - 1) stays in [0, 4q)', () => {
    for (const v of [4 * q - 1, 3 * q, 2 * q - 1, q - 1]) {
      const a = new Uint32Array(N).fill(v);
      forwardNttLazy(a, t);
      for (const x of a) expect(x).toBeLessThan(4 * q);
      const want = B(v % q);
      const ref = nttSlotRef(new Array<bigint>(N).fill(want), 0, psi, Q, logN);
      expect(B(a[0] % q)).toBe(ref);
      reduceFrom4q(a, q);
      const r = new Uint32Array(N).fill(v % q);
      forwardNtt(r, t);
      expect(a).toEqual(r);
      // The fully reduced transform (fused last passes for even logN) on the same unreduced input.
      const f = new Uint32Array(N).fill(v);
      forwardNtt(f, t);
      expect(f).toEqual(r);
    }
  });

  it('forwardNttLazy on adversarial input: lazy products at the top of their range next to tiny operands', () => {
    // The first radix-4 pass combines the quarters x0, x1, x2, x3 of the input with the twiddles
    // w1 = psiRev[1] (first layer) and w2, w3 = psiRev[2], psiRev[3] (second layer). An operand
    // x = (r w^-1 mod q) + kq has x w = r (mod q) with x w / q large, so the Shoup estimate falls one
    // short and the lazy product is q + r, the top of its range; next to tiny other operands this drives
    // every butterfly difference to its lower bound, where a wrong correction constant would go negative.
    const inv = (w: number) => modInv(B(w), Q);
    const adv = (r: number, w: number, k: number) => Number(modmul(B(r), inv(w), Q)) + k * q;
    const [w1, w2, w3] = [t.psiRev[1], t.psiRev[2], t.psiRev[3]];
    type Pattern = (quarter: number, r: number) => number;
    const patterns: Pattern[] = [
      (k, r) => (k === 3 ? adv(r + 1, w1, 3) : r), // t3 = q + r + 1 against a tiny x1
      (k, r) => (k === 2 ? adv(r + 1, w1, 3) : r), // t2 against a tiny x0
      (k, r) => (k >= 2 ? adv(r + 1, w1, 3) : r),
      (k, r) => (k === 1 ? adv(r + 1, w2, 1) : k === 0 ? r : 0), // y1 = x1: u1 = q + r + 1 against a tiny y0
      (k, r) => (k === 1 ? adv(r + 1, w3, 0) : k === 0 ? r : 0), // y3 = x1 + 2q: u3 = q + r + 1 against a tiny y2
      (k, r) => (k === 0 ? 4 * q - 1 : k === 2 ? adv(r + 1, w1, 3) : 0), // y0 = (2q - 1) + (q + r + 1) must wrap below 2q
    ];
    // The same with t2 = q + R, R > 2^32 - 4q: an uncorrected y0 would push a later sum past 2^32.
    // Only possible when w1 is large enough for the estimate to fall short that far (checked, not assumed).
    const R = 2 ** 32 - 4 * q + 1;
    const x2 = (r: number) => adv(R + r, w1, 3);
    if ([0, 1, 2, 3, 4].every((r) => x2(r) < 4 * q && mulConstLazy(x2(r), w1, shoupConstant(w1, q), q) === q + R + r)) {
      patterns.push((k, r) => (k === 0 ? 4 * q - 1 : k === 2 ? x2(r) : 0));
    }
    for (const pattern of patterns) {
      const a = Uint32Array.from({ length: N }, (_, i) => pattern(Math.floor((4 * i) / N), (i * 7) % 5));
      const reduced = Uint32Array.from(a, (v) => v % q);
      const want = N <= 256 ? nttRef(big(reduced), psi, Q, logN) : null;
      forwardNtt(reduced, t);
      if (want) expect(big(reduced)).toEqual(want);
      const lazy = a.slice();
      forwardNttLazy(lazy, t);
      for (let i = 0; i < N; i++) {
        expect(lazy[i]).toBeLessThan(4 * q);
        expect(lazy[i] % q).toBe(reduced[i]);
      }
      const full = a.slice();
      forwardNtt(full, t);
      expect(full).toEqual(reduced);
    }
  });

  it('round trip: inverse(forward(a)) = a', () => {
    fc.assert(
      fc.property(polyArb(N, q), (a) => {
        const x = a.slice();
        forwardNtt(x, t);
        inverseNtt(x, t);
        expect(x).toEqual(a);
        const y = a.slice();
        forwardNttLazy(y, t);
        reduceFrom4q(y, t.q);
        inverseNttLazyInput(y, t);
        expect(y).toEqual(a);
      }),
      { numRuns: runs(logN) * 3 },
    );
  });

  it('inverse equals direct interpolation, accepts input in [0, 2q), output in [0, q)', () => {
    fc.assert(
      fc.property(polyArb(N, q), fc.array(fc.boolean(), { minLength: N, maxLength: N }), (A, lift) => {
        const x = A.slice();
        inverseNtt(x, t);
        for (const v of x) expect(v).toBeLessThan(q);
        // direct interpolation for small N; for larger N, forward(inverse(A)) = A with the forward checked above
        if (N <= 32) expect(big(x)).toEqual(inttRef(big(A), psi, Q, logN));
        const y = x.slice();
        forwardNtt(y, t);
        expect(y).toEqual(A);
        // lifting any subset of values by q (into [q, 2q)) changes nothing
        const z = Uint32Array.from(A, (v, i) => (lift[i] ? v + q : v));
        inverseNtt(z, t);
        expect(z).toEqual(x);
      }),
      { numRuns: runs(logN) * 2 },
    );
    // every input at the top of the range
    const top = new Uint32Array(N).fill(2 * q - 1);
    inverseNtt(top, t);
    const want = new Uint32Array(N).fill(q - 1);
    inverseNtt(want, t);
    expect(top).toEqual(want);
  });

  it('linearity: NTT(a + b) = NTT(a) + NTT(b), NTT(c a) = c NTT(a)', () => {
    fc.assert(
      fc.property(polyArb(N, q), polyArb(N, q), residue(q), (a, b, c) => {
        const s = Uint32Array.from(a, (v, i) => Number(mod(B(v) + B(b[i]), Q)));
        const ca = Uint32Array.from(a, (v) => Number(modmul(B(v), B(c), Q)));
        const [fa, fb, fs, fca] = [a.slice(), b.slice(), s, ca];
        for (const x of [fa, fb, fs, fca]) forwardNtt(x, t);
        for (let i = 0; i < N; i++) {
          expect(B(fs[i])).toBe(mod(B(fa[i]) + B(fb[i]), Q));
          expect(B(fca[i])).toBe(modmul(B(fa[i]), B(c), Q));
        }
      }),
      { numRuns: runs(logN) * 2 },
    );
  });

  it('negacyclic product via the NTT equals the schoolbook product mod (X^N + 1, q)', () => {
    fc.assert(
      fc.property(polyArb(N, q), polyArb(N, q), (a, b) => {
        const want = negacyclicRef(big(a), big(b), Q);
        const a0 = a.slice();
        const b0 = b.slice();
        expect(big(negacyclicMul(a, b, t))).toEqual(want);
        expect(a).toEqual(a0); // operands untouched
        expect(b).toEqual(b0);
        // the same through the building blocks, with the product written over an operand
        const fa = a.slice();
        const fb = b.slice();
        forwardNtt(fa, t);
        forwardNtt(fb, t);
        mulPointwise(fa, fb, fb, q, t.qInv);
        inverseNtt(fb, t);
        expect(big(fb)).toEqual(want);
      }),
      { numRuns: logN <= 5 ? 40 : logN <= 8 ? 4 : 2 },
    );
  });

  it('negacyclic wrap-around: X^(N-1) * X = -1, (q-1)^2 everywhere', () => {
    const a = new Uint32Array(N);
    const b = new Uint32Array(N);
    a[N - 1] = 1;
    b[1] = 1;
    const want = new Uint32Array(N);
    want[0] = q - 1;
    expect(negacyclicMul(a, b, t)).toEqual(want);
    const m1 = new Uint32Array(N).fill(q - 1);
    expect(big(negacyclicMul(m1, m1, t))).toEqual(negacyclicRef(big(m1), big(m1), Q));
  });
});

describe('mulPointwise and reduceFrom4q', () => {
  for (const q of [97, 12289, 1073741441, 1073479681]) {
    it(`match BigInt at q = ${q} (edge values included, out aliasing a)`, () => {
      fc.assert(
        fc.property(polyArb(64, q), polyArb(64, q), (a, b) => {
          const out = new Uint32Array(64);
          mulPointwise(a, b, out, q, 1 / q);
          for (let i = 0; i < 64; i++) expect(B(out[i])).toBe(modmul(B(a[i]), B(b[i]), B(q)));
          const a2 = a.slice();
          mulPointwise(a2, b, a2, q, 1 / q);
          expect(a2).toEqual(out);
        }),
        { numRuns: 200 },
      );
      fc.assert(
        fc.property(fc.array(lazyValue(q, 4 * q), { minLength: 1, maxLength: 64 }), (xs) => {
          const a = Uint32Array.from(xs);
          reduceFrom4q(a, q);
          expect(arr(a)).toEqual(xs.map((x) => x % q));
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('createNttTables with an explicit psi', () => {
  it('evaluates at the powers of the given root', () => {
    const logN = 5;
    const q = Number(nttPrimesRef(logN, [30])[0]);
    const psiMin = minimalPsiRef(B(q), logN);
    for (const e of [3n, 5n, 63n]) {
      const psi = modpow(psiMin, e, B(q));
      const t = createNttTables(q, logN, Number(psi));
      expect(t.psi).toBe(Number(psi));
      const a = randomPoly(32, q, 99);
      const A = a.slice();
      forwardNtt(A, t);
      expect(big(A)).toEqual(nttRef(big(a), psi, B(q), logN));
      inverseNtt(A, t);
      expect(A).toEqual(a);
    }
  });
});

describe('large ring degrees', () => {
  for (const logN of [16, 17]) {
    it(`N = 2^${logN}: round trip, direct evaluation of a few slots, product by a monomial`, () => {
      const N = 2 ** logN;
      const [q] = generateNttPrimes(logN, [30]);
      expect(q).toBe(1073479681); // 2^30 - 2^18 + 1
      const t = createNttTables(q, logN);
      const Q = B(q);
      const psi = B(t.psi);
      const a = randomPoly(N, q, 12345 + logN);
      a[0] = 0;
      a[1] = 1;
      a[N - 1] = q - 1;
      const x = a.slice();
      forwardNtt(x, t);
      for (const v of x) expect(v).toBeLessThan(q);
      const ab = big(a);
      for (const i of [0, 1, N / 2, N - 1, 4097]) expect(B(x[i])).toBe(nttSlotRef(ab, i, psi, Q, logN));
      const y = x.slice();
      inverseNtt(y, t);
      expect(y).toEqual(a);
      // a * X^k = a shifted by k with the wrapped coefficients negated
      const k = 777;
      const mono = new Uint32Array(N);
      mono[k] = 1;
      const prod = negacyclicMul(a, mono, t);
      for (const j of [0, 1, k - 1, k, k + 1, N - 1, 5000]) {
        const want = j >= k ? B(a[j - k]) : mod(-B(a[j - k + N]), Q);
        expect(B(prod[j])).toBe(want);
      }
      const want = new Uint32Array(N);
      for (let j = 0; j < N; j++) want[j] = j >= k ? a[j - k] : a[j - k + N] === 0 ? 0 : q - a[j - k + N];
      expect(prod).toEqual(want);
    });
  }
});

/**
 * The unrolled kernels (issue 11): inverse NTT fused on 16-value blocks (even logN) or 8-value blocks
 * (odd logN), radix-4 passes written out four times, the last two layers with N^-1 merged; the forward
 * transform fused on 8-value blocks for odd logN. Checked at every supported ring degree against BigInt
 * references that share nothing with the kernels (direct interpolation for small N, a textbook
 * O(N log N) DFT for every N), on inputs over the whole accepted range.
 */
/** Residues in [0, bound) as a deterministic vector, with the edge values of every q-window at fixed places. */
function vectorBelow(N: number, q: number, bound: number, seed: number): Uint32Array {
  const a = randomPoly(N, bound, seed);
  const edges = [0, 1, q - 1, q, q + 1, bound - 1].filter((e) => e < bound);
  edges.forEach((e, k) => {
    a[k] = e;
    a[N - 1 - k] = e;
    a[N / 2 + k] = e;
  });
  return a;
}

describe('unrolled NTT kernels at every supported N (logN 4..17)', () => {
  const ALL_LOGN = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];

  it('the O(N log N) references agree with direct evaluation and interpolation (N <= 64)', () => {
    for (const logN of [4, 5, 6]) {
      for (const q of moduliFor(logN)) {
        const N = 2 ** logN;
        const psi = B(createNttTables(q, logN).psi);
        const a = big(randomPoly(N, q, 99 + logN));
        expect(nttFastRef(a, psi, B(q), logN)).toEqual(nttRef(a, psi, B(q), logN));
        expect(inttFastRef(a, psi, B(q), logN)).toEqual(inttRef(a, psi, B(q), logN));
      }
    }
  });

  for (const logN of ALL_LOGN) {
    const N = 2 ** logN;
    // small N: the smallest prime, one near 2^20, the largest 30-bit one; large N: the largest 30-bit one
    const moduli = logN <= 10 ? moduliFor(logN) : [Number(nttPrimesRef(logN, [30])[0])];
    for (const q of moduli) {
      it(`logN = ${logN}, q = ${q}: inverse (both entry points) and forward against the BigInt references`, () => {
        const t = tables(q, logN);
        const Q = B(q);
        const psi = B(t.psi);
        // small N: fast-check properties on the whole accepted input range, edges drawn often
        if (logN <= 6) {
          fc.assert(
            fc.property(fc.array(lazyValue(q, 2 * q), { minLength: N, maxLength: N }), (xs) => {
              const A = Uint32Array.from(xs);
              const want = inttRef(big(A).map((v) => mod(v, Q)), psi, Q, logN);
              const x = A.slice();
              inverseNtt(x, t);
              expect(big(x)).toEqual(want);
              const y = A.slice();
              inverseNttLazyInput(y, t);
              expect(y).toEqual(x);
            }),
            { numRuns: logN <= 5 ? 40 : 15 },
          );
          fc.assert(
            fc.property(fc.array(lazyValue(q, 4 * q), { minLength: N, maxLength: N }), (xs) => {
              const a = Uint32Array.from(xs);
              const x = a.slice();
              forwardNtt(x, t);
              expect(big(x)).toEqual(nttRef(big(a).map((v) => mod(v, Q)), psi, Q, logN));
            }),
            { numRuns: logN <= 5 ? 40 : 15 },
          );
        }
        // every N: deterministic vectors over [0, 2q) (inverse) and [0, 4q) (forward), edge values included
        const seeds = logN <= 12 ? [1, 2, 3] : [1];
        for (const seed of seeds) {
          const A = vectorBelow(N, q, 2 * q, 1000 * logN + seed);
          const want = inttFastRef(big(A), psi, Q, logN);
          const x = A.slice();
          inverseNtt(x, t);
          expect(big(x)).toEqual(want);
          const y = A.slice();
          inverseNttLazyInput(y, t);
          expect(y).toEqual(x);
          const a = vectorBelow(N, q, 4 * q, 2000 * logN + seed);
          const f = a.slice();
          forwardNtt(f, t);
          expect(big(f)).toEqual(nttFastRef(big(a), psi, Q, logN));
          // and the round trip on fully reduced values
          const r = x.slice();
          forwardNtt(r, t);
          inverseNtt(r, t);
          expect(r).toEqual(x);
        }
        // constant inputs at the ends of the accepted ranges
        const top = new Uint32Array(N).fill(2 * q - 1);
        inverseNtt(top, t);
        const want = new Uint32Array(N).fill(q - 1);
        inverseNtt(want, t);
        expect(top).toEqual(want);
        const top4 = new Uint32Array(N).fill(4 * q - 1);
        forwardNtt(top4, t);
        const ones = new Uint32Array(N).fill(q - 1);
        forwardNtt(ones, t);
        expect(top4).toEqual(ones);
        const zero = new Uint32Array(N);
        inverseNtt(zero, t);
        expect(zero.every((v) => v === 0)).toBe(true);
      });
    }
  }
});

describe('reference self-check (the oracle can fail)', () => {
  it('nttRef and negacyclicRef are consistent: NTT(a*b) = NTT(a) .* NTT(b)', () => {
    const q = 97n;
    const logN = 4;
    const psi = minimalPsiRef(q, logN);
    const a = nums([3n, 1n, 4n, 1n, 5n, 9n, 2n, 6n, 5n, 3n, 5n, 8n, 9n, 7n, 9n, 3n]).map(B);
    const b = a.slice().reverse();
    const fa = nttRef(a, psi, q, logN);
    const fb = nttRef(b, psi, q, logN);
    const fab = nttRef(negacyclicRef(a, b, q), psi, q, logN);
    for (let i = 0; i < 16; i++) expect(fab[i]).toBe(modmul(fa[i], fb[i], q));
    expect(inttRef(fa, psi, q, logN)).toEqual(a);
    // and a cyclic product (the wrong ring) is detected
    const cyc = new Array<bigint>(16).fill(0n);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) cyc[(i + j) % 16] += a[i] * b[j];
    expect(cyc.map((c) => mod(c, q))).not.toEqual(negacyclicRef(a, b, q));
  });
});

describe('inverseNttLazyInputTimes: c times the inverse transform, against the BigInt reference', () => {
  for (const logN of [4, 5, 6, 11, 12, 13, 16, 17]) {
    const N = 2 ** logN;
    const moduli = logN <= 6 ? moduliFor(logN) : [Number(nttPrimesRef(logN, [30])[0])];
    for (const q of moduli) {
      it(`logN = ${logN}, q = ${q}: c in {0, 1, q - 1, random}, inputs over [0, 2q)`, () => {
        const t = tables(q, logN);
        const Q = B(q);
        const A = vectorBelow(N, q, 2 * q, 3000 * logN + 7);
        // the plain inverse transform, then times c with BigInt
        const base = A.slice();
        inverseNtt(base, t);
        const cs = [0, 1, q - 1, 1 + ((q * 0.618) >>> 0)];
        for (const c of cs) {
          const x = A.slice();
          inverseNttLazyInputTimes(x, t, c, shoupConstant(c, q));
          let same = true;
          for (let i = 0; i < N && same; i++) same = B(x[i]) === mod(B(base[i]) * B(c), Q);
          expect(same, `c = ${c}`).toBe(true);
          expect(Math.max(...x.subarray(0, Math.min(N, 4096)))).toBeLessThan(q);
        }
        // with c = 1 it is the inverse transform, word for word
        const one = A.slice();
        inverseNttLazyInputTimes(one, t, 1, shoupConstant(1, q));
        expect(one).toEqual(base);
      });
    }
  }
});
