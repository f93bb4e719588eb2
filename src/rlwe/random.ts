/**
 * Sources of randomness for the RLWE core: the platform CSPRNG
 * (`globalThis.crypto.getRandomValues`, {@link CsprngSource}), the seeded
 * stream (SHAKE256 key derivation + ChaCha20, {@link XofSource}) that makes
 * the public halves of keys and ciphertexts storable as a 32-byte seed, the
 * buffered {@link WordReader} every sampler reads through, and {@link wipe}
 * for secret material. The samplers are in `sampling.ts`.
 *
 * This module works in Node 20+ and in browsers: no `node:` imports.
 *
 * @module
 */

import { chacha20 } from '@noble/ciphers/chacha';
import { shake256 } from '@noble/hashes/sha3';
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

  /** [word position, output position] of {@link uniform}'s kernel. */
  private readonly cursor = new Int32Array(2);

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
    const cur = this.cursor;
    cur[0] = ((this.pos + 3) & ~3) >> 2; // next word of the buffer
    cur[1] = 0; // next entry of out
    const n = out.length;
    for (;;) {
      // The rejection loop is a kernel of its own (V8 optimizes it whole; the refill stays here).
      uniformRun(this.u32, out, n, limit, q, cur);
      if (cur[1] >= n) break;
      this.refill();
      cur[0] = 0;
    }
    this.pos = cur[0] << 2;
  }

  /** Zero the buffered, not yet consumed bytes (and the rest of the buffer), and mark it empty. */
  wipe(): void {
    this.bytes.fill(0);
    this.pos = this.bytes.length;
  }
}

/**
 * The rejection loop of WordReader.uniform: from word cur[0] of buf, accept each word w below
 * limit (the largest multiple of q that fits 32 bits) and write w mod q to out[cur[1]++], until
 * the buffer ends or out is full; cur is left at the next word and the next entry.
 * Largest intermediates: w < 2^32 and w * (1/q) in float64; floor(.) * q < 2^32 + q, exact, so
 * the remainder is exact and in [-q, 2q) (one correction each way).
 */
function uniformRun(buf: Uint32Array, out: Uint32Array, n: number, limit: number, q: number, cur: Int32Array): void {
  const qInv = 1 / q;
  const end = buf.length;
  let p = cur[0];
  let j = cur[1];
  while (p < end && j < n) {
    const w = buf[p++];
    if (w < limit) {
      // w mod q by a float quotient estimate (w < 2^32, exact float arithmetic).
      let r = w - Math.floor(w * qInv) * q; // [-q, 2q)
      r = r < 0 ? r + q : r >= q ? r - q : r;
      out[j++] = r;
    }
  }
  cur[0] = p;
  cur[1] = j;
}

/**
 * @throws CkksError (INVALID_ARGUMENT) unless q is an integer in [2, 2^32]
 * @internal
 */
export function checkUniformModulus(op: string, arg: string, q: unknown): asserts q is number {
  if (typeof q !== 'number' || !Number.isSafeInteger(q) || q < 2 || q > 2 ** 32) {
    invalid(op, `${arg} must be an integer in [2, 2^32], got ${String(q)}`);
  }
}

function byteSwap32(a: Uint32Array): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    a[i] = (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  }
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
