/**
 * The container of every serialized scheme object: a 24-byte header,
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `HECK` (48 45 43 4b)                                   |
 * |      4 |    2 | format version, u16 (1)                                      |
 * |      6 |    1 | object type, u8 ({@link SerializedType})                     |
 * |      7 |    1 | flags, u8: bit 0 = seeded ({@link FLAG_SEEDED}), bit 1 = level groups ({@link FLAG_LEVEL_GROUPS}), bit 2 = key levels ({@link FLAG_KEY_LEVELS}), others 0 |
 * |      8 |   16 | parameter fingerprint (the raw bytes of `params.fingerprint`)|
 *
 * then the object's body (one codec per object type, in the sibling modules).
 * This module holds the format constants, {@link SerializationError}, the
 * header codec and the argument checks the codecs share. See
 * src/ckks/serialize/index.ts for the whole format.
 *
 * @module
 */

import { Reader, Writer, article, fromHex, toHex } from '../../core/codec.js';
import { RnsPoly } from '../../ntt/index.js';
import { checkFingerprint } from '../../rlwe/index.js';
import { CkksError, ParametersMismatchError } from '../errors.js';
import type { Parameters } from '../params.js';

/** Format version written, and the only one read. */
export const SERIALIZATION_VERSION = 1;

/** Size of the common header in bytes. */
export const HEADER_BYTES = 24;

/** Header flag: the object is stored in seeded (compressed) form. */
export const FLAG_SEEDED = 0x01;

/**
 * Header flag of parameters only: the chain groups its primes into
 * high-precision levels (`levelPrimes`), stored after the primes.
 */
export const FLAG_LEVEL_GROUPS = 0x02;

/**
 * Header flag of switching keys and evaluation keys only: the object carries
 * the level each key is restricted to (SwitchingKey.level). Written only when
 * some key is restricted below the top, so full keys keep the older layout.
 */
export const FLAG_KEY_LEVELS = 0x04;

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

/** Names of the object types, by code (index 0 unused). */
export const TYPE_NAMES: readonly string[] = ['', 'parameters', 'plaintext', 'ciphertext', 'public key', 'switching key', 'evaluation keys', 'secret key'];

/** Types that may carry the seeded flag. */
const SEEDABLE: ReadonlySet<number> = new Set([SerializedType.Ciphertext, SerializedType.PublicKey, SerializedType.SwitchingKey, SerializedType.EvaluationKeys]);

// ---------------------------------------------------------------------------
// Errors and argument checks
// ---------------------------------------------------------------------------

/**
 * Malformed input of a loader (code `MALFORMED_DATA`), naming the loader, what
 * was being read (an object type, a file kind), the field and the problem:
 * the base of {@link SerializationError} and of the protocol files' BundleError.
 */
export class MalformedDataError extends CkksError {
  /** The offending field, e.g. "level", "c0 limb 3" or "section 2 length". */
  readonly field: string;
  /**
   * @param op the loader
   * @param what what was being read, e.g. "ciphertext" or "upload"
   * @param field the offending field
   * @param problem what is wrong
   */
  constructor(op: string, what: string, field: string, problem: string) {
    super('MALFORMED_DATA', op, `${what}, field ${field}: ${problem}`);
    this.name = 'MalformedDataError';
    this.field = field;
  }
}

/** Malformed serialized data: names the operation, the object type, the field and the problem. */
export class SerializationError extends MalformedDataError {
  /** The object type being read, e.g. "ciphertext". */
  readonly objectType: string;
  /**
   * @param op the loader, e.g. "deserializeCiphertext"
   * @param objectType the object type being read
   * @param field the offending field
   * @param problem what is wrong
   */
  constructor(op: string, objectType: string, field: string, problem: string) {
    super(op, objectType, field, problem);
    this.name = 'SerializationError';
    this.objectType = objectType;
  }
}

/**
 * Field name that loaders once used when they converted an unexpected
 * exception into a SerializationError. No loader produces it any more (they
 * validate their input, and a genuine bug propagates unchanged); it is kept
 * so that code testing for it still compiles.
 */
