/**
 * Circuits on high-precision levels (two 30-bit primes per level, scale
 * ~2^60, logN 12, insecure test parameters): a Chebyshev sigmoid of degree 63
 * on [-64, 64] consumes its modelled number of levels counted in rescales
 * (twice as many primes), lands at the target scale, and keeps far more bits
 * than on 2^30 levels; a linear transform encodes its diagonals at the level
 * modulus and keeps the input's scale.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { INSECURE_OPT_IN, type ParametersLiteral } from '../../src/ckks/index.js';
import { LinearTransform, PolynomialEvaluator, chebyshevInterpolant, diagonalsOf, linearTransformSteps, logicalLevel } from '../../src/circuits/index.js';
import { type Ctx, decrypt, encrypt, expectBits, makeCtx, uniformVec } from './helpers.js';

/** A base of 3 primes and 10 levels of 2: 23 primes, 3 special primes. NOT SECURE, tests only. */
const HP12: Readonly<ParametersLiteral> = Object.freeze({
  logN: 12,
  logQ: new Array<number>(23).fill(30),
  levelPrimes: [3, ...new Array<number>(10).fill(2)],
  logP: [30, 30, 30],
  digitSize: 2,
  logDefaultScale: 60,
  unsafeAllowInsecure: INSECURE_OPT_IN,
});

describe('circuits on levels of two primes (scale ~2^60, logN 12)', () => {
  let ctx: Ctx;
  const n = 64;
  beforeAll(() => {
    ctx = makeCtx(HP12, { steps: linearTransformSteps(diagonalsOf(new Float64Array(n * n).fill(1), n).keys(), n), seed: 60 });
  });

  it('logicalLevel counts rescales above the base', () => {
    expect(logicalLevel(ctx.params, ctx.params.maxLevel)).toBe(10);
    expect(logicalLevel(ctx.params, 2)).toBe(0);
    expect(() => logicalLevel(ctx.params, ctx.params.maxLevel - 1)).toThrow(/inside a high-precision level/);
  });

  it('sigmoid of degree 63 on [-64, 64]: modelled levels, target scale, 30+ bits against its polynomial', () => {
    const p = chebyshevInterpolant((v) => 1 / (1 + Math.exp(-v)), -64, 64, 63);
    const pe = new PolynomialEvaluator(ctx.ev);
    const plan = PolynomialEvaluator.plan([p]);
    const x = uniformVec(ctx.params.slots, 601, -64, 64);
    const top = ctx.params.maxLevel;
    const ct = encrypt(ctx, x, { scale: ctx.ev.levelModulus(top), slots: ctx.params.slots });
    const out = pe.evaluate(ct, p, { targetScale: 2 ** 58 });
    expect(logicalLevel(ctx.params, top) - logicalLevel(ctx.params, out.level)).toBe(plan.cost.levels);
    expect(plan.cost.levels).toBeLessThanOrEqual(7);
    expect(out.scale).toBe(2 ** 58);
    expectBits('HP sigmoid 63', decrypt(ctx, out), p.evaluateAll(x), 30);
  });

  it('a dense 64 x 64 transform, diagonals at the level modulus: one level of two primes, the input scale kept, 40+ bits', () => {
    const M = uniformVec(n * n, 602, -1 / 8, 1 / 8);
    const diags = diagonalsOf(M, n);
    const level = ctx.params.levelTops[6];
    const lt = new LinearTransform(ctx.encoder, diags, n, level);
    const x = uniformVec(n, 603);
    const ct = encrypt(ctx, x, { level, scale: 2 ** 55, slots: n });
    const out = lt.evaluate(ctx.ev, ct); // rescaled by the level modulus inside
    expect(out.level).toBe(ctx.params.levelTops[5]);
    expect(Math.abs(out.scale / ct.scale - 1)).toBeLessThan(2 ** -40);
    const want = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) want[i] += M[i * n + j] * x[j];
    expectBits('HP dense 64', decrypt(ctx, out), want, 40);
  });
});
