/**
 * The library's one binary codec: a bounds-checked {@link Reader} and a
 * fixed-size {@link Writer} of little-endian integers, float64 and byte
 * strings, plus hex and byte-comparison helpers. Both the scheme's object
 * format (src/ckks/serialize/) and the protocol files (src/mlr/bundle.ts) are
 * built on it; it imports nothing from the library, so each format supplies
 * its own error class through a hook:
 *
 * - a {@link Reader} is constructed with a {@link FieldErrorFactory}
 *   `(field, problem) => Error`, and every refusal it makes (a read past the
 *   end, a value out of range, a wrong total length) goes through it, so that
 *   the scheme's loaders throw `SerializationError` and the protocol files
 *   `BundleError` naming the field;
 * - a {@link Writer} is constructed with its total size and a hook for the one
 *   refusal it makes (a size that cannot be allocated).
 *
 * Every read checks the remaining length before it touches memory, and
 * nothing is allocated from a length read out of the input before that length
 * has been checked against what the input holds. Messages name the field,
 * what was expected and numbers (offsets, lengths, the value found), never
 * runs of input bytes.
 *
 * @module
 */

import { ArgumentRangeError, ArgumentTypeError } from './errors.js';

/**
 * Builds the error a {@link Reader} throws for a malformed field.
 * @param field the offending field, e.g. "level" or "section 3 length"
 * @param problem what is wrong (what was expected, and a number that was found)
 * @returns the error to throw
 */
export type FieldErrorFactory = (field: string, problem: string) => Error;

/** Sequential little-endian reader over a byte array with bounds checks. */
export class Reader {
  /** The input (not copied: a view stays a view). */
  readonly bytes: Uint8Array;
  /** Offset of the next read. */
  pos = 0;
  private readonly dv: DataView;
  private readonly onError: FieldErrorFactory;

  /**
   * @param bytes the input
   * @param onError builds the error thrown for a malformed field
   * @throws ArgumentTypeError if bytes is not a Uint8Array
   */
  constructor(bytes: Uint8Array, onError: FieldErrorFactory) {
    if (!(bytes instanceof Uint8Array)) throw new ArgumentTypeError('Reader', 'bytes must be a Uint8Array');
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.onError = onError;
  }

  /**
   * Total length of the input.
   * @returns the number of bytes
   */
  get length(): number {
    return this.bytes.length;
  }

  /**
   * Bytes not read yet.
   * @returns length - pos
   */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /**
   * Refuse a field.
   * @param field the offending field
   * @param problem what is wrong
   * @returns never
   * @throws the error of the hook, always
   */
  fail(field: string, problem: string): never {
    throw this.onError(field, problem);
  }

  /**
   * Check that n more bytes are present.
   * @param n bytes about to be read
   * @param field the field they belong to
   * @throws the hook's error ("truncated") when fewer are left
   */
  need(n: number, field: string): void {
    const left = this.remaining;
    if (!(n <= left)) this.fail(field, `truncated: ${n} bytes needed at offset ${this.pos}, ${left} present (total length ${this.bytes.length})`);
  }

  /**
   * Read an unsigned byte.
   * @param field the field read
   * @returns the value
   * @throws the hook's error when the input ends
   */
  u8(field: string): number {
    this.need(1, field);
    return this.dv.getUint8(this.pos++);
  }

