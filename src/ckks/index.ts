/**
 * `@hecnn/ckks/ckks`: the RNS-CKKS scheme. Parameters, keys, encoder,
 * encryption, evaluation and hybrid key switching, built on `@hecnn/ckks/ntt`.
 *
 * Pipeline (as in Microsoft SEAL): KeyGenerator -> Encoder -> Encryptor ->
 * Evaluator -> Decryptor.
 *
 * @module
 */
/** The library's one error family (src/core/errors.ts), exported by every layer. */
export * from '../core/errors.js';
export * from './errors.js';
export * from './security.js';
export * from './params.js';
export * from './presets.js';
export * from './sampling.js';
export * from './types.js';
export * from './keys.js';
export * from './encoder.js';
export * from './encryption.js';
export * from './keyswitch.js';
export * from './evaluator.js';
export * from './serialize.js';
