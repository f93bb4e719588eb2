/**
 * Versioned binary serialization of parameters, plaintexts, ciphertexts and
 * keys: `Uint8Array` in, `Uint8Array` out, the same bytes in Node and in
 * browsers (no `node:` imports, explicit little-endian).
 *
 * Every object starts with a 24-byte header:
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `HECK` (48 45 43 4b)                                   |
 * |      4 |    2 | format version, u16 (1)                                      |
 * |      6 |    1 | object type, u8 ({@link SerializedType})                     |
 * |      7 |    1 | flags, u8: bit 0 = seeded ({@link FLAG_SEEDED}), others 0    |
 * |      8 |   16 | parameter fingerprint (the raw bytes of `params.fingerprint`)|
 *
 * For parameters the fingerprint is the one of the parameters themselves,
 * checked after they are rebuilt (an integrity check); for every other object
 * it must equal the fingerprint of the parameters given to the loader.
 *
 * Residues are bit-packed limb by limb: limb i (modulus q_i) stores its N
 * residues in w_i = bitlength(q_i - 1) bits each (30 for 30-bit primes),
 * least significant bit first, so a limb takes exactly N w_i / 8 bytes (N >= 16).
 * A polynomial over the first k primes of a basis is its k limbs in order.
 * Every size follows from the parameters (N, the primes, dnum) and the
 * declared level / degree / key count, and a loader checks that the input has
 * exactly that many bytes before it allocates anything.
 *
 * Bodies (after the header, offsets relative to byte 24):
 *
 * - parameters (1): logN u8, logSlots u8, securityLevel u16, digitSize u16,
 *   |Q| u16, |P| u16, logDefaultScale f64, the |Q| primes u32, the |P| primes u32.
 * - plaintext (2): level u16, slots u32, scale f64, then the polynomial over q_0..q_level.
 * - ciphertext (3): degree u8 (1 or 2), level u16, slots u32, scale f64,
 *   [seed, 32 bytes, if seeded], then c_0, c_1 (, c_2) over q_0..q_level;
 *   seeded (degree 1 only): c_0 only, c_1 regenerated from the seed.
 * - public key (4): seed (32), b over QP, [a over QP unless seeded] (the key lives
 *   over all |Q| + |P| primes: public-key encryption works over Q_l P).
 * - switching key (5): seed (32), b_0..b_{dnum-1} over QP, [a_0..a_{dnum-1} over QP unless seeded].
 * - evaluation keys (6): hasRelin u8 (0 or 1), count u32 (<= N), the count
 *   Galois elements u32 (odd, < 2N, strictly increasing), then the
 *   relinearization key's switching-key body (if present) and one
 *   switching-key body per Galois element, in that order; the seeded flag applies to all.
 * - secret key (7): N ternary coefficients, 2 bits each, least significant
 *   first (00 = 0, 01 = 1, 10 = -1; 11 is invalid): N / 4 bytes. The NTT form
 *   over QP is recomputed on load.
 *
 * Seeded forms regenerate the uniform polynomials exactly as they were made:
 * c_1 of a ciphertext from XofSource(seed, XOF_LABEL_CIPHERTEXT) over
 * q_0..q_level (limbs in order, so a fresh ciphertext whose upper limbs were
 * dropped still regenerates); a of a public key from XOF_LABEL_PUBLIC_KEY over
 * all QP limbs; the a_j of a switching key from ONE XOF_LABEL_SWITCHING_KEY
 * stream, digit after digit, each over all QP limbs (as KeyGenerator).
 *
 * Loaders validate everything before use and throw only {@link CkksError}s:
 * {@link SerializationError} (code `MALFORMED_DATA`) naming the object type, the
 * field and the problem; {@link ParametersMismatchError} for a fingerprint of
 * other parameters; {@link InsecureParametersError} for parameters above the
 * security bound without the opt-in; `INVALID_ARGUMENT` when the input is not a
 * `Uint8Array`. A secret-key blob is refused by every loader but
 * {@link deserializeSecretKey}.
 *
 * @module
 */

import { MAX_LOG_N, MIN_LOG_N, RnsPoly, polyForwardNtt, polySetSmall } from '../ntt/index.js';
import { XOF_LABEL_CIPHERTEXT } from './encryption.js';
import { CkksError, InsecureParametersError, ParametersMismatchError } from './errors.js';
import { EvaluationKeys, PublicKey, SecretKey, SwitchingKey, XOF_LABEL_PUBLIC_KEY, XOF_LABEL_SWITCHING_KEY } from './keys.js';
import { INSECURE_OPT_IN, type Parameters, type ParametersLiteral, createParameters } from './params.js';
import { SEED_BYTES, XofSource, sampleUniform } from './sampling.js';
import { type SecurityLevel, maxLogQP } from './security.js';
import { Ciphertext, Plaintext, checkFingerprint, checkLevel, checkScale, checkSlots } from './types.js';

// ---------------------------------------------------------------------------
// Format constants
// ---------------------------------------------------------------------------

/** Format version written, and the only one read. */
export const SERIALIZATION_VERSION = 1;

/** Size of the common header in bytes. */
export const HEADER_BYTES = 24;

/** Header flag: the object is stored in seeded (compressed) form. */
export const FLAG_SEEDED = 0x01;

/** The magic bytes 'HECK'. */
const MAGIC = [0x48, 0x45, 0x43, 0x4b] as const;

/** Object type codes of the header. */
export const SerializedType = Object.freeze({
  Parameters: 1,
  Plaintext: 2,
  Ciphertext: 3,
  PublicKey: 4,
  SwitchingKey: 5,
  EvaluationKeys: 6,
  SecretKey: 7,
} as const);

/** One of the {@link SerializedType} codes. */
export type SerializedTypeCode = (typeof SerializedType)[keyof typeof SerializedType];

const TYPE_NAMES: readonly string[] = ['', 'parameters', 'plaintext', 'ciphertext', 'public key', 'switching key', 'evaluation keys', 'secret key'];

