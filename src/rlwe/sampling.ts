/**
 * The three distributions of RLWE-based CKKS:
 *
 * - uniform residues modulo each RNS prime (the public polynomial `a`),
 * - the uniform ternary distribution over {-1, 0, 1} (secret keys and the
 *   encryption randomness `u`),
 * - the discrete Gaussian of standard deviation 3.2 (errors),
 *
 * following the HomomorphicEncryption.org standard: M. Albrecht et al.,
 * "Homomorphic Encryption Security Standard", HomomorphicEncryption.org,
 * Toronto, Canada, November 2018, section 2 ("uniform ternary" secret
 * distribution, discrete Gaussian error with sigma = 8/sqrt(2 pi) ~ 3.2) —
 * the distributions behind the security table in `security.ts`.
 *
 * Randomness comes only from a {@link RandomSource} (`random.ts`): either the
 * platform CSPRNG (`globalThis.crypto.getRandomValues`, `CsprngSource`) or a
 * seeded stream (SHAKE256 key derivation + ChaCha20, `XofSource`), which makes
 * every sampler deterministic given the seed. Samplers read 32-bit words
 * through a {@link WordReader}, which buffers the source in blocks so that no
 * sampler calls the source per coefficient and nothing is allocated per
 * coefficient.
 *
 * Side channels: JavaScript offers no constant-time guarantee. The samplers
 * avoid branches and table look-ups indexed by secret values where that is
 * cheap (the Gaussian sampler scans its whole table for every sample), but
 * rejection sampling leaks how many draws were rejected (which is independent
 * of the accepted values).
 *
 * This module works in Node 20+ and in browsers: no `node:` imports.
 *
 * @module
 */

import { RnsPoly } from '../ntt/rns.js';
import { CkksError } from './errors.js';
import { type RandomSource, WordReader, checkUniformModulus } from './random.js';

function invalid(op: string, detail: string): never {
  throw new CkksError('INVALID_ARGUMENT', op, detail);
}

function asReader(op: string, src: RandomSource): { reader: WordReader; owned: boolean } {
  if (src instanceof WordReader) return { reader: src, owned: false };
  if (src === null || typeof src !== 'object' || typeof (src as RandomSource).fill !== 'function') {
    invalid(op, 'src must be a RandomSource (an object with fill(out: Uint8Array))');
  }
  return { reader: new WordReader(src), owned: true };
}

function checkLength(op: string, N: unknown): asserts N is number {
  if (typeof N !== 'number' || !Number.isSafeInteger(N) || N < 1 || N > 2 ** 26) {
    invalid(op, `N must be an integer in [1, 2^26], got ${String(N)}`);
  }
}

// ---------------------------------------------------------------------------
// Uniform residues
// ---------------------------------------------------------------------------

/**
 * Fill limbs of an RNS polynomial with independent uniform residues: limb k
 * of `out` receives N values uniform in [0, moduli[k]) (the uniform
 * distribution over R_Q of the RLWE public polynomial `a`; Albrecht et al.,
 * "Homomorphic Encryption Security Standard", 2018). Each residue comes from
 * rejection sampling on 32-bit words, see {@link WordReader.uniform}: the
 * rejection rate is below q/2^32 per word, and the output is exactly uniform.
 *
 * Deterministic given the source: limbs are filled in the order given
 * (increasing index by default), coefficient 0 first, consuming the word
 * stream in order. The uniform distribution is the same in coefficient and
 * NTT form, so `out.isNtt` is left unchanged.
 *
 * Cost: fewer than 2 words per residue on average (about 1.0 for primes
 * just below a power of two, close to 2 for primes just above one); the
 * words are read in blocks into one reused buffer (no per-coefficient
 * allocation). The source dominates: 60 limbs at N = 2^16 (~4M words) take
 * about 1.1 s from an {@link XofSource} (SHAKE256 in @noble/hashes runs at
 * ~15 MB/s in Node 20) and about 15 ms from a {@link CsprngSource}.
 *
 * @param src random source; pass a {@link WordReader} to share its buffer across calls
 * @param out destination polynomial; only the selected limbs are written
 * @param moduli moduli[k] is the modulus of limb k of out (at least out.limbs entries; extra ones are ignored), each an integer in [2, 2^32]
 * @param limbIndices limbs to fill, distinct integers in [0, out.limbs) (default: all, in order)
 * @throws CkksError (INVALID_ARGUMENT) on a bad source, polynomial, modulus or limb index; nothing is written then
 */
