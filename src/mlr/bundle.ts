/**
 * Files of the owner / server protocol of encrypted training: the owner's
 * secret-key file, the server's evaluation-key file, the upload and the
 * server's checkpoint. Pure `Uint8Array` in and out (no `node:` imports),
 * built on the object format of src/ckks/serialize/.
 *
 * Container (little-endian):
 *
 * | offset      | size    | field                                                       |
 * |------------:|--------:|-------------------------------------------------------------|
 * |           0 |       4 | magic `HECM` (48 45 43 4d)                                  |
 * |           4 |       2 | container version, u16 ({@link BUNDLE_VERSION})             |
 * |           6 |       1 | kind, u8 ({@link BundleKind})                               |
 * |           7 |       1 | flags, u8 (bit 0: signed, {@link FLAG_SIGNED}; others 0)    |
 * |           8 |       4 | section count c, u32                                        |
 * |          12 |      4c | section lengths, u32 each                                   |
 * |     12 + 4c |     sum | the sections, in order, back to back                        |
 * |         end | 32 (+96) | trailer: SHA-256 of all the bytes before it; when signed, the owner's Ed25519 public key and signature (src/mlr/bundle-auth.ts) |
 *
 * The section lengths must add up to exactly the bytes present before the
 * trailer. The trailer is checked before anything else in the file is read
 * (only the 8 header bytes come first): a file whose digest or signature
 * does not verify is refused with an {@link IntegrityError}, whatever its
 * sections hold. The digest and the signature cover the container, not
 * individual objects, so a new section needs no change to the signing code.
 * Section 0 is
 * the parameters (serializeParameters), section 1 the kind's fixed-size
 * metadata, and the rest are objects of src/ckks/serialize/:
 *
 * - secret-key file (1): meta = key id (16 bytes), part width u32, and optionally the owner's
 *   Ed25519 signing key (32 bytes, IN CLEAR like the secret key); then the secret key.
 * - evaluation-key file (2): meta = key id, part width u32; then the evaluation keys
 *   (relinearization and the Galois keys of the training plan: no secret).
 * - upload (3): meta = key id, n u32, d u32, K u32, part width u32, |X| u32, |Xt| u32,
 *   |Y| u32; then the X, Xt and Y ciphertexts and W0 (seeded when fresh).
 * - checkpoint (4): meta = key id, upload digest (32 bytes), n, d, K, part width,
 *   iteration, refreshes, maxIterations (u32 each), needsRefresh u8, then the session
 *   (u8 present; owner's public key 32, evaluation-key digest 32, evaluation-key
 *   signature 64, upload signature 64; zeros when absent); then the W ciphertexts
 *   (pair by pair, part by part), then V the same way.
 *
 * The key id (16 random bytes drawn at key generation) ties the files of one
 * key together, so that an upload or checkpoint of another key is refused
 * with a clear message instead of decrypting to noise. The upload digest
 * (the SHA-256 digest of the upload's trailer) ties a checkpoint to its upload,
 * and the session (the owner's signatures of the evaluation keys and of the
 * upload, copied by the server) lets the owner check, with its own signing
 * key, that a checkpoint comes from files it signed ({@link verifySession}).
 *
 * Loaders check the magic, version, kind, flags, section table and metadata
 * (shapes against the layout the parameters give, counts against the
 * section count) before loading any object, never allocate more than the
 * input holds (the codec of src/core/codec.ts checks every read), and throw
 * only {@link CkksError}s: {@link BundleError} (code `MALFORMED_DATA`) for the
 * container and its metadata, naming the field, and the errors of
 * src/ckks/serialize/ for the embedded objects (SerializationError,
 * ParametersMismatchError, InsecureParametersError); `INVALID_ARGUMENT` for
 * an input that is not a Uint8Array or options that are not an object. A
 * genuine bug (an exception outside the error family) propagates unchanged.
 * Messages carry header and metadata numbers only: the bytes of the embedded
 * objects (a secret key among them) never reach a message.
 *
 * @module
 */

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
import { MalformedDataError, argError, checkBytes } from '../ckks/serialize/container.js';
import { Reader, Writer, article, equalBytes, toHex } from '../core/codec.js';
import { HecnnError } from '../core/errors.js';
import {
  BUNDLE_DIGEST_BYTES,
  type BundleAuth,
  FLAG_SIGNED,
  SIGNATURE_BYTES,
  SIGNER_KEY_BYTES,
  type SignaturePolicy,
  checkSigningKey,
  openBundle,
  sealBundle,
  trailerBytes,
} from './bundle-auth.js';
import type { SessionBinding } from './checkpoint.js';
import { type EncryptedWeights, type ProblemShape, type Upload, trainingLayout } from './encrypted.js';
import { KEY_ID_BYTES, type KeyPlan, checkPlan, checkWidth, metaU32, planLayout, planMetaBytes, readPlanFields, readWidth, writePlan } from './bundle-plan.js';