/** Types that may carry the seeded flag. */
const SEEDABLE: ReadonlySet<number> = new Set([SerializedType.Ciphertext, SerializedType.PublicKey, SerializedType.SwitchingKey, SerializedType.EvaluationKeys]);

/**
 * Largest number of primes (|Q| + |P|) a parameters blob may declare. Every
 * parameter set within the security bounds has far fewer (at most ~185 at
 * logN = 17); the cap bounds what a blob loaded with the insecure opt-in can make
 * the loader allocate (NTT tables of N words per prime).
 */
export const MAX_SERIALIZED_PRIMES = 256;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Malformed serialized data: names the operation, the object type, the field and the problem. */
export class SerializationError extends CkksError {
  /** The object type being read, e.g. "ciphertext". */
  readonly objectType: string;
  /** The offending field, e.g. "level" or "c0 limb 3". */
  readonly field: string;
  /**
   * @param op the loader, e.g. "deserializeCiphertext"
   * @param objectType the object type being read
   * @param field the offending field
   * @param problem what is wrong
   */
  constructor(op: string, objectType: string, field: string, problem: string) {
    super('MALFORMED_DATA', op, `${objectType}, field ${field}: ${problem}`);
    this.name = 'SerializationError';
    this.objectType = objectType;
    this.field = field;
  }
}

/** Field name used when an unexpected (non-CkksError) exception is converted; should never happen. */
export const INTERNAL_ERROR_FIELD = '(internal)';

function argError(op: string, detail: string): never {
  throw new CkksError('INVALID_ARGUMENT', op, detail);
}

/** Run a loader, converting any exception that is not a CkksError (a bug) into a SerializationError. */
function guard<T>(op: string, what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CkksError) throw e;
    const err = e as Error;
    throw new SerializationError(op, what, INTERNAL_ERROR_FIELD, `unexpected ${err?.name ?? 'exception'}: ${err?.message ?? String(e)}`);
  }
}

function checkParams(op: string, params: Parameters): void {
  if (typeof params !== 'object' || params === null || typeof params.fingerprint !== 'string' || params.basisQP === undefined) {
    argError(op, 'params must be Parameters from createParameters');
  }
}

// ---------------------------------------------------------------------------
// Fingerprints
// ---------------------------------------------------------------------------

