/**
 * The one-pass rescale by the two primes of a high-precision level
 * (rescaleComponentTwo, src/ckks/kernels.ts): the kernel against a BigInt
 * reference, exact round(x / (q_a q_b)) mod q_i from the CRT-centered x, word
 * for word; the parameter tables it reads; and Evaluator.rescale on a chain of
 * two-prime levels (the words, the precision, the scale bookkeeping).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type RnsBasis,
  createRnsBasis,
  generateNttPrimes,
  polyForwardNtt,
  polyFromBigInts,
  polyInverseNtt,
  polyToBigInts,
  RnsPoly,
} from '../../src/ntt/index.js';
import { INSECURE_OPT_IN, type Parameters, createParameters } from '../../src/ckks/params.js';
import { rescaleComponent, rescaleComponentTwo } from '../../src/ckks/kernels.js';
import { Ciphertext } from '../../src/ckks/types.js';
import { THRESHOLDS, type Ctx, bitsOf, decryptVec, encryptVec, makeCtx, mapVec, maxErr, randomVec } from './helpers.js';

const B = BigInt;

/** x mod m in [0, m). */
function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/** round(x / d) for d > 0 odd (no ties): floor((2x + d) / 2d). */
function roundDiv(x: bigint, d: bigint): bigint {
  const n = 2n * x + d;
  const m = 2n * d;
  const q = n / m;
  return n < 0n && q * m !== n ? q - 1n : q;
}

/** Parameters over explicit primes Q (the last two form a level of two primes). */
function paramsOver(logN: number, Q: number[]): Parameters {
  const P = generateNttPrimes(logN, [30, 30], Q);
  return createParameters({
    logN,
    Q,
    P,
    levelPrimes: [Q.length - 2, 2],
    digitSize: 1,
    logDefaultScale: 20,
    unsafeAllowInsecure: INSECURE_OPT_IN,
  });
}

/** Chains of the kernel tests: [name, logN, prime sizes (the last two divided away)]. */
const CHAINS: readonly [string, number, number[]][] = [
  // The largest supported primes (30 bits, the arithmetic's bound) everywhere.
  ['four 30-bit primes', 4, [30, 30, 30, 30]],
  ['five 30-bit primes, logN 6', 6, [30, 30, 30, 30, 30]],
  // q_a far above q_b (Garner's shift of several q_b), remaining primes both sides of q_a.
  ['q_a 30 bits over q_b 7 bits (the smallest at logN 4)', 4, [30, 8, 30, 7]],
  // q_a far below q_b, remaining primes above q_a (x_a < q_i) and far below it.
  ['q_a 7 bits under q_b 30 bits', 4, [30, 8, 7, 30]],
  ['mixed sizes, one prime left', 5, [29, 30, 28]],
];

interface Chain {
  name: string;
  logN: number;
  N: number;
  params: Parameters;
  basis: RnsBasis;
  l: number;
  /** Q' = q_a q_b, and the product of all primes. */
  qp: bigint;
  Q: bigint;
}

function chain(name: string, logN: number, sizes: number[]): Chain {
  // Distinct primes for equal sizes (generateNttPrimes takes the next one down).
  const Q = generateNttPrimes(logN, sizes);
  const params = paramsOver(logN, Q);
  const l = Q.length - 1;
  return { name, logN, N: 2 ** logN, params, basis: params.basisQ, l, qp: B(Q[l - 1]) * B(Q[l]), Q: params.basisQ.product };
}

/** Apply the kernel to coefficients xs (any integers): returns the l - 1 result limbs in NTT form. */
function applyKernel(c: Chain, xs: readonly bigint[], inPlace = false): Uint32Array {
  const { N, l, params } = c;
  const S = polyFromBigInts(xs, c.basis);
  polyForwardNtt(S, c.basis);
  const O = inPlace ? S.data : new Uint32Array((l - 1) * N);
  const t = params.rescaleTwo[l];
  if (t === undefined) throw new Error('no tables');
  rescaleComponentTwo(S.data, O, params.basisQ.tables, t, l, N, new Uint32Array(N), new Uint32Array(N), new Uint32Array(N));
  return O.slice(0, (l - 1) * N);
}