export function sampleUniform(src: RandomSource, out: RnsPoly, moduli: readonly number[], limbIndices?: readonly number[]): void {
  const op = 'sampleUniform';
  if (!(out instanceof RnsPoly)) invalid(op, 'out must be an RnsPoly');
  if (!Array.isArray(moduli)) invalid(op, 'moduli must be an array of integers');
  if (moduli.length < out.limbs) invalid(op, `moduli must have at least out.limbs = ${out.limbs} entries, got ${moduli.length}`);
  let limbs: readonly number[];
  if (limbIndices === undefined) {
    limbs = Array.from({ length: out.limbs }, (_, i) => i);
  } else {
    if (!Array.isArray(limbIndices)) invalid(op, 'limbIndices must be an array of limb indices');
    const seen = new Set<number>();
    for (const k of limbIndices) {
      if (!Number.isSafeInteger(k) || k < 0 || k >= out.limbs) invalid(op, `limbIndices entries must be integers in [0, ${out.limbs}), got ${String(k)}`);
      if (seen.has(k)) invalid(op, `limbIndices must be distinct, ${k} is repeated`);
      seen.add(k);
    }
    limbs = limbIndices;
  }
  for (const k of limbs) checkUniformModulus(op, `moduli[${k}]`, moduli[k]);
  const { reader, owned } = asReader(op, src);
  const N = out.N;
  for (const k of limbs) reader.uniform(out.data.subarray(k * N, (k + 1) * N), moduli[k]);
  if (owned) reader.wipe();
}

// ---------------------------------------------------------------------------
// Uniform ternary
// ---------------------------------------------------------------------------

/**
 * N independent coefficients uniform in {-1, 0, 1}: the "uniform ternary"
 * secret distribution of the HomomorphicEncryption.org standard (Albrecht et
 * al., "Homomorphic Encryption Security Standard", 2018, the distribution of
 * its ternary/uniform security table).
 *
 * Method: random bytes, each rejected when >= 243 = 3^5 (probability
 * 13/256 ~ 5.1%); an accepted byte is uniform on [0, 3^5), so its five
 * base-3 digits are independent and uniform on {0, 1, 2}, and each digit d
 * gives the coefficient d - 1. The result is exactly unbiased; trits left
 * over after the N-th coefficient are discarded. About 0.21 bytes per
 * coefficient.
 *
 * @param src random source (a {@link WordReader} is used directly; any other source is read through a private, wiped buffer)
 * @param N number of coefficients, in [1, 2^26]
 * @param out optional destination of length N (overwritten)
 * @returns out, or a new Int8Array(N)
 * @throws CkksError (INVALID_ARGUMENT) on a bad source, N, or out
 */
export function sampleTernary(src: RandomSource, N: number, out?: Int8Array): Int8Array {
  const op = 'sampleTernary';
  checkLength(op, N);
  if (out === undefined) out = new Int8Array(N);
  else if (!(out instanceof Int8Array) || out.length !== N) invalid(op, `out must be an Int8Array of length ${N}`);
  const { reader, owned } = asReader(op, src);
  let j = 0;
  while (j < N) {
    const w = reader.next();
    for (let s = 0; s < 32 && j < N; s += 8) {
      let b = (w >>> s) & 0xff;
      if (b >= 243) continue;
      for (let t = 0; t < 5 && j < N; t++) {
        const d = (b * 171) >>> 9; // floor(b / 3), exact for b < 768
        out[j++] = b - 3 * d - 1;
        b = d;
      }
    }
  }
  if (owned) reader.wipe();
  return out;
}

