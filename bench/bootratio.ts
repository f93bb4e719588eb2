/**
 * `npm run bench -- bootratio`: the trainer's bootstrapping error per message
 * ratio (`BootstrapOptions.logMessageRatio`), and what it does to the drift
 * from the plaintext mirror. Not a timing: a precision experiment with fixed
 * seeds (src/mlr/bootstrap.ts, TRAINING_MESSAGE_RATIO, quotes its table).
 *
 * 1. Keys for the trainer's bootstrapping (PN16QP1530_TRAIN_BOOT_H192, 8,192
 *    slots, H = 192) from a fixed seed.
 * 2. Two inputs, each over B = 4 and encrypted at 2^40 at the chain's base:
 *    the plaintext mirror's W and V after BOOTRATIO_ITERS (default 100)
 *    iterations on the 256 bundled rows, laid out as the refresher packs
 *    them (blocks of 256 weights, W then V, pair by pair and part by part,
 *    classes 2u and 2u + 1 as the real and imaginary parts); and 0.7 sin /
 *    0.7 cos on every slot (slots of modulus 0.7, rms 0.5: the large-slot case).
 * 3. Per ratio (BOOTRATIO_RATIOS, default "8,7,6,5"): one bootstrapping of
 *    each, its rms and largest error in weight units (slot error times B).
 * 4. A plaintext model of the drift: the mirror with Gaussian noise of each
 *    measured rms (on the weights) added to W and V at every refresh (before
 *    iterations 3, 5, ...) and 1.5e-7 after every iteration (the iterations'
 *    own noise, fitted to the encrypted runs' first two iterations), against
 *    the exact mirror: max |W - mirror| after 10, 50 and 100 iterations.
 *
 * Environment: BOOTRATIO_RATIOS, BOOTRATIO_ITERS. About 10 minutes and 9 GB at
 * N = 2^16 on one thread.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Bootstrapper } from '../src/circuits/index.js';
import { Decryptor, Encoder, Encryptor, Evaluator, KeyGenerator, PRESETS, XofSource, createParameters } from '../src/ckks/index.js';
import { DEFAULT_WEIGHT_BOUND, PlainTrainerState, TRAINING_BOOTSTRAP_PRESETS, buildDesign, parseCsv, selectRows } from '../src/mlr/index.js';
import { round } from './util.js';

/** The iterations' own noise in the drift model (fitted: 8.8e-7 after two iterations, measured 8.2e-7). */
const ITERATION_NOISE = 1.5e-7;

/** A deterministic standard normal sampler (Box-Muller over a 32-bit LCG): a model's noise, not a key's. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Max |W - mirror| after the checkpoints, with noise sigmaB at each refresh and ITERATION_NOISE after each iteration. */
function driftModel(X: { rows: number; cols: number; data: Float64Array }, Y: { rows: number; cols: number; data: Float64Array }, sigmaB: number, checkpoints: number[]): Record<string, number> {
  const opts = { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 } as const;
  const exact = new PlainTrainerState(X, Y, opts);
  const noisy = new PlainTrainerState(X, Y, opts);
  // The state's weights are replaced between steps: the model perturbs what the next step reads.
  const inner = noisy as unknown as { w: Float64Array; v: Float64Array };
  const g = gaussian(12345);
  const perturb = (sigma: number): void => {
    inner.w = inner.w.map((x) => x + sigma * g());
    inner.v = inner.v.map((x) => x + sigma * g());
  };
  const out: Record<string, number> = {};
  const last = Math.max(...checkpoints);
  for (let t = 1; t <= last; t++) {
    const a = exact.step().W;
    if (t >= 3 && t % 2 === 1) perturb(sigmaB);
    noisy.step();
    perturb(ITERATION_NOISE);
    if (checkpoints.includes(t)) {
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - inner.w[i]));
      out[String(t)] = round(m);
    }
  }
  return out;
}

