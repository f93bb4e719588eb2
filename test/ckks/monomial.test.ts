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
