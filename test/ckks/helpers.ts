/**
 * Shared helpers of the CKKS scheme tests: seeded randomness, a key/encoder/
 * encryptor/evaluator context per parameter set, float64 references, and
 * precision in bits, Lattigo style: bits = -log2(max |error| over the slots).
 *
 * Set CKKS_PRECISION_REPORT=1 to print, after each test file, every precision
 * figure measured (preset, operation, bits, threshold).
 */

import { afterAll, expect } from 'vitest';
import { Encoder } from '../../src/ckks/encoder.js';
import { Decryptor, Encryptor } from '../../src/ckks/encryption.js';
import { CkksError } from '../../src/ckks/errors.js';
import { Evaluator } from '../../src/ckks/evaluator.js';
import type { EvaluatorOptions } from '../../src/ckks/evaluator-base.js';
import { type EvaluationKeys, KeyGenerator, type PublicKey, type SecretKey } from '../../src/rlwe/keys.js';
import { type Parameters, type ParametersLiteral, createParameters } from '../../src/ckks/params.js';
import { XofSource } from '../../src/rlwe/random.js';
import type { Ciphertext } from '../../src/ckks/types.js';

// ------------------------------------------------------------------ randomness

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

/** n seeded values in [-amp, amp). */
export function randomVec(n: number, seed: number, amp = 1): Float64Array {
  const r = rng(seed);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = amp * r();
  return v;
}

/** A 32-byte seed derived from a number (for XofSource). */
export function seedBytes(seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: 32 }, () => Math.floor((r() + 1) * 128) & 255);
}

// ------------------------------------------------------------------ references

/** Left rotation by k (negative: right) of a length-n vector: out[i] = x[(i + k) mod n]. */
export function rotateRef(x: ArrayLike<number>, k: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = x[(((i + k) % n) + n) % n];
  return out;
}

export function mapVec(x: ArrayLike<number>, f: (v: number, i: number) => number): Float64Array {
  return Float64Array.from({ length: x.length }, (_, i) => f(x[i], i));
}

// ------------------------------------------------------------------ precision

/** Largest absolute difference over the first n entries. */
export function maxErr(got: ArrayLike<number>, want: ArrayLike<number>, n = want.length): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= m)) m = d; // NaN propagates as a maximum
  }
  return m;
}

/** Precision in bits: -log2(max |error|) (Infinity when exact, NaN when NaN). */
export function bitsOf(err: number): number {
  if (Number.isNaN(err)) return -Infinity;
  return err === 0 ? Infinity : -Math.log2(err);
}

/** Root mean square of the error, in bits (-log2(rms)). */
export function rmsBits(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < want.length; i++) s += (got[i] - want[i]) ** 2;
  return -Math.log2(Math.sqrt(s / want.length));
}

interface Measurement {
  preset: string;
  op: string;
  bits: number;
  min: number;
}

const measurements: Measurement[] = [];

afterAll(() => {
  if (!process.env.CKKS_PRECISION_REPORT || measurements.length === 0) return;
  const lines = measurements.map((m) => `${m.preset.padEnd(20)} ${m.op.padEnd(48)} ${m.bits.toFixed(2).padStart(6)}  (>= ${m.min})`);
  console.log(`precision (bits)\n${lines.join('\n')}`);
});

/**
 * Assert that `got` matches `want` to at least `min` bits, and record the figure.
 * @returns the precision in bits
 */
export function expectBits(preset: string, op: string, got: ArrayLike<number>, want: ArrayLike<number>, min: number): number {
  expect(got.length, `${preset} ${op}: length`).toBe(want.length);
  const b = bitsOf(maxErr(got, want));
  measurements.push({ preset, op, bits: b, min });
  expect(b, `${preset} ${op}: ${b.toFixed(2)} bits, expected >= ${min}`).toBeGreaterThanOrEqual(min);
  return b;
}

/** As {@link expectBits} on complex vectors: the worst of the real and the imaginary parts. */
export function expectComplexBits(
  preset: string,
  op: string,
  got: { re: ArrayLike<number>; im: ArrayLike<number> },
  want: { re: ArrayLike<number>; im: ArrayLike<number> },
  min: number,
): number {
  const b = bitsOf(Math.max(maxErr(got.re, want.re), maxErr(got.im, want.im)));
  measurements.push({ preset, op, bits: b, min });
  expect(b, `${preset} ${op}: ${b.toFixed(2)} bits, expected >= ${min}`).toBeGreaterThanOrEqual(min);
  return b;
}

// ------------------------------------------------------------------ thresholds

