/**
 * Codec of ciphertexts (object type 3). Body: degree u8 (1 or 2), level u16,
 * slots u32, scale f64, [seed, 32 bytes, if seeded], then c_0, c_1 (, c_2)
 * over q_0..q_level; seeded (degree 1 only): c_0 only, c_1 regenerated from
 * XofSource(seed, XOF_LABEL_CIPHERTEXT) over q_0..q_level (limbs in order, so
 * a fresh ciphertext whose upper limbs were dropped still regenerates).
 *
 * @module
 */

import { RnsPoly } from '../../ntt/index.js';
import { SEED_BYTES, XofSource, sampleUniform } from '../../rlwe/index.js';
import { XOF_LABEL_CIPHERTEXT } from '../encryption.js';
import type { Parameters } from '../params.js';
import { Ciphertext } from '../types.js';
import { checkEncodingFields, polyBytesByLevel, readEncodingFields, readPoly, writeEncodingFields, writePoly } from './body.js';
import { HEADER_BYTES, SerializedType, argError, checkObject, checkPoly, objectWriter, openObject } from './container.js';

/** Options of {@link serializeCiphertext}. */
export interface SerializeCiphertextOptions {
  /**
   * Store c_0 and the 32-byte seed of c_1 only (half the size). Only for a
   * fresh symmetric encryption (ct.seed defined, degree 1); default false.
   */
  seeded?: boolean;
}

/** Bytes of the body before the seed and the polynomials. */
const CIPHERTEXT_FIXED = 15;

/** Size of a ciphertext whose polynomials take pb bytes each. */
function ciphertextBytes(pb: number, degree: number, seeded: boolean): number {
  return HEADER_BYTES + CIPHERTEXT_FIXED + (seeded ? SEED_BYTES + pb : (degree + 1) * pb);
}

/** Refuse the seeded form unless ct.seed regenerates c_1 exactly. */
function checkSeedOf(op: string, params: Parameters, ct: Ciphertext): void {
  if (ct.seed === undefined) argError(op, 'seeded serialization needs ct.seed (only fresh symmetric encryptions have one)');
  if (!(ct.seed instanceof Uint8Array) || ct.seed.length !== SEED_BYTES) argError(op, `ct.seed must be ${SEED_BYTES} bytes`);
  if (ct.degree !== 1) argError(op, `seeded serialization needs a degree-1 ciphertext, got degree ${ct.degree}`);
  const c1 = RnsPoly.alloc(params.N, ct.level + 1);
  sampleUniform(new XofSource(ct.seed, XOF_LABEL_CIPHERTEXT), c1, params.Q);
  const got = ct.c[1].data;
  for (let i = 0; i < c1.data.length; i++) {
    if (c1.data[i] !== got[i]) argError(op, 'ct.seed does not generate c1 (the ciphertext was modified after encryption); serialize it unseeded');
  }
}

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
  checkObject(op, params, ct, Ciphertext, 'ciphertext');
  const seeded = opts.seeded ?? false;
  if (typeof seeded !== 'boolean') argError(op, 'opts.seeded must be a boolean');
  const degree = ct.degree;
  if (degree !== 1 && degree !== 2) argError(op, `the ciphertext degree must be 1 or 2, got ${degree}`);
  checkEncodingFields(op, params, ct);
  const limbs = ct.level + 1;
  for (let k = 0; k <= degree; k++) checkPoly(op, `c${k}`, ct.c[k], params.N, limbs);
  if (seeded) checkSeedOf(op, params, ct);
  const w = objectWriter(op, ciphertextBytes(polyBytesByLevel(params)[ct.level], degree, seeded), SerializedType.Ciphertext, seeded, params.fingerprint);
  w.u8(degree);
  writeEncodingFields(w, ct);
  if (seeded) w.bytes(ct.seed as Uint8Array);
  for (let k = 0; k <= (seeded ? 0 : degree); k++) writePoly(w, op, `c${k}`, ct.c[k], params.Q, limbs);
  return w.done();
}

/**
 * Load a ciphertext; a seeded one gets c_1 regenerated from its seed (and
 * keeps the seed, so it can be stored seeded again). The input length must be
 * the one of a ciphertext of some degree and level (in the form the header
 * declares) before any field is read.
 * @param params the parameters it was made under
 * @param bytes output of {@link serializeCiphertext}
 * @returns the ciphertext
 * @throws SerializationError / ParametersMismatchError (see the module documentation of src/ckks/serialize/index.ts)
 */
export function deserializeCiphertext(params: Parameters, bytes: Uint8Array): Ciphertext {
  const op = 'deserializeCiphertext';
  const { r, seeded } = openObject(op, bytes, SerializedType.Ciphertext, params);
  const pbs = polyBytesByLevel(params);
  const degrees = seeded ? [1] : [1, 2];
  r.expectLengthAmong(
    pbs.flatMap((pb) => degrees.map((d) => ciphertextBytes(pb, d, seeded))),
    `${seeded ? 'seeded ' : ''}ciphertext under these parameters`,
  );
  const degree = r.u8('degree');
  if (degree !== 1 && degree !== 2) r.fail('degree', `${degree} is not 1 or 2`);
  if (seeded && degree !== 1) r.fail('degree', `a seeded ciphertext has degree 1, got ${degree}`);
  const { level, slots, scale } = readEncodingFields(r, params);
  r.expectLength(ciphertextBytes(pbs[level], degree, seeded), `a ${seeded ? 'seeded ' : ''}degree-${degree} ciphertext at level ${level}`);
  const ct = new Ciphertext(params, degree, level, scale, slots);
  if (seeded) {
    const seed = r.take(SEED_BYTES, 'seed');
    readPoly(r, 'c0', ct.c[0], params.Q, level + 1);
    sampleUniform(new XofSource(seed, XOF_LABEL_CIPHERTEXT), ct.c[1], params.Q);
    ct.c[1].isNtt = true;
    ct.seed = seed;
  } else {
    for (let k = 0; k <= degree; k++) readPoly(r, `c${k}`, ct.c[k], params.Q, level + 1);
  }
  return ct;
}