export { KEY_ID_BYTES, type KeyPlan, type PlanBootstrap } from './bundle-plan.js';

/** Container version written, and the only one read (2: with the digest / signature trailer). */
export const BUNDLE_VERSION = 2;

/** Bytes of an upload digest (the SHA-256 bundle digest). */
export const DIGEST_BYTES = BUNDLE_DIGEST_BYTES;

/** The magic 'HECM'. */
const MAGIC = [0x48, 0x45, 0x43, 0x4d] as const;

/** Bytes of the container header before the section table. */
const HEAD_BYTES = 12;

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

/**
 * A malformed bundle: names the loader, the bundle kind (`kind`, e.g.
 * "upload"), the field (`field`, e.g. "section 3" or "n") and the problem.
 */
export class BundleError extends MalformedDataError {
  /**
   * @param op the loader
   * @param kind the bundle kind being read
   * @param field the offending field
   * @param problem what is wrong
   */
  constructor(
    op: string,
    readonly kind: string,
    field: string,
    problem: string,
  ) {
    super(op, kind, field, problem);
    this.name = 'BundleError';
  }
}

/**
 * A file whose digest or signature does not verify, or a checkpoint whose
 * session is not the owner's: `field` is "digest", "signature", "signer" or
 * "session". Code `MALFORMED_DATA`, like every {@link BundleError}.
 */
export class IntegrityError extends BundleError {
  /**
   * @param op the loader or check
   * @param kind the bundle kind
   * @param field digest, signature, signer or session
   * @param problem what did not verify
   */
  constructor(op: string, kind: string, field: string, problem: string) {
    super(op, kind, field, problem);
    this.name = 'IntegrityError';
  }
}

/** Fields refused with an {@link IntegrityError}. */
const INTEGRITY_FIELDS = new Set(['digest', 'signature', 'signer', 'session']);

/**
 * Options of the loaders: the insecure opt-in, and the signature required
 * ({@link SignaturePolicy}: `signer`, the owner's public key the file must be
 * signed by; `requireSignature`, any valid signature). The digest is always
 * checked; a signature present is always verified against the key it names.
 */
export interface BundleLoadOptions extends SignaturePolicy {
  /** Accept parameters above the security bound (test parameters): must be exactly INSECURE_OPT_IN. */
  unsafeAllowInsecure?: typeof INSECURE_OPT_IN;
}

