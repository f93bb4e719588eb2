/**
 * Benchmark suite "rescale": the rescale by a level of two primes at
 * N = 2^16, from the top of PN16QP1530_BOOT_H192 (41 primes of 30 bits; the
 * bootstrapping's levels are all of two primes).
 *
 *   npm run bench -- rescale
 *
 * Timed in the same run, on the same degree-1 ciphertext (setup outside the
 * timed part, warm-up, benchmark.js medians, then process.cpuUsage medians of
 * interleaved rounds, which stay meaningful when other processes share the
 * cores):
 *  - `onePass`: Evaluator.rescale, which divides by q_{l-1} q_l in one pass
 *    (rescaleComponentTwo: Garner remainder, one forward NTT per remaining limb);
 *  - `twoSteps`: the former way, the one-prime kernel rescaleComponent twice
 *    (q_l, then q_{l-1}: two forward NTTs per remaining limb).
 * Both write into preallocated outputs; the figures are per ciphertext (both
 * components). The suite checks that the two results differ by at most 1 per
 * coefficient (the one-pass result is exactly round(c / (q_{l-1} q_l)); the
 * two-step one is within 1/2 + 1/(2q) of the quotient).
 */

import { Ciphertext, Encoder, Encryptor, KeyGenerator, PN16QP1530_BOOT_H192, XofSource, createParameters, Evaluator } from '../src/ckks/index.js';
import { rescaleComponent } from '../src/ckks/kernels.js';
import { inverseNtt } from '../src/ntt/index.js';
import { measure, median, round } from './util.js';

/** @returns the suite's figures */
export async function run(): Promise<object> {
  const params = createParameters(PN16QP1530_BOOT_H192);
  const N = params.N;
  const l = params.maxLevel;
  if (params.rescalePrimes[l] !== 2) throw new Error('rescale bench: the top level must be of two primes');
  const kg = new KeyGenerator(params, { source: new XofSource(new Uint8Array(32).fill(5), 'hecnn/bench rescale keys') });
  const sk = kg.genSecretKey();
  const encoder = new Encoder(params);
  const ev = new Evaluator(params, kg.genEvaluationKeys(sk, {}));
  const values = Float64Array.from({ length: params.slots }, (_, i) => Math.sin(i));
  const ct = new Encryptor(params, sk, new XofSource(new Uint8Array(32).fill(6), 'hecnn/bench rescale enc')).encrypt(encoder.encode(values, l));
  const out = new Ciphertext(params, 1, l - 2, ct.scale, ct.slots);
  // The former two-step path on raw arrays: limbs 0..l-1 after dividing by q_l, then 0..l-2.
  const mid = [new Uint32Array(l * N), new Uint32Array(l * N)];
  const last = new Uint32Array(N);
  const tmp = new Uint32Array(N);
  const twoSteps = (): void => {
    for (let c = 0; c < 2; c++) {
      rescaleComponent(ct.c[c].data, mid[c], { tables: params.basisQ.tables, inv: params.rescaleInv[l], invShoup: params.rescaleInvShoup[l] }, l, N, last, tmp);
      rescaleComponent(mid[c], mid[c], { tables: params.basisQ.tables, inv: params.rescaleInv[l - 1], invShoup: params.rescaleInvShoup[l - 1] }, l - 1, N, last, tmp);
    }
  };
  const onePass = (): void => {
    ev.rescale(ct, out);
  };
  // Agreement: at most 1 apart per coefficient (compared in coefficient form on limb 0).
  onePass();
  twoSteps();
  let maxDiff = 0;
  for (let c = 0; c < 2; c++) {
    const q = params.Q[0];
    const a = out.c[c].data.slice(0, N);
    const b = mid[c].slice(0, N);
    inverseNtt(a, params.basisQ.tables[0]);
    inverseNtt(b, params.basisQ.tables[0]);
    for (let i = 0; i < N; i++) {
      const d = Math.abs(a[i] - b[i]);
      maxDiff = Math.max(maxDiff, Math.min(d, q - d));
    }
  }
  if (maxDiff > 1) throw new Error(`rescale bench: the two paths differ by ${maxDiff} on a coefficient`);
  const one = measure('rescale, two primes in one pass', onePass);
  const two = measure('rescale, two one-prime steps', twoSteps);
  // CPU time, interleaved rounds.
  const cpu = (f: () => void): number => {
    const t = process.cpuUsage();
    f();
    const d = process.cpuUsage(t);
    return (d.user + d.system) / 1000;
  };
  const ratios: number[] = [];
  const oneCpu: number[] = [];
  const twoCpu: number[] = [];
  for (let r = 0; r < 11; r++) {
    const a = cpu(onePass);
    const b = cpu(twoSteps);
    oneCpu.push(a);
    twoCpu.push(b);
    ratios.push(a / b);
  }
  const ratio = median(ratios);
  console.log(`rescale: one pass / two steps = ${ratio.toFixed(3)} (CPU time, median of 11 interleaved rounds); wall ${one.medianMs.toFixed(1)} / ${two.medianMs.toFixed(1)} ms`);
  return {
    suite: 'rescale',
    preset: 'PN16QP1530_BOOT_H192',
    N,
    level: l,
    limbs: l + 1,
    onePassMs: round(one.medianMs),
    twoStepsMs: round(two.medianMs),
    wallRatio: round(one.medianMs / two.medianMs, 3),
    cpuTime: { onePassMs: round(median(oneCpu)), twoStepsMs: round(median(twoCpu)), ratio: round(ratio, 3), ratioMin: round(Math.min(...ratios), 3), ratioMax: round(Math.max(...ratios), 3) },
    maxCoefficientDiff: maxDiff,
  };
}
