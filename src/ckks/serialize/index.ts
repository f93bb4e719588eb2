/**
 * Versioned binary serialization of parameters, plaintexts, ciphertexts and
 * keys: `Uint8Array` in, `Uint8Array` out, the same bytes in Node and in
 * browsers (no `node:` imports, explicit little-endian; the codec is
 * src/core/codec.ts).
 *
 * Every object starts with a 24-byte header (container.ts):
 *
 * | offset | size | field                                                        |
 * |-------:|-----:|--------------------------------------------------------------|
 * |      0 |    4 | magic `HECK` (48 45 43 4b)                                   |
 * |      4 |    2 | format version, u16 (1)                                      |
 * |      6 |    1 | object type, u8 ({@link SerializedType})                     |
 * |      7 |    1 | flags, u8: bit 0 = seeded ({@link FLAG_SEEDED}), bit 1 = level groups (parameters), bit 2 = key levels (restricted switching keys, keys.ts), others 0 |
 * |      8 |   16 | parameter fingerprint (the raw bytes of `params.fingerprint`)|
 *
 * For parameters the fingerprint is the one of the parameters themselves,
 * checked after they are rebuilt (an integrity check); for every other object
 * it must equal the fingerprint of the parameters given to the loader.
 *
 * Residues are bit-packed limb by limb (body.ts): limb i (modulus q_i) stores
 * its N residues in w_i = bitlength(q_i - 1) bits each, least significant bit
 * first, so a limb takes exactly N w_i / 8 bytes (N >= 16). Every size follows
 * from the parameters (N, the primes, dnum) and the declared level / degree /
 * key count.
 *
 * Bodies (after the header, offsets relative to byte 24), one codec each:
 *
 * - parameters (1, params.ts): logN u8, logSlots u8, securityLevel u16,
 *   digitSize u16, |Q| u16, |P| u16, logDefaultScale f64, the |Q| primes u32,
 *   the |P| primes u32.
 * - plaintext (2, plaintext.ts): level u16, slots u32, scale f64, then the
 *   polynomial over q_0..q_level.
 * - ciphertext (3, ciphertext.ts): degree u8 (1 or 2), level u16, slots u32,
 *   scale f64, [seed, 32 bytes, if seeded], then c_0, c_1 (, c_2) over
 *   q_0..q_level; seeded (degree 1 only): c_0 only, c_1 regenerated from the seed.
 * - public key (4), switching key (5), evaluation keys (6), secret key (7):
 *   keys.ts.
 *
 * Loaders validate everything before use and throw only errors of the
 * library's family: {@link SerializationError} (code `MALFORMED_DATA`) naming
 * the object type, the field and the problem; {@link ParametersMismatchError}
 * for a fingerprint of other parameters; {@link InsecureParametersError} for
 * parameters above the security bound without the opt-in; `INVALID_ARGUMENT`
 * when the input is not a `Uint8Array`. A genuine bug (an exception outside
 * the family) propagates unchanged.
 *
 * Order of the checks: header, fingerprint, then the input length against the
 * sizes an object of the type can have under the parameters, before any body
 * field is read; then the fields, then the exact length they imply, before
 * anything is allocated. Messages name the field, what was expected and a
 * number found in a field (never runs of input bytes); as no other object
 * type has the length of a secret key, a secret key relabelled as another
 * type is refused on its length, before its bytes are read. A secret-key blob
 * is refused by every loader but {@link deserializeSecretKey}.
 *
 * @module
 */

export {
  FLAG_KEY_LEVELS,
  FLAG_SEEDED,
  HEADER_BYTES,
  INTERNAL_ERROR_FIELD,
  SERIALIZATION_VERSION,
  SerializationError,
  type SerializedHeader,
  SerializedType,
  type SerializedTypeCode,
  readHeader,
} from './container.js';
export { type DeserializeParametersOptions, MAX_LOADED_RING_WORDS, MAX_SERIALIZED_PRIMES, deserializeParameters, serializeParameters } from './params.js';
export { deserializePlaintext, serializePlaintext } from './plaintext.js';
export { type SerializeCiphertextOptions, deserializeCiphertext, serializeCiphertext } from './ciphertext.js';
export {
  type SerializeKeyOptions,
  deserializeEvaluationKeys,
  deserializePublicKey,
  deserializeSecretKey,
  deserializeSwitchingKey,
  serializeEvaluationKeys,
  serializePublicKey,
  serializeSecretKey,
  serializeSwitchingKey,
} from './keys.js';
