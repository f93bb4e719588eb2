/**
 * Bootstrapping benchmark (`npm run bench -- bootstrap`): the preset
 * PN16QP1530_BOOT_H192 (logN 16, sparse secret h = 192, 128-bit under the
 * sparse-secret bound) with BOOTSTRAP_PN16QP1530_H192, for full slots (2^15)
 * and 2^13 sparse slots (CHKKS 2018; CCS 2019; BMTH 2021). Per run: the
 * seconds of one bootstrapping (the first one, which also encodes the last
 * SlotsToCoeffs transform, or the best of BOOT_REPEAT more), the precision
 * against the input values (precisionStats: min, mean and median bits over
 * the real and imaginary parts, `bits*`, and each part's in `bitsReal` and `bitsImag`), the input's own precision after encryption
 * (`inputBits*`: at scale 2^30 and logN 16 the fresh encryption noise alone
 * leaves about 21 bits), the bootstrapping's own error against the decrypted
 * input (`bootBits*`), the levels left, the evaluation keys' size and the
 * process's peak RSS so far.
 *
 * The evaluation keys are generated at the levels the bootstrapper declares
 * (Bootstrapper.keyLevels: each Galois key holds only the limbs and digits of
 * the highest level it is used at; the relinearization key stays at the top
 * for the residual circuit); BOOT_KEYS=full generates every key at the top
 * level instead. `keyMiB` is the unseeded size held in memory, `keyMiBSeeded`
 * the seeded serialized form's (b_j only, plus a 32-byte seed per key, 32-bit
 * words as held), `keyMiBAllTop` what the same keys take at the top level,
 * `diagonalMiB` the encoded diagonals of CoeffsToSlots and SlotsToCoeffs
 * (compact for sparse slots: one word per run of N/2n).
 *
 * Heavy: ~40 Galois keys of up to ~134 MiB for full slots. BOOT_LOGN (default 16)
 * runs the same chain at a smaller ring, insecure, for a smoke test; such a
 * run is labelled by its logN. BOOT_ONLY=full or BOOT_ONLY=sparse runs one case.
 * BOOT_CHAIN=k bootstraps the output k more times in a row (each output
 * dropped to the base and bootstrapped again) and reports the precision
 * against the original values after each (`chain`: bits min / mean, seconds).
 *
 * Threads: BOOT_THREADS (default: the available parallelism) threads in all,
 * the main one and BOOT_THREADS - 1 NodeTransformWorkers sharing the
 * CoeffsToSlots and SlotsToCoeffs key switchings (double hoisting); 1 runs on
 * the main thread alone. `threads` in each run says which. BOOT_GIANT_COST
 * sets the transforms' giant-step cost (BootstrapOptions.giantCost, default 1).
 * `secondsFirst` is the first bootstrapping (it also encodes the last
 * SlotsToCoeffs transform for the input's scale); `seconds` the best of
 * 1 + BOOT_REPEAT (default 1) more.
 */
import {
  Decryptor,
  Encoder,
  Encryptor,
  type EvaluationKeys,
  Evaluator,
  INSECURE_OPT_IN,
  KeyGenerator,
  PN16QP1530_BOOT_H192,
  XofSource,
  createParameters,
} from '../src/ckks/index.js';
import { BOOTSTRAP_PN16QP1530_H192, Bootstrapper, precisionStats } from '../src/circuits/index.js';
import { availableParallelism } from 'node:os';
import { NodeTransformWorkers } from '../src/node/index.js';
import { SplitMix32, peakRssMiB } from './util.js';

/** Size of the evaluation keys held, in MiB (SwitchingKey.byteLength: both halves of every digit). */
function keyMiB(keys: EvaluationKeys): number {
  let bytes = keys.relin?.byteLength ?? 0;
  for (const k of keys.galois.values()) bytes += k.byteLength;
  return bytes / 2 ** 20;
}

/** Seeded size in MiB: the b halves and one 32-byte seed per key. */
function keyMiBSeeded(keys: EvaluationKeys): number {
  const all = [...(keys.relin === undefined ? [] : [keys.relin]), ...keys.galois.values()];
  return all.reduce((s, k) => s + k.byteLength / 2 + 32, 0) / 2 ** 20;
}