/** A server's state between processes. */
export interface Checkpoint {
  /** Id of the key the weights are encrypted under. */
  keyId: Uint8Array;
  /** SHA-256 bundle digest of the upload file the run trains on ({@link bundleDigest}). */
  uploadDigest: Uint8Array;
  /** The owner's signatures of the session's files (absent for unsigned files). */
  session?: SessionBinding;
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

/**
 * The verified SHA-256 digest of a bundle (the one in its trailer, recomputed
 * and compared), e.g. to tie a checkpoint to its upload.
 * @param bytes the file
 * @returns 32 bytes
 * @throws CkksError (INVALID_ARGUMENT) if bytes is not a Uint8Array; BundleError if the header is not a
 *   bundle header; IntegrityError if the digest or a signature present does not verify
 */
export function bundleDigest(bytes: Uint8Array): Uint8Array {
  return parseContainer('bundleDigest', bytes, undefined, {}).auth.digest;
}

/**
 * A key id as hex, for messages.
 * @param id the key id
 * @returns 32 hex digits
 * @throws nothing
 */
export function keyIdHex(id: Uint8Array): string {
  return toHex(id);
}

/**
 * Whether two key ids (or digests) are equal.
 * @param a first
 * @param b second
 * @returns true when the bytes agree
 * @throws nothing
 */
export function sameId(a: Uint8Array, b: Uint8Array): boolean {
  return equalBytes(a, b);
}

/** A writer of a fixed-size section or file; its only refusal (an impossible size) is an OUT_OF_RANGE CkksError. */
function writer(op: string, size: number): Writer {
  return new Writer(size, (problem) => new CkksError('OUT_OF_RANGE', op, problem));
}

/** A reader whose refusals are BundleErrors of one loader and bundle kind. */
function reader(op: string, kind: string, bytes: Uint8Array): Reader {
  return new Reader(bytes, (field, problem) => new BundleError(op, kind, field, problem));
}

/**
 * The container of the sections, sealed with the digest of everything in it
 * and, given the owner's signing key, signed (src/mlr/bundle-auth.ts): generic
 * over the sections, whatever they hold.
 */
function pack(op: string, kind: BundleKindCode, sections: Uint8Array[], signingKey?: Uint8Array): Uint8Array {
  if (signingKey !== undefined) checkSigningKey(op, signingKey);
  const flags = signingKey === undefined ? 0 : FLAG_SIGNED;
  const tail = trailerBytes(flags);
  const w = writer(op, sections.reduce((n, s) => n + s.length, HEAD_BYTES + 4 * sections.length + tail));
  w.bytes(Uint8Array.from(MAGIC));
  w.u16(BUNDLE_VERSION);
  w.u8(kind);
  w.u8(flags);
  w.u32(sections.length);
  for (const s of sections) w.u32(s.length);
  for (const s of sections) w.bytes(s);
  w.reserve(tail);
  const file = w.done();
  sealBundle(file, kind, signingKey);
  return file;
}

/** The parsed container: its sections as views of the input. */
interface Opened {
  op: string;
  kind: BundleKindCode;
  sections: Uint8Array[];
  /** The verified digest (and signer and signature when signed). */
  auth: BundleAuth;
  /** Refuse a field of the bundle (a BundleError naming its kind). */
  fail: (field: string, problem: string) => never;
}

function parseContainer(op: string, bytes: Uint8Array, expected: BundleKindCode | undefined, policy: SignaturePolicy): Opened {
  checkBytes(op, bytes);
  const want = expected === undefined ? 'bundle' : KIND_NAMES[expected];
  let r = reader(op, want, bytes);
  if (r.length < HEAD_BYTES) r.fail('header', `truncated: the header takes ${HEAD_BYTES} bytes, the input has ${r.length}`);
  if (bytes[0] === 0x48 && bytes[1] === 0x45 && bytes[2] === 0x43 && bytes[3] === 0x4b) {
    r.fail('magic', bytes[6] === 7 ? 'this is a bare secret key (a HECK object of type 7), not a bundle; secret keys are refused here' : 'this is a bare HECK object (src/ckks/serialize/), not a HECM bundle');
  }
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) r.fail('magic', 'expected "HECM" (48 45 43 4d)');
  r.pos = 4;
  const version = r.u16('version');
  if (version === 1) r.fail('version', `container version 1 (a file without digest or signature, made by an older hecnn) is no longer read; make it again (this library reads version ${BUNDLE_VERSION})`);
  if (version !== BUNDLE_VERSION) r.fail('version', `unsupported container version ${version} (this library reads ${BUNDLE_VERSION})`);
  const kind = r.u8('kind');
  if (kind < 1 || kind >= KIND_NAMES.length) r.fail('kind', `unknown bundle kind ${kind}`);
  if (expected !== undefined && kind !== expected) {
    if (kind === BundleKind.SecretKey) r.fail('kind', `the file is a secret-key file; it is refused here (only the data owner reads it), expected ${article(want)}`);
    r.fail('kind', `the file is ${article(KIND_NAMES[kind])}, expected ${article(want)}`);
  }
  // From here on, errors name the kind the file declares.
  const pos = r.pos;
  r = reader(op, KIND_NAMES[kind], bytes);
  r.pos = pos;
  const flags = r.u8('flags');
  if ((flags & ~FLAG_SIGNED) !== 0) r.fail('flags', `unknown flags 0x${flags.toString(16).padStart(2, '0')}`);
  // The digest and signature are checked before anything else is read; the rest of the parse
  // sees the bytes before the trailer only.
  const kindName = KIND_NAMES[kind];
  const { auth, bodyLength } = openBundle(bytes, kind, checkPolicy(op, policy), (field, problem) => {
    throw INTEGRITY_FIELDS.has(field) ? new IntegrityError(op, kindName, field, problem) : new BundleError(op, kindName, field, problem);
  });
  const body = bytes.subarray(0, bodyLength);
  r = reader(op, kindName, body);
  r.pos = pos + 1;
  const count = r.u32('section count');
  if (count < 2) r.fail('section count', `${count} sections; every bundle has at least the parameters and the metadata`);
  r.count('section count', count, MAX_SECTIONS, 4);
  const lengths = Array.from({ length: count }, (_, i) => r.u32(`section ${i} length`));
  const sections = lengths.map((len, i) => {
    if (len > r.remaining) r.fail(`section ${i} length`, `${len} bytes declared at offset ${r.pos}, ${r.remaining} left (truncated or lying)`);
    return r.view(len, `section ${i}`);
  });
  if (r.remaining !== 0) r.fail('length', `${r.remaining} bytes between the last section and the trailer`);
  return { op, kind: kind as BundleKindCode, sections, auth, fail: (field, problem) => r.fail(field, problem) };
}