/**
 * Precision thresholds (bits) per parameter set and operation, at scale 2^30,
 * full slots (n = N/2), inputs uniform in [-1, 1].
 *
 * Where they come from (sigma = 3.2, N the ring degree, n = N/2 slots):
 *  - fresh symmetric: the slot error is the canonical embedding of e/scale,
 *    e Gaussian per coefficient: each slot's real part is Gaussian with
 *    standard deviation sigma sqrt(N/2) / 2^30 (the RMS measured matches this to
 *    0.05 bit; scheme.test.ts asserts it within 0.5 bit), and the maximum of n of them is about 4
 *    standard deviations: 20.9, 20.4, 19.9, 18.8 bits at logN 12, 13, 14, 16.
 *  - public key: the encryption runs over Q_l P and divides by P (ModDown),
 *    so e u + e_0 + e_1 s is divided by P and the ModDown rounding r_0 + r_1 s
 *    dominates: about the precision of a rescale or a key switching.
 *  - add / sub: two independent errors, values in [-2, 2]: half a bit less.
 *  - mul + relin + rescale: dominated by the rescale rounding r_0 + r_1 s, per
 *    coefficient variance (1 + 2N/3)/12 at the new scale ~2^30 (RMS again
 *    matches the model); in the slots this is a product of two Gaussians
 *    (r_1(zeta) s(zeta)), heavier-tailed, max ~6.5x the RMS: ~18, 17, 16, 13.7 bits.
 *  - rotation / conjugation: hybrid key switching adds
 *    sum_j d_j e_j / P + ModDown rounding; P is one prime larger than a digit
 *    (the default digit size |P| - 1), so the rounding dominates, as after a
 *    rescale: ~17.4, 16.5, 14.9, 12.5 bits.
 * The thresholds are the typical (median) measured figures of this
 * implementation minus 2 bits, rounded down to half a bit. The maximum of n
 * heavy-tailed slot errors fluctuates between runs: over 200-300 runs with
 * fixed keys, the worst run was 0.5-0.8 bit below the median (mul, rotation,
 * public key at logN 12 and 13), and with exponential tails a 2-bit drop
 * (a 4x larger maximum) is a < 1e-10 event. Any real bug (a wrong limb, key,
 * permutation or scale) gives ~0 bits or worse.
 */
export interface Thresholds {
  encode: number;
  fresh: number;
  freshPk: number;
  add: number;
  addPk: number;
  /** mul + relinearize + rescale (symmetric inputs). */
  mul: number;
  /** mul + relinearize + rescale (public-key inputs). */
  mulPk: number;
  /** Rotations and conjugation (symmetric input). */
  rot: number;
  rotPk: number;
}

export const THRESHOLDS: Readonly<Record<string, Thresholds>> = {
  // measured (typical): encode 24.5, fresh 21.0, pk 17.3, add 20.5, pk add 17.0, mul 17.9, pk mul 17.4, rot 17.4, pk rot 17.3
  PN12QP180_INSECURE: { encode: 22.5, fresh: 19, freshPk: 15, add: 18.5, addPk: 15, mul: 15.5, mulPk: 15, rot: 15, rotPk: 15 },
  // measured (typical): encode 24, fresh 20.35, pk 16.0, add 19.9, pk add 15.9, mul 17.1, pk mul 16.7, rot 16.5, pk rot 15.9
  PN13QP210_SEC128: { encode: 22, fresh: 18, freshPk: 13.5, add: 17.5, addPk: 13.5, mul: 15, mulPk: 14, rot: 14, rotPk: 13.5 },
  // PN13QP210_SEC128 with digitSize 2: P (2 primes) only about the size of a digit, so key switching
  // keeps sum_j d_j e_j / P: measured (typical) rot 14.2, pk rot 13.1; other figures as PN13QP210_SEC128.
  PN13QP210_SEC128_D2: { encode: 22, fresh: 18, freshPk: 13.5, add: 17.5, addPk: 13.5, mul: 15, mulPk: 14, rot: 12, rotPk: 11 },
  // measured (typical): encode 23.5, fresh 19.8, pk 15.0, add 19.2, pk add 14.3, mul 15.9, pk mul 14.7, rot 14.9, pk rot 14.5
  PN14QP420_SEC128: { encode: 21.5, fresh: 17.5, freshPk: 13, add: 17, addPk: 12, mul: 13.5, mulPk: 12.5, rot: 12.5, rotPk: 12.5 },
  // measured (typical): encode 22.4, fresh 18.8, pk 12.45, mul 13.65, rot 12.5
  PN16QP420_SEC128: { encode: 20, fresh: 16.5, freshPk: 10, add: 16, addPk: 9.5, mul: 11.5, mulPk: 10, rot: 10, rotPk: 10 },
};

