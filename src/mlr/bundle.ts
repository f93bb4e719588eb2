/**
 * Files of the owner / server protocol of encrypted training: the owner's
 * secret-key file, the server's evaluation-key file, the upload and the
 * server's checkpoint. Pure `Uint8Array` in and out (no `node:` imports),
 * built on the object format of src/ckks/serialize.ts.
 *
 * Container (little-endian):
 *
 * | offset      | size    | field                                                       |
 * |------------:|--------:|-------------------------------------------------------------|
 * |           0 |       4 | magic `HECM` (48 45 43 4d)                                  |
 * |           4 |       2 | container version, u16 ({@link BUNDLE_VERSION})             |
 * |           6 |       1 | kind, u8 ({@link BundleKind})                               |
 * |           7 |       1 | flags, u8 (0)                                               |
 * |           8 |       4 | section count c, u32                                        |
 * |          12 |      4c | section lengths, u32 each                                   |
 * |     12 + 4c |     sum | the sections, in order, back to back                        |
 *
 * The section lengths must add up to exactly the bytes present. Section 0 is
 * the parameters (serializeParameters), section 1 the kind's fixed-size
 * metadata, and the rest are objects of src/ckks/serialize.ts:
 *
 * - secret-key file (1): meta = key id (16 bytes), part width u32; then the secret key.
 * - evaluation-key file (2): meta = key id, part width u32; then the evaluation keys
 *   (relinearization and the Galois keys of the training plan: no secret).
 * - upload (3): meta = key id, n u32, d u32, K u32, part width u32, |X| u32, |Xt| u32,
 *   |Y| u32; then the X, Xt and Y ciphertexts and W0 (seeded when fresh).
 * - checkpoint (4): meta = key id, upload digest (32 bytes), n, d, K, part width,
 *   iteration, refreshes, maxIterations (u32 each), needsRefresh u8; then the W
 *   ciphertexts (pair by pair, part by part), then V the same way.
 *
 * The key id (16 random bytes drawn at key generation) ties the files of one
 * key together, so that an upload or checkpoint of another key is refused
 * with a clear message instead of decrypting to noise. The upload digest
 * (SHAKE256 of the upload file) ties a checkpoint to its upload.
 *
 * Loaders check the magic, version, kind, flags, section table and metadata
 * (shapes against the layout the parameters give, counts against the
 * section count) before loading any object, never allocate more than the
 * input holds, and throw only {@link CkksError}s: {@link BundleError} (code
 * `MALFORMED_DATA`) for the container and its metadata, and the errors of
 * src/ckks/serialize.ts for the embedded objects (SerializationError,
 * ParametersMismatchError, InsecureParametersError).
 *
 * @module
 */

import { shake256 } from '@noble/hashes/sha3';
import {
  Ciphertext,
  CkksError,
  EvaluationKeys,
  INSECURE_OPT_IN,
  type Parameters,
  SecretKey,
  deserializeCiphertext,
  deserializeEvaluationKeys,
  deserializeParameters,
  deserializeSecretKey,
  serializeCiphertext,
  serializeEvaluationKeys,
  serializeParameters,
  serializeSecretKey,
} from '../ckks/index.js';
import { type EncryptedWeights, type ProblemShape, type Upload, trainingLayout } from './encrypted.js';

/** Container version written, and the only one read. */
export const BUNDLE_VERSION = 1;

/** Bytes of a key id. */
export const KEY_ID_BYTES = 16;

/** Bytes of an upload digest. */
export const DIGEST_BYTES = 32;

/** The magic 'HECM'. */
const MAGIC = [0x48, 0x45, 0x43, 0x4d] as const;

/** Kinds of bundle. */
export const BundleKind = Object.freeze({
  SecretKey: 1,
  EvaluationKeys: 2,
  Upload: 3,
  Checkpoint: 4,
} as const);

/** One of the {@link BundleKind} codes. */
export type BundleKindCode = (typeof BundleKind)[keyof typeof BundleKind];

