/**
 * The scheme at logN = 16 (PN16QP420_SEC128: 10 ciphertext primes, 4 special
 * primes, 32768 slots): symmetric and public-key encryption, multiply +
 * relinearize + rescale, and one rotation, with precision in bits against
 * float64 (thresholds and their justification in ./helpers.ts). Key
 * generation at this size takes a few seconds per switching key, so only the
 * relinearization key and one Galois key are generated.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { PN16QP420_SEC128 } from '../../src/ckks/presets.js';
import { type Ctx, decryptVec, encryptVec, expectBits, makeCtx, mapVec, randomVec, rotateRef } from './helpers.js';

const NAME = 'PN16QP420_SEC128';

describe(`CKKS scheme, ${NAME} (logN 16)`, () => {
  let ctx: Ctx;
  let x: Float64Array;
  let y: Float64Array;

  beforeAll(() => {
    ctx = makeCtx(NAME, PN16QP420_SEC128, { steps: [1], seed: 16 });
    x = randomVec(ctx.n, 1601);
    y = randomVec(ctx.n, 1602);
  });

  it('parameters', () => {
    expect(ctx.params.logN).toBe(16);
    expect(ctx.n).toBe(32768);
    expect(ctx.params.securityLevel).toBe(128);
    expect(ctx.params.dnum).toBe(3); // digits of 4, 4 and 2 primes
  });

  it('fresh symmetric and public-key encryption', () => {
    expectBits(NAME, 'fresh symmetric', decryptVec(ctx, encryptVec(ctx, x)), x, ctx.th.fresh);
    expectBits(NAME, 'fresh public-key', decryptVec(ctx, encryptVec(ctx, x, { pk: true })), x, ctx.th.freshPk);
  });

  it('mul + relinearize + rescale, then one rotation', () => {
    const L = ctx.params.maxLevel;
    const cx = encryptVec(ctx, x);
    const cy = encryptVec(ctx, y);
    const r = ctx.ev.rescaleNew(ctx.ev.mulRelinNew(cx, cy));
    expect(r.level).toBe(L - 1);
    expect(r.scale).toBe((cx.scale * cy.scale) / ctx.params.Q[L]);
    const xy = mapVec(x, (v, i) => v * y[i]);
    expectBits(NAME, 'mul + relin + rescale', decryptVec(ctx, r), xy, ctx.th.mul);
    const rot = ctx.ev.rotateNew(cx, 1);
    expectBits(NAME, 'rotate 1', decryptVec(ctx, rot), rotateRef(x, 1), ctx.th.rot);
    // The rotation at the lower level (after the rescale): partial last digit (2 of 4 primes -> 1).
    expectBits(NAME, 'mul + rescale + rotate 1', decryptVec(ctx, ctx.ev.rotateNew(r, 1)), rotateRef(xy, 1), ctx.th.rot);
  });
});
