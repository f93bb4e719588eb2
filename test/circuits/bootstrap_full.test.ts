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
import {
  Decryptor,
  Encoder,
  Encryptor,
  type EvaluationKeys,
  Evaluator,
  INSECURE_OPT_IN,
  KeyGenerator,
  type Parameters,
  type ParametersLiteral,
  type SecretKey,
  XofSource,
  createParameters,
} from '../../src/ckks/index.js';
import { type BootstrapOptions, Bootstrapper, precisionStats } from '../../src/circuits/index.js';

/**
 * Chain from the base: q_0 (2 primes), `residual` levels of 1 prime, 2 StC
 * levels, 8 EvalMod levels and 2 CtS levels of 2 primes each. NOT SECURE.
 */
function bootLiteral(logN: number, logSlots: number, residual = 2, bootLevels = 12): ParametersLiteral {
  const levelPrimes = [2, ...new Array<number>(residual).fill(1), ...new Array<number>(bootLevels).fill(2)];
  return {
    logN,
    logQ: new Array<number>(levelPrimes.reduce((a, b) => a + b, 0)).fill(30),
    levelPrimes,
    logP: [30, 30, 30, 30],
    digitSize: 3,
    logDefaultScale: 30,
    logSlots,
    unsafeAllowInsecure: INSECURE_OPT_IN,
  };
}

interface BootCtx {
  params: Parameters;
  sk: SecretKey;
  keys: EvaluationKeys;
  encoder: Encoder;
  enc: Encryptor;
  dec: Decryptor;
  ev: Evaluator;
  bt: Bootstrapper;
}

function seed(v: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (v * 31 + i * 7) & 255);
}

/** A seeded context with a sparse secret (h = 64) and the bootstrapper's keys plus `extraSteps`. */
function makeBootCtx(lit: ParametersLiteral, opts: BootstrapOptions, extraSteps: number[] = [], h = 64): BootCtx {
  const params = createParameters(lit);
  const kg = new KeyGenerator(params, { source: new XofSource(seed(1), 'hecnn/bootstrap test keygen'), hammingWeight: h });
  const sk = kg.genSecretKey();
  const steps = [...new Set([...Bootstrapper.rotationSteps(params, opts), ...extraSteps])];
  const keys = kg.genEvaluationKeys(sk, { relin: true, conjugate: true, steps });
  const encoder = new Encoder(params);
  const enc = new Encryptor(params, sk, new XofSource(seed(2), 'hecnn/bootstrap test enc'));
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys);
  const bt = new Bootstrapper(ev, encoder, opts);
  return { params, sk, keys, encoder, enc, dec, ev, bt };
}


const REPORT = process.env.CKKS_PRECISION_REPORT !== undefined;

function uniform(n: number, s: number): Float64Array {
  let a = s >>> 0;
  return Float64Array.from({ length: n }, () => {
    a = (a * 1103515245 + 12345) >>> 0;
    return (a / 2 ** 32) * 2 - 1;
  });
}

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
