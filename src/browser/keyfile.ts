/**
 * Password-protected secret-key files: the bytes of a secret-key file
 * (`encodeSecretKeyFile`) sealed with a key derived from a password, so that
 * the data owner can keep the key outside the page (a download) and restore it
 * later. Platform-neutral (Web Crypto randomness, @noble primitives).
 *
 * Format (all integers little-endian; every byte before the ciphertext is
 * authenticated as associated data):
 *
 * | offset | bytes | field |
 * |---|---|---|
 * | 0 | 4 | magic `HECP` (0x48 0x45 0x43 0x50) |
 * | 4 | 1 | version, 1 |
 * | 5 | 1 | KDF, 1 = scrypt |
 * | 6 | 1 | log2 of scrypt's cost N (14..20) |
 * | 7 | 1 | scrypt's block size r (1..16) |
 * | 8 | 1 | scrypt's parallelism p (1..4) |
 * | 9 | 16 | salt |
 * | 25 | 24 | nonce (XChaCha20-Poly1305) |
 * | 49 | n + 16 | ciphertext of the n-byte secret-key file, then the 16-byte Poly1305 tag |
 *
 * Key: scrypt(password as UTF-8, salt, N, r, p, 32 bytes); cipher:
 * XChaCha20-Poly1305 (a 24-byte random nonce, so a fresh salt and nonce per
 * file are safe). A wrong password and an altered file both fail the tag check
 * and are refused with the same message.
 *
 * @module
 */

import { xchacha20poly1305 } from '@noble/ciphers/chacha';
import { scryptAsync } from '@noble/hashes/scrypt';
import { BundleError } from '../mlr/index.js';

/** The magic bytes of a password-protected key file, `HECP`. */
export const KEY_FILE_MAGIC = Uint8Array.of(0x48, 0x45, 0x43, 0x50);
/** The format version written. */
export const KEY_FILE_VERSION = 1;
/** The header length (magic to nonce). */
export const KEY_FILE_HEADER_BYTES = 49;

/** scrypt's parameters. */
export interface ScryptOptions {
  /** log2 of the cost N, 14..20 (default 17: 128 MiB with r = 8). */
  logN?: number;
  /** Block size r, 1..16 (default 8). */
  r?: number;
  /** Parallelism p, 1..4 (default 1). */
  p?: number;
  /** Called with the KDF's progress in [0, 1]. */
  onProgress?: (fraction: number) => void;
}

const KIND = 'password-protected key file';

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

function checkKdf(op: string, logN: number, r: number, p: number): void {
  if (!Number.isInteger(logN) || logN < 14 || logN > 20) throw new BundleError(op, KIND, 'logN', `scrypt's log2 N must be an integer in 14..20, got ${logN}`);
  if (!Number.isInteger(r) || r < 1 || r > 16) throw new BundleError(op, KIND, 'r', `scrypt's r must be an integer in 1..16, got ${r}`);
  if (!Number.isInteger(p) || p < 1 || p > 4) throw new BundleError(op, KIND, 'p', `scrypt's p must be an integer in 1..4, got ${p}`);
}

function checkPassword(op: string, password: string): void {
  if (typeof password !== 'string' || password.length === 0) throw new BundleError(op, KIND, 'password', 'the password must be a non-empty string');
}

/**
 * Seal a secret-key file under a password.
 * @param file the bytes of a secret-key file (`encodeSecretKeyFile`); not modified
 * @param password the password (UTF-8)
 * @param opts scrypt's cost and a progress callback
 * @returns the password-protected file (header, ciphertext, tag)
 * @throws BundleError if the password is empty or the scrypt parameters are out of range
 */
export async function sealSecretKeyFile(file: Uint8Array, password: string, opts: ScryptOptions = {}): Promise<Uint8Array> {
  const op = 'sealSecretKeyFile';
  checkPassword(op, password);
  if (!(file instanceof Uint8Array) || file.length === 0) throw new BundleError(op, KIND, 'file', 'expected the non-empty bytes of a secret-key file');
  const { logN = 17, r = 8, p = 1 } = opts;
  checkKdf(op, logN, r, p);
  const header = new Uint8Array(KEY_FILE_HEADER_BYTES);
  header.set(KEY_FILE_MAGIC, 0);
  header[4] = KEY_FILE_VERSION;
  header[5] = 1;
  header[6] = logN;
  header[7] = r;
  header[8] = p;
  header.set(randomBytes(16), 9);
  header.set(randomBytes(24), 25);
  const key = await scryptAsync(new TextEncoder().encode(password), header.subarray(9, 25), { N: 2 ** logN, r, p, dkLen: 32, onProgress: opts.onProgress });
  try {
    const sealed = xchacha20poly1305(key, header.subarray(25, 49), header).encrypt(file);
    const out = new Uint8Array(KEY_FILE_HEADER_BYTES + sealed.length);
    out.set(header, 0);
    out.set(sealed, KEY_FILE_HEADER_BYTES);
    return out;
  } finally {
    key.fill(0);
  }
}

/**
 * Whether bytes start like a password-protected key file.
 * @param bytes any bytes
 * @returns true when they start with the magic `HECP`
 * @throws never
 */
export function isSealedKeyFile(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && KEY_FILE_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Open a password-protected key file.
 * @param sealed the file's bytes
 * @param password the password
 * @param opts a progress callback for the KDF (its cost parameters come from the file)
 * @returns the bytes of the secret-key file (wipe them when done)
 * @throws BundleError if the bytes are not such a file, the version or KDF is unknown, its parameters are out of range, or the password is wrong or the file was altered (the tag does not verify)
 */
export async function openSecretKeyFile(sealed: Uint8Array, password: string, opts: Pick<ScryptOptions, 'onProgress'> = {}): Promise<Uint8Array> {
  const op = 'openSecretKeyFile';
  checkPassword(op, password);
  if (!(sealed instanceof Uint8Array) || sealed.length < KEY_FILE_HEADER_BYTES + 16) throw new BundleError(op, KIND, 'length', `expected at least ${KEY_FILE_HEADER_BYTES + 16} bytes, got ${sealed?.length ?? 0}`);
  if (!isSealedKeyFile(sealed)) throw new BundleError(op, KIND, 'magic', 'the file does not start with HECP');
  if (sealed[4] !== KEY_FILE_VERSION) throw new BundleError(op, KIND, 'version', `version ${KEY_FILE_VERSION} expected, got ${sealed[4]}`);
  if (sealed[5] !== 1) throw new BundleError(op, KIND, 'kdf', `KDF 1 (scrypt) expected, got ${sealed[5]}`);
  const logN = sealed[6];
  const r = sealed[7];
  const p = sealed[8];
  checkKdf(op, logN, r, p);
  const header = sealed.subarray(0, KEY_FILE_HEADER_BYTES);
  const key = await scryptAsync(new TextEncoder().encode(password), header.subarray(9, 25), { N: 2 ** logN, r, p, dkLen: 32, onProgress: opts.onProgress });
  try {
    return xchacha20poly1305(key, header.subarray(25, 49), header).decrypt(sealed.subarray(KEY_FILE_HEADER_BYTES));
  } catch {
    throw new BundleError(op, KIND, 'tag', 'the password is wrong or the file was altered');
  } finally {
    key.fill(0);
  }
}