/** The signature policy of load options, checked. */
function checkPolicy(op: string, opts: SignaturePolicy): SignaturePolicy {
  if (typeof opts !== 'object' || opts === null) argError(op, 'opts must be an object');
  if (opts.signer !== undefined && (!(opts.signer instanceof Uint8Array) || opts.signer.length !== SIGNER_KEY_BYTES)) argError(op, `opts.signer must be a ${SIGNER_KEY_BYTES}-byte Ed25519 public key`);
  return { signer: opts.signer, requireSignature: opts.requireSignature === true };
}

/**
 * The kind of a bundle, from its header only (magic, version, kind), e.g. for a
 * server to refuse a secret-key file before reading anything else.
 * @param bytes a file's bytes
 * @returns the kind code and its name
 * @throws BundleError if the header is not a bundle header
 */
export function readBundleKind(bytes: Uint8Array): { kind: BundleKindCode; name: string } {
  checkBytes('readBundleKind', bytes);
  const r = reader('readBundleKind', 'bundle', bytes);
  if (r.length < 8) r.fail('header', `truncated: ${r.length} bytes`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) r.fail('magic', 'expected "HECM" (48 45 43 4d)');
  r.pos = 4;
  const version = r.u16('version');
  if (version !== BUNDLE_VERSION) r.fail('version', `unsupported container version ${version} (this library reads ${BUNDLE_VERSION})`);
  const kind = r.u8('kind');
  if (kind < 1 || kind >= KIND_NAMES.length) r.fail('kind', `unknown bundle kind ${kind}`);
  return { kind: kind as BundleKindCode, name: KIND_NAMES[kind] };
}

/** Load the parameters (section 0), with the loader's opt-in. */
function loadParams(o: Opened, opts: BundleLoadOptions): Parameters {
  if (typeof opts !== 'object' || opts === null) argError(o.op, 'opts must be an object');
  return deserializeParameters(o.sections[0], opts.unsafeAllowInsecure === undefined ? {} : { unsafeAllowInsecure: opts.unsafeAllowInsecure });
}

function checkExactSections(o: Opened, n: number, what: string): void {
  if (o.sections.length !== n) o.fail('section count', `${o.sections.length} sections, expected ${n} (${what})`);
}

/** A reader over the metadata (section 1), once its length is checked to be exactly n. */
function metaReader(o: Opened, n: number): Reader {
  if (o.sections[1].length !== n) o.fail('metadata', `${o.sections[1].length} bytes, expected ${n}`);
  return reader(o.op, KIND_NAMES[o.kind], o.sections[1]);
}

/**
 * Encode a key file: parameters, the plan and one serialized key object. The
 * secret-key file holds the signing key in its metadata and is not signed;
 * the evaluation-key file is signed with it (when the plan has one).
 */