/**
 * Largest log2(QP) at 128-bit classical security for a sparse ternary secret
 * of Hamming weight h, by h then logN. A larger weight is at least as hard,
 * so an entry applies to every h above it (see {@link maxLogQPSparse}).
 *
 * Source of the entries: h = 192 at logN 16: 1553, the largest log2(QP) of
 * Lattigo's default sparse-secret bootstrapping sets (N16QP1546H192H32,
 * N16QP1547H192H32, N16QP1553H192H32 in bootstrapping/default_parameters.go;
 * Set III of Bossuat, Mouchet, Troncoso-Pastoriza and Hubaux, Eurocrypt 2021,
 * which that paper gives as 128-bit secure); logN 15: 768, Lattigo's
 * N15QP768H192H32. These are the library's 128-bit claims for sparse secrets,
 * not an independent estimate.
 *
 * What could and could not be checked against Bossuat et al., "Security
 * Guidelines for Implementing Homomorphic Encryption", ePrint 2024/463: the
 * paper's text was not readable from this project's build environment, so no
 * entry above is taken from it, and the figure "about 128 bits at
 * log QP ~ 1555 for N = 2^16, h = 192" attributed to it is unverified. Its
 * companion repository (github.com/gong-cr/FHE-Security-Guidelines, which the
 * paper's estimator scripts come from) was read: its sparse-secret script
 * (sparse-tables.py, commit 1161517, a section headed "Table 4.4" and marked
 * "TODO: remove this section?") lists 128-bit classical maxima for h = 128
 * and h = 256 only (split evenly between +1 and -1), no h = 192: at
 * logN 14 / 15 / 16 / 17, h = 128: 361 / 718 / 1450 / 2950, h = 256: 413 /
 * 818 / 1637 / 3325 (BDGL16 cost model). The 1553 used here for h = 192 lies
 * between its h = 128 and h = 256 figures at logN 16 (linear interpolation in
 * h would give about 1543), and above the h = 128 figure that the monotone
 * rule alone would allow (1450): PN16QP1530_BOOT_H192 (log2(QP) 1527.3) is
 * within 1553 but not within 1450. Those repository figures are not encoded
 * (they are not confirmed as the published table).
 */
export const SPARSE_SECRET_MAX_LOG_QP_128: Readonly<Record<number, Readonly<Record<number, number>>>> = Object.freeze({
  192: Object.freeze({ 15: 768, 16: 1553 }),
});

/**
 * The 128-bit bound on log2(QP) for a sparse secret of Hamming weight h: the
 * entry of {@link SPARSE_SECRET_MAX_LOG_QP_128} with the largest tabulated
 * weight <= h (a heavier secret is at least as hard to find).
 * @param logN log2 of the ring degree
 * @param h Hamming weight of the secret
 * @returns the largest admissible log2(QP), or undefined when no entry applies
 * @throws nothing
 */
export function maxLogQPSparse(logN: number, h: number): number | undefined {
  let best: number | undefined;
  let bestH = -1;
  for (const [k, row] of Object.entries(SPARSE_SECRET_MAX_LOG_QP_128)) {
    const w = Number(k);
    if (w <= h && w > bestH && row[logN] !== undefined) {
      best = row[logN];
      bestH = w;
    }
  }
  return best;
}

/**
 * A sparse ternary vector of fixed Hamming weight h: exactly h coefficients
 * in {-1, 1} (each sign uniform and independent) at h positions uniform among
 * the N choose h subsets, the rest 0 (the secret distribution of CKKS
 * bootstrapping: Cheon, Han, Kim, Kim and Song, Eurocrypt 2018, section 2;
 * Bossuat et al., "Security Guidelines for Implementing Homomorphic
 * Encryption", ePrint 2024/463, sparse-secret tables).
 *
 * Method: a partial Fisher-Yates shuffle of the positions 0..N-1; step i
 * draws j uniform in [i, N) by rejection of 32-bit words (a word w is kept
 * when below the largest multiple of N - i that fits 32 bits, so j - i =
 * w mod (N - i) is exactly uniform), swaps positions i and j and gives
 * position i a sign from one more word's low bit. Only the RandomSource is read.
 *
 * @param src random source (a {@link WordReader} is used directly; any other source is read through a private, wiped buffer)
 * @param N number of coefficients, in [1, 2^26]
 * @param h Hamming weight, an integer in [1, N]
 * @param out optional destination of length N (overwritten)
 * @returns out, or a new Int8Array(N)
 * @throws CkksError (INVALID_ARGUMENT) on a bad source, N, h or out
 */
