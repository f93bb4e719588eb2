/**
 * `npm run bench -- circuits`: polynomial evaluation and linear transforms
 * (src/circuits) at N = 2^16, 128-bit secure.
 *
 * Chain: 13 ciphertext primes of 30 bits (12 levels, scale 2^30: the word
 * arithmetic caps primes below 2^30, so the scale is 2^30, not 2^40) and 7
 * special primes (digits of 6, dnum 3), log2(QP) ~ 600 < 1747, the 128-bit
 * bound at N = 2^16.
 *
 *  - poly: on the high-precision chain below (levels of two primes, scale
 *    ~2^60), Chebyshev interpolants of the sigmoid on [-64, 64] of degrees 63 and
 *    255, on 2^15 encrypted values at the top level; levels consumed, seconds,
 *    and bits (mean and min over the slots, real part) against the polynomial
 *    itself in float64. Bars: degree 63 in at most 7 levels, degree 255 in at most 9.
 *  - lintrans: a dense 256 x 256 transform (256 slots, sparse packing) and one
 *    butterfly stage (half-block 2^9, 3 diagonals, the special FFT's twiddles
 *    zeta^(5^j)) of the encoding FFT on 2^15 slots, both on inputs at level 6;
 *    rotations (counted) against the plan, seconds, bits (mean, the worse of
 *    the real and imaginary parts). Bar: within 2 of the modelled rotation
 *    counts. The dense transform runs again with one ModDown per giant step
 *    (lazyGiants false) for comparison.
 *  The polynomials run twice: with the change of variable at one level (x
 *  encoded at 2^30: the bars) and 'free' (x encoded at 2q/128 ~ 2^24, the
 *  scale reinterpreted: one level less, no rescale noise on y).
 *
 * Only the keys needed are generated: relinearization and the Galois keys of
 * the two transforms. Fixed seeds for the inputs; key generation, encryption
 * and the encoding of the diagonals are outside the timed part; each circuit
 * runs once untimed (warm-up) and then once timed.
 */

import { Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, type ParametersLiteral, createParameters } from '../src/ckks/index.js';
import {
  LinearTransform,
  butterflyDiagonals,
  PolynomialEvaluator,
  chebyshevInterpolant,
  diagonalsOf,
  linearTransformSteps,
  logicalLevel,
  precisionStats,
} from '../src/circuits/index.js';
import { DEFAULT_SEED, SplitMix32, peakRssMiB, round } from './util.js';

/**
 * The polynomials' chain: 23 ciphertext primes of 30 bits as a base of 3 and
 * 10 levels of 2 (composite scaling, scale ~2^60), 8 special primes, digits of
 * 7 primes; log2(QP) ~ 930 < 1747, 128-bit secure at N = 2^16.
 */
export const POLY_LITERAL: ParametersLiteral = {
  logN: 16,
  logQ: new Array<number>(23).fill(30),
  levelPrimes: [3, ...new Array<number>(10).fill(2)],
  logP: new Array<number>(8).fill(30),
  digitSize: 7,
  logDefaultScale: 60,
};

/** The transforms' chain: 13 x 30-bit ciphertext primes, 7 x 30-bit special primes: 128-bit secure at N = 2^16. */
export const CIRCUITS_LITERAL: ParametersLiteral = {
  logN: 16,
  logQ: new Array<number>(13).fill(30),
  logP: new Array<number>(7).fill(30),
  logDefaultScale: 30,
};

const LT_LEVEL = 6;
const DENSE_N = 256;
const FFT_H = 512;

function uniform(rng: SplitMix32, n: number, lo: number, hi: number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (rng.nextU32() / 2 ** 32) * (hi - lo));
}

/** The special FFT's twiddles for half-block h: zeta^(5^j mod 4 len), len = 2h, as in the encoder (src/ckks/encoder.ts). */
function specialTwiddles(h: number, logN: number): { re: Float64Array; im: Float64Array } {
  const M = 2 ** (logN + 1);
  const len = 2 * h;
  const re = new Float64Array(h);
  const im = new Float64Array(h);
  let g = 1;
  for (let j = 0; j < h; j++) {
    const a = (2 * Math.PI * (g % (4 * len))) / (4 * len);
    re[j] = Math.cos(a);
    im[j] = Math.sin(a);
    g = (g * 5) % M;
  }
  return { re, im };
}