function encodeKeyFile(op: string, params: Parameters, plan: KeyPlan, kind: BundleKindCode, key: (params: Parameters) => Uint8Array): Uint8Array {
  checkPlan(op, params, plan);
  const secret = kind === BundleKind.SecretKey;
  const keyBytes = key(params);
  const m = writer(op, planMetaBytes(plan, secret));
  writePlan(op, m, plan, secret);
  const meta = m.done();
  try {
    return pack(op, kind, [serializeParameters(params), meta, keyBytes], secret ? undefined : plan.signingKey);
  } finally {
    keyBytes.fill(0); // the secret key in clear, copied into the file
    if (secret) meta.fill(0); // the signing key, likewise
  }
}

/** Decode a key file: parameters, the plan and one key object, loaded by `load`. */
function decodeKeyFile<T>(op: string, bytes: Uint8Array, kind: BundleKindCode, opts: BundleLoadOptions, load: (params: Parameters, section: Uint8Array) => T): { params: Parameters; plan: KeyPlan; key: T; auth: BundleAuth } {
  const o = parseContainer(op, bytes, kind, opts);
  checkExactSections(o, 3, `parameters, metadata, ${kind === BundleKind.SecretKey ? 'secret key' : 'evaluation keys'}`);
  const params = loadParams(o, opts);
  // Lengths tell the optional parts apart (the signing key in the secret-key file, the bootstrapping record).
  const layout = planLayout(o.sections[1].length, o.kind === BundleKind.SecretKey);
  const plan = readPlanFields(metaReader(o, layout.bytes), params, layout);
  return { params, plan, key: load(params, o.sections[2]), auth: o.auth };
}

// ---------------------------------------------------------------------------
// Key files
// ---------------------------------------------------------------------------

/**
 * The owner's secret-key file: parameters, the key plan (with the owner's
 * Ed25519 signing key when it has one) and the secret key IN CLEAR. Keep it
 * in the owner's protected storage; wipe the returned bytes once written
 * (`bytes.fill(0)`). The file carries a digest (corruption is detected) but no
 * signature: it never leaves the owner.
 * @param params parameters
 * @param sk the secret key
 * @param plan key id, part width and signing key
 * @returns the file's bytes
 * @throws CkksError on a wiped key, a bad plan or other parameters
 */
export function encodeSecretKeyFile(params: Parameters, sk: SecretKey, plan: KeyPlan): Uint8Array {
  return encodeKeyFile('encodeSecretKeyFile', params, plan, BundleKind.SecretKey, () => serializeSecretKey(params, sk));
}

/**
 * Load a secret-key file (its digest checked first).
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters, secret key and plan (with the signing key when the file has one)
 * @throws IntegrityError / BundleError / SerializationError / InsecureParametersError (see the module documentation)
 */
export function decodeSecretKeyFile(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; sk: SecretKey; plan: KeyPlan } {
  const { params, plan, key } = decodeKeyFile('decodeSecretKeyFile', bytes, BundleKind.SecretKey, opts, deserializeSecretKey);
  return { params, sk: key, plan };
}

/**
 * The server's key file: parameters, the key plan and the evaluation keys (no
 * secret), signed with the plan's signing key when it has one: the owner's
 * public key travels in the file's trailer (src/mlr/bundle-auth.ts), and the
 * server checks the upload against it.
 * @param params parameters
 * @param keys relinearization and Galois keys
 * @param plan key id, part width and (optional) signing key
 * @returns the file's bytes (keys in seeded form)
 * @throws CkksError on a bad plan or other parameters
 */
export function encodeEvaluationKeysFile(params: Parameters, keys: EvaluationKeys, plan: KeyPlan): Uint8Array {
  const op = 'encodeEvaluationKeysFile';
  return encodeKeyFile(op, params, plan, BundleKind.EvaluationKeys, () => {
    if (!(keys instanceof EvaluationKeys)) argError(op, 'expected EvaluationKeys');
    return serializeEvaluationKeys(params, keys);
  });
}

