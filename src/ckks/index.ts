/**
 * `@hecnn/ckks/ckks`: the RNS-CKKS scheme (Cheon, Kim, Kim and Song,
 * ASIACRYPT 2017; RNS form of Cheon, Han, Kim, Kim and Song, SAC 2018):
 * parameters, encoder, encryption and decryption with scale and slots,
 * evaluation with explicit rescaling, serialization. Built on the RLWE core
 * (`@hecnn/ckks/rlwe`: keys, key switching, samplers), which it re-exports so
 * that the whole SEAL-style pipeline comes from one import.
 *
 * Pipeline (as in Microsoft SEAL): KeyGenerator -> Encoder -> Encryptor ->
 * Evaluator -> Decryptor.
 *
 * @module
 */
export * from '../rlwe/index.js';
export * from './security.js';
export * from './params.js';
export * from './presets.js';
export * from './types.js';
export * from './encoder.js';
export * from './flooding.js';
export * from './encryption.js';
export * from './evaluator-base.js';
export * from './evaluator-galois.js';
export * from './evaluator.js';
export * from './serialize/index.js';