/** The reference: round(x / Q') for x the CRT-centered value, in NTT form over q_0..q_{l-2}. */
function reference(c: Chain, xs: readonly bigint[]): Uint32Array {
  const S = polyFromBigInts(xs, c.basis);
  const centered = polyToBigInts(S, c.basis, true);
  const want = polyFromBigInts(centered.map((x) => roundDiv(x, c.qp)), c.basis, c.l - 1);
  polyForwardNtt(want, c.basis);
  return want.data;
}

/** The old path, rescaleComponent twice: q_l then q_{l-1}. */
function twoSteps(c: Chain, xs: readonly bigint[]): Uint32Array {
  const { N, l, params } = c;
  const S = polyFromBigInts(xs, c.basis);
  polyForwardNtt(S, c.basis);
  const O = new Uint32Array(l * N);
  for (let j = 0; j < 2; j++) {
    const top = l - j;
    const t = { tables: params.basisQ.tables, inv: params.rescaleInv[top], invShoup: params.rescaleInvShoup[top] };
    rescaleComponent(j === 0 ? S.data : O, O, t, top, N, new Uint32Array(N), new Uint32Array(N));
  }
  return O.slice(0, (l - 1) * N);
}

/** Coefficients of x for N slots: edge values near 0, +-Q/2, +-Q'/2 (plus multiples of Q'), and uniform ones. */
function coeffs(c: Chain): fc.Arbitrary<bigint[]> {
  const { Q, qp } = c;
  const h = (qp - 1n) / 2n; // floor(Q'/2): the largest centered remainder
  const H = (Q - 1n) / 2n;
  const edges = [0n, 1n, -1n, Q - 1n, H, -H, H + 1n, h, h + 1n, -h, -h - 1n, qp, -qp, qp - 1n];
  const nearHalf = fc
    .tuple(fc.bigInt({ min: -(Q / qp) / 2n, max: Q / qp / 2n }), fc.bigInt({ min: -3n, max: 3n }), fc.boolean())
    .map(([k, d, neg]) => k * qp + (neg ? -h : h) + d);
  const any = fc.bigInt({ min: -H, max: H });
  const big = fc.bigInt({ min: -(Q * Q), max: Q * Q }); // representatives outside (-Q/2, Q/2]
  return fc.array(fc.oneof(fc.constantFrom(...edges), nearHalf, any, big), { minLength: c.N, maxLength: c.N });
}

describe('rescaleComponentTwo: exact round(x / (q_a q_b)) against BigInt', () => {
  for (const [name, logN, sizes] of CHAINS) {
    describe(name, () => {
      let c: Chain;
      beforeAll(() => {
        c = chain(name, logN, sizes);
      });

      it('the pair tables are the BigInt values', () => {
        const { params, l } = c;
        const Q = params.Q;
        for (let k = 0; k < Q.length; k++) expect(params.rescaleTwo[k] === undefined).toBe(params.rescalePrimes[k] !== 2);
        const t = params.rescaleTwo[l]!;
        const qa = B(Q[l - 1]);
        const qb = B(Q[l]);
        expect(mod(B(t.garnerInv) * qa, qb)).toBe(1n);
        expect(t.garnerShift % Q[l]).toBe(0);
        expect(t.garnerShift >= Q[l - 1] && t.garnerShift < Q[l - 1] + Q[l]).toBe(true);
        expect(t.garnerShift).toBeLessThan(2 ** 31);
        for (let i = 0; i < l - 1; i++) {
          const q = B(Q[i]);
          expect(mod(B(t.inv[i]) * qa * qb, q)).toBe(1n);
          expect(B(t.qaMod[i])).toBe(qa % q);
          expect(B(t.prodNeg[i])).toBe(q - mod(qa * qb, q));
        }
      });

      it('fast-check: word for word with the reference (edge values, values near +-Q/2 and +-Q\'/2, large representatives)', () => {
        fc.assert(
          fc.property(coeffs(c), (xs) => {
            expect(Array.from(applyKernel(c, xs))).toEqual(Array.from(reference(c, xs)));
          }),
          { numRuns: 150 },
        );
      });

      it('in place (O = S) gives the same words; the old two-step path is within one of it per coefficient', () => {
        fc.assert(
          fc.property(coeffs(c), (xs) => {
            const want = reference(c, xs);
            expect(Array.from(applyKernel(c, xs, true))).toEqual(Array.from(want));
            const old = new RnsPoly(c.N, c.l - 1, twoSteps(c, xs), true);
            polyInverseNtt(old, c.basis);
            const exact = new RnsPoly(c.N, c.l - 1, want.slice(), true);
            polyInverseNtt(exact, c.basis);
            const a = polyToBigInts(old, c.basis, true);
            const b = polyToBigInts(exact, c.basis, true);
            for (let j = 0; j < c.N; j++) expect(a[j] - b[j] <= 1n && b[j] - a[j] <= 1n).toBe(true);
          }),
          { numRuns: 50 },
        );
      });

      it('every centered remainder around the sign switch (x = k Q\' + floor(Q\'/2) + d, d in [-2, 3]) rounds as BigInt', () => {
        const h = (c.qp - 1n) / 2n;
        const xs: bigint[] = [];
        for (let j = 0; j < c.N; j++) {
          const k = B(j % 4) - 2n;
          const d = B((j >> 2) % 6) - 2n;
          xs.push((j & 1 ? -1n : 1n) * (k * c.qp + h + d));
        }
        expect(Array.from(applyKernel(c, xs))).toEqual(Array.from(reference(c, xs)));
      });
    });
  }
});

