/**
 * Randomness and the three distributions of RLWE-based CKKS:
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
 * Randomness comes only from a {@link RandomSource}: either the platform
 * CSPRNG (`globalThis.crypto.getRandomValues`, {@link CsprngSource}) or
 * a seeded stream (SHAKE256 key derivation + ChaCha20, {@link XofSource}),
 * which makes every sampler deterministic given the seed. Samplers read 32-bit words through a
 * {@link WordReader}, which buffers the source in blocks so that no sampler
 * calls the source per coefficient and nothing is allocated per coefficient.
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

import { chacha20 } from '@noble/ciphers/chacha';
import { shake256 } from '@noble/hashes/sha3';
import { RnsPoly } from '../ntt/rns.js';
import { CkksError } from './errors.js';

// ---------------------------------------------------------------------------
// Sources of random bytes
// ---------------------------------------------------------------------------

/**
 * A source of random (or pseudo-random) bytes. Consecutive calls continue the
 * same stream: filling 10 then 20 bytes gives the same 30 bytes as filling 30
 * at once.
 */
export interface RandomSource {
  /**
   * Overwrite every byte of `out` with the next bytes of the stream.
   * @param out destination, any length (0 included)
   */
  fill(out: Uint8Array): void;
}

/** Largest request `crypto.getRandomValues` accepts (Web Crypto quota). */
const GET_RANDOM_VALUES_MAX = 65536;

/** True on little-endian platforms (all current JavaScript engines in practice). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isShared(buf: ArrayBufferLike): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && buf instanceof SharedArrayBuffer;
}

function invalid(op: string, detail: string): never {
  throw new CkksError('INVALID_ARGUMENT', op, detail);
}

function checkBytes(op: string, arg: string, a: unknown): asserts a is Uint8Array {
  if (!(a instanceof Uint8Array)) invalid(op, `${arg} must be a Uint8Array, got ${a === null ? 'null' : typeof a}`);
}

/**
 * The platform cryptographically secure generator,
 * `globalThis.crypto.getRandomValues` (Web Crypto; also global in Node 20+),
 * called in chunks of at most 65536 bytes (the Web Crypto quota).
 */
export class CsprngSource implements RandomSource {
  private readonly crypto: { getRandomValues(a: Uint8Array): unknown };

  /**
   * @throws Error if `globalThis.crypto.getRandomValues` is not available
   */
  constructor() {
    const c = (globalThis as { crypto?: { getRandomValues?: unknown } }).crypto;
    if (c === undefined || c === null || typeof c.getRandomValues !== 'function') {
      throw new Error(
        'CsprngSource: globalThis.crypto.getRandomValues is not available; a Web Crypto implementation ' +
          '(Node 20+ or a browser) is required for secure randomness',
      );
    }
    this.crypto = c as { getRandomValues(a: Uint8Array): unknown };
  }

  /**
   * Fill `out` with fresh random bytes.
   * @param out destination, any length; a view of a SharedArrayBuffer is filled through a private chunk
   * @throws CkksError (INVALID_ARGUMENT) if out is not a Uint8Array
   */
  fill(out: Uint8Array): void {
    checkBytes('CsprngSource.fill', 'out', out);
    const n = out.length;
    if (isShared(out.buffer)) {
      // Web Crypto refuses views of shared memory: go through a private chunk.
      const tmp = new Uint8Array(Math.min(n, GET_RANDOM_VALUES_MAX));
      for (let off = 0; off < n; off += GET_RANDOM_VALUES_MAX) {
        const len = Math.min(GET_RANDOM_VALUES_MAX, n - off);
        const chunk = tmp.subarray(0, len);
        this.crypto.getRandomValues(chunk);
        out.set(chunk, off);
      }
      tmp.fill(0);
      return;
    }
    for (let off = 0; off < n; off += GET_RANDOM_VALUES_MAX) {
      this.crypto.getRandomValues(out.subarray(off, Math.min(n, off + GET_RANDOM_VALUES_MAX)));
    }
  }
}

/** Length of a seed for {@link XofSource}, in bytes (256 bits). */
export const SEED_BYTES = 32;

/**
 * Deterministic byte stream expanded from a 32-byte seed: the extendable
 * output function used for seeded ciphertexts and keys.
 *
 * Construction: key = SHAKE256(u32be(|L|) || L || seed) truncated to 32
 * bytes, where L is the UTF-8 label (domain separation); the stream is the
 * ChaCha20 keystream (RFC 8439) under that key with an all-zero nonce, block
 * counter from 0. This is the usual "hash the seed, then run a stream cipher"
 * PRG: SHAKE256 (FIPS 202) and ChaCha20 are both standard and vetted, and the
 * implementations are the audited @noble/hashes and @noble/ciphers. ChaCha20
 * runs about ten times faster than SHAKE256 in JavaScript, which matters
 * because uniform polynomials of keys and ciphertexts are expanded from seeds
 * (tens of megabytes per key at N = 2^16). One stream may produce at most
 * 2^32 blocks of 64 bytes (256 GiB).
 */
