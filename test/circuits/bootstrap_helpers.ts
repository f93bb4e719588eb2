/**
 * Shared context of the bootstrapping tests: a chain for bootstrapping at a
 * small ring (insecure), a seeded sparse-secret context with the
 * bootstrapper's keys, and seeded inputs.
 */
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
import { type BootstrapOptions, Bootstrapper } from '../../src/circuits/index.js';

/**
 * Chain from the base: q_0 (2 primes), `residual` levels of 1 prime, 2 StC
 * levels, 8 EvalMod levels and 2 CtS levels of 2 primes each. NOT SECURE.
 */
export function bootLiteral(logN: number, logSlots: number, residual = 2, bootLevels = 12): ParametersLiteral {
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

export interface BootCtx {
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

/**
 * A seeded context with a sparse secret (h = 64) and the bootstrapper's keys plus `extraSteps`
 * (at the top level); with `restricted`, the bootstrapper's keys are generated at the levels
 * of Bootstrapper.keyLevels (the relinearization key at the top, for the residual circuit).
 */
export function makeBootCtx(lit: ParametersLiteral, opts: BootstrapOptions, extraSteps: number[] = [], h = 64, restricted = false): BootCtx {
  const params = createParameters(lit);
  const kg = new KeyGenerator(params, { source: new XofSource(seed(1), 'hecnn/bootstrap test keygen'), hammingWeight: h });
  const sk = kg.genSecretKey();
  const steps = [...new Set([...Bootstrapper.rotationSteps(params, opts), ...extraSteps])];
  let levels = {};
  if (restricted) {
    const kl = Bootstrapper.keyLevels(params, opts);
    const stepLevels = new Map(kl.rotations);
    for (const s of extraSteps) stepLevels.set(s, params.maxLevel);
    levels = { stepLevels, conjugateLevel: kl.conjugation };
  }
  const keys = kg.genEvaluationKeys(sk, { relin: true, conjugate: true, steps, ...levels });
  const encoder = new Encoder(params);
  const enc = new Encryptor(params, sk, new XofSource(seed(2), 'hecnn/bootstrap test enc'));
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys);
  const bt = new Bootstrapper(ev, encoder, opts);
  return { params, sk, keys, encoder, enc, dec, ev, bt };
}


export const REPORT = process.env.CKKS_PRECISION_REPORT !== undefined;

export function uniform(n: number, s: number): Float64Array {
  let a = s >>> 0;
  return Float64Array.from({ length: n }, () => {
    a = (a * 1103515245 + 12345) >>> 0;
    return (a / 2 ** 32) * 2 - 1;
  });
}
