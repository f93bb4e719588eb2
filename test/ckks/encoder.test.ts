/**
 * Tests of the CKKS encoder (canonical embedding + special FFT).
 *
 * Precision is measured in bits, Lattigo style: bits = -log2(max |error|).
 *
 * Where the thresholds come from. Encoding rounds each of the 2n message
 * coefficients to an integer, an error e_i uniform in [-1/2, 1/2] (variance
 * 1/12). Decoding multiplies by the unitary-up-to-sqrt(n) matrix of the
 * embedding, so each slot receives (1/scale) * sum of 2n such errors times
 * roots of unity: the real and the imaginary parts are close to Gaussian with
 * standard deviation sqrt(n/12)/scale. The largest of the 2n parts is about
 * sqrt(2 ln(4n)) < 5 standard deviations (< 2^2.33), hence the expected precision
 *
 *   bits ~= logScale - log2(sqrt(n/12)) - 2.3,
 *
 * e.g. 24.5 bits for n = 2048 and 22.4 bits for n = 32768 at scale 2^30.
 * The tests demand `expectedBits(logScale, n) - 1` (one bit of slack for the
 * tail; a 2x larger maximum than typical is a > 10-sigma event here). The
 * deterministic worst case, n/scale (every rounding error aligned), would be
 * 19 bits at n = 2048; it is never approached for random inputs.
 */

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Encoder } from '../../src/ckks/encoder.js';
import { CkksError } from '../../src/ckks/errors.js';
import { INSECURE_OPT_IN, type Parameters, createParameters } from '../../src/ckks/params.js';
import { Plaintext } from '../../src/ckks/types.js';
import { randomVec, rng } from './helpers.js';
import {
  RnsPoly,
  automorphismCoeff,
  galoisElementForConjugation,
  galoisElementForRotation,
  polyForwardNtt,
  polyFromBigInts,
  polyInverseNtt,
  polyMulNtt,
  polyToBigInts,
} from '../../src/ntt/index.js';

/** Expected precision (bits) of a fresh encoding, see the header comment. */
function expectedBits(logScale: number, n: number): number {
  return logScale - 0.5 * Math.log2(Math.max(n, 1) / 12) - 2.33;
}

function bits(maxErr: number): number {
  return maxErr === 0 ? Infinity : -Math.log2(maxErr);
}

function maxErr(got: ArrayLike<number>, want: ArrayLike<number>, n = want.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(got[i] - (want[i] ?? 0)));
  return m;
}

function expectCode(f: () => unknown, code: string, re?: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(CkksError);
  expect((caught as CkksError).code).toBe(code);
  if (re) expect((caught as Error).message).toMatch(re);
}

/** The plaintext polynomial in coefficient form, as centered BigInts (independent of the encoder's CRT). */
function coefficientsOf(params: Parameters, pt: Plaintext): bigint[] {
  const p = pt.poly.clone();
  polyInverseNtt(p, params.basisQ);
  return polyToBigInts(p, params.basisQ, true);
}

/** Naive canonical embedding: z_j = m(zeta^(5^j mod 2N)) / scale, zeta = exp(i pi / N). */
function naiveDecode(params: Parameters, coeffs: bigint[], scale: number, n: number): { re: Float64Array; im: Float64Array } {
  const N = params.N;
  const M = 2 * N;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const c = coeffs.map((x) => Number(x) / scale);
  let g = 1;
  for (let j = 0; j < n; j++) {
    let sr = 0;
    let si = 0;
    let e = 0;
    for (let i = 0; i < N; i++) {
      if (c[i] !== 0) {
        const a = (2 * Math.PI * e) / M;
        sr += c[i] * Math.cos(a);
        si += c[i] * Math.sin(a);
      }
      e = (e + g) % M;
    }
    re[j] = sr;
    im[j] = si;
    g = (g * 5) % M;
  }
  return { re, im };
}