export function sampleTernarySparse(src: RandomSource, N: number, h: number, out?: Int8Array): Int8Array {
  const op = 'sampleTernarySparse';
  checkLength(op, N);
  if (typeof h !== 'number' || !Number.isInteger(h) || h < 1 || h > N) invalid(op, `h must be an integer in [1, ${N}], got ${String(h)}`);
  if (out === undefined) out = new Int8Array(N);
  else if (!(out instanceof Int8Array) || out.length !== N) invalid(op, `out must be an Int8Array of length ${N}`);
  out.fill(0);
  const { reader, owned } = asReader(op, src);
  const pos = new Uint32Array(N);
  for (let i = 0; i < N; i++) pos[i] = i;
  for (let i = 0; i < h; i++) {
    const range = N - i;
    const limit = 2 ** 32 - (2 ** 32 % range);
    let w = reader.next();
    while (w >= limit) w = reader.next();
    const j = i + (w % range);
    const t = pos[i];
    pos[i] = pos[j];
    pos[j] = t;
    out[pos[i]] = (reader.next() & 1) === 0 ? 1 : -1;
  }
  pos.fill(0);
  if (owned) reader.wipe();
  return out;
}

// ---------------------------------------------------------------------------
// Discrete Gaussian
// ---------------------------------------------------------------------------

/** Standard deviation of the error distribution: 3.2 (the HomomorphicEncryption.org standard's ~8/sqrt(2 pi)). */
export const GAUSSIAN_SIGMA = 3.2;

/** Tail cut of the Gaussian sampler, in standard deviations: samples satisfy |x| <= ceil(12.8 * sigma). */
const TAIL_CUT_SIGMAS = 12.8;

/**
 * The largest |e| that {@link sampleGaussian} can return for a given sigma:
 * ceil(12.8 * sigma).
 * @param sigma standard deviation, in [0.5, 64]
 * @returns the tail cut B; every sample lies in [-B, B]
 * @throws CkksError (OUT_OF_RANGE) if sigma is not a finite number in [0.5, 64]
 */
export function gaussianBound(sigma: number): number {
  checkSigma('gaussianBound', sigma);
  return Math.ceil(TAIL_CUT_SIGMAS * sigma);
}

/**
 * The largest |e| that {@link sampleGaussian} with the default sigma = 3.2
 * can return: 41 = ceil(12.8 * 3.2). The mass of the ideal discrete
 * Gaussian D_{Z,3.2} beyond it is P(|X| > 41) = 2^-126.24, and the sampler
 * is within statistical distance 2^-122.5 of D_{Z,3.2} per sample, see
 * {@link sampleGaussian}. Noise bounds may use |e| <= 41 with certainty.
 */
export const GAUSSIAN_BOUND = 41;

function checkSigma(op: string, sigma: unknown): asserts sigma is number {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma < 0.5 || sigma > 64) {
    throw new CkksError('OUT_OF_RANGE', op, `sigma must be a finite number in [0.5, 64], got ${String(sigma)}`);
  }
}

/** Fractional bits of the fixed-point arithmetic used to build the table. */
const FIX = 384n;
const FIX_ONE = 1n << FIX;

/**
 * exp(-num/den) in fixed point (times 2^384), for 0 <= num/den < 2^10:
 * Taylor series of exp(-r) at r = t/2^k <= 1/2, then k squarings. Absolute
 * error below 2^-360, far under the table's 2^-128 resolution.
 */
