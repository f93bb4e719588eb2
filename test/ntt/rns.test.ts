import fc from 'fast-check';
import { crt } from 'bigint-mod-arith';
import { describe, expect, it } from 'vitest';
import {
  BasisConverter,
  RnsPoly,
  createRnsBasis,
  forwardNtt,
  polyAdd,
  polyForwardNtt,
  polyFromBigInts,
  polyInverseNtt,
  polyMulNtt,
  polyNeg,
  polySetSmall,
  polySub,
  polyToBigInts,
  subBasis,
} from '../../src/ntt/index.js';
import { centered, crtRef, fastBaseConvCenteredIntegerRef, fastBaseConvIntegerRef, mod, modinv, negacyclicRef, nttPrimesRef, product } from './reference.js';
import { residue } from './helpers.js';

const B = BigInt;

const LOGN = 4;
const N = 2 ** LOGN;
/** Three 30-bit primes and a 20-bit one; conversion targets disjoint from them. */
const MODULI = nttPrimesRef(LOGN, [30, 30, 29, 20]).map(Number);
const EXTRA = nttPrimesRef(LOGN, [30, 28, 20], MODULI.map(B)).map(Number);
const basis = createRnsBasis(MODULI, LOGN);
const Q = basis.product;

/** An integer in [lo, hi] with the edge values drawn often. */
const intIn = (lo: bigint, hi: bigint, extra: bigint[] = []) =>
  fc.oneof(fc.constantFrom(lo, lo + 1n, hi, hi - 1n, ...extra.filter((e) => e >= lo && e <= hi)), fc.bigInt({ min: lo, max: hi }));

const coeffsIn = (lo: bigint, hi: bigint, extra: bigint[] = []) =>
  fc.array(intIn(lo, hi, extra), { minLength: N, maxLength: N });

function residuesOf(p: RnsPoly, l: number): bigint[] {
  return Array.from(p.limb(l), (v) => B(v));
}

describe('createRnsBasis / subBasis', () => {
  it('holds the primes, their exact product and one table per prime; frozen and copied', () => {
    const input = MODULI.slice();
    const b = createRnsBasis(input, LOGN);
    input[0] = 97;
    expect(b.moduli).toEqual(MODULI);
    expect(b.product).toBe(product(MODULI.map(B)));
    expect(b.N).toBe(N);
    expect(b.logN).toBe(LOGN);
    expect(b.tables.map((t) => t.q)).toEqual(MODULI);
    expect(b.tables.every((t) => t.N === N)).toBe(true);
    expect(Object.isFrozen(b)).toBe(true);
    expect(Object.isFrozen(b.moduli)).toBe(true);
  });

  it('subBasis(count) is the first count primes with their product; the full count is the basis itself', () => {
    for (let c = 1; c <= MODULI.length; c++) {
      const s = subBasis(basis, c);
      expect(s.moduli).toEqual(MODULI.slice(0, c));
      expect(s.product).toBe(product(MODULI.slice(0, c).map(B)));
      expect(s.tables).toEqual(basis.tables.slice(0, c));
    }
    expect(subBasis(basis, MODULI.length)).toBe(basis);
  });
});

