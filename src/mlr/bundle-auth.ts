/**
 * Authentication of the protocol files (src/mlr/bundle.ts), generic over the
 * container's sections: a SHA-256 digest over everything before it (header,
 * section table and every section), and optionally an Ed25519 signature
 * (RFC 8032) of that digest by the data owner. Nothing here knows what the
 * sections hold, so a new section (more keys in the evaluation-key file, say)
 * is covered without any change to this code.
 *
 * Trailer, after the last section:
 *
 * | size | field                                                            |
 * |-----:|------------------------------------------------------------------|
 * |   32 | SHA-256 of bytes [0, start of the trailer)                       |
 * |   32 | signer's Ed25519 public key (only when the header flag SIGNED is set) |
 * |   64 | Ed25519 signature of {@link signedMessage}(kind, digest) (same)  |
 *
 * The signed message is a domain string, the bundle kind and the digest, so a
 * signature of one kind of file cannot be passed off for another kind, and a
 * signature made by this protocol cannot be replayed elsewhere.
 *
 * Pure `Uint8Array` code (no `node:` imports): the owner's page uses it too.
 *
 * @module
 */

import { ed25519 } from '@noble/curves/ed25519';
import { sha256 } from '@noble/hashes/sha2';
import { randomSeed } from '../ckks/index.js';
import { argError } from '../ckks/serialize/container.js';
import { equalBytes } from '../core/codec.js';

/** Bytes of a bundle digest (SHA-256). */
export const BUNDLE_DIGEST_BYTES = 32;

/** Bytes of an owner's Ed25519 signing key (the RFC 8032 secret seed). */
export const SIGNING_KEY_BYTES = 32;

/** Bytes of an Ed25519 public key. */
export const SIGNER_KEY_BYTES = 32;

/** Bytes of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** Header flag (byte 7) of a signed bundle. */
export const FLAG_SIGNED = 0x01;

/** Domain separation of the signed message. */
const DOMAIN = new TextEncoder().encode('hecnn HECM bundle signature v1');

/** A bundle's verified authentication data. */
export interface BundleAuth {
  /** SHA-256 of the file up to its trailer (checked against the bytes). */
  digest: Uint8Array;
  /** The signer's Ed25519 public key, when the file is signed (the signature checked against it). */
  signer?: Uint8Array;
  /** The Ed25519 signature, when the file is signed. */
  signature?: Uint8Array;
}

/**
 * Bytes of the trailer of a bundle with these header flags.
 * @param flags the header's flag byte
 * @returns 32, or 128 when signed
 * @throws nothing
 */
export function trailerBytes(flags: number): number {
  return BUNDLE_DIGEST_BYTES + ((flags & FLAG_SIGNED) !== 0 ? SIGNER_KEY_BYTES + SIGNATURE_BYTES : 0);
}

/**
 * The message an owner signs for a bundle: domain string, kind byte, digest.
 * @param kind the bundle kind (BundleKind)
 * @param digest the bundle digest
 * @returns the message bytes
 * @throws nothing
 */
export function signedMessage(kind: number, digest: Uint8Array): Uint8Array {
  const m = new Uint8Array(DOMAIN.length + 1 + digest.length);
  m.set(DOMAIN);
  m[DOMAIN.length] = kind;
  m.set(digest, DOMAIN.length + 1);
  return m;
}

/**
 * A fresh Ed25519 signing key for a data owner (32 bytes from
 * `crypto.getRandomValues`, the RFC 8032 secret seed).
 * @returns the signing key (keep it with the secret key; wipe it when done)
 * @throws nothing
 */
export function generateSigningKey(): Uint8Array {
  return randomSeed().slice(0, SIGNING_KEY_BYTES);
}

/**
 * The Ed25519 public key of a signing key (RFC 8032, section 5.1.5).
 * @param signingKey 32 bytes
 * @returns 32 bytes
 * @throws CkksError (INVALID_ARGUMENT) if signingKey is not 32 bytes
 */
export function signerPublicKey(signingKey: Uint8Array): Uint8Array {
  checkSigningKey('signerPublicKey', signingKey);
  return ed25519.getPublicKey(signingKey);
}

/**
 * Check a signing key's type and length.
 * @param op the operation, for the error
 * @param signingKey the key
 * @throws CkksError (INVALID_ARGUMENT) if it is not a 32-byte Uint8Array
 */
export function checkSigningKey(op: string, signingKey: unknown): asserts signingKey is Uint8Array {
  if (!(signingKey instanceof Uint8Array) || signingKey.length !== SIGNING_KEY_BYTES) argError(op, `signingKey must be ${SIGNING_KEY_BYTES} bytes`);
}

