/**
 * Shared helpers of the circuit tests: a seeded context (keys, encoder,
 * encryptor, decryptor, evaluator) on insecure small-ring parameters with a
 * long chain, seeded vectors, and precision assertions in bits through
 * src/circuits/precision.ts. Imports the scheme only through its index.
 */

import { expect } from 'vitest';
import {
  type Ciphertext,
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
import { type VectorLike, precisionStats } from '../../src/circuits/index.js';

/** Deterministic pseudo-random numbers in [-1, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/** n seeded values in [lo, hi). */
export function uniformVec(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => lo + ((r() + 1) / 2) * (hi - lo));
}

function seedBytes(seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: 32 }, () => Math.floor((r() + 1) * 128) & 255);
}

/** logN 12, 13 ciphertext primes of 30 bits (12 levels), 3 special primes: NOT SECURE, tests only. */
export const DEEP12: Readonly<ParametersLiteral> = Object.freeze({
  logN: 12,
  logQ: new Array<number>(13).fill(30),
  logP: [30, 30, 30],
  logDefaultScale: 30,
  unsafeAllowInsecure: INSECURE_OPT_IN,
});

/** logN 11, 4 ciphertext primes, 2 special primes: NOT SECURE, for linear transforms. */
export const SHALLOW11: Readonly<ParametersLiteral> = Object.freeze({
  logN: 11,
  logQ: [30, 30, 30, 30],
  logP: [30, 30],
  logDefaultScale: 30,
  unsafeAllowInsecure: INSECURE_OPT_IN,
});

export interface Ctx {
  params: Parameters;
  kg: KeyGenerator;
  sk: SecretKey;
  keys: EvaluationKeys;
  encoder: Encoder;
  enc: Encryptor;
  dec: Decryptor;
  ev: Evaluator;
}

/** A seeded context with the requested evaluation keys. */
export function makeCtx(lit: Readonly<ParametersLiteral>, opts: { relin?: boolean; steps?: readonly number[]; seed?: number } = {}): Ctx {
  const seed = opts.seed ?? 7;
  const params = createParameters(lit as ParametersLiteral);
  const kg = new KeyGenerator(params, { source: new XofSource(seedBytes(seed), 'hecnn/circuits test keygen') });
  const sk = kg.genSecretKey();
  const keys = kg.genEvaluationKeys(sk, { relin: opts.relin ?? true, steps: opts.steps ?? [] });
  const encoder = new Encoder(params);
  const enc = new Encryptor(params, sk, new XofSource(seedBytes(seed + 1), 'hecnn/circuits test enc'));
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys);
  return { params, kg, sk, keys, encoder, enc, dec, ev };
}

/** Encrypt real values at a level (default the top) and scale (default the default scale) on `slots` slots. */
export function encrypt(ctx: Ctx, x: ArrayLike<number>, opts: { level?: number; scale?: number; slots?: number } = {}): Ciphertext {
  return ctx.enc.encrypt(ctx.encoder.encode(x, opts.level ?? ctx.params.maxLevel, opts.scale, opts.slots ?? x.length));
}

/** Decrypt and decode (real and imaginary parts). */
export function decrypt(ctx: Ctx, ct: Ciphertext): { re: Float64Array; im: Float64Array } {
  return ctx.encoder.decodeComplex(ctx.dec.decrypt(ct));
}

const REPORT = process.env.CKKS_PRECISION_REPORT !== undefined;

/**
 * Assert the worst slot has at least `min` bits, in the real and in the
 * imaginary part (a real `want` has a zero imaginary part); returns the real part's min bits.
 */
export function expectBits(label: string, got: { re: ArrayLike<number>; im: ArrayLike<number> }, want: VectorLike, min: number): number {
  const s = precisionStats(got, want);
  if (REPORT) console.log(`${label.padEnd(48)} min ${s.real.minBits.toFixed(2)} mean ${s.real.meanBits.toFixed(2)} (>= ${min}) imag min ${s.imag.minBits.toFixed(2)}`);
  expect(s.real.minBits, `${label}: ${s.real.minBits.toFixed(2)} bits (real), expected >= ${min}`).toBeGreaterThanOrEqual(min);
  expect(s.imag.minBits, `${label}: ${s.imag.minBits.toFixed(2)} bits (imaginary), expected >= ${min}`).toBeGreaterThanOrEqual(min);
  return s.real.minBits;
}