/**
 * Threshold after k >= 1 successive square + rescale steps, from the
 * threshold after one: each squaring maps an error d on x to about 2 x d
 * (|x| <= 1, so at most doubling it) plus a fresh rescale error r, hence
 * err_k <= (2^k - 1) r and bits_k >= bits_1 - log2(2^k - 1).
 */
export function squareChainThreshold(mulBits: number, k: number): number {
  return Math.floor(2 * (mulBits - Math.log2(2 ** k - 1))) / 2;
}

// ------------------------------------------------------------------ contexts

export interface Ctx {
  name: string;
  params: Parameters;
  kg: KeyGenerator;
  sk: SecretKey;
  pk: PublicKey;
  keys: EvaluationKeys;
  encoder: Encoder;
  sym: Encryptor;
  pub: Encryptor;
  dec: Decryptor;
  ev: Evaluator;
  n: number;
  th: Thresholds;
}

export interface CtxOptions {
  steps?: readonly number[];
  conjugate?: boolean;
  relin?: boolean;
  seed?: number;
  evaluator?: EvaluatorOptions;
}

/**
 * Parameters, seeded keys (secret, public, relinearization and the requested
 * Galois keys), encoder, both encryptors, decryptor and evaluator.
 * The secret and error samples come from a seeded XOF; the uniform parts
 * (a of keys and ciphertexts) from fresh CSPRNG seeds, as in the library.
 */
export function makeCtx(name: string, lit: Readonly<ParametersLiteral>, opts: CtxOptions = {}): Ctx {
  const seed = opts.seed ?? 1;
  const params = createParameters(lit as ParametersLiteral);
  const kg = new KeyGenerator(params, { source: new XofSource(seedBytes(seed), 'hecnn/ckks test keygen') });
  const sk = kg.genSecretKey();
  const pk = kg.genPublicKey(sk);
  const keys = kg.genEvaluationKeys(sk, { relin: opts.relin ?? true, steps: opts.steps ?? [], conjugate: opts.conjugate ?? false });
  const encoder = new Encoder(params);
  const sym = new Encryptor(params, sk, new XofSource(seedBytes(seed + 1), 'hecnn/ckks test sym'));
  const pub = new Encryptor(params, pk, new XofSource(seedBytes(seed + 2), 'hecnn/ckks test pk'));
  const dec = new Decryptor(params, sk);
  const ev = new Evaluator(params, keys, opts.evaluator);
  const th = THRESHOLDS[name];
  if (th === undefined) throw new Error(`no thresholds for ${name}`);
  return { name, params, kg, sk, pk, keys, encoder, sym, pub, dec, ev, n: params.slots, th };
}

/** Encrypt a real vector (symmetric by default) at a level (default: the top). */
export function encryptVec(ctx: Ctx, x: ArrayLike<number>, opts: { level?: number; scale?: number; slots?: number; pk?: boolean } = {}): Ciphertext {
  const pt = ctx.encoder.encode(x, opts.level ?? ctx.params.maxLevel, opts.scale, opts.slots);
  return (opts.pk ? ctx.pub : ctx.sym).encrypt(pt);
}

/** Decrypt and decode the real parts of the slots. */
export function decryptVec(ctx: Ctx, ct: Ciphertext): Float64Array {
  return ctx.encoder.decode(ctx.dec.decrypt(ct));
}

/** Whether two ciphertexts are identical (degree, level, scale, slots and every residue). */
export function expectSameCiphertext(got: Ciphertext, want: Ciphertext, label: string): void {
  expect(got.degree, `${label}: degree`).toBe(want.degree);
  expect(got.level, `${label}: level`).toBe(want.level);
  expect(got.scale, `${label}: scale`).toBe(want.scale);
  expect(got.slots, `${label}: slots`).toBe(want.slots);
  const N = got.c[0].N;
  for (let k = 0; k <= want.degree; k++) {
    const a = got.c[k].data.subarray(0, (want.level + 1) * N);
    const b = want.c[k].data.subarray(0, (want.level + 1) * N);
    let same = a.length === b.length;
    for (let i = 0; same && i < a.length; i++) same = a[i] === b[i];
    expect(same, `${label}: component ${k} differs`).toBe(true);
  }
}

/** Assert that f throws an instance of `cls` (and a CkksError) with the given code, message matching re. */
export function expectThrows(f: () => unknown, cls: abstract new (...args: never[]) => Error, code: string, re?: RegExp): CkksError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  expect(caught).toBeInstanceOf(CkksError);
  expect((caught as CkksError).code).toBe(code);
  if (re) expect((caught as Error).message).toMatch(re);
  return caught as CkksError;
}
