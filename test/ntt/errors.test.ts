/**
 * Bad input: every public entry point rejects it with a RangeError or a
 * TypeError whose message starts with "<function>: <argument> must be", and
 * leaves the arrays passed in unchanged.
 */
import { describe, expect, it } from 'vitest';
import {
  BasisConverter,
  RnsPoly,
  automorphismCoeff,
  automorphismNtt,
  automorphismNttIndex,
  checkModulus,
  createNttTables,
  createRnsBasis,
  forwardNtt,
  galoisElementForConjugation,
  galoisElementForRotation,
  generateNttPrimes,
  invMod,
  inverseNtt,
  isPrime,
  minimalPrimitive2NthRoot,
  negacyclicMul,
  polyAdd,
  polyForwardNtt,
  polyFromBigInts,
  polyInverseNtt,
  polyMulNtt,
  polyNeg,
  polySetSmall,
  polySub,
  polyToBigInts,
  powMod,
  shoupConstant,
  subBasis,
} from '../../src/ntt/index.js';
import { nttPrimesRef } from './reference.js';

type ErrorClass = typeof RangeError | typeof TypeError;

/**
 * Expect `f` to throw `cls` with a message naming `fn` and `arg`, and every
 * array in `untouched` to hold the same contents afterwards.
 */
function expectReject(f: () => unknown, cls: ErrorClass, fn: string, arg: string, untouched: ArrayLike<unknown>[] = []): void {
  const before = untouched.map((a) => Array.from(a));
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err, `${fn} should throw`).toBeInstanceOf(cls);
  const msg = (err as Error).message;
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  expect(msg).toMatch(new RegExp(`^${esc(fn)}: ${esc(arg)} must be `));
  untouched.forEach((a, i) => expect(Array.from(a)).toEqual(before[i]));
}

const LOGN = 4;
const N = 16;
const [Q0, Q1, Q2] = nttPrimesRef(LOGN, [30, 30, 29]).map(Number);
const [P0] = nttPrimesRef(LOGN, [28], [Q0, Q1, Q2].map(BigInt)).map(Number);
const t = createNttTables(Q0, LOGN);
const basis = createRnsBasis([Q0, Q1, Q2], LOGN);

const filled = (n: number, v = 5) => new Uint32Array(n).fill(v);