/**
 * Load an evaluation-key file, its digest and signature verified first. A
 * secret-key file is refused (BundleError, field kind).
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters; `requireSignature` or `signer` to require the owner's signature;
 *   `shared` to load the keys onto SharedArrayBuffers (for worker threads, no copy later); `compact` to hold them
 *   compact (`deserializeEvaluationKeys`)
 * @returns parameters, keys, plan and the verified digest and signature (`auth.signer` is the owner's public key)
 * @throws IntegrityError / BundleError / SerializationError / InsecureParametersError (see the module documentation)
 */
export function decodeEvaluationKeysFile(bytes: Uint8Array, opts: BundleLoadOptions & { shared?: boolean; compact?: boolean } = {}): { params: Parameters; keys: EvaluationKeys; plan: KeyPlan; auth: BundleAuth } {
  const shared = opts.shared === true;
  const compact = opts.compact === true;
  const { params, plan, key, auth } = decodeKeyFile('decodeEvaluationKeysFile', bytes, BundleKind.EvaluationKeys, opts, (p, section) => deserializeEvaluationKeys(p, section, { shared, compact }));
  return { params, keys: key, plan, auth };
}

// ---------------------------------------------------------------------------
// Ciphertexts and shapes
// ---------------------------------------------------------------------------

/** A ciphertext, seeded when it is a fresh symmetric encryption (half the size), else full. */
function ctBytes(op: string, params: Parameters, ct: Ciphertext): Uint8Array {
  if (!(ct instanceof Ciphertext)) argError(op, 'expected a Ciphertext');
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

/** Load `count` ciphertexts from the sections, starting at `at.i` (advanced). */
function loadCiphertexts(o: Opened, params: Parameters, at: { i: number }, count: number): Ciphertext[] {
  return Array.from({ length: count }, () => deserializeCiphertext(params, o.sections[at.i++]));
}

function checkShape(op: string, shape: ProblemShape): void {
  for (const k of ['n', 'd', 'K'] as const) {
    const v = shape?.[k];
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31) argError(op, `shape.${k} must be a positive integer, got ${String(v)}`);
  }
}

/** Write n, d, K and the part width. */
function writeShape(m: Writer, shape: ProblemShape, width: number): void {
  for (const v of [shape.n, shape.d, shape.K, width]) m.u32(v);
}

/** Read n, d, K and the part width, each in its range (K at most the width). */
function readShape(m: Reader, params: Parameters): { shape: ProblemShape; width: number } {
  const n = metaU32(m, 'n', 1, 2 ** 31);
  const d = metaU32(m, 'd', 1, 2 ** 31);
  const K = metaU32(m, 'K', 1, params.slots);
  const width = readWidth(m, params);
  if (K > width) m.fail('K', `${K} classes do not fit rows of width ${width}`);
  return { shape: { n, d, K }, width };
}

