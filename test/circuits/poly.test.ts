/**
 * Polynomial evaluation (src/circuits/poly*.ts) at logN 12 with 12 levels
 * (insecure test parameters, scale 2^30), against float64:
 *  - float64 layer: Clenshaw against cos(n acos y), division by T_n / x^n,
 *    Chebyshev interpolation;
 *  - the plan: depth ceil(log2(d + 1)) (+ 1 for a change of variable) for
 *    every degree up to 300, O(sqrt d) non-scalar multiplications, odd series cheaper;
 *  - encrypted random series of degrees 1 .. 255 in both bases: the levels
 *    consumed, every counter and the output scale exactly as planned, and a
 *    minimum number of bits of precision against the same polynomial in float64;
 *  - Chebyshev approximations of sigmoid, exp, sin and 1/sqrt against the
 *    functions themselves; several polynomials sharing one power basis;
 *  - typed errors: too few levels, no relinearization key, input outside
 *    the interval (checked on the cleartext the caller passes).
 *
 * Thresholds: measured figures minus about 2 bits (CKKS_PRECISION_REPORT=1
 * prints them). The error of a degree-d series grows with the sum of its
 * coefficients' magnitudes and with the rescale noise of the ~log2 d levels
 * of products: about 18-21 bits at low degree, 15 bits at degree 255 with
 * coefficients 1/(i + 1).
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { CkksError, LevelMismatchError, MissingKeyError } from '../../src/ckks/index.js';
import {
  Polynomial,
  PolynomialEvaluator,
  ceilLog2,
  chebyshevInterpolant,
  chebyshevNodes,
  planPolynomials,
  splitCoefficients,
} from '../../src/circuits/index.js';
import { type Ctx, DEEP12, decrypt, encrypt, expectBits, makeCtx, rng, uniformVec } from './helpers.js';

const SLOTS = 128;

function randomSeries(basis: 'monomial' | 'chebyshev', d: number, seed: number): Polynomial {
  const r = rng(seed);
  return new Polynomial(basis, Float64Array.from({ length: d + 1 }, (_, i) => r() / (i + 1)));
}

describe('float64 layer', () => {
  it('Clenshaw equals sum c_i cos(i acos y), on [a, b] through the change of variable', () => {
    const p = randomSeries('chebyshev', 40, 1);
    const q = new Polynomial('chebyshev', p.coeffs, { interval: [-3, 5] });
    for (const y of uniformVec(50, 2)) {
      let want = 0;
      for (let i = 0; i < p.coeffs.length; i++) want += p.coeffs[i] * Math.cos(i * Math.acos(y));
      expect(Math.abs(p.evaluate(y) - want)).toBeLessThan(1e-12);
      expect(Math.abs(q.evaluate(1 + 4 * y) - want)).toBeLessThan(1e-12);
    }
  });

  it('p = q B_n + r in both bases', () => {
    for (const basis of ['monomial', 'chebyshev'] as const) {
      const p = randomSeries(basis, 27, 3);
      const [q, r] = splitCoefficients(p.coeffs, 16, basis);
      const P = (c: Float64Array) => new Polynomial(basis, c);
      const bn = P(Float64Array.from({ length: 17 }, (_, i) => (i === 16 ? 1 : 0)));
      for (const x of uniformVec(20, 4)) {
        expect(Math.abs(P(q).evaluate(x) * bn.evaluate(x) + P(r).evaluate(x) - p.evaluate(x))).toBeLessThan(1e-12);
      }
    }
    expect(() => splitCoefficients(new Float64Array(40).fill(1), 16, 'monomial')).toThrow(CkksError);
  });

  it('Chebyshev interpolation: exact at the nodes, near-minimax, parity zeroed', () => {
    const f = (x: number) => Math.exp(x);
    const p = chebyshevInterpolant(f, -2, 3, 20);
    for (const x of chebyshevNodes(-2, 3, 21)) expect(Math.abs(p.evaluate(x) - f(x))).toBeLessThan(1e-12);
    for (const x of uniformVec(100, 5, -2, 3)) expect(Math.abs(p.evaluate(x) - f(x))).toBeLessThan(1e-11);
    const s = chebyshevInterpolant(Math.sin, -Math.PI, Math.PI, 31);
    for (let i = 0; i < s.coeffs.length; i += 2) expect(s.coeffs[i]).toBe(0);
    expect(s.degree % 2).toBe(1);
    expect(chebyshevInterpolant(Math.sin, -Math.PI, Math.PI, 31, { zeroBelow: 0 }).degree).toBe(31);
  });

  it('bad polynomials are refused', () => {
    expect(() => new Polynomial('chebyshev', [])).toThrow(CkksError);
    expect(() => new Polynomial('chebyshev', [1, Number.NaN])).toThrow(CkksError);
    expect(() => new Polynomial('chebyshev', [1], { interval: [1, 1] })).toThrow(CkksError);
    expect(() => new Polynomial('legendre' as 'monomial', [1])).toThrow(CkksError);
    expect(() => chebyshevInterpolant(() => Number.NaN, 0, 1, 3)).toThrow(CkksError);
  });
});

describe('plan and cost model', () => {
  it('depth is ceil(log2(d + 1)) for every degree up to 300 (+1 off [-1, 1]), O(sqrt d) products', () => {
    for (let d = 1; d <= 300; d++) {
      for (const basis of ['monomial', 'chebyshev'] as const) {
        const plan = planPolynomials([randomSeries(basis, d, d)]);
        expect(plan.cost.levels, `${basis} degree ${d}`).toBe(ceilLog2(d + 1));
        expect(plan.cost.ctMultiplications, `${basis} degree ${d}`).toBeLessThanOrEqual(2 * Math.sqrt(d + 1) + 2 * ceilLog2(d + 1));
      }
      const off = planPolynomials([new Polynomial('chebyshev', randomSeries('chebyshev', d, d).coeffs, { interval: [0, 4] })]);
      expect(off.cost.levels).toBe(ceilLog2(d + 1) + 1);
    }
    expect(planPolynomials([randomSeries('chebyshev', 255, 1)]).cost.ctMultiplications).toBeLessThanOrEqual(36);
  });

  it('odd series cost less than dense ones of the same degree', () => {
    const dense = randomSeries('chebyshev', 63, 9);
    const odd = new Polynomial('chebyshev', dense.coeffs.map((c, i) => (i % 2 === 1 ? c : 0)));
    const pd = planPolynomials([dense]).cost;
    const po = planPolynomials([odd]).cost;
    expect(po.levels).toBe(pd.levels);
    expect(po.ctMultiplications).toBeLessThan(pd.ctMultiplications);
    expect(po.constMultiplications).toBeLessThan(pd.constMultiplications);
  });

  it('a forced baby-step bound is honoured; bad ones and mixed bases are refused', () => {
    const p = randomSeries('chebyshev', 63, 10);
    expect(planPolynomials([p], { logBaby: 2 }).logBaby).toBe(2);
    expect(() => planPolynomials([p], { logBaby: 0 })).toThrow(CkksError);
    expect(() => planPolynomials([p, randomSeries('monomial', 3, 1)])).toThrow(CkksError);
    expect(() => planPolynomials([])).toThrow(CkksError);
  });
});

describe('encrypted evaluation (logN 12, 12 levels)', () => {
  let ctx: Ctx;
  let pe: PolynomialEvaluator;
  beforeAll(() => {
    ctx = makeCtx(DEEP12);
    pe = new PolynomialEvaluator(ctx.ev);
  });

  /** Evaluate, check levels, counters and scale against the plan; returns the decrypted slots. */
  function run(polys: Polynomial[], x: Float64Array, opts: { targetScale?: number; level?: number } = {}) {
    const ct = encrypt(ctx, x, { level: opts.level });
    const plan = PolynomialEvaluator.plan(polys);
    ctx.ev.resetCounters();
    const outs = pe.evaluateMany(ct, polys, { targetScale: opts.targetScale });
    const c = ctx.ev.counters;
    expect(c.ctMultiplications).toBe(plan.cost.ctMultiplications);
    expect(c.keySwitches).toBe(plan.cost.relinearizations);
    expect(c.rotations).toBe(0);
    expect(c.rescales).toBe(plan.cost.rescales);
    expect(c.constMultiplications).toBe(plan.cost.constMultiplications);
    outs.forEach((o, i) => {
      expect(ct.level - o.level).toBe(plan.depths[i] + (plan.changeOfVariable ? 1 : 0));
      expect(o.scale).toBe(opts.targetScale ?? ct.scale);
      expect(o.degree).toBe(1);
    });
    expect(Math.max(...outs.map((o) => ct.level - o.level))).toBe(plan.cost.levels);
    return outs.map((o) => decrypt(ctx, o));
  }

  const MIN_BITS: Record<number, number> = { 1: 19, 2: 19, 3: 18.5, 7: 17.5, 8: 17.5, 15: 17.5, 31: 16.5, 63: 15, 127: 13.5, 255: 12.5 };
  for (const d of [1, 2, 3, 7, 8, 15, 31, 63, 127, 255]) {
    it(`random Chebyshev series of degree ${d}`, () => {
      const p = randomSeries('chebyshev', d, 100 + d);
      const x = uniformVec(SLOTS, 200 + d);
      const [got] = run([p], x);
      expectBits(`chebyshev degree ${d}`, got, p.evaluateAll(x), MIN_BITS[d]);
    });
  }

  for (const d of [1, 2, 3, 7, 8, 15, 31, 63]) {
    it(`random monomial polynomial of degree ${d}`, () => {
      const p = randomSeries('monomial', d, 300 + d);
      const x = uniformVec(SLOTS, 400 + d);
      const [got] = run([p], x);
      expectBits(`monomial degree ${d}`, got, p.evaluateAll(x), MIN_BITS[d]);
    });
  }

  const FUNCTIONS: { name: string; f: (x: number) => number; a: number; b: number; d: number; bits: number }[] = [
    { name: 'sigmoid on [-8, 8]', f: (x) => 1 / (1 + Math.exp(-x)), a: -8, b: 8, d: 63, bits: 16 },
    { name: 'exp on [-2, 2]', f: Math.exp, a: -2, b: 2, d: 15, bits: 15 },
    { name: 'sin on [-pi, pi]', f: Math.sin, a: -Math.PI, b: Math.PI, d: 31, bits: 17 },
    { name: '1/sqrt on [1, 16]', f: (x) => 1 / Math.sqrt(x), a: 1, b: 16, d: 63, bits: 16 },
  ];
  for (const t of FUNCTIONS) {
    it(`Chebyshev approximation of ${t.name}, degree ${t.d}`, () => {
      const p = chebyshevInterpolant(t.f, t.a, t.b, t.d);
      const x = uniformVec(SLOTS, 500, t.a, t.b);
      const [got] = run([p], x);
      expectBits(t.name, got, Float64Array.from(x, t.f), t.bits);
    });
  }

  it('sin and cos share one power basis (fewer products than separately)', () => {
    const s = chebyshevInterpolant(Math.sin, -Math.PI, Math.PI, 31);
    const c = chebyshevInterpolant(Math.cos, -Math.PI, Math.PI, 31);
    const both = planPolynomials([s, c]).cost.ctMultiplications;
    expect(both).toBeLessThan(planPolynomials([s]).cost.ctMultiplications + planPolynomials([c]).cost.ctMultiplications);
    const x = uniformVec(SLOTS, 600, -Math.PI, Math.PI);
    const [gs, gc] = run([s, c], x);
    expectBits('shared sin', gs, Float64Array.from(x, Math.sin), 17);
    expectBits('shared cos', gc, Float64Array.from(x, Math.cos), 17);
  });

  it("change of variable 'free': the input at scale 2q/(b - a), one level less", () => {
    const p = chebyshevInterpolant((v) => 1 / (1 + Math.exp(-v)), -8, 8, 63);
    const plan = planPolynomials([p], { changeOfVariable: 'free' });
    expect(plan.cost.levels).toBe(6);
    expect(plan.changeOfVariable).toBe(false);
    const x = uniformVec(SLOTS, 650, -8, 8);
    const top = ctx.params.maxLevel;
    const ct = encrypt(ctx, x, { scale: ctx.params.Q[top] / 8 });
    ctx.ev.resetCounters();
    const out = pe.evaluate(ct, p, { changeOfVariable: 'free', targetScale: 2 ** 30 });
    expect(ct.level - out.level).toBe(6);
    expect(ctx.ev.counters.ctMultiplications).toBe(plan.cost.ctMultiplications);
    expect(ctx.ev.counters.rescales).toBe(plan.cost.rescales);
    expect(ctx.ev.counters.constMultiplications).toBe(plan.cost.constMultiplications);
    expectBits('sigmoid [-8, 8], free change of variable', decrypt(ctx, out), p.evaluateAll(x), 16);
    const wrong = encrypt(ctx, x);
    expect(() => pe.evaluate(wrong, p, { changeOfVariable: 'free' })).toThrow(/needs the input at scale about/);
    expect(() => planPolynomials([p], { changeOfVariable: 'x' as 'free' })).toThrow(CkksError);
  });

  it('output at any requested scale, from an input below the top level', () => {
    const p = randomSeries('chebyshev', 15, 700);
    const x = uniformVec(SLOTS, 701);
    const [got] = run([p], x, { targetScale: 2 ** 27, level: 7 });
    expectBits('chebyshev 15 at 2^27', got, p.evaluateAll(x), 16);
  });

  it('degree 0 and 1 need no relinearization key', () => {
    const x = uniformVec(SLOTS, 800);
    const [c0, c1] = run([new Polynomial('monomial', [0.25]), new Polynomial('monomial', [0.5, -0.75])], x);
    expectBits('constant', c0, new Float64Array(SLOTS).fill(0.25), 20);
    expectBits('affine', c1, Float64Array.from(x, (v) => 0.5 - 0.75 * v), 19);
  });

  describe('typed errors', () => {
    it('a degree that does not fit the levels: LevelMismatchError before any work', () => {
      const ct = encrypt(ctx, uniformVec(SLOTS, 900), { level: 7 });
      ctx.ev.resetCounters();
      const p = randomSeries('chebyshev', 255, 901);
      expect(() => pe.evaluate(ct, p)).toThrow(LevelMismatchError);
      expect(() => pe.evaluate(ct, p)).toThrow(/degree 255 needs 8 levels/);
      expect(ctx.ev.counters.ctMultiplications).toBe(0);
      const q = new Polynomial('chebyshev', randomSeries('chebyshev', 127, 3).coeffs, { interval: [-2, 2] });
      expect(() => pe.evaluate(ct, q)).toThrow(/change of variable/);
    });

    it('no relinearization key: MissingKeyError', () => {
      const bare = makeCtx({ ...DEEP12, logQ: [30, 30, 30, 30] }, { relin: false });
      const e = new PolynomialEvaluator(bare.ev);
      const ct = encrypt(bare, uniformVec(SLOTS, 902));
      expect(() => e.evaluate(ct, randomSeries('chebyshev', 3, 903))).toThrow(MissingKeyError);
      const lin = e.evaluate(ct, new Polynomial('chebyshev', [0, 0.5]));
      expect(lin.level).toBe(ct.level - 1);
    });

    it('values outside the interval, with the cleartext check: OUT_OF_RANGE', () => {
      const p = chebyshevInterpolant(Math.exp, -1, 1, 7);
      const x = uniformVec(SLOTS, 904, -1, 1);
      const ct = encrypt(ctx, x);
      expect(() => pe.evaluate(ct, p, { plainInput: x })).not.toThrow();
      x[17] = 1.5;
      let caught: unknown;
      try {
        pe.evaluate(ct, p, { plainInput: x });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(CkksError);
      expect((caught as CkksError).code).toBe('OUT_OF_RANGE');
      expect((caught as Error).message).toMatch(/input value 17 is 1.5/);
    });

    it('bad inputs: INVALID_ARGUMENT', () => {
      const ct = encrypt(ctx, uniformVec(SLOTS, 905));
      const p = randomSeries('chebyshev', 3, 906);
      expect(() => pe.evaluate(ctx.ev.mulNew(ct, ct), p)).toThrow(CkksError);
      expect(() => pe.evaluate(ct, p, { targetScale: -1 })).toThrow(CkksError);
      expect(() => pe.evaluate({} as never, p)).toThrow(CkksError);
    });
  });
});