const KIND_NAMES = ['', 'secret-key file', 'evaluation-key file', 'upload', 'checkpoint'] as const;

/** Largest section count any kind can declare (bounds the section table before it is read). */
const MAX_SECTIONS = 1 << 20;

/** A malformed bundle: names the loader, the bundle kind, the field and the problem. */
export class BundleError extends CkksError {
  /** The bundle kind being read, e.g. "upload". */
  readonly kind: string;
  /** The offending field, e.g. "section 3" or "n". */
  readonly field: string;
  /**
   * @param op the loader
   * @param kind the bundle kind being read
   * @param field the offending field
   * @param problem what is wrong
   */
  constructor(op: string, kind: string, field: string, problem: string) {
    super('MALFORMED_DATA', op, `${kind}, field ${field}: ${problem}`);
    this.name = 'BundleError';
    this.kind = kind;
    this.field = field;
  }
}

/** Options of the loaders. */
export interface BundleLoadOptions {
  /** Accept parameters above the security bound (test parameters): must be exactly INSECURE_OPT_IN. */
  unsafeAllowInsecure?: typeof INSECURE_OPT_IN;
}

/** The training plan a key was made for: its id and the part width its rotation keys serve. */
export interface KeyPlan {
  /** 16 random bytes naming the key. */
  keyId: Uint8Array;
  /** Part width of the layout (the rotation keys depend on it and on the slot count only). */
  width: number;
}

/** A server's state between processes. */
export interface Checkpoint {
  /** Id of the key the weights are encrypted under. */
  keyId: Uint8Array;
  /** SHAKE256 digest of the upload file the run trains on ({@link bundleDigest}). */
  uploadDigest: Uint8Array;
  /** Problem shape (as in the upload). */
  shape: ProblemShape;
  /** Part width (as in the upload). */
  width: number;
  /** Iterations completed. */
  iteration: number;
  /** Refresh round trips so far. */
  refreshes: number;
  /** Length of the NAG schedule of the run. */
  maxIterations: number;
  /** The levels ran out: the owner must refresh the weights before the next iteration. */
  needsRefresh: boolean;
  /** W and V, per pair of classes, per part. */
  weights: EncryptedWeights;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function argError(op: string, detail: string): never {
  throw new CkksError('INVALID_ARGUMENT', op, detail);
}

/** Run a loader; anything that is not a CkksError (a bug) becomes a BundleError. */
function guard<T>(op: string, kind: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CkksError) throw e;
    const err = e as Error;
    throw new BundleError(op, kind, '(internal)', `unexpected ${err?.name ?? 'exception'}: ${err?.message ?? String(e)}`);
  }
}

/**
 * SHAKE256 digest (32 bytes) of a file's bytes, to tie a checkpoint to its upload.
 * @param bytes the file
 * @returns 32 bytes
 * @throws CkksError (INVALID_ARGUMENT) if bytes is not a Uint8Array
 */
export function bundleDigest(bytes: Uint8Array): Uint8Array {
  if (!(bytes instanceof Uint8Array)) argError('bundleDigest', 'bytes must be a Uint8Array');
  return shake256.create({ dkLen: DIGEST_BYTES }).update(bytes).digest();
}

function hex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += b[i].toString(16).padStart(2, '0');
  return s;
}

/**
 * A key id as hex, for messages.
 * @param id the key id
 * @returns 32 hex digits
 */
