/**
 * Body fields shared by the object codecs: bit-packed residue polynomials,
 * and the level / slots / scale of plaintexts and ciphertexts.
 *
 * Residues are bit-packed limb by limb: limb i (modulus q_i) stores its N
 * residues in w_i = bitlength(q_i - 1) bits each (30 for 30-bit primes),
 * least significant bit first, so a limb takes exactly N w_i / 8 bytes (N >= 16).
 * A polynomial over the first k primes of a basis is its k limbs in order.
 *
 * @module
 */

import type { Reader, Writer } from '../../core/codec.js';
import type { RnsPoly } from '../../ntt/index.js';
import type { Parameters } from '../params.js';
import { checkLevel, checkScale, checkSlots } from '../types.js';
import { argError } from './container.js';

const POW2 = Float64Array.from({ length: 54 }, (_, i) => 2 ** i);

/**
 * Bits per residue of a limb of modulus q.
 * @param q the modulus
 * @returns bitlength(q - 1)
 * @throws nothing (a caller passes valid data)
 */
export function widthOf(q: number): number {
  return 32 - Math.clz32(q - 1);
}

/**
 * Bytes of a packed polynomial over the first `limbs` moduli.
 * @param N ring degree
 * @param moduli the basis
 * @param limbs how many of its moduli
 * @returns sum over those limbs of N w_i / 8
 * @throws nothing (a caller passes valid data)
 */
export function polyBytes(N: number, moduli: readonly number[], limbs: number): number {
  let s = 0;
  for (let i = 0; i < limbs; i++) s += (N * widthOf(moduli[i])) / 8;
  return s;
}

/**
 * Pack N residues of w bits (LSB first) from src[off..] into dst[pos..].
 * @param src residues
 * @param off first residue
 * @param N how many
 * @param w bits each
 * @param q their modulus
 * @param dst output
 * @param pos first output byte
 * @returns -1, or the index of the first residue >= q (nothing valid is written then)
 * @throws nothing (a caller passes valid data)
 */
export function packLimb(src: Uint32Array, off: number, N: number, w: number, q: number, dst: Uint8Array, pos: number): number {
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
 * The caller has checked that src holds N w / 8 bytes from pos.
 * @param src packed bytes
 * @param pos first byte
 * @param N how many residues
 * @param w bits each
 * @param q their modulus
 * @param dst output residues
 * @param off first output residue
 * @returns -1, or the index of the first residue >= q
 * @throws nothing (a caller passes valid data)
 */
export function unpackLimb(src: Uint8Array, pos: number, N: number, w: number, q: number, dst: Uint32Array, off: number): number {
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

/**
 * Read `limbs` packed limbs into p (NTT form), checking every residue against
 * its modulus. A refusal names the limb and the residue's index, not its value.
 * @param r the reader
 * @param field the polynomial's name, e.g. "c0"
 * @param p the output (N and limbs as given)
 * @param moduli the basis
 * @param limbs how many limbs
 * @throws the reader's error on truncation or a residue not below its modulus
 */
export function readPoly(r: Reader, field: string, p: RnsPoly, moduli: readonly number[], limbs: number): void {
  const N = p.N;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const w = widthOf(q);
    const bytes = r.view((N * w) / 8, `${field} limb ${i}`);
    const bad = unpackLimb(bytes, 0, N, w, q, p.data, i * N);
    if (bad >= 0) r.fail(`${field} limb ${i}`, `residue ${bad} is not below its modulus ${q}`);
  }
  p.isNtt = true;
}

/**
 * Pack `limbs` limbs of p, refusing residues not below their modulus (an invalid object).
 * @param w the writer
 * @param op the serializer
 * @param what the polynomial's name in messages
 * @param p the polynomial
 * @param moduli the basis
 * @param limbs how many limbs
 * @throws CkksError (INVALID_ARGUMENT) on a residue not below its modulus
 */
export function writePoly(w: Writer, op: string, what: string, p: RnsPoly, moduli: readonly number[], limbs: number): void {
  const N = p.N;
  for (let i = 0; i < limbs; i++) {
    const q = moduli[i];
    const bits = widthOf(q);
    const bad = packLimb(p.data, i * N, N, bits, q, w.buf, w.reserve((N * bits) / 8));
    if (bad >= 0) argError(op, `${what} limb ${i} residue ${bad} is ${p.data[i * N + bad]}, not below its modulus ${q}`);
  }
}

/**
 * Sizes of a polynomial over q_0..q_l, for every level l.
 * @param params the parameters
 * @returns entry l: bytes of a packed polynomial at level l
 * @throws nothing (a caller passes valid data)
 */
export function polyBytesByLevel(params: Parameters): number[] {
  return Array.from({ length: params.maxLevel + 1 }, (_, l) => polyBytes(params.N, params.Q, l + 1));
}

/** The encoding fields of plaintexts and ciphertexts. */
export interface EncodingFields {
  /** Level: the polynomials live over q_0..q_level. */
  level: number;
  /** Number of slots. */
  slots: number;
  /** Scale. */
  scale: number;
}

/**
 * Check the encoding fields of an object to serialize.
 * @param op the serializer
 * @param params the parameters
 * @param obj the plaintext or ciphertext
 * @throws CkksError on a level, scale or slot count the parameters do not allow
 */
export function checkEncodingFields(op: string, params: Parameters, obj: EncodingFields): void {
  checkLevel(op, params, obj.level);
  checkScale(op, obj.scale);
  checkSlots(op, params, obj.slots);
}

/**
 * Write level u16, slots u32, scale f64.
 * @param w the writer
 * @param obj the plaintext or ciphertext
 * @throws nothing (a caller passes valid data)
 */
export function writeEncodingFields(w: Writer, obj: EncodingFields): void {
  w.u16(obj.level);
  w.u32(obj.slots);
  w.f64(obj.scale);
}

/**
 * Read level u16 (at most maxLevel), slots u32 (a power of two in [1, N/2])
 * and scale f64 (finite, positive).
 * @param r the reader
 * @param params the parameters
 * @returns the fields
 * @throws SerializationError naming the first invalid field
 */
export function readEncodingFields(r: Reader, params: Parameters): EncodingFields {
  const level = r.inRange('level', r.u16('level'), 0, params.maxLevel);
  const slots = r.u32('slots');
  if (slots < 1 || slots > params.maxSlots || (slots & (slots - 1)) !== 0) r.fail('slots', `${slots} is not a power of two in [1, ${params.maxSlots}]`);
  const scale = r.f64('scale');
  if (!Number.isFinite(scale) || scale <= 0) r.fail('scale', `${scale} is not a finite positive number`);
  return { level, slots, scale };
}
