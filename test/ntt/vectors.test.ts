/**
 * Known-answer tests: the fast code against the JSON vectors pinned under
 * test/vectors (generated from the BigInt reference by test/vectors/generate.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BasisConverter,
  automorphismCoeff,
  automorphismNtt,
  automorphismNttIndex,
  createNttTables,
  createRnsBasis,
  forwardNtt,
  generateNttPrimes,
  inverseNtt,
  minimalPrimitive2NthRoot,
  negacyclicMul,
  polyFromBigInts,
  polyToBigInts,
} from '../../src/ntt/index.js';
import { nttRef, negacyclicRef, minimalPsiRef, automorphismRef } from './reference.js';

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

interface NttCase {
  q: number;
  logN: number;
  psi: number;
  input: number[];
  expected: number[];
  b: number[];
  product: number[];
}

const B = BigInt;

describe.each(['ntt-logN4.json', 'ntt-logN6.json'])('%s', (file) => {
  const { cases } = load<{ cases: NttCase[] }>(file);

  it('has a small and a 30-bit modulus, and the vectors still follow from the reference', () => {
    expect(cases.length).toBe(2);
    expect(cases.some((c) => c.q < 2 ** 10)).toBe(true);
    expect(cases.some((c) => c.q > 2 ** 29)).toBe(true);
    for (const c of cases) {
      expect(c.input).toHaveLength(2 ** c.logN);
      const a = c.input.map(B);
      expect(B(c.psi)).toBe(minimalPsiRef(B(c.q), c.logN));
      expect(nttRef(a, B(c.psi), B(c.q), c.logN).map(Number)).toEqual(c.expected);
      expect(negacyclicRef(a, c.b.map(B), B(c.q)).map(Number)).toEqual(c.product);
    }
  });

  it('forwardNtt, inverseNtt, negacyclicMul and the minimal psi match the pinned values', () => {
    for (const c of cases) {
      const t = createNttTables(c.q, c.logN);
      expect(t.psi).toBe(c.psi);
      expect(minimalPrimitive2NthRoot(c.q, c.logN)).toBe(c.psi);
      const a = Uint32Array.from(c.input);
      forwardNtt(a, t);
      expect(Array.from(a)).toEqual(c.expected);
      inverseNtt(a, t);
      expect(Array.from(a)).toEqual(c.input);
      expect(Array.from(negacyclicMul(Uint32Array.from(c.input), Uint32Array.from(c.b), t))).toEqual(c.product);
    }
  });
});

describe('primes-logN16.json', () => {
  const v = load<{
    logN: number;
    bits: number;
    primes30: number[];
    psi: number[];
    others: { logN: number; bits: number; primes: number[] }[];
  }>('primes-logN16.json');

  it('generateNttPrimes reproduces the first eight 30-bit primes for N = 2^16', () => {
    expect(v.primes30).toHaveLength(8);
    expect(v.primes30[0]).toBe(1073479681);
    expect(generateNttPrimes(v.logN, new Array(8).fill(v.bits))).toEqual(v.primes30);
  });

  it('minimalPrimitive2NthRoot reproduces the pinned psi for each of them', () => {
    v.primes30.forEach((q, i) => expect(minimalPrimitive2NthRoot(q, v.logN)).toBe(v.psi[i]));
  });

  it('other sizes and degrees', () => {
    expect(v.others.length).toBeGreaterThan(5);
    for (const o of v.others) {
      expect(generateNttPrimes(o.logN, new Array(o.primes.length).fill(o.bits))).toEqual(o.primes);
    }
  });
});

describe('automorphism-logN4.json', () => {
  const v = load<{
    q: number;
    logN: number;
    psi: number;
    input: number[];
    inputNtt: number[];
    cases: { g: number; coeff: number[]; ntt: number[]; perm: number[] }[];
  }>('automorphism-logN4.json');

  it('coefficient form, NTT index and NTT form match the pinned values', () => {
    const t = createNttTables(v.q, v.logN);
    expect(t.psi).toBe(v.psi);
    const A = Uint32Array.from(v.input);
    forwardNtt(A, t);
    expect(Array.from(A)).toEqual(v.inputNtt);
    expect(v.cases.map((c) => c.g)).toContain(2 ** (v.logN + 1) - 1);
    for (const c of v.cases) {
      expect(automorphismRef(v.input.map(B), B(c.g), B(v.q)).map(Number)).toEqual(c.coeff); // the file follows from the reference
      const out = new Uint32Array(v.input.length);
      automorphismCoeff(Uint32Array.from(v.input), out, c.g, v.q);
      expect(Array.from(out)).toEqual(c.coeff);
      const perm = automorphismNttIndex(v.logN, c.g);
      expect(Array.from(perm)).toEqual(c.perm);
      const outN = new Uint32Array(v.input.length);
      automorphismNtt(A, outN, perm);
      expect(Array.from(outN)).toEqual(c.ntt);
    }
  });
});

describe('rns-logN4.json', () => {
  const v = load<{
    logN: number;
    from: number[];
    to: number[];
    x: string[];
    residues: number[][];
    centered: string[];
    conv: number[][];
    u: number[];
  }>('rns-logN4.json');

  it('residues, CRT (plain and centered) and FastBConv match the pinned values', () => {
    const from = createRnsBasis(v.from, v.logN);
    const to = createRnsBasis(v.to, v.logN);
    const xs = v.x.map((s) => BigInt(s));
    const p = polyFromBigInts(xs, from);
    v.from.forEach((_, l) => expect(Array.from(p.limb(l))).toEqual(v.residues[l]));
    expect(polyToBigInts(p, from)).toEqual(xs);
    expect(polyToBigInts(p, from, true).map(String)).toEqual(v.centered);
    const out = new Uint32Array(v.to.length * xs.length);
    new BasisConverter(from, to).convert(p.data, out);
    v.to.forEach((_, j) => expect(Array.from(out.subarray(j * xs.length, (j + 1) * xs.length))).toEqual(v.conv[j]));
    expect(new Set(v.u)).toEqual(new Set([0, 1, 2])); // the vector exercises every possible u for k = 3
  });
});