function layoutOf(o: Opened, params: Parameters, shape: ProblemShape, width: number): { ciphertexts: number; teams: number; parts: number } {
  try {
    const L = trainingLayout(params, shape, width);
    return { ciphertexts: L.ciphertexts, teams: L.teams, parts: L.parts };
  } catch (e) {
    // A refusal of the error family names the shape; anything else is a bug and propagates.
    if (!(e instanceof HecnnError)) throw e;
    return o.fail('shape', `no layout for ${shape.n} x ${shape.d}, ${shape.K} classes, width ${width}: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------
// Upload
// ---------------------------------------------------------------------------

const UPLOAD_META = KEY_ID_BYTES + 7 * 4;

/**
 * The upload: parameters, key id, shape and width, then X, X~, Y and W0;
 * signed with the owner's signing key when one is given.
 * @param params parameters
 * @param upload the owner's upload
 * @param keyId id of the key it is encrypted under
 * @param opts signingKey: the owner's Ed25519 signing key (the one of the key plan)
 * @returns the file's bytes, and its size with every ciphertext stored in full (for comparison)
 * @throws CkksError on a bad upload, other parameters or a signing key of the wrong size
 */
export function encodeUpload(params: Parameters, upload: Upload, keyId: Uint8Array, opts: { signingKey?: Uint8Array } = {}): { bytes: Uint8Array; fullBytes: number } {
  const op = 'encodeUpload';
  if (!(keyId instanceof Uint8Array) || keyId.length !== KEY_ID_BYTES) argError(op, `keyId must be ${KEY_ID_BYTES} bytes`);
  checkShape(op, upload.shape);
  checkWidth(op, params, upload.width);
  const m = writer(op, UPLOAD_META);
  m.bytes(keyId);
  writeShape(m, upload.shape, upload.width);
  for (const list of [upload.X, upload.Xt, upload.Y]) m.u32(list.length);
  const cts = [...upload.X, ...upload.Xt, ...upload.Y, upload.W0].map((c) => ctBytes(op, params, c));
  const bytes = pack(op, BundleKind.Upload, [serializeParameters(params), m.done(), ...cts], opts.signingKey);
  return { bytes, fullBytes: bytes.length + cts.reduce((s, c) => s + fullSize(c) - c.length, 0) };
}

/**
 * Load an upload, its digest and signature verified first.
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters; `signer` (the owner's public key) or `requireSignature`
 * @returns parameters, the upload, the key id and the verified digest and signature
 * @throws IntegrityError / BundleError / SerializationError / ParametersMismatchError / InsecureParametersError (see the module documentation)
 */
export function decodeUpload(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; upload: Upload; keyId: Uint8Array; auth: BundleAuth } {
  const o = parseContainer('decodeUpload', bytes, BundleKind.Upload, opts);
  const params = loadParams(o, opts);
  const m = metaReader(o, UPLOAD_META);
  const keyId = m.take(KEY_ID_BYTES, 'key id');
  const { shape, width } = readShape(m, params);
  const nX = metaU32(m, 'X count', 0, MAX_SECTIONS);
  const nXt = metaU32(m, 'Xt count', 0, MAX_SECTIONS);
  const nY = metaU32(m, 'Y count', 0, MAX_SECTIONS);
  checkExactSections(o, 2 + nX + nXt + nY + 1, `parameters, metadata, ${nX} + ${nXt} + ${nY} ciphertexts and W0`);
  const L = layoutOf(o, params, shape, width);
  if (nX !== L.ciphertexts) o.fail('X count', `${nX}, the layout needs ${L.ciphertexts}`);
  if (nXt !== L.ciphertexts) o.fail('Xt count', `${nXt}, the layout needs ${L.ciphertexts}`);
  if (nY !== L.teams) o.fail('Y count', `${nY}, the layout needs ${L.teams}`);
  const at = { i: 2 };
  const X = loadCiphertexts(o, params, at, nX);
  const Xt = loadCiphertexts(o, params, at, nXt);
  const Y = loadCiphertexts(o, params, at, nY);
  const [W0] = loadCiphertexts(o, params, at, 1);
  return { params, keyId, upload: { shape, width, X, Xt, Y, W0 }, auth: o.auth };
}

// ---------------------------------------------------------------------------
// Checkpoint
// ---------------------------------------------------------------------------

const SESSION_BYTES = 1 + SIGNER_KEY_BYTES + BUNDLE_DIGEST_BYTES + 2 * SIGNATURE_BYTES;
const CHECKPOINT_META = KEY_ID_BYTES + DIGEST_BYTES + 7 * 4 + 1 + SESSION_BYTES;

/** Check a session's fields (sizes). */
function checkSessionShape(op: string, s: SessionBinding): void {
  const sizes = [['signer', SIGNER_KEY_BYTES], ['keysDigest', BUNDLE_DIGEST_BYTES], ['keysSignature', SIGNATURE_BYTES], ['uploadSignature', SIGNATURE_BYTES]] as const;
  for (const [k, n] of sizes) if (!(s[k] instanceof Uint8Array) || s[k].length !== n) argError(op, `session.${k} must be ${n} bytes`);
}

/**
 * The server's checkpoint: parameters, run metadata and the weights. The
 * server writes it unsigned; the owner signs the one it writes after a
 * refresh (W and V at the top level, a state only the owner makes), which the
 * server's cross-check requires ({@link checkCheckpoint}).
 * @param params parameters
 * @param cp the checkpoint
 * @param opts signingKey: the owner's signing key (after a refresh)
 * @returns the file's bytes
 * @throws CkksError on inconsistent fields, weights of other parameters or a signing key of the wrong size
 */
export function encodeCheckpoint(params: Parameters, cp: Checkpoint, opts: { signingKey?: Uint8Array } = {}): Uint8Array {
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
  const m = writer(op, CHECKPOINT_META);
  m.bytes(cp.keyId);
  m.bytes(cp.uploadDigest);
  writeShape(m, cp.shape, cp.width);
  for (const v of [cp.iteration, cp.refreshes, cp.maxIterations]) m.u32(v);
  m.u8(cp.needsRefresh ? 1 : 0);
  if (cp.session === undefined) m.reserve(SESSION_BYTES);
  else {
    checkSessionShape(op, cp.session);
    m.u8(1);
    for (const b of [cp.session.signer, cp.session.keysDigest, cp.session.keysSignature, cp.session.uploadSignature]) m.bytes(b);
  }
  const cts = [...cp.weights.W.flat(), ...cp.weights.V.flat()].map((c) => ctBytes(op, params, c));
  return pack(op, BundleKind.Checkpoint, [serializeParameters(params), m.done(), ...cts], opts.signingKey);
}

/**
 * Load a checkpoint, its digest verified first.
 * @param bytes the file
 * @param opts the insecure opt-in for test parameters
 * @returns parameters, the checkpoint and the verified digest (and signer, when the owner signed it after a refresh)
 * @throws IntegrityError / BundleError / SerializationError / ParametersMismatchError / InsecureParametersError (see the module documentation)
 */
export function decodeCheckpoint(bytes: Uint8Array, opts: BundleLoadOptions = {}): { params: Parameters; checkpoint: Checkpoint; auth: BundleAuth } {
  const o = parseContainer('decodeCheckpoint', bytes, BundleKind.Checkpoint, opts);
  const params = loadParams(o, opts);
  const m = metaReader(o, CHECKPOINT_META);
  const keyId = m.take(KEY_ID_BYTES, 'key id');
  const uploadDigest = m.take(DIGEST_BYTES, 'upload digest');
  const { shape, width } = readShape(m, params);
  const iteration = m.u32('iteration');
  const refreshes = m.u32('refreshes');
  const maxIterations = metaU32(m, 'maxIterations', 1, 2 ** 32 - 1);
  if (iteration > maxIterations) o.fail('iteration', `${iteration} exceeds maxIterations ${maxIterations}`);
  const needsRefresh = m.inRange('needsRefresh', m.u8('needsRefresh'), 0, 1) === 1;
  const session = readSession(m);
  const pairs = Math.ceil(shape.K / 2);
  // The shape is bounded by the section count before the layout is built.
  if (2 * pairs > o.sections.length) o.fail('K', `${shape.K} classes need ${2 * pairs} or more weight ciphertexts, the file has ${o.sections.length - 2}`);
  const L = layoutOf(o, params, shape, width);
  checkExactSections(o, 2 + 2 * pairs * L.parts, `parameters, metadata and W, V of ${pairs} pair(s) x ${L.parts} part(s)`);
  const at = { i: 2 };
  const grid = (): Ciphertext[][] => Array.from({ length: pairs }, () => loadCiphertexts(o, params, at, L.parts));
  const W = grid();
  const V = grid();
  const checkpoint: Checkpoint = { keyId, uploadDigest, shape, width, iteration, refreshes, maxIterations, needsRefresh, weights: { W, V } };
  if (session !== undefined) checkpoint.session = session;
  return { params, checkpoint, auth: o.auth };
}

/** The session of a checkpoint's metadata: absent (all zeros) or present. */
function readSession(m: Reader): SessionBinding | undefined {
  const present = m.inRange('session', m.u8('session'), 0, 1) === 1;
  const signer = m.take(SIGNER_KEY_BYTES, 'session signer');
  const keysDigest = m.take(BUNDLE_DIGEST_BYTES, 'session keys digest');
  const keysSignature = m.take(SIGNATURE_BYTES, 'session keys signature');
  const uploadSignature = m.take(SIGNATURE_BYTES, 'session upload signature');
  if (present) return { signer, keysDigest, keysSignature, uploadSignature };
  if ([signer, keysDigest, keysSignature, uploadSignature].some((b) => b.some((x) => x !== 0))) m.fail('session', 'absent, but its bytes are not zero');
  return undefined;
}