function fingerprintBytes(hex: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

// ---------------------------------------------------------------------------
// Residue packing
// ---------------------------------------------------------------------------

const POW2 = Float64Array.from({ length: 54 }, (_, i) => 2 ** i);

/** Bits per residue of a limb of modulus q: bitlength(q - 1). */
function widthOf(q: number): number {
  return 32 - Math.clz32(q - 1);
}

/** Bytes of a polynomial over the first `limbs` moduli. */
function polyBytes(N: number, moduli: readonly number[], limbs: number): number {
  let s = 0;
  for (let i = 0; i < limbs; i++) s += (N * widthOf(moduli[i])) / 8;
  return s;
}

/**
 * Pack N residues of w bits (LSB first) from src[off..] into dst[pos..].
 * @returns -1, or the index of the first residue >= q (nothing valid is written then)
 */
function packLimb(src: Uint32Array, off: number, N: number, w: number, q: number, dst: Uint8Array, pos: number): number {
  let acc = 0; // < 2^(7 + 30), exact in a float64
  let bits = 0;
  for (let c = 0; c < N; c++) {
    const v = src[off + c];
    if (v >= q) return c;
    acc += v * POW2[bits];
    bits += w;
    while (bits >= 8) {
      const b = acc & 0xff; // ToInt32 keeps the low 32 bits of an integer < 2^53
      dst[pos++] = b;
      acc = (acc - b) * (1 / 256);
      bits -= 8;
    }
  }
  return -1;
}

/**
 * Unpack N residues of w bits (LSB first) from src[pos..] into dst[off..].
 * @returns -1, or the index of the first residue >= q
 */
function unpackLimb(src: Uint8Array, pos: number, N: number, w: number, q: number, dst: Uint32Array, off: number): number {
  const mask = POW2[w] - 1;
  const down = 1 / POW2[w];
  let acc = 0; // < 2^(30 + 8)
  let bits = 0;
  for (let c = 0; c < N; c++) {
    while (bits < w) {
      acc += src[pos++] * POW2[bits];
      bits += 8;
    }
    const v = acc & mask;
    acc = (acc - v) * down;
    bits -= w;
    if (v >= q) return c;
    dst[off + c] = v;
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Reader and writer
// ---------------------------------------------------------------------------

class Reader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(
    readonly op: string,
    readonly what: string,
    bytes: Uint8Array,
  ) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(field: string, problem: string): never {
    throw new SerializationError(this.op, this.what, field, problem);
  }

  need(n: number, field: string): void {
    const left = this.bytes.length - this.pos;
    if (n > left) this.fail(field, `truncated: ${n} bytes needed at offset ${this.pos}, ${left} present (total length ${this.bytes.length})`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.pos++);
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(field: string): number {
    this.need(8, field);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A copy of the next n bytes (a plain Uint8Array, never a view, even when the input is a Node Buffer). */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** The input must be exactly `total` bytes long (checked before any allocation sized by the header). */
  expectLength(total: number, what: string): void {
    if (this.bytes.length !== total) {
      this.fail('length', `${what} takes exactly ${total} bytes, the input has ${this.bytes.length} (${this.bytes.length < total ? 'truncated' : 'trailing bytes'})`);
    }
  }

  /** Read `limbs` packed limbs into p, checking every residue against its modulus. */
  poly(field: string, p: RnsPoly, moduli: readonly number[], limbs: number): void {
    const N = p.N;
    for (let i = 0; i < limbs; i++) {
      const q = moduli[i];
      const w = widthOf(q);
      const n = (N * w) / 8;
      this.need(n, `${field} limb ${i}`);
      const bad = unpackLimb(this.bytes, this.pos, N, w, q, p.data, i * N);
      if (bad >= 0) this.fail(`${field} limb ${i}`, `residue ${bad} is not below its modulus ${q}`);
      this.pos += n;
    }
    p.isNtt = true;
  }
}

class Writer {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos = 0;

  constructor(
    readonly op: string,
    total: number,
  ) {
    try {
      this.buf = new Uint8Array(total);
    } catch {
      throw new CkksError('OUT_OF_RANGE', op, `cannot allocate ${total} bytes for the serialized object`);
    }
    this.view = new DataView(this.buf.buffer);
  }

  header(type: SerializedTypeCode, flags: number, fingerprint: string): void {
    this.buf.set(MAGIC, 0);
    this.view.setUint16(4, SERIALIZATION_VERSION, true);
    this.view.setUint8(6, type);
    this.view.setUint8(7, flags);
    this.buf.set(fingerprintBytes(fingerprint), 8);
    this.pos = HEADER_BYTES;
  }

  u8(v: number): void {
    this.view.setUint8(this.pos++, v);
  }

  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  raw(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Pack `limbs` limbs of p, refusing residues not below their modulus (an invalid object). */
  poly(what: string, p: RnsPoly, moduli: readonly number[], limbs: number): void {
    const N = p.N;
    for (let i = 0; i < limbs; i++) {
      const q = moduli[i];
      const w = widthOf(q);
      const bad = packLimb(p.data, i * N, N, w, q, this.buf, this.pos);
      if (bad >= 0) argError(this.op, `${what} limb ${i} residue ${bad} is ${p.data[i * N + bad]}, not below its modulus ${q}`);
      this.pos += (N * w) / 8;
    }
  }

  done(): Uint8Array {
    if (this.pos !== this.buf.length) throw new CkksError('INVALID_ARGUMENT', this.op, `internal size mismatch: wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

/** The decoded common header of a serialized object. */
export interface SerializedHeader {
  /** Format version. */
  version: number;
  /** Object type code. */
  type: SerializedTypeCode;
  /** Object type name, e.g. "ciphertext". */
  typeName: string;
  /** Whether the seeded flag is set. */
  seeded: boolean;
  /** Parameter fingerprint (hex), as in `params.fingerprint`. */
  fingerprint: string;
}

function parseHeader(r: Reader, expected: number | undefined): SerializedHeader {
  const what = r.what;
  if (r.bytes.length < HEADER_BYTES) r.fail('header', `truncated: the header takes ${HEADER_BYTES} bytes, the input has ${r.bytes.length}`);
  for (let i = 0; i < 4; i++) {
    if (r.bytes[i] !== MAGIC[i]) r.fail('magic', `expected "HECK" (48 45 43 4b), got ${hexOf(r.bytes.subarray(0, 4)).replace(/(..)(?!$)/g, '$1 ')}`);
  }
  r.pos = 4;
  const version = r.u16('version');
  if (version !== SERIALIZATION_VERSION) r.fail('version', `unsupported format version ${version} (this library reads version ${SERIALIZATION_VERSION})`);
  const type = r.u8('type');
  const known = type >= 1 && type < TYPE_NAMES.length;
  if (expected !== undefined && type !== expected) {
    if (type === SerializedType.SecretKey) {
      r.fail('type', `the data is a secret key (type ${type}); secret keys are refused here and only read by deserializeSecretKey`);
    }
    r.fail('type', known ? `the data is ${article(TYPE_NAMES[type])} (type ${type}), expected ${article(what)} (type ${expected})` : `unknown object type ${type}, expected ${article(what)} (type ${expected})`);
  }
  if (!known) r.fail('type', `unknown object type ${type}`);
  const flags = r.u8('flags');
  if ((flags & ~FLAG_SEEDED) !== 0) r.fail('flags', `unknown flag bits 0x${(flags & ~FLAG_SEEDED).toString(16).padStart(2, '0')}`);
  const seeded = (flags & FLAG_SEEDED) !== 0;
  if (seeded && !SEEDABLE.has(type)) r.fail('flags', `the seeded flag is not valid for ${article(TYPE_NAMES[type])}`);
  const fingerprint = hexOf(r.bytes.subarray(8, 24));
  r.pos = HEADER_BYTES;
  return { version, type: type as SerializedTypeCode, typeName: TYPE_NAMES[type], seeded, fingerprint };
}

function article(name: string): string {
  return name === 'parameters' || name === 'evaluation keys' ? name : `a ${name}`;
}

/** Check the header of an object of `type` made under `params`. */
function open(op: string, bytes: Uint8Array, type: SerializedTypeCode, params: Parameters): { r: Reader; seeded: boolean } {
  checkParams(op, params);
  if (!(bytes instanceof Uint8Array)) argError(op, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const r = new Reader(op, TYPE_NAMES[type], bytes);
  const h = parseHeader(r, type);
  if (h.fingerprint !== params.fingerprint) {
    throw new ParametersMismatchError(op, `${r.what}, field fingerprint: the data was made under parameters ${h.fingerprint.slice(0, 8)}…, expected ${params.fingerprint.slice(0, 8)}…`);
  }
  return { r, seeded: h.seeded };
}

/**
 * Decode and check the common header (magic, version, known type, flags)
 * without reading the body, e.g. to dispatch on the object type.
 * @param bytes a serialized object
 * @returns the header fields
 * @throws SerializationError on a malformed header; CkksError (INVALID_ARGUMENT) if bytes is not a Uint8Array
 */
export function readHeader(bytes: Uint8Array): SerializedHeader {
  const op = 'readHeader';
  return guard(op, 'object', () => {
    if (!(bytes instanceof Uint8Array)) argError(op, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
    return parseHeader(new Reader(op, 'object', bytes), undefined);
  });
}

// ---------------------------------------------------------------------------
// Field checks of loaders
// ---------------------------------------------------------------------------

function readLevel(r: Reader, params: Parameters): number {
  const level = r.u16('level');
  if (level > params.maxLevel) r.fail('level', `${level} is out of range [0, ${params.maxLevel}]`);
  return level;
}

function readSlots(r: Reader, params: Parameters): number {
  const slots = r.u32('slots');
  if (slots < 1 || slots > params.maxSlots || (slots & (slots - 1)) !== 0) r.fail('slots', `${slots} is not a power of two in [1, ${params.maxSlots}]`);
  return slots;
}

function readScale(r: Reader): number {
  const scale = r.f64('scale');
  if (!Number.isFinite(scale) || scale <= 0) r.fail('scale', `${scale} is not a finite positive number`);
  return scale;
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

/** Options of {@link deserializeParameters}. */
export interface DeserializeParametersOptions {
  /**
   * Accept parameters above the security bound: must be exactly
   * {@link INSECURE_OPT_IN}, as for {@link createParameters}.
   */
  unsafeAllowInsecure?: typeof INSECURE_OPT_IN;
}

const PARAMS_FIXED = 18;

/**
 * Serialize parameters: their literal (logN, the explicit primes Q and P,
 * logDefaultScale, logSlots, digitSize, securityLevel). The insecure opt-in is
 * not stored: the loader must give it again.
 * @param params parameters
 * @returns the encoding (24 + 18 + 4 (|Q| + |P|) bytes)
 */
export function serializeParameters(params: Parameters): Uint8Array {
  const op = 'serializeParameters';
  checkParams(op, params);
  const lit = params.literal;
  const n = params.Q.length + params.P.length;
  if (n > MAX_SERIALIZED_PRIMES) argError(op, `at most ${MAX_SERIALIZED_PRIMES} primes can be serialized, the parameters have ${n}`);
  const w = new Writer(op, HEADER_BYTES + PARAMS_FIXED + 4 * n);
  w.header(SerializedType.Parameters, 0, params.fingerprint);
  w.u8(params.logN);
  w.u8(params.logSlots);
  w.u16(lit.securityLevel ?? 128);
  w.u16(params.digitSize);
  w.u16(params.Q.length);
  w.u16(params.P.length);
  w.f64(lit.logDefaultScale);
  for (const q of params.Q) w.u32(q);
  for (const p of params.P) w.u32(p);
  return w.done();
}

/**
 * Load parameters: rebuilds them with {@link createParameters} (so every
 * check, the security check included, runs again) and checks that their
 * fingerprint is the stored one.
 * @param bytes output of {@link serializeParameters}
 * @param opts `unsafeAllowInsecure: INSECURE_OPT_IN` to accept parameters above the security bound
 * @returns the parameters (same fingerprint as the serialized ones)
 * @throws InsecureParametersError above the security bound without the opt-in (checked before any table is built)
 * @throws SerializationError on malformed data (including primes that are not NTT-friendly primes, or a fingerprint mismatch)
 */
export function deserializeParameters(bytes: Uint8Array, opts: DeserializeParametersOptions = {}): Parameters {
  const op = 'deserializeParameters';
  const what = 'parameters';
  return guard(op, what, () => {
    if (typeof opts !== 'object' || opts === null) argError(op, 'opts must be an object');
    const optIn = opts.unsafeAllowInsecure;
    if (optIn !== undefined && optIn !== INSECURE_OPT_IN) argError(op, `unsafeAllowInsecure must be exactly "${INSECURE_OPT_IN}" when given`);
    if (!(bytes instanceof Uint8Array)) argError(op, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
    const r = new Reader(op, what, bytes);
    const h = parseHeader(r, SerializedType.Parameters);
    const logN = r.u8('logN');
    if (logN < MIN_LOG_N || logN > MAX_LOG_N) r.fail('logN', `${logN} is out of range [${MIN_LOG_N}, ${MAX_LOG_N}]`);
    const logSlots = r.u8('logSlots');
    if (logSlots > logN - 1) r.fail('logSlots', `${logSlots} is out of range [0, ${logN - 1}]`);
    const securityLevel = r.u16('securityLevel');
    if (securityLevel !== 128 && securityLevel !== 192 && securityLevel !== 256) r.fail('securityLevel', `${securityLevel} is not 128, 192 or 256`);
    const digitSize = r.u16('digitSize');
    const nQ = r.u16('Q count');
    const nP = r.u16('P count');
    if (nQ < 1) r.fail('Q count', 'there must be at least one ciphertext prime');
    if (nP < 1) r.fail('P count', 'there must be at least one special prime');
    if (nQ + nP > MAX_SERIALIZED_PRIMES) r.fail('Q count', `${nQ} + ${nP} primes exceed the limit of ${MAX_SERIALIZED_PRIMES}`);
    if (digitSize < 1 || digitSize > nQ) r.fail('digitSize', `${digitSize} is out of range [1, ${nQ}]`);
    const logDefaultScale = r.f64('logDefaultScale');
    if (!Number.isFinite(logDefaultScale) || logDefaultScale <= 0) r.fail('logDefaultScale', `${logDefaultScale} is not a finite positive number`);
    r.expectLength(HEADER_BYTES + PARAMS_FIXED + 4 * (nQ + nP), `parameters with ${nQ} + ${nP} primes`);
    const twoN = 2 ** (logN + 1);
    const seen = new Set<number>();
    const readPrimes = (name: string, n: number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const q = r.u32(`${name}[${i}]`);
        if (q >= 2 ** 30 || q % twoN !== 1) r.fail(`${name}[${i}]`, `${q} is not below 2^30 and congruent to 1 modulo 2N = ${twoN}`);
        if (seen.has(q)) r.fail(`${name}[${i}]`, `${q} is repeated (the primes of Q and P must be distinct)`);
        seen.add(q);
        out.push(q);
      }
      return out;
    };
    const Q = readPrimes('Q', nQ);
    const P = readPrimes('P', nP);
    // The security check of createParameters, before it builds any table.
    const log2 = (xs: number[]): number => xs.reduce((s, x) => s + Math.log2(x), 0);
    const logQP = log2(Q) + log2(P);
    const bound = maxLogQP(logN, securityLevel as SecurityLevel);
    const secure = bound !== undefined && logQP <= bound;
    if (!secure && optIn !== INSECURE_OPT_IN) {
      throw new InsecureParametersError(
        op,
        `${what}, field Q/P: ` +
          (bound === undefined
            ? `no ${securityLevel}-bit bound is known for logN = ${logN}`
            : `log2(QP) = ${logQP.toFixed(2)} exceeds the ${securityLevel}-bit bound ${bound} for logN = ${logN}`) +
          `; pass { unsafeAllowInsecure: INSECURE_OPT_IN } to load them anyway`,
      );
    }
    const lit: ParametersLiteral = { logN, Q, P, logDefaultScale, logSlots, digitSize, securityLevel: securityLevel as SecurityLevel };
    if (!secure) lit.unsafeAllowInsecure = INSECURE_OPT_IN;
    let params: Parameters;
    try {
      params = createParameters(lit);
    } catch (e) {
      if (e instanceof InsecureParametersError) throw new InsecureParametersError(op, `${what}: ${e.message}`);
      if (e instanceof CkksError) r.fail('literal', e.message);
      throw e;
    }
    if (params.fingerprint !== h.fingerprint) {
      r.fail('fingerprint', `the stored parameters hash to ${params.fingerprint.slice(0, 8)}…, not to the stored fingerprint ${h.fingerprint.slice(0, 8)}… (corrupted data)`);
    }
    return params;
  });
}

// ---------------------------------------------------------------------------
// Plaintexts
// ---------------------------------------------------------------------------

function checkInstance(op: string, obj: unknown, cls: abstract new (...args: never[]) => unknown, name: string): void {
  if (!(obj instanceof cls)) argError(op, `expected ${article(name)}`);
}

function checkPoly(op: string, name: string, p: unknown, N: number, limbs: number): void {
  if (!(p instanceof RnsPoly) || p.N !== N || p.limbs !== limbs) {
    argError(op, `${name} must be an RnsPoly with N = ${N} and ${limbs} limbs`);
  }
}

const PLAINTEXT_FIXED = 14;

/**
 * Serialize a plaintext (NTT form, at its level).
 * @param params its parameters
 * @param pt the plaintext
 * @returns 24 + 14 + (N/8) sum_{i <= level} bitlength(q_i) bytes
 * @throws ParametersMismatchError / CkksError on a plaintext of other parameters or an invalid one
 */
export function serializePlaintext(params: Parameters, pt: Plaintext): Uint8Array {
  const op = 'serializePlaintext';
  checkParams(op, params);
  checkInstance(op, pt, Plaintext, 'plaintext');
  checkFingerprint(op, params, pt, 'the plaintext');
  const level = pt.level;
  checkLevel(op, params, level);
  checkScale(op, pt.scale);
  checkSlots(op, params, pt.slots);
  checkPoly(op, 'the plaintext polynomial', pt.poly, params.N, level + 1);
  const w = new Writer(op, HEADER_BYTES + PLAINTEXT_FIXED + polyBytes(params.N, params.Q, level + 1));
  w.header(SerializedType.Plaintext, 0, params.fingerprint);
  w.u16(level);
  w.u32(pt.slots);
  w.f64(pt.scale);
  w.poly('the plaintext polynomial', pt.poly, params.Q, level + 1);
  return w.done();
}

/**
 * Load a plaintext.
 * @param params the parameters it was made under
 * @param bytes output of {@link serializePlaintext}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializePlaintext(params: Parameters, bytes: Uint8Array): Plaintext {
  const op = 'deserializePlaintext';
  return guard(op, 'plaintext', () => {
    const { r } = open(op, bytes, SerializedType.Plaintext, params);
    const level = readLevel(r, params);
    const slots = readSlots(r, params);
    const scale = readScale(r);
    r.expectLength(HEADER_BYTES + PLAINTEXT_FIXED + polyBytes(params.N, params.Q, level + 1), `a plaintext at level ${level}`);
    const poly = RnsPoly.alloc(params.N, level + 1);
    r.poly('polynomial', poly, params.Q, level + 1);
    return new Plaintext(params, level, scale, slots, poly);
  });
}

// ---------------------------------------------------------------------------
// Ciphertexts
// ---------------------------------------------------------------------------

/** Options of {@link serializeCiphertext}. */
export interface SerializeCiphertextOptions {
  /**
   * Store c_0 and the 32-byte seed of c_1 only (half the size). Only for a
   * fresh symmetric encryption (ct.seed defined, degree 1); default false.
   */
  seeded?: boolean;
}

const CIPHERTEXT_FIXED = 15;

/**
 * Serialize a ciphertext at its level. With `seeded: true` only c_0 and the
 * seed are stored; the seed is checked to regenerate c_1 exactly first (which
 * costs about as much as loading it).
 * @param params its parameters
 * @param ct the ciphertext
 * @param opts seeded form
 * @returns 24 + 15 + (degree + 1) * polyBytes bytes, or 24 + 15 + 32 + polyBytes when seeded
 * @throws CkksError if seeded is requested but ct.seed is undefined, the degree is 2, or the seed does not generate c_1; ParametersMismatchError on other parameters
 */
export function serializeCiphertext(params: Parameters, ct: Ciphertext, opts: SerializeCiphertextOptions = {}): Uint8Array {
  const op = 'serializeCiphertext';
  checkParams(op, params);
  checkInstance(op, ct, Ciphertext, 'ciphertext');
  checkFingerprint(op, params, ct, 'the ciphertext');
  const seeded = opts.seeded ?? false;
  if (typeof seeded !== 'boolean') argError(op, 'opts.seeded must be a boolean');
  const degree = ct.degree;
  if (degree !== 1 && degree !== 2) argError(op, `the ciphertext degree must be 1 or 2, got ${degree}`);
  const level = ct.level;
  checkLevel(op, params, level);
  checkScale(op, ct.scale);
  checkSlots(op, params, ct.slots);
  for (let k = 0; k <= degree; k++) checkPoly(op, `c${k}`, ct.c[k], params.N, level + 1);
  const pb = polyBytes(params.N, params.Q, level + 1);
  if (seeded) {
    if (ct.seed === undefined) argError(op, 'seeded serialization needs ct.seed (only fresh symmetric encryptions have one)');
    if (!(ct.seed instanceof Uint8Array) || ct.seed.length !== SEED_BYTES) argError(op, `ct.seed must be ${SEED_BYTES} bytes`);
    if (degree !== 1) argError(op, `seeded serialization needs a degree-1 ciphertext, got degree ${degree}`);
    const c1 = RnsPoly.alloc(params.N, level + 1);
    sampleUniform(new XofSource(ct.seed, XOF_LABEL_CIPHERTEXT), c1, params.Q);
    const got = ct.c[1].data;
    for (let i = 0; i < c1.data.length; i++) {
      if (c1.data[i] !== got[i]) argError(op, 'ct.seed does not generate c1 (the ciphertext was modified after encryption); serialize it unseeded');
    }
  }
  const w = new Writer(op, HEADER_BYTES + CIPHERTEXT_FIXED + (seeded ? SEED_BYTES + pb : (degree + 1) * pb));
  w.header(SerializedType.Ciphertext, seeded ? FLAG_SEEDED : 0, params.fingerprint);
  w.u8(degree);
  w.u16(level);
  w.u32(ct.slots);
  w.f64(ct.scale);
  if (seeded) {
    w.raw(ct.seed as Uint8Array);
    w.poly('c0', ct.c[0], params.Q, level + 1);
  } else {
    for (let k = 0; k <= degree; k++) w.poly(`c${k}`, ct.c[k], params.Q, level + 1);
  }
  return w.done();
}

/**
 * Load a ciphertext; a seeded one gets c_1 regenerated from its seed (and
 * keeps the seed, so it can be stored seeded again).
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeCiphertext}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializeCiphertext(params: Parameters, bytes: Uint8Array): Ciphertext {
  const op = 'deserializeCiphertext';
  return guard(op, 'ciphertext', () => {
    const { r, seeded } = open(op, bytes, SerializedType.Ciphertext, params);
    const degree = r.u8('degree');
    if (degree !== 1 && degree !== 2) r.fail('degree', `${degree} is not 1 or 2`);
    if (seeded && degree !== 1) r.fail('degree', `a seeded ciphertext has degree 1, got ${degree}`);
    const level = readLevel(r, params);
    const slots = readSlots(r, params);
    const scale = readScale(r);
    const pb = polyBytes(params.N, params.Q, level + 1);
    r.expectLength(
      HEADER_BYTES + CIPHERTEXT_FIXED + (seeded ? SEED_BYTES + pb : (degree + 1) * pb),
      `a ${seeded ? 'seeded ' : ''}degree-${degree} ciphertext at level ${level}`,
    );
    const seed = seeded ? r.take(SEED_BYTES, 'seed') : undefined;
    const ct = new Ciphertext(params, degree, level, scale, slots);
    if (seed !== undefined) {
      r.poly('c0', ct.c[0], params.Q, level + 1);
      sampleUniform(new XofSource(seed, XOF_LABEL_CIPHERTEXT), ct.c[1], params.Q);
      ct.c[1].isNtt = true;
      ct.seed = seed;
    } else {
      for (let k = 0; k <= degree; k++) r.poly(`c${k}`, ct.c[k], params.Q, level + 1);
    }
    return ct;
  });
}

// ---------------------------------------------------------------------------
// Public keys
// ---------------------------------------------------------------------------

/** Options of the key serializers. */
export interface SerializeKeyOptions {
  /** Store the seed instead of the a-polynomials (half the size); default true. */
  seeded?: boolean;
}

function seededOpt(op: string, opts: SerializeKeyOptions): boolean {
  if (typeof opts !== 'object' || opts === null) argError(op, 'opts must be an object');
  const s = opts.seeded ?? true;
  if (typeof s !== 'boolean') argError(op, 'opts.seeded must be a boolean');
  return s;
}

function checkSeed(op: string, name: string, seed: unknown): void {
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_BYTES) argError(op, `${name} must be a ${SEED_BYTES}-byte Uint8Array`);
}

/**
 * Serialize a public key: seed and b, plus a unless seeded (both over QP).
 * The full form stores a as held and does not check it against the seed.
 * @param params its parameters
 * @param pk the public key
 * @param opts seeded form (default true)
 */
export function serializePublicKey(params: Parameters, pk: PublicKey, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializePublicKey';
  checkParams(op, params);
  checkInstance(op, pk, PublicKey, 'public key');
  checkFingerprint(op, params, pk, 'the public key');
  const seeded = seededOpt(op, opts);
  const moduli = params.basisQP.moduli;
  const L = moduli.length;
  checkSeed(op, 'the public key seed', pk.seed);
  checkPoly(op, 'the public key b', pk.b, params.N, L);
  if (!seeded) checkPoly(op, 'the public key a', pk.a, params.N, L);
  const pb = polyBytes(params.N, moduli, L);
  const w = new Writer(op, HEADER_BYTES + SEED_BYTES + (seeded ? 1 : 2) * pb);
  w.header(SerializedType.PublicKey, seeded ? FLAG_SEEDED : 0, params.fingerprint);
  w.raw(pk.seed);
  w.poly('b', pk.b, moduli, L);
  if (!seeded) w.poly('a', pk.a, moduli, L);
  return w.done();
}

/**
 * Load a public key (a regenerated from the seed when seeded).
 * @param params the parameters it was made under
 * @param bytes output of {@link serializePublicKey}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializePublicKey(params: Parameters, bytes: Uint8Array): PublicKey {
  const op = 'deserializePublicKey';
  return guard(op, 'public key', () => {
    const { r, seeded } = open(op, bytes, SerializedType.PublicKey, params);
    const moduli = params.basisQP.moduli;
    const L = moduli.length;
    const pb = polyBytes(params.N, moduli, L);
    r.expectLength(HEADER_BYTES + SEED_BYTES + (seeded ? 1 : 2) * pb, `a ${seeded ? 'seeded' : 'full'} public key`);
    const seed = r.take(SEED_BYTES, 'seed');
    const b = RnsPoly.alloc(params.N, L);
    r.poly('b', b, moduli, L);
    const a = RnsPoly.alloc(params.N, L);
    if (seeded) {
      sampleUniform(new XofSource(seed, XOF_LABEL_PUBLIC_KEY), a, moduli);
      a.isNtt = true;
    } else {
      r.poly('a', a, moduli, L);
    }
    return new PublicKey(params, b, a, seed);
  });
}

// ---------------------------------------------------------------------------
// Switching keys
// ---------------------------------------------------------------------------

function switchingKeyBytes(params: Parameters, seeded: boolean): number {
  const moduli = params.basisQP.moduli;
  return SEED_BYTES + (seeded ? 1 : 2) * params.dnum * polyBytes(params.N, moduli, moduli.length);
}

function checkSwitchingKey(op: string, params: Parameters, key: SwitchingKey, name: string, seeded: boolean): void {
  checkInstance(op, key, SwitchingKey, 'switching key');
  checkFingerprint(op, params, key, name);
  checkSeed(op, `${name} seed`, key.seed);
  const total = params.basisQP.moduli.length;
  if (!Array.isArray(key.b) || key.b.length !== params.dnum) argError(op, `${name} must have dnum = ${params.dnum} b components`);
  for (let j = 0; j < params.dnum; j++) checkPoly(op, `${name} b${j}`, key.b[j], params.N, total);
  if (!seeded) {
    if (!Array.isArray(key.a) || key.a.length !== params.dnum) argError(op, `${name} must have dnum = ${params.dnum} a components`);
    for (let j = 0; j < params.dnum; j++) checkPoly(op, `${name} a${j}`, key.a[j], params.N, total);
  }
}

function writeSwitchingKey(w: Writer, params: Parameters, key: SwitchingKey, name: string, seeded: boolean): void {
  const moduli = params.basisQP.moduli;
  w.raw(key.seed);
  for (let j = 0; j < params.dnum; j++) w.poly(`${name} b${j}`, key.b[j], moduli, moduli.length);
  if (!seeded) for (let j = 0; j < params.dnum; j++) w.poly(`${name} a${j}`, key.a[j], moduli, moduli.length);
}

/** Read one switching-key body (the length has been checked). */
function readSwitchingKey(r: Reader, params: Parameters, field: string, seeded: boolean): SwitchingKey {
  const moduli = params.basisQP.moduli;
  const total = moduli.length;
  const seed = r.take(SEED_BYTES, `${field}seed`);
  const bs: RnsPoly[] = [];
  const as: RnsPoly[] = [];
  for (let j = 0; j < params.dnum; j++) {
    const b = RnsPoly.alloc(params.N, total);
    r.poly(`${field}b${j}`, b, moduli, total);
    bs.push(b);
  }
  if (seeded) {
    // As KeyGenerator: one stream for all digits, each a_j over all QP limbs.
    const xof = new XofSource(seed, XOF_LABEL_SWITCHING_KEY);
    for (let j = 0; j < params.dnum; j++) {
      const a = RnsPoly.alloc(params.N, total);
      sampleUniform(xof, a, moduli);
      a.isNtt = true;
      as.push(a);
    }
    xof.destroy();
  } else {
    for (let j = 0; j < params.dnum; j++) {
      const a = RnsPoly.alloc(params.N, total);
      r.poly(`${field}a${j}`, a, moduli, total);
      as.push(a);
    }
  }
  return new SwitchingKey(params, bs, as, seed);
}

/**
 * Serialize a switching key (relinearization or Galois): seed and the b_j,
 * plus the a_j unless seeded.
 * @param params its parameters
 * @param key the key
 * @param opts seeded form (default true)
 */
export function serializeSwitchingKey(params: Parameters, key: SwitchingKey, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializeSwitchingKey';
  checkParams(op, params);
  const seeded = seededOpt(op, opts);
  checkSwitchingKey(op, params, key, 'the switching key', seeded);
  const w = new Writer(op, HEADER_BYTES + switchingKeyBytes(params, seeded));
  w.header(SerializedType.SwitchingKey, seeded ? FLAG_SEEDED : 0, params.fingerprint);
  writeSwitchingKey(w, params, key, 'the switching key', seeded);
  return w.done();
}

/**
 * Load a switching key (the a_j regenerated from the seed when seeded).
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeSwitchingKey}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializeSwitchingKey(params: Parameters, bytes: Uint8Array): SwitchingKey {
  const op = 'deserializeSwitchingKey';
  return guard(op, 'switching key', () => {
    const { r, seeded } = open(op, bytes, SerializedType.SwitchingKey, params);
    r.expectLength(HEADER_BYTES + switchingKeyBytes(params, seeded), `a ${seeded ? 'seeded' : 'full'} switching key (dnum = ${params.dnum})`);
    return readSwitchingKey(r, params, '', seeded);
  });
}

// ---------------------------------------------------------------------------
// Evaluation keys
// ---------------------------------------------------------------------------

/**
 * Serialize the evaluation keys a server needs: the relinearization key (if
 * any) and the Galois keys, by increasing Galois element. Holds no secret.
 * @param params their parameters
 * @param keys the keys
 * @param opts seeded form for every key (default true)
 */
export function serializeEvaluationKeys(params: Parameters, keys: EvaluationKeys, opts: SerializeKeyOptions = {}): Uint8Array {
  const op = 'serializeEvaluationKeys';
  checkParams(op, params);
  checkInstance(op, keys, EvaluationKeys, 'evaluation keys');
  checkFingerprint(op, params, keys, 'the evaluation keys');
  const seeded = seededOpt(op, opts);
  if (!(keys.galois instanceof Map)) argError(op, 'keys.galois must be a Map');
  const elements = [...keys.galois.keys()].sort((x, y) => x - y);
  for (const g of elements) {
    if (!Number.isInteger(g) || g < 1 || g >= 2 * params.N || g % 2 === 0) argError(op, `Galois element ${String(g)} is not an odd integer in [1, ${2 * params.N})`);
  }
  if (keys.relin !== undefined) checkSwitchingKey(op, params, keys.relin, 'the relinearization key', seeded);
  for (const g of elements) checkSwitchingKey(op, params, keys.galois.get(g) as SwitchingKey, `the Galois key ${g}`, seeded);
  const count = elements.length + (keys.relin !== undefined ? 1 : 0);
  const w = new Writer(op, HEADER_BYTES + 5 + 4 * elements.length + count * switchingKeyBytes(params, seeded));
  w.header(SerializedType.EvaluationKeys, seeded ? FLAG_SEEDED : 0, params.fingerprint);
  w.u8(keys.relin !== undefined ? 1 : 0);
  w.u32(elements.length);
  for (const g of elements) w.u32(g);
  if (keys.relin !== undefined) writeSwitchingKey(w, params, keys.relin, 'the relinearization key', seeded);
  for (const g of elements) writeSwitchingKey(w, params, keys.galois.get(g) as SwitchingKey, `the Galois key ${g}`, seeded);
  return w.done();
}

/**
 * Load an evaluation-keys bundle. Refuses a secret key by name.
 * @param params the parameters they were made under
 * @param bytes output of {@link serializeEvaluationKeys}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializeEvaluationKeys(params: Parameters, bytes: Uint8Array): EvaluationKeys {
  const op = 'deserializeEvaluationKeys';
  return guard(op, 'evaluation keys', () => {
    const { r, seeded } = open(op, bytes, SerializedType.EvaluationKeys, params);
    const hasRelin = r.u8('hasRelin');
    if (hasRelin > 1) r.fail('hasRelin', `${hasRelin} is not 0 or 1`);
    const count = r.u32('Galois key count');
    if (count > params.N) r.fail('Galois key count', `${count} exceeds N = ${params.N} (the number of odd elements below 2N)`);
    r.expectLength(
      HEADER_BYTES + 5 + 4 * count + (hasRelin + count) * switchingKeyBytes(params, seeded),
      `${hasRelin ? 'a relinearization key and ' : ''}${count} ${seeded ? 'seeded' : 'full'} Galois keys`,
    );
    const elements: number[] = [];
    for (let i = 0; i < count; i++) {
      const g = r.u32(`Galois element ${i}`);
      if (g % 2 === 0 || g >= 2 * params.N) r.fail(`Galois element ${i}`, `${g} is not an odd integer in [1, ${2 * params.N})`);
      if (i > 0 && g <= elements[i - 1]) {
        r.fail(`Galois element ${i}`, g === elements[i - 1] ? `${g} is a duplicate` : `${g} is not in increasing order (after ${elements[i - 1]})`);
      }
      elements.push(g);
    }
    const relin = hasRelin ? readSwitchingKey(r, params, 'relinearization key ', seeded) : undefined;
    const galois = new Map<number, SwitchingKey>();
    for (const g of elements) galois.set(g, readSwitchingKey(r, params, `Galois key ${g} `, seeded));
    return new EvaluationKeys(params, relin, galois);
  });
}

// ---------------------------------------------------------------------------
// Secret keys
// ---------------------------------------------------------------------------

/**
 * Serialize the SECRET key, for its owner only (e.g. to keep it in the
 * owner's own encrypted storage). The output holds the key in clear (2 bits
 * per coefficient, N/4 bytes): never send it to a server. It has its own
 * object type, which every other loader refuses. Wipe the returned bytes once
 * stored (`bytes.fill(0)`).
 * @param params its parameters
 * @param sk the secret key (not wiped)
 * @returns 24 + N/4 bytes
 * @throws CkksError on a wiped key, other parameters or coefficients outside {-1, 0, 1}
 */
export function serializeSecretKey(params: Parameters, sk: SecretKey): Uint8Array {
  const op = 'serializeSecretKey';
  checkParams(op, params);
  checkInstance(op, sk, SecretKey, 'secret key');
  checkFingerprint(op, params, sk, 'the secret key');
  if (sk.isWiped) argError(op, 'the secret key has been wiped');
  const N = params.N;
  const s = sk.coeffs;
  if (!(s instanceof Int8Array) || s.length !== N) argError(op, `the secret key coefficients must be an Int8Array of length ${N}`);
  const w = new Writer(op, HEADER_BYTES + N / 4);
  w.header(SerializedType.SecretKey, 0, params.fingerprint);
  const out = w.buf;
  for (let j = 0; j < N; j += 4) {
    let b = 0;
    for (let t = 0; t < 4; t++) {
      const c = s[j + t];
      if (c !== 0 && c !== 1 && c !== -1) argError(op, `secret key coefficient ${j + t} is ${c}, not in {-1, 0, 1}`);
      b |= (c === 0 ? 0 : c === 1 ? 1 : 2) << (2 * t);
    }
    out[w.pos++] = b;
  }
  return w.done();
}

/**
 * Load a secret key (owner only) and recompute its NTT form over QP.
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeSecretKey}
 * @throws SerializationError / ParametersMismatchError (see the module documentation)
 */
export function deserializeSecretKey(params: Parameters, bytes: Uint8Array): SecretKey {
  const op = 'deserializeSecretKey';
  return guard(op, 'secret key', () => {
    const { r } = open(op, bytes, SerializedType.SecretKey, params);
    const N = params.N;
    r.expectLength(HEADER_BYTES + N / 4, `a secret key (N = ${N}, 2 bits per coefficient)`);
    const coeffs = new Int8Array(N);
    const src = r.bytes;
    for (let j = 0; j < N; j++) {
      const code = (src[HEADER_BYTES + (j >> 2)] >> (2 * (j & 3))) & 3;
      if (code === 3) {
        coeffs.fill(0);
        r.fail(`coefficient ${j}`, 'the 2-bit code 11 is not a ternary value (00 = 0, 01 = 1, 10 = -1)');
      }
      coeffs[j] = code === 2 ? -1 : code;
    }
    const poly = RnsPoly.alloc(N, params.basisQP.moduli.length);
    polySetSmall(coeffs, poly, params.basisQP);
    polyForwardNtt(poly, params.basisQP);
    return new SecretKey(params, coeffs, poly);
  });
}