describe('CRT: polyFromBigInts / polyToBigInts', () => {
  const edges = [0n, 1n, Q - 1n, (Q - 1n) / 2n, (Q + 1n) / 2n, B(MODULI[0]), Q - B(MODULI[1])];

  it('residues of any integer (any sign, any size) are x mod q_i', () => {
    fc.assert(
      fc.property(coeffsIn(-(Q * Q * 7n), Q * Q * 7n, [...edges, -1n, -Q, Q]), (xs) => {
        const p = polyFromBigInts(xs, basis);
        expect(p.limbs).toBe(MODULI.length);
        expect(p.isNtt).toBe(false);
        MODULI.forEach((q, l) => expect(residuesOf(p, l)).toEqual(xs.map((x) => mod(x, B(q)))));
      }),
      { numRuns: 200 },
    );
  });

  it('round trip for x in [0, Q): polyToBigInts returns x (and agrees with bigint-mod-arith crt)', () => {
    fc.assert(
      fc.property(coeffsIn(0n, Q - 1n, edges), (xs) => {
        const p = polyFromBigInts(xs, basis);
        expect(polyToBigInts(p, basis)).toEqual(xs);
        const moduli = MODULI.map(B);
        for (let c = 0; c < N; c++) {
          const res = MODULI.map((_, l) => B(p.limb(l)[c]));
          expect(crt(res, moduli, Q)).toBe(xs[c]);
          expect(crtRef(res, moduli)).toBe(xs[c]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('centered round trip for x in (-Q/2, Q/2]', () => {
    const h = (Q - 1n) / 2n; // Q is odd
    fc.assert(
      fc.property(coeffsIn(-h, h, [0n, 1n, -1n]), (xs) => {
        const p = polyFromBigInts(xs, basis);
        expect(polyToBigInts(p, basis, true)).toEqual(xs);
        expect(polyToBigInts(p, basis, false)).toEqual(xs.map((x) => mod(x, Q)));
      }),
      { numRuns: 200 },
    );
    const p = polyFromBigInts([h, h + 1n, -h, Q - 1n, ...new Array<bigint>(N - 4).fill(0n)], basis);
    expect(polyToBigInts(p, basis, true).slice(0, 4)).toEqual([h, -h, -h, -1n]);
  });

  it('arbitrary integers come back reduced (plain or centered); a prefix reconstructs modulo its own product', () => {
    fc.assert(
      fc.property(coeffsIn(-(Q ** 3n), Q ** 3n), fc.integer({ min: 1, max: MODULI.length }), (xs, k) => {
        const p = polyFromBigInts(xs, basis);
        expect(polyToBigInts(p, basis)).toEqual(xs.map((x) => mod(x, Q)));
        expect(polyToBigInts(p, basis, true)).toEqual(xs.map((x) => centered(x, Q)));
        const Qk = product(MODULI.slice(0, k).map(B));
        expect(polyToBigInts(p.prefix(k), basis)).toEqual(xs.map((x) => mod(x, Qk)));
        expect(polyToBigInts(p.prefix(k), subBasis(basis, k), true)).toEqual(xs.map((x) => centered(x, Qk)));
        const pk = polyFromBigInts(xs, basis, k);
        expect(pk.limbs).toBe(k);
        expect(pk.data).toEqual(p.data.subarray(0, k * N));
      }),
      { numRuns: 100 },
    );
  });
});

describe('polySetSmall', () => {
  it('matches BigInt reduction for int32 coefficients (edges -2^31, 2^31 - 1 included)', () => {
    const int32 = fc.oneof(fc.constantFrom(0, 1, -1, -(2 ** 31), 2 ** 31 - 1, -MODULI[0], MODULI[0]), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
    fc.assert(
      fc.property(fc.array(int32, { minLength: N, maxLength: N }), (cs) => {
        const p = new RnsPoly(N, MODULI.length);
        p.data.fill(12345);
        p.isNtt = true;
        polySetSmall(cs, p, basis);
        expect(p.isNtt).toBe(false);
        MODULI.forEach((q, l) => expect(residuesOf(p, l)).toEqual(cs.map((c) => mod(B(c), B(q)))));
        expect(polyToBigInts(p, basis, true)).toEqual(cs.map(B));
        // also from an Int32Array
        const r = new RnsPoly(N, MODULI.length);
        polySetSmall(Int32Array.from(cs), r, basis);
        expect(r.data).toEqual(p.data);
      }),
      { numRuns: 200 },
    );
  });
});

describe('limb-wise arithmetic against BigInt', () => {
  const pair = fc.tuple(coeffsIn(0n, Q - 1n, [0n, 1n, Q - 1n]), coeffsIn(0n, Q - 1n, [0n, 1n, Q - 1n]));

  it('polyAdd / polySub / polyNeg (fresh out, and out aliasing a or b)', () => {
    fc.assert(
      fc.property(pair, ([xs, ys]) => {
        const a = polyFromBigInts(xs, basis);
        const b = polyFromBigInts(ys, basis);
        const out = new RnsPoly(N, MODULI.length);
        polyAdd(a, b, out, basis);
        expect(polyToBigInts(out, basis)).toEqual(xs.map((x, i) => mod(x + ys[i], Q)));
        polySub(a, b, out, basis);
        expect(polyToBigInts(out, basis)).toEqual(xs.map((x, i) => mod(x - ys[i], Q)));
        polyNeg(a, out, basis);
        expect(polyToBigInts(out, basis)).toEqual(xs.map((x) => mod(-x, Q)));
        // per limb too
        MODULI.forEach((q, l) => expect(residuesOf(out, l)).toEqual(xs.map((x) => mod(-x, B(q)))));
        // aliasing
        const a2 = a.clone();
        polyAdd(a2, b, a2, basis);
        expect(polyToBigInts(a2, basis)).toEqual(xs.map((x, i) => mod(x + ys[i], Q)));
        const b2 = b.clone();
        polySub(a, b2, b2, basis);
        expect(polyToBigInts(b2, basis)).toEqual(xs.map((x, i) => mod(x - ys[i], Q)));
        const a3 = a.clone();
        polyNeg(a3, a3, basis);
        expect(polyToBigInts(a3, basis)).toEqual(xs.map((x) => mod(-x, Q)));
      }),
      { numRuns: 150 },
    );
  });

  it('the representation flag follows a', () => {
    const a = polyFromBigInts(new Array<bigint>(N).fill(1n), basis);
    a.isNtt = true;
    const b = a.clone();
    const out = new RnsPoly(N, MODULI.length);
    polyAdd(a, b, out, basis);
    expect(out.isNtt).toBe(true);
    a.isNtt = false;
    b.isNtt = false;
    polySub(a, b, out, basis);
    expect(out.isNtt).toBe(false);
  });

  it('polyForwardNtt / polyMulNtt / polyInverseNtt give the negacyclic product modulo Q', () => {
    fc.assert(
      fc.property(pair, ([xs, ys]) => {
        const a = polyFromBigInts(xs, basis);
        const b = polyFromBigInts(ys, basis);
        polyForwardNtt(a, basis);
        polyForwardNtt(b, basis);
        expect(a.isNtt && b.isNtt).toBe(true);
        // each limb is the NTT modulo its own prime
        const a0 = polyFromBigInts(xs, basis);
        MODULI.forEach((_, l) => {
          const x = a0.limb(l).slice();
          forwardNtt(x, basis.tables[l]);
          expect(a.limb(l)).toEqual(x);
        });
        const out = new RnsPoly(N, MODULI.length);
        polyMulNtt(a, b, out, basis);
        expect(out.isNtt).toBe(true);
        polyInverseNtt(out, basis);
        expect(out.isNtt).toBe(false);
        const want = negacyclicRef(xs, ys, 0n).map((c) => mod(c, Q));
        expect(polyToBigInts(out, basis)).toEqual(want);
        // in place
        polyMulNtt(a, b, a, basis);
        polyInverseNtt(a, basis);
        expect(polyToBigInts(a, basis)).toEqual(want);
        // round trip of b
        polyInverseNtt(b, basis);
        expect(polyToBigInts(b, basis)).toEqual(ys);
      }),
      { numRuns: 60 },
    );
  });

  it('signed small coefficients: product of centered polynomials is exact over the integers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), { minLength: N, maxLength: N }),
        fc.array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), { minLength: N, maxLength: N }),
        (xs, ys) => {
          const a = new RnsPoly(N, MODULI.length);
          const b = new RnsPoly(N, MODULI.length);
          polySetSmall(xs, a, basis);
          polySetSmall(ys, b, basis);
          polyForwardNtt(a, basis);
          polyForwardNtt(b, basis);
          polyMulNtt(a, b, a, basis);
          polyInverseNtt(a, basis);
          expect(polyToBigInts(a, basis, true)).toEqual(negacyclicRef(xs.map(B), ys.map(B), 0n));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('RnsPoly memory', () => {
  it('prefix() and limb() are views sharing memory with the parent', () => {
    const p = polyFromBigInts(Array.from({ length: N }, (_, i) => B(i) * 1000003n), basis);
    p.isNtt = true;
    const v = p.prefix(2);
    expect(v.limbs).toBe(2);
    expect(v.N).toBe(N);
    expect(v.isNtt).toBe(true);
    expect(v.data.buffer).toBe(p.data.buffer);
    expect(v.data.byteOffset).toBe(p.data.byteOffset);
    expect(v.data.length).toBe(2 * N);
    v.data[N + 3] = 7;
    expect(p.data[N + 3]).toBe(7);
    p.data[5] = 11;
    expect(v.data[5]).toBe(11);
    const l1 = p.limb(1);
    expect(l1.buffer).toBe(p.data.buffer);
    l1[0] = 99;
    expect(p.data[N]).toBe(99);
    expect(v.limb(1)[0]).toBe(99);
    expect(p.prefix(p.limbs).data.length).toBe(p.data.length);
  });

  it('an operation on a prefix writes only the prefix limbs of the parent', () => {
    const xs = Array.from({ length: N }, (_, i) => B(i + 1));
    const p = polyFromBigInts(xs, basis);
    const before = p.data.slice();
    const v = p.prefix(2);
    polyNeg(v, v, basis);
    polyForwardNtt(v, basis);
    expect(p.data.subarray(2 * N)).toEqual(before.subarray(2 * N));
    expect(p.data.subarray(0, 2 * N)).not.toEqual(before.subarray(0, 2 * N));
    polyInverseNtt(v, basis);
    expect(polyToBigInts(v, basis)).toEqual(xs.map((x) => mod(-x, product(MODULI.slice(0, 2).map(B)))));
  });

  it('clone() is deep, copyFrom() copies data and flag, alloc() zeroes and can share', () => {
    const p = polyFromBigInts(Array.from({ length: N }, (_, i) => B(i)), basis);
    p.isNtt = true;
    const c = p.clone();
    expect(c.data).toEqual(p.data);
    expect(c.data.buffer).not.toBe(p.data.buffer);
    expect(c.isNtt).toBe(true);
    c.data[1] = 0;
    expect(p.data[1]).toBe(1);
    const d = RnsPoly.alloc(N, MODULI.length);
    expect(d.data.every((x) => x === 0)).toBe(true);
    d.copyFrom(p);
    expect(d.data).toEqual(p.data);
    expect(d.isNtt).toBe(true);
    const s = RnsPoly.alloc(N, 2, true);
    expect(s.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(s.data.length).toBe(2 * N);
    expect(s.data.every((x) => x === 0)).toBe(true);
  });
});

describe('BasisConverter (FastBConv) against exact CRT', () => {
  /** Source sizes k = 1..4 and a few targets, including targets smaller than the sources. */
  const configs: [number[], number[]][] = [
    [[MODULI[0]], [EXTRA[0]]],
    [[MODULI[0], MODULI[1]], [EXTRA[0], EXTRA[2]]],
    [MODULI.slice(0, 3), EXTRA],
    [MODULI, EXTRA],
    [MODULI, [EXTRA[2]]],
    [[MODULI[3], MODULI[2]], [MODULI[0], EXTRA[1]]],
    [EXTRA, MODULI.slice(0, 2)],
  ];

  it.each(configs)('from %j to %j: out_j = x + u Q mod p_j with the same u in [0, k) for every j', (fromQ, toP) => {
    const from = createRnsBasis(fromQ, LOGN);
    const to = createRnsBasis(toP, LOGN);
    const k = fromQ.length;
    const l = toP.length;
    const QQ = from.product;
    const conv = new BasisConverter(from, to);
    const edges = [0n, 1n, QQ - 1n, ...fromQ.map(B), ...fromQ.map((q) => QQ - B(q)), QQ / 2n];
    const uSeen = new Set<number>();
    fc.assert(
      fc.property(coeffsIn(0n, QQ - 1n, edges), (xs) => {
        const input = polyFromBigInts(xs, from).data;
        const inputCopy = input.slice();
        const out = new Uint32Array(l * N).fill(0xffffffff); // garbage must be overwritten
        conv.convert(input, out);
        expect(input).toEqual(inputCopy);
        for (let c = 0; c < N; c++) {
          const x = xs[c];
          // exact integer the conversion computes, from the reference
          const y = fastBaseConvIntegerRef(x, fromQ.map(B));
          const uRef = (y - x) / QQ;
          expect(mod(y - x, QQ)).toBe(0n);
          expect(uRef >= 0n && uRef < B(k)).toBe(true);
          // the u seen by output prime 0, found by search over [0, k) (unique since p_0 > k and gcd(p_0, Q) = 1)
          const p0 = B(toP[0]);
          const cands = Array.from({ length: k }, (_, u) => u).filter((u) => mod(x + B(u) * QQ, p0) === B(out[c]));
          expect(cands).toHaveLength(1);
          const u = cands[0];
          expect(B(u)).toBe(uRef);
          uSeen.add(u);
          for (let j = 0; j < l; j++) {
            const v = out[j * N + c];
            expect(v).toBeLessThan(toP[j]);
            expect(B(v)).toBe(mod(x + B(u) * QQ, B(toP[j])));
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(uSeen.has(0)).toBe(true); // x = 0 gives u = 0
    if (k === 1) expect([...uSeen]).toEqual([0]); // a single prime converts exactly
    // x = 0 converts to 0, x = 1 to ... + u Q with u = 0 or more, and the converter is reusable
    const zero = new Uint32Array(k * N);
    const o1 = new Uint32Array(l * N).fill(1);
    conv.convert(zero, o1);
    expect(o1.every((v) => v === 0)).toBe(true);
  });

  it('the documented error is real: u reaches k - 1 for some inputs (not exact for k > 1)', () => {
    const from = createRnsBasis(MODULI.slice(0, 3), LOGN);
    const to = createRnsBasis([EXTRA[0]], LOGN);
    const conv = new BasisConverter(from, to);
    // x = Q - 1 has every residue q_i - 1; y = sum (q_i - 1) [(Q/q_i)^-1]_{q_i} Q/q_i.
    const QQ = from.product;
    const xs = new Array<bigint>(N).fill(0n).map((_, c) => QQ - 1n - B(c));
    const out = new Uint32Array(N);
    conv.convert(polyFromBigInts(xs, from).data, out);
    const us = xs.map((x) => (fastBaseConvIntegerRef(x, MODULI.slice(0, 3).map(B)) - x) / QQ);
    expect(us.some((u) => u > 0n)).toBe(true);
    xs.forEach((x, c) => expect(B(out[c])).toBe(mod(x + us[c] * QQ, B(EXTRA[0]))));
    // and the output is not simply x mod p whenever u > 0
    xs.forEach((x, c) => {
      if (us[c] > 0n) expect(B(out[c])).not.toBe(mod(x, B(EXTRA[0])));
    });
  });

  it.each(configs)('centered, from %j to %j: out_j = y mod p_j, y = sum of y_i in [-q_i/2, q_i/2), u in [-k/2 - 1, k/2)', (fromQ, toP) => {
    const from = createRnsBasis(fromQ, LOGN);
    const to = createRnsBasis(toP, LOGN);
    const k = fromQ.length;
    const l = toP.length;
    const QQ = from.product;
    const qs = fromQ.map(B);
    // x whose i-th y_i is exactly (q_i - 1)/2 or (q_i + 1)/2: the boundary of the centered interval
    const boundary: bigint[] = [];
    for (let i = 0; i < k; i++) {
      for (const yi of [(qs[i] - 1n) / 2n, (qs[i] + 1n) / 2n]) {
        const res = qs.map((q, m) => (m === i ? mod(yi * mod(QQ / q, q), q) : 0n));
        boundary.push(crtRef(res, qs));
      }
    }
    const edges = [0n, 1n, QQ - 1n, QQ / 2n, (QQ + 1n) / 2n, ...boundary, ...boundary.map((b) => QQ - b)];
    const conv = new BasisConverter(from, to);
    fc.assert(
      fc.property(coeffsIn(0n, QQ - 1n, edges), (xs) => {
        const input = polyFromBigInts(xs, from).data;
        const out = new Uint32Array(l * N).fill(0xffffffff);
        conv.convert(input, out, true);
        const outNeg = new Uint32Array(l * N);
        conv.convert(polyFromBigInts(xs.map((x) => mod(-x, QQ)), from).data, outNeg, true);
        for (let c = 0; c < N; c++) {
          const x = xs[c];
          const y = fastBaseConvCenteredIntegerRef(x, qs);
          expect(mod(y - x, QQ)).toBe(0n);
          const u = (y - x) / QQ;
          expect(2n * u >= -B(k) - 2n && 2n * u < B(k)).toBe(true);
          for (let j = 0; j < l; j++) {
            const pj = B(toP[j]);
            expect(B(out[j * N + c])).toBe(mod(x + u * QQ, pj));
            // the centered interval is symmetric: converting -x gives -y exactly
            expect(B(outNeg[j * N + c])).toBe(mod(-y, pj));
          }
        }
      }),
      { numRuns: 60 },
    );
    // boundary inputs, deterministically
    const xs = [...boundary, ...boundary.map((b) => QQ - b)].slice(0, N);
    while (xs.length < N) xs.push(0n);
    const out = new Uint32Array(l * N);
    conv.convert(polyFromBigInts(xs, from).data, out, true);
    xs.forEach((x, c) => {
      const y = fastBaseConvCenteredIntegerRef(x, qs);
      for (let j = 0; j < l; j++) expect(B(out[j * N + c])).toBe(mod(y, B(toP[j])));
    });
    // sanity of the boundary construction: y_i of boundary[2i] is (q_i - 1)/2
    expect(mod(mod(boundary[0], qs[0]) * modinv(QQ / qs[0], qs[0]), qs[0])).toBe((qs[0] - 1n) / 2n);
  });

  it('across coefficient blocks (N = 2^12) and at the largest supported source basis (128 primes)', () => {
    const check = (logN: number, fromQ: number[], toP: number[], xsOf: (QQ: bigint, n: number) => bigint[]) => {
      const n = 2 ** logN;
      const from = createRnsBasis(fromQ, logN);
      const conv = new BasisConverter(from, createRnsBasis(toP, logN));
      const xs = xsOf(from.product, n);
      const input = polyFromBigInts(xs, from).data;
      for (const centeredMode of [false, true]) {
        const out = new Uint32Array(toP.length * n);
        conv.convert(input, out, centeredMode);
        const ref = centeredMode ? fastBaseConvCenteredIntegerRef : fastBaseConvIntegerRef;
        const bad: number[] = [];
        for (let c = 0; c < n; c++) {
          const y = ref(xs[c], fromQ.map(B));
          for (let j = 0; j < toP.length; j++) if (B(out[j * n + c]) !== mod(y, B(toP[j]))) bad.push(c);
        }
        expect(bad).toEqual([]);
      }
    };
    const lcg = (seed: bigint) => () => (seed = mod(seed * 6364136223846793005n + 1442695040888963407n, 2n ** 64n));
    // N = 2^12: four blocks of 1024 coefficients; spot values at the block edges
    const f12 = nttPrimesRef(12, [30, 30, 30]);
    const t12 = nttPrimesRef(12, [30, 29], f12);
    check(12, f12.map(Number), t12.map(Number), (QQ, n) => {
      const r = lcg(5n);
      return Array.from({ length: n }, (_, c) => ([0, 1023, 1024, 2047, 4095].includes(c) ? QQ - 1n - B(c) : mod(r() * r(), QQ)));
    });
    // 128 source primes (the documented maximum): the float64 accumulators are at their exactness bound
    const f128 = nttPrimesRef(LOGN, new Array<number>(128).fill(30));
    const t128 = nttPrimesRef(LOGN, [30, 30], f128);
    check(LOGN, f128.map(Number), t128.map(Number), (QQ, n) => {
      const r = lcg(9n);
      const out = [0n, 1n, QQ - 1n, QQ / 2n, (QQ + 1n) / 2n];
      while (out.length < n) {
        let x = 0n;
        for (let w = 0; w < 62; w++) x = (x << 64n) | r();
        out.push(mod(x, QQ));
      }
      return out;
    });
    // one prime more is refused
    const f129 = createRnsBasis(nttPrimesRef(LOGN, new Array<number>(129).fill(30)).map(Number), LOGN);
    const f129to = createRnsBasis(nttPrimesRef(LOGN, [29]).map(Number), LOGN);
    expect(() => new BasisConverter(f129, f129to)).toThrow(RangeError);
    expect(() => new BasisConverter(f129, f129to)).toThrow(/^BasisConverter: from must be /);
  });

  it('at N = 2^10 with four 30-bit source primes', () => {
    const logN = 10;
    const n = 2 ** logN;
    const fromQ = nttPrimesRef(logN, [30, 30, 30, 30]).map(Number);
    const toP = nttPrimesRef(logN, [30, 30], fromQ.map(B)).map(Number);
    const from = createRnsBasis(fromQ, logN);
    const conv = new BasisConverter(from, createRnsBasis(toP, logN));
    const QQ = from.product;
    const xs: bigint[] = [];
    let s = 1n;
    for (let c = 0; c < n; c++) {
      s = mod(s * 6364136223846793005n + 1442695040888963407n, 2n ** 128n);
      xs.push(c === 0 ? 0n : c === 1 ? QQ - 1n : mod(s, QQ));
    }
    const out = new Uint32Array(2 * n);
    conv.convert(polyFromBigInts(xs, from).data, out);
    for (let c = 0; c < n; c++) {
      const y = fastBaseConvIntegerRef(xs[c], fromQ.map(B));
      for (let j = 0; j < 2; j++) expect(B(out[j * n + c])).toBe(mod(y, B(toP[j])));
    }
  });
});

/**
 * The blocked conversion kernel (issue 11): y_i computed once per block, four source rows per pass
 * over the float64 accumulators, single rows for k mod 4, the last eight (k >= 8) or four (4 <= k < 8)
 * rows fused with the reduction, a separate reduction pass below four rows. Checked on residue vectors
 * drawn directly (every residue independently 0, 1, q_i - 1 or uniform), with the source and target
 * primes the largest 30-bit NTT primes, against the exact CRT integer computed in BigInt.
 */
describe('BasisConverter kernel: 30-bit primes at the top of the range, every path', () => {
  /** The exact integer the conversion computes, from the residues: sum_i [x_i (Q/q_i)^-1]_{q_i} (Q/q_i), y_i centered if asked. */
  function convIntegerFromResidues(xs: readonly bigint[], qs: readonly bigint[], centeredMode: boolean): bigint {
    const QQ = product(qs);
    let y = 0n;
    qs.forEach((q, i) => {
      const h = QQ / q;
      let yi = mod(xs[i] * modinv(h, q), q);
      if (centeredMode && 2n * yi >= q) yi -= q;
      y += yi * h;
    });
    return y;
  }

  /** Residues x_i such that y_i = [x_i (Q/q_i)^-1]_{q_i} is the given value (to reach the extreme products). */
  function residuesForY(ys: readonly bigint[], qs: readonly bigint[]): number[] {
    const QQ = product(qs);
    return qs.map((q, i) => Number(mod(ys[i] * (QQ / q), q)));
  }

  function checkConversion(n: number, fromQ: number[], toP: number[], cols: number[][], centeredMode: boolean, conv: BasisConverter): void {
    const k = fromQ.length;
    const l = toP.length;
    const input = new Uint32Array(k * n);
    cols.forEach((col, c) => col.forEach((v, i) => (input[i * n + c] = v)));
    const inputCopy = input.slice();
    const out = new Uint32Array(l * n).fill(0xffffffff);
    conv.convert(input, out, centeredMode);
    expect(input).toEqual(inputCopy);
    const qs = fromQ.map(B);
    const bad: string[] = [];
    cols.forEach((col, c) => {
      const y = convIntegerFromResidues(col.map(B), qs, centeredMode);
      for (let j = 0; j < l; j++) if (B(out[j * n + c]) !== mod(y, B(toP[j]))) bad.push(`c=${c} j=${j}`);
    });
    expect(bad.slice(0, 5)).toEqual([]);
  }

  const TOP = nttPrimesRef(LOGN, new Array<number>(24).fill(30)).map(Number); // the 24 largest 30-bit NTT primes
  // source sizes around the four-row chunks: k mod 4 = 0..3, one chunk, two chunks, more
  const configs: [number, number][] = [
    [1, 3],
    [2, 2],
    [3, 5],
    [4, 4],
    [5, 3],
    // 5 to 7 rows are padded to 8 (zero rows): pairs of outputs and a last single one
    [6, 5],
    [7, 2],
    [7, 3],
    [8, 8],
    [9, 4],
    [12, 6],
    [13, 1],
  ];

  /** The top primes split into k source and l target primes, their converter, and an arbitrary for one coefficient's residues. */
  function setupConversion(k: number, l: number) {
    const fromQ = TOP.slice(0, k);
    const toP = TOP.slice(k, k + l);
    const conv = new BasisConverter(createRnsBasis(fromQ, LOGN), createRnsBasis(toP, LOGN));
    const col = fc.tuple(...fromQ.map((q) => residue(q)));
    return { fromQ, toP, conv, col };
  }

  it.each(configs)('k = %i source primes -> %i target primes, plain and centered, residues with edges', (k, l) => {
    const { fromQ, toP, conv, col } = setupConversion(k, l);
    fc.assert(
      fc.property(fc.array(col, { minLength: N, maxLength: N }), fc.boolean(), (cols, centeredMode) => {
        checkConversion(N, fromQ, toP, cols, centeredMode, conv);
      }),
      { numRuns: 40 },
    );
    // all residues at an edge, every y_i at the top of its range (q_i - 1, or (q_i - 1)/2 and -(q_i - 1)/2 when centered)
    const qs = fromQ.map(B);
    const cols: number[][] = [
      fromQ.map(() => 0),
      fromQ.map(() => 1),
      fromQ.map((q) => q - 1),
      residuesForY(qs.map((q) => q - 1n), qs),
      residuesForY(qs.map((q) => (q - 1n) / 2n), qs),
      residuesForY(qs.map((q) => (q + 1n) / 2n), qs),
      residuesForY(qs.map(() => 1n), qs),
    ];
    while (cols.length < N) cols.push(cols[cols.length % 7]);
    for (const centeredMode of [false, true]) checkConversion(N, fromQ, toP, cols, centeredMode, conv);
  });

  it.each([
    [1, 3],
    [3, 2],
    [7, 3],
    [8, 8],
    [9, 4],
  ] as [number, number][])('convertScaled on residues times scaleFactor(i) = convert, word for word (k = %i -> %i)', (k, l) => {
    const { fromQ, conv, col } = setupConversion(k, l);
    fc.assert(
      fc.property(fc.array(col, { minLength: N, maxLength: N }), fc.boolean(), (cols, centeredMode) => {
        const input = new Uint32Array(k * N);
        cols.forEach((c, j) => c.forEach((v, i) => (input[i * N + j] = v)));
        const scaled = input.map((v, idx) => {
          const i = Math.floor(idx / N);
          const [f] = conv.scaleFactor(i);
          return Number(mod(B(v) * B(f), B(fromQ[i])));
        });
        const want = new Uint32Array(l * N);
        conv.convert(input, want, centeredMode);
        const got = new Uint32Array(l * N).fill(0xffffffff);
        conv.convertScaled(scaled, got, centeredMode);
        expect(got).toEqual(want);
      }),
      { numRuns: 25 },
    );
    expect(() => conv.scaleFactor(k)).toThrow(RangeError);
    expect(() => conv.scaleFactor(-1)).toThrow(RangeError);
    expect(() => conv.convertScaled(new Uint32Array(k * N - 1), new Uint32Array(l * N))).toThrow(/convertScaled/);
  });

  it('several cache blocks (N = 2^12, k = 5, 8 and 16) with 30-bit primes, and small target primes (20 and 17 bits)', () => {
    const logN = 12;
    const n = 2 ** logN;
    const top = nttPrimesRef(logN, new Array<number>(26).fill(30)).map(Number);
    const small = nttPrimesRef(logN, [20, 17], top.map(B)).map(Number); // small p: the quotient estimates see larger t/p
    const lcg = (seed: number) => () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    for (const [k, toP] of [
      [8, top.slice(8, 16)],
      [16, [...top.slice(16, 26), ...small]],
      [5, small],
    ] as [number, number[]][]) {
      const fromQ = top.slice(0, k);
      const conv = new BasisConverter(createRnsBasis(fromQ, logN), createRnsBasis(toP, logN));
      const r = lcg(k);
      const cols = Array.from({ length: n }, (_, c) =>
        fromQ.map((q) => {
          const e = (c * 7 + r()) % 8;
          return e === 0 ? 0 : e === 1 ? 1 : e === 2 ? q - 1 : (r() * 4 + (r() & 3)) % q;
        }),
      );
      for (const centeredMode of [false, true]) checkConversion(n, fromQ, toP, cols, centeredMode, conv);
    }
  });
});