function expNegFixed(num: bigint, den: bigint): bigint {
  let k = 0n;
  while (2n * num > den << k) k++;
  const r = (num << FIX) / (den << k);
  let term = FIX_ONE;
  let sum = FIX_ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) >> FIX;
    term /= n;
    sum += n % 2n === 1n ? -term : term;
  }
  for (let i = 0n; i < k; i++) sum = (sum * sum) >> FIX;
  return sum;
}

interface GaussianTable {
  readonly bound: number;
  /**
   * bound thresholds T_0..T_{bound-1} (128-bit integers) in three float64 limbs each, most
   * significant first: bits 127..85 (43 bits), 84..42 (43 bits) and 41..0 (42 bits), each an
   * exact integer below 2^43.
   */
  readonly limbs: Float64Array;
}

const tableCache = new Map<number, GaussianTable>();

/**
 * The cumulative table of |X| for X ~ D_{Z,sigma} truncated to [-B, B]:
 * C_k = P(|X| <= k) = (rho(0) + 2 sum_{1<=i<=k} rho(i)) / S_B with
 * rho(x) = exp(-x^2 / (2 sigma^2)) and S_B = rho(0) + 2 sum_{1<=i<=B} rho(i),
 * stored as T_k = 2 * round(2^127 * C_k) < 2^128 (even 128-bit integers), k < B.
 * sigma is taken as its exact float64 value, so everything is exact rational
 * arithmetic up to the fixed-point exp.
 */
function gaussianTable(sigma: number): GaussianTable {
  let t = tableCache.get(sigma);
  if (t !== undefined) return t;
  const B = Math.ceil(TAIL_CUT_SIGMAS * sigma);
  // sigma = M * 2^e exactly, M an integer.
  let m = sigma;
  let e = 0;
  while (!Number.isInteger(m)) {
    m *= 2;
    e--;
  }
  const M = BigInt(m);
  // x^2 / (2 sigma^2) = x^2 / (2 M^2 2^(2e))
  const den0 = 2n * M * M;
  const rho: bigint[] = [];
  for (let x = 0; x <= B; x++) {
    const x2 = BigInt(x * x);
    rho.push(e < 0 ? expNegFixed(x2 << BigInt(-2 * e), den0) : expNegFixed(x2, den0 << BigInt(2 * e)));
  }
  let S = rho[0];
  for (let x = 1; x <= B; x++) S += 2n * rho[x];
  const limbs = new Float64Array(3 * B);
  const max = (1n << 128n) - 2n;
  let C = rho[0];
  for (let k = 0; k < B; k++) {
    if (k > 0) C += 2n * rho[k];
    // round(2^127 C / S) = floor((2^128 C + S) / (2 S))
    let T = 2n * (((C << 128n) + S) / (2n * S));
    // Only when P(|X| = B) < 2^-128 (small sigma): the clamp moves at most
    // 2^-127 of probability, within the documented bound.
    if (T > max) T = max;
    limbs[3 * k] = Number(T >> 85n);
    limbs[3 * k + 1] = Number((T >> 42n) & ((1n << 43n) - 1n));
    limbs[3 * k + 2] = Number(T & ((1n << 42n) - 1n));
  }
  t = Object.freeze({ bound: B, limbs });
  tableCache.set(sigma, t);
  return t;
}

/**
 * The thresholds of {@link sampleGaussian}'s cumulative distribution table for sigma, as
 * 128-bit integers: T_k = 2 round(2^127 C_k) for k < gaussianBound(sigma), C_k the
 * cumulative probability of |x| <= k (see the table's construction above). A sample with
 * uniform 128-bit word u has magnitude #{k : u >= T_k}. For audits and tests: the sampler
 * itself reads the same integers as float64 limbs.
 * @param sigma standard deviation, in [0.5, 64]
 * @returns the thresholds, increasing
 * @throws CkksError (OUT_OF_RANGE) on a bad sigma
 */