export class XofSource implements RandomSource {
  private readonly key: Uint8Array;
  private readonly nonce = new Uint8Array(12);
  /** Next block counter. */
  private counter = 0;
  /** Leftover keystream of the last partial block. */
  private readonly block = new Uint8Array(64);
  private blockPos = 64;
  private destroyed = false;

  /**
   * @param seed exactly 32 bytes (e.g. from {@link randomSeed})
   * @param label domain-separation string, non-empty, e.g. 'hecnn/ckks uniform v1'
   * @throws CkksError (INVALID_ARGUMENT) if the seed is not a 32-byte Uint8Array or the label is not a non-empty string
   */
  constructor(seed: Uint8Array, label: string) {
    const op = 'XofSource';
    checkBytes(op, 'seed', seed);
    if (seed.length !== SEED_BYTES) invalid(op, `seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
    if (typeof label !== 'string' || label.length === 0) invalid(op, 'label must be a non-empty string');
    const L = new TextEncoder().encode(label);
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, L.length, false);
    this.key = shake256.create({ dkLen: 32 }).update(prefix).update(L).update(seed).digest();
  }

  /** Keystream blocks [counter, counter + out.length/64) into out (a multiple of 64 bytes). */
  private blocks(out: Uint8Array): void {
    const n = out.length >>> 6;
    if (this.counter + n > 2 ** 32) throw new CkksError('OUT_OF_RANGE', 'XofSource.fill', 'the stream is exhausted (2^32 blocks)');
    out.fill(0);
    chacha20(this.key, this.nonce, out, out, this.counter);
    this.counter += n;
  }

  /**
   * Fill `out` with the next bytes of the stream.
   * @param out destination, any length
   * @throws CkksError (INVALID_ARGUMENT) if out is not a Uint8Array; Error after {@link destroy}
   */
  fill(out: Uint8Array): void {
    checkBytes('XofSource.fill', 'out', out);
    if (this.destroyed) throw new Error('XofSource.fill: the source was destroyed');
    let pos = 0;
    const n = out.length;
    while (pos < n && this.blockPos < 64) out[pos++] = this.block[this.blockPos++];
    const whole = (n - pos) & ~63;
    if (whole > 0) {
      this.blocks(out.subarray(pos, pos + whole));
      pos += whole;
    }
    if (pos < n) {
      this.blocks(this.block);
      this.blockPos = 0;
      while (pos < n) out[pos++] = this.block[this.blockPos++];
    }
  }

  /** Zero the key and buffered keystream; any later {@link fill} throws. */
  destroy(): void {
    this.key.fill(0);
    this.block.fill(0);
    this.destroyed = true;
  }
}

/**
 * A fresh 32-byte seed from the platform CSPRNG, for {@link XofSource}.
 * @returns 32 random bytes
 * @throws Error if `globalThis.crypto.getRandomValues` is not available
 */
export function randomSeed(): Uint8Array {
  const s = new Uint8Array(SEED_BYTES);
  new CsprngSource().fill(s);
  return s;
}

// ---------------------------------------------------------------------------
// Buffered 32-bit words
// ---------------------------------------------------------------------------

/** Default block size of a {@link WordReader}, in bytes (8 KiB). */
export const WORD_READER_BLOCK_BYTES = 8192;

/**
 * Buffered reader of 32-bit words over a {@link RandomSource}: it pulls the
 * source in blocks (8 KiB by default) so that per-coefficient reads never
 * reach the source (the XOF or the CSPRNG) one word at a time.
 *
 * Word i of the stream is the little-endian value of bytes 4i..4i+3 of the
 * source stream, on every platform. A WordReader is itself a RandomSource:
 * its byte stream is the source's stream. After {@link fill} ends in the
 * middle of a word, the next word read skips to the next 4-byte boundary.
 *
 * The samplers of this module accept a WordReader in place of any source and
 * then share its buffer (no block is thrown away between calls). When given
 * a plain source they wrap it in a private WordReader, consume a whole
 * number of blocks, and zero the unused rest.
 */
export class WordReader implements RandomSource {
  /** The underlying source. */
  readonly source: RandomSource;
  private readonly bytes: Uint8Array;
  private readonly u32: Uint32Array;
  /** Byte position of the next unread byte; bytes.length when the buffer is empty. */
  private pos: number;

  /**
   * @param source the byte stream to read
   * @param blockBytes buffer size in bytes, a multiple of 4 in [4, 2^24] (default 8192)
   * @throws CkksError (INVALID_ARGUMENT) on a source without fill() or a bad block size
   */
  constructor(source: RandomSource, blockBytes = WORD_READER_BLOCK_BYTES) {
    if (source === null || typeof source !== 'object' || typeof (source as RandomSource).fill !== 'function') {
      invalid('WordReader', 'source must be a RandomSource (an object with fill(out: Uint8Array))');
    }
    if (!Number.isSafeInteger(blockBytes) || blockBytes < 4 || blockBytes > 2 ** 24 || blockBytes % 4 !== 0) {
      invalid('WordReader', `blockBytes must be a multiple of 4 in [4, 2^24], got ${String(blockBytes)}`);
    }
    this.source = source;
    this.bytes = new Uint8Array(blockBytes);
    this.u32 = new Uint32Array(this.bytes.buffer);
    this.pos = blockBytes;
  }

  /** Read the next block; afterwards u32 holds stream words in platform order. */
  private refill(): void {
    this.source.fill(this.bytes);
    if (!LITTLE_ENDIAN) byteSwap32(this.u32);
    this.pos = 0;
  }

  /**
   * The next 32-bit word of the stream.
   * @returns an integer in [0, 2^32)
   */
  next(): number {
    let p = (this.pos + 3) & ~3;
    if (p >= this.bytes.length) {
      this.refill();
      p = 0;
    }
    this.pos = p + 4;
    return this.u32[p >> 2];
  }

  /**
   * Fill `out` with the next words of the stream (bulk: large requests go
   * straight from the source into `out`).
   * @param out destination, any length
   * @throws CkksError (INVALID_ARGUMENT) if out is not a Uint32Array
   */
  words(out: Uint32Array): void {
    if (!(out instanceof Uint32Array)) invalid('WordReader.words', 'out must be a Uint32Array');
    const n = out.length;
    const p = (this.pos + 3) & ~3; // <= bytes.length, a multiple of 4
    const take = Math.min((this.bytes.length - p) >> 2, n);
    out.set(this.u32.subarray(p >> 2, (p >> 2) + take));
    this.pos = p + 4 * take;
    let j = take;
    if (j === n) return;
    const rest = out.subarray(j);
    if (rest.length * 4 >= this.bytes.length && !isShared(out.buffer)) {
      // Bypass the buffer: the source writes the words' bytes in place.
      this.source.fill(new Uint8Array(rest.buffer, rest.byteOffset, rest.byteLength));
      if (!LITTLE_ENDIAN) byteSwap32(rest);
      return;
    }
    for (; j < n; j++) out[j] = this.next();
  }

  /**
   * Fill `out` with the next bytes of the stream (buffered bytes first, then the source).
   * @param out destination, any length
   * @throws CkksError (INVALID_ARGUMENT) if out is not a Uint8Array
   */
  fill(out: Uint8Array): void {
    checkBytes('WordReader.fill', 'out', out);
    const n = out.length;
    const take = Math.min(this.bytes.length - this.pos, n);
    if (LITTLE_ENDIAN) out.set(this.bytes.subarray(this.pos, this.pos + take));
    else for (let i = 0; i < take; i++) out[i] = this.bytes[(this.pos + i) ^ 3];
    this.pos += take;
    if (take === n) return;
    let rest = out.subarray(take);
    if (rest.length >= this.bytes.length) {
      // Straight from the source, a multiple of 4 bytes, so that the buffer
      // always starts at a stream offset divisible by 4 (word alignment).
      const direct = rest.length - (rest.length % 4);
      this.source.fill(rest.subarray(0, direct));
      rest = rest.subarray(direct);
      if (rest.length === 0) return;
    }
    this.refill();
    if (LITTLE_ENDIAN) rest.set(this.bytes.subarray(0, rest.length));
    else for (let i = 0; i < rest.length; i++) rest[i] = this.bytes[i ^ 3];
    this.pos = rest.length;
  }

  /**
   * Fill `out` with independent uniform residues modulo q, by rejection
   * sampling: a 32-bit word w is accepted when it is below the largest
   * multiple of q that fits 32 bits, 2^32 - (2^32 mod q), and w mod q is
   * returned. Every residue then has exactly floor(2^32/q) preimages, so the
   * accepted values are exactly uniform on [0, q); the rejection rate
   * (2^32 mod q)/2^32 is below q/2^32, i.e. below 1/4 for q < 2^30.
   * @param out destination (overwritten)
   * @param q modulus, an integer in [2, 2^32]
   * @throws CkksError (INVALID_ARGUMENT) on a bad modulus or a non-Uint32Array out
   */
  uniform(out: Uint32Array, q: number): void {
    if (!(out instanceof Uint32Array)) invalid('WordReader.uniform', 'out must be a Uint32Array');
    checkUniformModulus('WordReader.uniform', 'q', q);
    // Accept a word w below the largest multiple of q that fits 32 bits and return w mod q:
    // exactly uniform, with rejection probability (2^32 mod q) / 2^32 < q / 2^32 < 1/4.
    const limit = 2 ** 32 - (2 ** 32 % q);
    const qInv = 1 / q;
    const buf = this.u32;
    const end = buf.length;
    let p = ((this.pos + 3) & ~3) >> 2;
    const n = out.length;
    for (let j = 0; j < n; ) {
      if (p >= end) {
        this.refill();
        p = 0;
      }
      const w = buf[p++];
      if (w < limit) {
        // w mod q by a float quotient estimate (w < 2^32, exact float arithmetic).
        let r = w - Math.floor(w * qInv) * q; // [-q, 2q)
        r = r < 0 ? r + q : r >= q ? r - q : r;
        out[j++] = r;
      }
    }
    this.pos = p << 2;
  }

  /** Zero the buffered, not yet consumed bytes (and the rest of the buffer), and mark it empty. */
  wipe(): void {
    this.bytes.fill(0);
    this.pos = this.bytes.length;
  }
}

function byteSwap32(a: Uint32Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    a[i] = (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  }
}

function checkUniformModulus(op: string, arg: string, q: unknown): asserts q is number {
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 2 || q > 2 ** 32) {
    invalid(op, `${arg} must be an integer in [2, 2^32], got ${String(q)}`);
  }
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
  /** bound thresholds T_0..T_{bound-1}, 4 words each, most significant first. */
  readonly words: Uint32Array;
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
  const words = new Uint32Array(4 * B);
  const max = (1n << 128n) - 2n;
  let C = rho[0];
  for (let k = 0; k < B; k++) {
    if (k > 0) C += 2n * rho[k];
    // round(2^127 C / S) = floor((2^128 C + S) / (2 S))
    let T = 2n * (((C << 128n) + S) / (2n * S));
    // Only when P(|X| = B) < 2^-128 (small sigma): the clamp moves at most
    // 2^-127 of probability, within the documented bound.
    if (T > max) T = max;
    for (let w = 0; w < 4; w++) words[4 * k + w] = Number((T >> BigInt(96 - 32 * w)) & 0xffffffffn);
  }
  t = Object.freeze({ bound: B, words });
  tableCache.set(sigma, t);
  return t;
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
 * Cost: four 32-bit words and one scan of the B-entry table per sample
 * (about 0.3 us per sample at sigma = 3.2 in Node 20, plus 16 bytes from
 * the source: ~1 us with SHAKE256).
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
  const { bound: B, words: T } = gaussianTable(sigma);
  const end = 4 * B;
  const { reader, owned } = asReader(op, src);
  for (let j = 0; j < N; j++) {
    const u0 = reader.next();
    const u1 = reader.next();
    const u2 = reader.next();
    const u3 = reader.next();
    // |x| = #{k : u >= T_k}, u = u0:u1:u2:u3 (128 bits). Since every T_k is
    // even, comparing u or u with its low bit cleared gives the same answer,
    // so the low bit is an independent sign.
    let mag = 0;
    for (let o = 0; o < end; o += 4) {
      // borrow out of u - T_k, computed word by word from the least significant
      let b = u3 < T[o + 3] ? 1 : 0;
      b = u2 < T[o + 2] + b ? 1 : 0;
      b = u1 < T[o + 1] + b ? 1 : 0;
      b = u0 < T[o] + b ? 1 : 0;
      mag += 1 - b;
    }
    const s = u3 & 1;
    out[j] = (mag ^ -s) + s; // s ? -mag : mag
  }
  if (owned) reader.wipe();
  return out;
}

// ---------------------------------------------------------------------------
// Wiping
// ---------------------------------------------------------------------------

/**
 * Zero-fill arrays that held secret material (secret keys, errors, seeds,
 * encryption randomness). Only the bytes each view covers are zeroed. The
 * JavaScript engine may have made copies (e.g. while resizing or moving
 * memory) that this cannot reach; it is a best effort.
 * @param arrays typed arrays or DataViews to clear
 * @throws CkksError (INVALID_ARGUMENT) if an argument is not an ArrayBufferView
 */
export function wipe(...arrays: ArrayBufferView[]): void {
  for (const a of arrays) {
    if (!ArrayBuffer.isView(a)) invalid('wipe', 'every argument must be an ArrayBufferView (a typed array or DataView)');
  }
  for (const a of arrays) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).fill(0);
}