// ------------------------------------------------------------------ evaluator

const NAME = 'PN11_HP_RESCALE2_INSECURE';

describe('Evaluator.rescale from a two-prime level (one pass)', () => {
  let ctx: Ctx;
  let x: Float64Array;

  beforeAll(() => {
    (THRESHOLDS as Record<string, (typeof THRESHOLDS)[string]>)[NAME] ??= THRESHOLDS.PN12QP180_INSECURE;
    // Base of one prime, a one-prime level, then two levels of two primes.
    ctx = makeCtx(NAME, {
      logN: 11,
      logQ: new Array<number>(6).fill(30),
      levelPrimes: [1, 1, 2, 2],
      logP: [30, 30, 30],
      digitSize: 2,
      logDefaultScale: 40,
      unsafeAllowInsecure: INSECURE_OPT_IN,
    }, { seed: 77 });
    x = randomVec(ctx.n, 7701);
  });

  /** The ciphertext's components as exact BigInt coefficients, divided by Q' with rounding, in NTT form over `limbs` primes. */
  function exactRescale(ct: Ciphertext, qp: bigint, limbs: number): Uint32Array[] {
    const basis = ctx.params.basisQ;
    return ct.c.map((p) => {
      const cp = new RnsPoly(p.N, p.limbs, p.data.slice(), true);
      polyInverseNtt(cp, basis);
      const r = polyFromBigInts(polyToBigInts(cp, basis, true).map((v) => roundDiv(v, qp)), basis, limbs);
      polyForwardNtt(r, basis);
      return r.data;
    });
  }

  /** The old path on a copy: rescaleComponent by q_l then q_{l-1}, in a ciphertext at level l - 2. */
  function oldRescale(ct: Ciphertext): Ciphertext {
    const prm = ctx.params;
    const l = ct.level;
    const N = prm.N;
    const out = new Ciphertext(prm, ct.degree, l - 2, ct.scale / prm.Q[l] / prm.Q[l - 1], ct.slots);
    ct.c.forEach((p, c) => {
      const tmp = new Uint32Array(l * N);
      for (let j = 0; j < 2; j++) {
        const top = l - j;
        const t = { tables: prm.basisQ.tables, inv: prm.rescaleInv[top], invShoup: prm.rescaleInvShoup[top] };
        rescaleComponent(j === 0 ? p.data : tmp, tmp, t, top, N, new Uint32Array(N), new Uint32Array(N));
      }
      out.c[c].data.set(tmp.subarray(0, (l - 1) * N));
    });
    return out;
  }

  it('the result is exactly round(c / (q_l q_{l-1})) per component, in place or not; level and scale as before', () => {
    const prm = ctx.params;
    const L = prm.maxLevel;
    expect(prm.rescalePrimes[L]).toBe(2);
    const ct = ctx.ev.mulConstNew(encryptVec(ctx, x), 0.8125, ctx.ev.levelModulus(L));
    const qp = B(prm.Q[L]) * B(prm.Q[L - 1]);
    const want = exactRescale(ct, qp, L - 1);
    const r = ctx.ev.rescaleNew(ct);
    expect(r.level).toBe(L - 2);
    expect(r.c.length).toBe(2);
    expect(r.scale).toBe(ct.scale / prm.Q[L] / prm.Q[L - 1]);
    expect(r.slots).toBe(ct.slots);
    r.c.forEach((p, c) => {
      expect(p.limbs).toBe(L - 1);
      expect(p.isNtt).toBe(true);
      expect(Array.from(p.data)).toEqual(Array.from(want[c]));
    });
    // In place, and into a ciphertext allocated at another level: the same words.
    const same = ctx.ev.mulConstNew(encryptVec(ctx, x), 0.8125, ctx.ev.levelModulus(L));
    const copy = new Ciphertext(prm, 1, L, same.scale, same.slots);
    same.c.forEach((p, c) => copy.c[c].data.set(p.data));
    const wantSame = exactRescale(same, qp, L - 1);
    ctx.ev.rescale(same, same);
    expect(same.level).toBe(L - 2);
    same.c.forEach((p, c) => expect(Array.from(p.data)).toEqual(Array.from(wantSame[c])));
    const other = new Ciphertext(prm, 1, 0, 1, same.slots);
    ctx.ev.rescale(copy, other);
    expect(other.level).toBe(L - 2);
    expect(other.scale).toBe(same.scale);
    other.c.forEach((p, c) => expect(Array.from(p.data)).toEqual(Array.from(wantSame[c])));
    // One-prime levels below still rescale one prime at a time.
    const down = ctx.ev.rescaleNew(ctx.ev.mulConstNew(ctx.ev.rescaleNew(ctx.ev.mulConstNew(r, 1, ctx.ev.levelModulus(L - 2))), 1, prm.Q[L - 4]));
    expect(down.level).toBe(L - 5);
  });

  it('decryption precision: at least the old two-step rescale, and above 24 bits at scale 2^40 after mulRelin', () => {
    const prm = ctx.params;
    const L = prm.maxLevel;
    const y = randomVec(ctx.n, 7702);
    // x at 2^40 times y at the level modulus q_L q_{L-1}: the rescale brings the product back to ~2^40.
    const prod = ctx.ev.mulRelinNew(encryptVec(ctx, x), encryptVec(ctx, y, { scale: ctx.ev.levelModulus(L) }));
    const want = mapVec(x, (v, i) => v * y[i]);
    const before = oldRescale(prod);
    const after = ctx.ev.rescaleNew(prod);
    expect(after.scale).toBe(before.scale);
    expect(after.level).toBe(before.level);
    const bOld = bitsOf(maxErr(decryptVec(ctx, before), want));
    const bNew = bitsOf(maxErr(decryptVec(ctx, after), want));
    if (process.env.CKKS_PRECISION_REPORT) console.log(`rescale by two primes after mulRelin: ${bNew.toFixed(2)} bits (old two-step path ${bOld.toFixed(2)})`);
    expect(bNew).toBeGreaterThanOrEqual(bOld - 0.01);
    expect(bNew).toBeGreaterThan(24);
    // A constant at the level modulus: the scale comes back to 2^40, more than 24 bits.
    const c = ctx.ev.rescaleNew(ctx.ev.mulConstNew(encryptVec(ctx, x), -1.75, ctx.ev.levelModulus(L)));
    expect(Math.abs(c.scale / 2 ** 40 - 1)).toBeLessThan(2 ** -50);
    expect(bitsOf(maxErr(decryptVec(ctx, c), mapVec(x, (v) => -1.75 * v)))).toBeGreaterThan(24);
  });
});