export const INTERNAL_ERROR_FIELD = '(internal)';

/**
 * Throw the CkksError of a bad argument.
 * @param op the refusing operation
 * @param detail what was expected and what came
 * @returns never
 * @throws CkksError (INVALID_ARGUMENT), always
 */
export function argError(op: string, detail: string): never {
  throw new CkksError('INVALID_ARGUMENT', op, detail);
}

/**
 * Check that the input of a loader is a Uint8Array.
 * @param op the loader
 * @param bytes its input
 * @throws CkksError (INVALID_ARGUMENT) otherwise
 */
export function checkBytes(op: string, bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) argError(op, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
}

/**
 * Check that a value looks like parameters from createParameters.
 * @param op the refusing operation
 * @param params the value
 * @throws CkksError (INVALID_ARGUMENT) otherwise
 */
export function checkParams(op: string, params: Parameters): void {
  if (typeof params !== 'object' || params === null || typeof params.fingerprint !== 'string' || params.basisQP === undefined) {
    argError(op, 'params must be Parameters from createParameters');
  }
}

/**
 * Check that an object to serialize is an instance of its class.
 * @param op the serializer
 * @param obj the object
 * @param cls its expected class
 * @param name the class's name in messages, e.g. "ciphertext"
 * @throws CkksError (INVALID_ARGUMENT) otherwise
 */
export function checkInstance(op: string, obj: unknown, cls: abstract new (...args: never[]) => unknown, name: string): void {
  if (!(obj instanceof cls)) argError(op, `expected ${article(name)}`);
}

/**
 * Check the arguments of a serializer: parameters, the object's class and its fingerprint.
 * @param op the serializer
 * @param params the parameters given
 * @param obj the object
 * @param cls its expected class
 * @param name the class's name in messages, e.g. "ciphertext"
 * @throws CkksError (INVALID_ARGUMENT) on bad arguments; ParametersMismatchError on an object of other parameters
 */
export function checkObject(op: string, params: Parameters, obj: { fingerprint: string }, cls: abstract new (...args: never[]) => unknown, name: string): void {
  checkParams(op, params);
  checkInstance(op, obj, cls, name);
  checkFingerprint(op, params, obj, `the ${name}`);
}

/**
 * Check a polynomial of an object to serialize.
 * @param op the serializer
 * @param name the polynomial's name in messages
 * @param p the value
 * @param N the ring degree it must have
 * @param limbs the number of limbs it must have
 * @throws CkksError (INVALID_ARGUMENT) otherwise
 */
