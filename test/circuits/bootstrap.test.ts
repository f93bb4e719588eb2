/**
 * Bootstrapping with sparse slots (logN 11, n = 32 complex slots, insecure
 * parameters, secret of Hamming weight 64): ModRaise, SubSum, CoeffsToSlots in
 * 2 levels, EvalMod (cosine of degree 31 on [-12, 12], 3 double angles),
 * SlotsToCoeffs in 2 levels. Precision against the input in bits
 * (precisionStats), the cost model against the evaluator's counters, ten
 * bootstrappings in a row, a product and a rotation after bootstrapping, and
 * the typed errors.
 *
 * Bar: >= 20 bits min and >= 22 bits mean for one bootstrapping (measured
 * about 24.5 / 26: the input at scale 2^30 carries ~27 bits, the sine's
 * error at message ratio 2^-12 is ~2^-21.3 relative to the largest value
 * (|z| <= 1, coefficients much smaller) and the EvalMod noise at scale 2^60
 * about 2^-26); after ten in a row the errors add up (measured 22.8 min /
 * 23.8 mean after the tenth), bar >= 20 min / >= 22 mean every time.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { galoisElementForConjugation } from '../../src/ntt/index.js';
import {
  CkksError,
  LevelMismatchError,
  MissingKeyError,
  Encoder,
  EvaluationKeys,
  Evaluator,
  createParameters,
} from '../../src/ckks/index.js';
import { type BootstrapOptions, Bootstrapper, precisionStats } from '../../src/circuits/index.js';
import { type BootCtx, REPORT, bootLiteral, makeBootCtx, uniform } from './bootstrap_helpers.js';


describe('bootstrapping, sparse slots (logN 11, n = 32)', () => {
  const n = 32;
  const opts: BootstrapOptions = { slots: n, ctsLevels: 2, stcLevels: 2 };
  let ctx: BootCtx;
  const re = uniform(n, 11);
  const im = uniform(n, 12);
  beforeAll(() => {
    ctx = makeBootCtx(bootLiteral(11, 5), opts, [1]);
  });

  it('cost model: levels per phase and residual levels known before running; counters match', () => {
    const cost = Bootstrapper.cost(ctx.params, opts);
    expect(cost).toEqual(ctx.bt.cost);
    expect(cost.ctsLevels).toBe(2);
    expect(cost.evalModLevels).toBe(8); // degree 31: 5 levels, 3 double angles
    expect(cost.stcLevels).toBe(2);
    expect(cost.residualLevels).toBe(2);
    const ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.levelTops[0], 2 ** 30, n));
    ctx.ev.resetCounters();
    const out = ctx.bt.bootstrap(ct);
    expect(out.level).toBe(ctx.params.levelTops[cost.residualLevels]);
    expect(out.scale).toBe(2 ** 30);
    expect(ctx.ev.counters.rotations).toBe(cost.rotations);
    expect(ctx.ev.counters.ctMultiplications).toBe(cost.ctMultiplications);
    const s = precisionStats(ctx.encoder.decodeComplex(ctx.dec.decrypt(out)), { re, im });
    if (REPORT) console.log(`sparse n=32 logN 11: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}, imag min ${s.imag.minBits.toFixed(2)} mean ${s.imag.meanBits.toFixed(2)}`);
    expect(s.real.minBits).toBeGreaterThanOrEqual(20);
    expect(s.imag.minBits).toBeGreaterThanOrEqual(20);
    expect(s.real.meanBits).toBeGreaterThanOrEqual(22);
    expect(s.imag.meanBits).toBeGreaterThanOrEqual(22);
  });

  it('ten bootstrappings in a row stay within the bar', () => {
    let ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.levelTops[0], 2 ** 30, n));
    for (let k = 1; k <= 10; k++) {
      ct = ctx.bt.bootstrap(ct);
      const s = precisionStats(ctx.encoder.decodeComplex(ctx.dec.decrypt(ct)), { re, im });
      if (REPORT) console.log(`sparse bootstrapping #${k}: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}, imag min ${s.imag.minBits.toFixed(2)} mean ${s.imag.meanBits.toFixed(2)}`);
      expect(Math.min(s.real.minBits, s.imag.minBits), `bootstrapping #${k}`).toBeGreaterThanOrEqual(20);
      expect(Math.min(s.real.meanBits, s.imag.meanBits), `bootstrapping #${k}`).toBeGreaterThanOrEqual(22);
      ct = ctx.ev.dropLevelNew(ct, ct.level - ctx.params.levelTops[0]);
    }
  });

  it('a bootstrapped ciphertext keeps computing: a product, a rescale and a rotation', () => {
    const ct = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.levelTops[0], 2 ** 30, n));
    const b = ctx.bt.bootstrap(ct);
    const sq = ctx.ev.rescale(ctx.ev.mulRelinNew(b, b), ctx.ev.mulRelinNew(b, b));
    const rot = ctx.ev.rotateNew(sq, 1);
    const got = ctx.encoder.decodeComplex(ctx.dec.decrypt(rot));
    const wantRe = new Float64Array(n);
    const wantIm = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      wantRe[i] = re[j] * re[j] - im[j] * im[j];
      wantIm[i] = 2 * re[j] * im[j];
    }
    const s = precisionStats(got, { re: wantRe, im: wantIm });
    if (REPORT) console.log(`after bootstrapping, (x^2) rotated by 1: real min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)}`);
    expect(Math.min(s.real.minBits, s.imag.minBits)).toBeGreaterThanOrEqual(17);
  });

  it('typed errors: wrong level, scale too close to q_0, missing keys (before any work), no bootstrapping chain, other slot count', () => {
    const top = ctx.enc.encrypt(ctx.encoder.encode({ re, im }, ctx.params.maxLevel, 2 ** 30, n));
    expect(() => ctx.bt.bootstrap(top)).toThrow(LevelMismatchError);
    const big = ctx.enc.encrypt(ctx.encoder.encode(re, ctx.params.levelTops[0], 2 ** 57, n));
    expect(() => ctx.bt.bootstrap(big)).toThrow(/leaves no room below q_0/);
    const other = ctx.enc.encrypt(ctx.encoder.encode(re.subarray(0, 16), ctx.params.levelTops[0], 2 ** 30, 16));
    expect(() => ctx.bt.bootstrap(other)).toThrow(CkksError);
    const noConj = new Evaluator(ctx.params, new EvaluationKeys(ctx.params, ctx.keys.relin, new Map([...ctx.keys.galois].filter(([g]) => g !== galoisElementForConjugation(ctx.params.logN)))));
    expect(() => new Bootstrapper(noConj, ctx.encoder, opts)).toThrow(MissingKeyError);
    const noRot = new Evaluator(ctx.params, new EvaluationKeys(ctx.params, ctx.keys.relin, new Map()));
    expect(() => new Bootstrapper(noRot, ctx.encoder, opts)).toThrow(MissingKeyError);
    const shallow = createParameters({ ...bootLiteral(11, 5), logQ: new Array<number>(10).fill(30), levelPrimes: [2, 2, 2, 2, 2] });
    const evShallow = new Evaluator(shallow);
    expect(() => new Bootstrapper(evShallow, new Encoder(shallow), opts)).toThrow(/bootstrapping needs 12/);
    expect(() => Bootstrapper.rotationSteps(ctx.params, { slots: 3 })).toThrow(CkksError);
  });
});
