/**
 * Multiplication by a monomial X^k: exact (no noise, no level), and X^(N/2)
 * multiplies every slot by the imaginary unit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PN12QP180_INSECURE } from '../../src/ckks/presets.js';
import { type Ctx, decryptVec, encryptVec, expectBits, makeCtx, randomVec } from './helpers.js';

describe('Evaluator.mulMonomial / mulByI (PN12QP180_INSECURE)', () => {
  const NAME = 'PN12QP180_INSECURE';
  let ctx: Ctx;
  beforeAll(() => {
    ctx = makeCtx(NAME, PN12QP180_INSECURE, { seed: 77 });
  });

  it('mulByI packs two real vectors into one complex vector, exactly and without a level', () => {
    const a = randomVec(ctx.n, 1);
    const b = randomVec(ctx.n, 2);
    const ca = encryptVec(ctx, a);
    const cb = encryptVec(ctx, b);
    const ib = ctx.ev.mulByINew(cb);
    expect(ib.level).toBe(cb.level);
    expect(ib.scale).toBe(cb.scale);
    const packed = ctx.ev.addNew(ca, ib);
    const z = ctx.encoder.decodeComplex(ctx.dec.decrypt(packed));
    expectBits(NAME, 'a + i b, real part', z.re, a, ctx.th.add);
    expectBits(NAME, 'a + i b, imaginary part', z.im, b, ctx.th.add);
  });

  it('X^k then X^-k is the identity (bit-exact), and X^N is -1', () => {
    const a = randomVec(ctx.n, 3);
    const ca = encryptVec(ctx, a);
    for (const k of [1, 5, ctx.params.N / 2, ctx.params.N - 1]) {
      const back = ctx.ev.mulMonomialNew(ctx.ev.mulMonomialNew(ca, k), -k);
      for (let i = 0; i < 2; i++) expect(back.c[i].data).toEqual(ca.c[i].data);
    }
    const neg = ctx.ev.mulMonomialNew(ca, ctx.params.N);
    expectBits(NAME, 'X^N = -1', decryptVec(ctx, neg), a.map((v) => -v), ctx.th.fresh);
  });

  it('out may alias the input', () => {
    const a = randomVec(ctx.n, 4);
    const ca = encryptVec(ctx, a);
    const want = ctx.ev.mulByINew(ca);
    ctx.ev.mulByI(ca, ca);
    for (let i = 0; i < 2; i++) expect(ca.c[i].data).toEqual(want.c[i].data);
  });
});

describe('Evaluator.mulConstVector / addConstVector (PN12QP180_INSECURE)', () => {
  const NAME = 'PN12QP180_INSECURE';
  let ctx: Ctx;
  beforeAll(() => {
    ctx = makeCtx(NAME, PN12QP180_INSECURE, { seed: 78 });
  });

  it('multiplies slot-wise by a constant vector; the rescale restores the scale exactly', () => {
    const a = randomVec(ctx.n, 5);
    const v = randomVec(ctx.n, 6);
    const ca = encryptVec(ctx, a);
    const r = ctx.ev.rescaleNew(ctx.ev.mulConstVectorNew(ca, v));
    expect(r.scale).toBeCloseTo(ca.scale, 0);
    expect(Math.abs(r.scale / ca.scale - 1)).toBeLessThan(1e-12);
    expectBits(NAME, 'mulConstVector + rescale', decryptVec(ctx, r), a.map((x, i) => x * v[i]), ctx.th.mul);
  });

  it('adds a constant vector without consuming a level, zero-padding short vectors', () => {
    const a = randomVec(ctx.n, 7);
    const v = randomVec(ctx.n / 2, 8);
    const ca = encryptVec(ctx, a);
    const r = ctx.ev.addConstVectorNew(ca, v);
    expect(r.level).toBe(ca.level);
    expectBits(NAME, 'addConstVector', decryptVec(ctx, r), a.map((x, i) => x + (i < v.length ? v[i] : 0)), ctx.th.add);
  });

  it('refuses non-finite values and more values than slots', () => {
    const ca = encryptVec(ctx, randomVec(ctx.n, 9));
    expect(() => ctx.ev.mulConstVectorNew(ca, [Number.NaN])).toThrow(/Encoder\.encode/);
    expect(() => ctx.ev.addConstVectorNew(ca, new Float64Array(ctx.n + 1))).toThrow(/Encoder\.encode/);
  });
});