export function gaussianThresholds(sigma: number = GAUSSIAN_SIGMA): bigint[] {
  checkSigma('gaussianThresholds', sigma);
  const { bound, limbs } = gaussianTable(sigma);
  const T: bigint[] = [];
  for (let k = 0; k < bound; k++) T.push((BigInt(limbs[3 * k]) << 85n) | (BigInt(limbs[3 * k + 1]) << 42n) | BigInt(limbs[3 * k + 2]));
  return T;
}

/**
 * Samples per chunk of {@link sampleGaussian}: the 4 KiB of words of a chunk are read at once.
 * Below the reader's 8 KiB block, so that WordReader.words never bypasses its buffer: the source
 * is then consumed in whole blocks exactly as by four next() calls per sample (a private reader
 * over a plain source leaves the source where it did before; seeded streams are unchanged).
 */
const GAUSSIAN_CHUNK = 256;

/**
 * The constant-time CDT scan of {@link sampleGaussian} for n samples: sample j0 + i takes the
 * 128-bit word u = w[4i]:w[4i+1]:w[4i+2]:w[4i+3] (most significant first), |x| = #{k : u >= T_k}
 * over the table's entries, and the low bit of w[4i+3] as the sign (every T_k is even, so
 * that bit does not change the comparisons). No branch or memory access depends on the words.
 * u is cut into three float64 limbs like the table's ({@link GaussianTable.limbs}: 43, 43 and 42
 * bits), so that each comparison is a borrow chain of three steps instead of four 32-bit ones
 * (measured 1.3x faster at sigma = 3.2, with the same results: u >= T_k exactly when the chain
 * ends without a borrow, whatever the limb sizes).
 * Largest intermediates: limbs below 2^43, differences in [-2^43, 2^43) (float64, exact); the
 * limb cuts use `>>>` and `&` on 32-bit words and exact float64 products by powers of two.
 */
function gaussianScan(w: Uint32Array, L: Float64Array, end: number, out: Int32Array, j0: number, n: number): void {
  // Locals (a module constant is re-read and checked per use).
  const TWO_M43 = 2 ** -43;
  const TWO_M42 = 2 ** -42;
  const TWO_11 = 2 ** 11;
  const TWO_22 = 2 ** 22;
  const TWO_32 = 2 ** 32;
  end |= 0;
  j0 |= 0;
  n |= 0;
  for (let i = 0; i < n; i++) {
    const u0 = w[4 * i];
    const u1 = w[4 * i + 1];
    const u2 = w[4 * i + 2];
    const u3 = w[4 * i + 3];
    const a = u0 * TWO_11 + (u1 >>> 21); // bits 127..85
    const b = (u1 & 0x1fffff) * TWO_22 + (u2 >>> 10); // bits 84..42
    const c = (u2 & 0x3ff) * TWO_32 + u3; // bits 41..0
    let mag = 0;
    for (let o = 0; o < end; o += 3) {
      // Borrow out of u - T_k, limb by limb from the least significant, without a branch: each
      // difference lies in [-2^43, 2^43) (exact in float64) and the borrow out is -floor(d / 2^bits),
      // 1 if d < 0 and 0 otherwise (the scaling by a power of two is exact). (A comparison would
      // compile to a data-dependent branch, mispredicted about half of the time on the low limbs.)
      let r = -Math.floor((c - L[o + 2]) * TWO_M42);
      r = -Math.floor((b - L[o + 1] - r) * TWO_M43);
      r = -Math.floor((a - L[o] - r) * TWO_M43);
      mag += 1 - r;
    }
    const s = u3 & 1;
    out[j0 + i] = (mag ^ -s) + s; // s ? -mag : mag
  }
}