describe('scalar arguments', () => {
  it('checkModulus / powMod / invMod / shoupConstant', () => {
    expectReject(() => checkModulus('f', 2 ** 30), RangeError, 'f', 'q');
    expectReject(() => checkModulus('f', 2 ** 31 - 1), RangeError, 'f', 'q');
    expectReject(() => checkModulus('f', 1), RangeError, 'f', 'q');
    expectReject(() => checkModulus('f', -7), RangeError, 'f', 'q');
    expectReject(() => checkModulus('f', 97.5), TypeError, 'f', 'q');
    expectReject(() => checkModulus('f', NaN), TypeError, 'f', 'q');
    expectReject(() => checkModulus('f', '97'), TypeError, 'f', 'q');
    expectReject(() => checkModulus('f', 97n), TypeError, 'f', 'q');
    expect(() => checkModulus('f', 2)).not.toThrow();
    expect(() => checkModulus('f', 2 ** 30 - 1)).not.toThrow();
    expectReject(() => powMod(2, 3, 2 ** 30), RangeError, 'powMod', 'q');
    expectReject(() => powMod(2, -1, 97), RangeError, 'powMod', 'exp');
    expectReject(() => powMod(2, 1.5, 97), TypeError, 'powMod', 'exp');
    expectReject(() => powMod(97, 1, 97), RangeError, 'powMod', 'base');
    expectReject(() => powMod(-1, 1, 97), RangeError, 'powMod', 'base');
    expectReject(() => invMod(0, 97), RangeError, 'invMod', 'a');
    expectReject(() => invMod(97, 97), RangeError, 'invMod', 'a');
    expectReject(() => invMod(6, 9), RangeError, 'invMod', 'a');
    expectReject(() => invMod(3, 2 ** 30), RangeError, 'invMod', 'q');
    expectReject(() => shoupConstant(97, 97), RangeError, 'shoupConstant', 'w');
    expectReject(() => shoupConstant(-1, 97), RangeError, 'shoupConstant', 'w');
    expectReject(() => shoupConstant(1, 2 ** 30 + 1), RangeError, 'shoupConstant', 'q');
  });

  it('isPrime', () => {
    expectReject(() => isPrime(-1), RangeError, 'isPrime', 'n');
    expectReject(() => isPrime(2 ** 32), RangeError, 'isPrime', 'n');
    expectReject(() => isPrime(7.5), TypeError, 'isPrime', 'n');
    expectReject(() => isPrime(Infinity), TypeError, 'isPrime', 'n');
  });

  it('generateNttPrimes', () => {
    expectReject(() => generateNttPrimes(3, [30]), RangeError, 'generateNttPrimes', 'logN');
    expectReject(() => generateNttPrimes(18, [30]), RangeError, 'generateNttPrimes', 'logN');
    expectReject(() => generateNttPrimes(4.5, [30]), TypeError, 'generateNttPrimes', 'logN');
    expectReject(() => generateNttPrimes(4, [31]), RangeError, 'generateNttPrimes', 'bitSizes[0]');
    expectReject(() => generateNttPrimes(4, [30, 5]), RangeError, 'generateNttPrimes', 'bitSizes[1]'); // below logN + 2
    expectReject(() => generateNttPrimes(16, [30, 17]), RangeError, 'generateNttPrimes', 'bitSizes[1]');
    expectReject(() => generateNttPrimes(4, [29.5]), TypeError, 'generateNttPrimes', 'bitSizes[0]');
    expectReject(() => generateNttPrimes(4, 30 as unknown as number[]), TypeError, 'generateNttPrimes', 'bitSizes');
    const sizes = [30, 30, 99];
    expectReject(() => generateNttPrimes(4, sizes), RangeError, 'generateNttPrimes', 'bitSizes[2]', [sizes]);
  });

  it('NTT tables: N out of range, non-NTT-friendly, composite or too large modulus, bad psi', () => {
    expectReject(() => createNttTables(97, 3), RangeError, 'createNttTables', 'logN');
    expectReject(() => createNttTables(Q0, 18), RangeError, 'createNttTables', 'logN');
    expectReject(() => createNttTables(97, 4.5), TypeError, 'createNttTables', 'logN');
    expectReject(() => createNttTables(97, 5), RangeError, 'createNttTables', 'q'); // 97 != 1 mod 64
    expectReject(() => createNttTables(7681, 10), RangeError, 'createNttTables', 'q'); // 7681 = 1 mod 512 only
    expectReject(() => createNttTables(65, 4), RangeError, 'createNttTables', 'q'); // 65 = 1 mod 32, composite
    expectReject(() => createNttTables(2 ** 30 + 1 + 2 * 32, 4), RangeError, 'createNttTables', 'q'); // >= 2^30
    expectReject(() => createNttTables(4293918721, 4), RangeError, 'createNttTables', 'q'); // an NTT prime, but above 2^30
    expectReject(() => createNttTables(97.5, 4), TypeError, 'createNttTables', 'q');
    expectReject(() => createNttTables(97, 4, 1), RangeError, 'createNttTables', 'psi');
    expectReject(() => createNttTables(97, 4, 96), RangeError, 'createNttTables', 'psi'); // -1: order 2
    expectReject(() => createNttTables(97, 4, 19 * 19), RangeError, 'createNttTables', 'psi'); // out of [0, q)
    expectReject(() => createNttTables(97, 4, (19 * 19) % 97), RangeError, 'createNttTables', 'psi'); // order N only
    expectReject(() => minimalPrimitive2NthRoot(97, 5), RangeError, 'minimalPrimitive2NthRoot', 'q');
    expectReject(() => minimalPrimitive2NthRoot(97, 2), RangeError, 'minimalPrimitive2NthRoot', 'logN');
  });

  it('Galois elements', () => {
    expectReject(() => galoisElementForRotation(1, 3), RangeError, 'galoisElementForRotation', 'logN');
    expectReject(() => galoisElementForRotation(1.5, 4), TypeError, 'galoisElementForRotation', 'k');
    expectReject(() => galoisElementForRotation(2 ** 53, 4), TypeError, 'galoisElementForRotation', 'k');
    expectReject(() => galoisElementForConjugation(18), RangeError, 'galoisElementForConjugation', 'logN');
    expectReject(() => automorphismNttIndex(4, 4), RangeError, 'automorphismNttIndex', 'g');
    expectReject(() => automorphismNttIndex(4, 0), RangeError, 'automorphismNttIndex', 'g');
    expectReject(() => automorphismNttIndex(4, 33), RangeError, 'automorphismNttIndex', 'g');
    expectReject(() => automorphismNttIndex(4, 5.5), TypeError, 'automorphismNttIndex', 'g');
    expectReject(() => automorphismNttIndex(20, 5), RangeError, 'automorphismNttIndex', 'logN');
  });
});

