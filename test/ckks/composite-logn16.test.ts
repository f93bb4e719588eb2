/**
 * High-precision levels at logN 16 (PN16QP1710_HP_SEC128: 43 primes in a base
 * of 3 and 20 levels of 2, 128-bit secure): a fresh symmetric encryption and
 * multiply + relinearize + rescale at scales 2^55 and ~2^60 (the level
 * modulus), precision in bits against float64 (the README's precision table;
 * CKKS_PRECISION_REPORT=1 prints the figures). Only the relinearization key
 * is generated.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PN16QP1710_HP_SEC128 } from '../../src/ckks/presets.js';
import { THRESHOLDS, type Ctx, decryptVec, encryptVec, expectBits, makeCtx, mapVec, randomVec } from './helpers.js';

const NAME = 'PN16QP1710_HP_SEC128';

describe(`high-precision levels, ${NAME} (logN 16)`, () => {
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;

  beforeAll(() => {
    (THRESHOLDS as Record<string, (typeof THRESHOLDS)[string]>)[NAME] ??= THRESHOLDS.PN16QP420_SEC128;
    ctx = makeCtx(NAME, PN16QP1710_HP_SEC128, { seed: 1710 });
    x = randomVec(ctx.n, 17101);
    y = randomVec(ctx.n, 17102);
  });

  it('parameters: 128-bit secure, 20 levels of two primes above a base of three', () => {
    expect(ctx.params.securityLevel).toBe(128);
    expect(ctx.params.depth).toBe(20);
    expect(ctx.params.rescalePrimes[ctx.params.maxLevel]).toBe(2);
  });

  for (const [label, logScale] of [['2^55', 55], ['2^60', 60]] as const) {
    it(`scale ${label}: fresh symmetric encryption and multiply + relinearize + rescale`, () => {
      const scale = logScale === 60 ? ctx.ev.levelModulus(ctx.params.maxLevel) : 2 ** 55;
      const cx = encryptVec(ctx, x, { scale });
      const cy = encryptVec(ctx, y, { scale });
      expectBits(NAME, `fresh symmetric, scale ${label}`, decryptVec(ctx, cx), x, logScale === 60 ? 44 : 40);
      const r = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cx, cy));
      expect(r.level).toBe(ctx.params.maxLevel - 2);
      expectBits(NAME, `mul + relin + rescale, scale ${label}`, decryptVec(ctx, r), mapVec(x, (v, i) => v * y[i]), logScale === 60 ? 40 : 31);
    });
  }
});