/** Run the experiment. */
export async function run(): Promise<object> {
  const ratios = (process.env.BOOTRATIO_RATIOS ?? '8,7,6,5').split(',').map(Number);
  const iterations = Number(process.env.BOOTRATIO_ITERS ?? 100);
  const params = createParameters(PRESETS.PN16QP1530_TRAIN_BOOT_H192);
  const { bound: _b, logMessageRatio: _r, ...config } = TRAINING_BOOTSTRAP_PRESETS.PN16QP1530_TRAIN_BOOT_H192.config;
  const B = DEFAULT_WEIGHT_BOUND;
  const n = config.slots ?? 8192;
  const file = fileURLToPath(new URL('../data/mnist-regnet-x-400mf-first256.csv', import.meta.url));
  const tr = buildDesign(selectRows(parseCsv(readFileSync(file, 'utf8'), { source: file }), 0, 256));
  const mirror = new PlainTrainerState(tr.X, tr.Y, { method: 'SigmoidNAGQG', sigmoid: 'poly3', w0: 0.0128 });
  for (let t = 0; t < iterations; t++) mirror.step();
  const K = tr.Y.cols;
  const d = tr.X.cols;
  const width = 256;
  const parts = Math.ceil(d / width);
  const wRe = new Float64Array(n);
  const wIm = new Float64Array(n);
  let slot = 0;
  for (const M of [mirror.W, mirror.V]) {
    for (let u = 0; u < K / 2; u++) {
      for (let p = 0; p < parts; p++) {
        for (let j = 0; j < width; j++, slot++) {
          const c = p * width + j;
          if (c >= d) continue;
          wRe[slot] = M[2 * u * d + c] / B;
          wIm[slot] = M[(2 * u + 1) * d + c] / B;
        }
      }
    }
  }
  let rms = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.hypot(wRe[i], wIm[i]);
    rms += m * m;
    max = Math.max(max, m);
  }
  rms = Math.sqrt(rms / n);
  const sRe = Float64Array.from({ length: n }, (_, i) => 0.7 * Math.sin(1.3 * i));
  const sIm = Float64Array.from({ length: n }, (_, i) => 0.7 * Math.cos(0.7 * i));
  console.log(`weights after ${iterations} iterations over B = ${B}: ${slot} slots used, max |slot| ${max.toFixed(3)}, rms ${rms.toFixed(4)}`);

  const seed = new Uint8Array(32).fill(11);
  const kg = new KeyGenerator(params, { source: new XofSource(seed, 'bench/bootratio keys'), hammingWeight: 192 });
  const sk = kg.genSecretKey();
  const levels = Bootstrapper.keyLevels(params, config);
  const keys = kg.genEvaluationKeys(sk, { relin: true, conjugate: true, steps: Bootstrapper.rotationSteps(params, config), stepLevels: levels.rotations, conjugateLevel: levels.conjugation, relinLevel: levels.relin });
  const encoder = new Encoder(params);
  const ev = new Evaluator(params, keys);
  const enc = new Encryptor(params, sk, new XofSource(seed, 'bench/bootratio encryption'));
  const dec = new Decryptor(params, sk);
  const errors = (got: { re: Float64Array; im: Float64Array }, re: Float64Array, im: Float64Array): { rms: number; max: number } => {
    let m = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const er = got.re[i] - re[i];
      const ei = got.im[i] - im[i];
      m = Math.max(m, Math.abs(er), Math.abs(ei));
      s += (er * er + ei * ei) / 2;
    }
    return { rms: round(Math.sqrt(s / n) * B), max: round(m * B) };
  };
  const results: { logMessageRatio: number; weights: { rms: number; max: number }; largeSlots: { rms: number; max: number }; drift: Record<string, number> }[] = [];
  for (const ratio of ratios) {
    const bt = new Bootstrapper(ev, encoder, { ...config, logMessageRatio: ratio });
    const run1 = (re: Float64Array, im: Float64Array): { rms: number; max: number } => {
      const ct = enc.encrypt(encoder.encode({ re, im }, params.levelTops[0], 2 ** 40, n));
      return errors(encoder.decodeComplex(dec.decrypt(bt.bootstrap(ct))), re, im);
    };
    const weights = run1(wRe, wIm);
    const largeSlots = run1(sRe, sIm);
    const drift = driftModel(tr.X, tr.Y, weights.rms, [10, 50, 100]);
    console.log(
      `ratio ${ratio}: weights rms ${weights.rms.toExponential(2)} max ${weights.max.toExponential(2)}; ` +
        `large slots rms ${largeSlots.rms.toExponential(2)} max ${largeSlots.max.toExponential(2)}; ` +
        `modelled max |W - mirror| after 10/50/100: ${Object.values(drift).map((x) => x.toExponential(2)).join(' / ')}`,
    );
    results.push({ logMessageRatio: ratio, weights, largeSlots, drift });
  }
  return { suite: 'bootratio', preset: 'PN16QP1530_TRAIN_BOOT_H192', slots: n, bound: B, iterations, weightSlots: { rms: round(rms), max: round(max) }, iterationNoise: ITERATION_NOISE, results };
}