export function checkPoly(op: string, name: string, p: unknown, N: number, limbs: number): void {
  if (!(p instanceof RnsPoly) || p.N !== N || p.limbs !== limbs) {
    argError(op, `${name} must be an RnsPoly with N = ${N} and ${limbs} limbs`);
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

/**
 * A reader whose refusals are SerializationErrors of one loader and object type.
 * @param op the loader
 * @param what the object type read, e.g. "ciphertext"
 * @param bytes the input (a Uint8Array, checked by the caller)
 * @returns the reader, at offset 0
 * @throws nothing (a caller passes valid data)
 */
export function objectReader(op: string, what: string, bytes: Uint8Array): Reader {
  return new Reader(bytes, (field, problem) => new SerializationError(op, what, field, problem));
}

/**
 * Decode the header: magic, version, type (the expected one, if given),
 * flags. Messages carry header values only (a type or version number, flag
 * bits), never bytes of the body.
 * @param r reader at offset 0
 * @param what the object type read (for the type-mismatch message)
 * @param expected the type code the loader reads, or undefined to accept any known type
 * @returns the header; r is left at offset {@link HEADER_BYTES}
 * @throws SerializationError on a malformed header or another type
 */
export function parseHeader(r: Reader, what: string, expected: SerializedTypeCode | undefined): SerializedHeader {
  if (r.length < HEADER_BYTES) r.fail('header', `truncated: the header takes ${HEADER_BYTES} bytes, the input has ${r.length}`);
  for (let i = 0; i < 4; i++) {
    if (r.bytes[i] !== MAGIC[i]) r.fail('magic', `expected "HECK" (48 45 43 4b)${r.bytes[3] === 0x4d && i === 3 ? '; this is a HECM protocol file, not a HECK object' : ''}`);
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
  const knownFlags = FLAG_SEEDED | FLAG_LEVEL_GROUPS | FLAG_KEY_LEVELS;
  if ((flags & ~knownFlags) !== 0) r.fail('flags', `unknown flag bits 0x${(flags & ~knownFlags).toString(16).padStart(2, '0')}`);
  const seeded = (flags & FLAG_SEEDED) !== 0;
  if (seeded && !SEEDABLE.has(type)) r.fail('flags', `the seeded flag is not valid for ${article(TYPE_NAMES[type])}`);
  const levelGroups = (flags & FLAG_LEVEL_GROUPS) !== 0;
  if (levelGroups && type !== SerializedType.Parameters) r.fail('flags', `the level-groups flag is not valid for ${article(TYPE_NAMES[type])}`);
  const keyLevels = (flags & FLAG_KEY_LEVELS) !== 0;
  if (keyLevels && type !== SerializedType.SwitchingKey && type !== SerializedType.EvaluationKeys) r.fail('flags', `the key-levels flag is not valid for ${article(TYPE_NAMES[type])}`);
  const fingerprint = toHex(r.view(16, 'fingerprint'));
  return { version, type: type as SerializedTypeCode, typeName: TYPE_NAMES[type], seeded, fingerprint };
}

/**
 * Open an object of `type` made under `params`: check the arguments, the
 * header and the fingerprint. The caller checks the input length next,
 * before it reads any body field.
 * @param op the loader
 * @param bytes its input
 * @param type the object type it reads
 * @param params the parameters given to it
 * @returns the reader (at the body), the seeded flag and the key-levels flag
 * @throws CkksError (INVALID_ARGUMENT) on bad arguments; SerializationError on a malformed
 *   header; ParametersMismatchError on a fingerprint of other parameters
 */
export function openObject(op: string, bytes: Uint8Array, type: SerializedTypeCode, params: Parameters): { r: Reader; seeded: boolean; keyLevels: boolean } {
  checkParams(op, params);
  checkBytes(op, bytes);
  const what = TYPE_NAMES[type];
  const r = objectReader(op, what, bytes);
  const h = parseHeader(r, what, type);
  if (h.fingerprint !== params.fingerprint) {
    throw new ParametersMismatchError(op, `${what}, field fingerprint: the data was made under parameters ${h.fingerprint.slice(0, 8)}…, expected ${params.fingerprint.slice(0, 8)}…`);
  }
  return { r, seeded: h.seeded, keyLevels: (bytes[7] & FLAG_KEY_LEVELS) !== 0 }; // the flags byte, checked by parseHeader
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
  checkBytes(op, bytes);
  return parseHeader(objectReader(op, 'object', bytes), 'object', undefined);
}

/**
 * A writer of `total` bytes with the header already written.
 * @param op the serializer (named when the size cannot be allocated)
 * @param total the object's exact size, header included
 * @param type its type code
 * @param seeded whether to set the seeded flag
 * @param fingerprint the parameters' fingerprint (32 hex digits)
 * @param extraFlags further flag bits (e.g. {@link FLAG_LEVEL_GROUPS} for parameters; default none)
 * @returns the writer, at offset {@link HEADER_BYTES}
 * @throws CkksError (OUT_OF_RANGE) if `total` bytes cannot be allocated
 */
export function objectWriter(op: string, total: number, type: SerializedTypeCode, seeded: boolean, fingerprint: string, extraFlags = 0): Writer {
  const w = new Writer(total, (problem) => new CkksError('OUT_OF_RANGE', op, problem));
  w.bytes(Uint8Array.from(MAGIC));
  w.u16(SERIALIZATION_VERSION);
  w.u8(type);
  w.u8((seeded ? FLAG_SEEDED : 0) | extraFlags);
  w.bytes(fromHex(fingerprint));
  return w;
}
