/**
 * Bootstrapping with full slots (logN 10, n = N/2 = 512 complex slots,
 * insecure parameters, secret of Hamming weight 64): CoeffsToSlots in 3
 * levels into two ciphertexts (real and imaginary parts), two EvalMods,
 * SlotsToCoeffs in 3 levels, message ratio 2^10 (the default for 512
 * slots). Bar: >= 19 bits min and >= 21 mean (measured about 21.6 / 23.8 on
 * the first, 20.8 / 23.4 on the third; full slots have 16 times more values, so
 * the worst slot is worse than with 32 sparse slots), three in a row.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type BootstrapOptions, Bootstrapper, precisionStats } from '../../src/circuits/index.js';
import { type BootCtx, REPORT, bootLiteral, makeBootCtx, uniform } from './bootstrap_helpers.js';


describe('bootstrapping, full slots (logN 10, n = 512)', () => {
  const n = 512;
  const opts: BootstrapOptions = { ctsLevels: 3, stcLevels: 3 };
  let ctx: BootCtx;
  const re = uniform(n, 21);
  const im = uniform(n, 22);
  beforeAll(() => {
    ctx = makeBootCtx(bootLiteral(10, 9, 1, 14), opts, [3]);
  });

  it('cost model and counters; three bootstrappings in a row within the bar; a product and a rotation after', () => {
    const cost = Bootstrapper.cost(ctx.params, opts);
    expect(ctx.bt.sparse).toBe(false);
    expect([cost.ctsLevels, cost.evalModLevels, cost.stcLevels, cost.residualLevels]).toEqual([3, 8, 3, 1]);
    let ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.levelTops[0], 2 ** 30, n));
    for (let k = 1; k <= 3; k++) {
      ctx.ev.resetCounters();
      ct = ctx.bt.bootstrap(ct);
      expect(ctx.ev.counters.rotations).toBe(cost.rotations);
      expect(ctx.ev.counters.ctMultiplications).toBe(cost.ctMultiplications);
      expect(ct.level).toBe(ctx.params.levelTops[1]);
      const s = precisionStats(ctx.encoder.decodeComplex(ctx.dec.decrypt(ct)), { re, im });
      if (REPORT) console.log(`full n=512 logN 10 #${k}: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}, imag min ${s.imag.minBits.toFixed(2)} mean ${s.imag.meanBits.toFixed(2)}`);
      expect(Math.min(s.real.minBits, s.imag.minBits), `bootstrapping #${k}`).toBeGreaterThanOrEqual(19);
      expect(Math.min(s.real.meanBits, s.imag.meanBits), `bootstrapping #${k}`).toBeGreaterThanOrEqual(21);
      if (k < 3) ct = ctx.ev.dropLevelNew(ct, ct.level - ctx.params.levelTops[0]);
    }
    const sq = ctx.ev.mulRelinNew(ct, ct);
    ctx.ev.rescale(sq, sq);
    const rot = ctx.ev.rotateNew(sq, 3);
    const got = ctx.encoder.decodeComplex(ctx.dec.decrypt(rot));
    const wantRe = new Float64Array(n);
    const wantIm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = (i + 3) % n;
      wantRe[i] = re[j] * re[j] - im[j] * im[j];
      wantIm[i] = 2 * re[j] * im[j];
    }
    const s = precisionStats(got, { re: wantRe, im: wantIm });
    if (REPORT) console.log(`full: after 3 bootstrappings, x^2 rotated by 3: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}`);
    expect(Math.min(s.real.minBits, s.imag.minBits)).toBeGreaterThanOrEqual(16);
  });
});
