/**
 * Codec of plaintexts (object type 2). Body: level u16, slots u32, scale f64,
 * then the polynomial (NTT form) over q_0..q_level.
 *
 * @module
 */

import { RnsPoly } from '../../ntt/index.js';
import type { Parameters } from '../params.js';
import { Plaintext } from '../types.js';
import { checkEncodingFields, polyBytesByLevel, readEncodingFields, readPoly, writeEncodingFields, writePoly } from './body.js';
import { HEADER_BYTES, SerializedType, checkObject, checkPoly, objectWriter, openObject } from './container.js';

/** Bytes of the body before the polynomial. */
const PLAINTEXT_FIXED = 14;

/**
 * Serialize a plaintext (NTT form, at its level).
 * @param params its parameters
 * @param pt the plaintext
 * @returns 24 + 14 + (N/8) sum_{i <= level} bitlength(q_i - 1) bytes
 * @throws ParametersMismatchError / CkksError on a plaintext of other parameters or an invalid one
 */
export function serializePlaintext(params: Parameters, pt: Plaintext): Uint8Array {
  const op = 'serializePlaintext';
  checkObject(op, params, pt, Plaintext, 'plaintext');
  checkEncodingFields(op, params, pt);
  const limbs = pt.level + 1;
  checkPoly(op, 'the plaintext polynomial', pt.poly, params.N, limbs);
  const w = objectWriter(op, HEADER_BYTES + PLAINTEXT_FIXED + polyBytesByLevel(params)[pt.level], SerializedType.Plaintext, false, params.fingerprint);
  writeEncodingFields(w, pt);
  writePoly(w, op, 'the plaintext polynomial', pt.poly, params.Q, limbs);
  return w.done();
}

/**
 * Load a plaintext. The input length must be the one of a plaintext at some
 * level before any field is read.
 * @param params the parameters it was made under
 * @param bytes output of {@link serializePlaintext}
 * @returns the plaintext
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializePlaintext(params: Parameters, bytes: Uint8Array): Plaintext {
  const op = 'deserializePlaintext';
  const { r } = openObject(op, bytes, SerializedType.Plaintext, params);
  const sizes = polyBytesByLevel(params).map((pb) => HEADER_BYTES + PLAINTEXT_FIXED + pb);
  r.expectLengthAmong(sizes, 'plaintext under these parameters');
  const { level, slots, scale } = readEncodingFields(r, params);
  r.expectLength(sizes[level], `a plaintext at level ${level}`);
  const poly = RnsPoly.alloc(params.N, level + 1);
  readPoly(r, 'polynomial', poly, params.Q, level + 1);
  return new Plaintext(params, level, scale, slots, poly);
}