/**
 * Whether an Ed25519 signature of (kind, digest) verifies under a public key
 * (RFC 8032 verification, strict: non-canonical encodings are refused).
 * @param kind the bundle kind
 * @param digest the bundle digest
 * @param signer the public key
 * @param signature the signature
 * @returns true when it verifies; false for any failure, malformed keys and signatures included
 * @throws nothing
 */
export function verifyDigestSignature(kind: number, digest: Uint8Array, signer: Uint8Array, signature: Uint8Array): boolean {
  if (signer.length !== SIGNER_KEY_BYTES || signature.length !== SIGNATURE_BYTES || digest.length !== BUNDLE_DIGEST_BYTES) return false;
  try {
    return ed25519.verify(signature, signedMessage(kind, digest), signer, { zip215: false });
  } catch {
    return false; // a public key or signature that does not decode
  }
}

/**
 * Fill the trailer of a packed bundle: the digest of everything before it and,
 * with a signing key, the signer's public key and the signature. The header's
 * SIGNED flag must already say whether a signing key is given.
 * @param file the bundle, with {@link trailerBytes} bytes left at its end
 * @param kind the bundle kind
 * @param signingKey the owner's signing key, or undefined for an unsigned bundle
 * @returns nothing (file is written in place)
 * @throws CkksError (INVALID_ARGUMENT) on a signing key of the wrong size
 */
export function sealBundle(file: Uint8Array, kind: number, signingKey: Uint8Array | undefined): void {
  const end = file.length - trailerBytes(file[7]);
  const digest = sha256(file.subarray(0, end));
  file.set(digest, end);
  if (signingKey === undefined) return;
  checkSigningKey('sealBundle', signingKey);
  file.set(ed25519.getPublicKey(signingKey), end + BUNDLE_DIGEST_BYTES);
  file.set(ed25519.sign(signedMessage(kind, digest), signingKey), end + BUNDLE_DIGEST_BYTES + SIGNER_KEY_BYTES);
}

/** What {@link openBundle} requires of a signature. */
export interface SignaturePolicy {
  /** The file must be signed by exactly this public key. */
  signer?: Uint8Array;
  /** The file must be signed (by the key its trailer names, unless `signer` is given). */
  requireSignature?: boolean;
}

/**
 * Check a bundle's trailer before anything else in it is read: the digest
 * over every byte before the trailer, then the signature (against the public
 * key in the trailer, which must be the expected signer when one is given).
 * @param bytes the file; its header (8 bytes, flags at byte 7) is already checked
 * @param kind the bundle kind from the header
 * @param policy the signature required
 * @param fail refuses a field (throws a BundleError)
 * @returns the verified digest (and signer, signature) and the length of the file before its trailer
 * @throws whatever `fail` throws: field "length" (no room for the trailer), "digest", "signature" or "signer"
 */
export function openBundle(bytes: Uint8Array, kind: number, policy: SignaturePolicy, fail: (field: string, problem: string) => never): { auth: BundleAuth; bodyLength: number } {
  const signed = (bytes[7] & FLAG_SIGNED) !== 0;
  const tail = trailerBytes(bytes[7]);
  if (bytes.length < 12 + tail) fail('length', `${bytes.length} bytes: no room for the header and the ${tail}-byte trailer (digest${signed ? ', signer, signature' : ''})`);
  const end = bytes.length - tail;
  const stored = bytes.subarray(end, end + BUNDLE_DIGEST_BYTES);
  const digest = sha256(bytes.subarray(0, end));
  if (!equalBytes(digest, stored)) fail('digest', 'the SHA-256 digest does not match the contents: the file was altered or damaged');
  if (!signed) {
    if (policy.signer !== undefined || policy.requireSignature === true) fail('signature', "the file is not signed; it must carry the data owner's signature");
    return { auth: { digest }, bodyLength: end };
  }
  const signer = bytes.slice(end + BUNDLE_DIGEST_BYTES, end + BUNDLE_DIGEST_BYTES + SIGNER_KEY_BYTES);
  const signature = bytes.slice(end + BUNDLE_DIGEST_BYTES + SIGNER_KEY_BYTES, end + tail);
  if (!verifyDigestSignature(kind, digest, signer, signature)) fail('signature', 'the Ed25519 signature does not verify: the file was altered or not signed by the key it names');
  if (policy.signer !== undefined && !equalBytes(policy.signer, signer)) fail('signer', "signed by another key than the data owner's (the key that signed the evaluation keys)");
  return { auth: { digest, signer, signature }, bodyLength: end };
}