/** Run the suite. */
export async function run(): Promise<object> {
  const params = createParameters(CIRCUITS_LITERAL);
  const S = params.slots;
  const rng = new SplitMix32(DEFAULT_SEED);
  const denseM = uniform(rng, DENSE_N * DENSE_N, -1 / 16, 1 / 16);
  const denseDiags = diagonalsOf(denseM, DENSE_N);
  const stage = butterflyDiagonals(S, FFT_H, specialTwiddles(FFT_H, params.logN));
  const steps = [...new Set([...linearTransformSteps(denseDiags.keys(), DENSE_N), ...linearTransformSteps(stage.keys(), S)])];
  const kg = new KeyGenerator(params);
  const sk = kg.genSecretKey();
  let t0 = performance.now();
  const keys = kg.genEvaluationKeys(sk, { steps });
  console.log(`N = 2^${params.logN}, ${params.Q.length} + ${params.P.length} primes, log2(QP) = ${params.logQP.toFixed(1)}; keys: relinearization + ${keys.galois.size} Galois keys in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const enc = new Encoder(params);
  const encr = new Encryptor(params, sk);
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys);

  // Polynomials on the high-precision chain: only a relinearization key.
  const hp = createParameters(POLY_LITERAL);
  const hkg = new KeyGenerator(hp);
  const hsk = hkg.genSecretKey();
  t0 = performance.now();
  const hkeys = hkg.genEvaluationKeys(hsk);
  console.log(`polynomials: N = 2^${hp.logN}, ${hp.Q.length} + ${hp.P.length} primes in ${hp.depth + 1} levels, log2(QP) = ${hp.logQP.toFixed(1)}, scale 2^${Math.log2(hp.defaultScale)}; relinearization key in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const henc = new Encoder(hp);
  const hencr = new Encryptor(hp, hsk);
  const hdec = new Decryptor(hp, hsk);
  const hev = new Evaluator(hp, hkeys);
  const pe = new PolynomialEvaluator(hev);

  const poly: { degree: number; changeOfVariable: string; levels: number; levelsModel: number; ctMultiplications: number; ctMultiplicationsModel: number; seconds: number; bitsMean: number; bitsMin: number }[] = [];
  const x = uniform(rng, S, -64, 64);
  const top = hp.maxLevel;
  const qTop = hev.levelModulus(top);
  // 'level': x at the level modulus ~2^60, the change of variable costs a level (the bars); 'free':
  // x encoded at 2 q / 128 ~ 2^54, so that y = x / 64 is at ~2^60 by reinterpreting the scale (no level).
  const inputs = { level: hencr.encrypt(henc.encode(x, top, qTop)), free: hencr.encrypt(henc.encode(x, top, (2 * qTop) / 128)) };
  for (const mode of ['level', 'free'] as const) {
    for (const degree of [63, 255]) {
      const ct = inputs[mode];
      const p = chebyshevInterpolant((v) => 1 / (1 + Math.exp(-v)), -64, 64, degree);
      const plan = PolynomialEvaluator.plan([p], { changeOfVariable: mode });
      const opts = { changeOfVariable: mode, targetScale: hp.defaultScale };
      pe.evaluate(ct, p, opts); // warm-up
      hev.resetCounters();
      t0 = performance.now();
      const out = pe.evaluate(ct, p, opts);
      const seconds = (performance.now() - t0) / 1000;
      const s = precisionStats(henc.decodeComplex(hdec.decrypt(out)), p.evaluateAll(x));
      const r = {
        degree,
        changeOfVariable: mode,
        levels: logicalLevel(hp, ct.level) - logicalLevel(hp, out.level),
        levelsModel: plan.cost.levels,
        ctMultiplications: hev.counters.ctMultiplications,
        ctMultiplicationsModel: plan.cost.ctMultiplications,
        seconds: round(seconds),
        bitsMean: round(s.real.meanBits),
        bitsMin: round(s.real.minBits),
      };
      console.log(`sigmoid degree ${degree} (change of variable: ${mode}): ${r.levels} levels (model ${r.levelsModel}), ${r.ctMultiplications} products (model ${r.ctMultiplicationsModel}), ${seconds.toFixed(2)} s, bits mean ${r.bitsMean} min ${r.bitsMin}`);
      poly.push(r);
    }
  }

  const lintrans: { name: string; rotations: number; rotationsModel: number; lazyGiants: boolean; seconds: number; bitsMean: number; bitsMin: number }[] = [];
  type Diags = Map<number, Float64Array | { re: Float64Array; im: Float64Array }>;
  const cases = [
    { name: 'dense 256 x 256', n: DENSE_N, diags: denseDiags as Diags, lazy: true },
    { name: `FFT stage (2^15 slots, h = ${FFT_H})`, n: S, diags: stage as Diags, lazy: true },
    { name: 'dense 256 x 256, one ModDown per giant step', n: DENSE_N, diags: denseDiags as Diags, lazy: false },
  ];
  for (const c of cases) {
    const re = uniform(rng, c.n, -1, 1);
    const im = uniform(rng, c.n, -1, 1);
    const ct = encr.encrypt(enc.encode({ re, im }, LT_LEVEL, undefined, c.n));
    const lt = new LinearTransform(enc, c.diags, c.n, LT_LEVEL, { lazyGiants: c.lazy });
    lt.evaluate(ev, ct); // warm-up
    ev.resetCounters();
    t0 = performance.now();
    const out = lt.evaluate(ev, ct);
    const seconds = (performance.now() - t0) / 1000;
    const wantRe = new Float64Array(c.n);
    const wantIm = new Float64Array(c.n);
    for (const [k, d] of c.diags) {
      const dr = 're' in d ? d.re : d;
      const di = 're' in d ? d.im : new Float64Array(c.n);
      for (let i = 0; i < c.n; i++) {
        const j = (((i + k) % c.n) + c.n) % c.n;
        wantRe[i] += dr[i] * re[j] - di[i] * im[j];
        wantIm[i] += dr[i] * im[j] + di[i] * re[j];
      }
    }
    const s = precisionStats(enc.decodeComplex(dec.decrypt(out)), { re: wantRe, im: wantIm });
    const r = {
      name: c.name,
      rotations: ev.counters.rotations,
      rotationsModel: lt.plan.rotations,
      baby: lt.plan.baby,
      lazyGiants: lt.lazyGiants,
      seconds: round(seconds),
      bitsMean: round(Math.min(s.real.meanBits, s.imag.meanBits)),
      bitsMin: round(Math.min(s.real.minBits, s.imag.minBits)),
    };
    console.log(`${c.name}: ${r.rotations} rotations (model ${r.rotationsModel}, baby ${r.baby}), ${seconds.toFixed(2)} s, bits mean ${r.bitsMean} min ${r.bitsMin}`);
    lintrans.push(r);
  }
  const bars = {
    degree63AtMost7Levels: poly[0].levels <= 7,
    degree255AtMost9Levels: poly[1].levels <= 9,
    rotationsWithin2OfModel: lintrans.every((l) => Math.abs(l.rotations - l.rotationsModel) <= 2),
  };
  console.log(`bars: ${JSON.stringify(bars)}`);
  return {
    suite: 'circuits',
    N: params.N,
    chain: { ciphertextPrimes: params.Q.length, specialPrimes: params.P.length, logQP: round(params.logQP), scale: '2^30', securityLevel: params.securityLevel },
    polyChain: { ciphertextPrimes: hp.Q.length, levelPrimes: hp.levelPrimes, specialPrimes: hp.P.length, logQP: round(hp.logQP), scale: `2^${round(Math.log2(qTop))}`, securityLevel: hp.securityLevel },
    poly,
    lintrans,
    bars,
    galoisKeys: keys.galois.size,
    peakRssMB: round(peakRssMiB()),
  };
}