describe('arrays of the wrong length or type (left unchanged)', () => {
  it('forwardNtt / inverseNtt', () => {
    for (const f of [forwardNtt, inverseNtt]) {
      const name = f === forwardNtt ? 'forwardNtt' : 'inverseNtt';
      const short = filled(N - 1);
      const long = filled(N + 1);
      expectReject(() => f(short, t), RangeError, name, 'a', [short]);
      expectReject(() => f(long, t), RangeError, name, 'a', [long]);
      expectReject(() => f(new Uint32Array(0), t), RangeError, name, 'a');
      const i32 = new Int32Array(N).fill(5);
      const f64 = new Float64Array(N).fill(5);
      const plain = new Array<number>(N).fill(5);
      const u16 = new Uint16Array(N).fill(5);
      expectReject(() => f(i32 as unknown as Uint32Array, t), TypeError, name, 'a', [i32]);
      expectReject(() => f(f64 as unknown as Uint32Array, t), TypeError, name, 'a', [f64]);
      expectReject(() => f(plain as unknown as Uint32Array, t), TypeError, name, 'a', [plain]);
      expectReject(() => f(u16 as unknown as Uint32Array, t), TypeError, name, 'a', [u16]);
      expectReject(() => f(undefined as unknown as Uint32Array, t), TypeError, name, 'a');
    }
  });

  it('negacyclicMul', () => {
    const a = filled(N, 3);
    const bShort = filled(N / 2, 4);
    expectReject(() => negacyclicMul(a, bShort, t), RangeError, 'negacyclicMul', 'b', [a, bShort]);
    expectReject(() => negacyclicMul(bShort, a, t), RangeError, 'negacyclicMul', 'a', [a, bShort]);
    const plain = new Array<number>(N).fill(1);
    expectReject(() => negacyclicMul(a, plain as unknown as Uint32Array, t), TypeError, 'negacyclicMul', 'b', [a, plain]);
  });

  it('RnsPoly: N not a power of two or out of range, wrong data', () => {
    expectReject(() => new RnsPoly(48, 1), RangeError, 'RnsPoly', 'N');
    expectReject(() => new RnsPoly(8, 1), RangeError, 'RnsPoly', 'N');
    expectReject(() => new RnsPoly(2 ** 18, 1), RangeError, 'RnsPoly', 'N');
    expectReject(() => new RnsPoly(16.5, 1), TypeError, 'RnsPoly', 'N');
    expectReject(() => new RnsPoly(16, 0), RangeError, 'RnsPoly', 'limbs');
    const d = filled(2 * N - 1);
    expectReject(() => new RnsPoly(N, 2, d), RangeError, 'RnsPoly', 'data', [d]);
    const i32 = new Int32Array(2 * N);
    expectReject(() => new RnsPoly(N, 2, i32 as unknown as Uint32Array), TypeError, 'RnsPoly', 'data');
    const p = new RnsPoly(N, 3);
    expectReject(() => p.limb(3), RangeError, 'RnsPoly.limb', 'i');
    expectReject(() => p.limb(-1), RangeError, 'RnsPoly.limb', 'i');
    expectReject(() => p.limb(0.5), RangeError, 'RnsPoly.limb', 'i');
    expectReject(() => p.prefix(0), RangeError, 'RnsPoly.prefix', 'limbs');
    expectReject(() => p.prefix(4), RangeError, 'RnsPoly.prefix', 'limbs');
    expectReject(() => p.copyFrom(new RnsPoly(N, 2)), RangeError, 'RnsPoly.copyFrom', 'b', [p.data]);
  });

  it('createRnsBasis / subBasis', () => {
    expectReject(() => createRnsBasis([], LOGN), RangeError, 'createRnsBasis', 'moduli');
    expectReject(() => createRnsBasis([Q0, Q0], LOGN), RangeError, 'createRnsBasis', 'moduli');
    expectReject(() => createRnsBasis(Q0 as unknown as number[], LOGN), TypeError, 'createRnsBasis', 'moduli');
    expectReject(() => createRnsBasis([Q0], 3), RangeError, 'createRnsBasis', 'logN');
    expectReject(() => createRnsBasis([Q0, 97 * 2 + 1], LOGN), RangeError, 'createNttTables', 'q'); // 195 is not NTT-friendly
    expectReject(() => createRnsBasis([2 ** 30 + 1], LOGN), RangeError, 'createNttTables', 'q');
    expectReject(() => subBasis(basis, 0), RangeError, 'subBasis', 'count');
    expectReject(() => subBasis(basis, 4), RangeError, 'subBasis', 'count');
  });

  it('polynomial arithmetic: shape mismatches leave out unchanged', () => {
    const a = new RnsPoly(N, 3, filled(3 * N, 1));
    const b2 = new RnsPoly(N, 2, filled(2 * N, 2));
    const out = new RnsPoly(N, 3, filled(3 * N, 9));
    const out2 = new RnsPoly(N, 2, filled(2 * N, 9));
    const big = new RnsPoly(32, 3);
    const four = new RnsPoly(N, 4);
    expectReject(() => polyAdd(a, b2, out, basis), RangeError, 'polyAdd', 'b', [a.data, b2.data, out.data]);
    expectReject(() => polyAdd(a, a, out2, basis), RangeError, 'polyAdd', 'out', [a.data, out2.data]);
    expectReject(() => polySub(a, b2, out, basis), RangeError, 'polySub', 'b', [a.data, b2.data, out.data]);
    expectReject(() => polySub(a, a, out2, basis), RangeError, 'polySub', 'out', [a.data, out2.data]);
    expectReject(() => polyNeg(a, out2, basis), RangeError, 'polyNeg', 'out', [a.data, out2.data]);
    expectReject(() => polyAdd(big, big, big, basis), RangeError, 'polyAdd', 'a', [big.data]);
    expectReject(() => polyAdd(four, four, four, basis), RangeError, 'polyAdd', 'a', [four.data]); // more limbs than primes
    expectReject(() => polyAdd(a, a.data as unknown as RnsPoly, out, basis), TypeError, 'polyAdd', 'b', [out.data]);
    a.isNtt = true;
    const coeffForm = a.clone();
    coeffForm.isNtt = false;
    expectReject(() => polyMulNtt(a, coeffForm, out, basis), RangeError, 'polyMulNtt', 'a, b', [out.data]); // b not NTT
    a.isNtt = false;
    expectReject(() => polyMulNtt(a, a, out, basis), RangeError, 'polyMulNtt', 'a, b', [out.data]);
    expectReject(() => polyForwardNtt(big, basis), RangeError, 'polyForwardNtt', 'p', [big.data]);
    expectReject(() => polyInverseNtt(a, basis), RangeError, 'polyInverseNtt', 'p', [a.data]); // not in NTT form
    a.isNtt = true;
    expectReject(() => polyForwardNtt(a, basis), RangeError, 'polyForwardNtt', 'p', [a.data]); // already NTT
    expectReject(() => polyToBigInts(a, basis), RangeError, 'polyToBigInts', 'p', [a.data]);
  });

  it('polyFromBigInts / polySetSmall', () => {
    expectReject(() => polyFromBigInts(new Array<bigint>(N - 1).fill(1n), basis), RangeError, 'polyFromBigInts', 'coeffs');
    expectReject(() => polyFromBigInts(new Array<bigint>(N).fill(1n), basis, 4), RangeError, 'polyFromBigInts', 'limbs');
    expectReject(() => polyFromBigInts(new Array<bigint>(N).fill(1n), basis, 0), RangeError, 'polyFromBigInts', 'limbs');
    const nums = new Array<number>(N).fill(1);
    expectReject(() => polyFromBigInts(nums as unknown as bigint[], basis), TypeError, 'polyFromBigInts', 'coeffs[0]');
    const out = new RnsPoly(N, 3, filled(3 * N, 7));
    expectReject(() => polySetSmall(new Array<number>(N + 1).fill(0), out, basis), RangeError, 'polySetSmall', 'coeffs', [out.data]);
    const cs = new Array<number>(N).fill(1);
    cs[N - 1] = 2 ** 31; // the last coefficient is bad: nothing may be written before the check
    expectReject(() => polySetSmall(cs, out, basis), RangeError, 'polySetSmall', `coeffs[${N - 1}]`, [out.data, cs]);
    cs[N - 1] = 0.5;
    expectReject(() => polySetSmall(cs, out, basis), RangeError, 'polySetSmall', `coeffs[${N - 1}]`, [out.data]);
    cs[N - 1] = -(2 ** 31) - 1;
    expectReject(() => polySetSmall(cs, out, basis), RangeError, 'polySetSmall', `coeffs[${N - 1}]`, [out.data]);
    expectReject(() => polySetSmall(new Array<number>(32).fill(0), new RnsPoly(32, 1), basis), RangeError, 'polySetSmall', 'out');
  });

  it('BasisConverter', () => {
    const from = createRnsBasis([Q0, Q1], LOGN);
    const to = createRnsBasis([P0], LOGN);
    expectReject(() => new BasisConverter(from, createRnsBasis([Q1, P0], LOGN)), RangeError, 'BasisConverter', 'to');
    const other = createRnsBasis(nttPrimesRef(5, [28]).map(Number), 5);
    expectReject(() => new BasisConverter(from, other), RangeError, 'BasisConverter', 'to');
    const conv = new BasisConverter(from, to);
    const input = filled(2 * N, 3);
    const out = filled(N, 8);
    expectReject(() => conv.convert(filled(2 * N - 1), out), RangeError, 'BasisConverter.convert', 'input', [out]);
    expectReject(() => conv.convert(input, filled(2 * N)), RangeError, 'BasisConverter.convert', 'out', [input]);
    expectReject(() => conv.convert(input, new Int32Array(N) as unknown as Uint32Array), TypeError, 'BasisConverter.convert', 'out', [input]);
    expectReject(() => conv.convert(Array.from(input) as unknown as Uint32Array, out), TypeError, 'BasisConverter.convert', 'input', [out]);
    expectReject(() => conv.convert(input, filled(2 * N), true), RangeError, 'BasisConverter.convert', 'out', [input]);
  });

  it('automorphisms: bad g, wrong lengths and types, overlapping output', () => {
    const a = Uint32Array.from({ length: N }, (_, i) => i);
    const out = filled(N, 77);
    expectReject(() => automorphismCoeff(a, out, 4, Q0), RangeError, 'automorphismCoeff', 'g', [a, out]);
    expectReject(() => automorphismCoeff(a, out, 33, Q0), RangeError, 'automorphismCoeff', 'g', [a, out]);
    expectReject(() => automorphismCoeff(a, out, -1, Q0), RangeError, 'automorphismCoeff', 'g', [a, out]);
    expectReject(() => automorphismCoeff(a, filled(N + 1), 5, Q0), RangeError, 'automorphismCoeff', 'out', [a]);
    expectReject(() => automorphismCoeff(a, new Float64Array(N) as unknown as Uint32Array, 5, Q0), TypeError, 'automorphismCoeff', 'out', [a]);
    expectReject(() => automorphismCoeff(a, a, 5, Q0), RangeError, 'automorphismCoeff', 'out', [a]);
    const buf = Uint32Array.from({ length: 2 * N }, (_, i) => i);
    expectReject(() => automorphismCoeff(buf.subarray(0, N), buf.subarray(N / 2, N / 2 + N), 5, Q0), RangeError, 'automorphismCoeff', 'out', [buf]);
    expect(() => automorphismCoeff(buf.subarray(0, N), buf.subarray(N), 5, Q0)).not.toThrow(); // adjacent, no overlap
    // a itself: not a power-of-two length in [16, 2^17], or not a Uint32Array
    const a48 = filled(48);
    expectReject(() => automorphismCoeff(a48, filled(48), 5, Q0), RangeError, 'automorphismCoeff', 'a', [a48]);
    expectReject(() => automorphismCoeff(filled(8), filled(8), 5, Q0), RangeError, 'automorphismCoeff', 'a');
    expectReject(() => automorphismCoeff(new Uint32Array(0), new Uint32Array(0), 5, Q0), RangeError, 'automorphismCoeff', 'a');
    const plain = Array.from(a);
    expectReject(() => automorphismCoeff(plain as unknown as Uint32Array, out, 5, Q0), TypeError, 'automorphismCoeff', 'a', [plain, out]);

    const perm = automorphismNttIndex(LOGN, 5);
    expectReject(() => automorphismNtt(a, filled(N - 1), perm), RangeError, 'automorphismNtt', 'out', [a]);
    expectReject(() => automorphismNtt(a, out, perm.subarray(1)), RangeError, 'automorphismNtt', 'perm', [a, out]);
    expectReject(() => automorphismNtt(a, out, Array.from(perm) as unknown as Uint32Array), TypeError, 'automorphismNtt', 'perm', [a, out]);
    expectReject(() => automorphismNtt(a, a, perm), RangeError, 'automorphismNtt', 'out', [a]);
    const f64 = Float64Array.from(a, (x) => x + 0.5);
    expectReject(() => automorphismNtt(f64 as unknown as Uint32Array, out, perm), TypeError, 'automorphismNtt', 'a', [out]);
  });
});