/** What the same keys take when every one is at the top level, in MiB (exact: dnum digits of |Q| + |P| limbs, both halves). */
function keyMiBAllTop(params: { N: number; dnum: number; Q: readonly number[]; P: readonly number[] }, keys: EvaluationKeys): number {
  const count = keys.galois.size + (keys.relin === undefined ? 0 : 1);
  return (count * 2 * params.dnum * (params.Q.length + params.P.length) * params.N * 4) / 2 ** 20;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** @returns the suite's figures */
export async function run(): Promise<object> {
  const logN = Number(process.env.BOOT_LOGN ?? 16);
  const repeat = Number(process.env.BOOT_REPEAT ?? 1);
  const threads = Number(process.env.BOOT_THREADS ?? availableParallelism());
  const giantCost = Number(process.env.BOOT_GIANT_COST ?? 1);
  const only = process.env.BOOT_ONLY;
  const restricted = process.env.BOOT_KEYS !== 'full';
  const runs: object[] = [];
  const cases = only === 'full' ? [logN - 1] : only === 'sparse' ? [logN - 3] : [logN - 1, logN - 3];
  for (const logSlots of cases) {
    // let the previous run's keys go before this run's (node --expose-gc, e.g. NODE_OPTIONS=--expose-gc)
    (globalThis as { gc?: () => void }).gc?.();
    const n = 2 ** logSlots;
    const params = createParameters({ ...PN16QP1530_BOOT_H192, logN, logSlots, ...(logN < 16 ? { unsafeAllowInsecure: INSECURE_OPT_IN } : {}) });
    const opts = { ...BOOTSTRAP_PN16QP1530_H192, slots: n, giantCost };
    const cost = Bootstrapper.cost(params, opts);
    console.log(`bootstrap: logN ${logN}, ${n} slots, log2(QP) ${params.logQP.toFixed(1)}, cost ${JSON.stringify(cost)}`);
    let t = performance.now();
    const kg = new KeyGenerator(params, { source: new XofSource(new Uint8Array(32).fill(7), 'hecnn/bench bootstrap keys'), hammingWeight: 192, shared: threads > 1 });
    const sk = kg.genSecretKey();
    const kl = Bootstrapper.keyLevels(params, opts);
    const levels = restricted ? { stepLevels: kl.rotations, conjugateLevel: kl.conjugation } : {};
    const keys = kg.genEvaluationKeys(sk, { relin: true, conjugate: true, steps: Bootstrapper.rotationSteps(params, opts), ...levels });
    const keygenSeconds = (performance.now() - t) / 1000;
    console.log(`bootstrap:   keys ${keys.galois.size} Galois + relin, ${keyMiB(keys).toFixed(0)} MiB, ${keygenSeconds.toFixed(1)} s`);
    const encoder = new Encoder(params);
    const ev = new Evaluator(params, keys);
    t = performance.now();
    const workers = threads > 1 ? await NodeTransformWorkers.create(params, keys, { threads: threads - 1 }) : undefined;
    const bt = new Bootstrapper(ev, encoder, { ...opts, workers });
    const setupSeconds = (performance.now() - t) / 1000;
    const enc = new Encryptor(params, sk, new XofSource(new Uint8Array(32).fill(8), 'hecnn/bench bootstrap enc'));
    const dec = new Decryptor(params, sk);
    const rng = new SplitMix32(0x5eed);
    const re = Float64Array.from({ length: n }, () => (rng.nextU32() / 2 ** 32) * 2 - 1);
    const im = Float64Array.from({ length: n }, () => (rng.nextU32() / 2 ** 32) * 2 - 1);
    const ct = enc.encrypt(encoder.encode({ re, im }, params.levelTops[0], 2 ** 30, n));
    const input = encoder.decodeComplex(dec.decrypt(ct)); // the input's own (encryption) error
    const s0 = precisionStats(input, { re, im });
    t = performance.now();
    let out = bt.bootstrap(ct);
    const secondsFirst = (performance.now() - t) / 1000;
    let seconds = secondsFirst;
    for (let r = 0; r < repeat; r++) {
      t = performance.now();
      out = bt.bootstrap(ct);
      seconds = Math.min(seconds, (performance.now() - t) / 1000);
    }
    const got = encoder.decodeComplex(dec.decrypt(out));
    const s = precisionStats(got, { re, im });
    const chainLength = Number(process.env.BOOT_CHAIN ?? 0);
    const chain: { step: number; bitsMin: number; bitsMean: number; seconds: number }[] = [];
    let cur = out;
    for (let k = 0; k < chainLength; k++) {
      const base = ev.dropLevelNew(cur, cur.level - params.levelTops[0]);
      t = performance.now();
      cur = bt.bootstrap(base);
      const sec = (performance.now() - t) / 1000;
      const sk2 = precisionStats(encoder.decodeComplex(dec.decrypt(cur)), { re, im });
      chain.push({ step: k + 2, bitsMin: round(Math.min(sk2.real.minBits, sk2.imag.minBits)), bitsMean: round((sk2.real.meanBits + sk2.imag.meanBits) / 2), seconds: round(sec) });
      console.log(`bootstrap:   in a row, #${k + 2}: ${JSON.stringify(chain[chain.length - 1])}`);
    }
    const sb = precisionStats(got, input); // the bootstrapping's own error
    const fig = {
      logN,
      slots: n,
      seconds: round(seconds),
      secondsFirst: round(secondsFirst),
      threads,
      giantCost,
      bitsMin: round(Math.min(s.real.minBits, s.imag.minBits)),
      bitsMean: round((s.real.meanBits + s.imag.meanBits) / 2),
      bitsMedian: round((s.real.medianBits + s.imag.medianBits) / 2),
      bitsReal: { min: round(s.real.minBits), mean: round(s.real.meanBits), median: round(s.real.medianBits) },
      bitsImag: { min: round(s.imag.minBits), mean: round(s.imag.meanBits), median: round(s.imag.medianBits) },
      inputBitsMin: round(Math.min(s0.real.minBits, s0.imag.minBits)),
      inputBitsMean: round((s0.real.meanBits + s0.imag.meanBits) / 2),
      bootBitsMin: round(Math.min(sb.real.minBits, sb.imag.minBits)),
      bootBitsMean: round((sb.real.meanBits + sb.imag.meanBits) / 2),
      logMessageRatio: bt.logMessageRatio,
      levelsLeft: params.levelTops.indexOf(out.level),
      scaleLog2: round(Math.log2(out.scale)),
      keyMiB: round(keyMiB(keys), 0),
      keyMiBSeeded: round(keyMiBSeeded(keys), 0),
      keyMiBAllTop: round(keyMiBAllTop(params, keys), 0),
      diagonalMiB: round(bt.diagonalBytes / 2 ** 20, 0),
      keyLevels: restricted ? 'bootstrapper' : 'top',
      keygenSeconds: round(keygenSeconds),
      setupSeconds: round(setupSeconds),
      rotations: cost.rotations,
      peakRssMB: round(peakRssMiB(), 0),
      ...(chain.length > 0 ? { chain } : {}),
    };
    console.log(`bootstrap:   ${JSON.stringify(fig)}`);
    runs.push(fig);
    await workers?.close();
  }
  return { suite: 'bootstrap', preset: 'PN16QP1530_BOOT_H192', runs };
}
