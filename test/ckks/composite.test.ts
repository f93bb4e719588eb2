/**
 * High-precision levels from 30-bit primes ("composite scaling"): a chain
 * whose levels hold two primes each, a scale of 2^55, rescales that divide by
 * the product of a level's primes. Precision is asserted in bits against
 * float64, at logN 12 (insecure test parameters).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CkksError, INSECURE_OPT_IN, LevelMismatchError, type ParametersLiteral, SerializationError, createParameters, deserializeParameters, serializeParameters } from '../../src/ckks/index.js';
import { THRESHOLDS, type Ctx, bitsOf, decryptVec, encryptVec, makeCtx, mapVec, maxErr, randomVec } from './helpers.js';

const NAME = 'PN12_HP55_INSECURE';
const LIT: ParametersLiteral = {
  logN: 12,
  logQ: new Array<number>(8).fill(30),
  levelPrimes: [2, 2, 2, 2],
  logP: new Array<number>(3).fill(30),
  digitSize: 2,
  logDefaultScale: 55,
  unsafeAllowInsecure: INSECURE_OPT_IN,
};

describe('high-precision levels (two 30-bit primes per level, scale 2^55)', () => {
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;

  beforeAll(() => {
    (THRESHOLDS as Record<string, (typeof THRESHOLDS)[string]>)[NAME] ??= THRESHOLDS.PN12QP180_INSECURE;
    ctx = makeCtx(NAME, LIT, { seed: 55 });
    x = randomVec(ctx.n, 5501);
    y = randomVec(ctx.n, 5502);
  });

  it('parameters: levels of two primes, rescale sizes at the top of each level, depth 3', () => {
    const p = ctx.params;
    expect(p.levelPrimes).toEqual([2, 2, 2, 2]);
    expect(p.rescalePrimes).toEqual([0, 2, 0, 2, 0, 2, 0, 2]);
    expect(p.levelTops).toEqual([1, 3, 5, 7]);
    expect(p.depth).toBe(3);
    expect(p.literal.levelPrimes).toEqual([2, 2, 2, 2]);
    // One prime per level by default, and then the fingerprint does not depend on the field.
    const single = createParameters({ ...LIT, levelPrimes: undefined, logDefaultScale: 30 });
    expect(single.levelPrimes).toEqual(new Array(8).fill(1));
    expect(single.literal.levelPrimes).toBeUndefined();
    expect(createParameters({ ...LIT, levelPrimes: new Array(8).fill(1), logDefaultScale: 30 }).fingerprint).toBe(single.fingerprint);
    expect(p.fingerprint).not.toBe(createParameters({ ...LIT, levelPrimes: [2, 2, 4] }).fingerprint);
  });

  it('refuses groupings that do not cover the chain', () => {
    for (const levelPrimes of [[2, 2, 2], [2, 2, 2, 3], [0, 4, 4], [2.5, 2, 2, 1.5], []]) {
      expect(() => createParameters({ ...LIT, levelPrimes })).toThrow(CkksError);
    }
    expect(() => createParameters({ ...LIT, levelPrimes: [2, 2, 2] })).toThrow(/levelPrimes must sum to the number of ciphertext primes 8, got 6/);
  });

  it('a fresh encryption at scale 2^55 keeps more than 40 bits', () => {
    const b = bitsOf(maxErr(decryptVec(ctx, encryptVec(ctx, x)), x));
    expect(b).toBeGreaterThan(40);
  });

  it('multiply + relinearize + rescale divides by both primes of the level: the scale comes back near 2^55 and 35+ bits remain', () => {
    const L = ctx.params.maxLevel;
    const cx = encryptVec(ctx, x);
    const cy = encryptVec(ctx, y);
    const r = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cx, cy));
    expect(r.level).toBe(L - 2);
    expect(r.scale).toBe((cx.scale * cy.scale) / ctx.params.Q[L] / ctx.params.Q[L - 1]);
    expect(Math.abs(Math.log2(r.scale) - 50)).toBeLessThan(1);
    const b = bitsOf(maxErr(decryptVec(ctx, r), mapVec(x, (v, i) => v * y[i])));
    expect(b).toBeGreaterThan(34);
    expect(ctx.ev.counters.rescales).toBeGreaterThan(0);
  });

  it('squares down to the base at the scale of the level modulus (~2^60), each one level of two primes, in place', () => {
    // A base of three primes holds a value of magnitude 1 at scale ~2^60.
    const deep = makeCtx(NAME, { ...LIT, logQ: new Array<number>(9).fill(30), levelPrimes: [3, 2, 2, 2] }, { seed: 56 });
    const scale = deep.ev.levelModulus(deep.params.maxLevel);
    let c = encryptVec(deep, x, { scale });
    let want = x;
    for (let k = 0; k < deep.params.depth; k++) {
      c = deep.ev.mulRelinNew(c, c);
      deep.ev.rescale(c, c);
      want = mapVec(want, (v) => v * v);
      expect(c.level).toBe(deep.params.maxLevel - 2 * (k + 1));
      expect(Math.abs(Math.log2(c.scale) - 60)).toBeLessThan(1);
    }
    expect(c.level).toBe(2);
    expect(bitsOf(maxErr(decryptVec(deep, c), want))).toBeGreaterThan(40);
    expect(() => deep.ev.rescaleNew(c)).toThrow(LevelMismatchError);
    expect(() => deep.ev.rescaleNew(c)).toThrow(/base of the chain/);
  });

  it('mulConst at the default scale (the level modulus) then rescale restores the scale', () => {
    const cx = encryptVec(ctx, x);
    const r = ctx.ev.rescaleNew(ctx.ev.mulConstNew(cx, -1.75));
    expect(Math.abs(r.scale / cx.scale - 1)).toBeLessThan(2 ** -50);
    expect(bitsOf(maxErr(decryptVec(ctx, r), mapVec(x, (v) => -1.75 * v)))).toBeGreaterThan(40);
    expect(ctx.ev.levelModulus(ctx.params.maxLevel)).toBe(ctx.params.Q[ctx.params.maxLevel] * ctx.params.Q[ctx.params.maxLevel - 1]);
  });

  it('a rescale from a level inside a high-precision level is refused with a typed error', () => {
    const mid = ctx.ev.dropLevelNew(encryptVec(ctx, x), 1);
    expect(mid.level).toBe(ctx.params.maxLevel - 1);
    expect(() => ctx.ev.rescaleNew(mid)).toThrow(/inside a high-precision level/);
  });

  it('serialization keeps the grouping (header flag, then the levels after the primes); tampered groupings are refused', () => {
    const bytes = serializeParameters(ctx.params);
    const back = deserializeParameters(bytes, { unsafeAllowInsecure: INSECURE_OPT_IN });
    expect(back.fingerprint).toBe(ctx.params.fingerprint);
    expect(back.levelPrimes).toEqual([2, 2, 2, 2]);
    expect(bytes[7] & 0x02).toBe(2);
    const n = ctx.params.Q.length + ctx.params.P.length;
    expect(bytes.length).toBe(24 + 18 + 4 * n + 2 + 4);
    // One prime per level: no flag, no tail (the format of ungrouped parameters is unchanged).
    const single = serializeParameters(createParameters({ ...LIT, levelPrimes: undefined, logDefaultScale: 30 }));
    expect(single[7]).toBe(0);
    expect(single.length).toBe(24 + 18 + 4 * n);
    const load = (b: Uint8Array): unknown => deserializeParameters(b, { unsafeAllowInsecure: INSECURE_OPT_IN });
    const edit = (f: (b: Uint8Array) => void): Uint8Array => {
      const b = bytes.slice();
      f(b);
      return b;
    };
    expect(() => load(edit((b) => (b[b.length - 1] = 3)))).toThrow(SerializationError); // sums to 9, not 8
    expect(() => load(edit((b) => (b[b.length - 4] = 0)))).toThrow(SerializationError); // an empty level
    expect(() => load(bytes.subarray(0, bytes.length - 1))).toThrow(SerializationError); // truncated
    expect(() => load(edit((b) => (b[7] = 0)))).toThrow(SerializationError); // flag cleared: length no longer fits
    expect(() => load(edit((b) => (b[b.length - 1] = 1, b[b.length - 2] = 3)))).toThrow(/fingerprint/); // another valid grouping
  });
});