/**
 * N independent samples of the discrete Gaussian D_{Z,sigma}, P(x) ∝
 * exp(-x^2 / (2 sigma^2)), with sigma = 3.2 by default: the error
 * distribution of the HomomorphicEncryption.org standard (Albrecht et al.,
 * "Homomorphic Encryption Security Standard", 2018: standard deviation
 * 8/sqrt(2 pi) ~ 3.2).
 *
 * Method: a cumulative distribution table (CDT) of |x| over [0, B] with the
 * tail cut B = ceil(12.8 sigma) ({@link GAUSSIAN_BOUND} = 41 for sigma =
 * 3.2), built once per sigma in exact fixed-point arithmetic, with 127-bit
 * thresholds. Each sample reads four 32-bit words (128 bits): the top 127
 * bits form a uniform u, and |x| is the number of thresholds <= u (the whole
 * table is scanned, with no branch on u); the lowest bit is the sign.
 *
 * Statistical distance (SD) to the ideal D_{Z,sigma} over all of Z, for
 * sigma = 3.2 (figures computed in 100-digit arithmetic from the actual table):
 * - tail cut: the ideal mass beyond B = 41 is P(|X| > 41) = 2^-126.24
 *   (for comparison: 2^-29.98 beyond 6 sigma = 19, 2^-69.6 beyond 30);
 * - threshold rounding: every threshold is within 2^-128 of the exact
 *   cumulative probability of the truncated distribution (largest measured
 *   error 0.98 * 2^-128), which contributes at most B * 2^-128 = 2^-122.64;
 * - total: SD <= B * 2^-128 + P(|X| > B) = 2^-122.53 per sample (exact
 *   value for this table: 2^-123.75), hence at most 2^-106.5 for the N = 2^16
 *   coefficients of one error polynomial.
 * For every admissible sigma in [0.5, 64] the same bound,
 * (B + 1) * 2^-128 + P(|X| > B), stays below 2^-118.2 (checked on a 0.05
 * grid; the worst case is sigma near 64, where B ~ 820). The standard
 * deviation of D_{Z,sigma} itself equals sigma to within 10^-85 relative for
 * sigma = 3.2 (10^-7 at sigma = 1).
 *
 * Cost: four 32-bit words and one scan of the B-entry table per sample,
 * three float64 comparisons per entry (2^16 samples at sigma = 3.2 take about
 * 9 ms of CPU in Node 20 with a SHAKE256 + ChaCha20 source, the source
 * included).
 *
 * @param src random source (a {@link WordReader} is used directly; any other source is read through a private, wiped buffer)
 * @param N number of samples, in [1, 2^26]
 * @param out optional destination of length N (overwritten)
 * @param sigma standard deviation, a finite number in [0.5, 64] (default {@link GAUSSIAN_SIGMA} = 3.2)
 * @returns out, or a new Int32Array(N), every entry in [-gaussianBound(sigma), gaussianBound(sigma)]
 * @throws CkksError (INVALID_ARGUMENT) on a bad source, N or out; CkksError (OUT_OF_RANGE) on a bad sigma
 */
export function sampleGaussian(src: RandomSource, N: number, out?: Int32Array, sigma = GAUSSIAN_SIGMA): Int32Array {
  const op = 'sampleGaussian';
  checkLength(op, N);
  checkSigma(op, sigma);
  if (out === undefined) out = new Int32Array(N);
  else if (!(out instanceof Int32Array) || out.length !== N) invalid(op, `out must be an Int32Array of length ${N}`);
  const { bound: B, limbs: T } = gaussianTable(sigma);
  const { reader, owned } = asReader(op, src);
  // The words of a chunk of samples are read in one call (the same stream words, in the same
  // order, as four next() calls per sample) and scanned by a kernel of its own, which V8
  // compiles whole instead of on-stack-replacing a loop in this function; the buffer held
  // secret randomness and is wiped.
  const chunk = Math.min(N, GAUSSIAN_CHUNK);
  const words = new Uint32Array(4 * chunk);
  for (let j = 0; j < N; j += chunk) {
    const n = Math.min(chunk, N - j);
    const w = n === chunk ? words : words.subarray(0, 4 * n);
    reader.words(w);
    gaussianScan(w, T, 3 * B, out, j, n);
  }
  words.fill(0);
  if (owned) reader.wipe();
  return out;
}