describe('Encoder', () => {
  let params: Parameters; // logN 12, three 30-bit primes
  let enc: Encoder;
  let small: Parameters; // logN 6, for the O(n^2) reference
  let encSmall: Encoder;

  beforeAll(() => {
    params = createParameters({ logN: 12, logQ: [30, 30, 30], logP: [30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    enc = new Encoder(params);
    small = createParameters({ logN: 6, logQ: [30, 30, 30], logP: [30], logDefaultScale: 30, unsafeAllowInsecure: INSECURE_OPT_IN });
    encSmall = new Encoder(small);
  });

  describe('round trip', () => {
    it('real vector, all slots, every level', () => {
      const n = params.maxSlots;
      const z = randomVec(n, 1);
      for (let level = 0; level <= params.maxLevel; level++) {
        const pt = enc.encode(z, level);
        expect(pt).toBeInstanceOf(Plaintext);
        expect(pt.level).toBe(level);
        expect(pt.poly.limbs).toBe(level + 1);
        expect(pt.poly.isNtt).toBe(true);
        expect(pt.scale).toBe(2 ** 30);
        expect(pt.slots).toBe(n);
        expect(pt.fingerprint).toBe(params.fingerprint);
        const got = enc.decode(pt);
        expect(got.length).toBe(n);
        expect(bits(maxErr(got, z))).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      }
    });

    it('complex vector, all slots', () => {
      const n = params.maxSlots;
      const zr = randomVec(n, 2);
      const zi = randomVec(n, 3);
      const pt = enc.encode({ re: zr, im: zi }, 2);
      const got = enc.decodeComplex(pt);
      const b = Math.min(bits(maxErr(got.re, zr)), bits(maxErr(got.im, zi)));
      expect(b).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      // decode returns the real parts of decodeComplex
      expect(Array.from(enc.decode(pt))).toEqual(Array.from(got.re));
    });

    it('every power-of-two slot count (1 .. N/2), real and complex', () => {
      for (let logn = 0; logn < params.logN; logn++) {
        const n = 2 ** logn;
        const zr = randomVec(n, 10 + logn);
        const zi = randomVec(n, 100 + logn);
        const pt = enc.encode({ re: zr, im: zi }, 1, 2 ** 30, n);
        expect(pt.slots).toBe(n);
        const got = enc.decodeComplex(pt);
        expect(got.re.length).toBe(n);
        const b = Math.min(bits(maxErr(got.re, zr)), bits(maxErr(got.im, zi)));
        expect(b).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      }
    });

    it('property: random slot counts, values and scales', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: params.logN - 1 }),
          fc.integer({ min: 25, max: 40 }),
          fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          fc.double({ min: 2 ** -10, max: 2 ** 10, noNaN: true }),
          fc.boolean(),
          (logn, logScale, seed, amp, complex) => {
            const n = 2 ** logn;
            const len = 1 + (seed % n);
            const zr = randomVec(len, seed, amp);
            const zi = complex ? randomVec(len, seed + 1, amp) : new Float64Array(0);
            const pt = enc.encode(complex ? { re: zr, im: zi } : zr, 2, 2 ** logScale, n);
            const got = enc.decodeComplex(pt);
            // errors are absolute (rounding to integers), so they do not grow with amp
            const b = Math.min(bits(maxErr(got.re, zr, n)), bits(maxErr(got.im, zi, n)));
            // the maximum of few slot errors fluctuates more: 1.5 bits of margin
            expect(b).toBeGreaterThanOrEqual(expectedBits(logScale, n) - 1.5);
          },
        ),
        { numRuns: 60 },
      );
    });

    it('zero-pads fewer values than slots', () => {
      const z = [0.5, -0.25, 0.125];
      const pt = enc.encode(z, 1, 2 ** 30, 8);
      const got = enc.decodeComplex(pt);
      expect(got.re.length).toBe(8);
      expect(bits(maxErr(got.re, [0.5, -0.25, 0.125, 0, 0, 0, 0, 0]))).toBeGreaterThanOrEqual(28);
      expect(bits(maxErr(got.im, new Float64Array(8)))).toBeGreaterThanOrEqual(28);
      // the default slot count is params.slots
      const full = enc.encode(z, 1);
      expect(full.slots).toBe(params.slots);
      expect(bits(maxErr(enc.decode(full), z, 3))).toBeGreaterThanOrEqual(expectedBits(30, params.slots) - 1);
    });

    it('accepts plain arrays, typed arrays and the empty vector', () => {
      const a = enc.encode([1, 2, 3, 4], 0, 2 ** 20, 4);
      const b = enc.encode(new Float32Array([1, 2, 3, 4]), 0, 2 ** 20, 4);
      expect(Array.from(a.poly.data)).toEqual(Array.from(b.poly.data));
      const zero = enc.encode([], 0, 2 ** 20, 4);
      expect(zero.poly.data.every((x) => x === 0)).toBe(true);
      expect(Array.from(enc.decode(zero))).toEqual([0, 0, 0, 0]);
    });

    it('is deterministic, and two encoders agree bit for bit', () => {
      const z = randomVec(params.maxSlots, 7);
      const a = enc.encode(z, 2);
      const b = new Encoder(params).encode(z, 2);
      expect(Buffer.from(a.poly.data.buffer).equals(Buffer.from(b.poly.data.buffer))).toBe(true);
    });

    it('writes into `out` and leaves the decoded plaintext untouched', () => {
      const out = new Plaintext(params, 1, 1, 1);
      const z = randomVec(16, 8);
      const pt = enc.encode(z, 1, 2 ** 25, 16, out);
      expect(pt).toBe(out);
      expect(out.scale).toBe(2 ** 25);
      expect(out.slots).toBe(16);
      const before = out.poly.data.slice();
      enc.decode(out);
      enc.decodeComplex(out);
      enc.decodeCoefficients(out);
      expect(out.poly.isNtt).toBe(true);
      expect(Array.from(out.poly.data)).toEqual(Array.from(before));
      // reusing a full plaintext for a sparse encoding clears the other coefficients
      const full = enc.encode(randomVec(params.maxSlots, 9), 1);
      enc.encode(z, 1, 2 ** 25, 16, full);
      expect(Array.from(full.poly.data)).toEqual(Array.from(before));
    });
  });

  describe('canonical embedding', () => {
    it('matches the naive evaluation m(zeta^(5^j)) for every slot count (logN 6)', () => {
      for (let logn = 0; logn < small.logN; logn++) {
        const n = 2 ** logn;
        const pt = encSmall.encode({ re: randomVec(n, 20 + logn), im: randomVec(n, 40 + logn) }, 2, 2 ** 30, n);
        const coeffs = coefficientsOf(small, pt);
        // sparse packing: only the coefficients of X^(i*gap) are used
        const gap = small.N / (2 * n);
        coeffs.forEach((c, i) => {
          if (i % gap !== 0) expect(c).toBe(0n);
        });
        const want = naiveDecode(small, coeffs, pt.scale, n);
        const got = encSmall.decodeComplex(pt);
        // both sides decode the same integer polynomial: only float round-off differs
        expect(bits(Math.max(maxErr(got.re, want.re), maxErr(got.im, want.im)))).toBeGreaterThanOrEqual(45);
      }
    });

    it('real input gives a Hermitian embedding: imaginary parts ~ 0', () => {
      for (const n of [1, 2, 64, params.maxSlots]) {
        const pt = enc.encode(randomVec(n, 50 + n), 2, 2 ** 30, n);
        const got = enc.decodeComplex(pt);
        expect(bits(maxErr(got.im, new Float64Array(n)))).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      }
    });

    it('polynomial product = slot-wise product, at scale^2 (full and sparse)', () => {
      for (const n of [params.maxSlots, 256, 1]) {
        const ar = randomVec(n, 60);
        const ai = randomVec(n, 61);
        const br = randomVec(n, 62);
        const bi = randomVec(n, 63);
        const pa = enc.encode({ re: ar, im: ai }, 2, 2 ** 30, n);
        const pb = enc.encode({ re: br, im: bi }, 2, 2 ** 30, n);
        const prod = new Plaintext(params, 2, pa.scale * pb.scale, n);
        polyMulNtt(pa.poly, pb.poly, prod.poly, params.basisQ);
        const got = enc.decodeComplex(prod);
        const wr = ar.map((x, i) => x * br[i] - ai[i] * bi[i]);
        const wi = ar.map((x, i) => x * bi[i] + ai[i] * br[i]);
        // error ~ a*e_b + b*e_a with |a|, |b| <= sqrt(2): at most 2 bits worse than one encoding
        const b = Math.min(bits(maxErr(got.re, wr)), bits(maxErr(got.im, wi)));
        expect(b).toBeGreaterThanOrEqual(expectedBits(30, n) - 3);
      }
    });

    it('X -> X^(5^k) rotates the slots left by k, X -> X^(2N-1) conjugates (as in ntt/automorphism)', () => {
      const apply = (pt: Plaintext, g: number): Plaintext => {
        const src = pt.poly.clone();
        polyInverseNtt(src, params.basisQ);
        const dst = new RnsPoly(params.N, src.limbs);
        for (let l = 0; l < src.limbs; l++) automorphismCoeff(src.limb(l), dst.limb(l), g, params.Q[l]);
        polyForwardNtt(dst, params.basisQ);
        return new Plaintext(params, pt.level, pt.scale, pt.slots, dst);
      };
      for (const n of [params.maxSlots, 8]) {
        const zr = randomVec(n, 70);
        const zi = randomVec(n, 71);
        const pt = enc.encode({ re: zr, im: zi }, 1, 2 ** 30, n);
        for (const k of [1, 3, -1]) {
          const got = enc.decodeComplex(apply(pt, galoisElementForRotation(k, params.logN)));
          const idx = (j: number) => (((j + k) % n) + n) % n;
          const wr = Array.from({ length: n }, (_, j) => zr[idx(j)]);
          const wi = Array.from({ length: n }, (_, j) => zi[idx(j)]);
          expect(Math.min(bits(maxErr(got.re, wr)), bits(maxErr(got.im, wi)))).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
        }
        const conj = enc.decodeComplex(apply(pt, galoisElementForConjugation(params.logN)));
        expect(Math.min(bits(maxErr(conj.re, zr)), bits(maxErr(conj.im, zi.map((x) => -x))))).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      }
    });

    it('a sparse encoding decoded with more slots is the vector repeated', () => {
      const n = 16;
      const zr = randomVec(n, 80);
      const zi = randomVec(n, 81);
      const pt = enc.encode({ re: zr, im: zi }, 2, 2 ** 30, n);
      const wide = enc.decodePolynomial(pt.poly, 2, pt.scale, params.maxSlots);
      const wr = Array.from({ length: params.maxSlots }, (_, j) => zr[j % n]);
      const wi = Array.from({ length: params.maxSlots }, (_, j) => zi[j % n]);
      expect(Math.min(bits(maxErr(wide.re, wr)), bits(maxErr(wide.im, wi)))).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
    });
  });

  describe('exact CRT in decoding', () => {
    it('agrees with polyToBigInts (centered) on arbitrary residues, every level, equal and mixed prime sizes', () => {
      // [28, 25, 25] primes exercise the reduction of a digit d_j < q_j modulo a smaller q_i
      const mixed = createParameters({ logN: 12, logQ: [28, 25, 25], logP: [28], logDefaultScale: 25 });
      const r = rng(90);
      for (const ps of [params, mixed]) {
        const e = ps === params ? enc : new Encoder(ps);
        for (let level = 0; level <= ps.maxLevel; level++) {
          const p = new RnsPoly(ps.N, level + 1);
          for (let l = 0; l <= level; l++) {
            const q = ps.Q[l];
            for (let i = 0; i < ps.N; i++) p.data[l * ps.N + i] = Math.floor(((r() + 1) / 2) * q);
          }
          const want = polyToBigInts(p, ps.basisQ, true).map((x) => Number(x));
          polyForwardNtt(p, ps.basisQ);
          const pt = new Plaintext(ps, level, 1, ps.slots, p);
          const got = e.decodeCoefficients(pt);
          let worst = 0;
          for (let i = 0; i < ps.N; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.abs(want[i] || 1));
          // Horner on non-negative terms: relative error <= 2(k-1) 2^-53
          expect(worst).toBeLessThanOrEqual(2 ** -50);
        }
        // and an encoding round trip at the top level
        const z = randomVec(ps.maxSlots, 91);
        const scale = 2 ** 25;
        expect(bits(maxErr(e.decode(e.encode(z, ps.maxLevel, scale)), z))).toBeGreaterThanOrEqual(expectedBits(25, ps.maxSlots) - 1);
      }
    });

    it('is exact for small values and picks the right sign at +-(Q-1)/2', () => {
      for (let level = 0; level <= params.maxLevel; level++) {
        let Q = 1n;
        for (let i = 0; i <= level; i++) Q *= BigInt(params.Q[i]);
        const H = (Q - 1n) / 2n;
        const special = [0n, 1n, -1n, 12345n, -12345n, 2n ** 52n + 1n, -(2n ** 52n + 1n), 2n ** 70n + 3n, -(2n ** 70n), H, -H, H - 1n, -(H - 1n), (H * 3n) / 4n, -(H / 3n)].filter(
          (x) => x <= H && x >= -H, // representable at this level
        );
        const coeffs = new Array<bigint>(params.N).fill(0n);
        special.forEach((x, i) => (coeffs[i] = x));
        const p = polyFromBigInts(coeffs, params.basisQ, level + 1);
        polyForwardNtt(p, params.basisQ);
        const got = enc.decodeCoefficients(new Plaintext(params, level, 1, params.slots, p));
        special.forEach((x, i) => {
          const w = Number(x); // correctly rounded
          if (x < 2n ** 53n && x > -(2n ** 53n)) expect(got[i]).toBe(w);
          else {
            expect(Math.sign(got[i])).toBe(Math.sign(w));
            expect(Math.abs(got[i] - w) / Math.abs(w)).toBeLessThanOrEqual(2 ** -50);
          }
        });
      }
    });

    it('decodes exactly on both sides of the fast path\'s reach, (q_0 q_1 - 1)/2, with fast and exact coefficients side by side', () => {
      // The decoder takes x from q_0 and q_1 alone when the other limbs agree (|x| < q_0 q_1 / 2),
      // and runs Garner's algorithm on the others (src/ckks/crt.ts).
      const q01 = BigInt(params.Q[0]) * BigInt(params.Q[1]);
      const H01 = (q01 - 1n) / 2n;
      for (let level = 1; level <= params.maxLevel; level++) {
        let Q = 1n;
        for (let i = 0; i <= level; i++) Q *= BigInt(params.Q[i]);
        const H = (Q - 1n) / 2n;
        const special = [H01, H01 + 1n, H01 - 1n, -H01, -H01 - 1n, -H01 + 1n, q01, -q01, BigInt(params.Q[0]), -BigInt(params.Q[0]), 2n ** 52n - 1n, -(2n ** 52n), 7n, -7n, 0n, H, -H].filter((x) => x <= H && x >= -H);
        const coeffs = new Array<bigint>(params.N).fill(0n);
        special.forEach((x, i) => (coeffs[i] = x));
        // the rest: small values with a few large ones among them
        for (let i = special.length; i < params.N; i++) coeffs[i] = i % 97 === 0 ? (H * BigInt(i)) / BigInt(params.N) : BigInt(((i * 2654435761) % 2 ** 31) - 2 ** 30);
        const p = polyFromBigInts(coeffs, params.basisQ, level + 1);
        polyForwardNtt(p, params.basisQ);
        const got = enc.decodeCoefficients(new Plaintext(params, level, 1, params.slots, p));
        coeffs.forEach((x, i) => {
          const w = Number(x);
          if (x < 2n ** 53n && x > -(2n ** 53n)) expect(got[i], `level ${level}, coefficient ${i}`).toBe(w);
          else {
            expect(Math.sign(got[i])).toBe(Math.sign(w));
            expect(Math.abs(got[i] - w) / Math.abs(w), `level ${level}, coefficient ${i}`).toBeLessThanOrEqual(2 ** -50);
          }
        });
      }
    });

    it('encodes large values whose coefficients exceed 2^53 (exact residues)', () => {
      // scale 2^40, values up to 2^30: coefficients ~ 2^70, still < Q_2/2 ~ 2^89
      const n = 64;
      const z = randomVec(n, 95, 2 ** 30);
      const pt = enc.encode(z, 2, 2 ** 40, n);
      const coeffs = coefficientsOf(params, pt);
      const maxC = coeffs.reduce((m, c) => (c < 0n ? -c : c) > m ? (c < 0n ? -c : c) : m, 0n);
      expect(maxC > 2n ** 53n).toBe(true);
      // the residues are those of the rounded float64 coefficients: compare with the exact integers
      const want = naiveDecode(params, coeffs, pt.scale, 4);
      const got = enc.decodeComplex(pt);
      expect(maxErr(got.re, want.re, 4) / 2 ** 30).toBeLessThanOrEqual(2 ** -40);
      // relative precision: float64 coefficients carry 53 bits, the values 30 + 40 bits of range
      expect(maxErr(enc.decode(pt), z) / 2 ** 30).toBeLessThanOrEqual(2 ** -40);
    });
  });

  describe('coefficient encoding', () => {
    it('round trips and puts round(scale * c_i) in coefficient i', () => {
      const c = randomVec(params.N, 99);
      const pt = enc.encodeCoefficients(c, 1, 2 ** 30);
      const ints = coefficientsOf(params, pt);
      for (let i = 0; i < params.N; i++) expect(ints[i]).toBe(BigInt(Math.round(2 ** 30 * c[i])));
      const back = enc.decodeCoefficients(pt);
      expect(bits(maxErr(back, c))).toBeGreaterThanOrEqual(31);
      const short = enc.encodeCoefficients([1.5, -2], 0, 4);
      expect(Array.from(enc.decodeCoefficients(short).slice(0, 3))).toEqual([1.5, -2, 0]);
    });
  });

  describe('errors', () => {
    it('rejects non-finite and non-numeric values', () => {
      expectCode(() => enc.encode([1, NaN], 0), 'INVALID_ARGUMENT', /Encoder\.encode: values\[1\] must be a finite number/);
      expectCode(() => enc.encode([Infinity], 0), 'INVALID_ARGUMENT', /finite/);
      expectCode(() => enc.encode({ re: [1], im: [-Infinity] }, 0), 'INVALID_ARGUMENT', /values\.im\[0\]/);
      expectCode(() => enc.encode(['1'] as unknown as number[], 0), 'INVALID_ARGUMENT', /finite number, got string/);
      expectCode(() => enc.encode(5 as unknown as number[], 0), 'INVALID_ARGUMENT', /array of numbers/);
      expectCode(() => enc.encode(null as unknown as number[], 0), 'INVALID_ARGUMENT');
      expectCode(() => enc.encodeCoefficients([NaN], 0), 'INVALID_ARGUMENT', /Encoder\.encodeCoefficients/);
    });

    it('rejects more values than slots', () => {
      expectCode(() => enc.encode([1, 2, 3], 0, undefined, 2), 'INVALID_ARGUMENT', /at most 2 values .* got 3/);
      expectCode(() => enc.encode({ re: [1], im: [1, 2, 3, 4, 5] }, 0, undefined, 4), 'INVALID_ARGUMENT', /values\.im, got 5/);
      expectCode(() => enc.encode(new Float64Array(params.maxSlots + 1), 0), 'INVALID_ARGUMENT');
      expectCode(() => enc.encodeCoefficients(new Float64Array(params.N + 1), 0), 'INVALID_ARGUMENT', /at most N = 4096/);
    });

    it('rejects coefficients of magnitude >= Q_level/2', () => {
      // level 0: Q_0 ~ 2^30; at scale 2^30 a value of 1 already needs ~2^30 >= Q_0/2
      expectCode(() => enc.encode([1], 0, 2 ** 30, 1), 'OUT_OF_RANGE', /Q_0\/2 = 2\^29/);
      expect(() => enc.encode([0.25], 0, 2 ** 30, 1)).not.toThrow();
      // level 2: Q ~ 2^90
      expectCode(() => enc.encode([2 ** 62], 2, 2 ** 30, 1), 'OUT_OF_RANGE', /Encoder\.encode: expected every \|round\(scale \* coefficient\)\| < Q_2\/2/);
      expect(() => enc.encode([2 ** 57], 2, 2 ** 30, 1)).not.toThrow();
      // overflow to Infinity inside the transform
      expectCode(() => enc.encode([1e300, 1e300], 2, 2 ** 30, 2), 'OUT_OF_RANGE');
      expectCode(() => enc.encode([1.7e308, 1.7e308, 1.7e308, 1.7e308], 2, 1, 4), 'OUT_OF_RANGE');
      expectCode(() => enc.encodeCoefficients([2 ** 60], 1, 2 ** 30), 'OUT_OF_RANGE', /Encoder\.encodeCoefficients/);
      // exact boundary: (Q_0 - 1)/2 is accepted, (Q_0 + 1)/2 is not
      const q0 = params.Q[0];
      expect(() => enc.encodeCoefficients([(q0 - 1) / 2], 0, 1)).not.toThrow();
      expectCode(() => enc.encodeCoefficients([(q0 + 1) / 2], 0, 1), 'OUT_OF_RANGE');
      expectCode(() => enc.encodeCoefficients([-(q0 + 1) / 2], 0, 1), 'OUT_OF_RANGE');
    });

    it('rejects bad level, scale and slots', () => {
      for (const level of [-1, 3, 1.5, NaN]) expectCode(() => enc.encode([1], level), 'LEVEL_MISMATCH', /Encoder\.encode/);
      for (const scale of [0, -1, NaN, Infinity]) expectCode(() => enc.encode([1], 1, scale), 'OUT_OF_RANGE', /scale/);
      for (const slots of [0, 3, 2.5, params.N, -2]) expectCode(() => enc.encode([1], 1, undefined, slots), 'OUT_OF_RANGE', /slots/);
      expectCode(() => enc.decodePolynomial(new RnsPoly(params.N, 1), 1, 1, 4), 'INVALID_ARGUMENT', /at least 2 limbs/);
      expectCode(() => enc.decodePolynomial(new RnsPoly(params.N, 1), 0, 1, 3), 'OUT_OF_RANGE');
    });

    it('rejects plaintexts and outputs from other parameters or levels', () => {
      const other = createParameters({ logN: 12, logQ: [28, 25, 25], logP: [28], logDefaultScale: 25 });
      const ptOther = new Encoder(other).encode([1], 1);
      expectCode(() => enc.decode(ptOther), 'PARAMETERS_MISMATCH', /Encoder\.decode/);
      expectCode(() => enc.decodeComplex(ptOther), 'PARAMETERS_MISMATCH');
      expectCode(() => enc.encode([1], 1, undefined, undefined, ptOther), 'PARAMETERS_MISMATCH');
      expectCode(() => enc.encode([1], 1, undefined, undefined, new Plaintext(params, 2, 1, 1)), 'INVALID_ARGUMENT', /level 1, got one at level 2/);
      expectCode(() => enc.decode({} as Plaintext), 'INVALID_ARGUMENT', /expected a Plaintext/);
      expectCode(() => new Encoder(undefined as unknown as Parameters), 'INVALID_ARGUMENT');
    });
  });

  describe('logN = 16', () => {
    it('round trips 32768 slots at scale 2^30 with >= 20 bits of precision', () => {
      const big = createParameters({ logN: 16, logQ: [30, 30, 30], logP: [30], logDefaultScale: 30 });
      const e = new Encoder(big);
      const n = big.maxSlots;
      expect(n).toBe(32768);
      const zr = randomVec(n, 123);
      const zi = randomVec(n, 456);
      e.decodeComplex(e.encode({ re: zr, im: zi }, 2)); // warm-up (lazy scratch, JIT)
      const times = { encode: [] as number[], decodeL0: [] as number[], decodeL2: [] as number[] };
      let pt!: Plaintext;
      let got!: { re: Float64Array; im: Float64Array };
      for (let rep = 0; rep < 5; rep++) {
        let t = performance.now();
        pt = e.encode({ re: zr, im: zi }, 2);
        times.encode.push(performance.now() - t);
        t = performance.now();
        got = e.decodeComplex(pt);
        times.decodeL2.push(performance.now() - t);
      }
      const b = Math.min(bits(maxErr(got.re, zr)), bits(maxErr(got.im, zi)));
      const pt0 = e.encode(zr, 0, 2 ** 25);
      for (let rep = 0; rep < 5; rep++) {
        const t = performance.now();
        e.decode(pt0);
        times.decodeL0.push(performance.now() - t);
      }
      const b0 = bits(maxErr(e.decode(pt0), zr));
      const med = (xs: number[]) => xs.slice().sort((x, y) => x - y)[xs.length >> 1].toFixed(1);
      console.log(
        `logN 16, 32768 slots: precision ${b.toFixed(2)} bits (complex, scale 2^30, 3 limbs), ${b0.toFixed(2)} bits (real, scale 2^25, 1 limb); ` +
          `median encode ${med(times.encode)} ms (3 limbs), decodeComplex ${med(times.decodeL2)} ms (3 limbs), decode ${med(times.decodeL0)} ms (1 limb)`,
      );
      expect(b).toBeGreaterThanOrEqual(20);
      expect(b).toBeGreaterThanOrEqual(expectedBits(30, n) - 1);
      expect(b0).toBeGreaterThanOrEqual(expectedBits(25, n) - 1);
      // generous bounds (shared CI machines); the measured figures are far lower
      expect(Number(med(times.encode))).toBeLessThan(500);
      expect(Number(med(times.decodeL2))).toBeLessThan(1000);
    });
  });
});

describe('Encoder scratch', () => {
  it('decoding leaves no copy of the decrypted polynomial (m + e) in the encoder', async () => {
    const { Encoder, INSECURE_OPT_IN, createParameters } = await import('../../src/ckks/index.js');
    const p = createParameters({ logN: 10, logQ: [30, 30], logP: [30], logDefaultScale: 25, unsafeAllowInsecure: INSECURE_OPT_IN });
    const enc = new Encoder(p);
    const pt = enc.encode([0.5, -0.25, 0.125], p.maxLevel);
    enc.decode(pt);
    enc.decodeCoefficients(pt);
    const scratch = (enc as unknown as { scratchPoly?: Uint32Array }).scratchPoly;
    expect(scratch).toBeDefined();
    expect(scratch?.every((v) => v === 0)).toBe(true);
  });
});