  /**
   * Read a little-endian u16.
   * @param field the field read
   * @returns the value
   * @throws the hook's error when the input ends
   */
  u16(field: string): number {
    this.need(2, field);
    const v = this.dv.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  /**
   * Read a little-endian u32.
   * @param field the field read
   * @returns the value
   * @throws the hook's error when the input ends
   */
  u32(field: string): number {
    this.need(4, field);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /**
   * Read a little-endian float64.
   * @param field the field read
   * @returns the value (any float64, NaN included: the caller validates it)
   * @throws the hook's error when the input ends
   */
  f64(field: string): number {
    this.need(8, field);
    const v = this.dv.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * A copy of the next n bytes: a plain Uint8Array that owns its memory, even
   * when the input is a view or a Node Buffer.
   * @param n how many (checked against the remaining input before allocating)
   * @param field the field read
   * @returns the copy
   * @throws the hook's error when fewer than n bytes are left
   */
  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /**
   * The next n bytes as a view of the input (no copy).
   * @param n how many
   * @param field the field read
   * @returns a subarray of the input
   * @throws the hook's error when fewer than n bytes are left
   */
  view(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * Check that a value read lies in [min, max].
   * @param field the field it was read from
   * @param v the value
   * @param min smallest admissible value
   * @param max largest admissible value
   * @returns v
   * @throws the hook's error ("v is out of range [min, max]") otherwise
   */
  inRange(field: string, v: number, min: number, max: number): number {
    if (!(v >= min && v <= max)) this.fail(field, `${v} is out of range [${min}, ${max}]`);
    return v;
  }

  /**
   * Check a count read from the input against its cap and against the bytes
   * left, before anything is allocated for it.
   * @param field the field it was read from
   * @param count the count
   * @param cap the largest count the format allows
   * @param bytesEach the fewest bytes each counted item takes in the rest of the input
   * @returns count
   * @throws the hook's error when the count exceeds the cap or cannot fit the input
   */
  count(field: string, count: number, cap: number, bytesEach: number): number {
    if (!(count <= cap)) this.fail(field, `${count} exceeds the limit of ${cap}`);
    if (count * bytesEach > this.remaining) {
      this.fail(field, `${count} items need at least ${count * bytesEach} bytes at offset ${this.pos}, ${this.remaining} present (truncated or lying)`);
    }
    return count;
  }

  /**
   * The input must be exactly `total` bytes long (checked before anything is
   * allocated from sizes read out of the input).
   * @param total the length the fields read so far imply
   * @param what the object those fields describe, for the message
   * @throws the hook's error (field "length") otherwise
   */
  expectLength(total: number, what: string): void {
    const n = this.bytes.length;
    if (n !== total) this.fail('length', `${what} takes exactly ${total} bytes, the input has ${n} (${n < total ? 'truncated' : 'trailing bytes'})`);
  }

  /**
   * The input length must be one of a set of sizes, decided before any field
   * that the sizes depend on is read: an input of a length no object of the
   * kind can have (another object relabelled, say) is refused without reading
   * its bytes.
   * @param sizes every admissible total length (or the few nearest the input's)
   * @param what the kind of object, for the message, e.g. "ciphertext under these parameters"
   * @throws the hook's error (field "length", naming the nearest admissible size) otherwise
   */
  expectLengthAmong(sizes: Iterable<number>, what: string): void {
    const n = this.bytes.length;
    let nearest = -1;
    for (const s of sizes) {
      if (s === n) return;
      if (nearest < 0 || Math.abs(s - n) < Math.abs(nearest - n)) nearest = s;
    }
    if (nearest < 0) this.fail('length', `no ${what} exists`);
    this.fail('length', `no ${what} takes ${n} bytes; the nearest size is ${nearest} (${n < nearest ? 'truncated' : 'trailing bytes'})`);
  }
}

/** Fixed-size little-endian writer: the size is computed first, then every field is written once. */
export class Writer {
  /** The output. */
  readonly buf: Uint8Array;
  /** Offset of the next write. */
  pos = 0;
  private readonly view: DataView;

  /**
   * @param total the exact size of the output
   * @param onError builds the error thrown when `total` bytes cannot be allocated
   * @throws the hook's error when the allocation fails (a size beyond what the platform allows)
   */
  constructor(total: number, onError: (problem: string) => Error) {
    let buf: Uint8Array;
    try {
      buf = new Uint8Array(total);
    } catch {
      throw onError(`cannot allocate ${total} bytes for the output`);
    }
    this.buf = buf;
    this.view = new DataView(buf.buffer);
  }

  /**
   * Write an unsigned byte.
   * @param v value in [0, 255]
   * @throws RangeError past the end of the output (a bug: the size was computed wrong)
   */
  u8(v: number): void {
    this.view.setUint8(this.pos++, v);
  }

  /**
   * Write a little-endian u16.
   * @param v value in [0, 65535]
   * @throws RangeError past the end of the output (a bug: the size was computed wrong)
   */
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  /**
   * Write a little-endian u32.
   * @param v value in [0, 2^32)
   * @throws RangeError past the end of the output (a bug: the size was computed wrong)
   */
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /**
   * Write a little-endian float64.
   * @param v any number
   * @throws RangeError past the end of the output (a bug: the size was computed wrong)
   */
  f64(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Write a byte string.
   * @param b the bytes
   * @throws RangeError past the end of the output (a bug: the size was computed wrong)
   */
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /**
   * Reserve the next n bytes, for a caller that fills them in place.
   * @param n how many
   * @returns the offset of the first reserved byte
   * @throws nothing (done() detects a reservation past the end)
   */
  reserve(n: number): number {
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /**
   * The output, once every byte has been written.
   * @returns the buffer
   * @throws Error (a bug, not an input error) if the writes did not fill it exactly
   */
  done(): Uint8Array {
    if (this.pos !== this.buf.length) throw new Error(`Writer: internal size mismatch, wrote ${this.pos} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/**
 * Lower-case hex of a byte string.
 * @param b the bytes
 * @returns two hex digits per byte
 * @throws nothing
 */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/**
 * The bytes of a hex string.
 * @param hex an even number of hex digits (either case)
 * @returns one byte per two digits
 * @throws ArgumentRangeError if the string is not hex of whole bytes
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new ArgumentRangeError('fromHex', `expected an even number of hex digits, got a string of length ${typeof hex === 'string' ? hex.length : 'none'}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Whether two byte strings are equal, in time that depends on their length
 * only (for key ids and digests).
 * @param a first
 * @param b second
 * @returns true when lengths and bytes agree
 * @throws nothing
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * A noun with its indefinite article, for messages naming an object or file
 * kind: "a ciphertext", "an upload"; a plural such as "parameters" or
 * "evaluation keys" (ending in s) stays bare.
 * @param noun the kind's name
 * @returns the noun with "a " or "an " in front, or the plural as it is
 * @throws nothing
 */
export function article(noun: string): string {
  if (noun.endsWith('s')) return noun;
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}