export function keyIdHex(id: Uint8Array): string {
  return hex(id);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

/**
 * Whether two key ids (or digests) are equal.
 * @param a first
 * @param b second
 * @returns true when the bytes agree
 */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/** Fixed-size little-endian metadata writer. */
class MetaWriter {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }
  raw(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  u8(v: number): void {
    this.view.setUint8(this.pos++, v);
  }
}

/** Fixed-size metadata reader (the section length has been checked). */
class MetaReader {
  private readonly view: DataView;
  private pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (field: string, problem: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** A copy of the next n bytes (a plain Uint8Array: a Node Buffer's slice() would be a view). */
  raw(n: number): Uint8Array {
    const out = new Uint8Array(n);
    out.set(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  u32(field: string, min: number, max: number): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    if (v < min || v > max) this.fail(field, `${v} is out of range [${min}, ${max}]`);
    return v;
  }
  u8(field: string, max: number): number {
    const v = this.view.getUint8(this.pos++);
    if (v > max) this.fail(field, `${v} is out of range [0, ${max}]`);
    return v;
  }
}

function pack(kind: BundleKindCode, sections: Uint8Array[]): Uint8Array {
  const head = 12 + 4 * sections.length;
  let total = head;
  for (const s of sections) total += s.length;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setUint16(4, BUNDLE_VERSION, true);
  v.setUint8(6, kind);
  v.setUint8(7, 0);
  v.setUint32(8, sections.length, true);
  let pos = head;
  sections.forEach((s, i) => {
    v.setUint32(12 + 4 * i, s.length, true);
    out.set(s, pos);
    pos += s.length;
  });
  return out;
}

/** The parsed container: its sections as views of the input. */
interface Opened {
  kind: BundleKindCode;
  sections: Uint8Array[];
  fail: (field: string, problem: string) => never;
}

function parseContainer(op: string, bytes: Uint8Array, expected: BundleKindCode | undefined): Opened {
  const want = expected === undefined ? 'bundle' : KIND_NAMES[expected];
  const failAs =
    (name: string) =>
    (field: string, problem: string): never => {
      throw new BundleError(op, name, field, problem);
    };
  let fail = failAs(want);
  if (!(bytes instanceof Uint8Array)) argError(op, `bytes must be a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 12) fail('header', `truncated: the header takes 12 bytes, the input has ${bytes.length}`);
  if (bytes[0] === 0x48 && bytes[1] === 0x45 && bytes[2] === 0x43 && bytes[3] === 0x4b) {
    fail('magic', bytes[6] === 7 ? 'this is a bare secret key (a HECK object of type 7), not a bundle; secret keys are refused here' : 'this is a bare HECK object (src/ckks/serialize.ts), not a HECM bundle');
  }
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) fail('magic', 'expected "HECM" (48 45 43 4d)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(4, true);
  if (version !== BUNDLE_VERSION) fail('version', `unsupported container version ${version} (this library reads ${BUNDLE_VERSION})`);
  const kind = view.getUint8(6);
  if (kind < 1 || kind >= KIND_NAMES.length) fail('kind', `unknown bundle kind ${kind}`);
  if (expected !== undefined && kind !== expected) {
    if (kind === BundleKind.SecretKey) fail('kind', `the file is a secret-key file; it is refused here (only the data owner reads it), expected ${article(want)}`);
    fail('kind', `the file is ${article(KIND_NAMES[kind])}, expected ${article(want)}`);
  }
  fail = failAs(KIND_NAMES[kind]);
  const flags = view.getUint8(7);
  if (flags !== 0) fail('flags', `unknown flags 0x${flags.toString(16).padStart(2, '0')}`);
  const count = view.getUint32(8, true);
  if (count < 2) fail('section count', `${count} sections; every bundle has at least the parameters and the metadata`);
  if (count > MAX_SECTIONS || 12 + 4 * count > bytes.length) {
    fail('section count', `${count} sections need a ${12 + 4 * count}-byte table, the input has ${bytes.length} bytes`);
  }
  let pos = 12 + 4 * count;
  const sections: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(12 + 4 * i, true);
    if (len > bytes.length - pos) fail(`section ${i} length`, `${len} bytes declared at offset ${pos}, ${bytes.length - pos} left (truncated or lying)`);
    sections.push(bytes.subarray(pos, pos + len));
    pos += len;
  }
  if (pos !== bytes.length) fail('length', `${bytes.length - pos} trailing bytes after the last section`);
  return { kind: kind as BundleKindCode, sections, fail };
}

function article(name: string): string {
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

/**
 * The kind of a bundle, from its header only (magic, version, kind), e.g. for a
 * server to refuse a secret-key file before reading anything else.
 * @param bytes a file's bytes
 * @returns the kind code and its name
 * @throws BundleError if the header is not a bundle header
 */
export function readBundleKind(bytes: Uint8Array): { kind: BundleKindCode; name: string } {
  const op = 'readBundleKind';
  return guard(op, 'bundle', () => {
    const o = parseContainer(op, bytes, undefined);
    return { kind: o.kind, name: KIND_NAMES[o.kind] };
  });
}

function loadParams(o: Opened, opts: BundleLoadOptions): Parameters {
  if (typeof opts !== 'object' || opts === null) o.fail('options', 'opts must be an object');
  return deserializeParameters(o.sections[0], opts.unsafeAllowInsecure === undefined ? {} : { unsafeAllowInsecure: opts.unsafeAllowInsecure });
}

function checkExactSections(o: Opened, n: number, what: string): void {
  if (o.sections.length !== n) o.fail('section count', `${o.sections.length} sections, expected ${n} (${what})`);
}

function checkMetaLength(o: Opened, n: number): void {
  if (o.sections[1].length !== n) o.fail('metadata', `${o.sections[1].length} bytes, expected ${n}`);
}

function checkPlan(op: string, params: Parameters, plan: KeyPlan): void {
  if (!(plan.keyId instanceof Uint8Array) || plan.keyId.length !== KEY_ID_BYTES) argError(op, `keyId must be ${KEY_ID_BYTES} bytes`);
  checkWidth(op, params, plan.width);
}

function checkWidth(op: string, params: Parameters, width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > params.slots || (width & (width - 1)) !== 0) argError(op, `width must be a power of two in [1, ${params.slots}], got ${String(width)}`);
}

function readPlan(o: Opened, params: Parameters): KeyPlan {
  checkMetaLength(o, KEY_ID_BYTES + 4);
  const m = new MetaReader(o.sections[1], o.fail);
  const keyId = m.raw(KEY_ID_BYTES);
  const width = m.u32('width', 1, params.slots);
  if ((width & (width - 1)) !== 0) o.fail('width', `${width} is not a power of two`);
  return { keyId, width };
}

function planMeta(plan: KeyPlan): Uint8Array {
  const m = new MetaWriter(KEY_ID_BYTES + 4);
  m.raw(plan.keyId);
  m.u32(plan.width);
  return m.buf;
}

// ---------------------------------------------------------------------------
// Secret-key file
// ---------------------------------------------------------------------------

/**
 * The owner's secret-key file: parameters, the key plan and the secret key IN
 * CLEAR. Keep it in the owner's protected storage; wipe the returned bytes
 * once written (`bytes.fill(0)`).
 * @param params parameters
 * @param sk the secret key
 * @param plan key id and part width
 * @returns the file's bytes
 * @throws CkksError on a wiped key, a bad plan or other parameters
 */
export function encodeSecretKeyFile(params: Parameters, sk: SecretKey, plan: KeyPlan): Uint8Array {
  const op = 'encodeSecretKeyFile';
  checkPlan(op, params, plan);
  const skb = serializeSecretKey(params, sk);
  const out = pack(BundleKind.SecretKey, [serializeParameters(params), planMeta(plan), skb]);
  skb.fill(0);
  return out;
}

/**
 * Load a secret-key file.
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters, secret key and plan
 * @throws BundleError / SerializationError / InsecureParametersError (see the module documentation)
 */
export function decodeSecretKeyFile(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; sk: SecretKey; plan: KeyPlan } {
  const op = 'decodeSecretKeyFile';
  return guard(op, KIND_NAMES[BundleKind.SecretKey], () => {
    const o = parseContainer(op, bytes, BundleKind.SecretKey);
    checkExactSections(o, 3, 'parameters, metadata, secret key');
    const params = loadParams(o, opts);
    const plan = readPlan(o, params);
    const sk = deserializeSecretKey(params, o.sections[2]);
    return { params, sk, plan };
  });
}

// ---------------------------------------------------------------------------
// Evaluation-key file
// ---------------------------------------------------------------------------

/**
 * The server's key file: parameters, the key plan and the evaluation keys (no secret).
 * @param params parameters
 * @param keys relinearization and Galois keys
 * @param plan key id and part width
 * @returns the file's bytes (keys in seeded form)
 * @throws CkksError on a bad plan or other parameters
 */
export function encodeEvaluationKeysFile(params: Parameters, keys: EvaluationKeys, plan: KeyPlan): Uint8Array {
  const op = 'encodeEvaluationKeysFile';
  checkPlan(op, params, plan);
  if (!(keys instanceof EvaluationKeys)) argError(op, 'expected EvaluationKeys');
  return pack(BundleKind.EvaluationKeys, [serializeParameters(params), planMeta(plan), serializeEvaluationKeys(params, keys)]);
}

/**
 * Load an evaluation-key file. A secret-key file is refused (BundleError, field kind).
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters, keys and plan
 * @throws BundleError / SerializationError / InsecureParametersError (see the module documentation)
 */
export function decodeEvaluationKeysFile(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; keys: EvaluationKeys; plan: KeyPlan } {
  const op = 'decodeEvaluationKeysFile';
  return guard(op, KIND_NAMES[BundleKind.EvaluationKeys], () => {
    const o = parseContainer(op, bytes, BundleKind.EvaluationKeys);
    checkExactSections(o, 3, 'parameters, metadata, evaluation keys');
    const params = loadParams(o, opts);
    const plan = readPlan(o, params);
    const keys = deserializeEvaluationKeys(params, o.sections[2]);
    return { params, keys, plan };
  });
}

// ---------------------------------------------------------------------------
// Ciphertexts
// ---------------------------------------------------------------------------

/** A ciphertext, seeded when it is a fresh symmetric encryption (half the size), else full. */
function ctBytes(params: Parameters, ct: Ciphertext): Uint8Array {
  if (!(ct instanceof Ciphertext)) argError('encode', 'expected a Ciphertext');
  if (ct.seed !== undefined && ct.degree === 1) {
    try {
      return serializeCiphertext(params, ct, { seeded: true });
    } catch (e) {
      if (!(e instanceof CkksError) || e.code !== 'INVALID_ARGUMENT') throw e;
      // the seed no longer generates c1: store it in full
    }
  }
  return serializeCiphertext(params, ct);
}

/** Size of a ciphertext section stored in full: a seeded one (24 + 15 + 32 + p bytes) takes 24 + 15 + 2p in full. */
function fullSize(section: Uint8Array): number {
  const seeded = section.length > 7 && (section[7] & 1) === 1;
  return seeded ? 2 * section.length - 103 : section.length;
}

function ctLoad(o: Opened, params: Parameters, i: number): Ciphertext {
  return deserializeCiphertext(params, o.sections[i]);
}

// ---------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------

const UPLOAD_META = KEY_ID_BYTES + 7 * 4;

function checkShape(op: string, shape: ProblemShape): void {
  for (const k of ['n', 'd', 'K'] as const) {
    const v = shape?.[k];
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31) argError(op, `shape.${k} must be a positive integer, got ${String(v)}`);
  }
}

/**
 * The upload: parameters, key id, shape and width, then X, X~, Y and W0.
 * @param params parameters
 * @param upload the owner's upload
 * @param keyId id of the key it is encrypted under
 * @returns the file's bytes, and its size with every ciphertext stored in full (for comparison)
 * @throws CkksError on a bad upload or other parameters
 */
export function encodeUpload(params: Parameters, upload: Upload, keyId: Uint8Array): { bytes: Uint8Array; fullBytes: number } {
  const op = 'encodeUpload';
  if (!(keyId instanceof Uint8Array) || keyId.length !== KEY_ID_BYTES) argError(op, `keyId must be ${KEY_ID_BYTES} bytes`);
  checkShape(op, upload.shape);
  checkWidth(op, params, upload.width);
  const m = new MetaWriter(UPLOAD_META);
  m.raw(keyId);
  m.u32(upload.shape.n);
  m.u32(upload.shape.d);
  m.u32(upload.shape.K);
  m.u32(upload.width);
  m.u32(upload.X.length);
  m.u32(upload.Xt.length);
  m.u32(upload.Y.length);
  const cts = [...upload.X, ...upload.Xt, ...upload.Y, upload.W0].map((c) => ctBytes(params, c));
  const bytes = pack(BundleKind.Upload, [serializeParameters(params), m.buf, ...cts]);
  return { bytes, fullBytes: bytes.length + cts.reduce((s, c) => s + fullSize(c) - c.length, 0) };
}

function readShape(o: Opened, m: MetaReader, params: Parameters): { shape: ProblemShape; width: number } {
  const n = m.u32('n', 1, 2 ** 31);
  const d = m.u32('d', 1, 2 ** 31);
  const K = m.u32('K', 1, params.slots);
  const width = m.u32('width', 1, params.slots);
  if ((width & (width - 1)) !== 0) o.fail('width', `${width} is not a power of two`);
  if (K > width) o.fail('K', `${K} classes do not fit rows of width ${width}`);
  return { shape: { n, d, K }, width };
}

function layoutOf(o: Opened, params: Parameters, shape: ProblemShape, width: number): { ciphertexts: number; teams: number; parts: number } {
  try {
    const L = trainingLayout(params, shape, width);
    return { ciphertexts: L.ciphertexts, teams: L.teams, parts: L.parts };
  } catch (e) {
    return o.fail('shape', `no layout for ${shape.n} x ${shape.d}, ${shape.K} classes, width ${width}: ${(e as Error).message}`);
  }
}

/**
 * Load an upload.
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters, the upload and the key id
 * @throws BundleError / SerializationError / ParametersMismatchError / InsecureParametersError (see the module documentation)
 */
export function decodeUpload(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; upload: Upload; keyId: Uint8Array } {
  const op = 'decodeUpload';
  return guard(op, KIND_NAMES[BundleKind.Upload], () => {
    const o = parseContainer(op, bytes, BundleKind.Upload);
    const params = loadParams(o, opts);
    checkMetaLength(o, UPLOAD_META);
    const m = new MetaReader(o.sections[1], o.fail);
    const keyId = m.raw(KEY_ID_BYTES);
    const { shape, width } = readShape(o, m, params);
    const nX = m.u32('X count', 0, MAX_SECTIONS);
    const nXt = m.u32('Xt count', 0, MAX_SECTIONS);
    const nY = m.u32('Y count', 0, MAX_SECTIONS);
    checkExactSections(o, 2 + nX + nXt + nY + 1, `parameters, metadata, ${nX} + ${nXt} + ${nY} ciphertexts and W0`);
    const L = layoutOf(o, params, shape, width);
    if (nX !== L.ciphertexts) o.fail('X count', `${nX}, the layout needs ${L.ciphertexts}`);
    if (nXt !== L.ciphertexts) o.fail('Xt count', `${nXt}, the layout needs ${L.ciphertexts}`);
    if (nY !== L.teams) o.fail('Y count', `${nY}, the layout needs ${L.teams}`);
    let i = 2;
    const take = (k: number): Ciphertext[] => Array.from({ length: k }, () => ctLoad(o, params, i++));
    const X = take(nX);
    const Xt = take(nXt);
    const Y = take(nY);
    const W0 = ctLoad(o, params, i);
    return { params, keyId, upload: { shape, width, X, Xt, Y, W0 } };
  });
}

// ---------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------

const CHECKPOINT_META = KEY_ID_BYTES + DIGEST_BYTES + 7 * 4 + 1;

/**
 * The server's checkpoint: parameters, run metadata and the weights.
 * @param params parameters
 * @param cp the checkpoint
 * @returns the file's bytes
 * @throws CkksError on inconsistent fields or weights of other parameters
 */
export function encodeCheckpoint(params: Parameters, cp: Checkpoint): Uint8Array {
  const op = 'encodeCheckpoint';
  if (!(cp.keyId instanceof Uint8Array) || cp.keyId.length !== KEY_ID_BYTES) argError(op, `keyId must be ${KEY_ID_BYTES} bytes`);
  if (!(cp.uploadDigest instanceof Uint8Array) || cp.uploadDigest.length !== DIGEST_BYTES) argError(op, `uploadDigest must be ${DIGEST_BYTES} bytes`);
  checkShape(op, cp.shape);
  checkWidth(op, params, cp.width);
  for (const [k, v] of [['iteration', cp.iteration], ['refreshes', cp.refreshes], ['maxIterations', cp.maxIterations]] as const) {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 32) argError(op, `${k} must be an integer in [0, 2^32), got ${String(v)}`);
  }
  const L = trainingLayout(params, cp.shape, cp.width);
  const pairs = Math.ceil(cp.shape.K / 2);
  const ok = (w: readonly (readonly Ciphertext[])[]): boolean => Array.isArray(w) && w.length === pairs && w.every((p) => Array.isArray(p) && p.length === L.parts);
  if (!ok(cp.weights?.W) || !ok(cp.weights?.V)) argError(op, `W and V must hold ${pairs} pair(s) x ${L.parts} part(s)`);
  const m = new MetaWriter(CHECKPOINT_META);
  m.raw(cp.keyId);
  m.raw(cp.uploadDigest);
  m.u32(cp.shape.n);
  m.u32(cp.shape.d);
  m.u32(cp.shape.K);
  m.u32(cp.width);
  m.u32(cp.iteration);
  m.u32(cp.refreshes);
  m.u32(cp.maxIterations);
  m.u8(cp.needsRefresh ? 1 : 0);
  const cts = [...cp.weights.W.flat(), ...cp.weights.V.flat()].map((c) => ctBytes(params, c));
  return pack(BundleKind.Checkpoint, [serializeParameters(params), m.buf, ...cts]);
}

/**
 * Load a checkpoint.
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters and the checkpoint
 * @throws BundleError / SerializationError / ParametersMismatchError / InsecureParametersError (see the module documentation)
 */
export function decodeCheckpoint(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; checkpoint: Checkpoint } {
  const op = 'decodeCheckpoint';
  return guard(op, KIND_NAMES[BundleKind.Checkpoint], () => {
    const o = parseContainer(op, bytes, BundleKind.Checkpoint);
    const params = loadParams(o, opts);
    checkMetaLength(o, CHECKPOINT_META);
    const m = new MetaReader(o.sections[1], o.fail);
    const keyId = m.raw(KEY_ID_BYTES);
    const uploadDigest = m.raw(DIGEST_BYTES);
    const { shape, width } = readShape(o, m, params);
    const iteration = m.u32('iteration', 0, 2 ** 32 - 1);
    const refreshes = m.u32('refreshes', 0, 2 ** 32 - 1);
    const maxIterations = m.u32('maxIterations', 1, 2 ** 32 - 1);
    if (iteration > maxIterations) o.fail('iteration', `${iteration} exceeds maxIterations ${maxIterations}`);
    const needsRefresh = m.u8('needsRefresh', 1) === 1;
    const pairs = Math.ceil(shape.K / 2);
    // The shape is bounded by the section count before the layout is built.
    if (2 * pairs > o.sections.length) o.fail('K', `${shape.K} classes need ${2 * pairs} or more weight ciphertexts, the file has ${o.sections.length - 2}`);
    const L = layoutOf(o, params, shape, width);
    checkExactSections(o, 2 + 2 * pairs * L.parts, `parameters, metadata and W, V of ${pairs} pair(s) x ${L.parts} part(s)`);
    let i = 2;
    const grid = (): Ciphertext[][] => Array.from({ length: pairs }, () => Array.from({ length: L.parts }, () => ctLoad(o, params, i++)));
    const W = grid();
    const V = grid();
    return { params, checkpoint: { keyId, uploadDigest, shape, width, iteration, refreshes, maxIterations, needsRefresh, weights: { W, V } } };
  });
}
